/// Rate-limits failed authentication per client address: each address has a bucket of `burst` attempts that
/// refills at one attempt per `refillMilliseconds`. A `hello` from an address whose bucket is empty is refused
/// without checking the key, so a key cannot be guessed quickly.
///
/// Guarantees: memory is bounded by `maxTrackedAddresses` (the stalest entries are dropped first); time comes from
/// the caller (`nowMilliseconds`), so tests drive it without sleeping. Not thread-safe: one per event loop.
public struct AuthenticationThrottle {
    public let burst: Int
    public let refillMilliseconds: Int64
    public let maxTrackedAddresses: Int
    private var buckets: [String: (tokens: Int, updatedAt: Int64)] = [:]

    public init(burst: Int = 5, refillMilliseconds: Int64 = 2_000, maxTrackedAddresses: Int = 10_000) {
        self.burst = burst
        self.refillMilliseconds = refillMilliseconds
        self.maxTrackedAddresses = maxTrackedAddresses
    }

    /// Whether `address` may try to authenticate now.
    public func mayAttempt(address: String, nowMilliseconds: Int64) -> Bool {
        refill(address, now: nowMilliseconds) > 0
    }

    /// Records a failed attempt (consumes one token).
    public mutating func recordFailure(address: String, nowMilliseconds: Int64) {
        let tokens = refill(address, now: nowMilliseconds)
        if buckets.count >= maxTrackedAddresses && buckets[address] == nil { evictStalest() }
        buckets[address] = (max(0, tokens - 1), nowMilliseconds)
    }

    /// A success forgets the address's failures.
    public mutating func recordSuccess(address: String) {
        buckets[address] = nil
    }

    /// Tokens available now, refilled for the time elapsed (not stored).
    private func refill(_ address: String, now: Int64) -> Int {
        guard let bucket = buckets[address] else { return burst }
        let elapsed = max(0, now - bucket.updatedAt)
        let refilled = Int(elapsed / refillMilliseconds)
        return min(burst, bucket.tokens + refilled)
    }

    private mutating func evictStalest() {
        if let stalest = buckets.min(by: { $0.value.updatedAt < $1.value.updatedAt })?.key {
            buckets[stalest] = nil
        }
    }
}
