import Synchronization
import TillCore
import TillIO
import TillProtocol
import TillStore

/// Per-op request metrics, created once so the request path only bumps counters.
final class RequestMetrics: Sendable {
    private let latency: [Op: Histogram]
    /// Successful answers per op, created up front: the common case bumps a counter with no lock and no lookup key.
    private let answeredOK: [Op: Counter]
    /// Errors by op and code, created on first use (rare, so a lock is fine).
    private let failures: Mutex<[FailureKey: Counter]>
    /// Errors by code alone (what an alert watches), created on first use.
    private let errors: Mutex<[String: Counter]>
    private let registry: MetricsRegistry

    private struct FailureKey: Hashable {
        let op: Op?
        let code: String
    }

    init(registry: MetricsRegistry) {
        self.registry = registry
        var latency: [Op: Histogram] = [:]
        var answeredOK: [Op: Counter] = [:]
        for op in Op.allCases {
            latency[op] = registry.histogram("till_request_duration_seconds", "Time from a request's frame to its response", labels: ["op": op.rawValue]) {
                Histogram.latencyMicroseconds()
            }
            answeredOK[op] = registry.counter(Self.requestsName, Self.requestsHelp, labels: ["op": op.rawValue, "outcome": "ok"])
        }
        self.latency = latency
        self.answeredOK = answeredOK
        self.failures = Mutex([:])
        self.errors = Mutex([:])
    }

    private static let requestsName = "till_requests_total"
    private static let requestsHelp = "Requests answered, by op and outcome (ok or error code)"

    /// Records one answer: `errorCode` nil for a success.
    func record(op: Op?, errorCode: String?, microseconds: Int64) {
        if let op { latency[op]?.observe(microseconds) }
        if errorCode == nil, let op, let counter = answeredOK[op] {
            counter.add()
            return
        }
        let key = FailureKey(op: op, code: errorCode ?? "ok")
        if let errorCode {
            errors.withLock { table in
                if let existing = table[errorCode] { return existing }
                let created = registry.counter("till_errors_total", "Errors answered, by code", labels: ["code": errorCode])
                table[errorCode] = created
                return created
            }.add()
        }
        let counter = failures.withLock { table in
            if let existing = table[key] { return existing }
            let created = registry.counter(Self.requestsName, Self.requestsHelp, labels: ["op": op?.rawValue ?? "unknown", "outcome": key.code])
            table[key] = created
            return created
        }
        counter.add()
    }
}

/// What every session shares: the router, the limits, metrics, the log, the draining flag.
///
/// Guarantees: all members are Sendable; the in-flight count is exact (incremented when a request is accepted,
/// decremented when its response is handed to the connection or the connection closes).
public final class ServerContext: Sendable {
    public let router: Router
    /// The one time source: the loops' timers, every timeout, deadline and latency, and the wall clock of answers.
    public let time: any TimeSource
    public let configuration: ServerConfiguration
    public let log: Log
    let metrics: RequestMetrics
    let throttle = Mutex(AuthenticationThrottle())
    private let draining = Atomic<Bool>(false)
    private let keys: KeyEpoch
    private let inFlight = InFlightCount()
    /// Sessions alive in memory (created and not yet deinitialized): equals the open connections unless something
    /// keeps a closed session, which the metric `till_sessions_live` makes visible.
    let liveSessions = InFlightCount()
    let serverCodec = ServerCodec()

    /// `keysDisabled` of the router built from `loyalty` and `backOffice` bumps this context's key epoch.
    public init(loyalty: LoyaltyStore, backOffice: BackOffice, configuration: ServerConfiguration, log: Log, registry: MetricsRegistry,
                time: any TimeSource = SystemTime()) {
        self.time = time
        let keys = KeyEpoch()
        self.keys = keys
        self.router = Router(loyalty: loyalty, backOffice: backOffice, keysDisabled: { keys.value.add(1, ordering: .acquiringAndReleasing) })
        self.configuration = configuration
        self.log = log
        self.metrics = RequestMetrics(registry: registry)
        registry.gauge("till_requests_in_flight", "Requests accepted and not yet answered") { [inFlight] in
            Int64(inFlight.value.load(ordering: .relaxed))
        }
        registry.gauge("till_sessions_live", "Client sessions held in memory (should follow till_connections_open)") { [liveSessions] in
            Int64(liveSessions.value.load(ordering: .relaxed))
        }
    }

    /// Bumped whenever a terminal or operator key is disabled: sessions then check their key again.
    public var keyEpoch: UInt64 { keys.value.load(ordering: .acquiring) }
    public func keysChanged() { keys.value.add(1, ordering: .acquiringAndReleasing) }

    /// True once shutdown began: new requests are answered `shutting_down`.
    public var isDraining: Bool { draining.load(ordering: .acquiring) }
    public func beginDraining() { draining.store(true, ordering: .releasing) }

    /// Requests accepted and not yet answered, over all connections.
    public var requestsInFlight: Int { inFlight.value.load(ordering: .acquiring) }
    func requestStarted() { inFlight.value.add(1, ordering: .relaxed) }
    func requestFinished() { inFlight.value.subtract(1, ordering: .releasing) }

}

/// A shared count (requests in flight, sessions alive; a class so a metrics gauge can hold it).
final class InFlightCount: Sendable {
    let value = Atomic<Int>(0)
}

/// The key-revocation epoch (a class so closures can hold it).
final class KeyEpoch: Sendable {
    let value = Atomic<UInt64>(0)
}
