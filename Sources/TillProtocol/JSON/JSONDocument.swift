import TillCore

/// The kinds of JSON value a parsed node can be.
enum JSONKind: UInt8 {
    case object, array, string, number, `true`, `false`, null
}

/// One value of a parsed document, in document order (a "tape").
///
/// Containers are followed by their members (objects alternate key string node, value subtree); `next` is the index
/// of the first node after this value's subtree, so siblings are skipped in O(1).
struct JSONNode {
    var kind: JSONKind
    /// Strings: the content contains at least one backslash escape.
    var escaped: Bool
    /// Byte offsets: string content without quotes, number token, container first byte.
    var start: Int32
    var end: Int32
    var next: Int32
    /// Containers: number of members (object pairs or array elements).
    var count: Int32
}

/// A strictly validated JSON document: valid UTF-8 everywhere, no duplicate keys, bounded nesting, RFC 8259
/// grammar. Owns a private copy of the bytes; all `Unsafe` access to them is confined to this file and the parser.
///
/// Guarantees: once constructed, every node is well-formed and every string node's bytes are valid UTF-8 (escapes
/// included), so readers cannot fail on syntax, only on shape.
final class JSONDocument {
    let storage: UnsafeMutableBufferPointer<UInt8>
    let nodes: [JSONNode]
    /// Lookup hint: (object node, key node after the last member found in it). Messages usually list members in
    /// the order the decoder asks for them, so a lookup starting there mostly hits at once.
    private let cursor: UnsafeMutablePointer<(Int, Int)>

    /// Parses `bytes`. Limits: nesting depth `maxDepth`, at most `maxObjectMembers` members per object.
    init(parsing bytes: some Collection<UInt8>, maxDepth: Int = 16, maxObjectMembers: Int = 128) throws(JSONParseError) {
        let storage = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: max(bytes.count, 1))
        _ = storage.initialize(from: bytes)
        var parser = JSONParser(bytes: UnsafeBufferPointer(rebasing: storage[0..<bytes.count]), maxDepth: maxDepth,
                                maxObjectMembers: maxObjectMembers)
        do {
            try parser.parseDocument()
        } catch {
            var failure = error
            if case .rule(let field, let reason, _) = error, let k = parser.rootIdNode {
                failure = .rule(field: field, reason: reason, id: parser.requestID(at: k))
            }
            storage.deallocate()
            throw failure
        }
        self.storage = storage
        self.nodes = parser.nodes
        self.cursor = .allocate(capacity: 1)
        cursor.initialize(to: (-1, -1))
    }

    deinit {
        storage.deallocate()
        cursor.deallocate()
    }

    /// The raw bytes of node `i`'s token (string content without quotes).
    @inline(__always)
    func rawBytes(_ i: Int) -> UnsafeBufferPointer<UInt8> {
        let n = nodes[i]
        return UnsafeBufferPointer(rebasing: storage[Int(n.start)..<Int(n.end)])
    }

    /// Whether string node `i` equals the given key.
    @inline(__always)
    func stringEquals(_ i: Int, _ key: StaticString) -> Bool {
        let n = nodes[i]
        if n.escaped { return unescaped(i).elementsEqual(UnsafeBufferPointer(start: key.utf8Start, count: key.utf8CodeUnitCount)) }
        let len = Int(n.end - n.start)
        guard len == key.utf8CodeUnitCount else { return false }
        return JSONBytes.equal(storage.baseAddress! + Int(n.start), key.utf8Start, len)
    }

    /// The value node of member `key` of object node `object`, or nil.
    func member(of object: Int, _ key: StaticString) -> Int? {
        let keyStart = key.utf8Start, keyCount = key.utf8CodeUnitCount
        return nodes.withUnsafeBufferPointer { n -> Int? in
            let first = object + 1
            let end = Int(n[object].next)
            let hint = cursor.pointee
            let start = hint.0 == object && hint.1 < end ? hint.1 : first
            var k = start
            var wrapped = start == first
            while true {
                if k >= end {
                    if wrapped { return nil }
                    wrapped = true
                    k = first
                }
                if wrapped && k == start && start != first { return nil }
                let kn = n[k]
                if kn.escaped ? stringEquals(k, key)
                    : Int(kn.end - kn.start) == keyCount && JSONBytes.equal(storage.baseAddress! + Int(kn.start), keyStart, keyCount) {
                    cursor.pointee = (object, Int(n[k + 1].next))
                    return k + 1
                }
                k = Int(n[k + 1].next)
            }
        }
    }

    /// The field path of node `target` (`items[2].quantity`), found by descending from the root; used for errors
    /// only, so readers carry no path on the success path.
    func path(of target: Int) -> String {
        var s = ""
        var i = 0
        descend: while i != target {
            let n = nodes[i]
            var k = i + 1
            var position = 0
            while k < Int(n.next) {
                let value = n.kind == .object ? k + 1 : k
                if target >= value && target < Int(nodes[value].next) {
                    if n.kind == .object {
                        let name = string(k)
                        s += s.isEmpty ? name : "." + name
                    } else {
                        s += "[\(position)]"
                    }
                    i = value
                    continue descend
                }
                k = Int(nodes[value].next)
                position += 1
            }
            break
        }
        return s
    }

    /// The decoded string of string node `i`.
    func string(_ i: Int) -> String {
        let n = nodes[i]
        if n.escaped { return String(decoding: unescaped(i), as: UTF8.self) }
        return String(decoding: rawBytes(i), as: UTF8.self)
    }

    /// The unescaped UTF-8 bytes of string node `i` (the parser validated every escape).
    func unescaped(_ i: Int) -> [UInt8] { jsonUnescape(rawBytes(i)) }
}

/// Unescapes validated string content (the parser checked every escape and surrogate pair).
func jsonUnescape(_ raw: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(raw.count)
        var k = 0
        while k < raw.count {
            let b = raw[k]
            guard b == UInt8(ascii: "\\") else { out.append(b); k += 1; continue }
            let e = raw[k + 1]
            k += 2
            switch e {
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = hex4(raw, k)
                k += 4
                if scalar >= 0xD800 && scalar < 0xDC00 {
                    let low = hex4(raw, k + 2)
                    k += 6
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                }
                out.append(contentsOf: Unicode.UTF8.encode(Unicode.Scalar(scalar)!)!)
            default: out.append(e)  // " \ /
            }
        }
        return out
}

private func hex4(_ raw: UnsafeBufferPointer<UInt8>, _ at: Int) -> UInt32 {
    var v: UInt32 = 0
    for j in at..<at + 4 { v = v << 4 | UInt32(hexValue(raw[j])) }
    return v
}

@inline(__always)
func hexValue(_ b: UInt8) -> UInt8 {
    switch b {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): b - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): b - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): b - UInt8(ascii: "A") + 10
    default: 0xFF
    }
}


/// Why bytes were refused by the JSON parser.
enum JSONParseError: Error, Equatable {
    /// Not JSON at all (syntax, invalid UTF-8, trailing bytes): maps to `invalid_frame`.
    case syntax(reason: String, offset: Int)
    /// Valid syntax but refused by the strict rules (duplicate key, depth, object size) at a field path:
    /// maps to `invalid_request`.
    /// `id` is the envelope's id when it was read before the refusal (so the error can still be correlated).
    case rule(field: String, reason: String, id: RequestID? = nil)

    var tillError: TillError {
        switch self {
        case .syntax(let reason, let offset): .invalidFrame(reason: "\(reason) at byte \(offset)")
        case .rule(let field, let reason, _): .invalidRequest(field: field, reason: reason)
        }
    }
}
