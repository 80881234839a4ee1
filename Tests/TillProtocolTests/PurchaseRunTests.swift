import Testing
import TillCore
@testable import TillProtocol

/// A purchase's head and tail fields written in one run of the writer against the same fields written one by one:
/// the same bytes for every shape (no employee, none to five members, none to three payments with and without a
/// member key, redemptions), strings that need escapes (which take the field-by-field path) and strings that do not.
@Suite struct PurchaseRunTests {
    static let texts = ["T-1", "", "say \"hi\"", "back\\slash", "tab\there", "Café", "😀", "a long transaction id that is not a small string",
                        "\u{1F}", "E12", "member123@sim.example"]

    @Test(arguments: 0..<400 as Range<UInt64>)
    func headAndTailInOneRunAreTheFieldsBytes(seed: UInt64) {
        var g = Gen(rng: SeededRandom(seed: seed))
        let text = { (g: inout Gen) in g.bool() ? g.pick(Self.texts) : g.string(nonEmpty: false) }
        let transactionId = text(&g)
        let openedAt = Timestamp(millisecondsSinceEpoch: g.int(0...4_102_444_800_000), utcOffsetMinutes: Int32(g.int(-720...840)))
        let orderType = g.pick(OrderType.allCases)
        let employee = g.bool() ? text(&g) : nil
        let members = (0..<Int(g.int(0...5))).map { _ in MemberIdentifier(kind: g.pick(IdentifierKind.allCases), value: text(&g)) }
        let payments = (0..<Int(g.int(0...3))).map { _ in
            Payment(means: g.pick(PaymentMeans.allCases), amount: g.int(1...99_999_999), memberKey: g.bool() ? text(&g) : nil)
        }
        let redemptions = (0..<Int(g.int(0...3))).map { _ in text(&g) }
        let orderDiscount = g.int(0...99_999), tax = g.bool() ? 0 : g.int(-99_999...99_999), currency = g.bool() ? "EUR" : text(&g)
        var run = JSONWriter(), fields = JSONWriter()
        for w in [0, 1] {
            var x = JSONWriter()
            x.beginObject(); x.key("id"); x.int(7)
            if w == 0 {
                x.purchaseHead(transactionId: transactionId, openedAt: openedAt, orderType: orderType, employee: employee, members: members)
            } else {
                x.purchaseHeadFieldByField(transactionId: transactionId, openedAt: openedAt, orderType: orderType, employee: employee, members: members)
            }
            x.key("items"); x.beginArray(); x.endArray()
            if w == 0 {
                x.purchaseTail(orderDiscount: orderDiscount, tax: tax, payments: payments.count, { payments[$0] }, redemptions: redemptions,
                               currency: currency)
            } else {
                x.purchaseTailFieldByField(orderDiscount: orderDiscount, tax: tax, payments: payments, redemptions: redemptions, currency: currency)
            }
            x.key("n"); x.int(1); x.endObject()
            if w == 0 { run = x } else { fields = x }
        }
        #expect(run.bytes == fields.bytes, "\(String(decoding: run.bytes, as: UTF8.self))")
    }
}
