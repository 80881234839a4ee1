import TillCore

/// The fields of a line item that one article always has (code, name, department, tags), encoded once, so that a
/// client sending many lines of the same articles (the simulator) writes each line from its varying fields and two
/// copies instead of escaping and copying four strings per line.
///
/// Guarantees: `JSONWriter.numberedLineItems(_:templates:line:)` writes exactly the bytes of
/// `LineItem(lineId:code:name:department:quantity:unitPrice:discount:tags:).encode(to:)` for the template's
/// strings, escapes included (the constant parts are written by `JSONWriter` itself).
public struct LineItemTemplate: Sendable, Hashable {
    public let code: String
    public let name: String
    public let department: String?
    public let tags: ItemTags
    /// The article's list price, when given: lines at this price with no discount and 1 to `usualUnits` whole units
    /// are written from prepared bytes.
    public let listPrice: MinorUnits?
    /// `,"code":…,"name":…[,"department":…]` then `,"tags":[…]}`, then (with a list price) for each usual quantity
    /// `,"quantity":q,"unitPrice":…,"discount":0,"tags":[…]}`, in one buffer (one reference per template).
    let fragments: [UInt8]
    /// Where the tags part starts in `fragments`.
    let tagsAt: Int
    /// Where the usual lines' tails start in `fragments`, each `usualCount` bytes long (0 without a list price).
    let usualAt: Int
    let usualCount: Int
    /// Whole quantities 1 … `usualUnits` are prepared.
    static let usualUnits: Int64 = 4

    public init(code: String, name: String, department: String?, tags: ItemTags = [], listPrice: MinorUnits? = nil) {
        self.code = code
        self.name = name
        self.department = department
        self.tags = tags
        self.listPrice = listPrice
        // Written as objects by the writer, then each opening brace replaced by the separator that precedes it.
        var w = JSONWriter()
        w.beginObject(); w.field("code", code); w.field("name", name); w.field("department", department)
        var fragments = w.bytes
        fragments[0] = UInt8(ascii: ",")
        w = JSONWriter()
        w.beginObject(); w.field("tags", tags); w.endObject()
        var tail = w.bytes
        tail[0] = UInt8(ascii: ",")
        self.tagsAt = fragments.count
        fragments += tail
        self.usualAt = fragments.count
        var usualCount = 0
        if let listPrice {
            // Written by the writer's own field calls (the bytes the general path writes for these values).
            for units in 1...Self.usualUnits {
                var w = JSONWriter()
                w.beginObject(); w.field("quantity", Quantity(units: units)); w.field("unitPrice", listPrice); w.field("discount", MinorUnits(0))
                var usual = w.bytes
                usual[0] = UInt8(ascii: ",")
                usual += tail
                precondition(units == 1 || usual.count == usualCount, "usual tails are one length, found by offset")
                usualCount = usual.count
                fragments += usual
            }
        }
        self.usualCount = usualCount
        self.fragments = fragments
    }

    /// The prepared tail of a line of `quantity` at `unitPrice` with `discount`, when there is one.
    @inline(__always)
    func usualTail(_ quantity: Quantity, _ unitPrice: MinorUnits, _ discount: MinorUnits) -> Range<Int>? {
        guard let listPrice, unitPrice == listPrice, discount == 0, quantity.thousandths % 1000 == 0 else { return nil }
        let units = quantity.thousandths / 1000
        guard units >= 1 && units <= Self.usualUnits else { return nil }
        let start = usualAt + Int(units - 1) * usualCount
        return start..<(start + usualCount)
    }

    /// The line item this template writes with the given varying fields.
    public func lineItem(lineId: String, quantity: Quantity, unitPrice: MinorUnits, discount: MinorUnits = 0) -> LineItem {
        LineItem(lineId: lineId, code: code, name: name, department: department, quantity: quantity, unitPrice: unitPrice,
                 discount: discount, tags: tags)
    }
}

extension JSONWriter {
    /// Writes `count` line items with the line ids "1", "2", … in order, line `k` (0-based) from
    /// `templates[line(k).template]` and its varying fields, all in one run of the writer: the bytes of
    /// `template.lineItem(lineId: String(k + 1), …).encode(to:)` for each (a usual line of a template with a list
    /// price from its prepared tail). `line` is called twice per line.
    public mutating func numberedLineItems(
        _ count: Int, templates: [LineItemTemplate],
        line: (Int) -> (template: Int, quantity: Quantity, unitPrice: MinorUnits, discount: MinorUnits)
    ) {
        templates.withUnsafeBufferPointer { templates in
            var bound = 0
            for k in 0..<count { bound += 112 + templates[line(k).template].usualAt }  // a usual tail fits in the 112
            let written = run(maxCount: bound) { r in
                for k in 0..<count {
                    let (template, quantity, unitPrice, discount) = line(k)
                    if k > 0 { r.byte(UInt8(ascii: ",")) }
                    r.raw(#"{"lineId":""#); r.int(Int64(k + 1)); r.byte(UInt8(ascii: "\""))
                    templates[template].fragments.withUnsafeBufferPointer { f in
                        let split = templates[template].tagsAt
                        r.bytes(UnsafeBufferPointer(rebasing: f[..<split]))
                        if let usual = templates[template].usualTail(quantity, unitPrice, discount) {
                            r.bytes(UnsafeBufferPointer(rebasing: f[usual]))
                            return
                        }
                        r.raw(#","quantity":"#); r.quantity(quantity)
                        r.raw(#","unitPrice":"#); r.int(unitPrice)
                        r.raw(#","discount":"#); r.int(discount)
                        r.bytes(UnsafeBufferPointer(rebasing: f[split..<templates[template].usualAt]))
                    }
                }
                return true
            }
            precondition(written, "numbered line items never give up their run")
        }
    }
}
