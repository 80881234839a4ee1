import Foundation
import Synchronization
import Testing
import TillClient
import TillCore
import TillProtocol
@testable import TillServer
@testable import TillStore
import TillStoreTesting

/// The loopback HTTP endpoint: `/metrics` checked against the exposition format's rules, `/healthz`, `/readyz`.
@Suite struct HealthAndMetricsTests {
    static func get(_ path: String, port: Int) throws -> (status: String, body: String) {
        let socket = try ClientSocketForTests.connect(port: port)
        try socket.send(Array("GET \(path) HTTP/1.1\r\nHost: x\r\n\r\n".utf8))
        let text = String(decoding: try socket.readAll(), as: UTF8.self)
        let parts = text.components(separatedBy: "\r\n\r\n")
        let statusLine = parts.first?.split(separator: "\r\n").first.map(String.init) ?? ""
        return (String(statusLine.dropFirst("HTTP/1.1 ".count)), parts.dropFirst().joined(separator: "\r\n\r\n"))
    }

    @Test func healthAndReadiness() throws {
        let daemon = try TestDaemon()
        defer { daemon.stop(); daemon.removeFolder() }
        let port = try #require(daemon.instance.metricsPort)
        #expect(try Self.get("/healthz", port: port) == ("200 OK", "ok\n"))
        #expect(try Self.get("/readyz", port: port) == ("200 OK", "ready\n"))
        #expect(try Self.get("/nothing", port: port).status == "404 Not Found")
        daemon.instance.daemon.context.beginDraining()
        #expect(try Self.get("/readyz", port: port) == ("503 Service Unavailable", "not ready: shutting down\n"))
        #expect(try Self.get("/healthz", port: port).status == "200 OK")
    }

    /// After a storage failure the writer stops (fail-stop) and readiness says so, with the reason.
    @Test func notReadyAfterAStorageFailure() throws {
        let folder = TilldProcess.temporaryFolder("ready")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        var configuration = StoreConfiguration(path: folder.appendingPathComponent("till.sqlite").path)
        let armed = Atomic<Bool>(false)
        configuration.writer.faults.beforeCommit = { _ in
            if armed.load(ordering: .relaxed) { throw SQLiteError(extendedCode: 1034, message: "disk I/O error (injected)") }
        }
        let store = try Store.open(configuration)
        defer { store.shutdown() }
        let loyalty = LoyaltyStore(store: store)
        _ = try loyalty.provisionOperator(name: "a", keyDigest: [1])
        #expect(TillInstance.readiness(of: store) == nil)
        armed.store(true, ordering: .relaxed)
        #expect(throws: TillError.self) { _ = try loyalty.provisionOperator(name: "b", keyDigest: [2]) }
        #expect(TillInstance.readiness(of: store)?.hasPrefix("the store stopped after a storage failure: ") == true)
    }

    /// Two scrapes around real traffic (terminal and operator requests, refused ones, writes the writer batches):
    /// both follow the text format's rules, and no counter went down between them.
    /// A session the daemon closed is freed: its timers (hello, idle) hold it strongly while armed and are cancelled
    /// when its connection closes, so `till_sessions_live` counts only open sessions (five closed ones kept alive by
    /// an uncancelled idle timer would show as 6).
    @Test func closedSessionsAreFreed() throws {
        let daemon = try TestDaemon { $0.ioThreads = 1 }
        defer { daemon.stop(); daemon.removeFolder() }
        let port = try #require(daemon.instance.metricsPort)
        for _ in 0..<5 {
            let client = try TillClient(daemon.address)
            client.sendRaw(AbuseTests.frame("this is not json"))
            try client.flush()
            guard case .failure(.invalidFrame) = try client.receive().outcome else { Issue.record("expected invalid_frame"); return }
            #expect(throws: ClientError.closed) { _ = try client.receive() }
        }
        // Served by the same (only) loop, after it closed the five.
        let terminal = try daemon.terminal()
        _ = try terminal.ping()
        let metrics = try Exposition(parsing: try Self.get("/metrics", port: port).body)
        #expect(metrics.types["till_sessions_live"] == "gauge")
        #expect(metrics.value("till_sessions_live") == 1)
    }

