import Testing
import TillCore
@testable import TillProtocol

/// Answers larger than the session's frame limit: lists that grow with history are cut to fit, the count left out is
/// said, what is kept reads back; a read that cannot be cut is refused; a write's answer is never refused.
@Suite struct AnswerBoundTests {
    let server = ServerCodec()
    let client = ClientCodec()
    typealias F = Fixtures

    func payload(_ frame: [UInt8]) -> [UInt8] { Array(frame[4...]) }

    @Test func anAnswerThatFitsIsUnchanged() throws {
        let env = ResponseEnvelope(id: .int(1), op: .identify, result: .identify(IdentifyResult(members: [F.identified])))
        let (frame, outcome) = AnswerBound.encode(env, limit: 65_536, isWrite: false, codec: server)
        #expect(outcome == .fits && frame == server.encodeResponse(env))
    }

    @Test func identifyKeepsTheFirstBenefitsOfEachMemberAndCountsTheRest() throws {
        let many = (0..<2_000).map { n in
            BenefitSummary(benefitId: "G-\(n)", name: "Free espresso", kind: .gift, status: .active, validFrom: nil, validUntil: nil)
        }
        var big = F.identified
        big.benefits = many
        let env = ResponseEnvelope(id: .int(1), op: .identify, result: .identify(IdentifyResult(members: [big, F.identified])))
        #expect(server.encodeResponse(env).count > 65_540)
        let (frame, outcome) = AnswerBound.encode(env, limit: 65_536, isWrite: false, codec: server)
        #expect(outcome == .trimmed && frame.count - 4 <= 65_536)
        guard case .success(.identify(let result)) = try client.decodeResponse(payload(frame)).outcome else {
            Issue.record("not an identify result")
            return
        }
        let first = result.members[0]
        #expect(first.benefits.count > 100 && first.benefits == Array(many.prefix(first.benefits.count)))
        #expect(Int(first.benefitsOmitted) + first.benefits.count == 2_000)
        #expect(result.members[1] == F.identified, "a short list is not cut")
        // As many as fit: one more benefit would not.
        var oneMore = big
        oneMore.benefits = Array(many.prefix(first.benefits.count + 1))
        oneMore.benefitsOmitted = Int64(2_000 - first.benefits.count - 1)
        let over = ResponseEnvelope(id: .int(1), op: .identify, result: .identify(IdentifyResult(members: [oneMore, F.identified])))
        #expect(server.encodeResponse(over).count - 4 > 65_536)
    }

    @Test func statusKeepsTheNewestReversals() throws {
        let reversals = (0..<400).map { n in
            ReversalReceipt(kind: .return, reversalId: "R-\(n)", transactionId: F.purchase.transactionId, amount: 100, members: [F.reversalMember])
        }
        let status = TransactionStatus(transactionId: F.purchase.transactionId, state: .partiallyReturned, receipt: F.receipt, reversals: reversals)
        let env = ResponseEnvelope(id: .int(1), op: .status, result: .status(status))
        let (frame, outcome) = AnswerBound.encode(env, limit: 16_384, isWrite: false, codec: server)
        #expect(outcome == .trimmed && frame.count - 4 <= 16_384)
        guard case .success(.status(let read)) = try client.decodeResponse(payload(frame)).outcome else {
            Issue.record("not a status")
            return
        }
        #expect(read.receipt == F.receipt && read.reversals.last?.reversalId == "R-399")
        #expect(Int(read.reversalsOmitted) + read.reversals.count == 400 && read.reversals.first?.reversalId == "R-\(read.reversalsOmitted)")
    }

    @Test func aProfileKeepsItsNewestNotesAndStatusChanges() throws {
        var profile = F.profile
        profile.notes = (0..<500).map { MemberNote(at: F.ts("2026-03-02T09:00:00Z"), author: "alice", text: "note \($0) " + String(repeating: "x", count: 900)) }
        profile.statusHistory = (0..<300).map { n in StatusChange(at: F.ts("2025-11-20T08:15:00Z"), from: nil, to: n % 2 == 0 ? .active : .blocked, source: .pos) }
        let env = ResponseEnvelope(id: .string("o"), op: .memberGet, result: .operator(.member(profile)))
        let (frame, outcome) = AnswerBound.encode(env, limit: 327_680, isWrite: false, codec: server)
        #expect(outcome == .trimmed && frame.count - 4 <= 327_680)
        guard case .success(.operator(.member(let read))) = try client.decodeResponse(payload(frame)).outcome else {
            Issue.record("not a profile")
            return
        }
        #expect(read.notes.first?.text.hasPrefix("note 0 ") == true && Int(read.notesOmitted) + read.notes.count == 500)
        #expect(read.statusHistory.count + Int(read.statusHistoryOmitted) == 300)
    }

    @Test func aReadThatCannotBeCutIsRefusedAndAWriteIsSentWhole() throws {
        let export = DataExport(memberKey: "M-1", generatedAt: F.ts("2026-03-02T09:00:00Z"), ndjson: String(repeating: "{}\n", count: 200_000))
        let read = ResponseEnvelope(id: .string("o"), op: .memberExport, result: .operator(.export(export)))
        let (refusal, outcome) = AnswerBound.encode(read, limit: 327_680, isWrite: false, codec: server)
        #expect(outcome == .refused(bytes: server.encodeResponse(read).count - 4))
        let error = try client.decodeResponse(payload(refusal))
        #expect(error.id == .string("o"))
        guard case .failure(.notAllowed(nil, let reason)) = error.outcome else {
            Issue.record("expected not_allowed")
            return
        }
        #expect(reason.contains("frame limit"))
        var profile = F.profile
        profile.notes = (0..<10).map { MemberNote(at: F.ts("2026-03-02T09:00:00Z"), author: "alice", text: "n\($0)") }
        let write = ResponseEnvelope(id: .string("w"), op: .memberNote, result: .operator(.member(profile)))
        let (sent, writeOutcome) = AnswerBound.encode(write, limit: 300, isWrite: true, codec: server)
        #expect(writeOutcome == .trimmed || writeOutcome == .oversized(bytes: server.encodeResponse(write).count - 4))
        guard case .success(.operator(.member(let sentProfile))) = try client.decodeResponse(payload(sent)).outcome else {
            Issue.record("a write's answer must stay an answer")
            return
        }
        #expect(sentProfile.memberKey == profile.memberKey)
    }
}
