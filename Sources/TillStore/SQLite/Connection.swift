import CSQLite

/// One SQLite connection (`sqlite3*`).
///
/// Guarantees: opened with `SQLITE_OPEN_NOMUTEX` and the pragmas of its `OpenOptions`; extended result codes on;
/// statements are prepared once per SQL text and cached (`SQLITE_PREPARE_PERSISTENT`); the handle is closed in
/// `deinit`. Not Sendable: one thread uses it at a time (the writer thread, or the reader pool's current borrower).
public final class Connection {
    let handle: OpaquePointer
    /// The database file.
    public let path: String
    public let options: OpenOptions
    /// The writing connection's log of the statements that changed data (`EffectLog`); nil on readers.
    public let effects: EffectLog?
    private var cache: [String: Statement] = [:]
    /// A reader's place in the writer's `ChangedPages`: its page cache then survives commits (`beginSnapshot`).
    var readerPageCache: ReaderPageCache?
    /// Collects the footprint of what runs on this connection (nil: not collected): a read that depends on its
    /// footprint (`ReaderPool`), and the writer's and the ledger's requests (their reach, `Visibility`).
    var footprint: ReadFootprint?
    /// True while a read runs on a snapshot that may not hold every write already answered (a read of a footprint run
    /// before a COMMIT, `ReaderPool`): what it loads must not go into a cache that later reads share (`ProgramCache`).
    var snapshotMayLagAnswers = false

    /// Applies the process-wide SQLite configuration (once): no memory statistics, and the page cache of
    /// `page_cache.h`. Opening a connection applies it; code that initializes SQLite otherwise (registering a VFS) calls
    /// it first, since SQLite takes configuration only before it initializes.
    public static func configureLibrary() { _ = libraryConfiguration }

    private static let libraryConfiguration: Void = {
        _ = till_sqlite_disable_memstatus()  // no global malloc mutex + statistics (nothing reads sqlite3_memory_used)
        _ = till_sqlite_install_page_cache()  // no walk of the whole page cache at a COMMIT after a split (page_cache.h)
    }()

    /// Page-cache truncations the calling thread's connections passed on to SQLite's cache and skipped as dropping
    /// nothing (`page_cache.h`), since the thread started. Called here: the header's counters live in this file's copy.
    static var pageCacheTruncations: (passed: UInt64, skipped: UInt64) {
        let counts = till_page_cache_read_counts()
        return (UInt64(counts.passed), UInt64(counts.skipped))
    }