    @Test func metricsFollowTheExpositionFormat() throws {
        let daemon = try TestDaemon(adjust: { $0.walCheckpointBytes = 64 << 20 })  // no checkpoint during the test
        defer { daemon.stop(); daemon.removeFolder() }
        let port = try #require(daemon.instance.metricsPort)
        let terminal = try daemon.terminal()
        _ = try terminal.purchase(demoPurchase("m-1", members: [MemberIdentifier(kind: .card, value: "C0000000001")]))
        let first = try Exposition(parsing: try Self.get("/metrics", port: port).body)
        for n in 2...6 { _ = try terminal.purchase(demoPurchase("m-\(n)")) }
        _ = try? terminal.perform(.memberSearch(MemberSearch(query: "anna")))  // forbidden: an operator op
        _ = try daemon.operatorClient().perform(.memberSearch(MemberSearch(query: "anna")))
        let second = try Exposition(parsing: try Self.get("/metrics", port: port).body)

        for family in ["till_requests_total", "till_writer_batches_total", "till_connections_accepted_total", "till_tls_sessions_total",
                       "till_read_overloaded_total", "till_writer_checkpoints_busy_total", "till_reads_waited_for_commit_total",
                       "till_reads_before_commit_total", "till_reads_run_again_total",
                       "till_writer_commits_total", "till_writer_wal_pages_written_total", "till_writer_database_syncs_in_background_total",
                       "till_writer_waits_for_database_sync_total", "till_writer_database_sync_wait_microseconds_total",
                       "till_writer_batches_rerun_total", "till_writer_answered_batches_restored_total"] {
            #expect(first.types[family] == "counter", "\(family)")
        }
        for family in ["till_checkpoint_lag_pages", "till_read_queue_depth", "till_requests_in_flight", "till_answered_uncommitted_batches",
                       "till_writer_checkpoint_slowest_microseconds", "till_read_commit_wait_longest_microseconds"] {
            #expect(first.types[family] == "gauge", "\(family)")
        }
        #expect(first.types["till_read_wait_seconds"] == "histogram")
        #expect(first.types["till_read_commit_wait_seconds"] == "histogram")
        for reason in ["conflict", "undecided", "lag", "external_change"] {
            #expect(first.value("till_writer_ledger_waits_total", labels: "reason=\"\(reason)\"") == 0, "without the ledger")
        }
        // Six purchases were committed and none checkpointed yet (the bound is 16,384 pages here).
        #expect(second.value("till_checkpoint_lag_pages")! > 0)
        // Every page in the WAL was appended by a COMMIT counted here.
        #expect(second.value("till_writer_wal_pages_written_total")! > first.value("till_writer_wal_pages_written_total")!)
        #expect(second.value("till_writer_wal_pages_written_total")! >= second.value("till_checkpoint_lag_pages")!)
        #expect(second.value("till_tls_sessions_total", labels: "version=\"TLSv1.3\"") == 0, "plain TCP")
        #expect(second.value("till_read_wait_seconds_count")! >= 3, "hellos and the operator's search waited for a reader")
        #expect(first.types["till_request_duration_seconds"] == "histogram")
        #expect(first.types["till_writer_batch_size"] == "histogram")
        // The start-up checkpoint (the daemon truncates the WAL before serving) is counted, in seconds.
        #expect(first.types["till_writer_checkpoint_seconds"] == "histogram")
        #expect(second.value("till_writer_checkpoint_seconds_count")! >= 1)
        #expect(second.value("till_writer_checkpoint_seconds_count") == second.value("till_writer_checkpoint_seconds_bucket", labels: "le=\"+Inf\""))
        #expect(second.value("till_writer_checkpoint_seconds_sum")! * 1_000_000 <= Double(second.value("till_writer_checkpoint_seconds_count")!)
                * second.value("till_writer_checkpoint_slowest_microseconds")! + 1)
        #expect(second.types["till_journal_sync_seconds"] == "histogram")
        #expect(second.value("till_journal_sync_seconds_count")! >= 6, "one journal append per purchase batch at least")
        #expect(second.value("till_journal_sync_seconds_count") == second.value("till_journal_sync_seconds_bucket", labels: "le=\"+Inf\""))
        #expect(second.value("till_journal_sync_seconds_sum")! * 1_000_000 <= Double(second.value("till_journal_sync_seconds_count")!)
                * second.value("till_journal_sync_slowest_microseconds")! + 1)
        #expect(second.value("till_writer_batch_size_count")! >= 6)
        #expect(second.value("till_writer_batch_size_count") == second.value("till_writer_batches_total"))
        #expect(second.value("till_build_info", labels: "protocol=\"1\",version=\"\(TillRelease.version)\"") == 1)
        for (series, before) in first.monotonic {
            let after = try #require(second.samples[series], "\(series) disappeared")
            #expect(after >= before, "\(series) went down: \(before) -> \(after)")
        }
        #expect(second.samples.keys.contains { $0.hasPrefix("till_requests_total{") && $0.contains("outcome=\"forbidden\"") })
        #expect(first.types["till_errors_total"] == nil, "no error answered yet")
        #expect(second.types["till_errors_total"] == "counter")
        #expect(second.value("till_errors_total", labels: "code=\"forbidden\"") == 1)
    }
}

