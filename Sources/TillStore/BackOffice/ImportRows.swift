import Foundation
import TillCore
import TillProtocol

/// One member row of an import file, parsed but not yet checked against the store.
struct ImportRow: Sendable {
    var line: Int64
    var memberKey: String?
    var fields: MemberFields
    var points: Int64 = 0
    var credit: Int64 = 0
    var tags: [String] = []
    var cards: [String] = []
    /// The state a new member starts in (`active` or `pendingVerification`); nil: active.
    var status: MemberStatus? = nil
    /// The new member's marketing opt-in; nil: none.
    var optIn: OptInStatus? = nil
}

/// What one line of an import file gave.
enum ParsedLine {
    case row(ImportRow)
    /// A refused line: its number, the field at fault and why.
    case refused(ImportRowError)
}

/// Parsing NDJSON and CSV member files line by line.
///
/// Guarantees: a bad line gives one `ImportRowError` with its line number and never stops the others; blank lines are
/// skipped; CSV has a header line naming columns (`firstName,lastName,phone,email,birthday,customId,memberKey,points,
/// credit,tags,cards,status,optIn`; lists `;`-separated), RFC 4180 quoting within a line (no line breaks inside fields).
struct ImportParser {
    let format: ImportFormat
    private var header: [String]?

    init(format: ImportFormat) { self.format = format }

    /// Parses line `number`; nil for a blank line or the CSV header.
    mutating func parse(_ text: Substring, number: Int64) -> ParsedLine? {
        if text.allSatisfy({ $0 == " " || $0 == "\t" || $0 == "\r" }) { return nil }
        switch format {
        case .ndjson: return Self.withinLimits(ndjson(text, number))
        case .csv:
            guard let header else {
                header = Self.csvFields(text).map { $0.trimmingCharacters(in: .whitespaces) }
                return nil
            }
            return Self.withinLimits(csv(text, number, header))
        }
    }

    /// The row when every value is within the limits the operator ops apply (PROTOCOL.md section 4): names 1,024
    /// bytes, phone and email 256, member key, custom id and cards 128, tags 1 to 64; otherwise the first one over.
    static func withinLimits(_ line: ParsedLine) -> ParsedLine {
        guard case .row(let row) = line else { return line }
        let f = row.fields
        let values: [(String, String?, Int)] = [
            ("firstName", f.firstName, WireLimits.maxTextBytes), ("lastName", f.lastName, WireLimits.maxTextBytes),
            ("phone", f.phone, 256), ("email", f.email, 256), ("customId", f.customId, WireLimits.maxIdBytes),
            ("memberKey", row.memberKey, WireLimits.maxIdBytes),
        ] + row.cards.map { ("cards", $0, WireLimits.maxIdBytes) } + row.tags.map { ("tags", $0, 64) }
        for (field, value, limit) in values {
            if let value, value.utf8.count > limit {
                return .refused(ImportRowError(row: row.line, field: field, reason: "longer than \(limit) bytes"))
            }
        }
        return line
    }

    private func ndjson(_ text: Substring, _ number: Int64) -> ParsedLine {
        do {
            let row = try StoredJSON.read(Array(text.utf8)) { o throws(TillError) -> ImportRow in
                // A key the importer does not know is refused, not dropped: a misspelt "stauts" must not import an
                // active member without a word.
                if let unknown = o.keys.first(where: { !Self.columns.contains($0) }) {
                    throw .invalidRequest(field: unknown, reason: "unknown key (known: \(Self.columns.joined(separator: ", ")))")
                }
                return ImportRow(line: number, memberKey: try o.optionalString("memberKey", maxLength: 128), fields: try MemberFields(wire: o),
                          points: try o.int("points", 0...1_000_000_000_000, default: 0), credit: try o.int("credit", 0...1_000_000_000_000, default: 0),
                          tags: try o.strings("tags", maxCount: 100), cards: try o.strings("cards", maxCount: 20),
                          status: try Self.status(o.optionalString("status", maxLength: 32)), optIn: try o.optionalEnumeration("optIn", OptInStatus.self))
            }
            return .row(row)
        } catch {
            return .refused(Self.rowError(error, number))
        }
    }

