import TillCore
import TillProtocol

/// The lines of a stored purchase as one blob in `purchases.lines`: what the ticket view shows.
///
/// Kept as one column rather than a row per line because every purchase pays for its lines: ten rows cost ten
/// B-tree inserts on the writer (about a fifth of a purchase's write instructions when they were rows) while only the
/// ticket view and the verifier ever read them, one purchase at a time.
///
/// Guarantees: `decode(encode(items), lines: record.lines)` gives one `TicketLine` per item, in basket order, with
/// the item's line id, code, name, department, quantity, gross amount (quantity × unit price, rounded half up to the
/// minor unit) and the record's net amount; any byte sequence that neither format below describes is refused with
/// `storageFailure`. Tab-separated fields, percent-escaped (written by `RecordTextWriter`); an absent department is
/// an empty field and a present one starts with `=`.
/// - `T2` (written now): a header row, then one row per line: code, name, department, gross (an empty field: the
///   gross is the net, as on every line without a discount). The line id, quantity and net are the purchase
///   record's (`PurchaseRecord.lines`, same order), so they are stored once.
/// - `T1` (purchases stored before `T2`, read only): a header row, then one `L` row per line: line id, code, name,
///   department, quantity, gross, net.
enum TicketLines {
    /// The stored form of `items` (format `T2`); `lines` are the purchase record's lines for them, in the same order.
    static func encode(_ items: [LineItem], lines: [PurchaseRecord.Line]) -> [UInt8] {
        precondition(items.count == lines.count, "one record line per item")
        var w = RecordTextWriter(capacity: 16 + items.count * 32)
        w.field("T2", first: true)
        for i in items.indices {
            w.out.append(0x0A)
            w.field(items[i].code, first: true); w.field(items[i].name); w.optField(items[i].department)
            let gross = Arithmetic.lineGross(quantity: items[i].quantity, unitPrice: items[i].unitPrice)  // no copy of the item
            if gross == lines[i].net { w.empty() } else { w.int(gross) }
        }
        return w.out
    }

    /// Quantity × unit price in minor units, rounded half up (what the line cost before any discount; the rules
    /// refused a negative quantity or price before anything is stored).
    static func gross(_ item: LineItem) -> MinorUnits {
        Arithmetic.lineGross(quantity: item.quantity, unitPrice: item.unitPrice)
    }

    /// The lines `encode` (or the `T1` writer) wrote; `lines` are the purchase record's lines (what `T2` leaves
    /// out), `returned[lineId]` is the quantity returned so far.
    static func decode(_ bytes: [UInt8], lines recorded: [PurchaseRecord.Line],
                       returned: [String: Quantity] = [:]) throws(TillError) -> [TicketLine] {
        func bad(_ why: String) -> TillError { .storageFailure(reason: "purchase lines: \(why)") }
        var rows = RecordTextReader.rows(String(decoding: bytes, as: UTF8.self))
        guard let header = rows.first, header == ["T1"] || header == ["T2"] else { throw bad("unknown header") }
        rows.removeFirst()
        var lines: [TicketLine] = []
        lines.reserveCapacity(rows.count)
        if header == ["T1"] {
            for row in rows {
                let f = row.map(RecordTextReader.unescape)
                guard f.count == 8, f[0] == "L", let quantity = Int64(f[5]), let gross = Int64(f[6]), let net = Int64(f[7])
                else { throw bad("malformed line") }
                lines.append(line(lineId: f[1], code: f[2], name: f[3], department: f[4],
                                  quantity: Quantity(thousandths: quantity), gross: gross, net: net, returned: returned))
            }
            return lines
        }
        guard rows.count == recorded.count else { throw bad("\(rows.count) lines, the record has \(recorded.count)") }
        for (row, r) in zip(rows, recorded) {
            let f = row.map(RecordTextReader.unescape)
            guard f.count == 4, let gross = f[3].isEmpty ? r.net : Int64(f[3]) else { throw bad("malformed line") }
            lines.append(line(lineId: r.lineId, code: f[0], name: f[1], department: f[2], quantity: r.quantity,
                              gross: gross, net: r.net, returned: returned))
        }
        return lines
    }

    private static func line(lineId: String, code: String, name: String, department: String, quantity: Quantity,
                             gross: MinorUnits, net: MinorUnits, returned: [String: Quantity]) -> TicketLine {
        TicketLine(lineId: lineId, code: code, description: name,
                   department: department.isEmpty ? nil : String(department.dropFirst()), quantity: quantity,
                   gross: gross, discount: gross - net, net: net, returned: returned[lineId] ?? .zero)
    }
}
