/// Every error Till answers with. Each case has a stable wire `code`, names the offending `field` where there is
/// one, and carries what a POS needs to act on it.
///
/// Guarantees: a request answered with an error wrote nothing (storage failures included: they are never
/// acknowledged as success).
public enum TillError: Error, Hashable, Sendable {
    /// The frame itself is unusable (bad length, not UTF-8, not JSON); the connection is closed after the answer.
    case invalidFrame(reason: String)
    /// A field is missing, of the wrong type, out of range or otherwise invalid. `field` is a path like
    /// `items[2].quantity`.
    case invalidRequest(field: String, reason: String)
    /// The protocol versions offered in `hello` are not supported.
    case unsupportedVersion(offered: [Int])
    /// No `hello` yet, or the key is unknown or disabled.
    case unauthenticated(reason: String)
    /// The session's role may not do this, or the request names another branch or POS.
    case forbidden(reason: String)
    /// No active member matches the identifier at `field`.
    case memberNotFound(field: String)
    /// The member is blocked: no earning, no redemption.
    case memberBlocked(field: String, memberKey: String)
    /// A requested redemption cannot apply; the purchase is refused.
    case benefitNotRedeemable(field: String, benefitId: String, cause: NonRedeemableCause)
    /// A budget payment exceeds the wallet, or the allowed minimum / maximum.
    case insufficientBalance(field: String, wallet: WalletKind, requested: Int64, available: Int64)
    /// A budget payment outside the configured minimum / maximum per purchase, or beyond the total.
    case paymentOutOfRange(field: String, minimum: MinorUnits, maximum: MinorUnits)
    /// The exactly-once id in request field `field` (a purchase's `transactionId`, a `voidId`, `returnId` or
    /// `adjustmentId`) was already used with a different body.
    case transactionConflict(field: OperationIdField, id: String)
    /// Void, return or status of a transaction this POS never posted.
    case transactionNotFound(transactionId: String)
    /// Cumulative returns would exceed what was bought on a line.
    case returnExceedsPurchase(field: String, lineId: String, remaining: Quantity)
    /// The transaction was voided: nothing more can be returned or voided on it.
    case transactionVoided(transactionId: String)
    /// Operator ops: the thing named at `field` does not exist.
    case notFound(field: String, reason: String)
    /// Operator ops: an identifier is already in use by another member, or a similar uniqueness clash.
    case alreadyExists(field: String, reason: String)
    /// The operation is not allowed in the entity's current state (e.g. using a punch card that is not full).
    case notAllowed(field: String?, reason: String)
    /// The server is at capacity; try again after `retryAfterMs`.
    case overloaded(retryAfterMs: Int64)
    /// The store could not make the write durable; nothing was acknowledged and the store stopped writing.
    case storageFailure(reason: String)
    /// The server is shutting down and takes no new requests.
    case shuttingDown

    /// The stable wire code.
    public var code: String {
        switch self {
        case .invalidFrame: "invalid_frame"
        case .invalidRequest: "invalid_request"
        case .unsupportedVersion: "unsupported_version"
        case .unauthenticated: "unauthenticated"
        case .forbidden: "forbidden"
        case .memberNotFound: "member_not_found"
        case .memberBlocked: "member_blocked"
        case .benefitNotRedeemable: "benefit_not_redeemable"
        case .insufficientBalance: "insufficient_balance"
        case .paymentOutOfRange: "payment_out_of_range"
        case .transactionConflict: "transaction_conflict"
        case .transactionNotFound: "transaction_not_found"
        case .returnExceedsPurchase: "return_exceeds_purchase"
        case .transactionVoided: "transaction_voided"
        case .notFound: "not_found"
        case .alreadyExists: "already_exists"
        case .notAllowed: "not_allowed"
        case .overloaded: "overloaded"
        case .storageFailure: "storage_failure"
        case .shuttingDown: "shutting_down"
        }
    }

    /// The request field the error is about, when there is one.
    public var field: String? {
        switch self {
        case .invalidRequest(let field, _), .memberNotFound(let field), .memberBlocked(let field, _),
            .benefitNotRedeemable(let field, _, _), .insufficientBalance(let field, _, _, _),
            .paymentOutOfRange(let field, _, _), .returnExceedsPurchase(let field, _, _), .notFound(let field, _),
            .alreadyExists(let field, _):
            field
        case .notAllowed(let field, _): field
        case .transactionConflict(let field, _): field.rawValue
        case .transactionNotFound, .transactionVoided: "transactionId"
        case .unsupportedVersion: "versions"
        default: nil
        }
    }

    /// A human-readable message (never containing personal data such as phone numbers or emails).
    public var message: String {
        switch self {
        case .invalidFrame(let reason): "invalid frame: \(reason)"
        case .invalidRequest(let field, let reason): "\(field): \(reason)"
        case .unsupportedVersion(let offered): "none of the offered protocol versions \(offered) is supported"
        case .unauthenticated(let reason): "not authenticated: \(reason)"
        case .forbidden(let reason): "forbidden: \(reason)"
        case .memberNotFound(let field): "no member matches \(field)"
        case .memberBlocked(_, let key): "member \(key) is blocked"
        case .benefitNotRedeemable(_, let id, let cause): "benefit \(id) cannot be redeemed: \(cause.rawValue)"
        case .insufficientBalance(_, let wallet, let requested, let available):
            "\(wallet.rawValue) wallet holds \(available), \(requested) requested"
        case .paymentOutOfRange(_, let minimum, let maximum): "payment must be between \(minimum) and \(maximum)"
        case .transactionConflict(let field, let id):
            field == .transactionId ? "transaction \(id) was already posted with a different body"
                : "\(field.rawValue) \(id) was already used with a different body"
        case .transactionNotFound(let id): "transaction \(id) is not known for this branch and POS"
        case .returnExceedsPurchase(_, let lineId, let remaining):
            "line \(lineId) has only \(remaining) left to return"
        case .transactionVoided(let id): "transaction \(id) is voided"
        case .notFound(_, let reason): reason
        case .alreadyExists(_, let reason): reason
        case .notAllowed(_, let reason): reason
        case .overloaded(let ms): "server overloaded, retry after \(ms) ms"
        case .storageFailure(let reason): "storage failure, nothing was written: \(reason)"
        case .shuttingDown: "server is shutting down"
        }
    }
}

/// The request field that holds an operation's exactly-once id. Voids and returns share one id space per terminal
/// (a void may not reuse a return's id); purchases and wallet adjustments have their own.
public enum OperationIdField: String, CaseIterable, Hashable, Sendable {
    case transactionId, voidId, returnId, adjustmentId
}
