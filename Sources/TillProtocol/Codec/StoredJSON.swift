import TillCore

/// The store's use of the wire codec: receipts, reversal receipts and configuration kept as compact JSON blobs.
///
/// Guarantees: `decode(encode(x)) == x` for every `WireCodable` value; decoding applies the wire limits and
/// answers malformed bytes with `invalidFrame` / `invalidRequest`, never a crash.
public enum StoredJSON {
    /// The compact JSON form of `value`.
    public static func encode<T: WireEncodable>(_ value: T) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(512)
        JSONWriter.writing(into: &out) { w in value.encode(to: &w) }
        return out
    }

    /// Writes an object with `body` and returns its bytes.
    public static func object(_ body: (inout JSONWriter) -> Void) -> [UInt8] {
        var out: [UInt8] = []
        JSONWriter.writing(into: &out) { w in
            w.beginObject()
            body(&w)
            w.endObject()
        }
        return out
    }

    /// Decodes a value stored by `encode`.
    public static func decode<T: WireDecodable>(_ type: T.Type, from bytes: [UInt8]) throws(TillError) -> T {
        try read(bytes) { o throws(TillError) in try T(wire: o) }
    }

    /// The first place `bytes` stop being strict JSON (RFC 8259, as on the wire: no comments, no trailing commas, no
    /// duplicate keys), with the byte offset when the syntax is at fault; nil when the bytes are one valid value.
    public static func firstProblem(in bytes: [UInt8]) -> (reason: String, offset: Int?)? {
        do {
            _ = try JSONDocument(parsing: bytes, maxDepth: 16, maxObjectMembers: 4096)
            return nil
        } catch {
            switch error {
            case .syntax(let reason, let offset): return (reason, offset)
            case .rule(let field, let reason, _): return ("\(field): \(reason)", nil)
            }
        }
    }

    /// Parses `bytes` as one JSON object and hands it to `body`.
    public static func read<T>(_ bytes: [UInt8], _ body: (JSONObjectReader) throws(TillError) -> T) throws(TillError) -> T {
        let doc: JSONDocument
        do {
            doc = try JSONDocument(parsing: bytes, maxDepth: 16, maxObjectMembers: 4096)
        } catch {
            throw error.tillError
        }
        let root = JSONValueReader(doc: doc, index: 0)
        return try body(root.object())
    }
}
