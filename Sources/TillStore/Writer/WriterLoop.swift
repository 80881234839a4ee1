import CSQLite
import Foundation
import TillCore

/// The writer thread's side: owns the connection, runs batches, checkpoints.
///
/// Guarantees: created, used and destroyed on the writer thread only (not Sendable).
final class WriterLoop {
    private let connection: Connection
    private let context: WriteContext
    private let writer: Writer
    private let walFrames = WalFrameCounter()
    private let lock: WriterLock
    private var batchNumber = 0
    private var failed = false

    init(path: String, writer: Writer, migrations: [Migration]) throws {
        let configuration = writer.configuration
        lock = try WriterLock(databasePath: path)
        try Migrator.refuseNewer(path: path, supported: Int64(migrations.count))
        try StoreFiles.restrict(databasePath: path)
        var options = OpenOptions(mode: .readWrite, busyTimeoutMilliseconds: configuration.checkpointBusyTimeoutMilliseconds,
                                  pageSize: configuration.pageSize)
        options.vfsName = configuration.vfsName
        connection = try Connection(path: path, options: options)
        walFrames.install(on: connection)  // before migrating: the migration's frames count too
        try Migrator.migrate(connection, migrations)
        context = WriteContext(connection: connection, now: Timestamp(millisecondsSinceEpoch: 0))  // stamped before every batch
        self.writer = writer
    }

    deinit { walFrames.uninstall(from: connection) }

    func run() {
        checkpoint(force: false)
        while true {
            switch writer.next() {
            case .batch(let batch): runBatch(batch)
            case .sleep: writer.wake.wait()
            case .stop:
                if !failed { checkpoint(force: true) }
                return
            }
        }
    }

    // MARK: - Batches

    private func runBatch(_ batch: [any QueuedWrite]) {
        batchNumber += 1
        context.stamp(writer.clock())
        let framesBefore = walFrames.frames
        var outcomes: [TillError?] = []
        outcomes.reserveCapacity(batch.count)
        do {
            try connection.execute("BEGIN IMMEDIATE")
        } catch where error.isLockBusy {
            answerOverloaded(batch, error)
            return
        } catch {
            failStop(batch, error: error, stage: "BEGIN of batch \(batchNumber)")
            return
        }
        do {
            if let optimistic = try runOptimistically(batch) {
                outcomes = optimistic
            } else {
                for item in batch { outcomes.append(try runIsolated(item)) }
            }
            if connection.isInTransaction {
                try writer.configuration.hooks?.willCommit(batch: batchNumber)
                try connection.execute("COMMIT")
            }
        } catch let error as SQLiteError where error.isLockBusy && !connection.isInTransaction {
            // Only the rerun's BEGIN can get here: the rollback had released the lock and another process took it.
            answerOverloaded(batch, error)
            return
        } catch {
            failStop(batch, error: error, stage: "batch \(batchNumber) (\(batch.count) requests)")
            return
        }
        // Durable now. Count first (so a completion observes stats that include its batch), then acknowledge.
        let succeeded = outcomes.count { $0 == nil }
        let frames = Int(walFrames.frames)
        // A WAL that SQLite restarted from its beginning (all of it checkpointed) reports fewer frames than before.
        let appended = walFrames.frames >= framesBefore ? frames - Int(framesBefore) : frames
        writer.counters.withLock {
            $0.record(batchSize: batch.count, succeeded: succeeded)
            $0.walFramesWritten += appended
            $0.walFrames = frames
            $0.maxWalFrames = max($0.maxWalFrames, frames)
        }
        for (item, outcome) in zip(batch, outcomes) {
            if let outcome { item.fail(outcome) } else { item.succeed() }
        }
        checkpoint(force: false)
    }

