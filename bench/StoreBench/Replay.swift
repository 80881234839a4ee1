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
    let (scanSeconds, replaySeconds) = (Double(reopened.stats.journalScanMicroseconds) / 1e6,
                                        Double(reopened.stats.journalReplayMicroseconds) / 1e6)
    reopened.shutdown()
    precondition(replayed == records, "replayed \(replayed) of \(records) records")
    print("")
    print("replay: \(workload.name); \(purchases) requests in \(records) journal records (batches of up to \(batchLimit)), "
          + String(format: "%.1f MiB", Double(bytes) / 1_048_576))
    // The store's own split of its start-up (`journalScanMicroseconds`, `journalReplayMicroseconds`): this bench keeps
    // every record in one segment sized for all of them (hundreds of MiB, read whole), where a daemon's are 64 MiB, so
    // the replay alone is what a projector would do for these records.
    print("| records | requests | open + replay s | CPU s | records/s | requests/s | journal scan s | replay s | requests/s replayed | µs per request replayed |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    print(String(format: "| %d | %d | %.2f | %.2f | %.0f | %.0f | %.2f | %.2f | %.0f | %.1f |", records, purchases, seconds, cpu,
                 Double(records) / seconds, Double(purchases) / seconds, scanSeconds, replaySeconds,
                 Double(purchases) / max(replaySeconds, 1e-9), replaySeconds * 1e6 / Double(purchases)))
}
