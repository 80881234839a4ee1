import TillCore

/// Why a request frame could not be turned into a `RequestEnvelope`: the error to answer with, and the id and op
/// to correlate it with when they could be read.
public struct RequestDecodingFailure: Error, Hashable, Sendable {
    public var id: RequestID?
    public var op: Op?
    public var error: TillError
    /// True when the bytes were not JSON at all: answer, then close the connection.
    public var closesConnection: Bool { if case .invalidFrame = error { true } else { false } }
    public init(id: RequestID?, op: Op?, error: TillError) {
        self.id = id
        self.op = op
        self.error = error
    }
}

/// The server side of protocol v1: request frames in, response frames out. Pure, no I/O; safe to use from any
/// thread (a value type with no shared state).
public struct ServerCodec: Sendable {
    /// Nesting bound for JSON values (the envelope object is depth 1).
    public var maxDepth: Int

    public init(maxDepth: Int = 16) { self.maxDepth = maxDepth }

    /// Decodes one frame payload (without its length prefix) into a typed request.
    ///
    /// Failures: `invalid_frame` for bytes that are not a JSON object (syntax, invalid UTF-8); `invalid_request`
    /// naming the field path for everything else (duplicate key, depth, missing or invalid field, unknown op).
    ///
    /// The hot requests (`purchase`, `quote`) are read in one pass straight from the bytes; any frame that pass does
    /// not accept, every error included, is read again by the tape decoder, which decides and names the error.
    public func decodeRequest(_ frame: some Collection<UInt8>) -> Result<RequestEnvelope, RequestDecodingFailure> {
        if let envelope = decodeDirect(frame) { return .success(envelope) }
        return decodeWithTape(frame)
    }

    /// The single-pass decoder alone: nil when it does not accept the frame (errors, ops it does not handle).
    func decodeDirect(_ frame: some Collection<UInt8>) -> RequestEnvelope? {
        let envelope = frame.withContiguousStorageIfAvailable { bytes -> RequestEnvelope? in
            var scanner = WireScanner(bytes, maxDepth: maxDepth)
            return try? DirectRequestDecoder.envelope(&scanner)
        }
        return envelope ?? nil
    }

    /// The reference decoder: the whole frame parsed to a `JSONDocument` tape, then read by the typed readers.
    func decodeWithTape(_ frame: some Collection<UInt8>) -> Result<RequestEnvelope, RequestDecodingFailure> {
        let doc: JSONDocument
        do {
            doc = try JSONDocument(parsing: frame, maxDepth: maxDepth)
        } catch {
            if case .rule(_, _, let id) = error { return .failure(RequestDecodingFailure(id: id, op: nil, error: error.tillError)) }
            return .failure(RequestDecodingFailure(id: nil, op: nil, error: error.tillError))
        }
        let root = JSONValueReader(doc: doc, index: 0)
        guard root.node.kind == .object else {
            return .failure(RequestDecodingFailure(id: nil, op: nil, error: .invalidFrame(reason: "a frame must hold one JSON object")))
        }
        let o = JSONObjectReader(doc: doc, index: 0)
        guard let idValue = o.nullable("id") else {
            return .failure(RequestDecodingFailure(id: nil, op: nil, error: .invalidRequest(field: "id", reason: "is required")))
        }
        guard let id = RequestID.read(idValue) else {
            return .failure(RequestDecodingFailure(
                id: nil, op: nil, error: .invalidRequest(field: "id", reason: "must be a string of 1 to 128 bytes or a 64-bit integer")))
        }
        guard let opValue = o.nullable("op"), let name = try? opValue.string(maxLength: 64) else {
            return .failure(RequestDecodingFailure(id: id, op: nil, error: .invalidRequest(field: "op", reason: "is required and must be a string")))
        }
        guard let op = Op.named(name) else {
            return .failure(RequestDecodingFailure(id: id, op: nil, error: .invalidRequest(field: "op", reason: "unknown op")))
        }
        do {
            return .success(RequestEnvelope(id: id, request: try Request.decode(op: op, o)))
        } catch {
            return .failure(RequestDecodingFailure(id: id, op: op, error: error))
        }
    }

    /// Appends one complete response frame (length prefix included) to `buffer`.
    public func encodeResponse(_ response: ResponseEnvelope, into buffer: inout [UInt8]) {
        let at = FrameEncoder.beginFrame(&buffer)
        JSONWriter.writing(into: &buffer) { w in ResponseWire.encode(response, to: &w) }
        FrameEncoder.patchLength(&buffer, at: at)
    }

    /// A response frame as a new array.
    public func encodeResponse(_ response: ResponseEnvelope) -> [UInt8] {
        var out: [UInt8] = []
        encodeResponse(response, into: &out)
        return out
    }
}

/// The JSON object of a response (no frame prefix).
enum ResponseWire {
    static func encode(_ r: ResponseEnvelope, to w: inout JSONWriter) {
        w.beginObject()
        w.key("id")
        if let id = r.id { id.encode(to: &w) } else { w.null() }
        w.field("op", r.op)
        switch r.outcome {
        case .success(let result): w.key("result"); result.body.encode(to: &w)
        case .failure(let error): w.key("error"); ErrorWire.encode(error, to: &w)
        }
        w.endObject()
    }
}

extension ServerCodec {
    /// Parses and validates the JSON of a frame without decoding a message (benchmark and diagnostics only).
    @_spi(Benchmark) public func parseOnly(_ frame: some Collection<UInt8>) -> Bool {
        (try? JSONDocument(parsing: frame, maxDepth: maxDepth)) != nil
    }
}
