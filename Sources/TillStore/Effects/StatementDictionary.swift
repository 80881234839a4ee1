/// The SQL texts journal records refer to by number (`journal_statements`), so that a record carries each text once
/// per store, not once per record.
///
/// Guarantees: an id names one text forever (a definition that contradicts a known one is refused as damage); a
/// definition is stored in the same transaction as the first record that uses it (by the writer, or by the replay of
/// that record), so the table always holds the texts of every record at or before the applied position, and later
/// records carry their own new texts. Used on the writer thread only.
final class StatementDictionary {
    private var ids: [String: Int64] = [:]
    private var texts: [Int64: String] = [:]
    private var highest: Int64 = 0
    /// `ids` by where the text's bytes are (`id(of:)`); every hit is confirmed by comparing the texts.
    private var byAddress: [TextAddress: (sql: String, id: Int64)] = [:]

    /// An empty dictionary.
    init() {}

    /// The texts stored in `connection` (none when the table does not exist yet: a store not yet migrated to v3).
    init(loading connection: Connection) throws {
        let exists = try connection.int64("SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'journal_statements'")
        guard exists == 1 else { return }
        try connection.statement("SELECT id, sql FROM journal_statements").forEachRow { row in
            try learn(id: row.int64(0), sql: row.text(1))
        }
    }

    /// The id of `sql`, if known. A batch's entries carry their statements' own `sql` strings, the same few dozen
    /// every batch: found by address first (hashing a whole SQL text per entry cost more than the rest of encoding).
    func id(of sql: String) -> Int64? {
        let key = TextAddress(sql)
        if let key, let hit = recent[key.slot], hit.key == key, hit.sql == sql { return hit.id }
        if let key, let hit = byAddress[key], hit.sql == sql {
            recent[key.slot] = (key, sql, hit.id)
            return hit.id
        }
        guard let id = ids[sql] else { return nil }
        if let key {
            if byAddress.count >= 4_096 { byAddress.removeAll() }  // texts built per call: keep the side table bounded
            byAddress[key] = (sql, id)
            recent[key.slot] = (key, sql, id)
        }
        return id
    }
    /// In front of `byAddress`, as in `Connection.statement`: the text last found for each slot of its address.
    private var recent = [(key: TextAddress, sql: String, id: Int64)?](repeating: nil, count: TextAddress.slots)
    /// The text of `id`, if known.
    func text(of id: Int64) -> String? { texts[id] }
    /// The id the next new text gets.
    var nextId: Int64 { highest + 1 }

    /// Adds a definition (idempotent for the same text).
    func learn(id: Int64, sql: String) throws(EffectRecordError) {
        if let known = texts[id] {
            guard known == sql else { throw .malformed(offset: 0, reason: "statement \(id) is defined twice, differently") }
            return
        }
        guard id > 0, ids[sql] == nil else { throw .malformed(offset: 0, reason: "statement \(id) repeats a known text") }
        texts[id] = sql
        ids[sql] = id
        highest = max(highest, id)
    }

    /// Forgets definitions whose `journal_statements` rows were rolled back (they are learnt again when the records
    /// that define them are applied again).
    func forget(_ forgotten: [Int64]) {
        byAddress.removeAll()
        recent = Array(repeating: nil, count: TextAddress.slots)
        for id in forgotten {
            guard let sql = texts.removeValue(forKey: id) else { continue }
            ids[sql] = nil
        }
        highest = texts.keys.max() ?? 0
    }

    /// Stores definitions in the open transaction (the record that first uses them commits with them).
    static func store(_ definitions: [EffectRecord.Definition], on connection: Connection) throws(SQLiteError) {
        for definition in definitions {
            try connection.execute("INSERT INTO journal_statements (id, sql) VALUES (?1, ?2)",
                                   [.integer(definition.id), .text(definition.sql)])
        }
    }
}
