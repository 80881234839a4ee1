import Testing
import TillCore
@testable import TillProtocol

/// The writer's one-reservation runs (`JSONWriter.run`, `JSONRun`) against the value-by-value writes they replace:
/// the same bytes, the same separators, and nothing written when a run gives up.
@Suite struct WriterRunTests {
    /// Line items in arrays, as a purchase carries them: plain ones take one run, ones with a string to escape fall
    /// back to the general path; either way the bytes are those of `encodeFieldByField`.
    @Test(arguments: 0..<200 as Range<UInt64>)
    func lineItemsInOneRunMatchTheFieldByFieldBytes(seed: UInt64) {
        var g = Gen(rng: SeededRandom(seed: seed))
        let items = g.purchase().items + [
            LineItem(lineId: String(seed), code: "SKU-0001", name: "coffee item 12 with a longer name", department: g.bool() ? "coffee" : nil,
                     quantity: Quantity(thousandths: g.int(1...2_500)), unitPrice: g.int(0...3_000), discount: g.int(0...300),
                     tags: g.bool() ? ["weighed"] : []),
        ]
        var run = JSONWriter(), reference = JSONWriter()
        run.key("items"); reference.key("items")
        run.beginArray(); reference.beginArray()
        var plain = 0
        for item in items {
            item.encode(to: &run)
            item.encodeFieldByField(to: &reference)
            var probe = JSONWriter()
            if item.encodePlain(to: &probe) { plain += 1 }
        }
        run.endArray(); reference.endArray()
        run.key("n"); reference.key("n")
        run.int(1); reference.int(1)
        #expect(run.bytes == reference.bytes, "\(String(decoding: run.bytes, as: UTF8.self))")
        #expect(plain >= 1)  // the last item at least took the run
    }

    @Test func aRunThatGivesUpLeavesTheOutputAsItWas() {
        var w = JSONWriter()
        w.beginArray()
        w.int(7)
        let before = w.bytes
        let item = LineItem(lineId: "1", code: "A", name: "say \"hi\"", quantity: .one, unitPrice: 100)
        #expect(!item.encodePlain(to: &w))
        #expect(w.bytes == before)
        item.encode(to: &w)
        w.endArray()
        #expect(String(decoding: w.bytes, as: UTF8.self)
            == #"[7,{"lineId":"1","code":"A","name":"say \"hi\"","quantity":1,"unitPrice":100,"discount":0,"tags":[]}]"#)
    }

    /// `plainString` checks eight bytes at a time: at every length up to 40 and every position, a byte that needs an
    /// escape (or a non-ASCII one, which does not) is found or passed exactly as the writer's `string` decides.
    @Test func plainStringsAreDecidedAtEveryPositionAndLength() {
        let fillers: [UInt8] = [UInt8(ascii: "a"), 0x20, 0x7F, 0xC3, 0xA9]
        let specials: [UInt8] = [0x00, 0x01, 0x0A, 0x1F, UInt8(ascii: "\""), UInt8(ascii: "\\"), 0x20, 0x21, 0x5B, 0x5D, 0x80, 0xFF]
        var checked = 0
        for length in 0...40 {
            for position in 0..<max(length, 1) {
                for special in specials {
                    var bytes = (0..<length).map { fillers[$0 % fillers.count] }
                    if length > 0 { bytes[position] = special }
                    let text = String(decoding: bytes, as: UTF8.self)  // invalid UTF-8 becomes U+FFFD: still a string
                    let needsEscape = text.utf8.contains { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }
                    var run = JSONWriter(), reference = JSONWriter()
                    let took = run.run(maxCount: text.utf8.count + 2) { r in r.plainString(text) }
                    reference.string(text)
                    #expect(took == !needsEscape, "length \(length), byte \(special) at \(position)")
                    if took { #expect(run.bytes == reference.bytes) } else { #expect(run.bytes.isEmpty) }
                    checked += 1
                }
            }
        }
        #expect(checked > 9_000)
    }

    /// A string field (and an enum's) in one run is `key` then `string`, escapes and separators included; a member
    /// identifier in one run is its field-by-field object.
    @Test func stringFieldsInOneRunAreTheKeyAndValueWrites() {
        let texts = ["", "a", "EUR", "member123@sim.example", "say \"hi\"", "back\\slash", "line\nbreak", "\u{01}", "Café", "😀",
                     String(repeating: "x", count: 300)]
        for text in texts {
            for before in [false, true] {
                var run = JSONWriter(), reference = JSONWriter()
                run.beginObject(); reference.beginObject()
                if before { run.field("n", Int64(1)); reference.key("n"); reference.int(1) }
                run.field("text", text); reference.key("text"); reference.string(text)
                run.field("maybe", Optional(text)); reference.key("maybe"); reference.string(text)
                run.field("none", String?.none)
                run.field("kind", IdentifierKind.email); reference.key("kind"); reference.string("email")
                run.endObject(); reference.endObject()
                #expect(run.bytes == reference.bytes, "\(text)")
                for kind in IdentifierKind.allCases {
                    var identifier = JSONWriter(), fieldByField = JSONWriter()
                    identifier.beginArray(); fieldByField.beginArray()
                    if before { identifier.int(1); fieldByField.int(1) }
                    MemberIdentifier(kind: kind, value: text).encode(to: &identifier)
                    fieldByField.beginObject(); fieldByField.key("kind"); fieldByField.string(kind.rawValue)
                    fieldByField.key("value"); fieldByField.string(text); fieldByField.endObject()
                    identifier.endArray(); fieldByField.endArray()
                    #expect(identifier.bytes == fieldByField.bytes, "\(kind) \(text)")
                }
            }
        }
    }

    /// Integers written in a run (counted by comparison, two digits at a time) are the writer's `int`, at every
    /// power of ten and its neighbours, the extremes and random values.
    @Test func integersInARunAreTheWritersIntegers() {
        var values: [Int64] = [0, Int64.max, Int64.min, Int64.max - 1, Int64.min + 1]
        var power: Int64 = 1
        for _ in 0..<19 {
            values += [power - 1, power, power + 1, -power, -(power - 1), -(power + 1)]
            if power <= Int64.max / 10 { power *= 10 }
        }
        var g = Gen(rng: SeededRandom(seed: 11))
        for _ in 0..<2_000 { values.append(g.int(Int64.min...Int64.max)) }
        for v in values {
            var run = JSONWriter(), reference = JSONWriter()
            #expect(run.run(maxCount: 24) { r in r.int(v); return true })
            reference.int(v)
            #expect(run.bytes == reference.bytes, "\(v)")
        }
    }

    /// Quantities are written in place in their canonical form, `Quantity.description`, signs and edges included.
    @Test func quantitiesAreWrittenAsTheirDescription() {
        var g = Gen(rng: SeededRandom(seed: 3))
        var values: [Int64] = [1, 5, 10, 50, 100, 999, 1000, 1001, 1010, 1100, 1250, 2500, 123_456, 1_000_000_000, -1, -50, -1000, -1500,
                               Int64.max, Int64.min + 1, Int64.min]
        for _ in 0..<500 { values.append(g.int(-10_000_000...10_000_000)) }
        for t in values {
            var w = JSONWriter()
            w.beginArray(); w.int(0); w.quantity(Quantity(thousandths: t)); w.endArray()
            #expect(String(decoding: w.bytes, as: UTF8.self) == "[0,\(Quantity(thousandths: t).description)]")
        }
    }
}
