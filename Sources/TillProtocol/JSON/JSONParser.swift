/// A recursive-descent RFC 8259 parser producing the node tape of a `JSONDocument`.
///
/// Guarantees: accepts only valid UTF-8 (no overlongs, surrogates or code points above U+10FFFF, no lone surrogate
/// escapes), no control characters inside strings, no duplicate keys in an object, nesting at most `maxDepth`, no
/// bytes after the value other than whitespace. Recursion depth is bounded by `maxDepth`.
struct JSONParser {
    let p: UnsafeBufferPointer<UInt8>
    let maxDepth: Int
    let maxObjectMembers: Int
    var i = 0
    var nodes: [JSONNode] = []
    /// The value node of the top-level object's `id` member, once parsed.
    var rootIdNode: Int?

    init(bytes: UnsafeBufferPointer<UInt8>, maxDepth: Int, maxObjectMembers: Int) {
        self.p = bytes
        self.maxDepth = maxDepth
        self.maxObjectMembers = maxObjectMembers
        nodes.reserveCapacity(bytes.count / 6 + 4)
    }

    mutating func parseDocument() throws(JSONParseError) {
        skipWhitespace()
        try parseValue(depth: 1)
        skipWhitespace()
        if i != p.count { throw syntax("trailing bytes after the JSON value") }
    }

    private func syntax(_ reason: String) -> JSONParseError { .syntax(reason: reason, offset: i) }

    /// The field path of the position being parsed, rebuilt from the partial tape (containers still open have
    /// `next == 0`); only called to name the field in an error, so parsing keeps no path state. Stops at node
    /// `stop` when given (to name an object rather than its last key).
    private func currentPath(stop: Int? = nil) -> String {
        var s = ""
        var i = 0
        func add(_ container: JSONNode, _ k: Int, _ position: Int) {
            if container.kind == .object {
                let name = JSONPathName.of(p, nodes[k])
                s += s.isEmpty ? name : "." + name
            } else {
                s += "[\(position)]"
            }
        }
        while !nodes.isEmpty && i != stop {
            let n = nodes[i]
            guard (n.kind == .object || n.kind == .array) && n.next == 0 else { return s }
            var k = i + 1
            var position = 0
            var descended = false
            while k < nodes.count {
                let value = n.kind == .object ? k + 1 : k
                if value >= nodes.count { add(n, k, position); return s }  // a key whose value is not parsed yet
                let v = nodes[value]
                if (v.kind == .object || v.kind == .array) && v.next == 0 {
                    add(n, k, position)
                    i = value
                    descended = true
                    break
                }
                k = Int(v.next)
                position += 1
            }
            if !descended {
                if n.kind == .array { add(n, k, position) }  // the element about to be parsed
                return s
            }
        }
        return s
    }

    @inline(__always)
    private mutating func skipWhitespace() {
        while i < p.count {
            let b = p[i]
            guard b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 else { return }
            i += 1
        }
    }

    private mutating func parseValue(depth: Int) throws(JSONParseError) {
        guard i < p.count else { throw syntax("unexpected end of input") }
        switch p[i] {
        case UInt8(ascii: "{"): try parseObject(depth: depth)
        case UInt8(ascii: "["): try parseArray(depth: depth)
        case UInt8(ascii: "\""): try parseString()
        case UInt8(ascii: "t"): try parseLiteral("true", .true)
        case UInt8(ascii: "f"): try parseLiteral("false", .false)
        case UInt8(ascii: "n"): try parseLiteral("null", .null)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try parseNumber()
        default: throw syntax("unexpected byte \(p[i])")
        }
    }

    private mutating func checkDepth(_ depth: Int) throws(JSONParseError) {
        if depth > maxDepth { throw .rule(field: currentPath(), reason: "nesting deeper than \(maxDepth)") }
    }

