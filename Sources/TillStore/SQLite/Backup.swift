import CSQLite

/// An online copy of one connection's `main` database into another (`sqlite3_backup_*`).
///
/// Guarantees: the destination receives a page-exact copy of the snapshot the source reads; copying happens in
/// steps of `pagesPerStep` pages; the backup handle is always finished (released), also on error.
enum OnlineBackup {
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
