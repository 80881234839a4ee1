import TillCore

/// The client side of protocol v1 (CLI, simulator, tests): request frames out, response frames in. Pure, no I/O.
public struct ClientCodec: Sendable {
    public var maxDepth: Int

    public init(maxDepth: Int = 16) { self.maxDepth = maxDepth }

    /// Appends one complete request frame (length prefix included) to `buffer`.
    public func encodeRequest(_ request: RequestEnvelope, into buffer: inout [UInt8]) {
        encodeRequest(id: request.id, request.request, into: &buffer)
    }

    /// The same frame from its parts, for a caller that keeps the request (no envelope holding a copy of it).
    public func encodeRequest(id: RequestID, _ request: Request, into buffer: inout [UInt8]) {
        let at = FrameEncoder.beginFrame(&buffer)
        JSONWriter.writing(into: &buffer) { w in RequestWire.encode(id: id, request, to: &w) }
        FrameEncoder.patchLength(&buffer, at: at)
    }

    /// A request frame of `op` whose body fields (those after `id` and `op`) the caller writes, for a client that
    /// keeps its requests in a form of its own (the simulator's purchase drafts); `fields` must write what the op's
    /// body type's `encodeFields` writes.
    public func encodeRequest(id: RequestID, op: Op, into buffer: inout [UInt8], fields: (inout JSONWriter) -> Void) {
        let at = FrameEncoder.beginFrame(&buffer)
        JSONWriter.writing(into: &buffer) { w in RequestWire.encode(id: id, op: op, to: &w, fields: fields) }
        FrameEncoder.patchLength(&buffer, at: at)
    }

    /// A request frame as a new array.
    public func encodeRequest(_ request: RequestEnvelope) -> [UInt8] {
        var out: [UInt8] = []
        encodeRequest(request, into: &out)
        return out
    }

    /// Decodes one response frame payload (without its length prefix). Throws when the server's bytes do not
    /// follow the protocol (the error names the offending field).
    ///
    /// The hot answer (a `purchase` receipt) is read in one pass straight from the bytes; any frame that pass does
    /// not accept, every error included, is read again by the tape decoder, which decides and names the error.
    public func decodeResponse(_ frame: some Collection<UInt8>) throws(TillError) -> ResponseEnvelope {
        if let envelope = decodeDirect(frame) { return envelope }
        return try decodeWithTape(frame)
    }

    /// `decodeResponse` for a frame in a slice of a read buffer (the simulator's and the client's case): the same
    /// decoders, without going through `Collection`'s generic entry points.
    public func decodeResponse(_ frame: ArraySlice<UInt8>) throws(TillError) -> ResponseEnvelope {
        if let envelope = frame.withUnsafeBufferPointer({ decodeDirect($0) }) { return envelope }
        return try decodeWithTape(frame)
    }

    /// The id of `frame` when it is a successful `purchase` answer that `decodeResponse` accepts — every member of
    /// the receipt read and checked by the same single-pass rules — without building the receipt; nil for any other
    /// frame (a refusal, another op, anything the single pass leaves to the tape), which `decodeResponse` then
    /// decodes. For a client that needs to know that a purchase was acknowledged, not what its receipt says.
    public func acknowledgedPurchase(_ frame: ArraySlice<UInt8>) -> RequestID? {
        frame.withUnsafeBufferPointer { bytes in
            var scanner = WireScanner(bytes, maxDepth: maxDepth)
            do { return try DirectResponseDecoder.acknowledgedPurchase(&scanner) } catch { return nil }
        }
    }

    /// The single-pass decoder alone: nil when it does not accept the frame (errors, other ops).
    func decodeDirect(_ frame: some Collection<UInt8>) -> ResponseEnvelope? {
        let envelope = frame.withContiguousStorageIfAvailable { bytes -> ResponseEnvelope? in decodeDirect(bytes) }
        return envelope ?? nil
    }

    func decodeDirect(_ bytes: UnsafeBufferPointer<UInt8>) -> ResponseEnvelope? {
        var scanner = WireScanner(bytes, maxDepth: maxDepth)
        do { return try DirectResponseDecoder.purchaseAnswer(&scanner) } catch { return nil }
    }

    /// The reference decoder: the whole frame parsed to a `JSONDocument` tape, then read by the typed readers.
    func decodeWithTape(_ frame: some Collection<UInt8>) throws(TillError) -> ResponseEnvelope {
        let doc: JSONDocument
        do { doc = try JSONDocument(parsing: frame, maxDepth: maxDepth) } catch { throw error.tillError }
        guard doc.nodes[0].kind == .object else { throw .invalidFrame(reason: "a frame must hold one JSON object") }
        let o = JSONObjectReader(doc: doc, index: 0)
        var id: RequestID?
        if let v = o.nullable("id") {
            guard let read = RequestID.read(v) else { throw .invalidRequest(field: "id", reason: "invalid id") }
            id = read
        }
        let op = try o.optionalEnumeration("op", Op.self)
        if let error = o.nullable("error") {
            return ResponseEnvelope(id: id, op: op, error: try ErrorWire.decode(error.object()))
        }
        guard let id, let op else { throw .invalidRequest(field: "op", reason: "a result needs id and op") }
        return ResponseEnvelope(id: id, op: op, result: try Response.decode(op: op, o.object("result")))
    }
}

/// The JSON object of a request (no frame prefix): `id`, `op`, then the body's fields.
enum RequestWire {
    static func encode(id: RequestID, _ request: Request, to w: inout JSONWriter) {
        encode(id: id, op: request.op, to: &w) { w in request.encodeFields(to: &w) }
    }

    @inline(__always)
    static func encode(id: RequestID, op: Op, to w: inout JSONWriter, fields: (inout JSONWriter) -> Void) {
        w.beginObject()
        w.key("id")
        id.encode(to: &w)
        w.field("op", op)
        fields(&w)
        w.endObject()
    }
}
