import TillJournal

/// Where the store stands in the journal: the LSN of the last record whose effects the database holds
/// (`journal_position.applied_lsn`, written in the transaction that applies them).
///
/// Guarantees: `applied` reads 0 (nothing applied) for a store created before the journal existed or not yet
/// migrated; `advance` is only called inside the writer's open transaction, so the position and the effects it
/// names commit together or not at all.
enum JournalPosition {
    static func applied(_ connection: Connection) throws -> LSN {
        let exists = try connection.int64("SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'journal_position'")
        guard exists == 1 else { return .none }
        guard let value = try connection.int64("SELECT applied_lsn FROM journal_position WHERE id = 1"), value >= 0 else {
            return .none
        }
        return LSN(UInt64(value))
    }

    static func advance(_ connection: Connection, to lsn: LSN) throws(SQLiteError) {
        precondition(connection.isInTransaction, "the journal position moves only with the effects it names")
        precondition(connection.effects?.isRecording != true, "the journal position is not an effect of a request")
        try connection.execute("UPDATE journal_position SET applied_lsn = ?1 WHERE id = 1", [.integer(Int64(lsn.rawValue))])
        guard connection.changes == 1 else {
            throw SQLiteError(extendedCode: 1, message: "journal_position has no row", sql: "UPDATE journal_position")
        }
    }

    /// Applies one journal record's effects (`EffectRecord`) inside the open transaction, without recording them,
    /// with the statement texts it defines and the position it reaches.
    static func replay(_ payload: [UInt8], lsn: LSN, on connection: Connection, dictionary: StatementDictionary) throws {
        let decoded: (entries: [EffectLog.Entry], definitions: [EffectRecord.Definition])
        do {
            decoded = try EffectRecord.decode(payload, dictionary: dictionary)
        } catch {
            throw StoreOpenError.journal(reason: "record \(lsn): \(error)")
        }
        for entry in decoded.entries {
            do {
                try connection.execute(entry.sql, entry.arguments)
            } catch {
                throw StoreOpenError.journal(reason: "record \(lsn) does not replay: \(error)")
            }
        }
        try StatementDictionary.store(decoded.definitions, on: connection)
        for definition in decoded.definitions { try dictionary.learn(id: definition.id, sql: definition.sql) }
        try advance(connection, to: lsn)
    }
}
