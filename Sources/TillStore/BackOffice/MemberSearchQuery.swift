import Foundation
import TillCore
import TillProtocol

/// `member.search`: exact matches on any identifier first, then members whose name or identifiers contain the text.
///
/// Guarantees: at most 50 rows (fewer when `limit` asks); each member at most once; exact matches (member key, card,
/// phone and email normalised as at the POS, custom id) come before contains matches; contains matching is
/// case-insensitive and uses the FTS5 trigram index for 3+ characters; with `tag`, only members holding the tag
/// (case-sensitive); `truncated` says more matched than were answered.
struct MemberSearchQuery {
    static let maxResults = 50
    /// Members of a tag considered when a query narrows them (a tag's first 10,000 members).
    static let maxTagged = 10_000
    let text: String
    let tag: String?
    let limit: Int
    let country: String

    init(_ q: MemberSearch, country: String) {
        self.text = q.query.trimmingCharacters(in: .whitespaces)
        self.limit = min(Int(q.limit), Self.maxResults)
        self.tag = q.tag
        self.country = country
    }

    func run(_ c: Connection) throws -> MemberList {
        // One more than asked: when it is found, the answer says the search stopped (`truncated`).
        let wanted = limit + 1
        var ids: [Int64] = []
        var tagged: Set<Int64>?
        if let tag {
            var members = Set<Int64>()
            // A tag alone lists its members (oldest first); with a query it narrows the query's matches.
            let cap = text.isEmpty ? wanted : Self.maxTagged
            try c.statement("SELECT member_id FROM member_tags WHERE tag = ? ORDER BY member_id LIMIT ?")
                .forEachRow([.text(tag), .integer(Int64(cap))]) { r in members.insert(r.int64(0)); if text.isEmpty { ids.append(r.int64(0)) } }
            tagged = members
        }
        func add(_ id: Int64) { if ids.count < wanted, !ids.contains(id), tagged?.contains(id) ?? true { ids.append(id) } }
        if !text.isEmpty {
            for id in try exact(c) { add(id) }
            if ids.count < wanted {
                for id in try contains(c, max: tagged == nil ? wanted + ids.count : Self.maxTagged) { add(id) }
            }
        }
        let truncated = ids.count > limit
        return MemberList(members: try ids.prefix(limit).map { try row(c, id: $0) }, truncated: truncated)
    }

    /// Members holding exactly this identifier, in a fixed kind order.
    private func exact(_ c: Connection) throws -> [Int64] {
        var found: [Int64] = []
        if let id = try c.int64("SELECT id FROM members WHERE member_key = ?", [.text(text)]) { found.append(id) }
        var candidates: [(String, String)] = [("card", text), ("customId", text)]
        if let phone = try? Identification.normalise(MemberIdentifier(kind: .phone, value: text), defaultCountry: country, field: "query") {
            candidates.append(("phone", phone.value))
        }
        if text.contains("@") { candidates.append(("email", text.lowercased())) }
        let lookup = try c.statement("SELECT member_id FROM member_identifiers WHERE kind = ? AND value = ? AND released_at IS NULL")
        for (kind, value) in candidates {
            try lookup.forEachRow([.text(kind), .text(value)]) { found.append($0.int64(0)) }
        }
        return found
    }

    /// Members whose names or in-use identifiers contain the text (case-insensitive).
    private func contains(_ c: Connection, max: Int) throws -> [Int64] {
        var found: [Int64] = []
        if let tail = Self.digitTail(text) {
            // A long run of digits (a phone number): its first trigrams ("+49", "491", "915") are in nearly every
            // member's text, and a phrase query reads every trigram's list. The last digits are rare: match them with
            // the index, then keep the rows that contain the whole text (digits have no case, so `instr` is exact).
            let sql = "SELECT rowid FROM member_search WHERE member_search MATCH ?1"
                + " AND (instr(identifiers, ?2) > 0 OR instr(names, ?2) > 0) LIMIT ?3"
            try c.statement(sql).forEachRow([.text("\"" + tail + "\""), .text(text), .integer(Int64(max))]) { found.append($0.int64(0)) }
        } else if text.unicodeScalars.count >= 3 {
            let phrase = "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
            try c.statement("SELECT rowid FROM member_search WHERE member_search MATCH ? LIMIT ?")
                .forEachRow([.text(phrase), .integer(Int64(max))]) { found.append($0.int64(0)) }
        } else {
            let pattern = "%" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
                .replacingOccurrences(of: "_", with: "\\_") + "%"
            try c.statement("""
                SELECT rowid FROM member_search WHERE names LIKE ?1 ESCAPE '\\' OR identifiers LIKE ?1 ESCAPE '\\' LIMIT ?2
                """).forEachRow([.text(pattern), .integer(Int64(max))]) { found.append($0.int64(0)) }
        }
        return found
    }

    /// The last 6 characters of a query of at least 9 that is only ASCII digits after an optional `+`; nil otherwise.
    static func digitTail(_ text: String) -> String? {
        let bytes = Array(text.utf8)
        let digits = bytes.first == UInt8(ascii: "+") ? bytes.dropFirst() : bytes[...]
        guard bytes.count >= 9, digits.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) else { return nil }
        return String(decoding: bytes.suffix(6), as: UTF8.self)
    }

    private func row(_ c: Connection, id: Int64) throws -> MemberRow {
        var row = try c.statement("SELECT member_key, status, first_name, last_name FROM members WHERE id = ?").firstRow([.integer(id)]) {
            MemberRow(memberKey: $0.text(0), status: Members.status($0.text(1)), firstName: $0.optionalText(2), lastName: $0.optionalText(3))
        }!
        try c.statement("SELECT kind, value FROM member_identifiers WHERE member_id = ? AND kind IN ('phone','email') AND released_at IS NULL")
            .forEachRow([.integer(id)]) { r in
                if r.text(0) == "phone" { row.phone = r.text(1) } else { row.email = r.text(1) }
            }
        return row
    }
}
