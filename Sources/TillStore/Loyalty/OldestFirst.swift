/// A dictionary holding at most `limit` keys, which drops its oldest key to make room for a new one (`HotAccounts`).
///
/// Guarantees: at most `limit` keys; a new key drops the key inserted longest ago among those present (a key removed
/// and inserted again may be dropped as early as its first insertion would have been: still one of the present keys);
/// lookups, insertions and removals stay O(1) amortized however many keys were dropped before, and the insertion
/// order it keeps holds at most about twice `limit` keys.
///
/// Why not `Dictionary.remove(at: startIndex)`: that always empties the table's lowest buckets, so the remaining keys
/// pile up into one long run of occupied buckets, and every lookup that hashes into it probes the run key by key. In
/// tilld the writer's accounts did that after ~500,000 purchases over 100,000 members: its CPU per purchase went from
/// ~110 µs to ~575 µs, most of it in `Dictionary.find` comparing `MemberIdentifier`s (bench/journal.md).
struct OldestFirst<Key: Hashable, Value> {
    let limit: Int
    private var values: [Key: Value] = [:]
    /// Every present key at or after `head` (with the insertion that made it present), and keys since removed.
    private var order: [Key] = []
    private var head = 0

    init(limit: Int) {
        precondition(limit > 0, "a bounded map holds at least one key")
        self.limit = limit
    }

    var count: Int { values.count }

    subscript(key: Key) -> Value? { values[key] }

    /// Sets `value` for `key`; a new key first drops the oldest keys until there is room.
    mutating func set(_ value: Value, for key: Key) {
        if values[key] == nil {
            while values.count >= limit, head < order.count {
                values[order[head]] = nil
                head += 1
            }
            order.append(key)
            compact()
        }
        values[key] = value
    }

    mutating func remove(_ key: Key) { values[key] = nil }

    mutating func removeAll() {
        values.removeAll()
        order.removeAll()
        head = 0
    }

    private mutating func compact() {
        if head >= 1_024 && head * 2 >= order.count {
            order.removeFirst(head)
            head = 0
        }
        // Keys removed (or dropped and inserted again) stay in `order` until reached: past twice the limit, keep only
        // the latest insertion of each present key.
        if order.count - head > 2 * limit + 1_024 {
            var seen = Set<Key>()
            var kept: [Key] = []
            for key in order[head...].reversed() where values[key] != nil && seen.insert(key).inserted { kept.append(key) }
            order = kept.reversed()
            head = 0
        }
    }
}
