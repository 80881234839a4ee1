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
    /// Established TLS sessions by negotiated version: TLSv1.2, TLSv1.3, anything else (the server refuses below 1.2).
    let tls12Sessions = Atomic<Int>(0)
    let tls13Sessions = Atomic<Int>(0)
    let otherTLSSessions = Atomic<Int>(0)

    public init() {}

    /// Counts one established TLS session of `version` (OpenSSL's name, `TLSv1.3`).
    func tlsSessionEstablished(version: String) {
        switch version {
        case "TLSv1.3": tls13Sessions.add(1, ordering: .relaxed)
        case "TLSv1.2": tls12Sessions.add(1, ordering: .relaxed)
        default: otherTLSSessions.add(1, ordering: .relaxed)
        }
    }

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
            acceptBackoffs: acceptBackoffs.load(ordering: .relaxed),
            tlsSessionsByVersion: ["TLSv1.2": tls12Sessions.load(ordering: .relaxed), "TLSv1.3": tls13Sessions.load(ordering: .relaxed),
                                   "other": otherTLSSessions.load(ordering: .relaxed)]
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
    /// Established TLS sessions by negotiated version (`TLSv1.2`, `TLSv1.3`, `other`).
    public var tlsSessionsByVersion: [String: Int]
}
