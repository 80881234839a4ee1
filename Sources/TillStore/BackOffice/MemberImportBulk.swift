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
        let at = actor.ms
        let firstId = (try c.int64("SELECT max(id) FROM members") ?? 0) + 1
        var walletId = try c.int64("SELECT max(id) FROM wallets") ?? 0
        var members: [SQLValue] = [], identifiers: [SQLValue] = [], tags: [SQLValue] = []
        var wallets: [SQLValue] = [], ledger: [SQLValue] = []
        members.reserveCapacity(pending.count * 9); identifiers.reserveCapacity(pending.count * 16)
        let active = SQLValue.text(Members.stored(.active)), source = SQLValue.text("import"), now = SQLValue.integer(at)
        let kindKey = SQLValue.text(IdentifierKind.memberKey.rawValue)
        func stored(_ s: String?) -> SQLValue { s.flatMap { $0.isEmpty ? nil : $0 }.map(SQLValue.text) ?? .null }
        for (offset, p) in pending.enumerated() {
            let id = SQLValue.integer(Int64(firstId) + Int64(offset))
            let f = p.row.fields
            members += [id, .text(p.key), active, now, source, stored(f.firstName), stored(f.lastName), stored(f.birthday), now]
            identifiers += [id, kindKey, .text(p.key), now]
            for claim in p.prepared.claims { identifiers += [id, .text(claim.kind.rawValue), .text(claim.value), now] }
            for tag in p.row.tags where !tag.isEmpty { tags += [id, .text(tag)] }
            for (wallet, amount) in [(WalletKind.points, p.row.points), (.credit, p.row.credit)] where amount > 0 {
                walletId += 1
                wallets += [.integer(walletId), id, .text(wallet.rawValue), .integer(amount)]
                ledger += [id, .integer(walletId), .integer(amount), .integer(actor.id), now]
            }
        }
        try Self.insert(c, """
            INSERT INTO members (id, member_key, status, registered_at, registration_source, first_name, last_name, birthday, updated_at)
            """, width: 9, members)
        try Self.insert(c, "INSERT INTO member_identifiers (member_id, kind, value, created_at)", width: 4, identifiers)
        try Self.insert(c, "INSERT INTO member_tags (member_id, tag)", " ON CONFLICT DO NOTHING", width: 2, tags)
        try Self.insert(c, "INSERT INTO wallets (id, member_id, kind, balance)", width: 4, wallets)
        try Self.insert(c, "INSERT INTO ledger (member_id, wallet_id, delta, kind, operator_id, reason, created_at)", width: 5, ledger,
                        tuple: "(?, ?, ?, 'adjust', ?, 'import', ?)")
        // Last, after the identifiers (their insert trigger updates `member_search` rows, and finds none to update), one
        // row per statement: a statement that needs a statement journal (a multi-row INSERT does) makes FTS5 flush its
        // pending terms to a new segment when it ends, and small segments cost merges later; single-row INSERTs leave
        // the chunk's terms pending until the request's savepoint is released (one segment per chunk).
        let search = try c.statement("INSERT INTO member_search (rowid, names, identifiers) VALUES (?, ?, ?)")
        for (offset, p) in pending.enumerated() {
            try search.execute([.integer(Int64(firstId) + Int64(offset)), .text(p.prepared.names),
                                .text(p.prepared.identifierText.isEmpty ? p.key : p.key + " " + p.prepared.identifierText)])
        }
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
