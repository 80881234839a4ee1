import TillCore

/// `member.search`: free-text search over name, phone, email, card and member key, and/or the members holding a
/// tag (case-sensitive); at most 50 rows. `query` may be empty (or absent) only with `tag`.
public struct MemberSearch: Hashable, Sendable, WireBody {
    public var query: String
    public var limit: Int64
    public var tag: String?
    public init(query: String, limit: Int64 = 20, tag: String? = nil) { self.query = query; self.limit = limit; self.tag = tag }
    public init(wire o: JSONObjectReader) throws(TillError) {
        let tag = try o.optional("tag").map { v throws(TillError) in try v.nonEmptyString(maxLength: 64) }
        let query = tag == nil ? try o.required("query").nonEmptyString(maxLength: 256) : try o.optionalString("query", maxLength: 256) ?? ""
        self.init(query: query, limit: try o.int("limit", 1...WireLimits.maxPage, default: 20), tag: tag)
    }
    public func encodeFields(to w: inout JSONWriter) {
        if !query.isEmpty || tag == nil { w.field("query", query) }
        w.field("limit", limit); w.field("tag", tag)
    }
}

/// A request naming one member (`member.get`, `member.block`, `member.unblock`, `member.verify`, `member.export`,
/// `member.anonymize`), with an optional reason kept in the activity log.
public struct MemberRef: Hashable, Sendable, WireBody {
    public var memberKey: String
    public var reason: String?
    public init(memberKey: String, reason: String? = nil) { self.memberKey = memberKey; self.reason = reason }
    public init(wire o: JSONObjectReader) throws(TillError) {
        self.init(memberKey: try o.id("memberKey"), reason: try o.optionalString("reason", maxLength: WireLimits.maxTextBytes))
    }
    public func encodeFields(to w: inout JSONWriter) { w.field("memberKey", memberKey); w.field("reason", reason) }
}

/// Personal fields of a member. On `member.update`, absent fields are left unchanged.
public struct MemberFields: Hashable, Sendable, WireBody {
    public var firstName: String?
    public var lastName: String?
    public var phone: String?
    public var email: String?
    /// `YYYY-MM-DD`.
    public var birthday: String?
    public var customId: String?
    public init(firstName: String? = nil, lastName: String? = nil, phone: String? = nil, email: String? = nil, birthday: String? = nil, customId: String? = nil) {
        self.firstName = firstName; self.lastName = lastName; self.phone = phone; self.email = email
        self.birthday = birthday; self.customId = customId
    }
    public init(wire o: JSONObjectReader) throws(TillError) {
        self.init(firstName: try o.optionalString("firstName", maxLength: WireLimits.maxTextBytes), lastName: try o.optionalString("lastName", maxLength: WireLimits.maxTextBytes),
                  phone: try o.optionalString("phone", maxLength: 256), email: try o.optionalString("email", maxLength: 256),
                  birthday: try o.optionalString("birthday", maxLength: 10), customId: try o.optionalString("customId", maxLength: 128))
    }
    public func encodeFields(to w: inout JSONWriter) {
        w.field("firstName", firstName); w.field("lastName", lastName); w.field("phone", phone); w.field("email", email)
        w.field("birthday", birthday); w.field("customId", customId)
    }
}

/// `member.create`: the member's fields (flat, as in `MemberFields`), and optionally the seed states a member can start
/// in: pending verification (until `member.verify`), and a marketing opt-in status.
public struct MemberCreate: Hashable, Sendable, WireBody {
    public var fields: MemberFields
    public var pendingVerification: Bool
    public var optIn: OptInStatus?
    public init(fields: MemberFields, pendingVerification: Bool = false, optIn: OptInStatus? = nil) {
        self.fields = fields; self.pendingVerification = pendingVerification; self.optIn = optIn
    }
    public init(wire o: JSONObjectReader) throws(TillError) {
        self.init(fields: try MemberFields(wire: o), pendingVerification: try o.bool("pendingVerification", default: false),
                  optIn: try o.optionalEnumeration("optIn", OptInStatus.self))
    }
    public func encodeFields(to w: inout JSONWriter) {
        fields.encodeFields(to: &w)
        if pendingVerification { w.field("pendingVerification", pendingVerification) }
        w.field("optIn", optIn)
    }
}

