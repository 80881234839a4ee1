import TillCore

/// `terminal.provision`: a new terminal API key bound to one branch and POS.
public struct TerminalProvision: Hashable, Sendable, WireBody {
    public var terminal: TerminalIdentity
    public var label: String?
    public init(terminal: TerminalIdentity, label: String? = nil) { self.terminal = terminal; self.label = label }
    public init(wire o: JSONObjectReader) throws(TillError) {
        self.init(terminal: try o.decode("terminal"), label: try o.optionalString("label", maxLength: 128))
    }
    public func encodeFields(to w: inout JSONWriter) { w.field("terminal", terminal); w.field("label", label) }
}

/// `operator.provision`: a new operator API key.
public struct OperatorProvision: Hashable, Sendable, WireBody {
    public var name: String
    public init(name: String) { self.name = name }
    public init(wire o: JSONObjectReader) throws(TillError) { self.init(name: try o.required("name").nonEmptyString(maxLength: 128)) }
    public func encodeFields(to w: inout JSONWriter) { w.field("name", name) }
}

/// `terminal.disable`, `operator.disable`: the key to disable (takes effect for new and open sessions).
public struct KeyRef: Hashable, Sendable, WireBody {
    public var keyId: String
    public init(keyId: String) { self.keyId = keyId }
    public init(wire o: JSONObjectReader) throws(TillError) { self.init(keyId: try o.id("keyId")) }
    public func encodeFields(to w: inout JSONWriter) { w.field("keyId", keyId) }
}

/// A provisioned key as listed (the secret is never shown again after provisioning).
public struct KeyInfo: Hashable, Sendable, WireBody {
    public var keyId: String
    public var role: SessionRole
    /// Terminal keys only.
    public var terminal: TerminalIdentity?
    /// Terminal label or operator name.
    public var name: String?
    public var enabled: Bool
    public var createdAt: Timestamp
    public init(keyId: String, role: SessionRole, terminal: TerminalIdentity?, name: String?, enabled: Bool, createdAt: Timestamp) {
        self.keyId = keyId; self.role = role; self.terminal = terminal; self.name = name; self.enabled = enabled; self.createdAt = createdAt
    }
    public init(wire o: JSONObjectReader) throws(TillError) {
        self.init(keyId: try o.id("keyId"), role: try o.enumeration("role", SessionRole.self), terminal: try o.optionalDecode("terminal"),
                  name: try o.optionalString("name"), enabled: try o.bool("enabled"), createdAt: try o.timestamp("createdAt"))
    }
    public func encodeFields(to w: inout JSONWriter) {
        w.field("keyId", keyId); w.field("role", role); w.field("terminal", terminal); w.field("name", name); w.field("enabled", enabled)
        w.field("createdAt", createdAt)
    }
}

/// The answer to `terminal.list` and `operator.list`.
public struct KeyList: Hashable, Sendable, WireBody {
    public var keys: [KeyInfo]
    public init(keys: [KeyInfo]) { self.keys = keys }
    public init(wire o: JSONObjectReader) throws(TillError) { self.init(keys: try o.objects("keys", maxCount: 100_000)) }
    public func encodeFields(to w: inout JSONWriter) { w.field("keys", keys) }
}

/// The answer to a provisioning op: the key's id and its secret, shown this once.
public struct Credential: Hashable, Sendable, WireBody {
    public var info: KeyInfo
    public var apiKey: String
    public init(info: KeyInfo, apiKey: String) { self.info = info; self.apiKey = apiKey }
    public init(wire o: JSONObjectReader) throws(TillError) { self.init(info: try o.decode("info"), apiKey: try o.id("apiKey")) }
    public func encodeFields(to w: inout JSONWriter) { w.field("info", info); w.field("apiKey", apiKey) }
}
