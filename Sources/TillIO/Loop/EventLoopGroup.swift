import Synchronization
import TillCore

/// N event loops, one thread each, handed out round-robin by `next()`. Owns the shared `IOMetrics`.
/// Guarantees: `shutdown()` stops every loop, closes every connection and listener still registered (handlers get
/// `closed(.loopShutdown)`), and joins the threads.
public final class EventLoopGroup: Sendable {
    public let loops: [EventLoop]
    /// Counters shared by every connection and listener on these loops.
    public let metrics: IOMetrics
    private let counter = Atomic<Int>(0)
    private let isShutDown = Atomic<Bool>(false)

    /// Starts `loopCount` loops (default: one per core) whose timers follow `clock`. `timerSlack` (nil: the kernel
    /// default of 50 µs) is how late the kernel may wake a loop for a timer: a load generator that sends on a
    /// schedule asks for about a microsecond.
    public init(loopCount: Int = ProcessResources.coreCount, clock: any TimeSource = SystemTime(), timerSlack: Duration? = nil) throws(IOError) {
        guard loopCount > 0 else { throw .invalidArgument("loopCount \(loopCount)") }
        let metrics = IOMetrics()
        var loops: [EventLoop] = []
        for index in 0..<loopCount { loops.append(try EventLoop(index: index, metrics: metrics, clock: clock)) }
        self.metrics = metrics
        self.loops = loops
        for loop in loops { loop.start(timerSlack: timerSlack) }
    }

    /// The next loop, round-robin.
    public func next() -> EventLoop {
        loops[counter.add(1, ordering: .relaxed).oldValue % loops.count]
    }

    /// Stops all loops and waits for their threads. Idempotent. Must not be called from a loop thread.
    public func shutdown() {
        guard !isShutDown.exchange(true, ordering: .acquiringAndReleasing) else { return }
        precondition(!loops.contains { $0.inEventLoop }, "shutdown() called on an event loop")
        for loop in loops { loop.stop() }
        for loop in loops { loop.waitUntilFinished() }
    }

    /// Without an explicit `shutdown()`, the loops are stopped but not joined (the last reference may be dropped on
    /// a loop thread, which cannot wait for itself).
    deinit {
        guard !isShutDown.exchange(true, ordering: .acquiringAndReleasing) else { return }
        for loop in loops { loop.stop() }
    }
}
