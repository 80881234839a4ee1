import Foundation
import Testing
import TillCore
@testable import TillProtocol

/// The single-pass decoder of `purchase` answers against the tape decoder (the reference): it must accept the
/// receipts Till sends, decode them identically in any key order and layout, and never accept what the tape refuses
/// or decodes differently (the simulator's verdict rests on it).
@Suite struct DirectReceiptDecoderTests {
    static let answer = ResponseEnvelope(id: .int(4711), op: .purchase, result: .purchase(Fixtures.receipt))
    static let reference = String(decoding: payload(server.encodeResponse(answer)), as: UTF8.self)

    static func tape(_ bytes: [UInt8]) -> Result<ResponseEnvelope, TillError> {
        do { return .success(try client.decodeWithTape(bytes)) } catch { return .failure(error) }
    }

    /// Decodes with both decoders; fails the test when the direct decoder accepts something the tape does not
    /// accept identically, when `decodeResponse` differs from the tape, or when the check without a receipt
    /// (`acknowledgedPurchase`) does not accept exactly what the direct decoder accepts, with its id. Returns the
    /// direct result.
    @discardableResult
    static func agree(_ bytes: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) -> ResponseEnvelope? {
        let direct = client.decodeDirect(bytes)
        #expect(client.acknowledgedPurchase(bytes[...]) == direct?.id, "acknowledgedPurchase of \(String(decoding: bytes, as: UTF8.self))",
                sourceLocation: sourceLocation)
        #expect(Result { () throws(TillError) in try client.decodeResponse(bytes[...]) } == Result { () throws(TillError) in try client.decodeResponse(bytes) },
                "the slice overload decodes as the generic one", sourceLocation: sourceLocation)
        let tape = Self.tape(bytes)
        if let direct {
            #expect(tape == .success(direct), "direct accepted \(String(decoding: bytes, as: UTF8.self))", sourceLocation: sourceLocation)
        }
        let full: Result<ResponseEnvelope, TillError>
        do { full = .success(try client.decodeResponse(bytes)) } catch { full = .failure(error) }
        #expect(full == tape, sourceLocation: sourceLocation)
        return direct
    }

    static func agree(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) -> ResponseEnvelope? {
        agree(Array(text.utf8), sourceLocation: sourceLocation)
    }

    /// The reference answer with `from` replaced by `to` (which must occur).
    static func mutated(_ from: String, _ to: String) -> String {
        precondition(reference.contains(from), "\(from) not in the reference answer")
        return reference.replacingOccurrences(of: from, with: to)
    }

    @Test func referenceReceiptTakesTheDirectPath() {
        #expect(Self.agree(Self.reference) == Self.answer)
    }

    /// Receipts with escapes, non-ASCII, control characters, optional fields present and absent.
    @Test(arguments: 0..<300 as Range<UInt64>)
    func seededRandomReceiptsTakeTheDirectPath(seed: UInt64) {
        var g = Gen(rng: SeededRandom(seed: seed))
        let env = ResponseEnvelope(id: g.bool() ? .int(g.int(-999_999_999_999_999_999...999_999_999_999_999_999)) : .string(g.string()),
                                   op: .purchase, result: .purchase(g.receipt()))
        #expect(Self.agree(payload(server.encodeResponse(env))) == env)
    }

    @Test(arguments: 0..<100 as Range<UInt64>)
    func keyOrderAndWhitespaceDoNotMatter(seed: UInt64) throws {
        var g = Gen(rng: SeededRandom(seed: seed))
        let env = ResponseEnvelope(id: .int(g.int(0...1000)), op: .purchase, result: .purchase(g.receipt()))
        let tree = try JSONTree(payload(server.encodeResponse(env)))
        var rng = SeededRandom(seed: seed &+ 1)
        var shuffled: [UInt8] = []
        DirectDecoderTests.write(tree, into: &shuffled, &rng)
        let direct = Self.agree(shuffled)
        #expect(try client.decodeResponse(shuffled) == env)
        // The direct path reads `result` as `op` says: it takes every order where `op` comes first.
        let text = String(decoding: shuffled, as: UTF8.self)
        if text.range(of: #""op""#)!.lowerBound < text.range(of: #""result""#)!.lowerBound { #expect(direct == env, "\(text)") }
    }

    @Test func nullAbsentAndUnknownMembersReadAsTheTapeReadsThem() {
        let accepted = [
            Self.mutated(#","replay":false"#, ""),
            Self.mutated(#""replay":false"#, #""replay":null"#),
            Self.mutated(#""replay":false"#, #""replay":true"#),
            Self.mutated(#""rewardsCompleted":1"#, #""rewardsCompleted":null"#),
            Self.mutated(#","points":200,"#, ","),
            Self.mutated(#""points":200"#, #""points":null"#),
            Self.mutated(#""validUntil":"2026-04-13T23:59:59+01:00""#, #""validUntil":null"#),
            Self.mutated(#""redemptions":["#, #""future":{"a":[1,2.5e3,{"b":null}],"c":"\u00e9\ud834\udd1e","d":true},"redemptions":["#),
            Self.mutated(#""lineIds":["1"]"#, #""lineIds":null"#),
            Self.mutated(#""lineIds":["1"]"#, #""lineIds":["\u0031", ""]"#),
            Self.mutated(#""transactionId":"T-20260314-000123""#, #""transactionId" : "T-\u0032026""#),
            Self.mutated(#""name":"Free espresso""#, #""name":"Caf\u00e9 cr\u00e8me gratuit, tr\u00e8s long nom de la r\u00e9compense""#),
            Self.mutated(#""terminal":{"#, #""x":[],"terminal":{"y":{},"#),
            Self.mutated(#""id":4711"#, #""id":"req-4711""#),
        ]
        for text in accepted {
            #expect(Self.agree(text) != nil, "\(text)")
        }
    }

    @Test func refusalsAndOtherAnswersFallBackToTheTape() {
        let long = String(repeating: "x", count: 129)
        let fallBack = [
            // Not a purchase receipt: errors, other ops, a result before its op, null or missing id or op.
            #"{"id":4711,"op":"purchase","error":{"code":"insufficient_balance","message":"not enough points"}}"#,
            #"{"id":null,"error":{"code":"invalid_frame","message":"bad"}}"#,
            Self.mutated(#""op":"purchase""#, #""op":"quote""#),
            Self.mutated(#""id":4711"#, #""id":null"#),
            Self.mutated(#""id":4711,"#, ""),
            Self.mutated(#""id":4711"#, #""id":"""#),
            Self.mutated(#""id":4711"#, #""id":12345678901234567890"#),
            Self.mutated(#""op":"purchase","#, ""),
            Self.mutated(#""op":"purchase""#, #""op":"p\u0075rchase""#),
            #"{"result":{},"op":"purchase","id":1}"#,
            #"{"id":1,"op":"purchase","result":{}}"#,
            #"{}"#, #"[]"#, #"{"id":1,"op":"purchase","result":null}"#,
            // Required fields absent, null, empty, too long, of the wrong type or out of range.
            Self.mutated(#""currency":"EUR","#, ""),
            Self.mutated(#""currency":"EUR""#, #""currency":null"#),
            Self.mutated(#""transactionId":"T-20260314-000123""#, #""transactionId":"""#),
            Self.mutated(#""transactionId":"T-20260314-000123""#, #""transactionId":"\#(long)""#),
            Self.mutated(#""posId":"pos-3""#, #""posId":"""#),
            Self.mutated(#""subtotal":3680"#, #""subtotal":3680.5"#),
            Self.mutated(#""subtotal":3680"#, #""subtotal":"3680""#),
            Self.mutated(#""subtotal":3680"#, #""subtotal":3.68e3"#),
            Self.mutated(#""total":3400"#, #""total":03400"#),
            Self.mutated(#""openedAt":"2026-03-14T12:30:05.250+01:00""#, #""openedAt":"2026-03-14 12:30""#),
            Self.mutated(#""means":"card""#, #""means":"bitcoin""#),
            Self.mutated(#""means":"card""#, #""means":"c\u0061rd""#),
            Self.mutated(#""kind":"gift""#, #""kind":"voucher""#),
            Self.mutated(#""replay":false"#, #""replay":0"#),
            Self.mutated(#""completed":true"#, #""completed":"true""#),
            Self.mutated(#""rewardsCompleted":1"#, #""rewardsCompleted":-1"#),
            Self.mutated(#""balance":{"points":1180,"#, #""balance":{"#),
            Self.mutated(#""memberKey":"M-7Q2K9","pointsEarned""#, #""memberKey":null,"pointsEarned""#),
            Self.mutated(#""lineIds":["1"]"#, #""lineIds":"1""#),
            Self.mutated(#""lineIds":["1"]"#, #""lineIds":["\#(String(repeating: "y", count: 1025))"]"#),
            Self.mutated(#""payments":["#, #""payments":{"a":["#).replacingOccurrences(of: #"}],"members""#, with: #"}]},"members""#),
            // Duplicates, bad JSON, trailing bytes.
            Self.mutated(#""tax":0,"#, #""tax":0,"tax":0,"#),
            Self.mutated(#""redemptions":["#, #""z":1,"z":2,"redemptions":["#),
            Self.mutated(#""redemptions":["#, #""z":{"q":1,"q":1},"redemptions":["#),
            Self.reference + " x",
            String(Self.reference.dropLast()),
            Self.mutated(#""name":"Free espresso""#, "\"name\":\"Free\u{1}espresso\""),
        ]
        for text in fallBack {
            #expect(Self.agree(text) == nil, "\(text)")
        }
        // Invalid UTF-8 in a string is refused by both.
        let bytes = Array(Self.reference.utf8)
        let at = bytes.firstIndex(of: UInt8(ascii: "E"))!  // the first byte of "Espresso"… or of "EUR"
        for bad: [UInt8] in [[0xC0, 0x80], [0xED, 0xA0, 0x80], [0xFF]] {
            #expect(Self.agree(Array(bytes[..<at]) + bad + Array(bytes[(at + 1)...])) == nil)
        }
    }

    /// Every string of the receipt at its limit and just past it, plain and escaped (a value's length counts after
    /// unescaping), empty where it must not be, and with bytes a string may not hold: the check that builds no strings
    /// (`acknowledgedPurchase`) accepts and refuses exactly as the decoder that builds them (`agree`), and the verdict
    /// is the one written here.
    @Test func everyReceiptStringIsCheckedWithoutBeingBuilt() {
        func plain(_ n: Int) -> String { String(repeating: "k", count: n) }
        func escaped(_ n: Int) -> String { String(repeating: #"\u0032"#, count: n) }  // six bytes, one after unescaping
        let strings: [(wire: String, id: Bool)] = [
            (#""branchId":"b-012""#, true), (#""posId":"pos-3""#, true), (#""transactionId":"T-20260314-000123""#, true),
            (#""currency":"EUR""#, false), (#""memberKey":"M-7Q2K9","pointsEarned""#, true),
            (#""benefitId":"P-000311""#, true), (#""name":"10 coffees""#, false), (#""benefitId":"G-001022""#, true),
            (#""name":"Free coffee""#, false), (#""benefitId":"G-000981""#, true), (#""name":"Free espresso""#, false),
            (#""memberKey":"M-7Q2K9","amount":250"#, true), (#""memberKey":"M-7Q2K9"}]"#, false), (#""lineIds":["1"]"#, false),
        ]
        for (wire, isId) in strings {
            let value = wire.split(separator: "\"", maxSplits: 4, omittingEmptySubsequences: false)[3]
            func with(_ replacement: String) -> String { Self.mutated(wire, wire.replacingOccurrences(of: "\"\(value)\"", with: "\"\(replacement)\"")) }
            let limit = isId ? WireLimits.maxIdBytes : WireLimits.maxTextBytes
            let cases: [(text: String, accepted: Bool)] = [
                (with(plain(limit)), true), (with(plain(limit + 1)), false),
                (with(escaped(limit)), true), (with(escaped(limit + 1)), false),
                (with(plain(14)), true), (with(plain(15)), true), (with(plain(16)), true),
                (with(""), !isId), (with("caf\u{E9}"), true), (with("tab\ttab"), false),
            ]
            for (text, accepted) in cases {
                let direct = Self.agree(text)
                #expect((direct != nil) == accepted, "\(wire): \(text.prefix(160))")
                #expect((client.acknowledgedPurchase(Array(text.utf8)[...]) != nil) == accepted, "\(wire): \(text.prefix(160))")
            }
            // "ÿ" is C3 BF in UTF-8: with its second byte replaced, the string holds invalid UTF-8.
            let invalidFrame = Array(with("x\u{FF}x").utf8).map { $0 == 0xBF ? 0x41 : $0 }
            #expect(Self.agree(invalidFrame) == nil && client.acknowledgedPurchase(invalidFrame[...]) == nil, "\(wire): invalid UTF-8")
        }
    }

    /// Nesting is bounded as the tape bounds it: the codec's `maxDepth` counts the receipt's containers too.
    @Test func depthIsBoundedAsTheTapeBoundsIt() {
        let bytes = Array(Self.reference.utf8)
        for depth in 1...7 {
            let codec = ClientCodec(maxDepth: depth)
            let direct = codec.decodeDirect(bytes)
            let tape: Result<ResponseEnvelope, TillError>
            do { tape = .success(try codec.decodeWithTape(bytes)) } catch { tape = .failure(error) }
            if let direct { #expect(tape == .success(direct)) }
            #expect((direct != nil) == ((try? tape.get()) != nil), "maxDepth \(depth)")
            #expect((direct != nil) == (depth >= 6))  // a punch card sits at depth 6
        }
    }
}
