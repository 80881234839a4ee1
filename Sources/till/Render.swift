import TillCore
import TillProtocol

/// Plain-text tables and the JSON form of responses.
enum Render {
    /// Columns padded to their widest cell; an empty table says so.
    static func table(_ header: [String], _ rows: [[String]], empty: String = "(none)") -> String {
        guard !rows.isEmpty else { return empty }
        var widths = header.map(\.count)
        for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { i, c in i == cells.count - 1 ? c : c + String(repeating: " ", count: widths[i] - c.count) }
                .joined(separator: "  ")
        }
        return ([line(header)] + rows.map(line)).joined(separator: "\n")
    }

    /// `key: value` lines, values aligned.
    static func fields(_ pairs: [(String, String?)]) -> String {
        let shown = pairs.compactMap { k, v in v.map { (k, $0) } }
        let width = shown.map(\.0.count).max() ?? 0
        return shown.map { k, v in k + ":" + String(repeating: " ", count: width - k.count + 1) + v }.joined(separator: "\n")
    }

    static func json<T: WireEncodable>(_ value: T) -> String { String(decoding: StoredJSON.encode(value), as: UTF8.self) }

    static func time(_ t: Timestamp?) -> String {
        guard let t else { return "-" }
        var w = JSONWriter()
        w.beginObject(); w.field("t", t); w.endObject()
        return String(decoding: w.bytes.dropFirst(6).dropLast(2), as: UTF8.self)  // {"t":"…"}
    }

    /// Minor units as a decimal amount (2 decimals).
    static func money(_ minor: Int64) -> String {
        let sign = minor < 0 ? "-" : ""
        let m = minor.magnitude
        let cents = m % 100
        return "\(sign)\(m / 100).\(cents < 10 ? "0" : "")\(cents)"
    }

    static func profile(_ p: MemberProfile) -> Output {
        let name = [p.fields.firstName, p.fields.lastName].compactMap { $0 }.joined(separator: " ")
        let prefs = p.preferences
        var text = fields([
            ("member", p.memberKey), ("name", name.isEmpty ? nil : name), ("status", p.status.rawValue),
            ("registered", "\(time(p.createdAt)) (\(p.registrationSource))"),
            ("phone", p.fields.phone), ("email", p.fields.email), ("birthday", p.fields.birthday), ("custom id", p.fields.customId),
            ("cards", p.cards.isEmpty ? nil : p.cards.joined(separator: ", ")),
            ("points", "\(p.balance.points) (+\(p.balance.pendingPoints) pending)"), ("credit", money(p.balance.credit)),
            ("lifetime", "\(money(p.lifetimeSpend)) over \(p.visits) visits"),
            ("tags", p.tags.isEmpty ? nil : p.tags.joined(separator: ", ")),
            ("preferences", "sms \(onOff(prefs.sms)), email \(onOff(prefs.email)), push \(onOff(prefs.push)), location \(onOff(prefs.location)), "
                + "terms \(prefs.termsAcceptedAt.map { "accepted " + time($0) } ?? "not accepted"), opt-in \(prefs.optIn.rawValue)"),
        ])
        if !p.notes.isEmpty {
            text += "\n\nnotes:\n" + table(["at", "author", "note"], p.notes.map { [time($0.at), $0.author, $0.text] })
        }
        if p.statusHistory.count > 1 {
            text += "\n\nstatus history:\n" + table(["at", "from", "to", "by", "reason"], p.statusHistory.map {
                [time($0.at), $0.from?.rawValue ?? "-", $0.to.rawValue, $0.operatorName ?? $0.source.rawValue, $0.reason ?? ""]
            })
        }
        return Output(human: text, json: json(p))
    }

    static func onOff(_ b: Bool) -> String { b ? "yes" : "no" }

    static func benefits(_ list: BenefitList) -> Output {
        Output(human: table(["benefit", "name", "kind", "status", "assigned", "valid until", "used", "punches"], list.benefits.map { b in
            [b.benefitId, b.name, b.kind.rawValue, b.status.rawValue, time(b.assignedAt), time(b.validUntil),
             [time(b.redeemedAt), b.usedIn ?? ""].filter { !$0.isEmpty }.joined(separator: " "),
             b.punchesRequired.map { "\(b.punches ?? 0)/\($0)" } ?? ""]
        }), json: json(list))
    }

    static func key(_ k: KeyInfo) -> [String] {
        [k.keyId, k.terminal.map { "\($0.branchId)/\($0.posId)" } ?? (k.name ?? ""), k.enabled ? "enabled" : "disabled", time(k.createdAt)]
    }
}
