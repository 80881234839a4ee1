import Dispatch
import Foundation
import Synchronization
import TillCore
import TillStore

/// The import floor: what SQLite alone takes to store the bench's members through the store's writer (2,000 members
/// per write request, 2 requests in flight, one durable commit per batch), with no parsing, no checks and no look-ups,
/// one prepared statement per table with positional binding. It bounds what any import on this schema and this
/// machine can reach.
///
/// Parts: `search` writes only each member's `member_search` row (the FTS5 trigram index that contains-search needs,
/// same texts as the import); `rows` writes only the member row, its 3 identifiers (member key, phone, email), a
/// points wallet and its ledger row (what POS identification, the profile and the balance need); `all` writes both,
/// which is what the import writes per member apart from its checks and one activity entry per request. `minimal` is
/// not our schema: the least any layout could write for the same functions (the identifiers as unique columns of the
/// member row, the balance on it, one ledger row, a trigram index with incremental merges off), in scratch tables.
enum ImportFloor {
    enum Part: String, CaseIterable { case search, rows, all, minimal }

    static func run(part: Part, count: Int, path: String, names: (Int) -> (first: String, last: String)) throws {
        StoreFiles.remove(databasePath: path)
        let store = try Store.open(StoreConfiguration(path: path))
        try tuneSearchIndex(store)
        let perRequest = 2_000
        let inFlight = DispatchSemaphore(value: 2)
        let done = DispatchGroup()
        let failure = FailureBox()
        let started = DispatchTime.now()
        var first = 0
        while first < count {
            let range = first..<min(first + perRequest, count)
            let texts = range.map { i -> (String, String, String, String, String) in
                let n = names(i)
                return ("K\(10_000_000 + i)", n.first, n.last, "+49151\(10_000_000 + i)", "\(n.first.lowercased()).m\(i)@example.com")
            }
            inFlight.wait()
            done.enter()
            let request = ClosureWrite { context in
                try write(part, context.connection, firstId: Int64(range.lowerBound + 1), texts)
            }
            do {
                try store.submit(request) { result in
                    if case .failure(let error) = result { failure.set("\(error)") }
                    inFlight.signal(); done.leave()
                }
            } catch {
                failure.set("\(error)"); inFlight.signal(); done.leave()
            }
            first = range.upperBound
            if first % 250_000 == 0 {
                let s = Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e9
                FileHandle.standardError.write(Data("  \(first) submitted, \(String(format: "%.1f", s)) s\n".utf8))
            }
        }
        done.wait()
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e9
        if let message = failure.message { fatalError("floor write failed: \(message)") }
        let members = try store.read { try $0.int64(part == .search ? "SELECT count(*) FROM member_search"
                                                    : part == .minimal ? "SELECT count(*) FROM floor_members" : "SELECT count(*) FROM members") ?? 0 }
        precondition(members == Int64(count), "wrote \(members) of \(count)")
        print("floor \(part.rawValue): \(count) members in \(String(format: "%.1f", seconds)) s = \(Int(Double(count) / seconds)) members/s")
        store.shutdown()
    }

