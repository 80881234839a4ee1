import Foundation

/// Completed requests and purchases counted at one moment of a run (for throughput over time).
public struct ThroughputSample: Sendable, Equatable {
    public var seconds: Double
    public var completed: Int
    public var purchases: Int
    public init(seconds: Double, completed: Int, purchases: Int) {
        self.seconds = seconds
        self.completed = completed
        self.purchases = purchases
    }
}

/// `till-sim run --report-html FILE`: one self-contained page (inline CSS and SVG; no script, font, image or link
/// fetched from anywhere) with the latency percentile curve of every operation — HdrHistogram style: the percentile
/// axis is logarithmic in 1/(1-p) so 90 %, 99 %, 99.9 % … are evenly spaced, latency on a log axis — throughput per
/// second over the run, and the report's table.
///
/// Guarantees: every text from the run (labels, operation names, settings) is HTML-escaped; the curves are drawn
/// from `LatencyHistogram.percentile`, so they agree with the table (upper bounds, ≤ 3 % over).
public struct HTMLReport {
    public var report: RunReport
    public var timeline: [ThroughputSample]

    public init(report: RunReport, timeline: [ThroughputSample]) {
        self.report = report
        self.timeline = timeline
    }

    static let colors = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#bcbd22"]
    static let width = 860.0, height = 380.0, left = 70.0, right = 180.0, top = 20.0, bottom = 50.0

