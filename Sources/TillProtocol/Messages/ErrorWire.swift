import TillCore

/// The wire form of `TillError`: `{"code","message","field"?, …details}`.
///
/// Guarantees: `decode(encode(e)) == e` for every error; the details carry every associated value, so a client
/// rebuilds exactly the server's error.
enum ErrorWire {
    static func encode(_ e: TillError, to w: inout JSONWriter) {
        w.beginObject()
        w.field("code", e.code)
        w.field("message", e.message)
        w.field("field", e.field)
        switch e {
        case .invalidFrame(let reason), .invalidRequest(_, let reason), .unauthenticated(let reason), .forbidden(let reason),
            .notFound(_, let reason), .alreadyExists(_, let reason), .notAllowed(_, let reason), .storageFailure(let reason):
            w.field("reason", reason)
        case .unsupportedVersion(let offered):
            w.key("offered"); w.beginArray(); for v in offered { w.int(Int64(v)) }; w.endArray()
            w.key("supported"); w.beginArray(); for v in ProtocolVersion.supported { w.int(Int64(v)) }; w.endArray()
        case .memberNotFound: break
        case .memberBlocked(_, let memberKey): w.field("memberKey", memberKey)
        case .benefitNotRedeemable(_, let benefitId, let cause): w.field("benefitId", benefitId); w.field("cause", cause)
        case .insufficientBalance(_, let wallet, let requested, let available):
            w.field("wallet", wallet); w.field("requested", requested); w.field("available", available)
        case .paymentOutOfRange(_, let minimum, let maximum): w.field("minimum", minimum); w.field("maximum", maximum)
        case .transactionConflict(let field, let id):
            switch field {  // the id under its field's name
            case .transactionId: w.field("transactionId", id)
            case .voidId: w.field("voidId", id)
            case .returnId: w.field("returnId", id)
            case .adjustmentId: w.field("adjustmentId", id)
            }
        case .transactionNotFound(let id), .transactionVoided(let id): w.field("transactionId", id)
        case .returnExceedsPurchase(_, let lineId, let remaining): w.field("lineId", lineId); w.field("remaining", remaining)
        case .overloaded(let ms): w.field("retryAfterMs", ms)
        case .shuttingDown: break
        }
        w.endObject()
    }

    static func decode(_ o: JSONObjectReader) throws(TillError) -> TillError {
        let code = try o.string("code", maxLength: 64)
        func field() throws(TillError) -> String { try o.string("field") }
        func reason() throws(TillError) -> String { try o.string("reason", maxLength: 64 * 1024) }
        switch code {
        case "invalid_frame": return .invalidFrame(reason: try reason())
        case "invalid_request": return .invalidRequest(field: try field(), reason: try reason())
        case "unsupported_version":
            return .unsupportedVersion(offered: try o.array("offered") { v throws(TillError) in Int(try v.int(Int64(Int.min)...Int64(Int.max))) })
        case "unauthenticated": return .unauthenticated(reason: try reason())
        case "forbidden": return .forbidden(reason: try reason())
        case "member_not_found": return .memberNotFound(field: try field())
        case "member_blocked": return .memberBlocked(field: try field(), memberKey: try o.string("memberKey"))
        case "benefit_not_redeemable":
            return .benefitNotRedeemable(field: try field(), benefitId: try o.string("benefitId"), cause: try o.enumeration("cause", NonRedeemableCause.self))
        case "insufficient_balance":
            return .insufficientBalance(field: try field(), wallet: try o.enumeration("wallet", WalletKind.self),
                                        requested: try o.int("requested"), available: try o.int("available"))
        case "payment_out_of_range": return .paymentOutOfRange(field: try field(), minimum: try o.int("minimum"), maximum: try o.int("maximum"))
        case "transaction_conflict":
            let field = try o.enumeration("field", OperationIdField.self)
            let id: String
            switch field {
            case .transactionId: id = try o.string("transactionId")
            case .voidId: id = try o.string("voidId")
            case .returnId: id = try o.string("returnId")
            case .adjustmentId: id = try o.string("adjustmentId")
            }
            return .transactionConflict(field: field, id: id)
        case "transaction_not_found": return .transactionNotFound(transactionId: try o.string("transactionId"))
        case "return_exceeds_purchase":
            return .returnExceedsPurchase(field: try field(), lineId: try o.string("lineId"), remaining: try o.required("remaining").quantity(positive: false))
        case "transaction_voided": return .transactionVoided(transactionId: try o.string("transactionId"))
        case "not_found": return .notFound(field: try field(), reason: try reason())
        case "already_exists": return .alreadyExists(field: try field(), reason: try reason())
        case "not_allowed": return .notAllowed(field: try o.optionalString("field"), reason: try reason())
        case "overloaded": return .overloaded(retryAfterMs: try o.int("retryAfterMs", 0...Int64(Int32.max)))
        case "storage_failure": return .storageFailure(reason: try reason())
        case "shutting_down": return .shuttingDown
        default: throw .invalidRequest(field: o.childPath("code"), reason: "unknown error code")
        }
    }
}
