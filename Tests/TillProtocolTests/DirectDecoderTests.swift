import Foundation
import Testing
import TillCore
@testable import TillProtocol

/// The single-pass decoder of `purchase`/`quote` against the tape decoder (the reference): it must accept the frames
/// our clients send, decode them identically in any key order and layout, and never accept what the tape refuses.
@Suite struct DirectDecoderTests {
    static let reference = payload(client.encodeRequest(RequestEnvelope(id: .int(4711), request: .purchase(Fixtures.purchase))))

    /// Decodes with both decoders; fails the test when the direct decoder accepts something the tape does not
    /// accept identically. Returns the direct result.
    @discardableResult
    static func agree(_ bytes: [UInt8], codec: ServerCodec = server, sourceLocation: SourceLocation = #_sourceLocation) -> RequestEnvelope? {
        let direct = codec.decodeDirect(bytes)
        let tape = codec.decodeWithTape(bytes)
        if let direct {
            #expect(tape == .success(direct), "direct accepted \(String(decoding: bytes, as: UTF8.self))", sourceLocation: sourceLocation)
        }
        #expect(codec.decodeRequest(bytes) == tape, sourceLocation: sourceLocation)
        return direct
    }

    static func frame(_ s: String) -> [UInt8] { Array(s.utf8) }

    @Test func referencePurchaseTakesTheDirectPath() {
        #expect(Self.agree(Self.reference) == RequestEnvelope(id: .int(4711), request: .purchase(Fixtures.purchase)))
    }

    @Test(arguments: 0..<300 as Range<UInt64>)
    func seededRandomPurchasesRoundTripThroughTheDirectPath(seed: UInt64) {
        var g = Gen(rng: SeededRandom(seed: seed))
        let env = RequestEnvelope(id: g.bool() ? .int(g.int(-999_999_999_999_999_999...999_999_999_999_999_999)) : .string(g.string()),
                                  request: g.bool() ? .purchase(g.purchase()) : .quote(g.purchase()))
        let bytes = payload(client.encodeRequest(env))
        #expect(Self.agree(bytes) == env)
    }

    @Test(arguments: 0..<100 as Range<UInt64>)
    func keyOrderAndWhitespaceDoNotMatter(seed: UInt64) throws {
        var g = Gen(rng: SeededRandom(seed: seed))
        let env = RequestEnvelope(id: .int(g.int(0...1000)), request: .purchase(g.purchase()))
        let tree = try JSONTree(payload(client.encodeRequest(env)))
        var rng = SeededRandom(seed: seed &+ 1)
        var shuffled: [UInt8] = []
        Self.write(tree, into: &shuffled, &rng)
        #expect(Self.agree(shuffled) == env, "\(String(decoding: shuffled, as: UTF8.self))")
    }

    /// Writes `t` with its object keys in random order and random whitespace between tokens.
    static func write(_ t: JSONTree, into out: inout [UInt8], _ rng: inout SeededRandom) {
        func space() { for _ in 0..<Int.random(in: 0...1, using: &rng) { out.append(Array(" \n\t\r".utf8).randomElement(using: &rng)!) } }
        func string(_ s: String) { var w = JSONWriter(); w.string(s); out += w.bytes }
        space()
        switch t {
        case .object(let d):
            out.append(UInt8(ascii: "{"))
            for (k, key) in d.keys.shuffled(using: &rng).enumerated() {
                if k > 0 { out.append(UInt8(ascii: ",")) }
                space(); string(key); space(); out.append(UInt8(ascii: ":"))
                write(d[key]!, into: &out, &rng)
            }
            space(); out.append(UInt8(ascii: "}"))
        case .array(let a):
            out.append(UInt8(ascii: "["))
            for (k, e) in a.enumerated() {
                if k > 0 { out.append(UInt8(ascii: ",")) }
                write(e, into: &out, &rng)
            }
            space(); out.append(UInt8(ascii: "]"))
        case .string(let s): string(s)
        case .number(let n): out += Array(n.utf8)
        case .bool(let b): out += Array((b ? "true" : "false").utf8)
        case .null: out += Array("null".utf8)
        }
        space()
    }

