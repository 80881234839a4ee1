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
/// credit,tags,cards`; lists `;`-separated), RFC 4180 quoting within a line (no line breaks inside fields).
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
                ImportRow(line: number, memberKey: try o.optionalString("memberKey", maxLength: 128), fields: try MemberFields(wire: o),
                          points: try o.int("points", 0...1_000_000_000_000, default: 0), credit: try o.int("credit", 0...1_000_000_000_000, default: 0),
                          tags: try o.strings("tags", maxCount: 100), cards: try o.strings("cards", maxCount: 20))
            }
            return .row(row)
        } catch {
            return .refused(Self.rowError(error, number))
        }
    }

    private func csv(_ text: Substring, _ number: Int64, _ header: [String]) -> ParsedLine {
        let values = Self.csvFields(text)
        guard values.count == header.count else {
            return .refused(ImportRowError(row: number, field: nil, reason: "\(values.count) columns, the header has \(header.count)"))
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
            case "tags": row.tags = value.split(separator: ";").map { String($0) }
            case "cards": row.cards = value.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            default: return .refused(ImportRowError(row: number, field: name, reason: "unknown column"))
            }
        }
        return .row(row)
    }

    static func rowError(_ error: TillError, _ number: Int64) -> ImportRowError {
        switch error {
        case .invalidRequest(let field, let reason): ImportRowError(row: number, field: field == "(root)" ? nil : field, reason: reason)
        default: ImportRowError(row: number, field: error.field, reason: error.message)
        }
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
