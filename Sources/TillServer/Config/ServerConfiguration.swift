import Foundation
import TillCommandLine

/// Everything `tilld` can be told, with safe defaults. Sources, lowest precedence first: built-in defaults, the JSON
/// file given by `--config` (or `TILL_CONFIG`), environment variables, command-line flags.
///
/// Guarantees: every value is validated on load; an unknown flag, an unknown file key or a bad value is an error that
/// names it, never silently ignored.
public struct ServerConfiguration: Sendable, Equatable {
    public var dataDirectory = "./till-data"
    public var listen = "127.0.0.1:7400"
    public var metricsListen = "127.0.0.1:7401"
    public var allowPlainTcpOffLoopback = false
    public var tlsCertificate: String?
    public var tlsKey: String?
    public var tlsClientCA: String?
    public var ioThreads = ProcessInfo.processInfo.activeProcessorCount
    public var readers = 4
    public var maxFrameBytes = 65_536
    /// Operators' sessions, once authenticated, may send frames up to this (bulk imports); never below `maxFrameBytes`.
    public var maxOperatorFrameBytes = 327_680
    public var maxInFlightPerConnection = 64
    public var maxConnections = 20_000
    public var idleTimeoutSeconds = 300
    public var frameDeadlineSeconds = 10
    public var handshakeTimeoutSeconds = 10
    public var maxPendingWriteBytes = 1_048_576
    public var writerQueueLimit = 8_192
    public var readQueueLimit = 1_024
    public var readerPageCache = true
    public var writerBatchLimit = 256
    public var walCheckpointBytes = 1_048_576
    public var walCheckpointBusyBytes = 16_777_216
    public var walCheckpointBusyBatch = 8
    public var writerCommitLimit = 1_024
    public var writerCommitWaitMicroseconds = 2_000
    public var walCheckpointSyncInBackground = true
    public var walCheckpointWritebackSlicePages = 16
    public var hotAccounts = 65_536
    public var ledgerThread = false
    public var shutdownGraceSeconds = 10
    /// On shutdown, how long new requests are still read and answered `shutting_down` (within the grace period),
    /// even when nothing is in flight: a request sent just after the signal gets an answer, not a closed connection.
    public var shutdownNoticeMilliseconds = 500
    public var logLevel = LogLevel.info
    public var defaultPhoneCountry = "DE"
    public var demo = true

    public init() {}

