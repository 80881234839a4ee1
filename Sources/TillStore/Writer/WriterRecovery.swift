import TillCore
import TillJournal

extension WriterLoop {
    /// How long start-up spent on the journal, in microseconds: applying the records the database lacked (`replay`:
    /// their statements, their transactions' COMMITs), and everything else opening it did (`scan`: reading and
    /// verifying every segment, cutting a torn tail).
    struct RecoveryTimes {
        var scanMicroseconds = 0
        var replayMicroseconds = 0
    }

    /// Opens the journal and applies the records after the database's position, in transactions of up to 1,024
    /// records (each with the position it reaches). A damaged record, a gap, or a record that does not apply refuses
    /// the start-up with the reason; a torn tail (never acknowledged) is cut off by `Journal`.
    static func recover(_ connection: Connection, path: String, configuration: WriterConfiguration)
        throws -> (Journal, StatementDictionary, RecoveryTimes) {
        let directory: any JournalDirectory
        do {
            directory = try configuration.journalDirectory ?? DiskJournalDirectory(path: StoreFiles.journalDirectory(databasePath: path))
        } catch {
            throw StoreOpenError.journal(reason: "\(error)")
        }
        let applied = try JournalPosition.applied(connection)
        let dictionary = try StatementDictionary(loading: connection)
        var inTransaction = 0
        let clock = SystemTime()
        var replayNanoseconds: UInt64 = 0
        let started = clock.now()
        do {
            let journal = try Journal(directory: directory, configuration: configuration.journal, appliedLSN: applied) {
                lsn, payload in
                let replayStarted = clock.now()
                defer { replayNanoseconds += clock.now().nanoseconds - replayStarted.nanoseconds }
                if !connection.isInTransaction { try connection.execute("BEGIN IMMEDIATE") }
                try JournalPosition.replay(payload, lsn: lsn, on: connection, dictionary: dictionary)
                inTransaction += 1
                if inTransaction == 1_024 {
                    try connection.execute("COMMIT")
                    inTransaction = 0
                }
            }
            if connection.isInTransaction {
                let committing = clock.now()
                try connection.execute("COMMIT")
                replayNanoseconds += clock.now().nanoseconds - committing.nanoseconds
            }
            let total = Int(clock.now().microseconds(since: started))
            let replay = Int(replayNanoseconds / 1_000)
            return (journal, dictionary, RecoveryTimes(scanMicroseconds: max(total - replay, 0), replayMicroseconds: replay))
        } catch let error as JournalError {
            if connection.isInTransaction { try? connection.execute("ROLLBACK") }
            throw StoreOpenError.journal(reason: error.description)
        } catch {
            if connection.isInTransaction { try? connection.execute("ROLLBACK") }
            throw error
        }
    }
}