    private func csv(_ text: Substring, _ number: Int64, _ header: [String]) -> ParsedLine {
        let values = Self.csvFields(text)
        guard values.count == header.count else {
            return .refused(ImportRowError(row: number, field: "line", reason: "\(values.count) columns, the header has \(header.count)"))
        }
        var row = ImportRow(line: number, fields: MemberFields())
        for (name, raw) in zip(header, values) {
            let value = raw.trimmingCharacters(in: .whitespaces)
            if value.isEmpty { continue }
            switch name {
            case "firstName": row.fields.firstName = value
            case "lastName": row.fields.lastName = value
            case "phone": row.fields.phone = value
            case "email": row.fields.email = value
            case "birthday": row.fields.birthday = value
            case "customId": row.fields.customId = value
            case "memberKey": row.memberKey = value
            case "points", "credit":
                guard let n = Int64(value), n >= 0 else {
                    return .refused(ImportRowError(row: number, field: name, reason: "must be a whole number ≥ 0"))
                }
                if name == "points" { row.points = n } else { row.credit = n }
            case "status":
                do { row.status = try Self.status(value) } catch { return .refused(Self.rowError(error, number)) }
            case "optIn":
                guard let optIn = OptInStatus(rawValue: value) else {
                    return .refused(ImportRowError(row: number, field: name, reason: "must be one of \(OptInStatus.allCases.map(\.rawValue).joined(separator: ", "))"))
                }
                row.optIn = optIn
            case "tags": row.tags = value.split(separator: ";").map { String($0) }
            case "cards": row.cards = value.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            default: return .refused(ImportRowError(row: number, field: name, reason: "unknown column (known: \(Self.columns.joined(separator: ", ")))"))
            }
        }
        return .row(row)
    }

    /// The keys (NDJSON) and columns (CSV) a row may have.
    static let columns = ["firstName", "lastName", "phone", "email", "birthday", "customId", "memberKey", "points", "credit", "tags", "cards",
                          "status", "optIn"]

    /// The state an imported member may start in: `active` or `pendingVerification` (blocking and anonymizing are
    /// operator actions with a reason, not imported states).
    static func status(_ text: String?) throws(TillError) -> MemberStatus? {
        guard let text else { return nil }
        guard let status = MemberStatus(rawValue: text), status == .active || status == .pendingVerification else {
            throw .invalidRequest(field: "status", reason: "must be active or pendingVerification")
        }
        return status
    }

    static func rowError(_ error: TillError, _ number: Int64) -> ImportRowError {
        switch error {
        case .invalidRequest(let field, let reason): ImportRowError(row: number, field: field == "(root)" ? "line" : field, reason: reason)
        case .invalidFrame(let reason):
            // The line is not JSON at all: no field to name, so the whole line is at fault (columns counted from 1).
            ImportRowError(row: number, field: "line", reason: "not a JSON object (\(Self.columns(reason)))")
        default: ImportRowError(row: number, field: error.field, reason: error.message)
        }
    }

    /// A JSON parser reason with its 0-based `byte N` turned into the 1-based `column N+1` an editor shows.
    static func columns(_ reason: String) -> String {
        guard let range = reason.range(of: "at byte "), let n = Int(reason[range.upperBound...].prefix { $0.isNumber }) else { return reason }
        return reason[..<range.lowerBound] + "at column \(n + 1)" + reason[range.upperBound...].drop { $0.isNumber }
    }

    /// The fields of one CSV line (RFC 4180 quoting, `""` for a quote inside a quoted field).
    static func csvFields(_ line: Substring) -> [String] {
        var fields: [String] = []
        var current = ""
        var quoted = false
        var iterator = line.makeIterator()
        var pending: Character? = nil
        while let c = pending ?? iterator.next() {
            pending = nil
            if quoted {
                if c == "\"" {
                    if let next = iterator.next() {
                        if next == "\"" { current.append("\"") } else { quoted = false; pending = next }
                    } else { quoted = false }
                } else { current.append(c) }
            } else if c == "\"" && current.isEmpty {
                quoted = true
            } else if c == "," {
                fields.append(current); current = ""
            } else if c != "\r" {
                current.append(c)
            }
        }
        fields.append(current)
        return fields
    }
}