    /// The settings table: the single source of names, defaults and help.
    public static let settings: [Setting] = {
        let d = ServerConfiguration()
        return [
            Setting(key: "config", valueName: "FILE", defaultValue: "", help: "JSON file with any of these settings (keys as below without dashes, camelCase)"),
            Setting(key: "dataDirectory", valueName: "DIR", defaultValue: d.dataDirectory, help: "folder holding the store (till.sqlite and its WAL), created if missing"),
            Setting(key: "listen", valueName: "HOST:PORT", defaultValue: d.listen, help: "address for terminals and operators (port 0 picks a free port)"),
            Setting(key: "metricsListen", valueName: "HOST:PORT", defaultValue: d.metricsListen, help: "loopback address of the Prometheus /metrics endpoint (empty disables it)"),
            Setting(key: "allowPlainTcpOffLoopback", valueName: "BOOL", defaultValue: "false", help: "allow plain TCP (no TLS) on a non-loopback address"),
            Setting(key: "tlsCertificate", valueName: "PEM", defaultValue: "", help: "server certificate chain; with --tls-key enables TLS 1.2+ (1.3 preferred); reloaded on SIGHUP"),
            Setting(key: "tlsKey", valueName: "PEM", defaultValue: "", help: "server private key"),
            Setting(key: "tlsClientCA", valueName: "PEM", defaultValue: "", help: "CA for client certificates: enables mutual TLS (a client certificate's CN names a terminal)"),
            Setting(key: "ioThreads", valueName: "N", defaultValue: String(d.ioThreads), help: "event-loop threads (default: one per core)"),
            Setting(key: "readers", valueName: "N", defaultValue: String(d.readers), help: "reader threads (one read-only store connection each) for identify, quote, status and operator reads"),
            Setting(key: "maxFrameBytes", valueName: "BYTES", defaultValue: String(d.maxFrameBytes), help: "largest accepted frame; a bigger one is answered invalid_frame and the connection closed"),
            Setting(key: "maxOperatorFrameBytes", valueName: "BYTES", defaultValue: String(d.maxOperatorFrameBytes), help: "largest frame of an operator session after hello (member.import chunks); terminals keep --max-frame-bytes"),
            Setting(key: "maxInFlightPerConnection", valueName: "N", defaultValue: String(d.maxInFlightPerConnection), help: "requests in flight on one connection before reading pauses"),
            Setting(key: "maxConnections", valueName: "N", defaultValue: String(d.maxConnections), help: "open connections in total; more are refused"),
            Setting(key: "idleTimeoutSeconds", valueName: "S", defaultValue: String(d.idleTimeoutSeconds), help: "close a connection with no request for this long"),
            Setting(key: "frameDeadlineSeconds", valueName: "S", defaultValue: String(d.frameDeadlineSeconds), help: "a started frame must complete within this (slowloris guard)"),
            Setting(key: "handshakeTimeoutSeconds", valueName: "S", defaultValue: String(d.handshakeTimeoutSeconds), help: "TLS handshake and hello must complete within this"),
            Setting(key: "maxPendingWriteBytes", valueName: "BYTES", defaultValue: String(d.maxPendingWriteBytes), help: "bytes waiting for a client that does not read before it is disconnected"),
            Setting(key: "readQueueLimit", valueName: "N", defaultValue: String(d.readQueueLimit), help: "reads waiting for a reader thread; beyond it requests are answered overloaded"),
            Setting(key: "readerPageCache", valueName: "BOOL", defaultValue: "true", help: "reader threads keep their page cache across commits, dropping only the pages the writer changed since their last read (false: SQLite empties it after every commit)"),
            Setting(key: "writerQueueLimit", valueName: "N", defaultValue: String(d.writerQueueLimit), help: "writes waiting for the writer; beyond it requests are answered overloaded"),
            Setting(key: "writerBatchLimit", valueName: "N", defaultValue: String(d.writerBatchLimit), help: "most writes committed together in one transaction (group commit)"),
            Setting(key: "writerCommitLimit", valueName: "N", defaultValue: String(d.writerCommitLimit), help: "under load, answered batches share one SQLite COMMIT until they hold this many writes (1: a COMMIT per batch)"),
            Setting(key: "writerCommitWaitMicroseconds", valueName: "US", defaultValue: String(d.writerCommitWaitMicroseconds), help: "after a batch of walCheckpointBusyBatch writes or more, its COMMIT waits this long for the next batch to share it (a waiting read has it done at once; 0: at once)"),
            Setting(key: "walCheckpointBytes", valueName: "BYTES", defaultValue: String(d.walCheckpointBytes), help: "with no write waiting, the writer checkpoints (RESTART) once the WAL has grown past this"),
            Setting(key: "walCheckpointBusyBytes", valueName: "BYTES", defaultValue: String(d.walCheckpointBusyBytes), help: "while writes wait, the checkpoint waits until the WAL has grown past this (at least walCheckpointBytes)"),
            Setting(key: "walCheckpointBusyBatch", valueName: "N", defaultValue: String(d.walCheckpointBusyBatch), help: "a batch of at least this many writes counts as busy too: the checkpoint after it waits for walCheckpointBusyBytes"),
            Setting(key: "walCheckpointSyncInBackground", valueName: "BOOL", defaultValue: "true", help: "a checkpoint's fsync of the database file runs in the background while commits append to the WAL (up to twice the checkpoint bound; false: the writer waits)"),
            Setting(key: "walCheckpointWritebackSlicePages", valueName: "N", defaultValue: String(d.walCheckpointWritebackSlicePages), help: "that background fsync first writes the checkpoint's pages out N at a time, so that the journal's fsyncs never queue behind all of them (0: all at once)"),
            Setting(key: "ledgerThread", valueName: "BOOL", defaultValue: "false", help: "purchases are decided on a thread of their own (the ledger, on its own read connection) while the writer thread runs their writes, journals, answers and commits them"),
            Setting(key: "hotAccounts", valueName: "N", defaultValue: String(d.hotAccounts), help: "member accounts the writer keeps in memory as purchases left them, so that a member's next purchase reads none of its account from SQLite (0: none)"),
            Setting(key: "shutdownGraceSeconds", valueName: "S", defaultValue: String(d.shutdownGraceSeconds), help: "on SIGTERM/SIGINT, time allowed to finish in-flight requests"),
            Setting(key: "shutdownNoticeMilliseconds", valueName: "MS", defaultValue: String(d.shutdownNoticeMilliseconds), help: "on SIGTERM/SIGINT, new requests are answered shutting_down for at least this long before connections close"),
            Setting(key: "logLevel", valueName: "LEVEL", defaultValue: d.logLevel.rawValue, help: "debug, info, warning or error"),
            Setting(key: "defaultPhoneCountry", valueName: "CC", defaultValue: d.defaultPhoneCountry, help: "ISO country for phone numbers written without +country code"),
            Setting(key: "demo", valueName: "BOOL", defaultValue: "true", help: "on first start, create a demo catalog, a demo terminal and operator and print their keys"),
        ]
    }()

