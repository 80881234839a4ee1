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
/// the direct decoders is confined to this type.
struct WireScanner {
    private let base: UnsafePointer<UInt8>
    private let count: Int
    let maxDepth: Int
    static let maxObjectMembers = 128
    private(set) var i = 0
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
    private func peek() -> UInt8 { i < count ? base[i] : 0 }

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
    mutating func nextMember() throws(WireMiss) -> Bool {
        skipWhitespace()
        let b = peek()
        i += 1
        if b == UInt8(ascii: ",") { skipWhitespace(); return true }
        if b == UInt8(ascii: "}") { return false }
        throw WireMiss()
    }

    /// After an element: true on `,`, false on `]`.
    @inline(__always)
    mutating func nextElement() throws(WireMiss) -> Bool {
        skipWhitespace()
        let b = peek()
        i += 1
        if b == UInt8(ascii: ",") { skipWhitespace(); return true }
        if b == UInt8(ascii: "]") { return false }
        throw WireMiss()
    }

    /// The end of the frame: only whitespace may follow the value.
    mutating func end() throws(WireMiss) {
        skipWhitespace()
        if i != count { throw WireMiss() }
    }

    /// The number in `fields` of the next key (at the cursor, after `{` or `,`) when it is one of them, with the key
    /// and its `:` consumed; nil leaves the cursor for `key()`. `expected` (the field after the previous one) is
    /// tried first, so members in their usual order cost one comparison each.
    @inline(__always)
    mutating func field(in fields: WireFields, expected: inout Int) -> Int? {
        if expected < fields.count, field(fields, expected) { expected += 1; return expected - 1 }
        return searchField(in: fields, expected: &expected)
    }

    private mutating func searchField(in fields: WireFields, expected: inout Int) -> Int? {
        for f in 0..<fields.count where f != expected && field(fields, f) {
            expected = f + 1
            return f
        }
        return nil
    }

    /// Whether the next key is field `f` of `fields`: its quoted name compared a word at a time, then the `:`.
    /// The bytes `"name"` are a complete, valid, unescaped key, so no scan is needed.
    @inline(__always)
    private mutating func field(_ fields: WireFields, _ f: Int) -> Bool {
        let name = fields.names[f]
        let n = name.quotedCount
        guard i + n < count else { return false }
        if i + 16 <= count {
            let raw = UnsafeRawPointer(base + i)
            let w0 = UInt64(littleEndian: raw.loadUnaligned(as: UInt64.self))
            let w1 = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
            guard (w0 ^ name.word0) & name.mask0 == 0, (w1 ^ name.word1) & name.mask1 == 0 else { return false }
            if n > 16 {
                guard fields.quoted[f].withUnsafeBufferPointer({ equalBytes(base + i + 16, $0.baseAddress! + 16, n - 16) }) else { return false }
            }
        } else {
            guard fields.quoted[f].withUnsafeBufferPointer({ equalBytes(base + i, $0.baseAddress!, n) }) else { return false }
        }
        if base[i + n] == UInt8(ascii: ":") {
            i += n + 1
            return true
        }
        let at = i
        i += n
        skipWhitespace()
        if peek() == UInt8(ascii: ":") { i += 1; return true }
        i = at  // not a key after all: `key()` decides
        return false
    }

    /// Whether key token `k` is exactly `name`.
    @inline(__always)
    func key(_ k: WireToken, is name: StaticString) -> Bool {
        let n = name.utf8CodeUnitCount
        return k.end - k.start == n && equalBytes(base + k.start, name.utf8Start, n)
    }

