import TillCore

/// Orders for `purchase.list`.
public enum PurchaseSort: String, CaseIterable, Hashable, Sendable { case newest, oldest, totalDescending }

/// `purchase.list`: purchases, optionally of one member and in one state, paged by `cursor`.
public struct PurchaseQuery: Hashable, Sendable, WireBody {
    public var memberKey: String?
    public var state: TransactionState?
    public var sort: PurchaseSort
    public var cursor: String?
    public var limit: Int64
    public init(memberKey: String? = nil, state: TransactionState? = nil, sort: PurchaseSort = .newest, cursor: String? = nil, limit: Int64 = 20) {
        self.memberKey = memberKey; self.state = state; self.sort = sort; self.cursor = cursor; self.limit = limit
    }
    public init(wire o: JSONObjectReader) throws(TillError) {
        self.init(memberKey: try o.optionalString("memberKey", maxLength: 128), state: try o.optionalEnumeration("state", TransactionState.self),
                  sort: try o.optionalEnumeration("sort", PurchaseSort.self) ?? .newest, cursor: try o.optionalString("cursor", maxLength: 256),
                  limit: try o.int("limit", 1...WireLimits.maxPage, default: 20))
    }
    public func encodeFields(to w: inout JSONWriter) {
        w.field("memberKey", memberKey); w.field("state", state); w.field("sort", sort); w.field("cursor", cursor); w.field("limit", limit)
    }
}

/// One row of `purchase.list`.
public struct PurchaseRow: Hashable, Sendable, WireBody {
    public var terminal: TerminalIdentity
    public var transactionId: String
    public var openedAt: Timestamp
    public var total: MinorUnits
    public var currency: String
    public var state: TransactionState
    public var memberKeys: [String]
    public init(terminal: TerminalIdentity, transactionId: String, openedAt: Timestamp, total: MinorUnits, currency: String, state: TransactionState, memberKeys: [String]) {
        self.terminal = terminal; self.transactionId = transactionId; self.openedAt = openedAt; self.total = total
        self.currency = currency; self.state = state; self.memberKeys = memberKeys
    }
    public init(wire o: JSONObjectReader) throws(TillError) {
        self.init(terminal: try o.decode("terminal"), transactionId: try o.id("transactionId"), openedAt: try o.timestamp("openedAt"),
                  total: try o.int("total"), currency: try o.string("currency"), state: try o.enumeration("state", TransactionState.self),
                  memberKeys: try o.strings("memberKeys"))
    }
    public func encodeFields(to w: inout JSONWriter) {
        w.field("terminal", terminal); w.field("transactionId", transactionId); w.field("openedAt", openedAt); w.field("total", total)
        w.field("currency", currency); w.field("state", state); w.field("memberKeys", memberKeys)
    }
}

/// A page of purchases.
public struct PurchasePage: Hashable, Sendable, WireBody {
    public var purchases: [PurchaseRow]
    public var nextCursor: String?
    public init(purchases: [PurchaseRow], nextCursor: String?) { self.purchases = purchases; self.nextCursor = nextCursor }
    public init(wire o: JSONObjectReader) throws(TillError) {
        self.init(purchases: try o.objects("purchases"), nextCursor: try o.optionalString("nextCursor"))
    }
    public func encodeFields(to w: inout JSONWriter) { w.field("purchases", purchases); w.field("nextCursor", nextCursor) }
}

/// `purchase.get`: one ticket by its full identity. The answer is a `TransactionStatus`.
public struct TicketRef: Hashable, Sendable, WireBody {
    public var terminal: TerminalIdentity
    public var transactionId: String
    public init(terminal: TerminalIdentity, transactionId: String) { self.terminal = terminal; self.transactionId = transactionId }
    public init(wire o: JSONObjectReader) throws(TillError) { self.init(terminal: try o.decode("terminal"), transactionId: try o.id("transactionId")) }
    public func encodeFields(to w: inout JSONWriter) { w.field("terminal", terminal); w.field("transactionId", transactionId) }
}

/// The answer to `stats`.
public struct Stats: Hashable, Sendable, WireBody {
    public var members: Int64
    public var activeMembers: Int64
    public var blockedMembers: Int64
    public var purchases: Int64
    public var pointsOutstanding: Points
    public var creditOutstanding: MinorUnits
    public var generatedAt: Timestamp
    public init(members: Int64, activeMembers: Int64, blockedMembers: Int64, purchases: Int64, pointsOutstanding: Points, creditOutstanding: MinorUnits, generatedAt: Timestamp) {
        self.members = members; self.activeMembers = activeMembers; self.blockedMembers = blockedMembers; self.purchases = purchases
        self.pointsOutstanding = pointsOutstanding; self.creditOutstanding = creditOutstanding; self.generatedAt = generatedAt
    }
    public init(wire o: JSONObjectReader) throws(TillError) {
        self.init(members: try o.int("members"), activeMembers: try o.int("activeMembers"), blockedMembers: try o.int("blockedMembers"),
                  purchases: try o.int("purchases"), pointsOutstanding: try o.int("pointsOutstanding"),
                  creditOutstanding: try o.int("creditOutstanding"), generatedAt: try o.timestamp("generatedAt"))
    }
    public func encodeFields(to w: inout JSONWriter) {
        w.field("members", members); w.field("activeMembers", activeMembers); w.field("blockedMembers", blockedMembers)
        w.field("purchases", purchases); w.field("pointsOutstanding", pointsOutstanding); w.field("creditOutstanding", creditOutstanding)
        w.field("generatedAt", generatedAt)
    }
}
