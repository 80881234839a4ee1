import TillCore

/// The direct decoder gave up on a frame: anything it does not accept (an error of any kind, an escaped key, an op
/// it does not handle). The tape decoder then reads the frame again and either accepts it or names the error, so
/// every refusal keeps its exact code and field path.
struct WireMiss: Error {}

/// Where a string or number token sits in the frame: string content without quotes, or the number's characters.
struct WireToken {
    var start: Int
    var end: Int
    /// Strings: the content holds at least one backslash escape.
    var escaped: Bool
    /// Strings: the content is plain ASCII (no escape, no byte at or above 0x80).
    var ascii = false
}

/// A single-pass strict JSON cursor over one frame, for decoders that read typed values straight from the bytes.
///
/// Guarantees: it applies exactly the rules of `JSONParser` (RFC 8259 grammar, whitespace, valid UTF-8 without
/// overlongs or surrogates, escape and surrogate-pair rules, no control bytes in strings, containers nested at most
/// `maxDepth` deep with the frame's object at depth 1, at most `maxObjectMembers` members per object, no duplicate
/// keys, nothing after the value). It throws `WireMiss` where the parser would throw and also wherever it does
/// not want to decide (escaped keys, escaped closed-set values): a miss never accepts anything. All `Unsafe` access of
/// the direct decoders is confined to this type (this file, `WireScanner+Tokens.swift`, `WireFields.swift`).
struct WireScanner {
    // Internal rather than private only so that the scanner's own files (`WireScanner+Tokens.swift`) reach them.
    let base: UnsafePointer<UInt8>
    let count: Int
    let maxDepth: Int
    static let maxObjectMembers = 128
    var i = 0
    /// `SmallASCIIString.layoutHolds`, read once per frame.
    private let smallStrings: Bool

    init(_ bytes: UnsafeBufferPointer<UInt8>, maxDepth: Int) {
        // A non-empty buffer always has a base address; an empty one gets a valid pointer that is never read.
        self.base = bytes.baseAddress ?? UnsafePointer(bitPattern: 1)!
        self.count = bytes.count
        self.maxDepth = maxDepth
        self.smallStrings = SmallASCIIString.layoutHolds
    }

    // MARK: Structure

    /// Steps over whitespace; compact frames have none, so one test of the next byte is the usual cost.
    @inline(__always)
    mutating func skipWhitespace() {
        if i < count && base[i] <= 0x20 { skipWhitespaceRun() }
    }

    private mutating func skipWhitespaceRun() {
        while i < count {
            let b = base[i]
            guard b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 else { return }
            i += 1
        }
    }

    @inline(__always)
    func peek() -> UInt8 { i < count ? base[i] : 0 }

    /// Opens an object at `depth` (whitespace before it allowed); false when it is empty (`{}` consumed).
    mutating func beginObject(depth: Int) throws(WireMiss) -> Bool {
        skipWhitespace()
        guard peek() == UInt8(ascii: "{"), depth <= maxDepth else { throw WireMiss() }
        i += 1
        skipWhitespace()
        if peek() == UInt8(ascii: "}") { i += 1; return false }
        return true
    }

    /// Opens an array at `depth`; false when it is empty (`[]` consumed).
    @inline(__always)
    mutating func beginArray(depth: Int) throws(WireMiss) -> Bool {
        skipWhitespace()
        guard peek() == UInt8(ascii: "["), depth <= maxDepth else { throw WireMiss() }
        i += 1
        skipWhitespace()
        if peek() == UInt8(ascii: "]") { i += 1; return false }
        return true
    }

    /// The next key of an object (unescaped only) with its `:` consumed.
    mutating func key() throws(WireMiss) -> WireToken {
        skipWhitespace()
        let k = try string()
        if k.escaped { throw WireMiss() }
        skipWhitespace()
        guard peek() == UInt8(ascii: ":") else { throw WireMiss() }
        i += 1
        return k
    }

    /// After a member: true on `,` (another member follows), false on `}` (object closed).
    @inline(__always)
    mutating func nextMember() throws(WireMiss) -> Bool { try next(closing: UInt8(ascii: "}")) }

    /// After an element: true on `,`, false on `]`.
    @inline(__always)
    mutating func nextElement() throws(WireMiss) -> Bool { try next(closing: UInt8(ascii: "]")) }

    /// After a member or element: true on `,`, false on `closing`.
    @inline(__always)
    private mutating func next(closing: UInt8) throws(WireMiss) -> Bool {
        // Compact frames: the separator right after the value and the next key or value right after it.
        if i + 1 < count {
            let b = base[i]
            if b == UInt8(ascii: ",") && base[i + 1] > 0x20 { i += 1; return true }
            if b == closing { i += 1; return false }
        }
        return try nextAfterSpace(closing: closing)
    }