/// A strict reader of the Prometheus text format (0.0.4): it throws at the first rule a scrape breaks.
struct Exposition {
    struct Broken: Error, CustomStringConvertible { let description: String }

    /// Family name -> declared type.
    var types: [String: String] = [:]
    /// `name{sorted labels}` -> value.
    var samples: [String: Double] = [:]
    /// Series that must never decrease: counters, and histograms' buckets and counts.
    var monotonic: [String: Double] = [:]

    init(parsing text: String) throws {
        func fail(_ why: String) -> Broken { Broken(description: why) }
        let metricName = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/
        let labelName = /^[a-zA-Z_][a-zA-Z0-9_]*$/
        var helped = Set<String>()
        var finished = Set<String>()
        var current: String?
        /// Histogram series (labels without `le`) -> (le, cumulative count) in order.
        var buckets: [String: [(le: Double, count: Double)]] = [:]
        var counts: [String: Double] = [:]
        guard text.hasSuffix("\n") else { throw fail("the text does not end with a newline") }
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).dropLast() {
            if line.hasPrefix("# HELP ") || line.hasPrefix("# TYPE ") {
                let words = line.split(separator: " ", maxSplits: 3).map(String.init)
                guard words.count >= 3, words[2].wholeMatch(of: metricName) != nil else { throw fail("bad comment: \(line)") }
                let name = words[2]
                if line.hasPrefix("# HELP ") {
                    guard helped.insert(name).inserted else { throw fail("second HELP for \(name)") }
                } else {
                    guard words.count == 4, ["counter", "gauge", "histogram", "summary", "untyped"].contains(words[3]) else { throw fail("bad TYPE: \(line)") }
                    guard types[name] == nil else { throw fail("second TYPE for \(name)") }
                    guard !finished.contains(name) else { throw fail("TYPE of \(name) after its samples") }
                    types[name] = words[3]
                }
                continue
            }
            guard !line.hasPrefix("#"), !line.isEmpty else { throw fail("unexpected line: \(line)") }
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { throw fail("no value: \(line)") }
            let series = String(line[..<space])
            let name = String(series.prefix { $0 != "{" })
            guard name.wholeMatch(of: metricName) != nil else { throw fail("bad metric name: \(line)") }
            var labels: [(String, String)] = []
            if series.count > name.count {
                guard series.hasSuffix("}") else { throw fail("bad labels: \(line)") }
                let body = series.dropFirst(name.count + 1).dropLast()
                for pair in body.split(separator: ",") {
                    let kv = pair.split(separator: "=", maxSplits: 1).map(String.init)
                    guard kv.count == 2, kv[0].wholeMatch(of: labelName) != nil, kv[1].hasPrefix("\""), kv[1].hasSuffix("\""), kv[1].count >= 2 else {
                        throw fail("bad label \(pair) in \(line)")
                    }
                    labels.append((kv[0], String(kv[1].dropFirst().dropLast())))
                }
            }
            // The family: the name itself, or a histogram's name before _bucket/_sum/_count.
            var family = name
            for suffix in ["_bucket", "_sum", "_count"] where name.hasSuffix(suffix) && types[String(name.dropLast(suffix.count))] == "histogram" {
                family = String(name.dropLast(suffix.count))
            }
            guard let type = types[family] else { throw fail("sample before its TYPE line: \(line)") }
            guard helped.contains(family) else { throw fail("no HELP for \(family)") }
            if current != family {
                guard !finished.contains(family) else { throw fail("samples of \(family) are not together") }
                if let current { finished.insert(current) }
                current = family
            }
            let key = name + "{" + labels.sorted { $0.0 < $1.0 }.map { "\($0.0)=\"\($0.1)\"" }.joined(separator: ",") + "}"
            guard samples.updateValue(value, forKey: key) == nil else { throw fail("duplicate series \(key)") }
            let hasLe = labels.contains { $0.0 == "le" }
            switch type {
            case "counter":
                guard family.hasSuffix("_total") else { throw fail("counter \(family) is not named _total") }
                guard value >= 0 else { throw fail("negative counter: \(line)") }
                monotonic[key] = value
            case "gauge":
                guard !family.hasSuffix("_total"), !family.hasSuffix("_bucket") else { throw fail("gauge \(family) is named like a counter or a bucket") }
                guard !hasLe else { throw fail("le label outside a histogram: \(line)") }
            case "histogram":
                let rest = labels.filter { $0.0 != "le" }.sorted { $0.0 < $1.0 }.map { "\($0.0)=\($0.1)" }.joined(separator: ",")
                if name.hasSuffix("_bucket") {
                    guard let le = labels.first(where: { $0.0 == "le" })?.1, let bound = le == "+Inf" ? Double.infinity : Double(le) else {
                        throw fail("bucket without a numeric le: \(line)")
                    }
                    buckets[family + "{" + rest + "}", default: []].append((bound, value))
                    monotonic[key] = value
                } else if name.hasSuffix("_count") {
                    counts[family + "{" + rest + "}"] = value
                    monotonic[key] = value
                } else if !name.hasSuffix("_sum") {
                    throw fail("histogram sample \(name) is not _bucket, _sum or _count")
                }
            default: break
            }
        }
        for (series, list) in buckets {
            guard zip(list, list.dropFirst()).allSatisfy({ $0.le < $1.le && $0.count <= $1.count }) else {
                throw fail("\(series): buckets not ascending and cumulative")
            }
            guard list.last?.le == .infinity else { throw fail("\(series): no +Inf bucket") }
            guard counts[series] == list.last?.count else { throw fail("\(series): _count differs from the +Inf bucket") }
        }
        for (family, type) in types where type == "histogram" {
            guard buckets.keys.contains(where: { $0.hasPrefix(family + "{") }) else { throw fail("histogram \(family) has no buckets") }
        }
    }

    /// The value of a series (`labels` as `a="1",b="2"`, sorted by name).
    func value(_ name: String, labels: String = "") -> Double? { samples[name + "{" + labels + "}"] }
}
