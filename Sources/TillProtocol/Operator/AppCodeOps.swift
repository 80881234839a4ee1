import TillCore

/// `member.appCode.revoke`: the code to make unusable.
public struct AppCodeRef: Hashable, Sendable, WireBody {
    public var code: String
    public init(code: String) { self.code = code }
    public init(wire o: JSONObjectReader) throws(TillError) { self.init(code: try o.id("code")) }
    public func encodeFields(to w: inout JSONWriter) { w.field("code", code) }
}

/// Where an app code stands: usable at the POS (`active`), consumed by a purchase (`used`), made unusable by an
/// operator or by anonymization (`revoked`), or past its lifetime (`expired`).
public enum AppCodeState: String, CaseIterable, Hashable, Sendable {
    case active, used, revoked, expired
}

/// A short-lived, single-use code a member's app shows at the till (`identify` / `purchase` kind `appCode`): the
/// answer to `member.appCode.issue` and `member.appCode.revoke`.
public struct AppCodeInfo: Hashable, Sendable, WireBody {
    public var code: String
    public var memberKey: String
    public var issuedAt: Timestamp
    /// The last moment the POS accepts it (issuedAt + the shop's app-code lifetime).
    public var expiresAt: Timestamp
    public var state: AppCodeState
    public init(code: String, memberKey: String, issuedAt: Timestamp, expiresAt: Timestamp, state: AppCodeState) {
        self.code = code; self.memberKey = memberKey; self.issuedAt = issuedAt; self.expiresAt = expiresAt; self.state = state
    }
    public init(wire o: JSONObjectReader) throws(TillError) {
        self.init(code: try o.id("code"), memberKey: try o.id("memberKey"), issuedAt: try o.timestamp("issuedAt"),
                  expiresAt: try o.timestamp("expiresAt"), state: try o.enumeration("state", AppCodeState.self))
    }
    public func encodeFields(to w: inout JSONWriter) {
        w.field("code", code); w.field("memberKey", memberKey); w.field("issuedAt", issuedAt); w.field("expiresAt", expiresAt)
        w.field("state", state)
    }
}
