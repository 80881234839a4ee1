import TillCore
import TillProtocol

/// What can be checked of one import row without the store, done on the caller's thread when the chunk is made (so
/// the writer only checks what depends on the store).
struct PreparedRow: Sendable {
    /// One identifier of the row, normalised as at the POS.
    struct Claim: Sendable {
        var kind: IdentifierKind
        var value: String
        var field: String
    }
    /// Why the birthday is refused, if it is.
    var birthdayError: TillError?
    /// Why the identifiers are refused (one does not normalise, or one is given twice), if they are.
    var claimsError: TillError?
    /// Phone, email, custom id, then cards, normalised (empty when `claimsError`).
    var claims: [Claim] = []
    /// `member_search.names` of a new member: trim(first ' ' last).
    var names: String = ""
    /// The claims' values separated by spaces (`member_search.identifiers` without the member key).
    var identifierText: String = ""

    init(_ row: ImportRow, country: String) {
        let f = row.fields
        if let b = f.birthday {
            do throws(TillError) { try MemberRows.checkBirthday(b, field: "birthday") } catch { birthdayError = error }
        }
        do throws(TillError) {
            var claims: [Claim] = []
            for (kind, raw, name) in [(IdentifierKind.phone, f.phone, "phone"), (.email, f.email, "email"), (.customId, f.customId, "customId")] {
                guard let raw, !raw.isEmpty else { continue }
                claims.append(Claim(kind: kind, value: try Identifiers.normalise(kind, raw, country: country, field: name), field: name))
            }
            for card in row.cards { claims.append(Claim(kind: .card, value: try Identifiers.normalise(.card, card, country: country, field: "cards"), field: "cards")) }
            for (i, claim) in claims.enumerated() where claims[..<i].contains(where: { $0.kind == claim.kind && $0.value == claim.value }) {
                throw TillError.invalidRequest(field: claim.field, reason: "given twice")
            }
            self.claims = claims
        } catch {
            claimsError = error
        }
        let first = f.firstName ?? "", last = f.lastName ?? ""
        names = first.isEmpty ? Self.trimSpaces(last) : last.isEmpty ? Self.trimSpaces(first) : Self.trimSpaces(first + " " + last)
        identifierText = claims.map(\.value).joined(separator: " ")
    }

    /// SQL `trim(s)`: without leading and trailing spaces.
    static func trimSpaces(_ s: String) -> String {
        let u = s.utf8
        guard u.first == 0x20 || u.last == 0x20 else { return s }
        guard let start = u.firstIndex(where: { $0 != 0x20 }), let end = u.lastIndex(where: { $0 != 0x20 }) else { return "" }
        return String(s[start...end])
    }
}

/// New members of one import chunk, checked one by one and written together with multi-row INSERTs.
///
/// Guarantees: a queued row has passed every check of the row-by-row path (birthday, identifiers normalised, given
/// once, held by no member and by no row queued before it), so `flush` cannot refuse it; each member is written as
/// by the row-by-row path (member row with source `import`, identifiers, tags, a wallet and an `adjust` ledger row per
/// opening balance, one `member_search` row written last, after its identifiers), except that there is no
/// status-history row and no activity entry per member (the chunk records one activity entry).
struct BulkMembers {
    let actor: Actor
    /// Members written by `flush` so far.
    private(set) var written = 0

    private struct Pending {
        var key: String
        var row: ImportRow
        var prepared: PreparedRow
    }
    private var pending: [Pending] = []
    private struct Held: Hashable {
        var kind: IdentifierKind
        var value: String
    }
    /// Member keys and identifiers of the queued rows.
    private var keys = Set<String>()
    private var claimed = Set<Held>()
    /// Identifiers held in the store, as looked up by `lookUp` for the rows about to be added.
    private var held = Set<Held>()

    init(actor: Actor) { self.actor = actor }

