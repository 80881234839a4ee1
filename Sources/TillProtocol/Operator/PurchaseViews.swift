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
    /// With a `memberKey`: the member's lifetime spend (net of returns), in minor units.
    public var lifetimeSpend: MinorUnits?
    public init(purchases: [PurchaseRow], nextCursor: String?, lifetimeSpend: MinorUnits? = nil) {
        self.purchases = purchases; self.nextCursor = nextCursor; self.lifetimeSpend = lifetimeSpend
    }
    public init(wire o: JSONObjectReader) throws(TillError) {
        self.init(purchases: try o.objects("purchases"), nextCursor: try o.optionalString("nextCursor"), lifetimeSpend: try o.optionalInt("lifetimeSpend"))
    }
    public func encodeFields(to w: inout JSONWriter) { w.field("purchases", purchases); w.field("nextCursor", nextCursor); w.field("lifetimeSpend", lifetimeSpend) }
}

/// One line of a ticket: what was bought, at what price, with which discount.
public struct TicketLine: Hashable, Sendable, WireBody {
    public var lineId: String
    public var code: String
    public var description: String?
    public var department: String?
    public var quantity: Quantity
    /// Line amount before discounts.
    public var gross: MinorUnits
    /// Item and order discounts and benefits on this line.
    public var discount: MinorUnits
    public var net: MinorUnits
    /// Quantity returned so far.
    public var returned: Quantity
    public init(lineId: String, code: String, description: String?, department: String?, quantity: Quantity, gross: MinorUnits,
                discount: MinorUnits, net: MinorUnits, returned: Quantity = .zero) {
        self.lineId = lineId; self.code = code; self.description = description; self.department = department; self.quantity = quantity
        self.gross = gross; self.discount = discount; self.net = net; self.returned = returned
    }
    public init(wire o: JSONObjectReader) throws(TillError) {
        self.init(lineId: try o.id("lineId"), code: try o.string("code"), description: try o.optionalString("description"),
                  department: try o.optionalString("department"), quantity: try o.required("quantity").quantity(), gross: try o.int("gross"),
                  discount: try o.int("discount"), net: try o.int("net"), returned: try o.optional("returned")?.quantity(positive: false) ?? .zero)
    }
    public func encodeFields(to w: inout JSONWriter) {
        w.field("lineId", lineId); w.field("code", code); w.field("description", description); w.field("department", department)
        w.field("quantity", quantity); w.field("gross", gross); w.field("discount", discount); w.field("net", net); w.field("returned", returned)
    }
}

/// The answer to `purchase.get`: the ticket as the back office shows it.
public struct PurchaseTicket: Hashable, Sendable, WireBody {
    public var terminal: TerminalIdentity
    public var transactionId: String
    public var state: TransactionState
    public var openedAt: Timestamp
    public var lines: [TicketLine]
    /// Every member identified on the purchase, in order.
    public var memberKeys: [String]
    /// Totals, redemptions and payments as answered to the POS (nil when the stored receipt is not readable).
    public var receipt: Receipt?
    /// The purchase's voids and returns, oldest first, as answered when they were made.
    public var reversals: [ReversalReceipt]
    /// The oldest reversals left out of `reversals` so that the answer fits the session's frame limit (0: none).
    public var reversalsOmitted: Int64
    public init(terminal: TerminalIdentity, transactionId: String, state: TransactionState, openedAt: Timestamp, lines: [TicketLine],
                memberKeys: [String], receipt: Receipt?, reversals: [ReversalReceipt] = [], reversalsOmitted: Int64 = 0) {
        self.terminal = terminal; self.transactionId = transactionId; self.state = state; self.openedAt = openedAt; self.lines = lines
        self.memberKeys = memberKeys; self.receipt = receipt; self.reversals = reversals; self.reversalsOmitted = reversalsOmitted
    }
    public init(wire o: JSONObjectReader) throws(TillError) {
        self.init(terminal: try o.decode("terminal"), transactionId: try o.id("transactionId"), state: try o.enumeration("state", TransactionState.self),
                  openedAt: try o.timestamp("openedAt"), lines: try o.objects("lines"), memberKeys: try o.strings("memberKeys"),
                  receipt: try o.optionalDecode("receipt"), reversals: try o.objects("reversals", maxCount: .max),
                  reversalsOmitted: try o.int("reversalsOmitted", 0...Int64.max, default: 0))
    }
    public func encodeFields(to w: inout JSONWriter) {
        w.field("terminal", terminal); w.field("transactionId", transactionId); w.field("state", state); w.field("openedAt", openedAt)
        w.field("lines", lines); w.field("memberKeys", memberKeys); w.field("receipt", receipt); w.field("reversals", reversals)
        if reversalsOmitted > 0 { w.field("reversalsOmitted", reversalsOmitted) }
    }
}

/// `purchase.get`: one ticket by its full identity (`transactionId` may also be the id of one of its voids or returns).
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
