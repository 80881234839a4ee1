import Glibc
import Synchronization
import TillCore
import TillIO

/// How the virtual terminals of a run behave (the same for all of them).
public struct TerminalSettings: Sendable {
    public var address: SocketAddress
    public var tls: TLSContext?
    public var serverName: String?
    /// Requests in flight per terminal (1: a POS waits for each answer).
    public var pipeline: Int
    /// Open loop: requests per second over all terminals; nil for a closed loop.
    public var rate: Double?
    /// Keep a model of every acknowledged receipt for `--verify`.
    public var verify: Bool
    /// Chaos `disconnect`: chance per sent request, in parts per million, that the terminal drops its connection
    /// right after sending.
    public var disconnectPerMillion: Int
    public var seed: UInt64
    public var runId: String
    public var mix: ScenarioMix
    public var builder: BasketBuilder

    public init(address: SocketAddress, tls: TLSContext?, serverName: String?, pipeline: Int, rate: Double?, verify: Bool,
                disconnectPerMillion: Int, seed: UInt64, runId: String, mix: ScenarioMix, builder: BasketBuilder) {
        self.address = address
        self.tls = tls
        self.serverName = serverName
        self.pipeline = pipeline
        self.rate = rate
        self.verify = verify
        self.disconnectPerMillion = disconnectPerMillion
        self.seed = seed
        self.runId = runId
        self.mix = mix
        self.builder = builder
    }
}

/// What every thread of a run shares: whether new requests may start, how many are left, and live counters for the
/// progress line.
///
/// Guarantees: safe from any thread, lock-free on the request path (atomics; only connect failures take a lock);
/// `mayStart` hands out at most the request budget.
public final class RunControl: Sendable {
    private let draining = Atomic<Bool>(false)
    private let started = Atomic<Bool>(false)
    private let budget: Atomic<Int>
    public let completed = Atomic<Int>(0)
    public let purchases = Atomic<Int>(0)
    public let refusals = Atomic<Int>(0)
    public let violations = Atomic<Int>(0)
    public let outstanding = Atomic<Int>(0)
    public let ready = Atomic<Int>(0)
    public let reconnects = Atomic<Int>(0)
    public let resent = Atomic<Int>(0)
    /// Connections that closed or failed before their hello was answered (refused, TLS, key refused).
    public let connectFailures = Atomic<Int>(0)
    private let lastFailure = Mutex<String?>(nil)

    /// Records why a terminal could not connect or say hello (any thread).
    public func noteConnectFailure(_ reason: String) {
        connectFailures.add(1, ordering: .relaxed)
        lastFailure.withLock { $0 = reason }
    }

    /// The latest reason a terminal could not connect, if any did not.
    public var lastConnectFailure: String? { lastFailure.withLock { $0 } }

    /// `requests`: total requests to start; nil for no limit (a timed run).
    public init(requests: Int?) { budget = Atomic(requests ?? Int.max) }

    /// True (and one request taken from the budget) when a new request may start.
    public func mayStart() -> Bool {
        if !started.load(ordering: .relaxed) || draining.load(ordering: .relaxed) { return false }
        return budget.subtract(1, ordering: .relaxed).newValue >= 0
    }

    public var budgetExhausted: Bool { budget.load(ordering: .relaxed) <= 0 }

    /// Lets terminals start requests (they connect and say hello before).
    public func start() { started.store(true, ordering: .relaxed) }
    public var hasStarted: Bool { started.load(ordering: .relaxed) }

    /// No new requests from now on; what is outstanding is still answered and resent.
    public func drain() { draining.store(true, ordering: .relaxed) }
    public var isDraining: Bool { draining.load(ordering: .relaxed) }
}

/// Everything the terminals on one event loop record, touched only on that loop's thread; read after the loop has
/// gone quiet (the run is drained).
///
/// What each answer touches is `@exclusivity(unchecked)` (as in `VirtualTerminal`): one thread, and every access a
/// value-type mutation that calls nothing back (`pumpQueued` iterates a copy of the queue it swapped out).
public final class LoopLedger: @unchecked Sendable {
    @exclusivity(unchecked) public var report = RunReport(label: "loop")
    public var wallets = ExpectedWallets()
    public var violations: [String] = []
    /// Requests planned per scenario, by `Scenario.ordinal` (no hashing per request).
    @exclusivity(unchecked) var scenarioCounts = [UInt64](repeating: 0, count: Scenario.allCases.count)
    /// Requests planned per scenario, those planned at least once.
    public var scenarios: [Scenario: UInt64] {
        Dictionary(uniqueKeysWithValues: Scenario.allCases.filter { scenarioCounts[$0.ordinal] > 0 }.map { ($0, scenarioCounts[$0.ordinal]) })
    }
    /// The open loop's pacer on this loop (nil in a closed loop).
    public var pacer: OpenLoopPacer?
    /// Terminals of this loop, for handing out open-loop slots round-robin.
    public var terminals: [VirtualTerminal] = []
    var cursor = 0
    /// Terminals that got answers in this wake-up and may send next: they send after every answer of the wake-up
    /// was read, every request encoded before the first is written (reads together, then encodes together, then the
    /// TLS writes together: one pass through the decoder's code, one through the encoder's, one through OpenSSL's
    /// and the kernel's, instead of the encoder and the write path evicting each other's code per request).
    @exclusivity(unchecked) private var pumpQueue: [VirtualTerminal] = []
    @exclusivity(unchecked) private var pumping: [VirtualTerminal] = []

    public init() {}

    /// Lets `terminal` send once the loop has handled the current batch of events (loop thread).
    func pumpAfterThisWakeUp(_ terminal: VirtualTerminal) {
        guard !terminal.pumpQueued else { return }
        terminal.pumpQueued = true
        if pumpQueue.isEmpty { terminal.loop.execute { [self] in pumpQueued() } }
        pumpQueue.append(terminal)
    }

    private func pumpQueued() {
        swap(&pumpQueue, &pumping)
        for terminal in pumping {
            terminal.pumpQueued = false
            terminal.pump()
        }
        // Each terminal's requests wait in its own outbox; nothing between the two loops touches a connection (a
        // terminal that closes in `send` writes its outbox first).
        for terminal in pumping { terminal.flush() }
        pumping.removeAll(keepingCapacity: true)
    }

    func note(violation: String) {
        if violations.count < 1_000 { violations.append(violation) }
    }

    /// Hands an open-loop slot due at `start` to the next terminal of this loop.
    func distribute(due start: UInt64) {
        guard !terminals.isEmpty else { return }
        terminals[cursor].assign(slotStartingAt: start)
        cursor = (cursor + 1) % terminals.count
    }
}

/// The wall clock for the simulator's `openedAt` times (latencies use the loops' monotonic clock, a `TimeSource`).
public enum SimClock {
    public static func wallMilliseconds() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
    }
}