/// `member.update`: the member and the fields to change.
public struct MemberUpdate: Hashable, Sendable, WireBody {
    public var memberKey: String
    public var fields: MemberFields
    public init(memberKey: String, fields: MemberFields) { self.memberKey = memberKey; self.fields = fields }
    public init(wire o: JSONObjectReader) throws(TillError) { self.init(memberKey: try o.id("memberKey"), fields: try o.decode("fields")) }
    public func encodeFields(to w: inout JSONWriter) { w.field("memberKey", memberKey); w.field("fields", fields) }
}

/// `member.tag`, `member.untag`.
public struct MemberTag: Hashable, Sendable, WireBody {
    public var memberKey: String
    public var tag: String
    public init(memberKey: String, tag: String) { self.memberKey = memberKey; self.tag = tag }
    public init(wire o: JSONObjectReader) throws(TillError) {
        self.init(memberKey: try o.id("memberKey"), tag: try o.required("tag").nonEmptyString(maxLength: 64))
    }
    public func encodeFields(to w: inout JSONWriter) { w.field("memberKey", memberKey); w.field("tag", tag) }
}

/// `member.note`: adds a note to the member's profile.
public struct NoteAdd: Hashable, Sendable, WireBody {
    public var memberKey: String
    public var text: String
    public init(memberKey: String, text: String) { self.memberKey = memberKey; self.text = text }
    public init(wire o: JSONObjectReader) throws(TillError) {
        self.init(memberKey: try o.id("memberKey"), text: try o.required("text").nonEmptyString(maxLength: 2000))
    }
    public func encodeFields(to w: inout JSONWriter) { w.field("memberKey", memberKey); w.field("text", text) }
}

/// What a consent is about.
public enum ConsentChannel: String, CaseIterable, Hashable, Sendable {
    case sms, email, push, location, terms
    /// Marketing opt-in: granted sets `single` (offline consent), withdrawn sets `withdrawn`.
    case marketing
}
/// Channels a member can unsubscribe from.
public enum MessageChannel: String, CaseIterable, Hashable, Sendable { case sms, email }

/// `member.consent`: records a consent given or withdrawn (e.g. given offline, at the counter).
public struct ConsentRecord: Hashable, Sendable, WireBody {
    public var memberKey: String
    public var channel: ConsentChannel
    public var granted: Bool
    /// When the member gave it (defaults to now on the server).
    public var at: Timestamp?
    /// With channel `marketing` only: the exact opt-in status to record (`double` once confirmed, `objection` when the
    /// member actively objects, …); without it, granted sets `single` and withdrawn `withdrawn`.
    public var optIn: OptInStatus?
    public init(memberKey: String, channel: ConsentChannel, granted: Bool, at: Timestamp? = nil, optIn: OptInStatus? = nil) {
        self.memberKey = memberKey; self.channel = channel; self.granted = granted; self.at = at; self.optIn = optIn
    }
    public init(wire o: JSONObjectReader) throws(TillError) {
        self.init(memberKey: try o.id("memberKey"), channel: try o.enumeration("channel", ConsentChannel.self),
                  granted: try o.bool("granted"), at: try o.optionalTimestamp("at"), optIn: try o.optionalEnumeration("optIn", OptInStatus.self))
        if optIn != nil, channel != .marketing { throw .invalidRequest(field: o.childPath("optIn"), reason: "is only for channel marketing") }
        if let optIn, granted != [.single, .double].contains(optIn) {
            throw .invalidRequest(field: o.childPath("optIn"), reason: "\(optIn.rawValue) does not match granted \(granted)")
        }
    }
    public func encodeFields(to w: inout JSONWriter) {
        w.field("memberKey", memberKey); w.field("channel", channel); w.field("granted", granted); w.field("at", at); w.field("optIn", optIn)
    }
}

