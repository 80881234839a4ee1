import TillCore

/// One row of `member.search`.
public struct MemberRow: Hashable, Sendable, WireBody {
    public var memberKey: String
    public var status: MemberStatus
    public var firstName: String?
    public var lastName: String?
    public var phone: String?
    public var email: String?
    public init(memberKey: String, status: MemberStatus, firstName: String? = nil, lastName: String? = nil, phone: String? = nil, email: String? = nil) {
        self.memberKey = memberKey; self.status = status; self.firstName = firstName; self.lastName = lastName; self.phone = phone; self.email = email
    }
    public init(wire o: JSONObjectReader) throws(TillError) {
        self.init(memberKey: try o.id("memberKey"), status: try o.enumeration("status", MemberStatus.self), firstName: try o.optionalString("firstName"),
                  lastName: try o.optionalString("lastName"), phone: try o.optionalString("phone"), email: try o.optionalString("email"))
    }
    public func encodeFields(to w: inout JSONWriter) {
        w.field("memberKey", memberKey); w.field("status", status); w.field("firstName", firstName); w.field("lastName", lastName)
        w.field("phone", phone); w.field("email", email)
    }
}

/// The answer to `member.search`.
public struct MemberList: Hashable, Sendable, WireBody {
    public var members: [MemberRow]
    /// More members match than were answered (the search stopped at `limit`): narrow the query.
    public var truncated: Bool
    public init(members: [MemberRow], truncated: Bool = false) { self.members = members; self.truncated = truncated }
    public init(wire o: JSONObjectReader) throws(TillError) {
        self.init(members: try o.objects("members", maxCount: Int(WireLimits.maxPage)), truncated: try o.bool("truncated", default: false))
    }
    public func encodeFields(to w: inout JSONWriter) { w.field("members", members); w.field("truncated", truncated) }
}

/// A note on a member's profile.
public struct MemberNote: Hashable, Sendable, WireBody {
    public var at: Timestamp
    public var author: String
    public var text: String
    public init(at: Timestamp, author: String, text: String) { self.at = at; self.author = author; self.text = text }
    public init(wire o: JSONObjectReader) throws(TillError) {
        self.init(at: try o.timestamp("at"), author: try o.string("author"), text: try o.string("text", maxLength: 2000))
    }
    public func encodeFields(to w: inout JSONWriter) { w.field("at", at); w.field("author", author); w.field("text", text) }
}

/// Whether the member agreed to marketing, as the opt-in tile shows it.
public enum OptInStatus: String, CaseIterable, Hashable, Sendable {
    /// Consent unknown.
    case none
    /// Agreed.
    case single
    /// Agreed and confirmed.
    case double
    /// Agreed, then withdrew.
    case withdrawn
    /// Actively objects (e.g. an address bought in).
    case objection
}

/// A member's consents and preferences (read-only in the profile; changed by `member.consent` and
/// `member.unsubscribe`).
public struct MemberPreferences: Hashable, Sendable, WireBody {
    public var sms: Bool
    public var email: Bool
    public var push: Bool
    public var location: Bool
    /// When the member accepted the terms and conditions; nil when not (or withdrawn).
    public var termsAcceptedAt: Timestamp?
    public var optIn: OptInStatus
    public init(sms: Bool = false, email: Bool = false, push: Bool = false, location: Bool = false, termsAcceptedAt: Timestamp? = nil,
                optIn: OptInStatus = .none) {
        self.sms = sms; self.email = email; self.push = push; self.location = location; self.termsAcceptedAt = termsAcceptedAt; self.optIn = optIn
    }
    public init(wire o: JSONObjectReader) throws(TillError) {
        self.init(sms: try o.bool("sms"), email: try o.bool("email"), push: try o.bool("push"), location: try o.bool("location"),
                  termsAcceptedAt: try o.optionalTimestamp("termsAcceptedAt"), optIn: try o.enumeration("optIn", OptInStatus.self))
    }
    public func encodeFields(to w: inout JSONWriter) {
        w.field("sms", sms); w.field("email", email); w.field("push", push); w.field("location", location)
        w.field("termsAcceptedAt", termsAcceptedAt); w.field("optIn", optIn)
    }
}

/// Who made a change: the POS, an operator (back office), or the system.
public enum ActivitySource: String, CaseIterable, Hashable, Sendable { case pos, `operator`, system }

/// One change of a member's status, in the status history.
public struct StatusChange: Hashable, Sendable, WireBody {
    public var at: Timestamp
    /// Nil for the first status.
    public var from: MemberStatus?
    public var to: MemberStatus
    public var source: ActivitySource
    /// The operator's name when `source` is `operator`.
    public var operatorName: String?
    public var reason: String?
    public init(at: Timestamp, from: MemberStatus?, to: MemberStatus, source: ActivitySource, operatorName: String? = nil, reason: String? = nil) {
        self.at = at; self.from = from; self.to = to; self.source = source; self.operatorName = operatorName; self.reason = reason
    }
    public init(wire o: JSONObjectReader) throws(TillError) {
        self.init(at: try o.timestamp("at"), from: try o.optionalEnumeration("from", MemberStatus.self), to: try o.enumeration("to", MemberStatus.self),
                  source: try o.enumeration("source", ActivitySource.self), operatorName: try o.optionalString("operatorName"),
                  reason: try o.optionalString("reason"))
    }
    public func encodeFields(to w: inout JSONWriter) {
        w.field("at", at); w.field("from", from); w.field("to", to); w.field("source", source); w.field("operatorName", operatorName)
        w.field("reason", reason)
    }
}

