import TillCore

/// Standalone JSON values in the wire's strict dialect, outside frames: stored blobs (receipts), import rows,
/// data exports.
///
/// Guarantees: the same strictness as frames (valid UTF-8, no duplicate keys, bounded depth); `decode(encode(x)) == x`.
public enum WireJSON {
    /// Encodes `value` as one compact JSON object.
    public static func encode<T: WireEncodable>(_ value: T) -> [UInt8] {
        var w = JSONWriter()
        value.encode(to: &w)
        return w.bytes
    }

    /// Decodes one JSON object from `bytes`; a syntax error is `invalidRequest(field: "(root)", …)`.
    public static func decode<T: WireDecodable>(_ type: T.Type, from bytes: some Collection<UInt8>, maxDepth: Int = 16) throws(TillError) -> T {
        try read(bytes, maxDepth: maxDepth) { o throws(TillError) in try T(wire: o) }
    }

    /// Parses one JSON object from `bytes` and hands `body` a reader for it.
    public static func read<R>(_ bytes: some Collection<UInt8>, maxDepth: Int = 16,
                               _ body: (JSONObjectReader) throws(TillError) -> R) throws(TillError) -> R {
        let doc: JSONDocument
        do {
            doc = try JSONDocument(parsing: bytes, maxDepth: maxDepth)
        } catch {
            switch error {
            case .syntax(let reason, let offset): throw .invalidRequest(field: "(root)", reason: "not JSON: \(reason) at byte \(offset)")
            case .rule(let field, let reason, _): throw .invalidRequest(field: field, reason: reason)
            }
        }
        let root = JSONValueReader(doc: doc, index: 0, path: "")
        guard root.node.kind == .object else { throw .invalidRequest(field: "(root)", reason: "must be a JSON object") }
        return try body(JSONObjectReader(doc: doc, index: 0, path: ""))
    }
}