    /// Looks up, in one query per identifier kind, which identifiers of `rows` are held in the store: `add` then checks
    /// them without a query each. Valid until the store's identifiers change other than by `flush` (the caller looks
    /// up again after writing a row by the row-by-row path).
    mutating func lookUp(_ c: Connection, _ prepared: ArraySlice<PreparedRow>) throws {
        held.removeAll(keepingCapacity: true)
        var byKind: [IdentifierKind: [String]] = [:]
        for p in prepared { for claim in p.claims { byKind[claim.kind, default: []].append(claim.value) } }
        let query = try c.statement("""
            SELECT value FROM member_identifiers WHERE kind = ?1 AND released_at IS NULL AND value IN (SELECT value FROM json_each(?2))
            """)
        for (kind, values) in byKind {
            try query.forEachRow([.text(kind.rawValue), .text(JSONText.array(values))]) { held.insert(Held(kind: kind, value: $0.text(0))) }
        }
    }

    /// Checks `row` (new member: its memberKey, if any, is neither in the store nor queued) and queues it. Throws,
    /// queuing nothing, for a refused row.
    mutating func add(_ c: Connection, _ row: ImportRow, _ prepared: PreparedRow) throws {
        if let error = prepared.birthdayError { throw error }
        if let error = prepared.claimsError { throw error }
        var tagged: [Held] = []
        tagged.reserveCapacity(prepared.claims.count)
        for claim in prepared.claims {
            let t = Held(kind: claim.kind, value: claim.value)
            if claimed.contains(t) || held.contains(t) {
                throw TillError.alreadyExists(field: claim.field, reason: "this \(claim.kind.rawValue) is held by another member")
            }
            tagged.append(t)
        }
        var key = row.memberKey
        while key == nil {
            let next = try MemberKeys.next(c)
            if !keys.contains(next) { key = next }
        }
        keys.insert(key!)
        for t in tagged { claimed.insert(t) }
        pending.append(Pending(key: key!, row: row, prepared: prepared))
    }

    /// Writes the queued members.
    mutating func flush(_ c: Connection) throws {
        guard !pending.isEmpty else { return }
        defer {
            written += pending.count
            pending.removeAll(keepingCapacity: true); keys.removeAll(keepingCapacity: true); claimed.removeAll(keepingCapacity: true)
        }
        let at = actor.ms, operatorId = actor.id
        let firstId = (try c.int64("SELECT max(id) FROM members") ?? 0) + 1
        let firstWalletId = (try c.int64("SELECT max(id) FROM wallets") ?? 0) + 1
        func stored(_ s: String?) -> String? { s.flatMap { $0.isEmpty ? nil : $0 } }
        let pending = self.pending
        try Self.insert(c, "INSERT INTO members (id, member_key, status, registered_at, registration_source, first_name, last_name, birthday, updated_at)",
                        tuple: "(?, ?, 'active', ?, 'import', ?, ?, ?, ?)", count: pending.count) { s, p, r in
            let f = pending[r].row.fields
            try s.bind(p, firstId + Int64(r)); try s.bind(p + 1, pending[r].key); try s.bind(p + 2, at)
            try s.bind(p + 3, stored(f.firstName)); try s.bind(p + 4, stored(f.lastName)); try s.bind(p + 5, stored(f.birthday))
            try s.bind(p + 6, at)
        }
        // Identifiers: the member key first, then the row's claims (as the row-by-row path: `ORDER BY id` lists them so).
        var identifiers: [(member: Int, kind: String, value: String)] = []
        identifiers.reserveCapacity(pending.count * 4)
        var tags: [(member: Int, tag: String)] = []
        var wallets: [(member: Int, kind: String, amount: Int64)] = []
        for (r, p) in pending.enumerated() {
            identifiers.append((r, IdentifierKind.memberKey.rawValue, p.key))
            for claim in p.prepared.claims { identifiers.append((r, claim.kind.rawValue, claim.value)) }
            for tag in p.row.tags where !tag.isEmpty { tags.append((r, tag)) }
            if p.row.points > 0 { wallets.append((r, WalletKind.points.rawValue, p.row.points)) }
            if p.row.credit > 0 { wallets.append((r, WalletKind.credit.rawValue, p.row.credit)) }
        }
        try Self.insert(c, "INSERT INTO member_identifiers (member_id, kind, value, created_at)", tuple: "(?, ?, ?, ?)",
                        count: identifiers.count) { s, p, r in
            let i = identifiers[r]
            try s.bind(p, firstId + Int64(i.member)); try s.bind(p + 1, i.kind); try s.bind(p + 2, i.value); try s.bind(p + 3, at)
        }
        try Self.insert(c, "INSERT INTO member_tags (member_id, tag)", tuple: "(?, ?)", tail: " ON CONFLICT DO NOTHING", count: tags.count) { s, p, r in
            try s.bind(p, firstId + Int64(tags[r].member)); try s.bind(p + 1, tags[r].tag)
        }
        // Zero bases: each wallet's opening row below is its balance (`WalletTotals`).
        try Self.insert(c, "INSERT INTO wallets (id, member_id, kind)", tuple: "(?, ?, ?)", count: wallets.count) { s, p, r in
            let w = wallets[r]
            try s.bind(p, firstWalletId + Int64(r)); try s.bind(p + 1, firstId + Int64(w.member)); try s.bind(p + 2, w.kind)
        }
        try Self.insert(c, "INSERT INTO ledger (member_id, wallet_id, delta, kind, operator_id, reason, created_at)",
                        tuple: "(?, ?, ?, 'adjust', ?, 'import', ?)", count: wallets.count) { s, p, r in
            let w = wallets[r]
            try s.bind(p, firstId + Int64(w.member)); try s.bind(p + 1, firstWalletId + Int64(r)); try s.bind(p + 2, w.amount)
            try s.bind(p + 3, operatorId); try s.bind(p + 4, at)
        }
        // Last, after the identifiers (their insert trigger updates `member_search` rows, and finds none to update), one
        // row per statement: a statement that needs a statement journal (a multi-row INSERT does) makes FTS5 flush its
        // pending terms to a new segment when it ends, and small segments cost merges later; single-row INSERTs leave
        // the chunk's terms pending until the request's savepoint is released (one segment per chunk).
        let search = try c.statement("INSERT INTO member_search (rowid, names, identifiers) VALUES (?, ?, ?)")
        for (r, p) in pending.enumerated() {
            try search.bind(1, firstId + Int64(r)); try search.bind(2, p.prepared.names)
            try search.bind(3, p.prepared.identifierText.isEmpty ? p.key : p.key + " " + p.prepared.identifierText)
            try search.run()
        }
    }

