import Foundation
import Synchronization
import Testing
@testable import TillServer
import TillStore

@Suite struct ConfigurationTests {
    @Test func defaultsServeLoopbackFromLocalDataFolder() throws {
        let configuration = try ServerConfiguration.load(arguments: [], environment: [:])
        #expect(configuration.listen == "127.0.0.1:7400")
        #expect(configuration.dataDirectory == "./till-data")
        #expect(configuration.maxFrameBytes == 65_536)
        #expect(configuration.demo)
    }

    @Test func flagsBeatEnvironmentWhichBeatsTheFile() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("till-config-\(getpid())-\(#line)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("tilld.json")
        try Data(#"{"readers": 2, "maxFrameBytes": 1024, "demo": false, "logLevel": "debug"}"#.utf8).write(to: file)
        let configuration = try ServerConfiguration.load(
            arguments: ["--config", file.path, "--max-frame-bytes=4096"],
            environment: ["TILL_READERS": "3", "TILL_MAX_FRAME_BYTES": "2048", "HOME": "/root"])
        #expect(configuration.readers == 3)
        #expect(configuration.maxFrameBytes == 4096)
        #expect(configuration.demo == false)
        #expect(configuration.logLevel == .debug)
    }

    /// A malformed file is reported by line and column (not a Foundation error dump); strict JSON as on the wire, so
    /// a trailing comma or a repeated key is refused rather than silently accepted.
    @Test(arguments: [
        ("{\n  \"listen\": \"127.0.0.1:7400\",\n  \"demo\": false,\n}\n", "line 4, column 1: expected a key"),
        ("{\n  \"listen\": \"127.0.0.1:7400\"\n  \"demo\": false\n}\n", "line 3, column 3: expected ',' or '}'"),
        ("{\n  \"zürich\": 1,  \"demo\": tru }", "line 2, column 25: invalid literal"),
        ("{\"demo\": false, \"demo\": true}", "demo: duplicate key"),
    ])
    func malformedFileNamesLineAndColumn(text: String, reason: String) throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("till-config-\(getpid())-\(UInt64.random(in: 0...UInt64.max))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("tilld.json")
        try Data(text.utf8).write(to: file)
        #expect(throws: ConfigurationError.unreadableFile(path: file.path, reason: reason)) {
            try ServerConfiguration.load(arguments: ["--config", file.path], environment: [:])
        }
        #expect(throws: ConfigurationError.unreadableFile(path: folder.path + "/absent.json", reason: "no such file")) {
            try ServerConfiguration.load(arguments: ["--config", folder.path + "/absent.json"], environment: [:])
        }
    }

    /// The checkpoint's database fsync runs in the background unless switched off; a value that is not a boolean is
    /// refused naming the setting.
    @Test func theBackgroundDatabaseSyncCanBeSwitchedOff() throws {
        #expect(try ServerConfiguration.load(arguments: [], environment: [:]).walCheckpointSyncInBackground)
        let off = try ServerConfiguration.load(arguments: ["--wal-checkpoint-sync-in-background", "false"], environment: [:])
        #expect(off.walCheckpointSyncInBackground == false)
        let fromEnvironment = try ServerConfiguration.load(arguments: [], environment: ["TILL_WAL_CHECKPOINT_SYNC_IN_BACKGROUND": "off"])
        #expect(fromEnvironment.walCheckpointSyncInBackground == false)
        #expect(throws: ConfigurationError.invalidValue(setting: "walCheckpointSyncInBackground", value: "maybe", source: "flag",
                                                        expected: "true or false")) {
            try ServerConfiguration.load(arguments: ["--wal-checkpoint-sync-in-background", "maybe"], environment: [:])
        }
    }

    /// The checkpoint's pages are written out 16 at a time unless set otherwise; 0 switches the slices off, a negative
    /// count is refused naming the setting.
    @Test func theWritebackSlicesCanBeSizedOrSwitchedOff() throws {
        #expect(try ServerConfiguration.load(arguments: [], environment: [:]).walCheckpointWritebackSlicePages == 16)
        let off = try ServerConfiguration.load(arguments: ["--wal-checkpoint-writeback-slice-pages", "0"], environment: [:])
        #expect(off.walCheckpointWritebackSlicePages == 0)
        let fromEnvironment = try ServerConfiguration.load(
            arguments: [], environment: ["TILL_WAL_CHECKPOINT_WRITEBACK_SLICE_PAGES": "64"])
        #expect(fromEnvironment.walCheckpointWritebackSlicePages == 64)
        #expect(throws: ConfigurationError.self) {
            try ServerConfiguration.load(arguments: ["--wal-checkpoint-writeback-slice-pages", "-1"], environment: [:])
        }
    }

    /// The writer keeps 65,536 accounts in memory unless set otherwise; 0 keeps none, a negative count is refused.
    @Test func theHotAccountsCanBeSizedOrSwitchedOff() throws {
        #expect(try ServerConfiguration.load(arguments: [], environment: [:]).hotAccounts == 65_536)
        #expect(try ServerConfiguration.load(arguments: ["--hot-accounts", "0"], environment: [:]).hotAccounts == 0)
        #expect(try ServerConfiguration.load(arguments: [], environment: ["TILL_HOT_ACCOUNTS": "10"]).hotAccounts == 10)
        #expect(throws: ConfigurationError.invalidValue(setting: "hotAccounts", value: "-1", source: "flag", expected: "an integer ≥ 0")) {
            try ServerConfiguration.load(arguments: ["--hot-accounts", "-1"], environment: [:])
        }
    }

    /// The daemon sets every writer bound from its own settings: their defaults are the store's (`WriterConfiguration`),
    /// so that a default changed on one side (the busy checkpoint bound went 4 → 16 MiB) cannot leave the other behind.
    @Test func theWriterSettingsDefaultToTheStoresDefaults() throws {
        let daemon = try ServerConfiguration.load(arguments: [], environment: [:])
        let store = WriterConfiguration()
        #expect(daemon.walCheckpointBytes == Int(store.checkpointWalPages) * 4_096)
        #expect(daemon.walCheckpointBusyBytes == Int(store.busyCheckpointWalPages) * 4_096)
        #expect(daemon.walCheckpointBusyBatch == store.busyBatchRequests)
        #expect(daemon.writerBatchLimit == store.maxBatchSize)
        #expect(daemon.writerCommitLimit == store.maxRequestsPerCommit)
        #expect(daemon.writerCommitWaitMicroseconds == store.carriedCommitWaitMicroseconds)
        #expect(daemon.walCheckpointSyncInBackground == store.databaseSyncInBackground)
        #expect(daemon.walCheckpointWritebackSlicePages == store.databaseWritebackSlicePages)
        #expect(daemon.hotAccounts == store.hotAccounts)
    }

    @Test func unknownFlagAndBadValuesNameTheSetting() throws {
        #expect(throws: ConfigurationError.unknownSetting(name: "--nope", source: "flag")) {
            try ServerConfiguration.load(arguments: ["--nope", "1"], environment: [:])
        }
        #expect(throws: ConfigurationError.invalidValue(setting: "readers", value: "zero", source: "flag", expected: "an integer ≥ 1")) {
            try ServerConfiguration.load(arguments: ["--readers", "zero"], environment: [:])
        }
        // Integer settings at their minimum and just below it.
        let minima: [(flag: String, key: String, minimum: Int, read: @Sendable (ServerConfiguration) -> Int)] = [
            ("--wal-checkpoint-busy-bytes", "walCheckpointBusyBytes", 65_536, { $0.walCheckpointBusyBytes }),
            ("--wal-checkpoint-busy-batch", "walCheckpointBusyBatch", 1, { $0.walCheckpointBusyBatch }),
            ("--writer-commit-wait-microseconds", "writerCommitWaitMicroseconds", 0, { $0.writerCommitWaitMicroseconds }),
        ]
        for setting in minima {
            #expect(setting.read(try ServerConfiguration.load(arguments: [setting.flag, String(setting.minimum)], environment: [:]))
                == setting.minimum)
            let below = String(setting.minimum - 1)
            #expect(throws: ConfigurationError.invalidValue(setting: setting.key, value: below, source: "flag",
                                                            expected: "an integer ≥ \(setting.minimum)")) {
                try ServerConfiguration.load(arguments: [setting.flag, below], environment: [:])
            }
        }
        #expect(throws: ConfigurationError.missingValue(flag: "--listen")) {
            try ServerConfiguration.load(arguments: ["--listen"], environment: [:])
        }
    }

    @Test func plainTCPOffLoopbackNeedsTheExplicitFlag() throws {
        #expect(throws: ConfigurationError.self) {
            try ServerConfiguration.load(arguments: ["--listen", "0.0.0.0:7400"], environment: [:])
        }
        let allowed = try ServerConfiguration.load(
            arguments: ["--listen", "0.0.0.0:7400", "--allow-plain-tcp-off-loopback", "true"], environment: [:])
        #expect(allowed.listen == "0.0.0.0:7400")
    }

    @Test func helpListsEverySettingWithFlagAndEnvironmentVariable() {
        let usage = ServerConfiguration.usage
        for setting in ServerConfiguration.settings {
            #expect(usage.contains(setting.flag))
            #expect(usage.contains(setting.environmentVariable))
        }
        #expect(Setting(key: "maxFrameBytes", valueName: "", defaultValue: "", help: "").flag == "--max-frame-bytes")
    }
}

