import TillIO

/// When requests of an open-loop run are due: `rate` per second, evenly spaced from `startNanos`.
///
/// Guarantees: the n-th request (from 0) is due at exactly `startNanos + n × 10⁹ / rate` whatever the timer jitter,
/// so a stalled simulator or server produces a backlog of overdue requests whose latency counts from their due time.
public struct OpenLoopSchedule: Sendable {
    public let rate: Double
    public let startNanos: UInt64
    public private(set) var issued: UInt64 = 0

    public init(rate: Double, startNanos: UInt64) {
        precondition(rate > 0, "rate must be positive")
        self.rate = rate
        self.startNanos = startNanos
    }

    /// The schedule of loop `index` of `loops` sharing `rate` from `startNanos`: each loop sends `rate / loops`,
    /// offset by one overall interval per loop, so together they send evenly spaced instead of in bursts of `loops`.
    public static func share(of rate: Double, loop index: Int, of loops: Int, startNanos: UInt64) -> OpenLoopSchedule {
        precondition(loops > 0 && index >= 0 && index < loops, "loop \(index) of \(loops)")
        return OpenLoopSchedule(rate: rate / Double(loops), startNanos: startNanos + UInt64((Double(index) * 1e9 / rate).rounded()))
    }

    /// Due time of request `n`.
    public func dueTime(_ n: UInt64) -> UInt64 { startNanos + UInt64((Double(n) * 1e9 / rate).rounded()) }

    /// When the first request not handed out yet is due.
    public var nextDue: UInt64 { dueTime(issued) }

    /// Hands `body` the due time of every request due at or before `now` and not handed out yet, oldest first.
    public mutating func takeDue(now: UInt64, _ body: (UInt64) -> Void) {
        while dueTime(issued) <= now {
            let due = dueTime(issued)
            issued += 1
            body(due)
        }
    }

    /// The due times of every request due at or before `now` and not handed out yet.
    public mutating func due(now: UInt64) -> [UInt64] {
        var out: [UInt64] = []
        takeDue(now: now) { out.append($0) }
        return out
    }
}

/// Releases an open loop's requests on one event loop at their due times: one timer set for each request's due
/// instant (`EventLoop.scheduleOnLoop(at:)`; the loop waits with nanosecond precision), not a periodic tick, so a
/// request's intended start and its send differ only by real queueing (the loop busy with other work, the terminal
/// still waiting for its previous answer).
///
/// Guarantees: loop thread only; every due time is handed to `deliver` exactly once, in order, never before that
/// instant on the loop's clock; after a stall every overdue request is handed out at once with its own due time;
/// nothing after `stop()`.
public final class OpenLoopPacer {
    public private(set) var schedule: OpenLoopSchedule
    let loop: EventLoop
    let deliver: (UInt64) -> Void
    private var timer: TimerHandle?
    private var stopped = false

    public init(schedule: OpenLoopSchedule, loop: EventLoop, deliver: @escaping (UInt64) -> Void) {
        self.schedule = schedule
        self.loop = loop
        self.deliver = deliver
    }

    /// Hands out what is due now and sets the timer for the next due time (loop thread).
    public func start() {
        loop.preconditionInEventLoop()
        fire()
    }

    /// No more deliveries (loop thread).
    public func stop() {
        stopped = true
        timer?.cancel()
        timer = nil
    }

    private func fire() {
        guard !stopped else { return }
        schedule.takeDue(now: loop.clock.now().nanoseconds, deliver)
        guard !stopped else { return }
        timer = loop.scheduleOnLoop(at: schedule.nextDue) { [self] in fire() }
    }
}
