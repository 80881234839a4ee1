/// A map from a basket's strings (line ids, item codes, departments) to line positions, with `String` equality
/// (canonical equivalence, as `[String: Int]`) but without hashing each key through `Hasher`: SipHash costs about
/// 400 instructions per short code, and a basket at the maxima hashes 1,000 of them.
///
/// Guarantees: `updateValue(_:forKey:)` and `subscript` answer exactly as a `[String: Int]` would. While every key
/// is ASCII — where equal strings have equal bytes — keys sit in an open-addressed table under an FNV-1a hash of
/// their bytes. A non-ASCII key, a probe run longer than `maxProbe` (colliding keys: the work per key stays
/// bounded whatever the input) or a full table moves every entry into a `[String: Int]`, which answers from then
/// on. A non-ASCII probe of the ASCII table is compared with every key (`"\u{212A}"`, the Kelvin sign, equals `"K"`).
struct LineKeys {
    /// Slots a probe may visit before the table gives way to a `Dictionary`.
    static let maxProbe = 16

    private var keys: [String] = []
    private var values: [Int] = []
    /// Open addressing, a power of two long: 0 is empty, `k + 1` names `keys[k]`.
    private var slots: [Int32]
    private var dictionary: [String: Int]?

    /// Room for `capacity` keys without growing.
    init(capacity: Int) {
        var size = 16
        while size < 2 * capacity { size *= 2 }
        slots = [Int32].filled(0, count: size)
        keys.reserveCapacity(capacity)
        values.reserveCapacity(capacity)
    }

    subscript(key: String) -> Int? {
        if let dictionary { return dictionary[key] }
        guard let hash = Self.asciiHash(key) else {
            for k in keys.indices where keys[k] == key { return values[k] }
            return nil
        }
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: hash) & mask
        while slots[slot] != 0 {
            let k = Int(slots[slot]) - 1
            if keys[k] == key { return values[k] }
            slot = (slot + 1) & mask
        }
        return nil
    }

    /// Sets `key`'s value to `value`; the value it had, if any.
    mutating func updateValue(_ value: Int, forKey key: String) -> Int? {
        if dictionary != nil { return dictionary!.updateValue(value, forKey: key) }
        guard let hash = Self.asciiHash(key), 2 * (keys.count + 1) <= slots.count else {
            useDictionary()
            return dictionary!.updateValue(value, forKey: key)
        }
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: hash) & mask
        var probes = 0
        while slots[slot] != 0 {
            let k = Int(slots[slot]) - 1
            if keys[k] == key {
                let old = values[k]
                values[k] = value
                return old
            }
            probes += 1
            guard probes < Self.maxProbe else {
                useDictionary()
                return dictionary!.updateValue(value, forKey: key)
            }
            slot = (slot + 1) & mask
        }
        keys.append(key)
        values.append(value)
        slots[slot] = Int32(keys.count)
        return nil
    }

    /// Moves every entry into `dictionary`, which answers from then on.
    private mutating func useDictionary() {
        var d = [String: Int](minimumCapacity: keys.capacity)
        for k in keys.indices { d[keys[k]] = values[k] }
        dictionary = d
        keys = []
        values = []
        slots = []
    }

    /// FNV-1a (64-bit) of `key`'s UTF-8 bytes, or nil when a byte is not ASCII.
    static func asciiHash(_ key: String) -> UInt64? {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        var all: UInt8 = 0
        let bytes = key.utf8Span.span  // a third of the instructions of iterating `key.utf8`
        for i in bytes.indices {
            all |= bytes[i]
            hash = (hash ^ UInt64(bytes[i])) &* 0x0000_0100_0000_01B3
        }
        return all < 0x80 ? hash : nil
    }
}