/// `member.unsubscribe`.
public struct Unsubscribe: Hashable, Sendable, WireBody {
    public var memberKey: String
    public var channel: MessageChannel
    public init(memberKey: String, channel: MessageChannel) { self.memberKey = memberKey; self.channel = channel }
    public init(wire o: JSONObjectReader) throws(TillError) {
        self.init(memberKey: try o.id("memberKey"), channel: try o.enumeration("channel", MessageChannel.self))
    }
    public func encodeFields(to w: inout JSONWriter) { w.field("memberKey", memberKey); w.field("channel", channel) }
}

/// `member.card.add` and `member.card.remove` (`oldCard` nil), `member.card.replace` (`oldCard` set).
public struct CardChange: Hashable, Sendable, WireBody {
    public var memberKey: String
    public var card: String
    public var oldCard: String?
    public init(memberKey: String, card: String, oldCard: String? = nil) { self.memberKey = memberKey; self.card = card; self.oldCard = oldCard }
    public init(wire o: JSONObjectReader) throws(TillError) {
        self.init(memberKey: try o.id("memberKey"), card: try o.id("card"), oldCard: try o.optionalString("oldCard", maxLength: 128))
    }
    public func encodeFields(to w: inout JSONWriter) { w.field("memberKey", memberKey); w.field("card", card); w.field("oldCard", oldCard) }
}

/// The formats `member.import` reads.
public enum ImportFormat: String, CaseIterable, Hashable, Sendable {
    /// One JSON object per line.
    case ndjson
    /// Comma-separated, RFC 4180 quoting; the first line of `rows` is the header naming the columns.
    case csv
}

/// `member.import`: a chunk of a member file. Each row has the `MemberFields` keys plus optional `memberKey`,
/// `points`, `credit`, `tags` and `cards` (CSV: `;`-separated lists). Large files are sent as several chunks; `firstLine`
/// keeps the reported line numbers those of the whole file.
public struct MemberImport: Hashable, Sendable, WireBody {
    /// The most UTF-8 bytes `rows` may hold (a 2,000-row chunk of a typical file fits; its frame needs an operator
    /// session's larger frame limit, announced in `hello`).
    public static let maxRowsBytes = 256 * 1024
    /// How many chunks of `chunkBytes` a client keeps in flight: enough for the server to write one while the next is
    /// parsed and sent; with big chunks only two, so that a purchase queued behind them waits for about two chunks.
    public static func chunksInFlight(chunkBytes: Int) -> Int { chunkBytes >= 96 * 1024 ? 2 : 4 }
    public var rows: String
    public var format: ImportFormat
    /// The line number, in the whole file, of the first line of `rows` (the header, for CSV).
    public var firstLine: Int64
    /// Validate only; write nothing.
    public var dryRun: Bool
    public init(rows: String, format: ImportFormat = .ndjson, firstLine: Int64 = 1, dryRun: Bool = false) {
        self.rows = rows; self.format = format; self.firstLine = firstLine; self.dryRun = dryRun
    }
    public init(wire o: JSONObjectReader) throws(TillError) {
        self.init(rows: try o.string("rows", maxLength: MemberImport.maxRowsBytes), format: try o.optionalEnumeration("format", ImportFormat.self) ?? .ndjson,
                  firstLine: try o.int("firstLine", 1...Int64(Int32.max) * 16, default: 1), dryRun: try o.bool("dryRun", default: false))
    }
    public func encodeFields(to w: inout JSONWriter) {
        w.field("rows", rows); w.field("format", format); w.field("firstLine", firstLine); w.field("dryRun", dryRun)
    }
}
