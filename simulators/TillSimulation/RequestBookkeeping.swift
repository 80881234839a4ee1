/// The requests one virtual terminal has sent and not yet seen finally answered, in the order they were first sent.
///
/// Guarantees: an entry keeps the time its request was *meant* to start (the intended time in an open loop), so a
/// request resent after a reconnect or an `overloaded` answer is measured from its first intended start, never from
/// the resend (no coordinated omission); `takeAllForResend` hands entries back in first-send order.
public struct OutstandingRequests: Sendable {
    public struct Entry: Sendable {
        public var planned: PlannedRequest
        /// Monotonic nanoseconds when the request was meant to start.
        public var startNanos: UInt64
        /// Times sent so far (1 after the first send).
        public var attempts: Int
        /// Monotonic nanoseconds of the first send (0 before it): an open loop also reports latency from here, the
        /// server's service time without the simulator's own pacing lag.
        public var firstSentNanos: UInt64 = 0
        /// First-send order, for resending in order.
        var serial: UInt64 = 0
    }

    /// In flight, in the order sent, with their wire ids at the same positions: at most the pipeline depth (1 to 64)
    /// plus a duplicate, and answers come back mostly in order, so a scan from the front finds an answer's entry at
    /// once (no hashing per request; entries are moved in and out, never copied).
    private var ids: [Int64] = []
    private var entries: [Entry] = []
    private var serial: UInt64 = 0

    public init() {}

    public var count: Int { entries.count }
    public var isEmpty: Bool { entries.isEmpty }

    /// Records that `entry` went out under wire id `id` (a wire id is used once per terminal and connection).
    public mutating func sent(id: Int64, _ entry: consuming Entry) {
        if entry.serial == 0 {
            serial += 1
            entry.serial = serial
        }
        ids.append(id)
        entries.append(consume entry)
    }

    /// The entry answered by `id`, removed; nil for an id this terminal is not waiting for.
    public mutating func answered(id: Int64) -> Entry? {
        if ids.count == 1 && ids[0] == id {  // a closed loop at depth 1
            ids.removeAll(keepingCapacity: true)
            return entries.popLast()
        }
        guard let k = ids.firstIndex(of: id) else { return nil }
        ids.remove(at: k)
        return entries.remove(at: k)
    }

    /// Every entry, removed, oldest first: the connection was lost and they must go out again.
    public mutating func takeAllForResend() -> [Entry] {
        let all = entries.sorted { $0.serial < $1.serial }
        ids.removeAll()
        entries.removeAll()
        return all
    }
}

/// Reconnect back-off after a lost connection: 20 ms doubling to 1 s, with seeded jitter.
///
/// Guarantees: never above `ceiling` + 50% jitter; `reset` after a successful hello.
public struct Backoff: Sendable {
    public let floorMilliseconds: Int
    public let ceilingMilliseconds: Int
    public private(set) var failures = 0

    public init(floorMilliseconds: Int = 20, ceilingMilliseconds: Int = 1_000) {
        self.floorMilliseconds = floorMilliseconds
        self.ceilingMilliseconds = ceilingMilliseconds
    }

    public mutating func nextDelay(using random: inout SeededRandom) -> Int {
        let base = min(ceilingMilliseconds, floorMilliseconds << min(failures, 16))
        failures += 1
        return base + random.int(0...max(0, base / 2))
    }

    public mutating func reset() { failures = 0 }
}
