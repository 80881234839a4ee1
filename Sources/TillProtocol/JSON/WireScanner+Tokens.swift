import TillCore

/// Token scanning and validated skipping for `WireScanner` (the same grammar and UTF-8 rules as `JSONParser`), and
/// the matching of known keys against `WireFields`.
extension WireScanner {
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

    /// A `true` or `false` literal.
    mutating func bool() throws(WireMiss) -> Bool {
        skipWhitespace()
        switch peek() {
        case UInt8(ascii: "t"): try literal("true"); return true
        case UInt8(ascii: "f"): try literal("false"); return false
        default: throw WireMiss()
        }
    }

    private mutating func literal(_ word: StaticString) throws(WireMiss) {
        let n = word.utf8CodeUnitCount
        guard i + n <= count, JSONBytes.equal(base + i, word.utf8Start, n) else { throw WireMiss() }
        i += n
    }

    // MARK: Tokens

    /// A number token with the parser's grammar: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
    mutating func number() throws(WireMiss) -> WireToken {
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

    @inline(__always) func isDigit(_ b: UInt8) -> Bool { b &- UInt8(ascii: "0") < 10 }

    /// A string token at `i` (which must be `"`), fully validated, closing quote consumed.
    @inline(__always)
    mutating func string() throws(WireMiss) -> WireToken {
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
    static func specialBytes(_ word: UInt64) -> UInt64 {
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
        guard let length = try? JSONBytes.escapeLength(base, count: count, at: i) else { throw WireMiss() }
        i += length
    }

    /// One multi-byte UTF-8 sequence.
    private mutating func utf8Sequence() throws(WireMiss) {
        guard case .valid(let length) = JSONBytes.utf8Sequence(base, count: count, at: i) else { throw WireMiss() }
        i += length
    }
}

extension WireScanner {
    /// An unescaped string value that is one of `choices`.
    mutating func choice<Value>(_ choices: WireChoices<Value>) throws(WireMiss) -> Value {
        let t = try word()
        let n = t.end - t.start
        for entry in choices.entries where entry.name.count == n {
            if entry.name.withUnsafeBufferPointer({ JSONBytes.equal(base + t.start, $0.baseAddress!, n) }) { return entry.value }
        }
        throw WireMiss()
    }
}

extension WireScanner {
    // MARK: Keys of known fields

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

    /// Whether the next key (at the cursor) is field `f` of `fields`, with the key and its `:` consumed if so: its
    /// quoted name compared a word at a time, then the `:`. The bytes `"name"` are a complete, valid, unescaped key,
    /// so no scan is needed.
    @inline(__always)
    mutating func field(_ fields: WireFields, _ f: Int) -> Bool {
        let name = fields.names[f]
        let n = name.quotedCount
        guard i + n < count else { return false }
        if i + 16 <= count {
            let raw = UnsafeRawPointer(base + i)
            let w0 = UInt64(littleEndian: raw.loadUnaligned(as: UInt64.self))
            let w1 = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
            guard (w0 ^ name.word0) & name.mask0 == 0, (w1 ^ name.word1) & name.mask1 == 0 else { return false }
            if n > 16 {
                guard fields.quoted[f].withUnsafeBufferPointer({ JSONBytes.equal(base + i + 16, $0.baseAddress! + 16, n - 16) }) else { return false }
            }
        } else {
            guard fields.quoted[f].withUnsafeBufferPointer({ JSONBytes.equal(base + i, $0.baseAddress!, n) }) else { return false }
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

    /// After a member's value: whether the next member is field `f` of `fields`, with the separator, the key and its
    /// `:` consumed if so. Compact frames (`,"code":`) take one comparison of two words; otherwise `nextMember` and
    /// `field`, and on `}` or another key the cursor is left where it was. Throws where `nextMember` throws.
    @inline(__always)
    mutating func nextMember(is f: Int, of fields: WireFields) throws(WireMiss) -> Bool {
        let name = fields.names[f]
        if name.memberCount != 0 && i + 16 <= count {
            let raw = UnsafeRawPointer(base + i)
            let w0 = UInt64(littleEndian: raw.loadUnaligned(as: UInt64.self))
            let w1 = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
            if (w0 ^ name.memberWord0) & name.memberMask0 == 0 && (w1 ^ name.memberWord1) & name.memberMask1 == 0 {
                i += name.memberCount
                return true
            }
        }
        return try nextMemberAfterSpace(is: f, of: fields)
    }

    @inline(never)
    private mutating func nextMemberAfterSpace(is f: Int, of fields: WireFields) throws(WireMiss) -> Bool {
        let at = i
        if try nextMember() && field(fields, f) { return true }
        i = at
        return false
    }
}
