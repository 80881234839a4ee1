import Synchronization

/// Live network counters, updated with relaxed atomics from the loop threads. Read them with `snapshot()`.
public final class IOMetrics: Sendable {
    let openConnections = Atomic<Int>(0)
    let acceptedTotal = Atomic<Int>(0)
    let refusedTotal = Atomic<Int>(0)
    let handshakesOK = Atomic<Int>(0)
    let handshakesFailed = Atomic<Int>(0)
    let bytesIn = Atomic<Int>(0)
    let bytesOut = Atomic<Int>(0)
    let acceptBackoffs = Atomic<Int>(0)

    public init() {}

    /// A consistent-enough copy (each counter read once, relaxed).
    public func snapshot() -> IOMetricsSnapshot {
        IOMetricsSnapshot(
            openConnections: openConnections.load(ordering: .relaxed),
            acceptedTotal: acceptedTotal.load(ordering: .relaxed),
            refusedTotal: refusedTotal.load(ordering: .relaxed),
            tlsHandshakesOK: handshakesOK.load(ordering: .relaxed),
            tlsHandshakesFailed: handshakesFailed.load(ordering: .relaxed),
            bytesIn: bytesIn.load(ordering: .relaxed),
            bytesOut: bytesOut.load(ordering: .relaxed),
            acceptBackoffs: acceptBackoffs.load(ordering: .relaxed)
        )
    }
}

/// A point-in-time copy of `IOMetrics`. Open connections counts both accepted and outbound (`loop.connect`) ones.
public struct IOMetricsSnapshot: Sendable, Equatable {
    public var openConnections: Int
    public var acceptedTotal: Int
    public var refusedTotal: Int
    public var tlsHandshakesOK: Int
    public var tlsHandshakesFailed: Int
    public var bytesIn: Int
    public var bytesOut: Int
    /// Times accepting paused because the process ran out of fds (EMFILE / ENFILE) or kernel memory.
    public var acceptBackoffs: Int
}
