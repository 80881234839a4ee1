import TillCore

/// `benefit.list`: a member's benefits, filtered.
public struct BenefitListQuery: Hashable, Sendable, WireBody {
    public var memberKey: String
    public var kind: BenefitKind?
    /// Only benefits in this status.
    public var availability: BenefitStatus?
    /// Case-insensitive substring of the benefit name.
    public var name: String?
    public init(memberKey: String, kind: BenefitKind? = nil, availability: BenefitStatus? = nil, name: String? = nil) {
        self.memberKey = memberKey; self.kind = kind; self.availability = availability; self.name = name
    }
    public init(wire o: JSONObjectReader) throws(TillError) {
        self.init(memberKey: try o.id("memberKey"), kind: try o.optionalEnumeration("kind", BenefitKind.self),
                  availability: try o.optionalEnumeration("availability", BenefitStatus.self), name: try o.optionalString("name", maxLength: WireLimits.maxTextBytes))
    }
    public func encodeFields(to w: inout JSONWriter) {
        w.field("memberKey", memberKey); w.field("kind", kind); w.field("availability", availability); w.field("name", name)
    }
}

/// What an operator does to a benefit.
public enum BenefitActionKind: String, CaseIterable, Hashable, Sendable {
    /// Mark a gift or a full punch card used (outside a purchase).
    case use
    case delete
    /// Push `validUntil` out by `days`.
    case extend
    /// Add `count` punches to a punch card.
    case punch
    /// Give the member `count` new benefits from template `templateId`.
    case send
}

/// `benefit.action`. `benefitId` is required for use/delete/extend/punch, `templateId` for send.
public struct BenefitAction: Hashable, Sendable, WireBody {
    public var memberKey: String
    public var action: BenefitActionKind
    public var benefitId: String?
    public var templateId: String?
    /// punch: punches to add; send: how many benefits.
    public var count: Int64?
    /// extend: days to add.
    public var days: Int64?
    public init(memberKey: String, action: BenefitActionKind, benefitId: String? = nil, templateId: String? = nil, count: Int64? = nil, days: Int64? = nil) {
        self.memberKey = memberKey; self.action = action; self.benefitId = benefitId; self.templateId = templateId
        self.count = count; self.days = days
    }
    public init(wire o: JSONObjectReader) throws(TillError) {
        let action = try o.enumeration("action", BenefitActionKind.self)
        let benefitId = action == .send ? try o.optionalString("benefitId", maxLength: 128) : try o.id("benefitId")
        let templateId = action == .send ? try o.id("templateId") : try o.optionalString("templateId", maxLength: 128)
        let count = action == .punch || action == .send ? try o.int("count", 1...100) : try o.optionalInt("count", 1...100)
        let days = action == .extend ? try o.int("days", 1...3660) : try o.optionalInt("days", 1...3660)
        self.init(memberKey: try o.id("memberKey"), action: action, benefitId: benefitId, templateId: templateId, count: count, days: days)
    }
    public func encodeFields(to w: inout JSONWriter) {
        w.field("memberKey", memberKey); w.field("action", action); w.field("benefitId", benefitId); w.field("templateId", templateId)
        w.field("count", count); w.field("days", days)
    }
}

/// A list of benefits (`benefit.list`, `benefit.action`: the benefits affected).
public struct BenefitList: Hashable, Sendable, WireBody {
    public var benefits: [BenefitSummary]
    public init(benefits: [BenefitSummary]) { self.benefits = benefits }
    public init(wire o: JSONObjectReader) throws(TillError) { self.init(benefits: try o.objects("benefits")) }
    public func encodeFields(to w: inout JSONWriter) { w.field("benefits", benefits) }
}

/// `wallet.adjust`: add to or take from a wallet. `adjustmentId` makes it exactly-once (a resend is a replay).
public struct WalletAdjust: Hashable, Sendable, WireBody {
    public var adjustmentId: String
    public var memberKey: String
    public var wallet: WalletKind
    /// Points, or credit in minor units; negative takes away (never below zero: `insufficient_balance`).
    public var delta: Int64
    public var reason: String
    public init(adjustmentId: String, memberKey: String, wallet: WalletKind, delta: Int64, reason: String) {
        self.adjustmentId = adjustmentId; self.memberKey = memberKey; self.wallet = wallet; self.delta = delta; self.reason = reason
    }
    public init(wire o: JSONObjectReader) throws(TillError) {
        let delta = try o.int("delta", WireLimits.signed)
        if delta == 0 { throw .invalidRequest(field: o.childPath("delta"), reason: "must not be 0") }
        self.init(adjustmentId: try o.id("adjustmentId"), memberKey: try o.id("memberKey"), wallet: try o.enumeration("wallet", WalletKind.self),
                  delta: delta, reason: try o.required("reason").nonEmptyString(maxLength: WireLimits.maxTextBytes))
    }
    public func encodeFields(to w: inout JSONWriter) {
        w.field("adjustmentId", adjustmentId); w.field("memberKey", memberKey); w.field("wallet", wallet); w.field("delta", delta)
        w.field("reason", reason)
    }
}

