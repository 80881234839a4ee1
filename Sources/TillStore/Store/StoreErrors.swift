import TillCore

/// The one place where what the store throws becomes a wire error: a `TillError` (validation, rules, `overloaded`,
/// a writer's `storage_failure`) passes unchanged; anything else (SQLite, I/O) is a `storage_failure`, never
/// acknowledged as a success.
public enum StoreErrors {
    public static func map(_ error: any Error) -> TillError {
        if let e = error as? TillError { return e }
        return .storageFailure(reason: "the store could not be read: \(error)")
    }
}