/// A member's full profile: the answer to `member.get` and to every op that changes a member.
public struct MemberProfile: Hashable, Sendable, WireBody {
    public var memberKey: String
    public var status: MemberStatus
    public var fields: MemberFields
    public var cards: [String]
    /// Case-sensitive, sorted.
    public var tags: [String]
    /// Newest first.
    public var notes: [MemberNote]
    public var preferences: MemberPreferences
    public var balance: WalletBalance
    /// Registration date (the import date for imported members).
    public var createdAt: Timestamp
    /// Where the member registered: `pos`, `operator`, `import`, `app`, `system`.
    public var registrationSource: String
    /// Net spend over all purchases, in minor units.
    public var lifetimeSpend: MinorUnits
    /// Purchases made (visits).
    public var visits: Int64
    /// Oldest first.
    public var statusHistory: [StatusChange]
    /// The oldest notes and status changes left out so that the answer fits the session's frame limit (0: none).
    public var notesOmitted: Int64
    public var statusHistoryOmitted: Int64
    public init(memberKey: String, status: MemberStatus, fields: MemberFields, cards: [String] = [], tags: [String] = [], notes: [MemberNote] = [],
                preferences: MemberPreferences = MemberPreferences(), balance: WalletBalance, createdAt: Timestamp,
                registrationSource: String = "system", lifetimeSpend: MinorUnits = 0, visits: Int64 = 0, statusHistory: [StatusChange] = [],
                notesOmitted: Int64 = 0, statusHistoryOmitted: Int64 = 0) {
        self.memberKey = memberKey; self.status = status; self.fields = fields; self.cards = cards; self.tags = tags; self.notes = notes
        self.preferences = preferences; self.balance = balance; self.createdAt = createdAt; self.registrationSource = registrationSource
        self.lifetimeSpend = lifetimeSpend; self.visits = visits; self.statusHistory = statusHistory
        self.notesOmitted = notesOmitted; self.statusHistoryOmitted = statusHistoryOmitted
    }
    public init(wire o: JSONObjectReader) throws(TillError) {
        self.init(memberKey: try o.id("memberKey"), status: try o.enumeration("status", MemberStatus.self), fields: try o.decode("fields"),
                  cards: try o.strings("cards"), tags: try o.strings("tags", maxCount: 1000), notes: try o.objects("notes", maxCount: .max),
                  preferences: try o.decode("preferences"), balance: try o.decode("balance"), createdAt: try o.timestamp("createdAt"),
                  registrationSource: try o.string("registrationSource"), lifetimeSpend: try o.int("lifetimeSpend"),
                  visits: try o.int("visits"), statusHistory: try o.objects("statusHistory", maxCount: .max),
                  notesOmitted: try o.int("notesOmitted", 0...Int64.max, default: 0),
                  statusHistoryOmitted: try o.int("statusHistoryOmitted", 0...Int64.max, default: 0))
    }
    public func encodeFields(to w: inout JSONWriter) {
        w.field("memberKey", memberKey); w.field("status", status); w.field("fields", fields); w.field("cards", cards); w.field("tags", tags)
        w.field("notes", notes); w.field("preferences", preferences); w.field("balance", balance); w.field("createdAt", createdAt)
        w.field("registrationSource", registrationSource); w.field("lifetimeSpend", lifetimeSpend); w.field("visits", visits)
        w.field("statusHistory", statusHistory)
        if notesOmitted > 0 { w.field("notesOmitted", notesOmitted) }
        if statusHistoryOmitted > 0 { w.field("statusHistoryOmitted", statusHistoryOmitted) }
    }
}

/// The answer to `member.export`: everything Till holds about the member, as NDJSON (one record per line).
public struct DataExport: Hashable, Sendable, WireBody {
    public var memberKey: String
    public var generatedAt: Timestamp
    public var ndjson: String
    public init(memberKey: String, generatedAt: Timestamp, ndjson: String) { self.memberKey = memberKey; self.generatedAt = generatedAt; self.ndjson = ndjson }
    public init(wire o: JSONObjectReader) throws(TillError) {
        self.init(memberKey: try o.id("memberKey"), generatedAt: try o.timestamp("generatedAt"), ndjson: try o.string("ndjson", maxLength: 1 << 30))
    }
    public func encodeFields(to w: inout JSONWriter) { w.field("memberKey", memberKey); w.field("generatedAt", generatedAt); w.field("ndjson", ndjson) }
}

/// One refused row of `member.import` (rows are 1-based line numbers).
public struct ImportRowError: Hashable, Sendable, WireBody {
    public var row: Int64
    public var field: String?
    public var reason: String
    public init(row: Int64, field: String?, reason: String) { self.row = row; self.field = field; self.reason = reason }
    public init(wire o: JSONObjectReader) throws(TillError) {
        self.init(row: try o.int("row"), field: try o.optionalString("field"), reason: try o.string("reason"))
    }
    public func encodeFields(to w: inout JSONWriter) { w.field("row", row); w.field("field", field); w.field("reason", reason) }
}

/// The answer to `member.import`.
public struct ImportResult: Hashable, Sendable, WireBody {
    public var created: Int64
    public var updated: Int64
    public var errors: [ImportRowError]
    public init(created: Int64, updated: Int64, errors: [ImportRowError]) { self.created = created; self.updated = updated; self.errors = errors }
    public init(wire o: JSONObjectReader) throws(TillError) {
        self.init(created: try o.int("created"), updated: try o.int("updated"), errors: try o.objects("errors"))
    }
    public func encodeFields(to w: inout JSONWriter) { w.field("created", created); w.field("updated", updated); w.field("errors", errors) }
}
