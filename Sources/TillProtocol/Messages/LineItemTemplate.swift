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
    /// `,"code":…,"name":…[,"department":…]` then `,"tags":[…]}`, in one buffer (one reference per template).
    let fragments: [UInt8]
    /// Where the tags part starts in `fragments`.
    let tagsAt: Int

    public init(code: String, name: String, department: String?, tags: ItemTags = []) {
        self.code = code
        self.name = name
        self.department = department
        self.tags = tags
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
        self.fragments = fragments
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
    /// `template.lineItem(lineId: String(k + 1), …).encode(to:)` for each. `line` is called twice per line.
    public mutating func numberedLineItems(
        _ count: Int, templates: [LineItemTemplate],
        line: (Int) -> (template: Int, quantity: Quantity, unitPrice: MinorUnits, discount: MinorUnits)
    ) {
        templates.withUnsafeBufferPointer { templates in
            var bound = 0
            for k in 0..<count { bound += 112 + templates[line(k).template].fragments.count }
            let written = run(maxCount: bound) { r in
                for k in 0..<count {
                    let (template, quantity, unitPrice, discount) = line(k)
                    if k > 0 { r.byte(UInt8(ascii: ",")) }
                    r.raw(#"{"lineId":""#); r.int(Int64(k + 1)); r.byte(UInt8(ascii: "\""))
                    templates[template].fragments.withUnsafeBufferPointer { f in
                        let split = templates[template].tagsAt
                        r.bytes(UnsafeBufferPointer(rebasing: f[..<split]))
                        r.raw(#","quantity":"#); r.quantity(quantity)
                        r.raw(#","unitPrice":"#); r.int(unitPrice)
                        r.raw(#","discount":"#); r.int(discount)
                        r.bytes(UnsafeBufferPointer(rebasing: f[split...]))
                    }
                }
                return true
            }
            precondition(written, "numbered line items never give up their run")
        }
    }
}
