import TillCore

/// A read-only view of one value in a `JSONDocument`, with the field path that names it in errors.
///
/// Guarantees: every accessor either returns a value of exactly the requested type and range or throws
/// `TillError.invalidRequest` naming this value's path; numbers are never rounded.
public struct JSONValueReader {
    let doc: JSONDocument
    let index: Int
    /// The field path, e.g. `items[2].quantity` (empty for the top-level value); computed only when asked (errors).
    public var path: String { doc.path(of: index) }

    var node: JSONNode { doc.nodes[index] }
    var isNull: Bool { node.kind == .null }

    func fail(_ reason: String) -> TillError { .invalidRequest(field: path.isEmpty ? "(root)" : path, reason: reason) }

    public func string(maxLength: Int = 1024) throws(TillError) -> String {
        guard node.kind == .string else { throw fail("must be a string") }
        let s = doc.string(index)
        if node.end - node.start > Int32(maxLength) && s.utf8.count > maxLength {
            throw fail("longer than \(maxLength) bytes")
        }
        return s
    }

    /// A non-empty string.
    public func nonEmptyString(maxLength: Int = 256) throws(TillError) -> String {
        let s = try string(maxLength: maxLength)
        if s.isEmpty { throw fail("must not be empty") }
        return s
    }

    public func bool() throws(TillError) -> Bool {
        switch node.kind {
        case .true: return true
        case .false: return false
        default: throw fail("must be true or false")
        }
    }

    /// An integer literal (no fraction, no exponent) within `range`.
    public func int(_ range: ClosedRange<Int64> = Int64.min...Int64.max) throws(TillError) -> Int64 {
        guard node.kind == .number else { throw fail("must be an integer") }
        guard let v = JSONNumberParser.integer(doc.rawBytes(index)) else { throw fail("must be an integer without fraction or exponent, within 64 bits") }
        guard range.contains(v) else { throw fail("must be between \(range.lowerBound) and \(range.upperBound)") }
        return v
    }

    /// An exact decimal with at most three fraction digits, > 0 when `positive`.
    public func quantity(positive: Bool = true) throws(TillError) -> Quantity {
        guard node.kind == .number else { throw fail("must be a number") }
        guard let t = JSONNumberParser.thousandths(doc.rawBytes(index)) else {
            throw fail("must be a decimal with at most 3 decimal places, no exponent")
        }
        if positive && t <= 0 { throw fail("must be greater than 0") }
        return Quantity(thousandths: t)
    }

    public func timestamp() throws(TillError) -> Timestamp {
        guard node.kind == .string, !node.escaped else { throw fail("must be an ISO-8601 timestamp string") }
        guard let t = TimestampCodec.parse(doc.rawBytes(index)) else {
            throw fail("must be ISO-8601 like 2026-01-31T12:00:00.250+01:00 (zone required, at most milliseconds)")
        }
        return t
    }

    public func enumeration<E: RawRepresentable>(_ type: E.Type) throws(TillError) -> E where E.RawValue == String {
        guard node.kind == .string else { throw fail("must be a string") }
        guard let v = E(rawValue: doc.string(index)) else { throw fail("unknown value") }
        return v
    }

    public func object() throws(TillError) -> JSONObjectReader {
        guard node.kind == .object else { throw fail("must be an object") }
        return JSONObjectReader(doc: doc, index: index)
    }

    /// The elements of an array of at most `maxCount` elements.
    public func array(maxCount: Int = 1000) throws(TillError) -> JSONArrayReader {
        guard node.kind == .array else { throw fail("must be an array") }
        guard node.count <= maxCount else { throw fail("more than \(maxCount) elements") }
        return JSONArrayReader(doc: doc, index: index)
    }
}

/// An object view: looks members up by key. Unknown members are ignored (forward compatibility).
public struct JSONObjectReader {
    let doc: JSONDocument
    let index: Int
    /// The field path of this container, computed only when asked (errors).
    public var path: String { doc.path(of: index) }

    /// The value at `key`, or nil when absent.
    public func optional(_ key: StaticString) -> JSONValueReader? {
        guard let k = doc.member(of: index, key) else { return nil }
        return JSONValueReader(doc: doc, index: k)
    }

    /// The value at `key`, absent or `null` giving nil.
    public func nullable(_ key: StaticString) -> JSONValueReader? {
        guard let v = optional(key), !v.isNull else { return nil }
        return v
    }

    /// The value at `key`; throws "is required" naming the path when absent or null.
    public func required(_ key: StaticString) throws(TillError) -> JSONValueReader {
        guard let v = nullable(key) else { throw .invalidRequest(field: childPath(key), reason: "is required") }
        return v
    }

    /// The object's keys in document order (to refuse keys a reader does not know, where that matters).
    public var keys: [String] {
        var out: [String] = []
        var k = index + 1
        let end = Int(doc.nodes[index].next)
        while k < end {
            out.append(doc.string(k))
            k = Int(doc.nodes[k + 1].next)
        }
        return out
    }

    func childPath(_ key: StaticString) -> String {
        let name = key.withUTF8Buffer { String(decoding: $0, as: UTF8.self) }
        let base = path
        return base.isEmpty ? name : base + "." + name
    }

