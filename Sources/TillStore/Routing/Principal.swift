import TillCore
import TillProtocol

/// Who presented an API key, and so whom a session acts as after a successful `hello`.
///
/// Guarantees: a terminal is bound to one branch and POS by its key; an operator to one name; `role` is the wire's.
public enum Principal: Hashable, Sendable {
    /// A POS terminal, bound to one branch and POS by its key.
    case terminal(TerminalIdentity)
    /// A back-office operator.
    case `operator`(id: Int64, name: String)

    public var role: SessionRole {
        switch self {
        case .terminal: .terminal
        case .operator: .operator
        }
    }

    /// The terminal's identity (only for a terminal: the router checks the role before a handler runs).
    var terminal: TerminalIdentity {
        guard case .terminal(let terminal) = self else { preconditionFailure("a terminal op ran for an operator") }
        return terminal
    }

    /// The operator's id (only for an operator).
    var operatorId: Int64 {
        guard case .operator(let id, _) = self else { preconditionFailure("an operator op ran for a terminal") }
        return id
    }

    /// The operator acting now (only for an operator).
    func actor(at time: Timestamp) -> Actor {
        guard case .operator(let id, let name) = self else { preconditionFailure("an operator op ran for a terminal") }
        return Actor(id: id, name: name, at: time)
    }
}
