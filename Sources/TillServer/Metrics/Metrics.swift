import Foundation
import Synchronization

/// A monotonically increasing count, safe to bump from any thread.
public final class Counter: Sendable {
    private let value = Atomic<UInt64>(0)
    public init() {}
    public func add(_ amount: UInt64 = 1) { value.add(amount, ordering: .relaxed) }
    public var current: UInt64 { value.load(ordering: .relaxed) }
}

/// A distribution of integer observations (microseconds, batch sizes) over fixed upper bounds.
///
/// Guarantees: `count` and `sum` match the observations exactly; bucket counts are cumulative when rendered.
public final class Histogram: Sendable {
    /// Upper bounds, ascending, in the unit observed.
    public let bounds: [Int64]
    /// Rendered bounds and sums are divided by this (1,000,000 renders microseconds as seconds); a division keeps
    /// `100 / 1e6` exactly `0.0001` where a multiplication by `1e-6` would not.
    public let renderDivisor: Double
    private let state: Mutex<(buckets: [UInt64], count: UInt64, sum: Int64)>

    public init(bounds: [Int64], renderDivisor: Double = 1) {
        self.bounds = bounds
        self.renderDivisor = renderDivisor
        self.state = Mutex((Array(repeating: 0, count: bounds.count + 1), 0, 0))
    }

    public func observe(_ value: Int64) {
        var index = bounds.count
        for (i, bound) in bounds.enumerated() where value <= bound {
            index = i
            break
        }
        state.withLock {
            $0.buckets[index] += 1
            $0.count += 1
            $0.sum += value
        }
    }

    public var snapshot: (buckets: [UInt64], count: UInt64, sum: Int64) { state.withLock { $0 } }

    /// Latency buckets in microseconds: 50 µs to 5 s.
    public static func latencyMicroseconds() -> Histogram {
        Histogram(bounds: [50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000, 500_000, 1_000_000, 5_000_000], renderDivisor: 1_000_000)
    }
}

/// The metric families `tilld` exposes, rendered in the Prometheus text format (version 0.0.4).
///
/// Guarantees: families and label sets are created on first use and never removed; every family has one `# HELP`
/// and one `# TYPE` line before its samples, and its samples are contiguous; counters are declared `counter` and
/// must be named `…_total` (a precondition); histograms render cumulative `_bucket{le=…}` lines ending in `+Inf`,
/// then `_sum` and `_count`, each histogram read consistently (under its lock, or from one snapshot).
public final class MetricsRegistry: Sendable {
    private struct Key: Hashable { let name: String; let labels: String }
    /// A histogram read at scrape time from someone else's counts: bounds, per-bucket (not cumulative) counts with
    /// one more bucket than bounds (the overflow), the sum, in the unit observed.
    public typealias HistogramReading = @Sendable () -> (buckets: [UInt64], sum: Int64)
    private let counters = Mutex<[Key: Counter]>([:])
    private let histograms = Mutex<[Key: Histogram]>([:])
    private let readHistograms = Mutex<[Key: (bounds: [Int64], divisor: Double, read: HistogramReading)]>([:])
    /// Gauges and counters whose value is read when rendered.
    private let readings = Mutex<[Key: @Sendable () -> Int64]>([:])
    private let help = Mutex<[String: (type: String, text: String)]>([:])

    public init() {}

    public func counter(_ name: String, _ helpText: String, labels: KeyValuePairs<String, String> = [:]) -> Counter {
        describe(name, "counter", helpText)
        let key = Key(name: name, labels: Self.render(labels))
        return counters.withLock { table in
            if let existing = table[key] { return existing }
            let created = Counter()
            table[key] = created
            return created
        }
    }

    /// A counter kept elsewhere (the writer's, the loops'), read when rendered; it must never decrease.
    public func counter(_ name: String, _ helpText: String, labels: KeyValuePairs<String, String> = [:], read: @escaping @Sendable () -> Int64) {
        describe(name, "counter", helpText)
        readings.withLock { $0[Key(name: name, labels: Self.render(labels))] = read }
    }

    public func histogram(_ name: String, _ helpText: String, labels: KeyValuePairs<String, String> = [:], make: () -> Histogram) -> Histogram {
        describe(name, "histogram", helpText)
        let key = Key(name: name, labels: Self.render(labels))
        return histograms.withLock { table in
            if let existing = table[key] { return existing }
            let created = make()
            table[key] = created
            return created
        }
    }

