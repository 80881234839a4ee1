import TillCore

/// The members seen so far in one object being decoded directly: known fields by bit, unknown keys by token, so a
/// duplicate key of either kind is refused; and the member count against `WireScanner.maxObjectMembers`.
struct WireMembers {
    private var seen: UInt64 = 0
    private var count = 0
    private var unknown: [WireToken] = []

    /// Whether every known field in `required` (a bit per field number) was seen.
    func has(_ required: UInt64) -> Bool { seen & required == required }

    /// Records known field number `bit` (0 ..< 64); a second occurrence is a duplicate. (The member count is
    /// checked with the unknown keys: known fields alone are at most 64.)
    @inline(__always)
    mutating func known(_ bit: Int) throws(WireMiss) {
        let mask: UInt64 = 1 &<< UInt64(bit)
        guard seen & mask == 0 else { throw WireMiss() }
        if count != 0 && count + seen.nonzeroBitCount >= WireScanner.maxObjectMembers { throw WireMiss() }
        seen |= mask
    }

    /// Records unknown key `k` (after `:`) and skips its value, validated, at `depth`.
    mutating func skipUnknown(_ k: WireToken, _ s: inout WireScanner, depth: Int) throws(WireMiss) {
        count += 1
        guard count + seen.nonzeroBitCount <= WireScanner.maxObjectMembers else { throw WireMiss() }
        for old in unknown where s.sameBytes(old, k) { throw WireMiss() }
        unknown.append(k)
        try s.skipValue(depth: depth)
    }
}

/// A closed set of wire words (an enum's raw values), matched as bytes without building a `String`.
struct WireChoices<Value: RawRepresentable & CaseIterable & Sendable>: Sendable where Value.RawValue == String {
    let entries: [(name: [UInt8], value: Value)]
    init(_ type: Value.Type) { entries = Value.allCases.map { (Array($0.rawValue.utf8), $0) } }
}

/// The member names of one message type, numbered in their canonical (encoding) order, for `WireScanner.field`.
/// Built once per type from the cases of an `Int` enum whose case names are the wire names; immutable after init.
final class WireFields: @unchecked Sendable {
    /// One name, quoted (`"lineId"`), with its first 16 bytes as two little-endian words and masks for comparing
    /// them against the frame in two loads; and the same for the compact member start `,"lineId":` (for names of at
    /// most 12 bytes; `memberCount` 0 for longer ones).
    struct Name {
        var quotedCount: Int
        var word0: UInt64 = 0, word1: UInt64 = 0, mask0: UInt64 = 0, mask1: UInt64 = 0
        var memberCount = 0
        var memberWord0: UInt64 = 0, memberWord1: UInt64 = 0, memberMask0: UInt64 = 0, memberMask1: UInt64 = 0
    }
    let names: UnsafeMutablePointer<Name>
    let count: Int
    /// The quoted names in full, for the rare comparisons the words do not cover (names over 14 bytes, frame end).
    let quoted: [[UInt8]]

    init<Field: RawRepresentable & CaseIterable>(_ type: Field.Type) where Field.RawValue == Int {
        precondition(Field.allCases.enumerated().allSatisfy { $0.element.rawValue == $0.offset }, "fields numbered 0, 1, ...")
        precondition(Field.allCases.count <= 64, "a known-field bitset holds 64 fields")
        quoted = Field.allCases.map { [UInt8(ascii: "\"")] + Array(String(describing: $0).utf8) + [UInt8(ascii: "\"")] }
        count = quoted.count
        names = .allocate(capacity: max(count, 1))
        func words(_ bytes: [UInt8]) -> (UInt64, UInt64, UInt64, UInt64) {
            var w0: UInt64 = 0, w1: UInt64 = 0, m0: UInt64 = 0, m1: UInt64 = 0
            for (k, b) in bytes.prefix(16).enumerated() {
                if k < 8 {
                    w0 |= UInt64(b) << (8 * UInt64(k)); m0 |= 0xFF << (8 * UInt64(k))
                } else {
                    w1 |= UInt64(b) << (8 * UInt64(k - 8)); m1 |= 0xFF << (8 * UInt64(k - 8))
                }
            }
            return (w0, w1, m0, m1)
        }
        for (f, quoted) in quoted.enumerated() {
            var name = Name(quotedCount: quoted.count)
            (name.word0, name.word1, name.mask0, name.mask1) = words(quoted)
            let member = [UInt8(ascii: ",")] + quoted + [UInt8(ascii: ":")]
            if member.count <= 16 {
                name.memberCount = member.count
                (name.memberWord0, name.memberWord1, name.memberMask0, name.memberMask1) = words(member)
            }
            (names + f).initialize(to: name)
        }
    }