    public init(path: String, options: OpenOptions) throws(SQLiteError) {
        Self.configureLibrary()
        var db: OpaquePointer?
        var flags = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_PRIVATECACHE
        switch options.mode {
        case .readWrite: flags |= SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
        case .readOnly: flags |= SQLITE_OPEN_READONLY
        }
        let code = sqlite3_open_v2(path, &db, flags, options.vfsName)
        guard code == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(code))
            if let db { sqlite3_close_v2(db) }
            throw SQLiteError(extendedCode: code, message: "cannot open \(path): \(message)")
        }
        self.handle = db
        self.path = path
        self.options = options
        self.effects = options.mode == .readWrite ? EffectLog(limit: options.effectLogLimitBytes)
            : options.defersWrites ? EffectLog(limit: options.effectLogLimitBytes, defersWrites: true) : nil
        sqlite3_extended_result_codes(db, 1)
        sqlite3_busy_timeout(db, options.busyTimeoutMilliseconds)
        try configure()
    }

    deinit {
        byAddress.removeAll()
        recent.removeAll()
        cache.removeAll()  // finalizes the cached statements first
        sqlite3_close_v2(handle)
    }

    private func configure() throws(SQLiteError) {
        try executeScript("PRAGMA foreign_keys = ON; PRAGMA wal_autocheckpoint = 0; PRAGMA cache_size = -\(options.cacheKibibytes);")
        switch options.mode {
        case .readWrite:
            // Before WAL mode: a database in WAL mode can no longer change its page size (and an existing one
            // ignores this).
            if let pageSize = options.pageSize { try executeScript("PRAGMA page_size = \(pageSize);") }
            let mode = try pragmaText("PRAGMA journal_mode = WAL")
            guard mode == "wal" else {
                throw SQLiteError(extendedCode: SQLITE_ERROR, message: "journal_mode is \(mode ?? "?"), not wal", sql: "PRAGMA journal_mode = WAL")
            }
            // temp_store = FILE: statement journals stay in memory up to 64 KiB (all small requests), larger ones spill to
            // an unlinked temp file (never fsynced). With MEMORY, SQLite 3.40 keeps them as lists of 1 KiB chunks and walks
            // the list from its start at the end of every statement inside a savepoint: quadratic in the request's size
            // (20 % of a bulk import's CPU with 1,000-row requests; see bench/backoffice.md).
            // synchronous = NORMAL: a commit writes the WAL without fsync (the journal, written and fsynced before the
            // COMMIT, is the point of durability); the WAL is fsynced before every checkpoint, so the file is always
            // a consistent prefix of the commits, and the journal holds the ones after it.
            try executeScript("PRAGMA synchronous = NORMAL; PRAGMA temp_store = FILE; PRAGMA journal_size_limit = \(options.journalSizeLimitBytes);")
        case .readOnly:
            try executeScript("PRAGMA query_only = ON;")
        }
    }

    /// Begins a read transaction and, on a reader with a `readerPageCache`, starts its snapshot at once with that
    /// cache armed, so that SQLite's reset of the page cache at the start drops only the pages the writer changed
    /// since this connection's last snapshot (`changed_pages.h`). Armed only around that one statement: no other
    /// cache is reset on this thread meanwhile. Called here: the armed state is a static of this file's copy of the
    /// header, the one the page cache installed above reads.
    func beginSnapshot() throws(SQLiteError) {
        try execute("BEGIN DEFERRED")
        guard let reader = readerPageCache else { return }
        till_reader_cache_arm(reader.state)
        defer { till_reader_cache_disarm() }
        try execute("PRAGMA schema_version")
    }

    func lastError(sql: String? = nil) -> SQLiteError {
        SQLiteError(extendedCode: sqlite3_extended_errcode(handle), message: String(cString: sqlite3_errmsg(handle)), sql: sql)
    }

    /// The cached prepared statement for `sql` (prepared on first use).
    public func statement(_ sql: String) throws(SQLiteError) -> Statement {
        // Fast path: SQL texts are almost always literals (or strings kept in statics), whose UTF-8 lives at a fixed
        // address: look them up by address and length, and confirm with ==, which is immediate for the same
        // string (so a freed-and-reused address can never return another statement). Hashing the whole SQL text
        // for every execution cost more than some of the statements themselves.
        let key = TextAddress(sql)
        if let key, let recent = recent[key.slot], recent.key == key, recent.statement.sql == sql { return recent.statement }
        if let key, let cached = byAddress[key], cached.sql == sql {
            recent[key.slot] = (key, cached)
            return cached
        }
        let statement: Statement
        if let cached = cache[sql] {
            statement = cached
        } else {
            statement = try Statement(db: handle, sql: sql, persistent: true, effects: effects)
            cache[sql] = statement
        }
        if let key {
            if byAddress.count >= 4096 { byAddress.removeAll() }  // built SQL texts: keep the side table bounded
            byAddress[key] = statement
            recent[key.slot] = (key, statement)
        }
        return statement
    }

    private var byAddress: [TextAddress: Statement] = [:]
    /// In front of `byAddress`: the statement last found for each slot of its text's address (`TextAddress.slot`),
    /// found without hashing. Two texts of one slot take turns in it and are found in `byAddress` meanwhile.
    private var recent = [(key: TextAddress, statement: Statement)?](repeating: nil, count: TextAddress.slots)

    /// Runs one statement (cached) with `arguments`, ignoring rows. On the ledger's connection, while a request that
    /// decides before writing runs, a data-changing statement is kept in the effect log instead (`EffectLog.deferWrite`):
    /// the writer thread runs it once the request decided.
    public func execute(_ sql: String, _ arguments: [SQLValue] = []) throws(SQLiteError) {
        let statement = try statement(sql)
        if let effects, effects.defersNow, !statement.isReadOnly {
            effects.deferWrite(sql: sql, arguments: arguments)
            return
        }
        try statement.execute(arguments)
    }

    /// Runs a script of several statements without parameters or caching (schema, pragmas).
    public func executeScript(_ sql: String) throws(SQLiteError) {
        // A request's writes are journaled statement by statement (`EffectLog`); a script would bypass the log.
        precondition(effects?.isRecording != true, "executeScript inside a write request: its changes would not be journaled")
        var message: UnsafeMutablePointer<CChar>?
        let code = sqlite3_exec(handle, sql, nil, nil, &message)
        guard code == SQLITE_OK else {
            let text = message.map { String(cString: $0) } ?? String(cString: sqlite3_errstr(code))
            sqlite3_free(message)
            throw SQLiteError(extendedCode: sqlite3_extended_errcode(handle), message: text, sql: sql)
        }
    }

    /// The first column of the first row of `sql` as an integer (nil when there is no row or it is NULL).
    public func int64(_ sql: String, _ arguments: [SQLValue] = []) throws -> Int64? {
        try statement(sql).firstRow(arguments) { $0.optionalInt64(0) } ?? nil
    }

    /// The first column of the first row of `sql` as text (nil when there is no row or it is NULL).
    public func text(_ sql: String, _ arguments: [SQLValue] = []) throws -> String? {
        try statement(sql).firstRow(arguments) { $0.optionalText(0) } ?? nil
    }

    private func pragmaText(_ sql: String) throws(SQLiteError) -> String? {
        let statement = try Statement(db: handle, sql: sql, persistent: false)
        guard try statement.step() else { return nil }
        return Row(statement: statement).optionalText(0)
    }

    /// Rows changed by the latest INSERT, UPDATE or DELETE.
    public var changes: Int64 { sqlite3_changes64(handle) }
    /// The rowid of the latest successful INSERT.
    public var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }
    /// True while a transaction is open (false after COMMIT, ROLLBACK, or an automatic rollback on error).
    public var isInTransaction: Bool { sqlite3_get_autocommit(handle) == 0 }
}

/// Where a string's UTF-8 bytes are, and how many: a key for texts that are almost always the same string (SQL
/// literals, statics, a cached statement's `sql`), found without hashing the whole text. Two different texts can have
/// the same key (a freed-and-reused address, a small string's stack copy): a hit is confirmed with `==`, which is
/// immediate for the same string.
struct TextAddress: Hashable {
    var address: UInt
    var count: Int

    /// How many slots `slot` chooses from.
    static let slots = 256
    /// A slot for the key from its address bits alone (a direct-mapped table in front of a dictionary).
    var slot: Int { Int(truncatingIfNeeded: (address >> 4) ^ (address >> 12)) & (Self.slots - 1) }

    /// Nil for a string without contiguous UTF-8 (a bridged one): looked up by its text instead.
    init?(_ text: String) {
        guard let key = text.utf8.withContiguousStorageIfAvailable({ (address: UInt(bitPattern: $0.baseAddress), count: $0.count) })
        else { return nil }
        (address, count) = key
    }
}