    /// A histogram whose counts are kept elsewhere (the writer's batch sizes), read from one snapshot when rendered.
    /// `renderDivisor` as for `Histogram` (1,000,000 renders microseconds as seconds).
    public func histogram(_ name: String, _ helpText: String, bounds: [Int64], renderDivisor: Double = 1, read: @escaping HistogramReading) {
        precondition(zip(bounds, bounds.dropFirst()).allSatisfy { $0 < $1 }, "histogram bounds ascend")
        describe(name, "histogram", helpText)
        readHistograms.withLock { $0[Key(name: name, labels: "")] = (bounds, renderDivisor, read) }
    }

    /// A gauge read when rendered (queue depth, open connections, WAL size).
    public func gauge(_ name: String, _ helpText: String, labels: KeyValuePairs<String, String> = [:], read: @escaping @Sendable () -> Int64) {
        describe(name, "gauge", helpText)
        readings.withLock { $0[Key(name: name, labels: Self.render(labels))] = read }
    }

    public func render() -> String {
        // Family name -> series (label set -> its lines, in the order Prometheus requires).
        var families: [String: [String: [String]]] = [:]
        for (key, counter) in counters.withLock({ $0 }) {
            families[key.name, default: [:]][key.labels] = ["\(key.name)\(key.labels) \(counter.current)"]
        }
        for (key, read) in readings.withLock({ $0 }) {
            families[key.name, default: [:]][key.labels] = ["\(key.name)\(key.labels) \(read())"]
        }
        for (key, histogram) in histograms.withLock({ $0 }) {
            let snap = histogram.snapshot
            families[key.name, default: [:]][key.labels] = Self.histogramLines(
                key, bounds: histogram.bounds, buckets: snap.buckets, sum: snap.sum, divisor: histogram.renderDivisor)
        }
        for (key, reading) in readHistograms.withLock({ $0 }) {
            let snap = reading.read()
            families[key.name, default: [:]][key.labels] = Self.histogramLines(key, bounds: reading.bounds, buckets: snap.buckets, sum: snap.sum,
                                                                               divisor: reading.divisor)
        }
        let descriptions = help.withLock { $0 }
        var out = ""
        for name in families.keys.sorted() {
            if let d = descriptions[name] {
                out += "# HELP \(name) \(d.text)\n# TYPE \(name) \(d.type)\n"
            }
            let series = families[name]!
            for labels in series.keys.sorted() {
                for line in series[labels]! { out += line + "\n" }
            }
        }
        return out
    }

    /// `_bucket` lines (cumulative, `+Inf` last and equal to the count), `_sum`, `_count`.
    private static func histogramLines(_ key: Key, bounds: [Int64], buckets: [UInt64], sum: Int64, divisor: Double) -> [String] {
        precondition(buckets.count == bounds.count + 1, "one bucket per bound and one past the last")
        var cumulative: UInt64 = 0
        var lines: [String] = []
        for (i, bound) in bounds.enumerated() {
            cumulative += buckets[i]
            lines.append("\(key.name)_bucket\(adding(le: number(Double(bound) / divisor), to: key.labels)) \(cumulative)")
        }
        let count = cumulative + buckets[bounds.count]
        lines.append("\(key.name)_bucket\(adding(le: "+Inf", to: key.labels)) \(count)")
        lines.append("\(key.name)_sum\(key.labels) \(number(Double(sum) / divisor))")
        lines.append("\(key.name)_count\(key.labels) \(count)")
        return lines
    }

    private func describe(_ name: String, _ type: String, _ text: String) {
        precondition(type != "counter" || name.hasSuffix("_total"), "a counter's name ends in _total: \(name)")
        help.withLock { if $0[name] == nil { $0[name] = (type, text) } }
    }

    private static func render(_ labels: KeyValuePairs<String, String>) -> String {
        guard !labels.isEmpty else { return "" }
        let parts = labels.map { "\($0.key)=\"\(escape($0.value))\"" }
        return "{" + parts.joined(separator: ",") + "}"
    }

    private static func adding(le: String, to labels: String) -> String {
        labels.isEmpty ? "{le=\"\(le)\"}" : String(labels.dropLast()) + ",le=\"\(le)\"}"
    }

    private static func escape(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }

    private static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }
}
