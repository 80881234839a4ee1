import Testing
import TillCore
@testable import TillProtocol

/// `identify` on the single-pass decoder (issue 14: the frame was read twice, the direct pass giving up on the op
/// and the tape deciding): the same envelopes as the tape decoder, in any key order and layout, and never a frame the
/// tape refuses or reads differently.
@Suite struct DirectIdentifyDecoderTests {
    @discardableResult
    static func agree(_ bytes: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) -> RequestEnvelope? {
        DirectDecoderTests.agree(bytes, sourceLocation: sourceLocation)
    }
    static let reference = payload(client.encodeRequest(RequestEnvelope(id: .int(42), request: .identify(IdentifyRequest(
        identifiers: [MemberIdentifier(kind: .phone, value: "+33612345678"), MemberIdentifier(kind: .card, value: "4000123412341234")])))))

    static func frame(_ s: String) -> [UInt8] { Array(s.utf8) }

    static func randomIdentify(_ g: inout Gen) -> RequestEnvelope {
        let identifiers = (0..<g.int(1...Int64(WireLimits.maxMembers))).map { _ in
            MemberIdentifier(kind: g.pick(IdentifierKind.allCases), value: g.string())
        }
        return RequestEnvelope(id: g.bool() ? .int(g.int(-999_999_999...999_999_999)) : .string(g.string()),
                               request: .identify(IdentifyRequest(identifiers: identifiers)))
    }

    @Test func referenceIdentifyTakesTheDirectPath() {
        #expect(server.decodeDirect(Self.reference) != nil)
        #expect(Self.agree(Self.reference) == RequestEnvelope(id: .int(42), request: .identify(IdentifyRequest(
            identifiers: [MemberIdentifier(kind: .phone, value: "+33612345678"), MemberIdentifier(kind: .card, value: "4000123412341234")]))))
    }

    @Test(arguments: 0..<200 as Range<UInt64>)
    func seededRandomIdentifiesTakeTheDirectPath(seed: UInt64) throws {
        var g = Gen(rng: SeededRandom(seed: seed))
        let env = Self.randomIdentify(&g)
        #expect(Self.agree(payload(client.encodeRequest(env))) == env)
        // Any key order and whitespace.
        var rng = SeededRandom(seed: seed &+ 1)
        var shuffled: [UInt8] = []
        DirectDecoderTests.write(try JSONTree(payload(client.encodeRequest(env))), into: &shuffled, &rng)
        #expect(Self.agree(shuffled) == env, "\(String(decoding: shuffled, as: UTF8.self))")
    }

    /// Refused frames: the direct pass leaves each to the tape, which names the field as before.
    @Test func refusalsFallBackToTheTapeWithTheirField() {
        let one = #"{"kind":"card","value":"1"}"#
        let cases: [(String, String)] = [
            (#"{"id":7,"op":"identify"}"#, "identifiers"),
            (#"{"id":7,"op":"identify","identifiers":null}"#, "identifiers"),
            (#"{"id":7,"op":"identify","identifiers":[]}"#, "identifiers"),
            (#"{"id":7,"op":"identify","identifiers":{}}"#, "identifiers"),
            (#"{"id":7,"op":"identify","identifiers":["# + Array(repeating: one, count: WireLimits.maxMembers + 1).joined(separator: ",") + "]}", "identifiers"),
            (#"{"id":7,"op":"identify","identifiers":[{"kind":"fax","value":"1"}]}"#, "identifiers[0].kind"),
            (#"{"id":7,"op":"identify","identifiers":[{"kind":"card","value":""}]}"#, "identifiers[0].value"),
            (#"{"id":7,"op":"identify","identifiers":[{"kind":"card"}]}"#, "identifiers[0].value"),
            (#"{"id":7,"op":"identify","identifiers":[null]}"#, "identifiers[0]"),
            (#"{"id":7,"op":"identify","identifiers":[{"kind":"card","value":"# + "\"" + String(repeating: "9", count: 257) + "\"}]}", "identifiers[0].value"),
            (#"{"id":7,"op":"identify","identifiers":[{"kind":"card","value":"1","value":"2"}]}"#, "identifiers[0].value"),
            (#"{"id":7,"op":"identify","identifiers":[],"identifiers":[{"kind":"card","value":"1"}]}"#, "identifiers"),
        ]
        for (text, field) in cases {
            let bytes = Self.frame(text)
            #expect(server.decodeDirect(bytes) == nil, "\(text)")
            Self.agree(bytes)
            let failure = server.decodeRequest(bytes).failure
            #expect(failure?.error.code == "invalid_request" && failure?.error.field == field && failure?.id == .int(7),
                    "\(text): \(String(describing: failure))")
        }
        // At the limit: accepted on the direct path.
        let five = Self.frame(#"{"id":7,"op":"identify","identifiers":["# + Array(repeating: one, count: WireLimits.maxMembers).joined(separator: ",") + "]}")
        #expect(server.decodeDirect(five) != nil && Self.agree(five) != nil)
    }

    /// Members `identify` does not read: skipped by the tape; the direct pass reads the purchase ones by the purchase
    /// rules and gives the frame to the tape when they break them, so both always agree.
    @Test func membersIdentifyDoesNotReadNeverSplitTheDecoders() {
        let base = String(decoding: Self.reference.dropLast(), as: UTF8.self)
        for extra in [#","future":{"a":[1,{"b":null}]}"#, #","transactionId":"T1""#, #","transactionId":"""#,
                      #","members":[{"kind":"fax","value":"1"}]"#, #","items":null"#, #","items":[{"lineId":""}]"#,
                      #","currency":"EURO""#, #","tax":-1"#, #","future":1,"future":2"#] {
            let bytes = Self.frame(base + extra + "}")
            let tape = server.decodeWithTape(bytes)
            Self.agree(bytes)
            #expect(server.decodeRequest(bytes) == tape, "\(extra)")
        }
        // A purchase carrying `identifiers` is still a purchase (the member is not one of its own).
        let purchase = DirectDecoderTests.purchase(extra: #","identifiers":[{"kind":"card","value":"1"}]"#)
        #expect(Self.agree(purchase) == Self.agree(DirectDecoderTests.purchase()))
    }

    @Test(arguments: 0..<40 as Range<UInt64>)
    func mutatedIdentifyFramesNeverSplitTheDecoders(seed: UInt64) {
        mutationsAgree(Self.reference, seed: seed) { Self.agree($0) }
    }
}