    private mutating func nextAfterSpace(closing: UInt8) throws(WireMiss) -> Bool {
        skipWhitespace()
        let b = peek()
        i += 1
        if b == UInt8(ascii: ",") { skipWhitespace(); return true }
        if b == closing { return false }
        throw WireMiss()
    }

    /// The end of the frame: only whitespace may follow the value.
    mutating func end() throws(WireMiss) {
        skipWhitespace()
        if i != count { throw WireMiss() }
    }

    /// Whether unescaped string token `k` is exactly `name`.
    @inline(__always)
    func token(_ k: WireToken, is name: StaticString) -> Bool {
        let n = name.utf8CodeUnitCount
        return k.end - k.start == n && JSONBytes.equal(base + k.start, name.utf8Start, n)
    }

    /// Whether tokens `a` and `b` hold the same unescaped bytes.
    func sameBytes(_ a: WireToken, _ b: WireToken) -> Bool {
        a.end - a.start == b.end - b.start && JSONBytes.equal(base + a.start, base + b.start, a.end - a.start)
    }

    /// Consumes `null` when it is the next value.
    @inline(__always)
    mutating func null() -> Bool {
        skipWhitespace()
        guard peek() == UInt8(ascii: "n"), i + 4 <= count, base[i + 1] == UInt8(ascii: "u"), base[i + 2] == UInt8(ascii: "l"),
              base[i + 3] == UInt8(ascii: "l") else { return false }
        i += 4
        return true
    }

    // MARK: Values