    // Shorthands for the common shapes.
    public func string(_ key: StaticString, maxLength: Int = 1024) throws(TillError) -> String {
        try required(key).string(maxLength: maxLength)
    }
    public func id(_ key: StaticString) throws(TillError) -> String { try required(key).nonEmptyString(maxLength: 128) }
    public func optionalString(_ key: StaticString, maxLength: Int = 1024) throws(TillError) -> String? {
        try nullable(key)?.string(maxLength: maxLength)
    }
    public func int(_ key: StaticString, _ range: ClosedRange<Int64> = Int64.min...Int64.max) throws(TillError) -> Int64 {
        try required(key).int(range)
    }
    public func optionalInt(_ key: StaticString, _ range: ClosedRange<Int64> = Int64.min...Int64.max) throws(TillError) -> Int64? {
        try nullable(key)?.int(range)
    }
    /// An integer defaulting to `defaultValue` when absent.
    public func int(_ key: StaticString, _ range: ClosedRange<Int64>, default defaultValue: Int64) throws(TillError) -> Int64 {
        try nullable(key)?.int(range) ?? defaultValue
    }
    public func bool(_ key: StaticString, default defaultValue: Bool) throws(TillError) -> Bool {
        try nullable(key)?.bool() ?? defaultValue
    }
    public func bool(_ key: StaticString) throws(TillError) -> Bool { try required(key).bool() }
    public func timestamp(_ key: StaticString) throws(TillError) -> Timestamp { try required(key).timestamp() }
    public func optionalTimestamp(_ key: StaticString) throws(TillError) -> Timestamp? { try nullable(key)?.timestamp() }
    public func enumeration<E: RawRepresentable>(_ key: StaticString, _ type: E.Type) throws(TillError) -> E where E.RawValue == String {
        try required(key).enumeration(type)
    }
    public func optionalEnumeration<E: RawRepresentable>(_ key: StaticString, _ type: E.Type) throws(TillError) -> E? where E.RawValue == String {
        try nullable(key)?.enumeration(type)
    }
    public func object(_ key: StaticString) throws(TillError) -> JSONObjectReader { try required(key).object() }

    /// Decodes the array at `key` (empty when absent) element by element.
    public func array<T>(_ key: StaticString, maxCount: Int = 1000, required: Bool = false,
                         _ element: (JSONValueReader) throws(TillError) -> T) throws(TillError) -> [T] {
        guard let v = nullable(key) else {
            if required { throw .invalidRequest(field: childPath(key), reason: "is required") }
            return []
        }
        return try v.array(maxCount: maxCount).map(element)
    }
    /// An array of strings of at most `WireLimits.maxTextBytes` (empty when absent).
    public func strings(_ key: StaticString, maxCount: Int = 100) throws(TillError) -> [String] {
        try array(key, maxCount: maxCount) { v throws(TillError) in try v.string(maxLength: WireLimits.maxTextBytes) }
    }
    /// An array of ids (1 to 128 bytes; empty when absent).
    public func ids(_ key: StaticString, maxCount: Int = 100) throws(TillError) -> [String] {
        try array(key, maxCount: maxCount) { v throws(TillError) in try v.nonEmptyString(maxLength: WireLimits.maxIdBytes) }
    }
    /// An optional id (1 to 128 bytes).
    public func optionalID(_ key: StaticString) throws(TillError) -> String? {
        try nullable(key)?.nonEmptyString(maxLength: WireLimits.maxIdBytes)
    }
    /// An optional non-empty string of at most `maxLength` bytes.
    public func optionalNonEmptyString(_ key: StaticString, maxLength: Int = WireLimits.maxTextBytes) throws(TillError) -> String? {
        try nullable(key)?.nonEmptyString(maxLength: maxLength)
    }
    /// Decodes an array of objects with a type's wire decoder.
    public func objects<T: WireDecodable>(_ key: StaticString, maxCount: Int = 1000, required: Bool = false) throws(TillError) -> [T] {
        try array(key, maxCount: maxCount, required: required) { v throws(TillError) in try T(wire: v.object()) }
    }
    public func decode<T: WireDecodable>(_ key: StaticString) throws(TillError) -> T { try T(wire: object(key)) }
    public func optionalDecode<T: WireDecodable>(_ key: StaticString) throws(TillError) -> T? {
        guard let v = nullable(key) else { return nil }
        return try T(wire: v.object())
    }
}

/// An array view.
public struct JSONArrayReader {
    let doc: JSONDocument
    let index: Int
    /// The field path of this container, computed only when asked (errors).
    public var path: String { doc.path(of: index) }

    public var count: Int { Int(doc.nodes[index].count) }

    public func map<T>(_ element: (JSONValueReader) throws(TillError) -> T) throws(TillError) -> [T] {
        var out: [T] = []
        out.reserveCapacity(count)
        var k = index + 1
        for _ in 0..<count {
            out.append(try element(JSONValueReader(doc: doc, index: k)))
            k = Int(doc.nodes[k].next)
        }
        return out
    }
}
