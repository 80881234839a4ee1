import Foundation

/// What one simulator run measured, per operation and overall; renders as a table for people and JSON for CI and
/// `bench/`.
///
/// Guarantees: counts are exact; percentiles come from `LatencyHistogram` (upper bounds, ≤ 3% over).
public struct RunReport: Sendable {
    public struct OperationStats: Sendable {
        public var latency = LatencyHistogram()
        public var ok: UInt64 = 0
        public var errors: [String: UInt64] = [:]
        public init() {}
        public var total: UInt64 { ok + errors.values.reduce(0, +) }
    }

    public var label: String
    public var seconds: Double = 0
    /// Per operation (label). Reading it merges the operations `record` keeps aside (`hot`).
    public var operations: [String: OperationStats] {
        get {
            var all = recorded
            for entry in hot { all[entry.op] = entry.stats }
            return all
        }
        set {
            recorded = newValue
            hot.removeAll()
        }
    }
    private var recorded: [String: OperationStats] = [:]
    /// The operations recorded most recently (at most `hotCount`), taken out of `recorded`: a run records one or two
    /// labels over and over, and finding one here is a comparison of two small strings instead of hashing the label.
    private var hot: [(op: String, stats: OperationStats)] = []
    private static let hotCount = 4
    /// CPU seconds the daemon spent during the run (from /proc), when it is local.
    public var daemonCPUSeconds: Double?
    /// CPU seconds the simulator itself spent during the run (both sides share the machine).
    public var simulatorCPUSeconds: Double?
    public var verification: [String] = []
    public var verified: Bool?
    public var settings: [String: String] = [:]

    public init(label: String) { self.label = label }

    /// In place (no copy of the histogram per call).
    public mutating func record(op: String, microseconds: UInt64, errorCode: String?) {
        var k = 0
        while k < hot.count && hot[k].op != op { k += 1 }
        if k == hot.count {
            if k == Self.hotCount {
                let oldest = hot.removeFirst()
                recorded[oldest.op] = oldest.stats
                k -= 1
            }
            hot.append((op, recorded.removeValue(forKey: op) ?? OperationStats()))
        }
        Self.count(&hot[k].stats, microseconds: microseconds, errorCode: errorCode)
    }

    private static func count(_ stats: inout OperationStats, microseconds: UInt64, errorCode: String?) {
        stats.latency.record(microseconds: microseconds)
        if let errorCode { stats.errors[errorCode, default: 0] += 1 } else { stats.ok += 1 }
    }

    public mutating func merge(_ other: RunReport) {
        for (op, stats) in other.operations {
            var mine = operations[op] ?? OperationStats()
            mine.latency.merge(stats.latency)
            mine.ok += stats.ok
            for (code, n) in stats.errors { mine.errors[code, default: 0] += n }
            operations[op] = mine
        }
    }

    public var purchasesPerSecond: Double {
        seconds > 0 ? Double(operations["purchase"]?.ok ?? 0) / seconds : 0
    }

    /// Daemon CPU per acknowledged purchase, in microseconds.
    public var daemonMicrosecondsPerPurchase: Double? {
        guard let cpu = daemonCPUSeconds, let purchases = operations["purchase"]?.ok, purchases > 0 else { return nil }
        return cpu * 1_000_000 / Double(purchases)
    }

    /// Simulator CPU per answered request, in microseconds.
    public var simulatorMicrosecondsPerRequest: Double? {
        let requests = operations.filter { !$0.key.hasSuffix("@sent") }.values.reduce(UInt64(0)) { $0 + $1.total }
        guard let cpu = simulatorCPUSeconds, requests > 0 else { return nil }
        return cpu * 1_000_000 / Double(requests)
    }

    /// What each side spent: the daemon's CPU per purchase and the simulator's own CPU per answered request (both
    /// run on the same machine, so the simulator's share is taken from the daemon it measures).
    public var cpuLines: [String] {
        var lines: [String] = []
        if let cpu = daemonMicrosecondsPerPurchase {
            lines.append("daemon CPU per purchase: \(String(format: "%.1f", cpu)) µs")
        }
        if let cpu = simulatorMicrosecondsPerRequest, let seconds = simulatorCPUSeconds {
            lines.append("simulator CPU per request: \(String(format: "%.1f", cpu)) µs (\(String(format: "%.2f", seconds)) CPU s, " +
                         "\(String(format: "%.0f", self.seconds > 0 ? seconds / self.seconds * 100 : 0)) % of one core)")
        }
        return lines
    }

    public func table() -> String {
        var lines = ["run \(label): \(String(format: "%.1f", seconds)) s, \(String(format: "%.0f", purchasesPerSecond)) purchases/s"]
        lines.append("op                     count       ok   p50µs   p90µs   p99µs  p99.9µs   maxµs  errors")
        for op in operations.keys.sorted() {
            let s = operations[op]!
            let h = s.latency
            let errors = s.errors.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
            lines.append(
                [op.padding(toLength: 20, withPad: " ", startingAt: 0), pad(s.total, 8), pad(s.ok, 8),
                 pad(h.percentile(0.5), 7), pad(h.percentile(0.9), 7), pad(h.percentile(0.99), 7),
                 pad(h.percentile(0.999), 8), pad(h.max, 7), " " + errors].joined(separator: " "))
        }
        lines.append(contentsOf: cpuLines)
        if let verified {
            lines.append(verified ? "verification: OK" : "verification: FAILED")
            lines.append(contentsOf: verification.map { "  " + $0 })
        }
        return lines.joined(separator: "\n")
    }

    public func json() -> [String: Any] {
        var ops: [String: Any] = [:]
        for (op, s) in operations {
            let h = s.latency
            ops[op] = [
                "count": s.total, "ok": s.ok, "errors": s.errors,
                "latencyMicroseconds": [
                    "p50": h.percentile(0.5), "p90": h.percentile(0.9), "p99": h.percentile(0.99),
                    "p99.9": h.percentile(0.999), "max": h.max, "mean": (h.mean * 10).rounded() / 10,
                ],
            ]
        }
        var out: [String: Any] = [
            "label": label, "seconds": (seconds * 1000).rounded() / 1000, "purchasesPerSecond": purchasesPerSecond.rounded(),
            "operations": ops, "settings": settings,
        ]
        if let cpu = daemonMicrosecondsPerPurchase { out["daemonCPUMicrosecondsPerPurchase"] = (cpu * 10).rounded() / 10 }
        if let cpu = simulatorMicrosecondsPerRequest { out["simulatorCPUMicrosecondsPerRequest"] = (cpu * 10).rounded() / 10 }
        if let cpu = simulatorCPUSeconds { out["simulatorCPUSeconds"] = (cpu * 1000).rounded() / 1000 }
        if let verified { out["verified"] = verified; out["verification"] = verification }
        return out
    }

    private func pad(_ value: UInt64, _ width: Int) -> String {
        let text = String(value)
        return String(repeating: " ", count: max(0, width - text.count)) + text
    }
}

/// CPU time of a local process, read from `/proc/PID/stat` (user + system, in clock ticks).
public enum ProcessCPU {
    public static func seconds(pid: Int32) -> Double? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        // Fields after the command name: state is field 3; utime and stime are fields 14 and 15.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }
}
