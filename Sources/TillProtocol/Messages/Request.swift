import TillCore

/// A decoded request: the operation and its typed body.
public enum Request: Hashable, Sendable {
    case hello(Hello)
    case ping
    case identify(IdentifyRequest)
    case quote(PurchaseRequest)
    case purchase(PurchaseRequest)
    case void(VoidRequest)
    case `return`(ReturnRequest)
    case status(StatusRequest)
    case `operator`(OperatorRequest)

    public var op: Op {
        switch self {
        case .hello: .hello
        case .ping: .ping
        case .identify: .identify
        case .quote: .quote
        case .purchase: .purchase
        case .void: .void
        case .return: .return
        case .status: .status
        case .operator(let o): o.op
        }
    }

    /// The body written after `id` and `op`.
    var body: any WireBody {
        switch self {
        case .hello(let b): b
        case .ping: EmptyBody()
        case .identify(let b): b
        case .quote(let b), .purchase(let b): b
        case .void(let b): b
        case .return(let b): b
        case .status(let b): b
        case .operator(let o): o.body
        }
    }

    /// Writes the body's fields: the hot bodies straight from the enum's payload, without boxing them into
    /// `body`'s existential (a heap copy of a purchase per request); the same bytes as `body.encodeFields`.
    func encodeFields(to w: inout JSONWriter) {
        switch self {
        case .quote(let b), .purchase(let b): b.encodeFields(to: &w)
        case .identify(let b): b.encodeFields(to: &w)
        default: body.encodeFields(to: &w)
        }
    }

    /// Decodes the body of `op` from the envelope object (body fields sit next to `id` and `op`).
    static func decode(op: Op, _ o: JSONObjectReader) throws(TillError) -> Request {
        switch op {
        case .hello: .hello(try Hello(wire: o))
        case .ping: .ping
        case .identify: .identify(try IdentifyRequest(wire: o))
        case .quote: .quote(try PurchaseRequest(wire: o))
        case .purchase: .purchase(try PurchaseRequest(wire: o))
        case .void: .void(try VoidRequest(wire: o))
        case .return: .return(try ReturnRequest(wire: o))
        case .status: .status(try StatusRequest(wire: o))
        default: .operator(try OperatorRequest.decode(op: op, o))
        }
    }
}

/// A request with its client-chosen id.
public struct RequestEnvelope: Hashable, Sendable {
    public var id: RequestID
    public var request: Request
    public init(id: RequestID, request: Request) {
        self.id = id
        self.request = request
    }
}