@Suite struct RedactTests {
    @Test func phonesAndEmailsAreMasked() {
        #expect(Redact.phone("+491512345678") == "+49********78")
        #expect(Redact.email("anna.meier@example.com") == "a***@example.com")
        #expect(!Redact.identifier(kind: "phone", value: "+491512345678").contains("1512345"))
        #expect(Redact.identifier(kind: "card", value: "CARD-0042") == "CA***")
    }

    @Test func logLinesAreLogfmtAndQuoted() {
        let lines = LineCollector()
        let log = Log(level: .info, sink: { lines.append($0) })
        log.debug("dropped")
        log.info("member identified", ["phone": Redact.phone("+33612345678"), "note": "a \"b\""])
        let captured = lines.all
        #expect(captured.count == 1)
        #expect(captured[0].contains(#"event="member identified""#))
        #expect(captured[0].contains(#"note="a \"b\"""#))
        #expect(!captured[0].contains("612345"))
    }
}

@Suite struct MetricsTests {
    @Test func rendersCountersGaugesAndCumulativeHistograms() {
        let registry = MetricsRegistry()
        registry.counter("till_requests_total", "Requests", labels: ["op": "purchase", "outcome": "ok"]).add(3)
        registry.gauge("till_connections", "Open connections") { 7 }
        let histogram = registry.histogram("till_request_seconds", "Latency", labels: ["op": "purchase"]) {
            Histogram(bounds: [100, 1_000], renderDivisor: 1_000_000)
        }
        histogram.observe(50)
        histogram.observe(500)
        histogram.observe(5_000)
        let text = registry.render()
        #expect(text.contains("# TYPE till_requests_total counter"))
        #expect(text.contains(#"till_requests_total{op="purchase",outcome="ok"} 3"#))
        #expect(text.contains("till_connections 7"))
        #expect(text.contains(#"till_request_seconds_bucket{op="purchase",le="0.0001"} 1"#))
        #expect(text.contains(#"till_request_seconds_bucket{op="purchase",le="0.001"} 2"#))
        #expect(text.contains(#"till_request_seconds_bucket{op="purchase",le="+Inf"} 3"#))
        #expect(text.contains(#"till_request_seconds_count{op="purchase"} 3"#))
    }
}