    /// Whether tokens `a` and `b` hold the same unescaped bytes.
    func sameBytes(_ a: WireToken, _ b: WireToken) -> Bool {
        a.end - a.start == b.end - b.start && equalBytes(base + a.start, base + b.start, a.end - a.start)
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

    /// A string value of at most `maxLength` UTF-8 bytes (after unescaping), not empty when `nonEmpty`.
    @inline(__always)
    mutating func text(maxLength: Int, nonEmpty: Bool = false) throws(WireMiss) -> String {
        skipWhitespace()
        // The usual value: at most 15 plain ASCII bytes, read as two words and built as a small string in place.
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
                let w1 = raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self)
                i += n + 2
                return SmallASCIIString.make(UInt64(littleEndian: w0), UInt64(littleEndian: w1), count: n)
            }
        }
        return try anyText(maxLength: maxLength, nonEmpty: nonEmpty)
    }

    /// `text` for every other string: long, escaped, non-ASCII, or at the end of the frame.
    private mutating func anyText(maxLength: Int, nonEmpty: Bool) throws(WireMiss) -> String {
        let t = try string()
        let n = t.end - t.start
        if !t.escaped {
            guard n <= maxLength, n > 0 || !nonEmpty else { throw WireMiss() }
            return makeString(t.start, n, ascii: t.ascii)
        }
        let bytes = jsonUnescape(UnsafeBufferPointer(start: base + t.start, count: n))
        guard bytes.count <= maxLength, !bytes.isEmpty || !nonEmpty else { throw WireMiss() }
        return String(decoding: bytes, as: UTF8.self)
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
        if ascii && n <= 15 && start + 16 <= count && smallStrings {
            let raw = UnsafeRawPointer(base + start)
            let w0 = UInt64(littleEndian: raw.loadUnaligned(as: UInt64.self))
            let w1 = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
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

    // MARK: Skipping

    /// Steps over any value at `depth` (its containers count from there), validating it completely: grammar, UTF-8,
    /// nesting, member counts and duplicate keys inside it.
    mutating func skipValue(depth: Int) throws(WireMiss) {
        skipWhitespace()
        switch peek() {
        case UInt8(ascii: "{"):
            guard try beginObject(depth: depth) else { return }
            var members = WireMembers()
            repeat {
                try members.skipUnknown(try key(), &self, depth: depth + 1)
            } while try nextMember()
        case UInt8(ascii: "["):
            guard try beginArray(depth: depth) else { return }
            repeat { try skipValue(depth: depth + 1) } while try nextElement()
        case UInt8(ascii: "\""): _ = try string()
        case UInt8(ascii: "t"): try literal("true")
        case UInt8(ascii: "f"): try literal("false")
        case UInt8(ascii: "n"): try literal("null")
        default: _ = try number()
        }
    }

    private mutating func literal(_ word: StaticString) throws(WireMiss) {
        let n = word.utf8CodeUnitCount
        guard i + n <= count, equalBytes(base + i, word.utf8Start, n) else { throw WireMiss() }
        i += n
    }

    // MARK: Tokens

    /// A number token with the parser's grammar: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
    private mutating func number() throws(WireMiss) -> WireToken {
        let start = i
        if peek() == UInt8(ascii: "-") { i += 1 }
        guard isDigit(peek()) else { throw WireMiss() }
        if base[i] == UInt8(ascii: "0") { i += 1 } else { while isDigit(peek()) { i += 1 } }
        if peek() == UInt8(ascii: ".") {
            i += 1
            guard isDigit(peek()) else { throw WireMiss() }
            while isDigit(peek()) { i += 1 }
        }
        if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
            i += 1
            if peek() == UInt8(ascii: "+") || peek() == UInt8(ascii: "-") { i += 1 }
            guard isDigit(peek()) else { throw WireMiss() }
            while isDigit(peek()) { i += 1 }
        }
        return WireToken(start: start, end: i, escaped: false)
    }

    @inline(__always) private func isDigit(_ b: UInt8) -> Bool { b &- UInt8(ascii: "0") < 10 }

    /// A string token at `i` (which must be `"`), fully validated, closing quote consumed.
    @inline(__always)
    private mutating func string() throws(WireMiss) -> WireToken {
        guard peek() == UInt8(ascii: "\"") else { throw WireMiss() }
        let start = i + 1
        // The usual case: short ASCII without escapes, ending within the first words.
        var j = start
        let raw = UnsafeRawPointer(base)
        while j + 8 <= count {
            let special = Self.specialBytes(raw.loadUnaligned(fromByteOffset: j, as: UInt64.self))
            if special != 0 {
                j += special.trailingZeroBitCount >> 3
                if base[j] == UInt8(ascii: "\"") {
                    i = j + 1
                    return WireToken(start: start, end: j, escaped: false, ascii: true)
                }
                break
            }
            j += 8
        }
        i = j
        return try stringRest(start: start)
    }

    /// The high bit of each byte of `w` (little-endian) that is '"', '\\', a control byte or non-ASCII; the lowest
    /// flagged byte is exact (a borrow only flags bytes above a special one).
    @inline(__always)
    private static func specialBytes(_ word: UInt64) -> UInt64 {
        let w = UInt64(littleEndian: word)
        let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
        let quote = w ^ (ones &* 0x22), backslash = w ^ (ones &* 0x5C)
        return (((quote &- ones) & ~quote) | ((backslash &- ones) & ~backslash) | (w &- ones &* 0x20) | w) & highs
    }

    /// The rest of a string from `i` (escapes, non-ASCII, the frame's last bytes), content starting at `start`.
    private mutating func stringRest(start: Int) throws(WireMiss) -> WireToken {
        var escaped = false
        let raw = UnsafeRawPointer(base)
        while true {
            var found = false
            while i + 8 <= count {
                let special = Self.specialBytes(raw.loadUnaligned(fromByteOffset: i, as: UInt64.self))
                if special != 0 {
                    i += special.trailingZeroBitCount >> 3
                    found = true
                    break
                }
                i += 8
            }
            if !found {
                while i < count {  // the last bytes of the frame, one by one
                    let c = base[i]
                    if c == UInt8(ascii: "\"") || c == UInt8(ascii: "\\") || c < 0x20 || c >= 0x80 { break }
                    i += 1
                }
                guard i < count else { throw WireMiss() }
            }
            let b = base[i]
            if b == UInt8(ascii: "\"") { break }
            if b == UInt8(ascii: "\\") {
                escaped = true
                try escape()
            } else if b < 0x20 {
                throw WireMiss()
            } else {
                try utf8Sequence()
            }
        }
        let t = WireToken(start: start, end: i, escaped: escaped)
        i += 1
        return t
    }

    private mutating func escape() throws(WireMiss) {
        guard i + 1 < count else { throw WireMiss() }
        switch base[i + 1] {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
            UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
            i += 2
        case UInt8(ascii: "u"):
            let unit = try hex4(at: i + 2)
            i += 6
            if unit >= 0xDC00 && unit < 0xE000 { throw WireMiss() }
            if unit >= 0xD800 && unit < 0xDC00 {
                guard i + 1 < count, base[i] == UInt8(ascii: "\\"), base[i + 1] == UInt8(ascii: "u") else { throw WireMiss() }
                let low = try hex4(at: i + 2)
                guard low >= 0xDC00 && low < 0xE000 else { throw WireMiss() }
                i += 6
            }
        default: throw WireMiss()
        }
    }

    private func hex4(at k: Int) throws(WireMiss) -> UInt32 {
        guard k + 4 <= count else { throw WireMiss() }
        var v: UInt32 = 0
        for j in k..<k + 4 {
            let h = hexValue(base[j])
            guard h != 0xFF else { throw WireMiss() }
            v = v << 4 | UInt32(h)
        }
        return v
    }

    /// One multi-byte UTF-8 sequence (Unicode table 3-7).
    private mutating func utf8Sequence() throws(WireMiss) {
        let b0 = base[i]
        let length: Int
        var lo: UInt8 = 0x80, hi: UInt8 = 0xBF
        switch b0 {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; lo = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; hi = 0x9F
        case 0xF0: length = 4; lo = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; hi = 0x8F
        default: throw WireMiss()
        }
        guard i + length <= count else { throw WireMiss() }
        let b1 = base[i + 1]
        guard b1 >= lo && b1 <= hi else { throw WireMiss() }
        for k in 2..<length where base[i + k] & 0xC0 != 0x80 { throw WireMiss() }
        i += length
    }
}

