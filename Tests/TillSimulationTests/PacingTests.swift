import Dispatch
import Synchronization
import Testing
import TillIO
@testable import TillSimulation

/// Open-loop pacing: a timer per due time on the loop's clock, not a periodic tick.
@Suite struct PacingTests {
    @Test func loopsShareARateEvenlySpaced() {
        var merged: [UInt64] = []
        for i in 0..<2 {
            var schedule = OpenLoopSchedule.share(of: 3_000, loop: i, of: 2, startNanos: 1_000)
            merged += schedule.due(now: 1_000 + 2_000_000)
        }
        merged.sort()
        // 3,000/s over two loops: one request every 333,333 ns overall, not two at once every 666,667 ns.
        #expect(merged.count == 7)
        for (a, b) in zip(merged, merged.dropFirst()) { #expect(b - a >= 333_333 && b - a <= 333_334) }
    }

    /// On a manual clock, every request is handed out when the clock reaches its due time — 333,333 ns apart — and
    /// the loop's clock reads exactly that due time when it is: a 1 ms tick would hand them out late and in bursts.
    @Test func eachRequestIsReleasedAtItsOwnDueTime() throws {
        let clock = ManualClock()
        let group = try EventLoopGroup(loopCount: 1, clock: clock)
        defer { group.shutdown() }
        let loop = group.loops[0]
        let start = clock.now().nanoseconds + 1_000
        let released = Mutex<[(due: UInt64, at: UInt64)]>([])
        let arrived = DispatchSemaphore(value: 0)
        let started = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var pacer: OpenLoopPacer?
        loop.execute {
            pacer = OpenLoopPacer(schedule: OpenLoopSchedule(rate: 3_000, startNanos: start), loop: loop) { due in
                released.withLock { $0.append((due, clock.now().nanoseconds)) }
                arrived.signal()
            }
            pacer!.start()
            started.signal()
        }
        #expect(started.wait(timeout: .now() + 10) == .success)
        #expect(released.withLock { $0.isEmpty }, "nothing is due before the start")
        var expected: [UInt64] = []
        for n in 0..<6 {
            let due = start + UInt64((Double(n) * 1e9 / 3_000).rounded())
            expected.append(due)
            clock.advance(by: .nanoseconds(Int64(due - clock.now().nanoseconds)))
            #expect(arrived.wait(timeout: .now() + 10) == .success, "request \(n) due at +\(due - start) ns was not released")
        }
        let seen = released.withLock { $0 }
        #expect(seen.map(\.due) == expected)
        #expect(seen.map(\.at) == expected, "each released while the clock read its due time")

        // A stall: the clock jumps 1 ms; the three overdue requests go out at once, each with its own due time.
        clock.advance(by: .milliseconds(1))
        for _ in 0..<3 { #expect(arrived.wait(timeout: .now() + 10) == .success) }
        let late = released.withLock { Array($0.dropFirst(6)) }
        #expect(late.map(\.due) == (6..<9).map { start + UInt64((Double($0) * 1e9 / 3_000).rounded()) })

        let stopped = DispatchSemaphore(value: 0)
        loop.execute {
            pacer!.stop()
            stopped.signal()
        }
        #expect(stopped.wait(timeout: .now() + 10) == .success)
        clock.advance(by: .seconds(1))
        let flushed = DispatchSemaphore(value: 0)
        loop.execute { flushed.signal() }
        #expect(flushed.wait(timeout: .now() + 10) == .success)
        #expect(released.withLock { $0.count } == 9, "nothing after stop")
    }
}
