/// Byte-level JSON rules shared by the tape parser (`JSONParser`) and the direct scanner (`WireScanner`), so the
/// two readers accept exactly the same escapes and UTF-8.
///
/// Guarantees: pure functions over bytes the caller owns; the callers turn a refusal into their own error.
enum JSONBytes {
    /// How a multi-byte UTF-8 sequence starting at a byte ≥ 0x80 reads (Unicode table 3-7: no overlongs, no
    /// surrogates, nothing above U+10FFFF).
    enum Sequence: Equatable {
        case valid(length: Int)
        case truncated
        case invalid
    }

    @inline(__always)
    static func utf8Sequence(_ bytes: UnsafePointer<UInt8>, count: Int, at i: Int) -> Sequence {
        let length: Int
        var lo: UInt8 = 0x80, hi: UInt8 = 0xBF
        switch bytes[i] {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; lo = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; hi = 0x9F
        case 0xF0: length = 4; lo = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; hi = 0x8F
        default: return .invalid
        }
        guard i + length <= count else { return .truncated }
        let b1 = bytes[i + 1]
        guard b1 >= lo && b1 <= hi else { return .invalid }
        for k in 2..<length where bytes[i + k] & 0xC0 != 0x80 { return .invalid }
        return .valid(length: length)
    }

    /// Why bytes are refused, and at which offset (each reader turns it into its own error).
    struct Refusal: Error, Equatable {
        let reason: String
        let offset: Int
    }

    /// The length of the escape at `i` (a backslash): one of `\" \\ \/ \b \f \n \r \t`, or `\uXXXX`, where a high
    /// surrogate must be followed by an escaped low one and a low surrogate may not stand alone.
    static func escapeLength(_ bytes: UnsafePointer<UInt8>, count: Int, at i: Int) throws(Refusal) -> Int {
        guard i + 1 < count else { throw Refusal(reason: "unterminated escape", offset: i) }
        switch bytes[i + 1] {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
            UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
            return 2
        case UInt8(ascii: "u"):
            let unit = try hex4(bytes, count: count, at: i + 2)
            let end = i + 6
            if unit >= 0xDC00 && unit < 0xE000 { throw Refusal(reason: "lone low surrogate escape", offset: end) }
            guard unit >= 0xD800 && unit < 0xDC00 else { return 6 }
            guard end + 1 < count, bytes[end] == UInt8(ascii: "\\"), bytes[end + 1] == UInt8(ascii: "u") else {
                throw Refusal(reason: "lone high surrogate escape", offset: end)
            }
            let low = try hex4(bytes, count: count, at: end + 2)
            guard low >= 0xDC00 && low < 0xE000 else { throw Refusal(reason: "invalid surrogate pair", offset: end) }
            return 12
        default:
            throw Refusal(reason: "invalid escape", offset: i)
        }
    }

    /// The four hex digits of a `\u` escape at `at`.
    private static func hex4(_ bytes: UnsafePointer<UInt8>, count: Int, at: Int) throws(Refusal) -> UInt32 {
        guard at + 4 <= count else { throw Refusal(reason: "truncated \\u escape", offset: at) }
        var v: UInt32 = 0
        for j in at..<at + 4 {
            let h = hexValue(bytes[j])
            guard h != 0xFF else { throw Refusal(reason: "invalid hex digit", offset: j) }
            v = v << 4 | UInt32(h)
        }
        return v
    }

    /// Whether `n` bytes at `a` and `b` are equal (eight at a time).
    @inline(__always)
    static func equal(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ n: Int) -> Bool {
        var k = 0
        while k + 8 <= n {
            if UnsafeRawPointer(a).loadUnaligned(fromByteOffset: k, as: UInt64.self)
                != UnsafeRawPointer(b).loadUnaligned(fromByteOffset: k, as: UInt64.self) { return false }
            k += 8
        }
        while k < n {
            if a[k] != b[k] { return false }
            k += 1
        }
        return true
    }
}
