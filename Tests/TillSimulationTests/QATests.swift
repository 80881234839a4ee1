import Foundation
import Testing
import TillIO
@testable import TillSimulation

/// The HTML report: self-contained, one percentile curve per operation, throughput over time.
@Suite struct HTMLReportTests {
    static func sampleReport() -> RunReport {
        var report = RunReport(label: "closed loop <b>&</b>")
        var random = SeededRandom(seed: 5)
        for _ in 0..<20_000 {
            report.record(op: "purchase", microseconds: UInt64(random.int(300...4_000)), errorCode: nil)
            report.record(op: "identify", microseconds: UInt64(random.int(80...900)), errorCode: random.int(0...99) == 0 ? "member_not_found" : nil)
        }
        report.record(op: "purchase", microseconds: 250_000, errorCode: nil)
        report.seconds = 10
        report.settings = ["terminals": "16"]
        return report
    }

    @Test func pageIsSelfContainedWithACurvePerOperationAndThroughput() throws {
        let timeline = (1...10).map { ThroughputSample(seconds: Double($0), completed: $0 * 4_000, purchases: $0 * 2_000) }
        let html = HTMLReport(report: Self.sampleReport(), timeline: timeline).render()
        #expect(html.hasPrefix("<!DOCTYPE html>") && html.hasSuffix("</html>\n"))
        for external in ["http:", "https:", "src=", "href=", "<link", "<script", "@import", "url(", "<img", "<iframe"] {
            #expect(!html.contains(external), "the page fetches something: \(external)")
        }
        #expect(html.contains("closed loop &lt;b&gt;&amp;&lt;/b&gt;") && !html.contains("<b>&</b>"))
        #expect(html.components(separatedBy: "<svg").count - 1 == 2)
        #expect(html.components(separatedBy: "<polyline").count - 1 == 2 + 2, "one curve per op, requests and purchases per second")
        for label in ["90%", "99%", "99.9%", "99.99%", ">purchase (20001)<", ">identify (20000)<", "requests/s", "purchases/s"] {
            #expect(html.contains(label), "missing \(label)")
        }
        // The purchase curve rises (SVG y falls) from p0 to its max, and ends at the 250 ms outlier, at the top.
        let curves = html.components(separatedBy: "<polyline").dropFirst()  // sorted by op: identify, purchase, then throughput
        let curve = try #require(curves.dropFirst().first)
        let points = curve.split(separator: "\"")[7].split(separator: " ").map { $0.split(separator: ",").map { Double($0)! } }
        #expect(points.count > 20)
        #expect(zip(points, points.dropFirst()).allSatisfy { $0[0] <= $1[0] && $0[1] >= $1[1] })
        #expect(points.last![1] < points.first![1] - 100)
    }

    /// The simulator states its own CPU per answered request (`@sent` rows are not requests of their own) in the
    /// table, the JSON and the page.
    @Test func reportsStateTheSimulatorsOwnCPUPerRequest() throws {
        var report = Self.sampleReport()  // 40,001 answers in 10 s
        report.record(op: "purchase@sent", microseconds: 100, errorCode: nil)
        report.simulatorCPUSeconds = 0.8
        report.daemonCPUSeconds = 2.0
        #expect(report.simulatorMicrosecondsPerRequest.map { abs($0 - 0.8e6 / 40_001) < 0.001 } == true)
        let line = "simulator CPU per request: 20.0 µs (0.80 CPU s, 8 % of one core)"
        #expect(report.table().contains(line))
        #expect(report.table().contains("daemon CPU per purchase: 100.0 µs"), "2 s over 20,001 purchases")
        #expect(HTMLReport(report: report, timeline: []).render().contains("<p class=\"cpu\">\(line)</p>"))
        let json = report.json()
        #expect(json["simulatorCPUMicrosecondsPerRequest"] as? Double == 20.0 && json["simulatorCPUSeconds"] as? Double == 0.8)
    }

    @Test func throughputIsPerSecondBetweenSamples() {
        var report = RunReport(label: "x")
        report.record(op: "purchase", microseconds: 500, errorCode: nil)
        let page = HTMLReport(report: report, timeline: [ThroughputSample(seconds: 1, completed: 100, purchases: 50), ThroughputSample(seconds: 2, completed: 400, purchases: 50)])
        #expect(page.throughputChart().contains(">500<"), "the axis tops out at a round number above 300/s")
        #expect(HTMLReport(report: report, timeline: []).throughputChart().contains("No throughput samples"))
    }
}

/// `till-sim` as a process: refusing to pass a run that measured nothing, help, the key from the environment.
@Suite(.serialized) struct SimulatorCommandTests {
    static var binary: URL {
        URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent().appendingPathComponent("till-sim")
    }

