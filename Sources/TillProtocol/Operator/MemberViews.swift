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
    public init(members: [MemberRow]) { self.members = members }
    public init(wire o: JSONObjectReader) throws(TillError) { self.init(members: try o.objects("members", maxCount: Int(WireLimits.maxPage))) }
    public func encodeFields(to w: inout JSONWriter) { w.field("members", members) }
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

/// A consent as recorded.
public struct MemberConsent: Hashable, Sendable, WireBody {
    public var channel: ConsentChannel
    public var granted: Bool
    public var at: Timestamp
    public init(channel: ConsentChannel, granted: Bool, at: Timestamp) { self.channel = channel; self.granted = granted; self.at = at }
    public init(wire o: JSONObjectReader) throws(TillError) {
        self.init(channel: try o.enumeration("channel", ConsentChannel.self), granted: try o.bool("granted"), at: try o.timestamp("at"))
    }
    public func encodeFields(to w: inout JSONWriter) { w.field("channel", channel); w.field("granted", granted); w.field("at", at) }
}

/// A member's full profile: the answer to `member.get` and to every op that changes a member.
public struct MemberProfile: Hashable, Sendable, WireBody {
    public var memberKey: String
    public var status: MemberStatus
    public var fields: MemberFields
    public var cards: [String]
    public var tags: [String]
    public var notes: [MemberNote]
    public var consents: [MemberConsent]
    public var smsUnsubscribed: Bool
    public var emailUnsubscribed: Bool
    public var balance: WalletBalance
    public var createdAt: Timestamp
    public init(memberKey: String, status: MemberStatus, fields: MemberFields, cards: [String] = [], tags: [String] = [], notes: [MemberNote] = [],
                consents: [MemberConsent] = [], smsUnsubscribed: Bool = false, emailUnsubscribed: Bool = false, balance: WalletBalance, createdAt: Timestamp) {
        self.memberKey = memberKey; self.status = status; self.fields = fields; self.cards = cards; self.tags = tags; self.notes = notes
        self.consents = consents; self.smsUnsubscribed = smsUnsubscribed; self.emailUnsubscribed = emailUnsubscribed
        self.balance = balance; self.createdAt = createdAt
    }
    public init(wire o: JSONObjectReader) throws(TillError) {
        self.init(memberKey: try o.id("memberKey"), status: try o.enumeration("status", MemberStatus.self), fields: try o.decode("fields"),
                  cards: try o.strings("cards"), tags: try o.strings("tags"), notes: try o.objects("notes"), consents: try o.objects("consents"),
                  smsUnsubscribed: try o.bool("smsUnsubscribed", default: false), emailUnsubscribed: try o.bool("emailUnsubscribed", default: false),
                  balance: try o.decode("balance"), createdAt: try o.timestamp("createdAt"))
    }
    public func encodeFields(to w: inout JSONWriter) {
        w.field("memberKey", memberKey); w.field("status", status); w.field("fields", fields); w.field("cards", cards); w.field("tags", tags)
        w.field("notes", notes); w.field("consents", consents); w.field("smsUnsubscribed", smsUnsubscribed)
        w.field("emailUnsubscribed", emailUnsubscribed); w.field("balance", balance); w.field("createdAt", createdAt)
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