/// Groups of the activity log.
public enum ActivityGroup: String, CaseIterable, Hashable, Sendable {
    /// Gifts, punch cards, points and credit.
    case benefits
    /// What the member did in the app (codes generated, redemption attempts).
    case app
    /// Registration, status, consent, profile and privacy changes.
    case legalMembership
    /// Messages and unsubscriptions.
    case communication
    /// Purchases, voids, returns and payments (POS).
    case purchase
}

/// `activity.list`: a member's activity, newest first, paged by `cursor`.
public struct ActivityQuery: Hashable, Sendable, WireBody {
    public var memberKey: String
    public var group: ActivityGroup?
    /// Only entries on or before this instant.
    public var before: Timestamp?
    /// The `nextCursor` of the previous page.
    public var cursor: String?
    public var limit: Int64
    public init(memberKey: String, group: ActivityGroup? = nil, before: Timestamp? = nil, cursor: String? = nil, limit: Int64 = 20) {
        self.memberKey = memberKey; self.group = group; self.before = before; self.cursor = cursor; self.limit = limit
    }
    public init(wire o: JSONObjectReader) throws(TillError) {
        self.init(memberKey: try o.id("memberKey"), group: try o.optionalEnumeration("group", ActivityGroup.self),
                  before: try o.optionalTimestamp("before"), cursor: try o.optionalString("cursor", maxLength: 256),
                  limit: try o.int("limit", 1...WireLimits.maxPage, default: 20))
    }
    public func encodeFields(to w: inout JSONWriter) {
        w.field("memberKey", memberKey); w.field("group", group); w.field("before", before); w.field("cursor", cursor); w.field("limit", limit)
    }
}

/// One activity log entry, with the source that made it.
public struct ActivityEntry: Hashable, Sendable, WireBody {
    public var at: Timestamp
    public var group: ActivityGroup
    /// Machine-readable kind, e.g. `purchase`, `void`, `benefit_used`, `wallet_adjusted`, `blocked`.
    public var kind: String
    public var summary: String
    public var source: ActivitySource
    /// POS entries: the branch and POS.
    public var terminal: TerminalIdentity?
    public var transactionId: String?
    /// Entries a purchase wrote: when the POS opened the order (`at` is when Till recorded it; an offline POS posts
    /// late, so the two can be days apart).
    public var openedAt: Timestamp?
    /// Operator entries: who did it.
    public var operatorId: Int64?
    public var operatorName: String?
    public var pointsDelta: Int64?
    public var creditDelta: Int64?
    public init(at: Timestamp, group: ActivityGroup, kind: String, summary: String, source: ActivitySource = .system, terminal: TerminalIdentity? = nil,
                transactionId: String? = nil, openedAt: Timestamp? = nil, operatorId: Int64? = nil, operatorName: String? = nil,
                pointsDelta: Int64? = nil, creditDelta: Int64? = nil) {
        self.at = at; self.group = group; self.kind = kind; self.summary = summary; self.source = source; self.terminal = terminal
        self.transactionId = transactionId; self.openedAt = openedAt; self.operatorId = operatorId; self.operatorName = operatorName
        self.pointsDelta = pointsDelta; self.creditDelta = creditDelta
    }
    public init(wire o: JSONObjectReader) throws(TillError) {
        self.init(at: try o.timestamp("at"), group: try o.enumeration("group", ActivityGroup.self), kind: try o.string("kind"),
                  summary: try o.string("summary"), source: try o.enumeration("source", ActivitySource.self), terminal: try o.optionalDecode("terminal"),
                  transactionId: try o.optionalString("transactionId"), openedAt: try o.optionalTimestamp("openedAt"),
                  operatorId: try o.optionalInt("operatorId"),
                  operatorName: try o.optionalString("operatorName"), pointsDelta: try o.optionalInt("pointsDelta"), creditDelta: try o.optionalInt("creditDelta"))
    }
    public func encodeFields(to w: inout JSONWriter) {
        w.field("at", at); w.field("group", group); w.field("kind", kind); w.field("summary", summary); w.field("source", source)
        w.field("terminal", terminal); w.field("transactionId", transactionId); w.field("openedAt", openedAt); w.field("operatorId", operatorId); w.field("operatorName", operatorName)
        w.field("pointsDelta", pointsDelta); w.field("creditDelta", creditDelta)
    }
}

/// A page of activity.
public struct ActivityPage: Hashable, Sendable, WireBody {
    public var entries: [ActivityEntry]
    /// Nil on the last page.
    public var nextCursor: String?
    public init(entries: [ActivityEntry], nextCursor: String?) { self.entries = entries; self.nextCursor = nextCursor }
    public init(wire o: JSONObjectReader) throws(TillError) {
        self.init(entries: try o.objects("entries"), nextCursor: try o.optionalString("nextCursor"))
    }
    public func encodeFields(to w: inout JSONWriter) { w.field("entries", entries); w.field("nextCursor", nextCursor) }
}