    private static func write(_ part: Part, _ c: Connection, firstId: Int64,
                              _ texts: [(key: String, first: String, last: String, phone: String, email: String)]) throws {
        let at: Int64 = 1_700_000_000_000
        if part == .minimal {
            // One prepared statement each: a write request's statements are journaled one by one.
            try c.execute("""
                CREATE TABLE IF NOT EXISTS floor_members (id INTEGER PRIMARY KEY, member_key TEXT NOT NULL UNIQUE, phone TEXT UNIQUE,
                    email TEXT UNIQUE, first_name TEXT, last_name TEXT, points INTEGER NOT NULL) STRICT
                """)
            try c.execute("CREATE TABLE IF NOT EXISTS floor_ledger (id INTEGER PRIMARY KEY, member_id INTEGER NOT NULL, delta INTEGER NOT NULL) STRICT")
            try c.execute("CREATE VIRTUAL TABLE IF NOT EXISTS floor_search USING fts5 (names, identifiers, tokenize = 'trigram', columnsize = 0)")
            try c.execute("INSERT INTO floor_search (floor_search, rank) VALUES ('automerge', 0)")
            let member = try c.statement("INSERT INTO floor_members VALUES (?, ?, ?, ?, ?, ?, 5)")
            let ledger = try c.statement("INSERT INTO floor_ledger (member_id, delta) VALUES (?, 5)")
            let search = try c.statement("INSERT INTO floor_search (rowid, names, identifiers) VALUES (?, ?, ?)")
            for (k, t) in texts.enumerated() {
                let id = firstId + Int64(k)
                try member.bind(1, id); try member.bind(2, t.key); try member.bind(3, t.phone); try member.bind(4, t.email)
                try member.bind(5, t.first); try member.bind(6, t.last); try member.run()
                try ledger.bind(1, id); try ledger.run()
            }
            for (k, t) in texts.enumerated() {
                try search.bind(1, firstId + Int64(k)); try search.bind(2, t.first + " " + t.last)
                try search.bind(3, t.key + " " + t.phone + " " + t.email); try search.run()
            }
            return
        }
        if part != .search {
            let member = try c.statement("""
                INSERT INTO members (id, member_key, status, registered_at, registration_source, first_name, last_name, updated_at)
                VALUES (?, ?, 'active', ?, 'import', ?, ?, ?)
                """)
            let identifier = try c.statement("INSERT INTO member_identifiers (member_id, kind, value, created_at) VALUES (?, ?, ?, ?)")
            let wallet = try c.statement("INSERT INTO wallets (id, member_id, kind) VALUES (?, ?, 'points')")  // zero base: the row below is the balance
            let ledger = try c.statement("""
                INSERT INTO ledger (member_id, wallet_id, delta, kind, reason, created_at) VALUES (?, ?, 5, 'adjust', 'import', ?)
                """)
            for (k, t) in texts.enumerated() {
                let id = firstId + Int64(k)
                try member.bind(1, id); try member.bind(2, t.key); try member.bind(3, at)
                try member.bind(4, t.first); try member.bind(5, t.last); try member.bind(6, at); try member.run()
                for (kind, value) in [("memberKey", t.key), ("phone", t.phone), ("email", t.email)] {
                    try identifier.bind(1, id); try identifier.bind(2, kind); try identifier.bind(3, value); try identifier.bind(4, at)
                    try identifier.run()
                }
                try wallet.bind(1, id); try wallet.bind(2, id); try wallet.run()
                try ledger.bind(1, id); try ledger.bind(2, id); try ledger.bind(3, at); try ledger.run()
            }
        }
        if part != .rows {
            let search = try c.statement("INSERT INTO member_search (rowid, names, identifiers) VALUES (?, ?, ?)")
            for (k, t) in texts.enumerated() {
                try search.bind(1, firstId + Int64(k)); try search.bind(2, t.first + " " + t.last)
                try search.bind(3, t.key + " " + t.phone + " " + t.email); try search.run()
            }
        }
    }
}

/// The first failure a writer callback reports.
private final class FailureBox: Sendable {
    private let first = Mutex<String?>(nil)
    func set(_ message: String) { first.withLock { if $0 == nil { $0 = message } } }
    var message: String? { first.withLock { $0 } }
}

/// Experiment: `FTS_MERGE="automerge=0 crisismerge=16"` sets FTS5 merge options on `member_search` before the run.
func tuneSearchIndex(_ store: Store) throws {
    guard let spec = ProcessInfo.processInfo.environment["FTS_MERGE"] else { return }
    for pair in spec.split(separator: " ") {
        let kv = pair.split(separator: "=")
        let name = String(kv[0]), value = Int64(kv[1])!
        let write = ClosureWrite { context in
            try context.execute("INSERT INTO member_search (member_search, rank) VALUES (?, ?)", [.text(name), .integer(value)])
        }
        let done = DispatchSemaphore(value: 0)
        try store.submit(write) { result in
            if case .failure(let error) = result { fatalError("FTS_MERGE: \(error)") }
            done.signal()
        }
        done.wait()
    }
}