    private mutating func parseObject(depth: Int) throws(JSONParseError) {
        try checkDepth(depth)
        let index = nodes.count
        nodes.append(JSONNode(kind: .object, escaped: false, start: Int32(i), end: 0, next: 0, count: 0))
        i += 1
        skipWhitespace()
        var count = 0
        var keyFilter: UInt64 = 0
        var anyEscaped = false
        if i < p.count && p[i] == UInt8(ascii: "}") {
            i += 1
        } else {
            while true {
                guard i < p.count, p[i] == UInt8(ascii: "\"") else { throw syntax("expected a key") }
                let key = nodes.count
                try parseString()
                if count == maxObjectMembers {
                    throw .rule(field: currentPath(stop: index), reason: "more than \(maxObjectMembers) members")
                }
                // A 64-bit filter over (length, first byte, last byte): the full comparison runs only on a possible
                // match, so duplicate detection stays linear for ordinary objects.
                let kn = nodes[key]
                let length = Int(kn.end - kn.start)
                let bit: UInt64 = length == 0 ? 1 : 1 << ((UInt64(length) &* 7 &+ UInt64(p[Int(kn.start)]) &* 31 &+ UInt64(p[Int(kn.end) - 1])) & 63)
                anyEscaped = anyEscaped || kn.escaped
                let maybe = anyEscaped || keyFilter & bit != 0
                keyFilter |= bit
                if maybe && isDuplicate(key: key, object: index, count: count) {
                    throw .rule(field: currentPath(), reason: "duplicate key")
                }
                skipWhitespace()
                guard i < p.count, p[i] == UInt8(ascii: ":") else { throw syntax("expected ':'") }
                i += 1
                skipWhitespace()
                let valueIndex = nodes.count
                try parseValue(depth: depth + 1)
                if depth == 1 && nodes[key].end - nodes[key].start == 2 && !nodes[key].escaped
                    && p[Int(nodes[key].start)] == UInt8(ascii: "i") && p[Int(nodes[key].start) + 1] == UInt8(ascii: "d") {
                    rootIdNode = valueIndex
                }
                count += 1
                skipWhitespace()
                guard i < p.count else { throw syntax("unexpected end of input in an object") }
                if p[i] == UInt8(ascii: ",") { i += 1; skipWhitespace(); continue }
                if p[i] == UInt8(ascii: "}") { i += 1; break }
                throw syntax("expected ',' or '}'")
            }
        }
        nodes[index].end = Int32(i)
        nodes[index].next = Int32(nodes.count)
        nodes[index].count = Int32(count)
    }

    private func isDuplicate(key: Int, object: Int, count: Int) -> Bool {
        nodes.withUnsafeBufferPointer { n in
            let new = n[key]
            let length = new.end - new.start
            let first = length > 0 ? p[Int(new.start)] : 0
            var k = object + 1
            for _ in 0..<count {
                let old = n[k]
                // Cheap filters first: equal raw length and first byte (or any escapes involved).
                if (old.escaped || new.escaped || (old.end - old.start == length && (length == 0 || p[Int(old.start)] == first)))
                    && keysEqual(k, key) {
                    return true
                }
                k = Int(n[k + 1].next)
            }
            return false
        }
    }

    private func keysEqual(_ a: Int, _ b: Int) -> Bool {
        let na = nodes[a], nb = nodes[b]
        if !na.escaped && !nb.escaped {
            let len = Int(na.end - na.start)
            guard len == Int(nb.end - nb.start) else { return false }
            return JSONBytes.equal(p.baseAddress! + Int(na.start), p.baseAddress! + Int(nb.start), len)
        }
        return jsonUnescape(UnsafeBufferPointer(rebasing: p[Int(na.start)..<Int(na.end)]))
            == jsonUnescape(UnsafeBufferPointer(rebasing: p[Int(nb.start)..<Int(nb.end)]))
    }

    private mutating func parseArray(depth: Int) throws(JSONParseError) {
        try checkDepth(depth)
        let index = nodes.count
        nodes.append(JSONNode(kind: .array, escaped: false, start: Int32(i), end: 0, next: 0, count: 0))
        i += 1
        skipWhitespace()
        var count = 0
        if i < p.count && p[i] == UInt8(ascii: "]") {
            i += 1
        } else {
            while true {
                try parseValue(depth: depth + 1)
                count += 1
                skipWhitespace()
                guard i < p.count else { throw syntax("unexpected end of input in an array") }
                if p[i] == UInt8(ascii: ",") { i += 1; skipWhitespace(); continue }
                if p[i] == UInt8(ascii: "]") { i += 1; break }
                throw syntax("expected ',' or ']'")
            }
        }
        nodes[index].end = Int32(i)
        nodes[index].next = Int32(nodes.count)
        nodes[index].count = Int32(count)
    }

    private mutating func parseLiteral(_ word: StaticString, _ kind: JSONKind) throws(JSONParseError) {
        let n = word.utf8CodeUnitCount
        guard i + n <= p.count, JSONBytes.equal(p.baseAddress! + i, word.utf8Start, n) else { throw syntax("invalid literal") }
        nodes.append(JSONNode(kind: kind, escaped: false, start: Int32(i), end: Int32(i + n), next: Int32(nodes.count + 1), count: 0))
        i += n
    }

