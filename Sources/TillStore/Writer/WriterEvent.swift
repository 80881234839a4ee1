/// What the writer has to tell an operator, as data: the daemon logs it in its own format.
///
/// Guarantees: messages carry SQLite's error text and the writer's stage, never a request's bound values (members'
/// personal data is bound, not written into SQL text).
public enum WriterEvent: Sendable, Hashable {
    /// `BEGIN IMMEDIATE` found the write lock held by another process; the batch was answered `overloaded`.
    case writeLockBusy(batchSize: Int, error: String)
    /// A request failed with an error that is not a domain refusal (a bug in the request); it was rolled back alone.
    case requestRolledBack(error: String)
    /// Fail-stop: the failed batch was not acknowledged (a failed checkpoint has no batch: every acknowledged commit is
    /// in the WAL); the store refuses all writes until restart.
    case storageFailure(stage: String, error: String)

    /// One plain line, for a writer with no handler (tests, tools).
    public var line: String {
        switch self {
        case .writeLockBusy(let size, let error):
            "till-writer: BEGIN IMMEDIATE busy (\(error)); batch of \(size) answered overloaded"
        case .requestRolledBack(let error):
            "till-writer: request rolled back: \(error)"
        case .storageFailure(let stage, let error):
            "till-writer: FATAL STORAGE FAILURE — write failed at \(stage): \(error); nothing that was not durable was "
                + "acknowledged; the store refuses all writes until restart"
        }
    }
}
