import Glibc
import Synchronization

/// The time source of an event loop's timers, in nanoseconds on a monotonic scale. Inject `ManualClock` to test
/// timeouts (idle, frame deadline, handshake) without waiting.
public protocol LoopClock: Sendable {
    func nanosecondsNow() -> UInt64
}

/// CLOCK_MONOTONIC: the default.
public struct MonotonicClock: LoopClock {
    public init() {}

    public func nanosecondsNow() -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
    }
}

/// A clock that moves only when told. After `advance(by:)` the loops using it are woken so due timers fire at once
/// (they still fire on the loop thread). Thread-safe.
public final class ManualClock: LoopClock {
    private let now = Atomic<UInt64>(1_000_000_000)
    private let loops = Mutex<[WeakLoop]>([])

    public init() {}

    public func nanosecondsNow() -> UInt64 { now.load(ordering: .acquiring) }

    /// Moves time forward and wakes every loop of groups created with this clock.
    public func advance(by duration: Duration) {
        now.add(EventLoop.nanoseconds(duration), ordering: .acquiringAndReleasing)
        for entry in loops.withLock({ $0 }) { entry.loop?.execute {} }
    }

    func attach(_ loop: EventLoop) { loops.withLock { $0.append(WeakLoop(loop)) } }
}

/// Loops hold their clock, so the clock holds them weakly.
private final class WeakLoop: Sendable {
    weak let loop: EventLoop?
    init(_ loop: EventLoop) { self.loop = loop }
}