    /// Runs `head VALUES tuple, tuple, … tail` for `count` rows: 64 rows per statement, the rest one by one (two cached
    /// statements per table); `bind(statement, first parameter of the row, row)` binds each row's parameters.
    static func insert(_ c: Connection, _ head: String, tuple: String, tail: String = "", count: Int,
                       _ bind: (Statement, Int32, Int) throws -> Void) throws {
        guard count > 0 else { return }
        let width = Int32(tuple.utf8.count { $0 == UInt8(ascii: "?") })
        var statements: [Int: Statement] = [:]
        var row = 0
        while row < count {
            let n = count - row >= 64 ? 64 : 1
            let statement: Statement
            if let s = statements[n] { statement = s } else {
                statement = try c.statement(head + " VALUES " + Array(repeating: tuple, count: n).joined(separator: ", ") + tail)
                statements[n] = statement
            }
            for k in 0..<n { try bind(statement, 1 + Int32(k) * width, row + k) }
            try statement.run()
            row += n
        }
    }
}

/// JSON text of string arrays, for `json_each(?)` parameters.
enum JSONText {
    static func array(_ values: [String]) -> String {
        var out: [UInt8] = [UInt8(ascii: "[")]
        out.reserveCapacity(values.reduce(2) { $0 + $1.utf8.count + 3 })
        for (i, v) in values.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            out.append(UInt8(ascii: "\""))
            for b in v.utf8 {
                switch b {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"): out += [UInt8(ascii: "\\"), b]
                case ..<0x20: out += Array("\\u00".utf8) + [hex(b >> 4), hex(b & 15)]
                default: out.append(b)
                }
            }
            out.append(UInt8(ascii: "\""))
        }
        out.append(UInt8(ascii: "]"))
        return String(decoding: out, as: UTF8.self)
    }

    private static func hex(_ n: UInt8) -> UInt8 { n < 10 ? UInt8(ascii: "0") + n : UInt8(ascii: "a") + n - 10 }
}
