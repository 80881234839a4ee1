import Dispatch
import Foundation
import Glibc
import Synchronization
import TillCore
import TillStore

extension Store {
    /// Submits and blocks the calling thread until the durable result.
    func blockingWrite<R: WriteRequest>(_ request: R) throws -> R.Output {
        let done = DispatchSemaphore(value: 0)
        let box = Mutex<Result<R.Output, TillError>?>(nil)
        try submit(request) { result in
            box.withLock { $0 = result }
            done.signal()
        }
        done.wait()
        return try box.withLock { $0! }.get()
    }
}

/// CPU time of the calling thread in nanoseconds.
func threadCPUNanoseconds() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
    return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
}

/// CPU time (user + system) of the whole process in nanoseconds.
func processCPUNanoseconds() -> Int64 {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    let user = Int64(usage.ru_utime.tv_sec) * 1_000_000_000 + Int64(usage.ru_utime.tv_usec) * 1_000
    let system = Int64(usage.ru_stime.tv_sec) * 1_000_000_000 + Int64(usage.ru_stime.tv_usec) * 1_000
    return user + system
}

func monotonicNanoseconds() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
}

struct RunResult {
    var batchLimit: Int
    var operations: Int
    var seconds: Double
    var averageBatch: Double
    var writerCPUMicrosPerOp: Double
    var processCPUMicrosPerOp: Double
    /// WAL pages appended by the run's commits, per operation.
    var walPagesPerOp: Double
    /// Journal payload bytes appended by the run's batches, per operation (what each batch's fdatasync makes durable).
    var journalBytesPerOp: Double
    /// Mean time of one journal append (write + fdatasync) and of the COMMIT after it, per batch.
    var syncMicrosPerBatch: Double
    var batchesPerCommit: Double
    var commitMicrosPerBatch: Double
    /// Checkpoints completed during the run, their mean and the longest (the writer waits meanwhile).
    var checkpoints: Int
    var checkpointMillisMean: Double
    var checkpointMillisMax: Double
    var opsPerSecond: Double { Double(operations) / seconds }
}

/// Drives `workload` against a fresh store for `seconds`, keeping 2 × `batchLimit` requests in flight so the writer
/// always finds a full batch waiting.
func run<W: Workload>(_ workload: W, batchLimit: Int, seconds: Double, directory: String, pageSize: Int,
                      requestsPerCommit: Int? = nil, checkpointPages: Int32? = nil,
                      busyCheckpointPages: Int32? = nil) throws -> RunResult {
    var workload = workload
    let path = directory + "/bench-\(batchLimit).db"
    StoreFiles.remove(databasePath: path)
    var configuration = StoreConfiguration(path: path)
    configuration.writer.maxBatchSize = batchLimit
    configuration.writer.pageSize = pageSize
    configuration.writer.queueCapacity = max(4 * batchLimit, 64)
    if let requestsPerCommit { configuration.writer.maxRequestsPerCommit = requestsPerCommit }
    if let checkpointPages { configuration.writer.checkpointWalPages = checkpointPages }
    if let busyCheckpointPages { configuration.writer.busyCheckpointWalPages = busyCheckpointPages }
    // BENCH_LEDGER=1: purchases decided on the ledger thread (`WriterConfiguration.ledgerThread`).
    configuration.writer.ledgerThread = ProcessInfo.processInfo.environment["BENCH_LEDGER"] == "1"
    // BENCH_HOT_ACCOUNTS=N: the writer keeps N accounts in memory (`WriterConfiguration.hotAccounts`; 0: none).
    if let hot = ProcessInfo.processInfo.environment["BENCH_HOT_ACCOUNTS"].flatMap(Int.init) {
        configuration.writer.hotAccounts = hot
    }
    let store = try Store.open(configuration)
    defer { store.shutdown() }
    try workload.prepare(store)

    let statsBefore = store.stats
    let writerCPUBefore = try store.blockingWrite(ClosureWrite { _ in threadCPUNanoseconds() })
    let processCPUBefore = processCPUNanoseconds()
    let window = 2 * batchLimit
    // Start at 0 and signal up: libdispatch traps when a semaphore dies below its initial value.
    let inFlight = DispatchSemaphore(value: 0)
    for _ in 0..<window { inFlight.signal() }
    let failures = Atomic<Int>(0)
    let start = monotonicNanoseconds()
    let deadline = start + Int64(seconds * 1e9)
    var submitted = 0
    while monotonicNanoseconds() < deadline {
        inFlight.wait()
        let request = workload.request(submitted)
        do {
            try store.submit(request) { result in
                if case .failure = result { failures.add(1, ordering: .relaxed) }
                inFlight.signal()
            }
            submitted += 1
        } catch {
            inFlight.signal()
            sched_yield()
        }
    }
    for _ in 0..<window { inFlight.wait() }
    let elapsed = Double(monotonicNanoseconds() - start) / 1e9
    let processCPU = processCPUNanoseconds() - processCPUBefore
    let writerCPU = try store.blockingWrite(ClosureWrite { _ in threadCPUNanoseconds() }) - writerCPUBefore
    let stats = store.stats
    precondition(failures.load(ordering: .relaxed) == 0, "benchmark writes failed")
    let batches = stats.batches - statsBefore.batches - 1  // minus the closing CPU probe
    let ops = Double(submitted)
    return RunResult(batchLimit: batchLimit, operations: submitted, seconds: elapsed,
                     averageBatch: Double(stats.batchSizeSum - statsBefore.batchSizeSum - 1) / Double(max(batches, 1)),
                     writerCPUMicrosPerOp: Double(writerCPU) / 1_000 / ops,
                     processCPUMicrosPerOp: Double(processCPU) / 1_000 / ops,
                     walPagesPerOp: Double(stats.walFramesWritten - statsBefore.walFramesWritten) / ops,
                     journalBytesPerOp: Double(stats.journalBytes - statsBefore.journalBytes) / ops,
                     syncMicrosPerBatch: Double(stats.journalSyncs.totalMicroseconds - statsBefore.journalSyncs.totalMicroseconds)
                        / Double(max(stats.journalRecords - statsBefore.journalRecords, 1)),
                     batchesPerCommit: Double(stats.journalRecords - statsBefore.journalRecords) / Double(max(stats.commits - statsBefore.commits, 1)),
                     commitMicrosPerBatch: Double(stats.commitMicroseconds - statsBefore.commitMicroseconds)
                        / Double(max(stats.journalRecords - statsBefore.journalRecords, 1)),
                     checkpoints: stats.checkpoints - statsBefore.checkpoints,
                     checkpointMillisMean: Double(stats.checkpointDurations.totalMicroseconds - statsBefore.checkpointDurations.totalMicroseconds) / 1_000
                        / Double(max(stats.checkpoints - statsBefore.checkpoints, 1)),
                     checkpointMillisMax: Double(stats.checkpointDurations.longestMicroseconds) / 1_000)
}
