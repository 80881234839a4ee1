import Testing
import TillCore
@testable import TillProtocol

/// A line written from a `LineItemTemplate` against the line item it stands for: the same bytes, escapes included,
/// with every shape of the constant part (no department, none to four tags, strings to escape), none to 100 lines.
@Suite struct LineItemTemplateTests {
    static let texts = ["SKU-0001", "", "say \"hi\"", "back\\slash", "tab\there", "bell\u{07}", "Café crème", "😀 snacks",
                        "a long article name that is much longer than a small string", "\u{1F}", "x"]
    static let tagSets: [ItemTags] = [[], ["weighed"], ["weighed", "bio"], ["a", "b\"", "c"], ["", "d\\", "e", "f"]]

    @Test(arguments: 0..<300 as Range<UInt64>)
    func numberedLinesAreTheLineItemsBytes(seed: UInt64) {
        var g = Gen(rng: SeededRandom(seed: seed))
        let text = { (g: inout Gen) in g.bool() ? g.pick(Self.texts) : g.string(nonEmpty: false) }
        // Half the templates with a list price: their usual lines (1 to 4 whole units at that price, no discount)
        // come from prepared bytes, the others (5 units, another price, a discount, a fraction) as usual.
        let templates = (0..<4).map { k in
            LineItemTemplate(code: text(&g), name: text(&g), department: g.bool() ? text(&g) : nil,
                             tags: Self.tagSets[(Int(seed) + k) % Self.tagSets.count], listPrice: g.bool() ? g.int(0...99_999_999) : nil)
        }
        let count = seed % 10 == 0 ? 100 : Int(g.int(0...31))
        let lines = (0..<count).map { _ in
            let template = Int(g.int(0...3))
            let price = g.bool() ? templates[template].listPrice ?? 5 : g.int(0...99_999_999)
            return (template, Quantity(thousandths: g.bool() ? g.int(1...2_500) : g.int(1...5) * 1000), price, g.bool() ? 0 : g.int(0...300))
        }
        var fromTemplates = JSONWriter(), reference = JSONWriter()
        for w in [0, 1] {
            var x = JSONWriter()
            x.key("before"); x.int(1)
            x.key("items"); x.beginArray()
            if w == 0 {
                x.numberedLineItems(lines.count, templates: templates) { k in (lines[k].0, lines[k].1, lines[k].2, lines[k].3) }
            } else {
                for (k, line) in lines.enumerated() {
                    templates[line.0].lineItem(lineId: String(k + 1), quantity: line.1, unitPrice: line.2, discount: line.3).encode(to: &x)
                }
            }
            x.endArray(); x.key("n"); x.int(1)
            if w == 0 { fromTemplates = x } else { reference = x }
        }
        #expect(fromTemplates.bytes == reference.bytes, "\(String(decoding: fromTemplates.bytes, as: UTF8.self))")
    }

    @Test func theRequestFrameFromFieldsIsTheRequestsFrame() {
        let body = Fixtures.purchase
        var fromFields: [UInt8] = [], reference: [UInt8] = []
        ClientCodec().encodeRequest(id: .int(42), op: .purchase, into: &fromFields) { w in body.encodeFields(to: &w) }
        ClientCodec().encodeRequest(id: .int(42), .purchase(body), into: &reference)
        #expect(fromFields == reference)
    }
}
