import Dispatch
import Foundation
import TillCore
import TillJournal
import TillStore

/// Recovery: how fast start-up replays journal records onto a database that lost them.
///
/// Seeds the workload, copies the database (`Store.backup`: a snapshot holding its journal position), runs
/// `purchases` requests with batches of up to `batchLimit` (one journal record per batch), stops, puts the snapshot
/// back in place of the database and times `Store.open`, which replays every record written after the snapshot.
func replay<W: Workload>(_ workload: W, purchases: Int, batchLimit: Int, directory: String) throws {
    var workload = workload
    let path = directory + "/bench-replay.db"
    let snapshot = directory + "/bench-replay-snapshot.db"
    StoreFiles.remove(databasePath: path)
    StoreFiles.remove(databasePath: snapshot)
    var configuration = StoreConfiguration(path: path)
    configuration.writer.maxBatchSize = batchLimit
    configuration.writer.queueCapacity = max(4 * batchLimit, 64)
    // One segment large enough for every record: only closed segments are released after a checkpoint, and the
    // snapshot needs all records written after it.
    let segmentBytes = (purchases * 4_096 + (64 << 20) + (1 << 20) - 1) / (1 << 20) * (1 << 20)
    configuration.writer.journal = JournalConfiguration(segmentBytes: segmentBytes)
    let store = try Store.open(configuration)
    try workload.prepare(store)
    try store.backup(to: snapshot)
    let before = store.stats
    let window = 2 * batchLimit
    let inFlight = DispatchSemaphore(value: 0)
    for _ in 0..<window { inFlight.signal() }
    for n in 0..<purchases {
        inFlight.wait()
        try store.submit(workload.request(n)) { result in
            if case .failure(let error) = result { fatalError("replay bench write failed: \(error)") }
            inFlight.signal()
        }
    }
    for _ in 0..<window { inFlight.wait() }
    let records = store.stats.journalRecords - before.journalRecords
    let bytes = store.stats.journalBytes - before.journalBytes
    store.shutdown()

    // The journal's scan alone (read, verify, hand each record to a no-op), for the share of the replay below that is
    // not the projection: this bench's one segment holds every record (hundreds of MiB), a daemon's are 64 MiB.
    let scanStart = monotonicNanoseconds()
    let scanned = try Journal(directory: try DiskJournalDirectory(path: StoreFiles.journalDirectory(databasePath: path)),
                              configuration: JournalConfiguration(segmentBytes: segmentBytes), appliedLSN: .none) { _, _ in }
    let scanSeconds = Double(monotonicNanoseconds() - scanStart) / 1e9
    scanned.finishFileWork()

    for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    try FileManager.default.copyItem(atPath: snapshot, toPath: path)
    let start = monotonicNanoseconds()
    let cpuStart = processCPUNanoseconds()
    var reopening = StoreConfiguration(path: path)
    reopening.writer.journal = JournalConfiguration(segmentBytes: segmentBytes)
    let reopened = try Store.open(reopening)
    let seconds = Double(monotonicNanoseconds() - start) / 1e9
    let cpu = Double(processCPUNanoseconds() - cpuStart) / 1e9
    let replayed = reopened.stats.journalReplayed
    reopened.shutdown()
    precondition(replayed == records, "replayed \(replayed) of \(records) records")
    print("")
    print("replay: \(workload.name); \(purchases) requests in \(records) journal records (batches of up to \(batchLimit)), "
          + String(format: "%.1f MiB", Double(bytes) / 1_048_576))
    print("| records | requests | open + replay s | CPU s | records/s | requests/s | journal scan alone s | requests/s without the scan |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    print(String(format: "| %d | %d | %.2f | %.2f | %.0f | %.0f | %.2f | %.0f |", records, purchases, seconds, cpu,
                 Double(records) / seconds, Double(purchases) / seconds, scanSeconds,
                 Double(purchases) / max(seconds - scanSeconds, 1e-9)))
}
