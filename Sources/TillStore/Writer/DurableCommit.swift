import TillCore
import TillJournal

/// How a batch was made durable, for the writer's counters (recorded with the batch's own, under one lock).
enum DurableCommit {
    /// The requests changed nothing: nothing to make durable (committed, or left in the transaction of the answered
    /// batches before it).
    case nothingChanged
    /// Too large for a record: committed (with the answered batches before it) and SQLite fsynced its WAL.
    case syncedBySQLite
    /// One journal record, handed to the journal thread; the answers follow its fdatasync, the COMMIT the answers
    /// (its sync's time is counted by the journal thread).
    case journaled(bytes: Int)

    /// The transaction is still open: the caller answers, then commits.
    var commitFollows: Bool {
        if case .journaled = self { return true }
        return false
    }

    func record(in stats: inout WriterStats) {
        switch self {
        case .nothingChanged: break
        case .syncedBySQLite: stats.sqliteSyncedBatches += 1
        case .journaled(let bytes):
            stats.journalRecords += 1
            stats.journalBytes += bytes
        }
    }
}

/// WAL frames after a commit, for the writer's counters.
struct WALFrames {
    var total: Int
    var appended: Int

    func record(in stats: inout WriterStats) {
        stats.walFramesWritten += appended
        stats.walFrames = total
        stats.maxWalFrames = max(stats.maxWalFrames, total)
    }
}

/// How many WAL pages a request adds at its COMMIT, averaged over the latest commits (the older ones count half
/// each time 4,096 requests were seen): integer arithmetic, an estimate for scheduling only.
struct PagesPerRequest {
    private var frames = 0
    private var requests = 0

    /// Frames per 1,024 requests; nil before the first observation (nothing to estimate from yet).
    var framesPer1024Requests: Int? { requests == 0 ? nil : frames * 1_024 / requests }

    mutating func observe(frames appended: Int, requests committed: Int) {
        guard committed > 0 else { return }
        frames += appended
        requests += committed
        if requests > 4_096 {
            frames /= 2
            requests /= 2
        }
    }
}

/// A batch's requests and their outcomes (nil: succeeded), handed to whichever thread answers them once the batch is
/// durable (`WriterLoop.answer`).
struct Answers: Sendable {
    let requests: [any QueuedWrite]
    let outcomes: [TillError?]

    init(requests: [any QueuedWrite], outcomes: [TillError?]) {
        precondition(requests.count == outcomes.count, "one outcome per request")
        self.requests = requests
        self.outcomes = outcomes
    }

    /// Delivers the answers once every record through `lsn` is durable (`JournalWriter.whenDurable`): at once when
    /// they are, else on the journal thread right after the fdatasync, which then wakes an idle writer to commit them
    /// (`WriterLoop.run`). If the journal fails first, the requests fail with the store's fail-stop.
    func deliver(whenDurableThrough lsn: LSN, in journal: JournalWriter, writer: Writer) {
        journal.whenDurable(through: lsn) { [self, writer] result in
            switch result {
            case .success:
                writer.visibility.answering()
                deliver()
                writer.wakeWriter()
            case .failure(let error):
                writer.stopWriting(failing: requests, stage: "journal", reason: "\(error)")
            }
        }
    }

    /// Completes every request with its outcome, in batch order.
    func deliver() {
        for (request, outcome) in zip(requests, outcomes) {
            if let outcome { request.fail(outcome) } else { request.succeed() }
        }
    }
}
