import TillCore

/// `hello`: the first request of every connection. Offers protocol versions and presents one API key (a terminal
/// key, bound to a branch and POS, or an operator key).
public struct Hello: Hashable, Sendable, WireCodable {
    public var versions: [Int]
    public var apiKey: String
    /// Free text naming the client software, for logs (e.g. `acme-pos/4.2`).
    public var client: String?
    public init(versions: [Int] = ProtocolVersion.supported, apiKey: String, client: String? = nil) {
        self.versions = versions
        self.apiKey = apiKey
        self.client = client
    }
    public init(wire o: JSONObjectReader) throws(TillError) {
        let versions = try o.array("versions", maxCount: 16, required: true) { v throws(TillError) in Int(try v.int(1...1_000_000)) }
        if versions.isEmpty { throw .invalidRequest(field: o.childPath("versions"), reason: "must not be empty") }
        self.init(versions: versions, apiKey: try o.required("apiKey").nonEmptyString(maxLength: 256),
                  client: try o.optionalString("client", maxLength: WireLimits.maxTextBytes))
    }
    public func encodeFields(to w: inout JSONWriter) {
        w.key("versions"); w.beginArray(); for v in versions { w.int(Int64(v)) }; w.endArray()
        w.field("apiKey", apiKey); w.field("client", client)
    }
}

/// The role a session acts in after `hello`.
public enum SessionRole: String, CaseIterable, Hashable, Sendable {
    case terminal, `operator`
}

/// The answer to `hello`: the negotiated version and who the session is.
public struct HelloResult: Hashable, Sendable, WireCodable {
    public var version: Int
    public var role: SessionRole
    /// Terminal sessions: the branch and POS the key is bound to.
    public var terminal: TerminalIdentity?
    /// Operator sessions: the operator's name.
    public var operatorName: String?
    public var maxFrameSize: Int64
    public var serverTime: Timestamp
    public init(version: Int, role: SessionRole, terminal: TerminalIdentity?, operatorName: String?, maxFrameSize: Int64, serverTime: Timestamp) {
        self.version = version
        self.role = role
        self.terminal = terminal
        self.operatorName = operatorName
        self.maxFrameSize = maxFrameSize
        self.serverTime = serverTime
    }
    public init(wire o: JSONObjectReader) throws(TillError) {
        self.init(version: Int(try o.int("version", 1...1_000_000)), role: try o.enumeration("role", SessionRole.self),
                  terminal: try o.optionalDecode("terminal"), operatorName: try o.optionalString("operatorName"),
                  maxFrameSize: try o.int("maxFrameSize", 1...Int64(UInt32.max)), serverTime: try o.timestamp("serverTime"))
    }
    public func encode(to w: inout JSONWriter) {
        w.beginObject(); w.field("version", Int64(version)); w.field("role", role); w.field("terminal", terminal)
        w.field("operatorName", operatorName); w.field("maxFrameSize", maxFrameSize); w.field("serverTime", serverTime); w.endObject()
    }
}

/// `identify`: look members up by one or more identifiers (at most 5).
public struct IdentifyRequest: Hashable, Sendable, WireCodable {
    public var identifiers: [MemberIdentifier]
    public init(identifiers: [MemberIdentifier]) { self.identifiers = identifiers }
    public init(wire o: JSONObjectReader) throws(TillError) {
        let ids: [MemberIdentifier] = try o.objects("identifiers", maxCount: WireLimits.maxMembers, required: true)
        if ids.isEmpty { throw .invalidRequest(field: o.childPath("identifiers"), reason: "must not be empty") }
        self.init(identifiers: ids)
    }
    public func encodeFields(to w: inout JSONWriter) { w.field("identifiers", identifiers) }
}

/// The answer to `identify`: one entry per identifier, in request order.
public struct IdentifyResult: Hashable, Sendable, WireCodable {
    public var members: [IdentifiedMember]
    public init(members: [IdentifiedMember]) { self.members = members }
    public init(wire o: JSONObjectReader) throws(TillError) { self.init(members: try o.objects("members")) }
    public func encode(to w: inout JSONWriter) { w.beginObject(); w.field("members", members); w.endObject() }
}

/// `status`: what the server holds for one of this POS's transaction ids.
public struct StatusRequest: Hashable, Sendable, WireCodable {
    public var transactionId: String
    public init(transactionId: String) { self.transactionId = transactionId }
    public init(wire o: JSONObjectReader) throws(TillError) { self.init(transactionId: try o.id("transactionId")) }
    public func encodeFields(to w: inout JSONWriter) { w.field("transactionId", transactionId) }
}

/// The answer to `ping`.
public struct Pong: Hashable, Sendable, WireCodable {
    public var serverTime: Timestamp
    public init(serverTime: Timestamp) { self.serverTime = serverTime }
    public init(wire o: JSONObjectReader) throws(TillError) { self.init(serverTime: try o.timestamp("serverTime")) }
    public func encode(to w: inout JSONWriter) { w.beginObject(); w.field("serverTime", serverTime); w.endObject() }
}