@inline(__always)
private func equalBytes(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ n: Int) -> Bool {
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
    fileprivate let entries: [(name: [UInt8], value: Value)]
    init(_ type: Value.Type) { entries = Value.allCases.map { (Array($0.rawValue.utf8), $0) } }
}

extension WireScanner {
    /// An unescaped string value that is one of `choices`.
    mutating func choice<Value>(_ choices: WireChoices<Value>) throws(WireMiss) -> Value {
        let t = try word()
        let n = t.end - t.start
        for entry in choices.entries where entry.name.count == n {
            if entry.name.withUnsafeBufferPointer({ equalBytes(base + t.start, $0.baseAddress!, n) }) { return entry.value }
        }
        throw WireMiss()
    }
}

/// The member names of one message type, numbered in their canonical (encoding) order, for `WireScanner.field`.
/// Built once per type from the cases of an `Int` enum whose case names are the wire names; immutable after init.
final class WireFields: @unchecked Sendable {
    /// One name, quoted (`"lineId"`), with its first 16 bytes as two little-endian words and masks for comparing
    /// them against the frame in two loads.
    struct Name {
        var quotedCount: Int
        var word0: UInt64 = 0, word1: UInt64 = 0, mask0: UInt64 = 0, mask1: UInt64 = 0
    }
    fileprivate let names: UnsafeMutablePointer<Name>
    let count: Int
    /// The quoted names in full, for the rare comparisons the words do not cover (names over 14 bytes, frame end).
    fileprivate let quoted: [[UInt8]]

    init<Field: RawRepresentable & CaseIterable>(_ type: Field.Type) where Field.RawValue == Int {
        precondition(Field.allCases.enumerated().allSatisfy { $0.element.rawValue == $0.offset }, "fields numbered 0, 1, ...")
        precondition(Field.allCases.count <= 64, "a known-field bitset holds 64 fields")
        quoted = Field.allCases.map { [UInt8(ascii: "\"")] + Array(String(describing: $0).utf8) + [UInt8(ascii: "\"")] }
        count = quoted.count
        names = .allocate(capacity: max(count, 1))
        for (f, quoted) in quoted.enumerated() {
            var name = Name(quotedCount: quoted.count)
            for (k, b) in quoted.prefix(16).enumerated() {
                if k < 8 {
                    name.word0 |= UInt64(b) << (8 * UInt64(k)); name.mask0 |= 0xFF << (8 * UInt64(k))
                } else {
                    name.word1 |= UInt64(b) << (8 * UInt64(k - 8)); name.mask1 |= 0xFF << (8 * UInt64(k - 8))
                }
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
                  unsafeBitCast(expected, to: (UInt64, UInt64).self) == unsafeBitCast(built, to: (UInt64, UInt64).self)
            else { return false }
        }
        return true
    }()

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