    static let item = #"{"lineId":"1","code":"A","name":"a","quantity":1,"unitPrice":100}"#
    static func purchase(items: String = item, extra: String = "") -> [UInt8] {
        frame(#"{"id":7,"op":"purchase","transactionId":"T1","openedAt":"2026-01-01T10:00:00Z","items":["# + items + #"],"currency":"EUR""# + extra + "}")
    }

    @Test func unknownFieldsAreSkippedWithFullValidation() {
        let plain = Self.agree(Self.purchase())
        #expect(plain != nil)
        #expect(Self.agree(Self.purchase(extra: #","future":{"a":[1,2.5e3,{"b":null}],"c":"\u00e9\ud834\udd1e","d":true}"#)) == plain)
        #expect(Self.agree(Self.purchase(items: #"{"lineId":"1","code":"A","name":"a","quantity":1,"unitPrice":100,"x":[{}]}"#)) == plain)
        // Refusals inside skipped values keep the tape's exact error.
        let refusals: [(String, String)] = [
            (#","future":{"a":1,"a":2}"#, "future.a"),
            (#","future":1,"future":2"#, "future"),
            (#","future":[{"k":{"z":1,"z":1}}]"#, "future[0].k.z"),
            (#","future":"# + String(repeating: "[", count: 16) + String(repeating: "]", count: 16), "future" + String(repeating: "[0]", count: 15)),
        ]
        for (extra, field) in refusals {
            #expect(Self.agree(Self.purchase(extra: extra)) == nil)
            #expect(refusal(String(decoding: Self.purchase(extra: extra), as: UTF8.self))?.error.field == field, "\(extra)")
        }
        // At most 128 members per object, known and unknown together, in any order.
        for (unknown, accepted) in [(122, true), (123, false)] {
            let keys = (0..<unknown).map { #""u\#($0)":0,"# }.joined()
            let bytes = Self.frame("{" + keys + String(decoding: Self.purchase().dropFirst(), as: UTF8.self))
            #expect((Self.agree(bytes) != nil) == accepted && ((try? server.decodeRequest(bytes).get()) != nil) == accepted, "\(unknown)")
        }
        let inItem = Self.purchase(items: #"{"lineId":"1","code":"A","name":"a","quantity":1,"unitPrice":100,"x":{"q":1,"q":2}}"#)
        #expect(Self.agree(inItem) == nil)
        #expect(refusal(String(decoding: inItem, as: UTF8.self))?.error == .invalidRequest(field: "items[0].x.q", reason: "duplicate key"))
        for bad: [UInt8] in [[0xC0, 0x80], [0xED, 0xA0, 0x80], [0xFF]] {
            let bytes = Self.frame(#"{"id":1,"op":"purchase","x":""#) + bad + Self.frame(#"","transactionId":"T","openedAt":"2026-01-01T10:00:00Z","items":[],"currency":"EUR"}"#)
            #expect(Self.agree(bytes) == nil)
            #expect(server.decodeRequest(bytes).failure?.error.code == "invalid_frame")
        }
    }

    @Test func refusalsOnThePurchasePathNameTheirField() {
        let items = (0..<4).map { #"{"lineId":"\#($0)","code":"A","name":"a","quantity":1,"unitPrice":100}"# }
        func with(_ k: Int, _ from: String, _ to: String) -> String {
            var copy = items
            copy[k] = copy[k].replacingOccurrences(of: from, with: to)
            return copy.joined(separator: ",")
        }
        let cases: [([UInt8], String)] = [
            (Self.purchase(items: with(3, #""unitPrice":100"#, #""unitPrice":1.5"#)), "items[3].unitPrice"),
            (Self.purchase(items: with(2, #""quantity":1"#, #""quantity":1.2345"#)), "items[2].quantity"),
            (Self.purchase(items: with(1, #""quantity":1"#, #""quantity":0"#)), "items[1].quantity"),
            (Self.purchase(items: with(0, #""lineId":"0""#, #""lineId":"""#)), "items[0].lineId"),
            (Self.purchase(items: with(2, #""unitPrice":100"#, #""unitPrice":100,"unitPrice":100"#)), "items[2].unitPrice"),
            (Self.purchase(items: with(3, #","name":"a""#, "")), "items[3].name"),
            (Self.purchase(items: with(1, #""code":"A""#, #""code":"A","tags":["# + String(repeating: #""t","#, count: 50) + #""t"]"#)), "items[1].tags"),
            (Self.purchase(extra: #","payments":[{"means":"card","amount":5},{"means":"bitcoin","amount":5}]"#), "payments[1].means"),
            (Self.purchase(extra: #","payments":[{"means":"card","amount":0}]"#), "payments[0].amount"),
            (Self.purchase(extra: #","members":[{"kind":"fax","value":"1"}]"#), "members[0].kind"),
            (Self.purchase(extra: #","members":[{"kind":"card","value":""}]"#), "members[0].value"),
            (Self.purchase(extra: #","tax":-1"#), "tax"),
            (Self.purchase(extra: #","tax":1e2"#), "tax"),
            (Self.purchase(extra: #","orderDiscount":1000000000001"#), "orderDiscount"),
            (Self.purchase(extra: #","orderType":"drive""#), "orderType"),
            (Self.purchase(extra: #","redemptions":["G1",""]"#), "redemptions[1]"),
            (Self.purchase(extra: #","employee":"# + "\"" + String(repeating: "e", count: 1025) + "\""), "employee"),
            (Self.frame(String(decoding: Self.purchase(), as: UTF8.self).replacingOccurrences(of: "EUR", with: "EURO")), "currency"),
            (Self.frame(String(decoding: Self.purchase(), as: UTF8.self).replacingOccurrences(of: "10:00:00Z", with: "10:00:00")), "openedAt"),
            (Self.frame(String(decoding: Self.purchase(), as: UTF8.self).replacingOccurrences(of: #""items":["#, with: #""items":null,"x":["#)), "items"),
        ]
        for (bytes, field) in cases {
            #expect(Self.agree(bytes) == nil, "\(field)")
            let failure = server.decodeRequest(bytes).failure
            #expect(failure?.error.code == "invalid_request" && failure?.error.field == field && failure?.id == .int(7), "\(field): \(String(describing: failure))")
        }
    }

    @Test func nullReadsAsAbsentAndEscapesAreDecoded() throws {
        let nulls = Self.agree(Self.purchase(
            items: #"{"lineId":"1","code":"A","name":"a","department":null,"quantity":1,"unitPrice":100,"discount":null,"tags":null}"#,
            extra: #","orderType":null,"employee":null,"members":null,"orderDiscount":null,"tax":null,"payments":null,"redemptions":null"#))
        #expect(nulls != nil && nulls == Self.agree(Self.purchase()))
        let escaped = try #require(Self.agree(Self.purchase(items: #"{"lineId":"1","code":"A\"\\\/","name":"Caf\u00e9 cr\u00e8me \ud83e\udd50 long enough","quantity":1,"unitPrice":100}"#)))
        guard case .purchase(let p) = escaped.request else { Issue.record("not a purchase"); return }
        #expect(p.items[0].code == "A\"\\/" && p.items[0].name == "Café crème 🥐 long enough")
        // An escaped key is left to the tape decoder, which reads it as the same field.
        let escapedKey = Self.frame(String(decoding: Self.purchase(), as: UTF8.self).replacingOccurrences(of: #""currency""#, with: #""curr\u0065ncy""#))
        #expect(server.decodeDirect(escapedKey) == nil)
        #expect(try server.decodeRequest(escapedKey).get() == Self.agree(Self.purchase()))
    }

    @Test func limitsOfTheDirectPathFallBackToTheTape() throws {
        // 19-digit ids and quantities with many whole digits are read by the tape decoder.
        let minID = Self.frame(String(decoding: Self.purchase(), as: UTF8.self).replacingOccurrences(of: #""id":7"#, with: #""id":-9223372036854775808"#))
        #expect(try server.decodeRequest(minID).get().id == .int(Int64.min))
        // The depth bound applies to the known containers too.
        let tagged = Self.purchase(items: #"{"lineId":"1","code":"A","name":"a","quantity":1,"unitPrice":100,"tags":["x"]}"#)
        #expect(Self.agree(tagged, codec: ServerCodec(maxDepth: 3)) == nil)
        #expect(ServerCodec(maxDepth: 3).decodeRequest(tagged).failure?.error.field == "items[0].tags")
        #expect(Self.agree(tagged, codec: ServerCodec(maxDepth: 4)) != nil)
        // Other ops take the tape path unchanged.
        #expect(server.decodeDirect(Self.frame(#"{"id":1,"op":"ping"}"#)) == nil)
        #expect(try server.decodeRequest(Self.frame(#"{"id":1,"op":"ping"}"#)).get().request == .ping)
        #expect(Self.agree(Self.frame(#"{"id":1,"op":"purchaze"}"#)) == nil)
    }

    @Test(arguments: 0..<40 as Range<UInt64>)
    func mutatedFramesNeverSplitTheDecoders(seed: UInt64) {
        mutationsAgree(Self.reference, seed: seed) { Self.agree($0) }
    }

    @Test func smallStringsMatchTheStandardLibrary() {
        #expect(SmallASCIIString.layoutHolds)
        for s in ["", "1", "SKU-1000", "hot-drinks", "123456789012345"] {
            let bytes = Array(s.utf8) + Array(repeating: UInt8(ascii: "#"), count: 16)
            let w0 = bytes[0..<8].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
            let w1 = bytes[8..<16].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
            let built = SmallASCIIString.make(w0, w1, count: s.utf8.count)
            #expect(built == s && built.hashValue == s.hashValue && Set([built, s]).count == 1)
        }
    }
}

extension Result {
    var failure: Failure? { if case .failure(let f) = self { f } else { nil } }
}
