import Testing
import TillCore
@testable import TillProtocol

/// Every strictness rule of the reader, each naming the offending field path.
@Suite struct StrictnessTests {
    static let item = #"{"lineId":"1","code":"A","name":"a","quantity":1,"unitPrice":100}"#
    static func purchase(items: String = item, extra: String = "") -> String {
        #"{"id":7,"op":"purchase","transactionId":"T1","openedAt":"2026-01-01T10:00:00Z","items":["# + items + #"],"currency":"EUR""# + extra + "}"
    }

    @Test func baselineDecodes() throws {
        let env = try decodeOK(Array(Self.purchase().utf8))
        guard case .purchase(let p) = env.request else { Issue.record("not a purchase"); return }
        #expect(p.items[0].quantity == .one && p.orderType == .inStore && env.id == .int(7))
    }

    @Test func duplicateKeyIsRefusedWithItsPath() {
        let f = refusal(Self.purchase(items: #"{"lineId":"1","code":"A","name":"a","quantity":1,"unitPrice":100,"unitPrice":5}"#))
        #expect(f?.error == .invalidRequest(field: "items[0].unitPrice", reason: "duplicate key"))
        #expect(f?.id == .int(7))
    }

    @Test func duplicateKeyThroughEscapesIsRefused() {
        let f = refusal(#"{"id":1,"op":"ping","a":1,"\u0061":2}"#)
        #expect(f?.error.code == "invalid_request" && f?.error.field == "a")
    }

    @Test func duplicateDetectionOverManyKeys() {
        let keys = (0..<100).map { "\"k\($0 * 7919 % 1000)x\":\($0)" }
        let distinct = #"{"id":1,"op":"ping","x":{"# + keys.joined(separator: ",") + "}}"
        #expect(refusal(distinct) == nil)
        let dup = #"{"id":1,"op":"ping","x":{"# + (keys + [keys[50]]).joined(separator: ",") + "}}"
        #expect(refusal(dup)?.error == .invalidRequest(field: "x.k" + String(50 * 7919 % 1000) + "x", reason: "duplicate key"))
        let tooMany = #"{"id":1,"op":"ping","x":{"# + (0..<129).map { "\"a\($0)\":0" }.joined(separator: ",") + "}}"
        #expect(refusal(tooMany)?.error.field == "x")
    }

    @Test func invalidUTF8IsAnInvalidFrame() {
        var bytes = Array(Self.purchase().utf8)
        let at = bytes.firstIndex(of: UInt8(ascii: "T"))!
        bytes[at] = 0xC0  // overlong lead byte
        guard case .failure(let f) = server.decodeRequest(bytes) else { Issue.record("accepted"); return }
        #expect(f.error.code == "invalid_frame" && f.closesConnection && f.id == nil)
        for bad: [UInt8] in [[0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xE2, 0x82], [0x80]] {
            let frame = Array(#"{"id":1,"op":"ping","x":""#.utf8) + bad + Array(#""}"#.utf8)
            guard case .failure(let g) = server.decodeRequest(frame) else { Issue.record("accepted \(bad)"); continue }
            #expect(g.error.code == "invalid_frame")
        }
        #expect(refusal(#"{"id":1,"op":"ping","x":"\ud800"}"#)?.error.code == "invalid_frame")
    }

    @Test func specialBytesAreFoundAtEveryPositionOfLongStrings() throws {
        for at in 0..<24 {
            let plain = String(repeating: "a", count: at), tail = String(repeating: "b", count: 24 - at)
            let control = Array(#"{"id":1,"op":"status","transactionId":""#.utf8) + Array(plain.utf8) + [0x1F] + Array(tail.utf8) + Array(#""}"#.utf8)
            #expect(refusal(String(decoding: control, as: UTF8.self))?.error.code == "invalid_frame", "control byte at \(at)")
            let bad = Array(#"{"id":1,"op":"status","transactionId":""#.utf8) + Array(plain.utf8) + [0xFF] + Array(tail.utf8) + Array(#""}"#.utf8)
            guard case .failure(let f) = server.decodeRequest(bad) else { Issue.record("accepted 0xFF at \(at)"); continue }
            #expect(f.error.code == "invalid_frame")
            for special in ["é", "\\\"", "\\n", "€"] {
                let env = try decodeOK(Array((#"{"id":1,"op":"status","transactionId":""# + plain + special + tail + #""}"#).utf8))
                let expected = plain + ["é": "é", "\\\"": "\"", "\\n": "\n", "€": "€"][special]! + tail
                #expect(env.request == .status(StatusRequest(transactionId: expected)), "\(special) at \(at)")
            }
        }
    }

    @Test func validUTF8IsAccepted() throws {
        let env = try decodeOK(Array(#"{"id":"é€𝄞","op":"status","transactionId":"Ünï \u00e9\ud834\udd1e"}"#.utf8))
        #expect(env.id == .string("é€𝄞"))
        #expect(env.request == .status(StatusRequest(transactionId: "Ünï é𝄞")))
    }

    @Test func nestingDeeperThanTheBoundIsRefused() {
        let deep = String(repeating: "[", count: 16) + String(repeating: "]", count: 16)
        let f = refusal(#"{"id":3,"op":"ping","x":"# + deep + "}")
        #expect(f?.error.code == "invalid_request" && f?.id == .int(3))
        #expect(f?.error.field == "x" + String(repeating: "[0]", count: 15))
        let deepObject = String(repeating: #"{"a":"#, count: 16) + "1" + String(repeating: "}", count: 16)
        #expect(refusal(#"{"id":3,"op":"ping","x":"# + deepObject + "}")?.error.field == "x" + String(repeating: ".a", count: 15))
        let ok = String(repeating: "[", count: 15) + String(repeating: "]", count: 15)
        #expect(refusal(#"{"id":3,"op":"ping","x":"# + ok + "}") == nil)
    }

    @Test func fractionalAmountIsAnErrorNotARounding() {
        let f = refusal(Self.purchase(items: #"{"lineId":"1","code":"A","name":"a","quantity":1,"unitPrice":1.5}"#))
        #expect(f?.error.field == "items[0].unitPrice")
        #expect(refusal(Self.purchase(extra: #","tax":1e2"#))?.error.field == "tax")
        #expect(refusal(Self.purchase(extra: #","tax":-1"#))?.error.field == "tax")
        #expect(refusal(Self.purchase(extra: #","tax":99999999999999999999"#))?.error.field == "tax")
    }

    @Test func quantityAllowsThreeDecimalsExactly() throws {
        let q3 = try decodeOK(Array(Self.purchase(items: Self.item.replacingOccurrences(of: #""quantity":1"#, with: #""quantity":0.125"#)).utf8))
        guard case .purchase(let p) = q3.request else { Issue.record("not a purchase"); return }
        #expect(p.items[0].quantity == Quantity(thousandths: 125))
        for bad in ["1.2345", "1.0000", "1e3", "0", "-1"] {
            let f = refusal(Self.purchase(items: Self.item.replacingOccurrences(of: #""quantity":1"#, with: #""quantity":"# + bad)))
            #expect(f?.error.field == "items[0].quantity", "quantity \(bad)")
        }
    }

    @Test func unknownOpIsRefused() {
        let f = refusal(#"{"id":"x","op":"purchaze"}"#)
        #expect(f?.error == .invalidRequest(field: "op", reason: "unknown op") && f?.id == .string("x"))
    }

    @Test func missingFieldsNameTheirPath() {
        #expect(refusal(Self.purchase(items: #"{"lineId":"1","code":"A","name":"a","unitPrice":100}"#))?.error
            == .invalidRequest(field: "items[0].quantity", reason: "is required"))
        #expect(refusal(#"{"id":1,"op":"purchase","openedAt":"2026-01-01T10:00:00Z","items":[],"currency":"EUR"}"#)?.error.field == "transactionId")
        #expect(refusal(#"{"op":"ping"}"#)?.error.field == "id")
        #expect(refusal(#"{"id":1.5,"op":"ping"}"#)?.error.field == "id")
        #expect(refusal(#"{"id":1}"#)?.error.field == "op")
        #expect(refusal(#"{"id":1,"op":"void","voidId":"v"}"#)?.error.field == "transactionId")
        #expect(refusal(#"{"id":1,"op":"member.card.replace","memberKey":"m","card":"c"}"#)?.error.field == "oldCard")
        #expect(refusal(Self.purchase(extra: #","members":[{"kind":"phone","value":"1"},{"kind":"fax","value":"2"}]"#))?.error.field == "members[1].kind")
    }

    @Test func limitsAreEnforced() {
        let six = Array(repeating: #"{"kind":"card","value":"1"}"#, count: 6).joined(separator: ",")
        #expect(refusal(Self.purchase(extra: #","members":["# + six + "]"))?.error.field == "members")
        #expect(refusal(#"{"id":1,"op":"member.search","query":"a","limit":51}"#)?.error.field == "limit")
        #expect(refusal(Self.purchase().replacingOccurrences(of: "EUR", with: "eur"))?.error.field == "currency")
    }

    @Test func unknownFieldsAreIgnored() throws {
        _ = try decodeOK(Array(Self.purchase(extra: #","futureField":{"a":[1,2,{"b":null}]}"#).utf8))
    }

    @Test func notJSONIsAnInvalidFrame() {
        for s in ["", "{", "[1]", #"{"id":1,"op":"ping"} x"#, "{'id':1}", #"{"id":01}"#, #"{"id":1,}"#, "\u{1}"] {
            let f = refusal(s)
            #expect(f?.error.code == "invalid_frame", "\(s)")
        }
    }

    @Test func timestampsRequireAZoneAndRealDates() {
        for bad in ["2026-01-01T10:00:00", "2026-02-29T10:00:00Z", "2026-01-01T24:00:00Z", "2026-01-01T10:00:00.1234Z",
                    "2026-01-01 10:00:00Z", "2026-01-01T10:00:00+19:00", "2026-13-01T10:00:00Z"] {
            #expect(refusal(Self.purchase().replacingOccurrences(of: "2026-01-01T10:00:00Z", with: bad))?.error.field == "openedAt", "\(bad)")
        }
    }
}