@Suite struct AuthenticationThrottleTests {
    @Test func emptiesAfterBurstAndRefillsOverTime() {
        var throttle = AuthenticationThrottle(burst: 3, refillMilliseconds: 1_000)
        for _ in 0..<3 {
            #expect(throttle.mayAttempt(address: "10.0.0.1", nowMilliseconds: 0))
            throttle.recordFailure(address: "10.0.0.1", nowMilliseconds: 0)
        }
        #expect(!throttle.mayAttempt(address: "10.0.0.1", nowMilliseconds: 500))
        #expect(throttle.mayAttempt(address: "10.0.0.2", nowMilliseconds: 500))
        #expect(throttle.mayAttempt(address: "10.0.0.1", nowMilliseconds: 1_000))
        throttle.recordSuccess(address: "10.0.0.1")
        #expect(throttle.mayAttempt(address: "10.0.0.1", nowMilliseconds: 1_000))
    }

    @Test func trackedAddressesAreBounded() {
        var throttle = AuthenticationThrottle(burst: 1, refillMilliseconds: 1_000_000, maxTrackedAddresses: 2)
        throttle.recordFailure(address: "a", nowMilliseconds: 1)
        throttle.recordFailure(address: "b", nowMilliseconds: 2)
        throttle.recordFailure(address: "c", nowMilliseconds: 3)
        #expect(throttle.mayAttempt(address: "a", nowMilliseconds: 4))
        #expect(!throttle.mayAttempt(address: "c", nowMilliseconds: 4))
    }
}

