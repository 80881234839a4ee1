import Testing
import TillCore
@testable import TillProtocol

/// PROTOCOL.md section 4: strings are at most 1,024 bytes unless a field states otherwise (ids 1 to 128, identifier
/// values 256, …). Each limit is accepted at the limit and refused one byte past it, naming the field, on the
/// straight pass (canonical member order) and on the general loop (other orders).
@Suite struct StringLimitTests {
    static func purchase(item: String, extra: String = "") -> String {
        #"{"id":7,"op":"purchase","transactionId":"T1","openedAt":"2026-01-01T10:00:00Z""# + extra
            + #","items":["# + item + #"],"currency":"EUR"}"#
    }

    /// (frame with `@` where the string goes, field path, limit in bytes)
    static let cases: [(String, String, Int)] = [
        (purchase(item: #"{"lineId":"1","code":"A","name":"@","quantity":1,"unitPrice":100}"#), "items[0].name", 1024),
        (purchase(item: #"{"name":"@","lineId":"1","code":"A","quantity":1,"unitPrice":100}"#), "items[0].name", 1024),
        (purchase(item: #"{"lineId":"1","code":"A","name":"a","department":"@","quantity":1,"unitPrice":100}"#), "items[0].department", 1024),
        (purchase(item: #"{"department":"@","lineId":"1","code":"A","name":"a","quantity":1,"unitPrice":100}"#), "items[0].department", 1024),
        (purchase(item: #"{"lineId":"1","code":"A","name":"a","quantity":1,"unitPrice":100,"tags":["@"]}"#), "items[0].tags[0]", 1024),
        (purchase(item: #"{"lineId":"1","code":"A","name":"a","quantity":1,"unitPrice":100,"tags":["x","y","@"]}"#), "items[0].tags[2]", 1024),
        (purchase(item: #"{"tags":["@"],"lineId":"1","code":"A","name":"a","quantity":1,"unitPrice":100}"#), "items[0].tags[0]", 1024),
        (purchase(item: #"{"lineId":"1","code":"A","name":"a","quantity":1,"unitPrice":100}"#, extra: #","employee":"@""#), "employee", 1024),
        (purchase(item: #"{"lineId":"@","code":"A","name":"a","quantity":1,"unitPrice":100}"#), "items[0].lineId", 128),
        (purchase(item: #"{"lineId":"1","code":"@","name":"a","quantity":1,"unitPrice":100}"#), "items[0].code", 128),
        (purchase(item: #"{"lineId":"1","code":"A","name":"a","quantity":1,"unitPrice":100}"#,
                  extra: #","members":[{"kind":"card","value":"@"}]"#), "members[0].value", 256),
        (#"{"id":1,"op":"identify","identifiers":[{"kind":"card","value":"@"}]}"#, "identifiers[0].value", 256),
        (#"{"id":1,"op":"void","voidId":"V1","transactionId":"T1","reason":"@"}"#, "reason", 1024),
        (#"{"id":1,"op":"status","transactionId":"@"}"#, "transactionId", 128),
        (#"{"id":1,"op":"member.create","firstName":"@"}"#, "firstName", 1024),
        (#"{"id":1,"op":"member.create","lastName":"@"}"#, "lastName", 1024),
        (#"{"id":1,"op":"member.create","phone":"@"}"#, "phone", 256),
        (#"{"id":1,"op":"member.block","memberKey":"M1","reason":"@"}"#, "reason", 1024),
        (#"{"id":1,"op":"member.tag","memberKey":"M1","tag":"@"}"#, "tag", 64),
        (#"{"id":1,"op":"member.note","memberKey":"M1","text":"@"}"#, "text", 2000),
        (#"{"id":1,"op":"wallet.adjust","adjustmentId":"A1","memberKey":"M1","wallet":"points","delta":5,"reason":"@"}"#, "reason", 1024),
        (#"{"id":1,"op":"hello","versions":[1],"apiKey":"k","client":"@"}"#, "client", 1024),
        (#"{"id":1,"op":"terminal.provision","terminal":{"branchId":"B","posId":"P"},"label":"@"}"#, "label", 128),
        (#"{"id":1,"op":"operator.provision","name":"@"}"#, "name", 128),
        (#"{"id":1,"op":"store.backup","path":"/@"}"#, "path", 4095),
        (#"{"id":1,"op":"benefit.list","memberKey":"M1","name":"@"}"#, "name", 1024),
    ]

    @Test(arguments: cases.indices)
    func stringsAreAcceptedAtTheLimitAndRefusedPastIt(index: Int) {
        let (frame, field, limit) = Self.cases[index]
        // Multi-byte text: the limit counts UTF-8 bytes, not characters.
        let atLimit = String(repeating: "é", count: limit / 2) + String(repeating: "a", count: limit % 2)
        #expect(refusal(frame.replacingOccurrences(of: "@", with: atLimit)) == nil, "\(field) at \(limit) bytes")
        let past = refusal(frame.replacingOccurrences(of: "@", with: atLimit + "a"))
        #expect(past?.error.code == "invalid_request" && past?.error.field == field, "\(field) at \(limit + 1) bytes: \(String(describing: past?.error))")
        #expect(past?.closesConnection == false)
    }

    /// 500 lines per purchase and per return (PROTOCOL.md section 9), on both decoders.
    @Test func linesAreAcceptedAtTheLimitAndRefusedPastIt() {
        func items(_ n: Int, canonical: Bool) -> String {
            (0..<n).map { canonical ? #"{"lineId":"\#($0)","code":"A","name":"a","quantity":1,"unitPrice":1}"#
                                    : #"{"code":"A","lineId":"\#($0)","name":"a","quantity":1,"unitPrice":1}"# }.joined(separator: ",")
        }
        for canonical in [true, false] {
            #expect(refusal(Self.purchase(item: items(500, canonical: canonical))) == nil)
            #expect(refusal(Self.purchase(item: items(501, canonical: canonical)))?.error.field == "items")
        }
        let lines = { (n: Int) in (0..<n).map { #"{"lineId":"\#($0)","quantity":1}"# }.joined(separator: ",") }
        #expect(refusal(#"{"id":1,"op":"return","returnId":"R1","transactionId":"T1","lines":["# + lines(500) + "]}") == nil)
        #expect(refusal(#"{"id":1,"op":"return","returnId":"R1","transactionId":"T1","lines":["# + lines(501) + "]}")?.error.field == "lines")
    }
}
