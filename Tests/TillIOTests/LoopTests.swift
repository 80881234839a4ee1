import Dispatch
import Glibc
import Synchronization
import Testing

@testable import TillIO

@Suite("Event loop: tasks, timers, buffers")
struct LoopTests {
    @Test func executeFromManyThreadsRunsEveryTaskOnTheLoop() throws {
        let group = try EventLoopGroup(loopCount: 1)
        defer { group.shutdown() }
        let loop = group.next()
        let perThread = 10_000
        let threads = 4
        let ran = Atomic<Int>(0)
        let offLoop = Atomic<Int>(0)
        let done = DispatchSemaphore(value: 0)
        DispatchQueue.concurrentPerform(iterations: threads) { _ in
            for _ in 0..<perThread {
                loop.execute {
                    if !loop.inEventLoop { offLoop.add(1, ordering: .relaxed) }
                    if ran.add(1, ordering: .relaxed).newValue == perThread * threads { done.signal() }
                }
            }
        }
        #expect(done.wait(timeout: .now() + 30) == .success)
        #expect(ran.load(ordering: .relaxed) == perThread * threads)
        #expect(offLoop.load(ordering: .relaxed) == 0)
    }

    /// An answer owed to the loop (`expectAnswer`) may arrive while the loop polls for it (no eventfd write) or after it
    /// went to sleep (eventfd): every one must be run, none lost between the two. Answers come back from another
    /// thread after seeded delays on both sides of the poll window; a lost wake-up shows as a round trip that never ends.
    @Test func owedAnswersArriveWhetherTheLoopPollsOrSleeps() throws {
        let group = try EventLoopGroup(loopCount: 1)
        defer { group.shutdown() }
        let loop = group.next()
        let answerer = DispatchQueue(label: "answerer")
        var random = UInt64(0x5EED)
        for round in 0..<2_000 {
            random = random &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let delay = Int((random >> 33) % 400)  // µs: inside and beyond the 200 µs poll
            let done = DispatchSemaphore(value: 0)
            loop.execute {
                loop.expectAnswer()
                answerer.async {
                    if delay > 0 { usleep(UInt32(delay)) }
                    loop.execute {
                        loop.answerArrived()
                        done.signal()
                    }
                }
            }
            guard done.wait(timeout: .now() + 5) == .success else {
                Issue.record("round \(round): the owed answer (after \(delay) µs) was never run")
                return
            }
        }
    }

    @Test func timersFireInOrderAndCancelledOnesDoNot() throws {
        let group = try EventLoopGroup(loopCount: 1)
        defer { group.shutdown() }
        let loop = group.next()
        let fired = Mutex<[Int]>([])
        let done = DispatchSemaphore(value: 0)
        let cancelled = loop.schedule(after: .milliseconds(5)) { fired.withLock { $0.append(-1) } }
        cancelled.cancel()
        loop.schedule(after: .milliseconds(30)) {
            fired.withLock { $0.append(2) }
            done.signal()
        }
        loop.schedule(after: .milliseconds(10)) { fired.withLock { $0.append(1) } }
        #expect(done.wait(timeout: .now() + 10) == .success)
        #expect(fired.withLock { $0 } == [1, 2])
    }

    @Test func theLoopWaitsExactlyUntilTheNextTimer() {
        #expect(EventLoop.waitTimeout(deadline: nil, now: 5) == -1)
        #expect(EventLoop.waitTimeout(deadline: 5, now: 9) == 0)
        #expect(EventLoop.waitTimeout(deadline: 1_300_000, now: 1_000_000) == 300_000, "300 µs, not rounded up to a millisecond")
        #expect(EventLoop.waitTimeout(deadline: 600_000_000_000, now: 0) == 60_000_000_000)
    }

