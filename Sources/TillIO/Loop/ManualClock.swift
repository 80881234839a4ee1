import Synchronization
import TillCore

/// A clock that moves only when told: its monotonic and wall readings move together. After `advance(by:)` the loops
/// using it are woken so due timers fire at once (they still fire on the loop thread). Inject it (as the daemon's
/// `TimeSource`) to test timeouts, deadlines and latencies without waiting. Thread-safe.
public final class ManualClock: TimeSource {
    private let elapsed = Atomic<UInt64>(1_000_000_000)
    private let wallOrigin: Timestamp
    private let loops = Mutex<[WeakLoop]>([])

    /// `wall`: what `wallNow()` answers before the first `advance`.
    public init(wall: Timestamp = Timestamp(millisecondsSinceEpoch: 1_767_225_600_000)) {
        self.wallOrigin = wall
    }

    public func now() -> Instant { Instant(nanoseconds: elapsed.load(ordering: .acquiring)) }

    public func wallNow() -> Timestamp {
        let movedMilliseconds = Int64((elapsed.load(ordering: .acquiring) - 1_000_000_000) / 1_000_000)
        return Timestamp(millisecondsSinceEpoch: wallOrigin.millisecondsSinceEpoch + movedMilliseconds)
    }

    /// Moves time forward and wakes every loop of groups created with this clock.
    public func advance(by duration: Duration) {
        elapsed.add(Instant.nanoseconds(duration), ordering: .acquiringAndReleasing)
        for entry in loops.withLock({ $0 }) { entry.loop?.execute {} }
    }

    func attach(_ loop: EventLoop) { loops.withLock { $0.append(WeakLoop(loop)) } }
}

/// Loops hold their clock, so the clock holds them weakly.
private final class WeakLoop: Sendable {
    weak let loop: EventLoop?
    init(_ loop: EventLoop) { self.loop = loop }
}