    public func render() -> String {
        let title = "till-sim run \(Self.escape(report.label))"
        var html = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>\(title)</title>
            <style>
            body{font-family:system-ui,sans-serif;margin:24px;color:#222}
            table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}
            th:first-child,td:first-child{text-align:left}svg{background:#fff;border:1px solid #ddd}
            .axis{stroke:#444}.grid{stroke:#e5e5e5}text{font-size:11px;fill:#333}
            </style></head><body>
            <h1>\(title)</h1>
            <p>\(String(format: "%.1f", report.seconds)) s, \(String(format: "%.0f", report.purchasesPerSecond)) purchases/s\(settingsText)</p>

            """
        html += report.cpuLines.map { "<p class=\"cpu\">\(Self.escape($0))</p>\n" }.joined()
        html += "<h2>Latency by percentile</h2>\n" + percentileChart() + "\n"
        html += "<h2>Throughput over time</h2>\n" + throughputChart() + "\n"
        html += "<h2>Operations</h2>\n" + table() + "\n</body></html>\n"
        return html
    }

    var settingsText: String {
        report.settings.isEmpty ? "" : "; " + report.settings.sorted { $0.key < $1.key }.map { "\(Self.escape($0.key))=\(Self.escape($0.value))" }.joined(separator: ", ")
    }

    /// Operations with answers, `…@sent` (latency from the intended start) included: they are curves of their own.
    var operations: [(name: String, stats: RunReport.OperationStats)] {
        report.operations.filter { $0.value.latency.count > 0 }.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    /// x: log10(1/(1-p)) from 0 (p = 0) to the deepest percentile any operation has data for; y: log10(latency µs).
    func percentileChart() -> String {
        let ops = operations
        guard !ops.isEmpty else { return "<p>No answers recorded.</p>" }
        let maxCount = ops.map { Double($0.stats.latency.count) }.max()!
        let decades = max(1.0, min(6.0, log10(maxCount)))  // percentiles beyond 1 - 1/count say nothing
        let low = max(1.0, Double(ops.map { $0.stats.latency.percentile(0) }.min()!))
        let high = max(low * 10, Double(ops.map { $0.stats.latency.max }.max()!))
        let yLow = floor(log10(low)), yHigh = ceil(log10(high))
        let plotW = Self.width - Self.left - Self.right, plotH = Self.height - Self.top - Self.bottom
        func x(_ d: Double) -> Double { Self.left + d / decades * plotW }
        func y(_ micros: Double) -> Double { Self.top + plotH - (log10(max(micros, 1)) - yLow) / (yHigh - yLow) * plotH }

        var svg = "<svg width=\"\(Int(Self.width))\" height=\"\(Int(Self.height))\" viewBox=\"0 0 \(Int(Self.width)) \(Int(Self.height))\" role=\"img\" aria-label=\"latency percentiles\">\n"
        for d in 0...Int(decades) {
            let label = d == 0 ? "0%" : Self.percentLabel(1 - pow(10, -Double(d)))
            svg += line(x(Double(d)), Self.top, x(Double(d)), Self.top + plotH, "grid")
            svg += text(x(Double(d)), Self.top + plotH + 16, label, anchor: "middle")
        }
        var decade = yLow
        while decade <= yHigh {
            let micros = pow(10, decade)
            svg += line(Self.left, y(micros), Self.left + plotW, y(micros), "grid")
            svg += text(Self.left - 6, y(micros) + 4, Self.latencyLabel(micros), anchor: "end")
            decade += 1
        }
        svg += line(Self.left, Self.top + plotH, Self.left + plotW, Self.top + plotH, "axis") + line(Self.left, Self.top, Self.left, Self.top + plotH, "axis")
        svg += text(Self.left + plotW / 2, Self.height - 10, "percentile (log scale of 1/(1-p))", anchor: "middle")
        svg += "<text transform=\"translate(14 \(Int(Self.top + plotH / 2))) rotate(-90)\" text-anchor=\"middle\">latency (log scale)</text>\n"
        for (i, op) in ops.enumerated() {
            let h = op.stats.latency
            let deepest = min(decades, log10(Double(h.count)))
            var points: [String] = []
            var step = 0.0
            while step <= deepest + 1e-9 {
                let p = 1 - pow(10, -step)
                points.append(String(format: "%.1f,%.1f", x(step), y(Double(h.percentile(p)))))
                step += 0.05
            }
            points.append(String(format: "%.1f,%.1f", x(deepest), y(Double(h.max))))
            let color = Self.colors[i % Self.colors.count]
            svg += "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"1.8\" points=\"\(points.joined(separator: " "))\"/>\n"
            let legendY = Self.top + 14 + Double(i) * 16
            svg += line(Self.left + plotW + 12, legendY - 4, Self.left + plotW + 30, legendY - 4, nil, color: color)
            svg += text(Self.left + plotW + 34, legendY, "\(Self.escape(op.name)) (\(h.count))", anchor: "start")
        }
        return svg + "</svg>"
    }

    /// Requests and purchases completed per second, from consecutive samples.
    func throughputChart() -> String {
        var rates: [(t: Double, requests: Double, purchases: Double)] = []
        var previous = ThroughputSample(seconds: 0, completed: 0, purchases: 0)
        for sample in timeline where sample.seconds > previous.seconds {
            let dt = sample.seconds - previous.seconds
            rates.append((sample.seconds, Double(sample.completed - previous.completed) / dt, Double(sample.purchases - previous.purchases) / dt))
            previous = sample
        }
        guard !rates.isEmpty else { return "<p>No throughput samples (the run was shorter than a second).</p>" }
        let plotW = Self.width - Self.left - Self.right, plotH = Self.height - Self.top - Self.bottom
        let tMax = max(1, rates.last!.t)
        let rMax = Self.niceCeiling(max(1, rates.map(\.requests).max()!))
        func x(_ t: Double) -> Double { Self.left + t / tMax * plotW }
        func y(_ r: Double) -> Double { Self.top + plotH - r / rMax * plotH }
        var svg = "<svg width=\"\(Int(Self.width))\" height=\"\(Int(Self.height))\" viewBox=\"0 0 \(Int(Self.width)) \(Int(Self.height))\" role=\"img\" aria-label=\"throughput\">\n"
        for k in 0...4 {
            let r = rMax * Double(k) / 4
            svg += line(Self.left, y(r), Self.left + plotW, y(r), "grid") + text(Self.left - 6, y(r) + 4, String(format: "%.0f", r), anchor: "end")
            let t = tMax * Double(k) / 4
            svg += text(x(t), Self.top + plotH + 16, String(format: "%.0f s", t), anchor: "middle")
        }
        svg += line(Self.left, Self.top + plotH, Self.left + plotW, Self.top + plotH, "axis") + line(Self.left, Self.top, Self.left, Self.top + plotH, "axis")
        svg += text(Self.left + plotW / 2, Self.height - 10, "time into the run", anchor: "middle")
        svg += "<text transform=\"translate(14 \(Int(Self.top + plotH / 2))) rotate(-90)\" text-anchor=\"middle\">per second</text>\n"
        for (i, series) in [("requests/s", \(t: Double, requests: Double, purchases: Double).requests), ("purchases/s", \.purchases)].enumerated() {
            let points = [String(format: "%.1f,%.1f", x(0), y(0))] + rates.map { String(format: "%.1f,%.1f", x($0.t), y($0[keyPath: series.1])) }
            let color = Self.colors[i]
            svg += "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"1.8\" points=\"\(points.joined(separator: " "))\"/>\n"
            let legendY = Self.top + 14 + Double(i) * 16
            svg += line(Self.left + plotW + 12, legendY - 4, Self.left + plotW + 30, legendY - 4, nil, color: color)
            svg += text(Self.left + plotW + 34, legendY, series.0, anchor: "start")
        }
        return svg + "</svg>"
    }

    func table() -> String {
        var rows = "<table><tr><th>op</th><th>count</th><th>ok</th><th>p50 µs</th><th>p90 µs</th><th>p99 µs</th><th>p99.9 µs</th><th>max µs</th><th>errors</th></tr>\n"
        for (name, s) in report.operations.sorted(by: { $0.key < $1.key }) {
            let h = s.latency
            let errors = s.errors.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", ")
            rows += "<tr><td>\(Self.escape(name))</td>" + [s.total, s.ok, h.percentile(0.5), h.percentile(0.9), h.percentile(0.99), h.percentile(0.999), h.max]
                .map { "<td>\($0)</td>" }.joined() + "<td>\(Self.escape(errors))</td></tr>\n"
        }
        return rows + "</table>"
    }

    private func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, _ cssClass: String?, color: String? = nil) -> String {
        let style = cssClass.map { " class=\"\($0)\"" } ?? " stroke=\"\(color ?? "#000")\" stroke-width=\"2\""
        return String(format: "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"", x1, y1, x2, y2) + style + "/>\n"
    }

    private func text(_ x: Double, _ y: Double, _ content: String, anchor: String) -> String {
        String(format: "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"", x, y) + anchor + "\">" + content + "</text>\n"
    }

    static func percentLabel(_ p: Double) -> String {
        var text = String(format: "%.6f", p * 100)
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text + "%"
    }

    static func latencyLabel(_ micros: Double) -> String {
        micros >= 1_000_000 ? String(format: "%.0f s", micros / 1_000_000) : micros >= 1_000 ? String(format: "%.0f ms", micros / 1_000) : String(format: "%.0f µs", micros)
    }

    static func niceCeiling(_ value: Double) -> Double {
        let magnitude = pow(10, floor(log10(value)))
        for factor in [1.0, 2.0, 2.5, 5.0, 10.0] where factor * magnitude >= value { return factor * magnitude }
        return 10 * magnitude
    }

    static func escape(_ text: String) -> String {
        var out = ""
        for c in text {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(c)
            }
        }
        return out
    }
}
