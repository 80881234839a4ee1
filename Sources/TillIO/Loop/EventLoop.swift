import CLinux
import Foundation
import Glibc
import Synchronization
import TillCore

/// Something registered with a loop's selector: a connection or a listener. Called on the loop thread only.
protocol Selectable: AnyObject {
    func ready(_ event: ReadyEvent)
    /// The loop is shutting down: close without further callbacks into the selector.
    func loopShutdown()
}

/// A reactor on one thread: epoll (level-triggered), timers, and a task queue other threads feed through
/// `execute(_:)`.
///
/// Guarantees: every connection callback, timer and task runs on this loop's thread, in order of readiness;
/// `execute` is safe from any thread and wakes the loop with at most one eventfd write per batch of tasks (no Swift
/// concurrency hop); events for an fd closed and reused within one wait are dropped (registration ids).
///
/// `@unchecked Sendable`: the selector, registrations, timers and read buffer are touched only on the loop thread
/// (checked with `preconditionInEventLoop`); what other threads use (task queue, wake flag, thread id, pending
/// timer commands) is in `Mutex` / `Atomic`.
public final class EventLoop: @unchecked Sendable {
    /// The loop's index in its group, for logs.
    public let index: Int
    let metrics: IOMetrics
    /// The time source of this loop's timers.
    public let clock: any TimeSource
    let selector: Selector
    let readBuffer = ReadBuffer(capacity: 64 * 1024)

    private let tasks = Mutex<[@Sendable () -> Void]>([])
    private let wakePending = Atomic<Bool>(false)
    /// True while the loop polls its task queue for an owed answer (see `expectAnswer()`): `execute` then needs no
    /// eventfd wake-up.
    private let polling = Atomic<Bool>(false)
    /// Answers other threads owe this loop (reads handed to reader threads), and until when (system monotonic
    /// nanoseconds) the loop polls for them. Loop thread only.
    private var answersOwed = 0
    private var pollUntil: UInt64 = 0
    private let threadID = Atomic<UInt>(0)
    private let stopped = Atomic<Bool>(false)
    private let nextTimerID = Atomic<UInt64>(1)
    private let finished = DispatchSemaphore(value: 0)

    private var registrations: [Int32: (id: UInt32, target: Selectable)] = [:]
    private var nextRegistrationID: UInt32 = 0
    private var closing = false
    private var timers = TimerQueue<() -> Void>()

    init(index: Int, metrics: IOMetrics, clock: any TimeSource) throws(IOError) {
        ProcessResources.ignoreSIGPIPE()
        self.index = index
        self.metrics = metrics
        self.clock = clock
        selector = try Selector()
        (clock as? ManualClock)?.attach(self)
    }

    /// Starts the loop's thread; `timerSlack` (nil: the kernel's 50 µs) bounds how late its timers may fire.
    func start(timerSlack: Duration? = nil) {
        let thread = Thread { [self] in
            threadID.store(UInt(pthread_self()), ordering: .releasing)
            if let timerSlack { try? Posix.setTimerSlack(nanoseconds: UInt(max(1, Instant.nanoseconds(timerSlack)))) }
            run()
            finished.signal()
        }
        thread.name = "till-io-\(index)"
        thread.start()
    }

    /// True when called on this loop's thread.
    public var inEventLoop: Bool { threadID.load(ordering: .acquiring) == UInt(pthread_self()) }

    public func preconditionInEventLoop(file: StaticString = #fileID, line: UInt = #line) {
        precondition(inEventLoop, "not on event loop \(index)", file: file, line: line)
    }

    /// Runs `task` on the loop thread soon (after the current event batch). Safe from any thread; tasks run in
    /// submission order. Dropped silently after shutdown.
    public func execute(_ task: @escaping @Sendable () -> Void) {
        tasks.withLock { $0.append(task) }
        // A polling loop sees the task without a wake-up: it checks the queue after it stops polling (sequentially
        // consistent flag, and the queue's mutex orders the check after this append or this load after the check).
        if !inEventLoop && !polling.load(ordering: .sequentiallyConsistent)
            && !wakePending.exchange(true, ordering: .acquiringAndReleasing) {
            selector.wakeUp()
        }
    }

    /// How long the loop polls for an owed answer before it sleeps in epoll: a short read (identify, status) comes back
    /// within it, which saves the eventfd write and the epoll wake-up (tens of microseconds each on a VM).
    public static let answerPoll: Duration = .microseconds(200)

    /// Another thread now owes this loop an answer (a read handed to a reader thread); `answerArrived()` when it is
    /// in. While one is owed, for up to `answerPoll` after the latest was expected, the loop polls epoll with a zero
    /// timeout instead of sleeping: sockets and timers are served as usual, and the answer needs no wake-up.
    public func expectAnswer() {
        preconditionInEventLoop()
        answersOwed += 1
        // Wall time on the system's monotonic clock: a manual test clock does not move while the loop polls.
        pollUntil = SystemTime().now().nanoseconds &+ Instant.nanoseconds(Self.answerPoll)
    }

    public func answerArrived() {
        preconditionInEventLoop()
        precondition(answersOwed > 0, "an answer arrived that was not expected")
        answersOwed -= 1
    }

    /// Runs `body` on the loop after `delay`. Safe from any thread.
    @discardableResult
    public func schedule(after delay: Duration, _ body: @escaping @Sendable () -> Void) -> TimerHandle {
        let id = nextTimerID.add(1, ordering: .relaxed).oldValue
        let deadline = clock.now().nanoseconds + Instant.nanoseconds(delay)
        if inEventLoop {
            timers.schedule(id: id, deadline: deadline, body)
        } else {
            execute { self.timers.schedule(id: id, deadline: deadline, body) }
        }
        return TimerHandle(id: id, loop: self)
    }

