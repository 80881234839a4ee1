#if canImport(Glibc)
import Glibc
#endif

/// A point on the monotonic clock: nanoseconds since an arbitrary origin, never going back. Timeouts, deadlines and
/// latencies are measured between two instants of the same `TimeSource`.
public struct Instant: Hashable, Comparable, Sendable {
    public var nanoseconds: UInt64

    public init(nanoseconds: UInt64) { self.nanoseconds = nanoseconds }

    public static func < (a: Instant, b: Instant) -> Bool { a.nanoseconds < b.nanoseconds }

    /// This instant moved forward by `duration` (negative durations count as zero).
    public func advanced(by duration: Duration) -> Instant {
        Instant(nanoseconds: nanoseconds &+ Instant.nanoseconds(duration))
    }

    /// Microseconds from `earlier` to this instant (0 when `earlier` is later).
    public func microseconds(since earlier: Instant) -> Int64 {
        nanoseconds > earlier.nanoseconds ? Int64((nanoseconds - earlier.nanoseconds) / 1_000) : 0
    }

    /// A duration in whole nanoseconds, clamped at zero.
    public static func nanoseconds(_ duration: Duration) -> UInt64 {
        let (seconds, attoseconds) = duration.components
        guard seconds >= 0 else { return 0 }
        return UInt64(seconds) * 1_000_000_000 + UInt64(attoseconds / 1_000_000_000)
    }
}

/// Where Till reads the time: the monotonic clock (timeouts, deadlines, latencies) and the wall clock (what is stamped
/// on records and answers). Injected once — `SystemTime` in production, a manual clock in tests — so a test that
/// moves its clock moves every timeout, deadline and latency together.
public protocol TimeSource: Sendable {
    /// Now on the monotonic clock.
    func now() -> Instant
    /// Now on the wall clock, UTC, in milliseconds.
    func wallNow() -> Timestamp
}

/// The system's clocks: CLOCK_MONOTONIC and CLOCK_REALTIME (reading them is the only thing this module asks of the
/// system).
public struct SystemTime: TimeSource {
    public init() {}

    public func now() -> Instant {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Instant(nanoseconds: UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec))
    }

    public func wallNow() -> Timestamp {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Timestamp(millisecondsSinceEpoch: Int64(spec.tv_sec) * 1_000 + Int64(spec.tv_nsec) / 1_000_000)
    }
}
