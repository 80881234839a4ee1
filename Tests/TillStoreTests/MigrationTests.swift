import Foundation
import Testing
@testable import TillStore
import TillStoreTesting

@Suite struct MigrationTests {
    @Test func freshStoreGetsLatestVersionAndAllTables() throws {
        let folder = TemporaryFolder()
        let store = try Store.temporary(folder)
        defer { store.shutdown() }
        let (version, tables, journal) = try store.read { connection in
            (try connection.int64("PRAGMA user_version"),
             try connection.int64("SELECT count(*) FROM sqlite_schema WHERE type = 'table'"),
             try connection.text("PRAGMA journal_mode"))
        }
        #expect(version == Schema.latestVersion)
        #expect((tables ?? 0) >= 25)
        #expect(journal == "wal")
    }

    @Test func reopeningKeepsDataAndDoesNotReapply() throws {
        let folder = TemporaryFolder()
        do {
            let store = try Store.temporary(folder)
            _ = try store.member("m1")
            store.shutdown()
        }
        let store = try Store.temporary(folder)
        defer { store.shutdown() }
        let count = try store.read { try $0.int64("SELECT count(*) FROM members") }
        #expect(count == 1)
    }

    @Test func migrationsRunInOneTransaction() throws {
        let folder = TemporaryFolder()
        let connection = try Connection(path: folder.path("m.db"), options: OpenOptions(mode: .readWrite))
        let broken = [
            Migration(version: 1, name: "one", sql: "CREATE TABLE a (x INTEGER) STRICT;"),
            Migration(version: 2, name: "two", sql: "CREATE TABLE b (x INTEGER) STRICT; CREATE TABLE a (y);"),
        ]
        #expect(throws: StoreOpenError.self) { try Migrator.migrate(connection, broken) }
        #expect(try connection.int64("PRAGMA user_version") == 0)
        #expect(try connection.int64("SELECT count(*) FROM sqlite_schema") == 0)
    }

    @Test func storeFromNewerVersionIsRefusedUntouched() throws {
        let folder = TemporaryFolder()
        let path = folder.path("new.db")
        do {
            // A rollback-journal file: opening it read-write would switch it to WAL, which must not happen.
            let connection = try Connection(path: path, options: OpenOptions(mode: .readWrite))
            try connection.executeScript("PRAGMA journal_mode = DELETE; CREATE TABLE future (x); PRAGMA user_version = 99;")
        }
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(throws: StoreOpenError.newerSchema(found: 99, supported: Schema.latestVersion)) {
            _ = try Store.open(StoreConfiguration(path: path))
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
        let connection = try Connection(path: path, options: OpenOptions(mode: .readOnly))
        #expect(try connection.int64("PRAGMA user_version") == 99)
        #expect(try connection.int64("SELECT count(*) FROM sqlite_schema") == 1)
    }

    @Test func secondWriterOnTheSameFileIsRefused() throws {
        let folder = TemporaryFolder()
        let store = try Store.temporary(folder)
        #expect(throws: StoreOpenError.self) { _ = try Store.temporary(folder) }
        store.shutdown()
        let again = try Store.temporary(folder)  // released with the writer
        again.shutdown()
    }

    @Test func migrationVersionsMustBeConsecutive() throws {
        let folder = TemporaryFolder()
        let connection = try Connection(path: folder.path("m.db"), options: OpenOptions(mode: .readWrite))
        #expect(throws: StoreOpenError.self) {
            try Migrator.migrate(connection, [Migration(version: 2, name: "gap", sql: "")])
        }
    }

    @Test func trigramSearchFindsContainedText() throws {
        let folder = TemporaryFolder()
        let store = try Store.temporary(folder)
        defer { store.shutdown() }
        _ = try store.writeAndWait(RegisterMember(memberKey: "K-100200", registeredAt: 1, firstName: "Anna", lastName: "Schmidt")).get()
        _ = try store.writeAndWait(RegisterMember(memberKey: "K-300400", registeredAt: 1, firstName: "Bert", lastName: "Meier")).get()
        let byName = try store.read { try $0.int64("SELECT rowid FROM member_search WHERE member_search MATCH ?", [.text("\"chmid\"")]) }
        let byKey = try store.read { try $0.int64("SELECT count(*) FROM member_search WHERE identifiers LIKE ?", [.text("%0040%")]) }
        #expect(byName == 1)
        #expect(byKey == 1)
    }
}
