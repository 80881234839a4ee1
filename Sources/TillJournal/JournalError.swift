/// Every failure of the journal. Each case says what happened in terms an operator can act on.
public enum JournalError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A file operation failed (`errno` as the kernel reported it). The journal stops on the first one.
    case io(operation: String, path: String, errno: Int32)
    /// A record or segment header that is neither valid nor a torn tail: start-up is refused, nothing is skipped.
    case damaged(segment: String, offset: Int, reason: String)
    /// Records the store has not applied are missing (a deleted or lost segment): start-up is refused.
    case missingRecords(expected: LSN, found: LSN)
    /// One record's payload is larger than the journal accepts.
    case recordTooLarge(bytes: Int, limit: Int)
    /// Too many records wait to be written: try again later.
    case overloaded(waiting: Int)
    /// The journal stopped after an I/O error and writes nothing more until the process restarts (fail-stop:
    /// a failed fdatasync is never retried, the kernel may already have dropped the pages).
    case stopped(reason: String)
    /// The journal is shutting down and takes no more records.
    case shuttingDown

    public var description: String {
        switch self {
        case .io(let operation, let path, let errno): "journal \(operation) failed on \(path) (errno \(errno))"
        case .damaged(let segment, let offset, let reason):
            "journal damaged in \(segment) at offset \(offset): \(reason); refusing to start"
        case .missingRecords(let expected, let found):
            "journal records missing: expected LSN \(expected) next, found \(found); refusing to start"
        case .recordTooLarge(let bytes, let limit): "journal record of \(bytes) bytes exceeds \(limit)"
        case .overloaded(let waiting): "journal overloaded: \(waiting) records waiting"
        case .stopped(let reason): "journal stopped after an I/O error: \(reason)"
        case .shuttingDown: "journal shutting down"
        }
    }
}
