import Foundation
import Testing
import TillCore
import TillIO
@testable import TillSimulation

@Suite struct BookkeepingTests {
    @Test func outstandingResendsInFirstSendOrderKeepingTheStart() {
        var book = OutstandingRequests()
        for i in 1...5 {
            book.sent(id: Int64(i), .init(planned: PlannedRequest(label: "p\(i)", request: .ping, scenario: .purchase), startNanos: UInt64(i), attempts: 1))
        }
        #expect(book.answered(id: 3)?.planned.label == "p3")
        #expect(book.answered(id: 3) == nil)
        let resend = book.takeAllForResend()
        #expect(resend.map(\.planned.label) == ["p1", "p2", "p4", "p5"] && book.isEmpty)
        book.sent(id: 10, resend[1])
        book.sent(id: 11, resend[0])
        #expect(book.takeAllForResend().map(\.startNanos) == [1, 2])
    }

    @Test func openLoopDueTimesDoNotDrift() {
        var schedule = OpenLoopSchedule(rate: 1_000, startNanos: 1_000)
        #expect(schedule.due(now: 999).isEmpty)
        #expect(schedule.due(now: 1_000) == [1_000])
        let late = schedule.due(now: 1_000 + 10_000_000)
        #expect(late.count == 10 && late.first == 1_001_000 && late.last == 10_001_000)
        #expect(schedule.issued == 11)
    }

    @Test func backoffGrowsAndIsCapped() {
        var backoff = Backoff(floorMilliseconds: 20, ceilingMilliseconds: 1_000)
        var random = SeededRandom(seed: 1)
        let delays = (0..<12).map { _ in backoff.nextDelay(using: &random) }
        #expect(delays[0] >= 20 && delays[0] <= 30)
        #expect(delays.allSatisfy { $0 <= 1_500 } && delays.last! >= 1_000)
        backoff.reset()
        #expect(backoff.nextDelay(using: &random) <= 30)
    }

    @Test func killMomentsAreSeededSpacedAndInsideTheRun() {
        let a = KillSchedule(kills: 3, over: .seconds(20), seed: 9)
        let b = KillSchedule(kills: 3, over: .seconds(20), seed: 9)
        #expect(a.moments == b.moments && a.moments.count == 3)
        #expect(a.moments.allSatisfy { $0 >= .seconds(3) && $0 <= .seconds(17) })
        for (x, y) in zip(a.moments, a.moments.dropFirst()) { #expect(y - x >= .seconds(1)) }
        var s = a
        let early = s.due(elapsed: .zero)
        #expect(!early)
        var fired = 0
        for _ in 0..<5 where s.due(elapsed: .seconds(20)) { fired += 1 }
        #expect(fired == 3)
    }
}
