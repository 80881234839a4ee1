import CSQLite

/// An online copy of one connection's `main` database into another (`sqlite3_backup_*`).
///
/// Guarantees: the destination receives a page-exact copy of the snapshot the source reads; copying happens in
/// steps of `pagesPerStep` pages; the backup handle is always finished (released), also on error.
enum OnlineBackup {
    /// Copies `source` (inside its read transaction) into a new WAL database file at `path` with the same page size
    /// (SQLite refuses to back up into a WAL database whose page size differs), then checkpoints the copy so that the
    /// file stands alone. Used by `Store.backup` and by `StoreRestore`.
    static func copyDatabase(from source: Connection, toFile path: String, pagesPerStep: Int32) throws {
        let pageSize = try source.int64("PRAGMA page_size").map(Int.init)
        let target = try Connection(path: path, options: OpenOptions(mode: .readWrite, pageSize: pageSize))
        try copy(from: source, to: target, pagesPerStep: pagesPerStep)
        _ = try target.text("PRAGMA wal_checkpoint(TRUNCATE)")
    }

    static func copy(from source: Connection, to destination: Connection, pagesPerStep: Int32) throws(SQLiteError) {
        guard let backup = sqlite3_backup_init(destination.handle, "main", source.handle, "main") else {
            throw destination.lastError(sql: "sqlite3_backup_init")
        }
        var stepError: SQLiteError?
        loop: while true {
            let code = sqlite3_backup_step(backup, pagesPerStep)
            switch code & 0xFF {
            case SQLITE_OK, SQLITE_BUSY, SQLITE_LOCKED:
                continue  // more pages (or a lock held for a moment: step again)
            case SQLITE_DONE:
                break loop
            default:
                stepError = SQLiteError(extendedCode: code, message: String(cString: sqlite3_errstr(code)), sql: "sqlite3_backup_step")
                break loop
            }
        }
        let finish = sqlite3_backup_finish(backup)
        if let stepError { throw stepError }
        guard finish == SQLITE_OK else { throw destination.lastError(sql: "sqlite3_backup_finish") }
    }
}