    /// Like `schedule(after:_:)` for a non-Sendable closure; must be called on the loop thread.
    @discardableResult
    public func scheduleOnLoop(after delay: Duration, _ body: @escaping () -> Void) -> TimerHandle {
        preconditionInEventLoop()
        let id = nextTimerID.add(1, ordering: .relaxed).oldValue
        timers.schedule(id: id, deadline: clock.now().nanoseconds + Instant.nanoseconds(delay), body)
        return TimerHandle(id: id, loop: self)
    }

    /// Runs `body` on the loop when the loop's clock reaches `deadline` (nanoseconds on `clock`'s scale; at once
    /// when it has passed): a timer per instant, for senders that keep a schedule. Must be called on the loop thread.
    @discardableResult
    public func scheduleOnLoop(at deadline: UInt64, _ body: @escaping () -> Void) -> TimerHandle {
        preconditionInEventLoop()
        let id = nextTimerID.add(1, ordering: .relaxed).oldValue
        timers.schedule(id: id, deadline: deadline, body)
        return TimerHandle(id: id, loop: self)
    }

    func cancelTimer(id: UInt64) {
        if inEventLoop {
            timers.cancel(id: id)
        } else {
            execute { self.timers.cancel(id: id) }
        }
    }

    // MARK: Registrations (loop thread only)

    func register(_ target: Selectable, fd: Int32, interest: Interest) throws(IOError) -> UInt32 {
        if closing { throw .eventLoopShutDown }
        nextRegistrationID = nextRegistrationID &+ 1
        if nextRegistrationID == 0 || nextRegistrationID == .max { nextRegistrationID = 1 }
        try selector.register(fd: fd, id: nextRegistrationID, interest: interest)
        registrations[fd] = (nextRegistrationID, target)
        return nextRegistrationID
    }

    func reregister(fd: Int32, id: UInt32, interest: Interest) throws(IOError) {
        try selector.reregister(fd: fd, id: id, interest: interest)
    }

    /// Removes `fd` from epoll and the table; call before closing the fd.
    func deregister(fd: Int32) {
        selector.deregister(fd: fd)
        registrations.removeValue(forKey: fd)
    }

    // MARK: Running

    func stop() {
        stopped.store(true, ordering: .releasing)
        selector.wakeUp()
    }

    func waitUntilFinished() { finished.wait() }

    private func run() {
        while !stopped.load(ordering: .acquiring) {
            var timeout = nextTimeout()
            let polls = timeout != 0 && answersOwed > 0 && SystemTime().now().nanoseconds < pollUntil
            if polls {
                polling.store(true, ordering: .sequentiallyConsistent)
                timeout = 0
            }
            var served = false
            do {
                _ = try selector.wait(timeoutNanoseconds: timeout) { event in
                    served = true
                    guard let entry = registrations[event.fd], entry.id == event.registrationID else { return }
                    entry.target.ready(event)
                }
            } catch {
                fatalError("epoll_wait: \(error)")  // EBADF / EINVAL here mean the loop itself is broken
            }
            if polls {
                // An idle poll gives the core away once, so that a reader thread on this core can finish the answer.
                if !served { sched_yield() }
                // Cleared before `runTasks` looks at the queue: a task appended while the flag was set (no wake-up) is
                // seen there; the loop never sleeps with the flag set (its wait above had a zero timeout).
                polling.store(false, ordering: .sequentiallyConsistent)
            }
            for action in timers.popDue(now: clock.now().nanoseconds) { action() }
            runTasks()
        }
        runTasks()
        closing = true  // from here on registrations are refused, so tasks cannot leak fds
        for (_, entry) in registrations { entry.target.loopShutdown() }
        registrations.removeAll()
        runTasks()
    }

    private func runTasks() {
        wakePending.store(false, ordering: .releasing)
        while true {
            let batch = tasks.withLock { queue -> [@Sendable () -> Void] in
                let batch = queue
                queue.removeAll(keepingCapacity: true)
                return batch
            }
            if batch.isEmpty { return }
            for task in batch { task() }
        }
    }

    private func nextTimeout() -> Int64 {
        if !tasks.withLock({ $0.isEmpty }) { return 0 }
        return Self.waitTimeout(deadline: timers.nextDeadline(), now: clock.now().nanoseconds)
    }

    /// How long the selector may wait, in nanoseconds (-1: forever), for the earliest timer `deadline`: exactly until
    /// it (no rounding to milliseconds: an open-loop sender's timer fires at its send time), at most a minute.
    static func waitTimeout(deadline: UInt64?, now: UInt64) -> Int64 {
        guard let deadline else { return -1 }
        if deadline <= now { return 0 }
        return Int64(min(deadline - now, 60_000_000_000))
    }

}

/// A scheduled timer; `cancel()` is safe from any thread and a no-op once the timer has fired.
public struct TimerHandle: Sendable {
    let id: UInt64
    let loop: EventLoop

    public func cancel() { loop.cancelTimer(id: id) }
}

/// The per-loop read buffer every connection on the loop reads into, so idle connections hold no read memory.
/// Loop thread only.
final class ReadBuffer {
    var bytes: [UInt8]
    init(capacity: Int) { bytes = [UInt8](repeating: 0, count: capacity) }
}
