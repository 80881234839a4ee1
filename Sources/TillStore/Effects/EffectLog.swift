import Foundation

/// The effects of one batch of writes, as the writer's connection made them: every data-changing statement it
/// stepped, in order, with the values bound to it. Replayed onto the store in the state the batch started from, they
/// make exactly the same rows again (same rowids, same triggers, same search index), without running the rules that
/// decided them: a later catalog change cannot rewrite history.
///
/// Guarantees:
/// - only statements SQLite reports as writing (`sqlite3_stmt_readonly` false) are kept, each once per execution,
///   after its first successful step (a statement that failed changed nothing and is not kept);
/// - nothing is kept while `isRecording` is false (the writer's own bookkeeping, replay itself);
/// - `rollBack(to:)` forgets what a rolled-back savepoint did, `reset()` what a rolled-back transaction did;
/// - bounded: once the estimated size of its values passes `limit`, the log drops its entries and reports `overflowed`
///   (the writer then makes that batch durable through SQLite's own fsync instead of the journal).
///
/// Owned by the writer's connection; used on the writer thread only.
public final class EffectLog {
    /// One executed statement.
    public struct Entry: Equatable, Sendable {
        public let sql: String
        public let arguments: [SQLValue]
    }

    /// Where a request started: what `rollBack(to:)` returns to.
    struct Mark {
        fileprivate let count: Int
        fileprivate let bytes: Int
    }

    /// Upper bound of the encoded size before the log overflows.
    let limit: Int
    /// True on the ledger's read connection (`Ledger`): a data-changing statement of a request that decides before
    /// writing is kept here instead of being stepped (`deferWrite`), and the writer thread runs it later, in order.
    let defersWrites: Bool
    /// The writes the running request deferred, in order (`defersWrites`), and their size in a record but for the
    /// SQL texts (`EffectRecord.encodedSizeBound(statementWith:)`).
    private var deferred: [Entry] = []
    private var deferredBytes = 0
    /// True while statements are being captured (a request runs: `beginRequest`).
    private(set) var isRecording = false
    /// True while a request runs that promised to make every read before its first write
    /// (`WriteRequest.decidesBeforeWriting`).
    private(set) var decidesBeforeWriting = false
    /// True once a data-changing statement of the running request succeeded.
    private var requestWrote = false
    public private(set) var entries: [Entry] = []
    /// The size `EffectRecord.encode(entries)` will have, but for the SQL texts a record defines (a batch uses a few
    /// dozen distinct statements; the writer checks the encoded size against the limit too).
    private(set) var estimatedBytes = 0
    /// True once the batch wrote more than `limit` bytes of effects: entries are gone, the batch cannot be journaled.
    private(set) var overflowed = false

    init(limit: Int, defersWrites: Bool = false) {
        precondition(limit > 0, "an effect log needs room for at least one statement")
        self.limit = limit
        self.defersWrites = defersWrites
    }

    /// True when `Connection.execute` must keep a data-changing statement instead of stepping it: the ledger's
    /// connection, while a request that decides before writing runs.
    var defersNow: Bool { defersWrites && decidesBeforeWriting }

    /// Keeps a write of the running request, to be run by the writer thread once the request decided (`takeDeferred`).
    func deferWrite(sql: String, arguments: [SQLValue]) {
        precondition(defersNow, "a write deferred outside a request that decides before writing on the ledger")
        requestWrote = true
        deferred.append(Entry(sql: sql, arguments: arguments))
        deferredBytes += EffectRecord.encodedSizeBound(statementWith: arguments)
    }

    /// The writes the running request deferred, in order, and their size in a record but for the SQL texts (emptied).
    func takeDeferred() -> (writes: [Entry], bytes: Int) {
        defer {
            deferred = []
            deferredBytes = 0
        }
        return (deferred, deferredBytes)
    }

    /// Keeps one executed statement (called by `Statement.step`).
    func record(sql: String, arguments: [SQLValue]) {
        guard isRecording else { return }
        requestWrote = true
        guard !overflowed else { return }
        estimatedBytes += EffectRecord.encodedSizeBound(statementWith: arguments)
        if estimatedBytes > limit {
            overflowed = true
            entries = []
            return
        }
        entries.append(Entry(sql: sql, arguments: arguments))
    }

    /// Starts capturing one request's statements.
    func beginRequest(decidesBeforeWriting: Bool) {
        isRecording = true
        self.decidesBeforeWriting = decidesBeforeWriting
        requestWrote = false
    }

    /// Stops capturing (the request returned or threw).
    func endRequest() {
        isRecording = false
        decidesBeforeWriting = false
        deferred.removeAll(keepingCapacity: true)
        deferredBytes = 0
    }

    /// Whether the running request may step the read-only statement `sql` now: false when it promised to decide
    /// before writing and one of its writes succeeded already. Called by `Statement.step` inside an `assert`, so
    /// only debug builds check (a read after a write is correct on the writing connection; it is what a ledger
    /// deciding on its own read connection could not do).
    func mayRead(_ sql: String) -> Bool {
        guard decidesBeforeWriting, requestWrote else { return true }
        FileHandle.standardError.write(Data("a request that decides before writing read after its first write: \(sql)\n".utf8))
        return false
    }

    /// The current position, before a request runs in its own savepoint.
    var mark: Mark { Mark(count: entries.count, bytes: estimatedBytes) }

    /// True when no data-changing statement succeeded since `mark` and the log kept every one: the database is as it
    /// was at `mark` (a failed statement changes nothing).
    func keptNothing(since mark: Mark) -> Bool { !overflowed && entries.count == mark.count }

    /// Forgets the statements kept since `mark` (their savepoint was rolled back). An overflow stays: the batch is
    /// then committed through SQLite, which is always correct.
    func rollBack(to mark: Mark) {
        guard !overflowed else { return }
        precondition(mark.count <= entries.count, "rolling back to a mark of another batch")
        entries.removeSubrange(mark.count...)
        estimatedBytes = mark.bytes
    }

    /// Empties the log for the next batch (or after the whole transaction was rolled back).
    func reset() {
        entries.removeAll(keepingCapacity: entries.count <= 4_096)
        estimatedBytes = 0
        overflowed = false
    }
}
