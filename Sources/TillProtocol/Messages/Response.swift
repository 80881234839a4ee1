import TillCore

/// A successful result, typed by the op it answers.
public enum Response: Hashable, Sendable {
    case hello(HelloResult)
    case pong(Pong)
    case identify(IdentifyResult)
    case quote(Quote)
    case purchase(Receipt)
    case void(ReversalReceipt)
    case `return`(ReversalReceipt)
    case status(TransactionStatus)
    case `operator`(OperatorResponse)

    var body: any WireEncodable {
        switch self {
        case .hello(let b): b
        case .pong(let b): b
        case .identify(let b): b
        case .quote(let b): b
        case .purchase(let b): b
        case .void(let b), .return(let b): b
        case .status(let b): b
        case .operator(let o): o.body
        }
    }

    /// The op for terminal results; nil for operator results (several ops share a result type).
    public var terminalOp: Op? {
        switch self {
        case .hello: .hello
        case .pong: .ping
        case .identify: .identify
        case .quote: .quote
        case .purchase: .purchase
        case .void: .void
        case .return: .return
        case .status: .status
        case .operator: nil
        }
    }

    static func decode(op: Op, _ o: JSONObjectReader) throws(TillError) -> Response {
        switch op {
        case .hello: .hello(try HelloResult(wire: o))
        case .ping: .pong(try Pong(wire: o))
        case .identify: .identify(try IdentifyResult(wire: o))
        case .quote: .quote(try Quote(wire: o))
        case .purchase: .purchase(try Receipt(wire: o))
        case .void: .void(try ReversalReceipt(wire: o))
        case .return: .return(try ReversalReceipt(wire: o))
        case .status: .status(try TransactionStatus(wire: o))
        default: .operator(try OperatorResponse.decode(op: op, o))
        }
    }
}

/// A response: the echoed request id and op, and either a result or an error.
///
/// Wire form: `{"id":…,"op":"…","result":{…}}` or `{"id":…,"op":"…","error":{…}}`; `id` is `null` and `op` absent
/// when the request could not be read far enough to know them.
public struct ResponseEnvelope: Hashable, Sendable {
    public var id: RequestID?
    public var op: Op?
    public var outcome: Result<Response, TillError>

    /// A success; `op` is the request's op (required for operator results, checked against terminal results).
    public init(id: RequestID, op: Op, result: Response) {
        precondition(result.terminalOp == nil || result.terminalOp == op, "result does not answer op \(op.rawValue)")
        self.id = id
        self.op = op
        self.outcome = .success(result)
    }

    /// A `purchase` answer, built in place by the direct decoder (the op and the result's case agree by construction,
    /// so the public initializer's check, which copied the whole envelope, is not needed).
    init(id: RequestID, purchase receipt: consuming Receipt) {
        self.id = id
        self.op = .purchase
        self.outcome = .success(.purchase(receipt))
    }

    /// An error, correlated with the request when its id (and op) could be read.
    public init(id: RequestID?, op: Op?, error: TillError) {
        self.id = id
        self.op = op
        self.outcome = .failure(error)
    }
}