    private mutating func parseNumber() throws(JSONParseError) {
        let start = i
        if p[i] == UInt8(ascii: "-") { i += 1 }
        guard i < p.count, isDigit(p[i]) else { throw syntax("invalid number") }
        if p[i] == UInt8(ascii: "0") { i += 1 } else { while i < p.count && isDigit(p[i]) { i += 1 } }
        if i < p.count && p[i] == UInt8(ascii: ".") {
            i += 1
            guard i < p.count, isDigit(p[i]) else { throw syntax("invalid number fraction") }
            while i < p.count && isDigit(p[i]) { i += 1 }
        }
        if i < p.count && (p[i] == UInt8(ascii: "e") || p[i] == UInt8(ascii: "E")) {
            i += 1
            if i < p.count && (p[i] == UInt8(ascii: "+") || p[i] == UInt8(ascii: "-")) { i += 1 }
            guard i < p.count, isDigit(p[i]) else { throw syntax("invalid number exponent") }
            while i < p.count && isDigit(p[i]) { i += 1 }
        }
        nodes.append(JSONNode(kind: .number, escaped: false, start: Int32(start), end: Int32(i), next: Int32(nodes.count + 1), count: 0))
    }

    @inline(__always) private func isDigit(_ b: UInt8) -> Bool { b &- UInt8(ascii: "0") < 10 }

    private mutating func parseString() throws(JSONParseError) {
        i += 1
        let start = i
        var escaped = false
        let base = p.baseAddress!, count = p.count
        while true {
            var j = i
            // Fast path, 8 bytes at a time (SWAR): stop at a word holding '"', '\\', a control byte or a non-ASCII byte.
            let raw = UnsafeRawPointer(base)
            while j + 8 <= count {
                let w = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: j, as: UInt64.self))
                let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
                let quote = w ^ (ones &* 0x22), backslash = w ^ (ones &* 0x5C)
                let special = ((quote &- ones) & ~quote) | ((backslash &- ones) & ~backslash) | (w &- ones &* 0x20) | w
                if special & highs != 0 { break }
                j += 8
            }
            while j < count {  // byte by byte up to the special byte
                let c = base[j]
                if c == UInt8(ascii: "\"") || c == UInt8(ascii: "\\") || c < 0x20 || c >= 0x80 { break }
                j += 1
            }
            i = j
            guard i < count else { throw syntax("unterminated string") }
            let b = base[i]
            if b == UInt8(ascii: "\"") { break }
            if b == UInt8(ascii: "\\") {
                escaped = true
                try parseEscape()
            } else if b < 0x20 {
                throw syntax("control character in a string")
            } else if b < 0x80 {
                i += 1
            } else {
                try validateUTF8Sequence()
            }
        }
        nodes.append(JSONNode(kind: .string, escaped: escaped, start: Int32(start), end: Int32(i), next: Int32(nodes.count + 1), count: 0))
        i += 1
    }

    private mutating func parseEscape() throws(JSONParseError) {
        do {
            i += try JSONBytes.escapeLength(p.baseAddress!, count: p.count, at: i)
        } catch {
            throw .syntax(reason: error.reason, offset: error.offset)
        }
    }

    /// Validates one multi-byte UTF-8 sequence at `i` and steps over it.
    private mutating func validateUTF8Sequence() throws(JSONParseError) {
        switch JSONBytes.utf8Sequence(p.baseAddress!, count: p.count, at: i) {
        case .valid(let length): i += length
        case .truncated: throw syntax("truncated UTF-8")
        case .invalid: throw syntax("invalid UTF-8")
        }
    }
}

/// Renders a key node as a path component.
enum JSONPathName {
    static func of(_ p: UnsafeBufferPointer<UInt8>, _ n: JSONNode) -> String {
        let raw = UnsafeBufferPointer(rebasing: p[Int(n.start)..<Int(n.end)])
        return String(decoding: n.escaped ? jsonUnescape(raw) : Array(raw), as: UTF8.self)
    }
}

extension JSONParser {
    /// The request id at value node `k`, when it is a valid id (string of 1 to 128 bytes, or 64-bit integer).
    func requestID(at k: Int) -> RequestID? {
        let n = nodes[k]
        let raw = UnsafeBufferPointer(rebasing: p[Int(n.start)..<Int(n.end)])
        switch n.kind {
        case .string:
            let bytes = n.escaped ? jsonUnescape(raw) : Array(raw)
            guard !bytes.isEmpty, bytes.count <= 128 else { return nil }
            return .string(String(decoding: bytes, as: UTF8.self))
        case .number: return JSONNumberParser.integer(raw).map(RequestID.int)
        default: return nil
        }
    }
}