    /// Where `epoll_pwait2` is missing or filtered the loop waits with `epoll_wait` (millisecond timeouts): timers
    /// still fire, in order.
    @Test func timersFireWithTheMillisecondFallback() throws {
        Posix.epollPwait2Missing.store(true, ordering: .relaxed)
        defer { Posix.epollPwait2Missing.store(false, ordering: .relaxed) }
        let group = try EventLoopGroup(loopCount: 1)
        defer { group.shutdown() }
        let loop = group.next()
        let fired = Mutex<[Int]>([])
        let done = DispatchSemaphore(value: 0)
        loop.schedule(after: .microseconds(2_500)) {
            fired.withLock { $0.append(2) }
            done.signal()
        }
        loop.schedule(after: .microseconds(300)) { fired.withLock { $0.append(1) } }
        #expect(done.wait(timeout: .now() + 10) == .success)
        #expect(fired.withLock { $0 } == [1, 2])
    }

    @Test func timerQueueOrdersByDeadlineThenSchedulingOrder() {
        var queue = TimerQueue<String>()
        queue.schedule(id: 1, deadline: 300, "c")
        queue.schedule(id: 2, deadline: 100, "a")
        queue.schedule(id: 3, deadline: 100, "b")
        queue.schedule(id: 4, deadline: 200, "x")
        queue.cancel(id: 4)
        #expect(queue.nextDeadline() == 100)
        #expect(queue.popDue(now: 99) == [])
        #expect(queue.popDue(now: 250) == ["a", "b"])
        #expect(queue.nextDeadline() == 300)
        #expect(queue.popDue(now: 1_000) == ["c"])
        #expect(queue.nextDeadline() == nil)
        #expect(queue.count == 0)
    }

    @Test func pendingWritesCoalesceAndTrackPartialSends() {
        var pending = PendingWrites()
        pending.append([1, 2, 3])
        pending.append([4, 5])
        #expect(pending.byteCount == 5)
        var seen: [UInt8] = []
        #expect(
            pending.sendFirst { bytes in
                seen = Array(bytes.prefix(2))
                return 2
            } == 2
        )
        #expect(seen == [1, 2])
        #expect(pending.byteCount == 3)
        #expect(
            pending.sendFirst { bytes in
                seen = Array(bytes)
                return bytes.count
            } == 3
        )
        #expect(seen == [3, 4, 5])
        #expect(pending.isEmpty)
        pending.append([UInt8](repeating: 0, count: PendingWrites.coalesceLimit))
        pending.append([9])
        #expect(pending.sendFirst { $0.count } == PendingWrites.coalesceLimit)
        #expect(pending.sendFirst { $0.count } == 1)
    }

    @Test func socketAddressParsesAndFormats() throws {
        let address = try SocketAddress(host: "127.0.0.1", port: 8443)
        #expect(address.port == 8443)
        #expect(address.description == "127.0.0.1:8443")
        let v6 = try SocketAddress(host: "::1", port: 1)
        #expect(v6.description == "[::1]:1")
        #expect(throws: IOError.self) { try SocketAddress(host: "127.0.0.1", port: 70_000) }
    }
}

@Suite("Signals")
struct SignalTests {
    @Test func signalIsDeliveredOnTheLoop() throws {
        // Blocked here, so the loop thread created below inherits the mask; the signal is raised on the loop thread
        // itself (thread-directed), so no other thread of the test process can receive it.
        try SignalSource.block([SIGUSR2])
        let group = try EventLoopGroup(loopCount: 1)
        defer { group.shutdown() }
        let received = Mutex<[Int32]>([])
        let done = DispatchSemaphore(value: 0)
        let loop = group.next()
        let source = try SignalSource(signals: [SIGUSR2], loop: loop) { signal in
            received.withLock { $0.append(signal) }
            done.signal()
        }
        defer { source.close() }
        loop.execute { raise(SIGUSR2) }
        #expect(done.wait(timeout: .now() + 10) == .success)
        #expect(received.withLock { $0 } == [SIGUSR2])
    }
}
