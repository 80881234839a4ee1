/// A log-linear histogram of latencies in microseconds, in the manner of HdrHistogram: values below 64 are exact,
/// larger values fall in buckets 1/32 of their power of two wide (about 3% relative error).
///
/// Guarantees: recording is O(1) and allocation-free; `percentile` never under-reports (it returns the bucket's upper
/// bound); `max` and `count` are exact; histograms merge exactly.
public struct LatencyHistogram: Sendable, Equatable {
    static let exactLimit: UInt64 = 64
    /// Buckets up to 2^40 µs (12 days); larger values are clamped to the last bucket.
    static let bucketCount = 32 * 36 + 64
    private(set) var counts: [UInt64]
    public private(set) var count: UInt64 = 0
    public private(set) var max: UInt64 = 0
    public private(set) var sum: UInt64 = 0

    public init() { counts = Array(repeating: 0, count: Self.bucketCount) }

    public mutating func record(microseconds value: UInt64) {
        counts[Self.index(of: value)] += 1
        count += 1
        sum &+= value
        if value > max { max = value }
    }

    public mutating func merge(_ other: LatencyHistogram) {
        for i in counts.indices { counts[i] += other.counts[i] }
        count += other.count
        sum &+= other.sum
        max = Swift.max(max, other.max)
    }

    /// The latency at or below which `fraction` (0...1) of observations fall, in microseconds.
    public func percentile(_ fraction: Double) -> UInt64 {
        guard count > 0 else { return 0 }
        let rank = Swift.max(1, UInt64((fraction * Double(count)).rounded(.up)))
        var seen: UInt64 = 0
        for (i, c) in counts.enumerated() where c > 0 {
            seen += c
            if seen >= rank { return Swift.min(Self.upperBound(of: i), max) }
        }
        return max
    }

    public var mean: Double { count == 0 ? 0 : Double(sum) / Double(count) }

    static func index(of value: UInt64) -> Int {
        if value < exactLimit { return Int(value) }
        let exponent = (64 - value.leadingZeroBitCount) - 6  // ≥ 1
        let index = 32 * exponent + Int(value >> UInt64(exponent))
        return Swift.min(index, bucketCount - 1)
    }

    /// The largest value that maps to bucket `index`.
    static func upperBound(of index: Int) -> UInt64 {
        if index < Int(exactLimit) { return UInt64(index) }
        let exponent = (index - 32) / 32
        let mantissa = UInt64(index - 32 * exponent)
        return ((mantissa + 1) << UInt64(exponent)) - 1
    }
}
