import Testing
import TillCore
@testable import TillProtocol

/// The direct decoder reads line items, payments and member identifiers whose members come in our encoder's order in
/// one straight pass, and every other one by its general member loop from the object's start. Both must give the
/// tape decoder's answer.
@Suite struct StraightPassTests {
    typealias D = DirectDecoderTests

    static func items(_ p: RequestEnvelope?) -> [LineItem]? {
        guard case .purchase(let purchase)? = p?.request else { return nil }
        return purchase.items
    }

    @Test func everyLayoutOfAnItemDecodesAlike() throws {
        let full = LineItem(lineId: "7", code: "SKU-1", name: "Pain au chocolat", department: "bakery", quantity: Quantity(thousandths: 1250),
                            unitPrice: 150, discount: 30, tags: ["retail", "coffee"])
        let bare = LineItem(lineId: "7", code: "SKU-1", name: "Pain au chocolat", quantity: Quantity(thousandths: 1250), unitPrice: 150)
        let layouts: [(String, LineItem)] = [
            // Canonical order, all members, optional ones omitted or null, with whitespace.
            (#"{"lineId":"7","code":"SKU-1","name":"Pain au chocolat","department":"bakery","quantity":1.25,"unitPrice":150,"discount":30,"tags":["retail","coffee"]}"#, full),
            (#"{"lineId":"7","code":"SKU-1","name":"Pain au chocolat","quantity":1.25,"unitPrice":150}"#, bare),
            (#"{"lineId":"7","code":"SKU-1","name":"Pain au chocolat","department":null,"quantity":1.25,"unitPrice":150,"discount":null,"tags":null}"#, bare),
            (#"{"lineId":"7","code":"SKU-1","name":"Pain au chocolat","quantity":1.25,"unitPrice":150,"discount":0,"tags":[]}"#, bare),
            (#"{ "lineId" : "7" , "code":"SKU-1",  "name":"Pain au chocolat","department":"bakery","quantity":1.25 ,"unitPrice":150,"discount":30,"tags":[ "retail" , "coffee" ] }"#, full),
            // Other orders and unknown members: the general loop.
            (#"{"code":"SKU-1","lineId":"7","name":"Pain au chocolat","quantity":1.25,"unitPrice":150}"#, bare),
            (#"{"lineId":"7","code":"SKU-1","name":"Pain au chocolat","quantity":1.25,"unitPrice":150,"tags":["retail","coffee"],"discount":30,"department":"bakery"}"#, full),
            (#"{"lineId":"7","code":"SKU-1","name":"Pain au chocolat","quantity":1.25,"unitPrice":150,"note":{"a":[1]}}"#, bare),
            (#"{"x":1,"lineId":"7","code":"SKU-1","name":"Pain au chocolat","quantity":1.25,"unitPrice":150}"#, bare),
            (#"{"lineId":"7","code":"SKU-1","name":"Pain au chocolat","x":"y","department":"bakery","quantity":1.25,"unitPrice":150,"discount":30,"tags":["retail","coffee"]}"#, full),
        ]
        for (json, expected) in layouts {
            #expect(Self.items(D.agree(D.purchase(items: json))) == [expected], "\(json)")
        }
        // Mixed in one array: each item takes its own path, in place.
        let mixed = layouts.map(\.0).joined(separator: ",")
        #expect(Self.items(D.agree(D.purchase(items: mixed))) == layouts.map(\.1))
    }

    @Test func refusalsAfterACanonicalPrefixAreTheTapes() {
        let cases: [(String, String)] = [
            (#"{"lineId":"1","code":"A","name":"a","quantity":1,"unitPrice":100,"tags":["t"],"lineId":"2"}"#, "items[0].lineId"),
            (#"{"lineId":"1","code":"A","name":"a","quantity":1,"unitPrice":100,"discount":0,"discount":0}"#, "items[0].discount"),
            (#"{"lineId":"1","code":"A","name":"a","department":"d","department":"d","quantity":1,"unitPrice":100}"#, "items[0].department"),
            (#"{"lineId":"1","code":"A","name":"a","unitPrice":100}"#, "items[0].quantity"),
            (#"{"lineId":"1","code":"A","name":"a","quantity":1}"#, "items[0].unitPrice"),
            (#"{"lineId":"1","code":"A","name":"a","quantity":1,"unitPrice":100,"tags":["t",1]}"#, "items[0].tags[1]"),
            (#"{}"#, "items[0].lineId"),
        ]
        for (json, field) in cases {
            let bytes = D.purchase(items: json)
            #expect(D.agree(bytes) == nil, "\(json)")
            #expect(server.decodeRequest(bytes).failure?.error.field == field, "\(json)")
        }
    }

    @Test func paymentsAndIdentifiersInAnyLayoutDecodeAlike() throws {
        let payments: [(String, Payment)] = [
            (#"{"means":"card","amount":4200}"#, Payment(means: .card, amount: 4200)),
            (#"{"means":"points","amount":200,"memberKey":"M-7Q2K9"}"#, Payment(means: .points, amount: 200, memberKey: "M-7Q2K9")),
            (#"{"means":"points","amount":200,"memberKey":null}"#, Payment(means: .points, amount: 200)),
            (#"{ "means" : "cash" , "amount" : 1 }"#, Payment(means: .cash, amount: 1)),
            (#"{"amount":200,"means":"credit","memberKey":"M-1"}"#, Payment(means: .credit, amount: 200, memberKey: "M-1")),
            (#"{"means":"card","memberKey":"M-1","amount":5}"#, Payment(means: .card, amount: 5, memberKey: "M-1")),
            (#"{"means":"card","amount":5,"x":[1]}"#, Payment(means: .card, amount: 5)),
        ]
        let members: [(String, MemberIdentifier)] = [
            (#"{"kind":"phone","value":"+33612345678"}"#, MemberIdentifier(kind: .phone, value: "+33612345678")),
            (#"{"value":"a@b.example","kind":"email"}"#, MemberIdentifier(kind: .email, value: "a@b.example")),
            (#"{"kind":"memberKey","value":"M-7Q2K9","note":"x"}"#, MemberIdentifier(kind: .memberKey, value: "M-7Q2K9")),
            (#"{"kind" :"phone","value": "1"}"#, MemberIdentifier(kind: .phone, value: "1")),
        ]
        let bytes = D.purchase(extra: #","members":["# + members.map(\.0).joined(separator: ",") + #"],"payments":["#
            + payments.map(\.0).joined(separator: ",") + "]")
        guard case .purchase(let p)? = D.agree(bytes)?.request else { Issue.record("not decoded directly"); return }
        #expect(p.payments == payments.map(\.1) && p.members == members.map(\.1))
        let refusals: [(String, String)] = [
            (#","payments":[{"means":"card","amount":5,"amount":5}]"#, "payments[0].amount"),
            (#","payments":[{"means":"card","amount":5,"memberKey":"M","means":"cash"}]"#, "payments[0].means"),
            (#","payments":[{"means":"card"}]"#, "payments[0].amount"),
            (#","members":[{"kind":"phone","value":"1","kind":"email"}]"#, "members[0].kind"),
            (#","members":[{"kind":"phone"}]"#, "members[0].value"),
        ]
        for (extra, field) in refusals {
            let bytes = D.purchase(extra: extra)
            #expect(D.agree(bytes) == nil, "\(extra)")
            #expect(server.decodeRequest(bytes).failure?.error.field == field, "\(extra)")
        }
    }

    @Test(arguments: [0, 1, 2, 3, 50])
    func tagsRoundTripThroughBothDecoders(count: Int) throws {
        let pool = ["cafe", "", "retail", "a tag of more than fifteen bytes", "é\"\\", "cafe"]
        let tags = ItemTags((0..<count).map { pool[$0 % pool.count] })
        var purchase = Fixtures.purchase
        purchase.items[0].tags = tags
        let env = RequestEnvelope(id: .int(1), request: .purchase(purchase))
        let bytes = payload(client.encodeRequest(env))
        #expect(Self.items(D.agree(bytes))?[0].tags == tags)  // canonical order: the straight pass
        #expect(try server.decodeWithTape(bytes).get() == env)
        var rng = SeededRandom(seed: UInt64(count))
        var shuffled: [UInt8] = []
        D.write(try JSONTree(bytes), into: &shuffled, &rng)  // keys shuffled: the general loop
        #expect(D.agree(shuffled) == env)
    }
}