    deinit { names.deallocate() }
}

/// Short ASCII strings assembled in the standard library's small-string representation (on 64-bit platforms: up to
/// 15 code units in two words, the last byte `0xE0 | count` for an immortal small ASCII string).
///
/// Guarantees: used only when `layoutHolds`, checked once at run time against strings the standard library built
/// itself (every length 0...15, equality, hashing, UTF-8 view, count); otherwise every string takes the ordinary
/// path. Callers pass ASCII bytes only (validated by the scanner).
enum SmallASCIIString {
    static let layoutHolds: Bool = {
        guard MemoryLayout<String>.size == 16, UInt64(littleEndian: 1) == 1 else { return false }
        let sample = Array("0123456789abcdefXYZ".utf8)
        for n in 0...15 {
            var w0: UInt64 = 0, w1: UInt64 = 0
            for k in 0..<16 { let b = UInt64(sample[k]); if k < 8 { w0 |= b << (8 * UInt64(k)) } else { w1 |= b << (8 * UInt64(k - 8)) } }
            let built = make(w0, w1, count: n)
            let expected = String(decoding: sample[0..<n], as: UTF8.self)
            var hasher = Hasher(), hasher2 = Hasher()
            hasher.combine(built); hasher2.combine(expected)
            guard built == expected, built.utf8.count == n, built.count == n, Array(built.utf8) == Array(sample[0..<n]),
                  hasher.finalize() == hasher2.finalize(), built + "!" == expected + "!",
                  unsafeBitCast(expected, to: (UInt64, UInt64).self) == unsafeBitCast(built, to: (UInt64, UInt64).self),
                  let read = words(of: expected), read.count == n, read.w0 == w0 & (n >= 8 ? ~0 : (1 << (8 * UInt64(n))) &- 1),
                  read.w1 == (n > 8 ? w1 & ((1 << (8 * UInt64(n - 8))) &- 1) : 0)
            else { return false }
        }
        // `words(of:)` recognises no other form: large native, literal and bridged-free shared strings, non-ASCII.
        let large = String(decoding: sample, as: UTF8.self), literal = "0123456789abcdefXYZ", substring = String(large.dropFirst())
        for other in [large, literal, substring, "é", "😀", "ab\u{00E9}"] where words(of: other) != nil { return false }
        return true
    }()

    /// The bytes of `s` when it is a small ASCII string (at most 15 bytes, held in the string itself): the first
    /// eight and the rest as little-endian words (zero past `count`). Nil for every other string. Valid only when
    /// `layoutHolds`.
    @inline(__always)
    static func words(of s: String) -> (w0: UInt64, w1: UInt64, count: Int)? {
        let (w0, raw1) = unsafeBitCast(s, to: (UInt64, UInt64).self)
        let discriminator = raw1 >> 56
        guard discriminator & 0xF0 == 0xE0 else { return nil }  // immortal, small, ASCII
        return (w0, raw1 & 0x00FF_FFFF_FFFF_FFFF, Int(discriminator & 0x0F))
    }

    /// The string of the first `count` (0...15) bytes of the little-endian words `w0`, `w1`.
    @inline(__always)
    static func make(_ w0: UInt64, _ w1: UInt64, count: Int) -> String {
        let bits = UInt64(truncatingIfNeeded: count) &* 8
        let low = bits >= 64 ? w0 : w0 & ((1 &<< bits) &- 1)
        let highBits = bits >= 64 ? bits &- 64 : 0
        let high = (w1 & ((1 &<< highBits) &- 1)) | (UInt64(0xE0 | count) &<< 56)
        // Written over an empty string: both are immortal small strings, so no reference count is involved.
        var s = ""
        withUnsafeMutableBytes(of: &s) { raw in
            raw.storeBytes(of: low, toByteOffset: 0, as: UInt64.self)
            raw.storeBytes(of: high, toByteOffset: 8, as: UInt64.self)
        }
        return s
    }
}
