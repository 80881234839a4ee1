import Foundation
import Glibc
import TillCore
import TillIO
import TillStore

/// A running Till: the store opened (migrated), the demo set up on first start when asked, and the daemon
/// listening. `tilld` runs one; tests start one in-process on an ephemeral port.
///
/// Guarantees: `stop()` drains in-flight requests, commits and checkpoints the store, and closes every connection,
/// in that order; nothing acknowledged is lost by stopping.
public final class TillInstance: Sendable {
    public let configuration: ServerConfiguration
    public let daemon: TillDaemon
    public let loyalty: LoyaltyStore
    public let port: Int
    public let metricsPort: Int?
    /// The demo keys, when the demo is enabled (created on first start, read back on later starts).
    public let demoKeys: DemoKeys?

    public static func start(configuration: ServerConfiguration, log: Log) throws(DaemonError) -> TillInstance {
        try start(configuration: configuration, log: log, time: SystemTime(), adjustStore: { _ in })
    }

    /// `time` is the one time source of the daemon (loops' timers, timeouts, latencies, the store's and the answers'
    /// wall clock); `adjustStore` changes the store's configuration after the server's settings were applied (tests
    /// hook the readers' `onWait` there).
    static func start(configuration: ServerConfiguration, log: Log, time: any TimeSource,
                      adjustStore: (inout StoreConfiguration) -> Void) throws(DaemonError) -> TillInstance {
        let folder = try DataDirectory.prepare(configuration.dataDirectory, log: log)
        var storeConfiguration = StoreConfiguration(path: folder.appendingPathComponent("till.sqlite").path)
        storeConfiguration.readers = configuration.readers
        storeConfiguration.reading.queueCapacity = configuration.readQueueLimit
        storeConfiguration.reading.keepsPageCache = configuration.readerPageCache
        let readWait = Histogram.latencyMicroseconds()
        storeConfiguration.reading.onWait = { readWait.observe($0) }
        storeConfiguration.reading.time = time
        storeConfiguration.clock = { time.wallNow() }  // the one wall clock: writes are stamped from it once per batch
        storeConfiguration.writer.queueCapacity = configuration.writerQueueLimit
        storeConfiguration.writer.maxBatchSize = configuration.writerBatchLimit
        // The settings are bytes; the writer counts WAL frames of the store's 4 KiB pages (at least 16: the settings'
        // minimum of 65,536 bytes).
        func walPages(_ bytes: Int) -> Int32 { Int32(clamping: max(16, bytes / 4_096)) }
        storeConfiguration.writer.checkpointWalPages = walPages(configuration.walCheckpointBytes)
        storeConfiguration.writer.busyCheckpointWalPages = walPages(configuration.walCheckpointBusyBytes)
        storeConfiguration.writer.busyBatchRequests = configuration.walCheckpointBusyBatch
        storeConfiguration.writer.carriedCommitWaitMicroseconds = configuration.writerCommitWaitMicroseconds
        storeConfiguration.writer.databaseSyncInBackground = configuration.walCheckpointSyncInBackground
        storeConfiguration.writer.databaseWritebackSlicePages = configuration.walCheckpointWritebackSlicePages
        storeConfiguration.writer.hotAccounts = configuration.hotAccounts
        storeConfiguration.writer.ledgerThread = configuration.ledgerThread
        storeConfiguration.writer.maxRequestsPerCommit = configuration.writerCommitLimit
        adjustStore(&storeConfiguration)
        storeConfiguration.writer.onEvent = { event in
            switch event {
            case .writeLockBusy(let size, let error):
                log.warning("store_write_lock_busy", ["batch_size": String(size), "error": error])
            case .requestRolledBack(let error):
                log.warning("store_request_rolled_back", ["error": error])
            case .storageFailure(let stage, let error):
                log.error("store_failed_stop", ["stage": stage, "error": error,
                                                 "effect": "nothing of the batch acknowledged; writes refused until restart"])
            }
        }
        let store: Store
        do {
            store = try Store.open(storeConfiguration)
        } catch {
            throw .store("\(error)")
        }
        let opened = store.stats
        log.info("store_recovered", ["journal_replayed": String(opened.journalReplayed),
                                     "journal_torn_bytes": String(opened.journalTornBytes),
                                     "journal_scan_us": String(opened.journalScanMicroseconds),
                                     "journal_replay_us": String(opened.journalReplayMicroseconds),
                                     "applied_lsn": String(opened.appliedLSN)])
        let loyalty = LoyaltyStore(store: store)
        let backOffice = BackOffice(
            store: store,
            keys: { role throws(TillError) in
                do {
                    let key = try APIKey.generate(role: role == .terminal ? .terminal : .operator)
                    return (key.secret, key.digest)
                } catch {
                    throw .storageFailure(reason: "no randomness for a new key")
                }
            },
            catalogChanged: { loyalty.catalogChanged() })
        var demoKeys: DemoKeys?
        do {
            if configuration.demo {
                demoKeys = try DemoKeys.prepare(loyalty: loyalty, folder: folder)
            }
        } catch {
            store.shutdown()
            throw .store("demo setup failed: \(error)")
        }
        let registry = MetricsRegistry()
        StoreMetrics.register(store: store, walPath: storeConfiguration.path + "-wal", readWait: readWait, in: registry)
        let context = ServerContext(loyalty: loyalty, backOffice: backOffice, configuration: configuration, log: log, registry: registry,
                                    time: time)
        let daemon: TillDaemon
        let ports: (port: Int, metricsPort: Int?)
        do {
            daemon = try TillDaemon(context: context, registry: registry)
            ports = try daemon.start(readiness: { readiness(of: store) })
        } catch let error as DaemonError {
            store.shutdown()
            throw error
        } catch {
            store.shutdown()
            throw .configuration("\(error)")
        }
        return TillInstance(
            configuration: configuration, daemon: daemon, loyalty: loyalty, port: ports.port,
            metricsPort: ports.metricsPort, demoKeys: demoKeys)
    }