    /// Applies one textual value to the setting named `key`.
    mutating func apply(key: String, value: String, source: String) throws(ConfigurationError) {
        func int(_ min: Int = 0) throws(ConfigurationError) -> Int {
            guard let v = Int(value), v >= min else { throw .invalidValue(setting: key, value: value, source: source, expected: "an integer ≥ \(min)") }
            return v
        }
        func bool() throws(ConfigurationError) -> Bool {
            switch value.lowercased() {
            case "true", "1", "yes", "on": return true
            case "false", "0", "no", "off": return false
            default: throw .invalidValue(setting: key, value: value, source: source, expected: "true or false")
            }
        }
        func optional() -> String? { value.isEmpty ? nil : value }
        switch key {
        case "config": break
        case "dataDirectory": dataDirectory = value
        case "listen": listen = value
        case "metricsListen": metricsListen = value
        case "allowPlainTcpOffLoopback": allowPlainTcpOffLoopback = try bool()
        case "tlsCertificate": tlsCertificate = optional()
        case "tlsKey": tlsKey = optional()
        case "tlsClientCA": tlsClientCA = optional()
        case "ioThreads": ioThreads = try int(1)
        case "readers": readers = try int(1)
        case "maxFrameBytes": maxFrameBytes = try int(256)
        case "maxOperatorFrameBytes": maxOperatorFrameBytes = try int(256)
        case "maxInFlightPerConnection": maxInFlightPerConnection = try int(1)
        case "maxConnections": maxConnections = try int(1)
        case "idleTimeoutSeconds": idleTimeoutSeconds = try int(1)
        case "frameDeadlineSeconds": frameDeadlineSeconds = try int(1)
        case "handshakeTimeoutSeconds": handshakeTimeoutSeconds = try int(1)
        case "maxPendingWriteBytes": maxPendingWriteBytes = try int(4096)
        case "readQueueLimit": readQueueLimit = try int(1)
        case "readerPageCache": readerPageCache = try bool()
        case "writerQueueLimit": writerQueueLimit = try int(1)
        case "writerBatchLimit": writerBatchLimit = try int(1)
        case "walCheckpointBytes": walCheckpointBytes = try int(65_536)
        case "walCheckpointBusyBytes": walCheckpointBusyBytes = try int(65_536)
        case "walCheckpointBusyBatch": walCheckpointBusyBatch = try int(1)
        case "writerCommitWaitMicroseconds": writerCommitWaitMicroseconds = try int(0)
        case "writerCommitLimit": writerCommitLimit = try int(1)
        case "walCheckpointSyncInBackground": walCheckpointSyncInBackground = try bool()
        case "walCheckpointWritebackSlicePages": walCheckpointWritebackSlicePages = try int(0)
        case "hotAccounts": hotAccounts = try int(0)
        case "ledgerThread": ledgerThread = try bool()
        case "shutdownGraceSeconds": shutdownGraceSeconds = try int(0)
        case "shutdownNoticeMilliseconds": shutdownNoticeMilliseconds = try int(0)
        case "logLevel":
            guard let level = LogLevel(rawValue: value) else {
                throw .invalidValue(setting: key, value: value, source: source, expected: "debug, info, warning or error")
            }
            logLevel = level
        case "defaultPhoneCountry":
            guard value.count == 2, value.allSatisfy({ $0.isASCII && $0.isLetter }) else {
                throw .invalidValue(setting: key, value: value, source: source, expected: "a two-letter ISO country code")
            }
            defaultPhoneCountry = value.uppercased()
        case "demo": demo = try bool()
        default: throw .unknownSetting(name: key, source: source)
        }
    }

