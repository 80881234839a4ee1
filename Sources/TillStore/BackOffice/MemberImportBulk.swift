import TillCore
import TillProtocol

/// New members of one import chunk, checked one by one and written together with multi-row INSERTs.
///
/// Guarantees: a queued row has passed every check of the row-by-row path (birthday, identifiers normalised, given
/// once, held by no member and by no row queued before it), so `flush` cannot refuse it; each member is written as
/// by the row-by-row path (member row with source `import`, identifiers, tags, a wallet and an `adjust` ledger row per
/// opening balance, one `member_search` row written last, after its identifiers), except that there is no
/// status-history row and no activity entry per member (the chunk records one activity entry).
struct BulkMembers {
    let actor: Actor
    let country: String
    /// Members written by `flush` so far.
    private(set) var written = 0

    private struct Pending {
        var key: String
        var row: ImportRow
        var claims: [(kind: IdentifierKind, value: String)]
    }
    private var pending: [Pending] = []
    /// Member keys and identifiers (`kind \0 value`) of the queued rows.
    private var keys = Set<String>()
    private var claimed = Set<String>()

    init(actor: Actor, country: String) { self.actor = actor; self.country = country }

    /// Checks `row` as a new member and queues it: true when queued; false when the row names the memberKey of an
    /// existing or queued member (it then takes the row-by-row path, after `flush`). Throws, queuing nothing, for a
    /// refused row.
    mutating func add(_ c: Connection, _ row: ImportRow) throws -> Bool {
        let f = row.fields
        if let key = row.memberKey {
            if keys.contains(key) { return false }
            if try c.int64("SELECT id FROM members WHERE member_key = ?", [.text(key)]) != nil { return false }
        }
        if let b = f.birthday { try MemberRows.checkBirthday(b, field: "birthday") }
        var claims: [(kind: IdentifierKind, value: String, field: String)] = []
        for (kind, raw, name) in [(IdentifierKind.phone, f.phone, "phone"), (.email, f.email, "email"), (.customId, f.customId, "customId")] {
            guard let raw, !raw.isEmpty else { continue }
            claims.append((kind, try Identifiers.normalise(kind, raw, country: country, field: name), name))
        }
        for card in row.cards { claims.append((.card, try Identifiers.normalise(.card, card, country: country, field: "cards"), "cards")) }
        var seen = Set<String>()
        for (kind, value, field) in claims {
            let tagged = kind.rawValue + "\u{0}" + value
            guard seen.insert(tagged).inserted else { throw TillError.invalidRequest(field: field, reason: "given twice") }
            let held = try claimed.contains(tagged) || Identifiers.holder(c, kind: kind, value: value) != nil
            if held {
                throw TillError.alreadyExists(field: field, reason: "this \(kind.rawValue) is held by another member")
            }
        }
        var key = row.memberKey
        while key == nil {
            let next = try MemberKeys.next(c)
            if !keys.contains(next) { key = next }
        }
        keys.insert(key!)
        for tagged in seen { claimed.insert(tagged) }
        pending.append(Pending(key: key!, row: row, claims: [(.memberKey, key!)] + claims.map { ($0.kind, $0.value) }))
        return true
    }

    /// Writes the queued members.
    mutating func flush(_ c: Connection) throws {
        guard !pending.isEmpty else { return }
        defer {
            written += pending.count
            pending.removeAll(keepingCapacity: true); keys.removeAll(keepingCapacity: true); claimed.removeAll(keepingCapacity: true)
        }
        let at = actor.ms
        let firstId = (try c.int64("SELECT max(id) FROM members") ?? 0) + 1
        var walletId = try c.int64("SELECT max(id) FROM wallets") ?? 0
        var members: [SQLValue] = [], identifiers: [SQLValue] = [], tags: [SQLValue] = []
        var wallets: [SQLValue] = [], ledger: [SQLValue] = [], search: [SQLValue] = []
        members.reserveCapacity(pending.count * 9); identifiers.reserveCapacity(pending.count * 16); search.reserveCapacity(pending.count * 3)
        let active = SQLValue.text(Members.stored(.active))
        func stored(_ s: String?) -> SQLValue { s.flatMap { $0.isEmpty ? nil : $0 }.map(SQLValue.text) ?? .null }
        for (offset, p) in pending.enumerated() {
            let id = Int64(firstId) + Int64(offset)
            let f = p.row.fields
            members += [.integer(id), .text(p.key), active, .integer(at), .text("import"), stored(f.firstName), stored(f.lastName),
                        stored(f.birthday), .integer(at)]
            for claim in p.claims { identifiers += [.integer(id), .text(claim.kind.rawValue), .text(claim.value), .integer(at)] }
            for tag in p.row.tags where !tag.isEmpty { tags += [.integer(id), .text(tag)] }
            for (wallet, amount) in [(WalletKind.points, p.row.points), (.credit, p.row.credit)] where amount > 0 {
                walletId += 1
                wallets += [.integer(walletId), .integer(id), .text(wallet.rawValue), .integer(amount)]
                ledger += [.integer(id), .integer(walletId), .integer(amount), .integer(actor.id), .integer(at)]
            }
            // As `MemberRows.indexForSearch`: trim(first ' ' last), the in-use identifiers separated by spaces.
            let names = "\(f.firstName.flatMap { $0.isEmpty ? nil : $0 } ?? "") \(f.lastName.flatMap { $0.isEmpty ? nil : $0 } ?? "")"
            search += [.integer(id), .text(Self.trimSpaces(names)), .text(p.claims.map(\.value).joined(separator: " "))]
        }
        try Self.insert(c, """
            INSERT INTO members (id, member_key, status, registered_at, registration_source, first_name, last_name, birthday, updated_at)
            """, width: 9, members)
        try Self.insert(c, "INSERT INTO member_identifiers (member_id, kind, value, created_at)", width: 4, identifiers)
        try Self.insert(c, "INSERT INTO member_tags (member_id, tag)", " ON CONFLICT DO NOTHING", width: 2, tags)
        try Self.insert(c, "INSERT INTO wallets (id, member_id, kind, balance)", width: 4, wallets)
        try Self.insert(c, "INSERT INTO ledger (member_id, wallet_id, delta, kind, operator_id, reason, created_at)", width: 5, ledger,
                        tuple: "(?, ?, ?, 'adjust', ?, 'import', ?)")
        // Last, after the identifiers: their insert trigger updates `member_search` rows, and finds none to update.
        try Self.insert(c, "INSERT INTO member_search (rowid, names, identifiers)", width: 3, search)
    }

    /// SQL `trim(s)`: without leading and trailing spaces.
    static func trimSpaces(_ s: String) -> String {
        String(s.drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }

    /// Runs `head VALUES tuple, tuple, … tail` over `values` (`width` per row): 64 rows per statement, the rest one by one
    /// (two cached statements per table).
    static func insert(_ c: Connection, _ head: String, _ tail: String = "", width: Int, _ values: [SQLValue], tuple: String? = nil) throws {
        let rows = values.count / width
        let tuple = tuple ?? "(" + Array(repeating: "?", count: width).joined(separator: ", ") + ")"
        var row = 0
        while row < rows {
            let n = rows - row >= 64 ? 64 : 1
            let sql = head + " VALUES " + Array(repeating: tuple, count: n).joined(separator: ", ") + tail
            try c.statement(sql).execute(Array(values[row * width ..< (row + n) * width]))
            row += n
        }
    }
}