    /// Runs one request in its own savepoint. Returns its domain error (already rolled back), nil on success;
    /// throws when the batch as a whole cannot go on (storage fault, transaction lost).
    private func runIsolated(_ item: any QueuedWrite) throws -> TillError? {
        try connection.execute("SAVEPOINT request")
        do {
            try item.perform(context)
            try connection.execute("RELEASE request")
            return nil
        } catch {
            if let sqlite = error as? SQLiteError, sqlite.isStorageFault { throw error }
            guard connection.isInTransaction else { throw error }  // SQLite rolled the whole transaction back
            try connection.execute("ROLLBACK TO request")
            try connection.execute("RELEASE request")
            return domainError(error)
        }
    }

    /// Another process (an operator's sqlite3 shell?) holds the write lock: nothing was written, not a fault.
    private func answerOverloaded(_ batch: [any QueuedWrite], _ error: SQLiteError) {
        report(.writeLockBusy(batchSize: batch.count, error: "\(error)"))
        for item in batch { item.fail(.overloaded(retryAfterMs: writer.configuration.retryAfterMilliseconds)) }
        writer.counters.withLock { $0.failed += batch.count }
    }

    /// Runs every request of the batch without savepoints: the common case, where all of them succeed, then costs
    /// no statement journal (a savepoint copies every page its request touches). Returns the outcomes (all nil)
    /// when every request succeeded. On the first domain error it rolls the whole transaction back: a batch of one
    /// has its answer then (the transaction was its isolation; nothing is left to commit); a larger batch gets a new
    /// transaction and nil, and the caller runs it again with a savepoint per request, so the outcome is exactly
    /// that of the savepoint path (requests are re-applied from the start; results of this pass are overwritten).
    /// A storage fault throws, as on every path.
    private func runOptimistically(_ batch: [any QueuedWrite]) throws -> [TillError?]? {
        for item in batch {
            do {
                try item.perform(context)
            } catch {
                if let sqlite = error as? SQLiteError, sqlite.isStorageFault { throw error }
                if connection.isInTransaction { try connection.execute("ROLLBACK") }
                if batch.count == 1 { return [domainError(error)] }
                writer.counters.withLock { $0.batchesRerun += 1 }
                writer.configuration.hooks?.willRerun()
                try connection.execute("BEGIN IMMEDIATE")
                return nil
            }
        }
        return Array(repeating: nil, count: batch.count)
    }

    /// A request's error as the client sees it: TillErrors as they are; anything else is a bug of the request
    /// (e.g. a constraint it should have checked): logged, answered without internals.
    private func domainError(_ error: any Error) -> TillError {
        if let till = error as? TillError { return till }
        report(.requestRolledBack(error: "\(error)"))
        return .notAllowed(field: nil, reason: "the store refused the change")
    }

    // MARK: - Fail-stop

    private func failStop(_ batch: [any QueuedWrite], error: any Error, stage: String) {
        failed = true
        if connection.isInTransaction { try? connection.execute("ROLLBACK") }
        let reason = "write failed at \(stage): \(error)"
        report(.storageFailure(stage: stage, error: "\(error)"))
        let queued = writer.enterFailure(reason)
        let failure = Writer.stoppedFailure
        for item in batch { item.fail(failure) }
        for item in queued { item.fail(failure) }
        writer.counters.withLock { $0.failed += batch.count + queued.count }
    }

    // MARK: - Checkpoint

    /// Resets the WAL when it passed the bound (or always when `force`); a storage error here is fail-stop too.
    private func checkpoint(force: Bool) {
        guard !failed, force || walFrames.frames > writer.configuration.checkpointWalPages else { return }
        do {
            let outcome = try connection.checkpointTruncate()
            switch outcome {
            case .truncated:
                walFrames.frames = 0
                writer.counters.withLock { $0.checkpoints += 1; $0.walFrames = 0 }
            case .busy:
                writer.counters.withLock { $0.checkpointsBusy += 1 }
            }
        } catch {
            failStop([], error: error, stage: "checkpoint")
        }
    }

    private func report(_ event: WriterEvent) {
        if let onEvent = writer.configuration.onEvent { onEvent(event); return }
        FileHandle.standardError.write(Data((event.line + "\n").utf8))
    }
}