    /// Checks combinations that single values cannot.
    func validate() throws(ConfigurationError) {
        if (tlsCertificate == nil) != (tlsKey == nil) {
            throw .inconsistent("--tls-certificate and --tls-key go together")
        }
        if tlsClientCA != nil && tlsCertificate == nil {
            throw .inconsistent("--tls-client-ca needs --tls-certificate and --tls-key")
        }
        if tlsCertificate == nil && !allowPlainTcpOffLoopback {
            let host = HostPort.split(listen)?.host ?? ""
            if !HostPort.isLoopback(host) {
                throw .inconsistent("plain TCP on \(listen) is off loopback: configure TLS or pass --allow-plain-tcp-off-loopback")
            }
        }
        guard HostPort.split(listen) != nil else { throw .invalidValue(setting: "listen", value: listen, source: "configuration", expected: "HOST:PORT") }
        if !metricsListen.isEmpty {
            guard let metrics = HostPort.split(metricsListen), HostPort.isLoopback(metrics.host) else {
                throw .invalidValue(setting: "metricsListen", value: metricsListen, source: "configuration", expected: "a loopback HOST:PORT")
            }
        }
    }
}

/// A configuration that cannot be used, naming the setting and where it came from.
public enum ConfigurationError: Error, Equatable, CustomStringConvertible {
    case unknownSetting(name: String, source: String)
    case invalidValue(setting: String, value: String, source: String, expected: String)
    case missingValue(flag: String)
    case unreadableFile(path: String, reason: String)
    case inconsistent(String)
    /// A command line the parser refused (an unexpected argument, a flag given twice a value, …).
    case commandLine(CommandLineError)
    /// `--help` was asked for: print the usage and exit 0.
    case helpRequested
    /// `--version` was asked for: print the version and exit 0.
    case versionRequested

    public var description: String {
        switch self {
        case .unknownSetting(let name, let source):
            "unknown setting \(name) (\(source))" + (Self.closestSetting(to: name).map { "; did you mean \(name.hasPrefix("--") ? $0.flag : $0.key)?" } ?? "")
        case .invalidValue(let setting, let value, let source, let expected): "\(setting)=\(value) (\(source)): expected \(expected)"
        case .missingValue(let flag): "\(flag) needs a value"
        case .unreadableFile(let path, let reason): "cannot read configuration file \(path): \(reason)"
        case .inconsistent(let reason): reason
        case .commandLine(let error): error.description
        case .helpRequested: "help requested"
        case .versionRequested: "version requested"
        }
    }
}

extension ConfigurationError {
    /// The setting a mistyped flag (`--lisen`) or file key (`lisen`) most likely meant.
    static func closestSetting(to name: String) -> Setting? {
        let settings = ServerConfiguration.settings
        let candidates = name.hasPrefix("--") ? settings.map(\.flag) : settings.map(\.key)
        guard let near = Suggestion.closest(name, among: candidates) else { return nil }
        return settings.first { $0.flag == near || $0.key == near }
    }
}

/// `HOST:PORT` parsing shared by the configuration and the listeners.
public enum HostPort {
    /// Splits `127.0.0.1:7400` or `[::1]:7400`; nil when malformed.
    public static func split(_ text: String) -> (host: String, port: Int)? {
        guard let colon = text.lastIndex(of: ":") else { return nil }
        var host = String(text[..<colon])
        guard let port = Int(text[text.index(after: colon)...]), (0...65_535).contains(port) else { return nil }
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return host.isEmpty ? nil : (host, port)
    }

    public static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }
}