    /// A string value of at most `maxLength` UTF-8 bytes (after unescaping), not empty when `nonEmpty`. With `keep`
    /// false the value is checked by exactly the same rules and not built: `""` comes back, nothing is allocated (a
    /// receipt checked and dropped).
    @inline(__always)
    mutating func text(maxLength: Int, nonEmpty: Bool = false, keep: Bool = true) throws(WireMiss) -> String {
        // The usual value: at most 15 plain ASCII bytes right at the cursor (whitespace before it takes `anyText`),
        // read as two words and built as a small string in place.
        if smallStrings && i + 17 <= count && base[i] == UInt8(ascii: "\"") {
            let raw = UnsafeRawPointer(base + i + 1)
            let w0 = raw.loadUnaligned(as: UInt64.self)
            var special = Self.specialBytes(w0)
            var n = 0
            if special == 0 {
                special = Self.specialBytes(raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self)) | 0x8000_0000_0000_0000
                n = 8
            }
            n += special.trailingZeroBitCount >> 3
            if n < 16 && base[i + 1 + n] == UInt8(ascii: "\"") && n <= maxLength && (n > 0 || !nonEmpty) {
                i += n + 2
                guard keep else { return "" }
                let w1 = raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self)
                return SmallASCIIString.make(UInt64(littleEndian: w0), UInt64(littleEndian: w1), count: n)
            }
        }
        return try anyText(maxLength: maxLength, nonEmpty: nonEmpty, keep: keep)
    }

    /// `text` for every other string: long, escaped, non-ASCII, or at the end of the frame.
    private mutating func anyText(maxLength: Int, nonEmpty: Bool, keep: Bool) throws(WireMiss) -> String {
        skipWhitespace()
        let t = try string()
        let n = t.end - t.start
        if !t.escaped {
            guard n <= maxLength, n > 0 || !nonEmpty else { throw WireMiss() }
            return keep ? makeString(t.start, n, ascii: t.ascii) : ""
        }
        let bytes = jsonUnescape(UnsafeBufferPointer(start: base + t.start, count: n))
        guard bytes.count <= maxLength, !bytes.isEmpty || !nonEmpty else { throw WireMiss() }
        return keep ? String(decoding: bytes, as: UTF8.self) : ""
    }

    /// An unescaped string value of exactly `length` bytes, each in `A`...`Z` (currency codes).
    mutating func upperCaseCode(length: Int) throws(WireMiss) -> String {
        skipWhitespace()
        let t = try string()
        guard !t.escaped, t.end - t.start == length else { throw WireMiss() }
        for k in t.start..<t.end where base[k] &- UInt8(ascii: "A") >= 26 { throw WireMiss() }
        return makeString(t.start, length, ascii: true)
    }

    /// A `String` of `n` validated UTF-8 bytes at `start`. Short ASCII strings (at most 15 bytes: the usual ids,
    /// codes and names) are built directly in the standard library's small-string form, without a second
    /// validation pass; the others through `String(unsafeUninitializedCapacity:)`.
    @inline(__always)
    private func makeString(_ start: Int, _ n: Int, ascii: Bool) -> String {
        if ascii && n <= 15 && smallStrings {
            if start + 16 <= count {
                let raw = UnsafeRawPointer(base + start)
                let w0 = UInt64(littleEndian: raw.loadUnaligned(as: UInt64.self))
                let w1 = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
                return SmallASCIIString.make(w0, w1, count: n)
            }
            var w0: UInt64 = 0, w1: UInt64 = 0  // near the frame's end (`"currency":"EUR"}`): byte by byte
            for k in 0..<n {
                let b = UInt64(base[start + k])
                if k < 8 { w0 |= b &<< (8 &* UInt64(k)) } else { w1 |= b &<< (8 &* UInt64(k - 8)) }
            }
            return SmallASCIIString.make(w0, w1, count: n)
        }
        if n == 0 { return "" }
        let source = base + start
        return String(unsafeUninitializedCapacity: n) { out in
            out.baseAddress!.update(from: source, count: n)
            return n
        }
    }

    /// An unescaped string token, for closed-set values matched with `value(_:is:)`.
    mutating func word() throws(WireMiss) -> WireToken {
        skipWhitespace()
        let t = try string()
        if t.escaped { throw WireMiss() }
        return t
    }

    /// An integer literal (no fraction, no exponent) within `range`, read in the same pass as its grammar. Numbers
    /// of more than 18 digits, fractions and exponents are left to the tape decoder.
    @inline(__always)
    mutating func int(_ range: ClosedRange<Int64>) throws(WireMiss) -> Int64 {
        skipWhitespace()
        var j = i
        let negative = j < count && base[j] == UInt8(ascii: "-")
        if negative { j += 1 }
        let first = j
        var v: Int64 = 0
        while j < count, case let d = base[j] &- UInt8(ascii: "0"), d < 10 {
            v = v &* 10 &+ Int64(d)
            j += 1
        }
        let n = j - first
        // At least one digit, no leading zero, at most 18 digits, and not followed by a fraction or an exponent.
        guard n > 0, n <= 18, n == 1 || base[first] != UInt8(ascii: "0"),
              j == count || (base[j] != UInt8(ascii: ".") && base[j] | 0x20 != UInt8(ascii: "e")) else { throw WireMiss() }
        i = j
        let value = negative ? -v : v
        guard range.contains(value) else { throw WireMiss() }
        return value
    }

    /// A quantity greater than 0 with at most three decimals, in thousandths (at most 15 whole digits here).
    mutating func positiveQuantity() throws(WireMiss) -> Quantity {
        skipWhitespace()
        var v = try digits(maxCount: 15) &* 1000
        if peek() == UInt8(ascii: ".") {
            i += 1
            var scale: Int64 = 100
            guard isDigit(peek()) else { throw WireMiss() }
            while isDigit(peek()) {
                guard scale > 0 else { throw WireMiss() }  // a fourth decimal
                v &+= Int64(base[i] &- UInt8(ascii: "0")) &* scale
                scale /= 10
                i += 1
            }
        }
        if isNumberContinuation(peek()) { throw WireMiss() }
        guard v > 0 else { throw WireMiss() }
        return Quantity(thousandths: v)
    }

    /// The digits of a number's integer part: `0` or `[1-9][0-9]*`, at most `maxCount` of them.
    @inline(__always)
    private mutating func digits(maxCount: Int) throws(WireMiss) -> Int64 {
        guard isDigit(peek()) else { throw WireMiss() }
        if base[i] == UInt8(ascii: "0") { i += 1; return 0 }
        let start = i
        var v: Int64 = 0
        while isDigit(peek()) {
            v = v &* 10 &+ Int64(base[i] &- UInt8(ascii: "0"))
            i += 1
        }
        guard i - start <= maxCount else { throw WireMiss() }
        return v
    }

    /// A byte that would continue a number token (fraction, exponent, digit after a leading `0`): not an integer.
    @inline(__always)
    private func isNumberContinuation(_ b: UInt8) -> Bool {
        b == UInt8(ascii: ".") || b == UInt8(ascii: "e") || b == UInt8(ascii: "E") || isDigit(b)
    }

    /// An unescaped ISO-8601 timestamp string with a zone.
    mutating func timestamp() throws(WireMiss) -> Timestamp {
        skipWhitespace()
        let t = try string()
        guard !t.escaped, let v = TimestampCodec.parse(UnsafeBufferPointer(start: base + t.start, count: t.end - t.start))
        else { throw WireMiss() }
        return v
    }

    /// A request id: a string of 1 to 128 bytes or a 64-bit integer.
    mutating func requestID() throws(WireMiss) -> RequestID {
        skipWhitespace()
        if peek() == UInt8(ascii: "\"") { return .string(try text(maxLength: 128, nonEmpty: true)) }
        return .int(try int(Int64.min...Int64.max))
    }
}