    static func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("till-sim-qa-\(getpid())-\(UInt64.random(in: 0...UInt64.max))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static func run(_ arguments: [String], environment: [String: String] = [:]) throws -> (status: Int32, out: String, err: String) {
        try #require(FileManager.default.isExecutableFile(atPath: binary.path), "build till-sim first (swift build)")
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        process.environment = environment
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let output = out.fileHandleForReading.readDataToEndOfFile()
        let error = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self), String(decoding: error, as: UTF8.self))
    }

    static func terminalsFile(in folder: URL, port: Int, count: Int, members: Int) throws -> String {
        let path = folder.appendingPathComponent("terminals.json").path
        let keys = (0..<count).map { TerminalKey(branchId: "B", posId: "\($0)", apiKey: "key-\($0)") }
        try TerminalsFile(server: "127.0.0.1:\(port)", members: members, terminals: keys).write(to: path)
        return path
    }

    /// Nothing listens: the run stops at once, exit 1, saying how many terminals failed and why.
    @Test func runAgainstAnAbsentServerFailsWithTheReason() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let listener = try FakeTill(population: Population(count: 5))
        let port = listener.port
        listener.shutdown()  // the port is now closed
        let file = try Self.terminalsFile(in: folder, port: port, count: 4, members: 5)
        let began = ContinuousClock.now
        let run = try Self.run(["run", "--server", "127.0.0.1:\(port)", "--terminals-file", file, "--duration", "2s"])
        #expect(run.status == 1)
        #expect(run.err.contains("4 of 4 terminals could not connect") && run.err.contains("Connection refused"), "\(run.err)")
        #expect(ContinuousClock.now - began < .seconds(10), "gave up early instead of waiting out the connect timeout")
    }

    /// A run where every request is refused acknowledged nothing: exit 1 with that reason.
    @Test func runWithNothingAcknowledgedFails() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let till = try FakeTill(population: Population(count: 5), refuseEverything: .notAllowed(field: nil, reason: "closed for inventory"))
        defer { till.shutdown() }
        let file = try Self.terminalsFile(in: folder, port: till.port, count: 2, members: 5)
        let run = try Self.run(["run", "--server", "127.0.0.1:\(till.port)", "--terminals-file", file, "--requests", "50"])
        #expect(run.status == 1, "\(run.out)\(run.err)")
        #expect(run.err.contains("nothing was acknowledged"), "\(run.err)")
    }

    /// A purchases-only run judges acknowledgements without building receipts (`ClientCodec.acknowledgedPurchase`),
    /// still checking every member of them: a receipt that breaks a rule deep in its arrays is a violation, not an
    /// acknowledged purchase, and the run fails (the purchase is acknowledged by its replay after the reconnect); the
    /// same run against good receipts passes.
    @Test(arguments: [false, true]) func purchasesOnlyRunsCheckEveryReceipt(broken: Bool) throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let till = try FakeTill(population: Population(count: 20), breakReceipts: broken)
        defer { till.shutdown() }
        let file = try Self.terminalsFile(in: folder, port: till.port, count: 3, members: 20)
        let run = try Self.run(["run", "--server", "127.0.0.1:\(till.port)", "--terminals-file", file, "--requests", "150", "--mix", "purchases"])
        if broken {
            #expect(run.status == 1 && run.out.contains("undecodable response") && run.out.contains("rewardsCompleted"), "\(run.out)\(run.err)")
        } else {
            #expect(run.status == 0 && run.out.contains("violations") == false, "\(run.out)\(run.err)")
        }
    }

    @Test func runWritesASelfContainedHTMLReport() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let till = try FakeTill(population: Population(count: 30))
        defer { till.shutdown() }
        let file = try Self.terminalsFile(in: folder, port: till.port, count: 4, members: 30)
        let html = folder.appendingPathComponent("report.html").path
        let run = try Self.run(["run", "--server", "127.0.0.1:\(till.port)", "--terminals-file", file, "--requests", "400", "--report-html", html])
        #expect(run.status == 0, "\(run.out)\(run.err)")
        let page = try String(contentsOfFile: html, encoding: .utf8)
        #expect(page.contains("<svg") && page.contains(">purchase (") && !page.contains("http"))
    }

    @Test func seedHelpAndTheOperatorKeyFromTheEnvironment() throws {
        let help = try Self.run(["seed", "--help"])
        #expect(help.status == 0 && help.out.contains("till-sim seed --server"), "\(help.err)")
        let noKey = try Self.run(["seed", "--server", "127.0.0.1:1"])
        #expect(noKey.status == 2 && noKey.err.contains("TILL_OPERATOR_KEY"), "\(noKey.err)")
        let fromEnvironment = try Self.run(["seed", "--server", "127.0.0.1:1"], environment: ["TILL_OPERATOR_KEY": "till_o_x"])
        #expect(fromEnvironment.status == 1 && fromEnvironment.err.contains("Connection refused"), "the key was taken; the connection failed: \(fromEnvironment.err)")
    }

    @Test func terminalsFileIsOwnerOnly() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("terminals.json").path
        FileManager.default.createFile(atPath: path, contents: Data("{}".utf8), attributes: [.posixPermissions: 0o644])
        try TerminalsFile(server: "127.0.0.1:7400", members: 1, terminals: [TerminalKey(branchId: "B", posId: "1", apiKey: "till_t_secret")]).write(to: path)
        let mode = (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as! NSNumber).intValue & 0o777
        #expect(mode == 0o600)
        #expect(try TerminalsFile.read(from: path).terminals.first?.apiKey == "till_t_secret")
    }
}