    private init(configuration: ServerConfiguration, daemon: TillDaemon, loyalty: LoyaltyStore, port: Int, metricsPort: Int?, demoKeys: DemoKeys?) {
        self.configuration = configuration
        self.daemon = daemon
        self.loyalty = loyalty
        self.port = port
        self.metricsPort = metricsPort
        self.demoKeys = demoKeys
    }

    /// nil when the store takes writes; else why not (what `/readyz` answers with 503).
    static func readiness(of store: Store) -> String? {
        store.stats.storageFailure.map { "the store stopped after a storage failure: \($0)" }
    }

    /// Drains, commits, checkpoints, closes.
    public func stop() {
        let store = loyalty.underlying
        daemon.shutdown(afterDrain: { store.shutdown() })
    }
}

/// The data directory: it holds members' personal data and key digests, so only tilld's user may enter it.
enum DataDirectory {
    static let mode: mode_t = 0o700

    /// Creates the directory with mode 0700, or narrows an existing one to 0700 (saying so in the log).
    static func prepare(_ path: String, log: Log) throws(DaemonError) -> URL {
        let folder = URL(fileURLWithPath: path)
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: Int(mode)])
        } catch {
            throw .store("cannot create data directory \(path): \(error)")
        }
        var status = stat()
        guard stat(path, &status) == 0 else { throw .store("cannot read data directory \(path): errno \(errno)") }
        if status.st_mode & 0o777 != mode {
            guard chmod(path, mode) == 0 else { throw .store("cannot set mode 0700 on data directory \(path): errno \(errno)") }
            log.info("data directory mode set", ["path": path, "mode": "0700", "was": String(status.st_mode & 0o777, radix: 8)])
        }
        return folder
    }
}
