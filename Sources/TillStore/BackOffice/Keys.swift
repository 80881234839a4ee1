import TillCore
import TillProtocol

/// Terminal and operator API keys: provisioning (the secret is answered once and only its digest is stored),
/// disabling, listing.
///
/// Guarantees: key ids are `term-<n>` and `op-<n>`; disabling is idempotent and takes effect at the next
/// authentication; secrets never appear in lists or the activity log.
struct Keys {
    let actor: Actor
    let generate: @Sendable (SessionRole) throws(TillError) -> (secret: String, digest: [UInt8])

    func provisionTerminal(_ c: Connection, _ p: TerminalProvision) throws -> Credential {
        let key = try generate(.terminal)
        try c.execute("INSERT INTO terminals (branch_id, pos_id, key_hash, enabled, created_at) VALUES (?, ?, ?, 1, ?)",
                      [.text(p.terminal.branchId), .text(p.terminal.posId), .blob(key.digest), .integer(actor.ms)])
        let id = c.lastInsertRowID
        try ActivityLog(c, by: actor).append(.terminalProvisioned, member: nil,
                                  ActivityDetails(summary: "Terminal term-\(id) for \(p.terminal.branchId)/\(p.terminal.posId)"))
        return Credential(info: try Self.info(c, id: id, role: .terminal)!, apiKey: key.secret)
    }

    func provisionOperator(_ c: Connection, _ p: OperatorProvision) throws -> Credential {
        let key = try generate(.operator)
        try c.execute("INSERT INTO operators (name, key_hash, enabled, created_at) VALUES (?, ?, 1, ?)",
                      [.text(p.name), .blob(key.digest), .integer(actor.ms)])
        let id = c.lastInsertRowID
        try ActivityLog(c, by: actor).append(.operatorProvisioned, member: nil,
                                  ActivityDetails(summary: "Operator op-\(id) (\(p.name))"))
        return Credential(info: try Self.info(c, id: id, role: .operator)!, apiKey: key.secret)
    }

    static func disable(_ c: Connection, _ k: KeyRef, role: SessionRole) throws -> KeyInfo {
        guard let id = rowId(k.keyId, role: role), try info(c, id: id, role: role) != nil else {
            throw TillError.notFound(field: "keyId", reason: "no \(role.rawValue) key \(k.keyId)")
        }
        try c.execute("UPDATE \(table(role)) SET enabled = 0 WHERE id = ?", [.integer(id)])
        return try info(c, id: id, role: role)!
    }

    static func list(_ c: Connection, role: SessionRole) throws -> KeyList {
        var keys: [KeyInfo] = []
        try c.statement(select(role) + " ORDER BY id").forEachRow { keys.append(info(row: $0, role: role)) }
        return KeyList(keys: keys)
    }

    static func info(_ c: Connection, id: Int64, role: SessionRole) throws -> KeyInfo? {
        try c.statement(select(role) + " WHERE id = ?").firstRow([.integer(id)]) { info(row: $0, role: role) }
    }

    private static func table(_ role: SessionRole) -> String { role == .terminal ? "terminals" : "operators" }
    private static func prefix(_ role: SessionRole) -> String { role == .terminal ? "term-" : "op-" }

    private static func select(_ role: SessionRole) -> String {
        role == .terminal ? "SELECT id, branch_id, pos_id, enabled, created_at FROM terminals"
            : "SELECT id, name, NULL, enabled, created_at FROM operators"
    }

    private static func info(row r: Row, role: SessionRole) -> KeyInfo {
        let id = prefix(role) + String(r.int64(0))
        let at = Timestamp(millisecondsSinceEpoch: r.int64(4))
        return role == .terminal
            ? KeyInfo(keyId: id, role: role, terminal: TerminalIdentity(branchId: r.text(1), posId: r.text(2)), name: nil, enabled: r.int64(3) == 1, createdAt: at)
            : KeyInfo(keyId: id, role: role, terminal: nil, name: r.text(1), enabled: r.int64(3) == 1, createdAt: at)
    }

    private static func rowId(_ keyId: String, role: SessionRole) -> Int64? {
        guard keyId.hasPrefix(prefix(role)) else { return nil }
        return Int64(keyId.dropFirst(prefix(role).count))
    }
}
