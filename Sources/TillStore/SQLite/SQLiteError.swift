import CSQLite

/// An error reported by SQLite, with everything needed to understand it later.
///
/// Guarantees: `extendedCode` is the extended result code SQLite returned (e.g. `SQLITE_IOERR_FSYNC`), `message` is
/// `sqlite3_errmsg` captured at the moment of the failure, and `sql` is the statement that failed when there was one.
public struct SQLiteError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The extended result code (`sqlite3_extended_errcode`).
    public var extendedCode: Int32
    /// SQLite's message for this error.
    public var message: String
    /// The SQL that failed, when the failure belongs to a statement.
    public var sql: String?

    public init(extendedCode: Int32, message: String, sql: String? = nil) {
        self.extendedCode = extendedCode
        self.message = message
        self.sql = sql
    }

    /// The primary result code (the low byte of the extended code), e.g. `SQLITE_IOERR`.
    public var primaryCode: Int32 { extendedCode & 0xFF }

    /// True for errors that mean the storage itself is in trouble (I/O, full disk, corruption, out of memory):
    /// the writer treats them as fail-stop.
    public var isStorageFault: Bool {
        switch primaryCode {
        case SQLITE_IOERR, SQLITE_FULL, SQLITE_CORRUPT, SQLITE_NOMEM, SQLITE_CANTOPEN, SQLITE_NOTADB, SQLITE_PROTOCOL:
            true
        default:
            false
        }
    }

    /// True when another connection holds the lock this one waited for (`SQLITE_BUSY` / `SQLITE_LOCKED`).
    public var isLockBusy: Bool { primaryCode == SQLITE_BUSY || primaryCode == SQLITE_LOCKED }

    /// True when a UNIQUE, PRIMARY KEY, CHECK, NOT NULL or FOREIGN KEY constraint refused the change.
    public var isConstraintViolation: Bool { primaryCode == SQLITE_CONSTRAINT }

    public var description: String {
        let name = String(cString: sqlite3_errstr(extendedCode))
        if let sql { return "SQLite error \(extendedCode) (\(name)): \(message) — in: \(sql)" }
        return "SQLite error \(extendedCode) (\(name)): \(message)"
    }
}
