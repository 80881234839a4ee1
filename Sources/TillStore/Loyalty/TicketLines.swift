import TillCore
import TillProtocol

/// The lines of a stored purchase as one blob in `purchases.lines`: what the ticket view shows.
///
/// Kept as one column rather than a row per line because every purchase pays for its lines: ten rows cost ten
/// B-tree inserts on the writer (about a fifth of a purchase's write instructions when they were rows) while only the
/// ticket view and the verifier ever read them, one purchase at a time.
///
/// Guarantees: `decode(encode(items, nets))` gives one `TicketLine` per item, in basket order, with the item's line
/// id, code, name, department, quantity, gross amount (quantity × unit price, rounded half up to the minor unit),
/// and net amount; any byte sequence that `encode` did not write is refused with `storageFailure`. Format `T1`
/// (written by `RecordTextWriter`): a header row, then one `L` row per line; tab-separated fields, percent-escaped;
/// an absent department is an empty field and a present one starts with `=`.
enum TicketLines {
    /// The stored form of `items`; `net(i)` is the net amount of the i-th item after every discount.
    static func encode(_ items: [LineItem], net: (Int) -> MinorUnits) -> [UInt8] {
        var w = RecordTextWriter(capacity: 16 + items.count * 64)
        w.field("T1", first: true)
        for (position, item) in items.enumerated() {
            w.row("L")
            w.field(item.lineId); w.field(item.code); w.field(item.name); w.optField(item.department)
            w.int(item.quantity.thousandths); w.int(gross(item)); w.int(net(position))
        }
        return w.out
    }

    /// Quantity × unit price in minor units, rounded half up (what the line cost before any discount).
    static func gross(_ item: LineItem) -> MinorUnits {
        MinorUnits((Int128(item.quantity.thousandths) * Int128(item.unitPrice) + 500) / 1000)
    }

    /// The lines `encode` wrote; `returned[lineId]` is the quantity returned so far.
    static func decode(_ bytes: [UInt8], returned: [String: Quantity] = [:]) throws(TillError) -> [TicketLine] {
        func bad(_ why: String) -> TillError { .storageFailure(reason: "purchase lines: \(why)") }
        var rows = RecordTextReader.rows(String(decoding: bytes, as: UTF8.self))
        guard rows.first == ["T1"] else { throw bad("unknown header") }
        rows.removeFirst()
        var lines: [TicketLine] = []
        lines.reserveCapacity(rows.count)
        for row in rows {
            let f = row.map(RecordTextReader.unescape)
            guard f.count == 8, f[0] == "L", let quantity = Int64(f[5]), let gross = Int64(f[6]), let net = Int64(f[7])
            else { throw bad("malformed line") }
            lines.append(TicketLine(
                lineId: f[1], code: f[2], description: f[3],
                department: f[4].isEmpty ? nil : String(f[4].dropFirst()), quantity: Quantity(thousandths: quantity),
                gross: gross, discount: gross - net, net: net, returned: returned[f[1]] ?? .zero))
        }
        return lines
    }
}
