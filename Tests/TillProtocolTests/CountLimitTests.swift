import Testing
@testable import TillProtocol

/// PROTOCOL.md sections 5, 7 and 9: the numeric and list limits of the operator ops and of `hello` (`count`,
/// `days`, `versions`, a catalog's `itemCodes` and `departments`, the budget ratios, list cursors). Each is accepted
/// at the limit and refused one past it, naming the field, with the connection kept.
@Suite struct CountLimitTests {
    /// A catalog whose first gift template, first punch template or exclusions carry `list`.
    static func catalog(gift: String = "", punch: String = "", exclusions: String = "", ratio: String = "1") -> String {
        #"{"id":1,"op":"catalog.set","giftTemplates":[{"templateId":"G","name":"g","amountOff":100"# + gift + "}],"
            + #""punchTemplates":[{"templateId":"P","name":"p","punchesRequired":8,"rewardTemplateId":"G""# + punch + "}],"
            + #""earnRules":[],"earnExclusions":{"itemCodes":[]"# + exclusions + "},"
            + #""budget":{"pointsEnabled":true,"creditEnabled":true,"ratioPoints":"# + ratio + #","ratioMoney":1,"minAmount":0,"maxAmount":100},"#
            + #""pendingDays":0}"#
    }

    static func list(_ count: Int, _ element: (Int) -> String) -> String {
        "[" + (0..<count).map { "\"" + element($0) + "\"" }.joined(separator: ",") + "]"
    }

    /// (frame at the limit, frame one past it, the field the refusal names)
    static let cases: [(String, String, String)] = {
        func benefit(_ body: String) -> String { #"{"id":1,"op":"benefit.action","memberKey":"M1","# + body + "}" }
        func hello(_ n: Int) -> String { #"{"id":1,"op":"hello","apiKey":"k","versions":["# + (0..<n).map { _ in "1" }.joined(separator: ",") + "]}" }
        func cursor(_ op: String, _ bytes: Int) -> String {
            #"{"id":1,"op":""# + op + #"","memberKey":"M1","cursor":""# + String(repeating: "9", count: bytes) + #"","limit":5}"#
        }
        let codes = { (n: Int) in list(n) { "C\($0)" } }
        let departments = { (n: Int) in list(n) { "d\($0)" } }
        return [
            (benefit(#""action":"send","templateId":"G","count":100"#), benefit(#""action":"send","templateId":"G","count":101"#), "count"),
            (benefit(#""action":"punch","benefitId":"B","count":100"#), benefit(#""action":"punch","benefitId":"B","count":101"#), "count"),
            (benefit(#""action":"extend","benefitId":"B","days":3660"#), benefit(#""action":"extend","benefitId":"B","days":3661"#), "days"),
            (hello(16), hello(17), "versions"),
            (catalog(gift: #","itemCodes":"# + codes(1000)), catalog(gift: #","itemCodes":"# + codes(1001)), "giftTemplates[0].itemCodes"),
            (catalog(gift: #","departments":"# + departments(1000)), catalog(gift: #","departments":"# + departments(1001)),
             "giftTemplates[0].departments"),
            (catalog(punch: #","itemCodes":"# + codes(1000)), catalog(punch: #","itemCodes":"# + codes(1001)), "punchTemplates[0].itemCodes"),
            (catalog(punch: #","departments":"# + departments(1000)), catalog(punch: #","departments":"# + departments(1001)),
             "punchTemplates[0].departments"),
            (catalog(exclusions: #","departments":"# + departments(1000)), catalog(exclusions: #","departments":"# + departments(1001)),
             "earnExclusions.departments"),
            (catalog(ratio: "1000000"), catalog(ratio: "1000001"), "budget.ratioPoints"),
            (cursor("wallet.history", 256), cursor("wallet.history", 257), "cursor"),
            (cursor("activity.list", 256), cursor("activity.list", 257), "cursor"),
            (#"{"id":1,"op":"purchase.list","cursor":""# + String(repeating: "9", count: 256) + #""}"#,
             #"{"id":1,"op":"purchase.list","cursor":""# + String(repeating: "9", count: 257) + #""}"#, "cursor"),
        ]
    }()

    @Test(arguments: cases.indices)
    func limitsAreAcceptedAtTheLimitAndRefusedPastIt(index: Int) {
        let (atLimit, past, field) = Self.cases[index]
        #expect(refusal(atLimit) == nil, "\(field) at the limit: \(String(describing: refusal(atLimit)?.error))")
        let refused = refusal(past)
        #expect(refused?.error.code == "invalid_request" && refused?.error.field == field,
                "\(field) past the limit: \(String(describing: refused?.error))")
        #expect(refused?.closesConnection == false)
    }
}
