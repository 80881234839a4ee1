import TillJournal

extension WriterLoop {
    /// Opens the journal and applies the records after the database's position, in transactions of up to 1,024
    /// records (each with the position it reaches). A damaged record, a gap, or a record that does not apply refuses
    /// the start-up with the reason; a torn tail (never acknowledged) is cut off by `Journal`.
    static func recover(_ connection: Connection, path: String,
                                configuration: WriterConfiguration) throws -> (Journal, StatementDictionary) {
        let directory: any JournalDirectory
        do {
            directory = try configuration.journalDirectory ?? DiskJournalDirectory(path: StoreFiles.journalDirectory(databasePath: path))
        } catch {
            throw StoreOpenError.journal(reason: "\(error)")
        }
        let applied = try JournalPosition.applied(connection)
        let dictionary = try StatementDictionary(loading: connection)
        var inTransaction = 0
        do {
            let journal = try Journal(directory: directory, configuration: configuration.journal, appliedLSN: applied) {
                lsn, payload in
                if !connection.isInTransaction { try connection.execute("BEGIN IMMEDIATE") }
                try JournalPosition.replay(payload, lsn: lsn, on: connection, dictionary: dictionary)
                inTransaction += 1
                if inTransaction == 1_024 {
                    try connection.execute("COMMIT")
                    inTransaction = 0
                }
            }
            if connection.isInTransaction { try connection.execute("COMMIT") }
            return (journal, dictionary)
        } catch let error as JournalError {
            if connection.isInTransaction { try? connection.execute("ROLLBACK") }
            throw StoreOpenError.journal(reason: error.description)
        } catch {
            if connection.isInTransaction { try? connection.execute("ROLLBACK") }
            throw error
        }
    }
}
