import Foundation

/// One schema step: the SQL that takes the store from `version - 1` to `version`.
///
/// Guarantees (by convention, checked by `Migrator`): versions are 1, 2, 3, … in order; a released migration is
/// never edited, only followed by a new one.
public struct Migration: Sendable {
    public let version: Int64
    public let name: String
    public let sql: String
    public init(version: Int64, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
    }
}

/// Why the store cannot be opened.
public enum StoreOpenError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The file was written by a newer Till (schema `found` > `supported`): it is left untouched.
    case newerSchema(found: Int64, supported: Int64)
    /// SQLite refused to open, configure or migrate the file.
    case sqlite(SQLiteError)
    /// The migration list itself is wrong (versions not 1, 2, 3, …).
    case invalidMigrations(String)
    /// Another store (in this or another process) already writes this file.
    case alreadyOpen(path: String, reason: String)
    /// A store file could not be created or restricted to its owner (`StoreFiles`).
    case files(path: String, reason: String)
    /// The journal cannot be read or replayed (damaged record, missing records, a record that does not apply):
    /// start-up is refused, nothing is skipped.
    case journal(reason: String)

    public var description: String {
        switch self {
        case .newerSchema(let found, let supported):
            "the store has schema version \(found) but this build supports up to \(supported): refusing to open it (upgrade Till)"
        case .sqlite(let error): "cannot open the store: \(error)"
        case .invalidMigrations(let reason): "invalid migrations: \(reason)"
        case .alreadyOpen(let path, let reason): "the store \(path) is already open for writing: \(reason)"
        case .files(let path, let reason): "cannot prepare the store file \(path): \(reason)"
        case .journal(let reason): "cannot recover the store from its journal: \(reason)"
        }
    }
}

/// Applies migrations at start-up.
///
/// Guarantees: all pending migrations run in ONE transaction (`BEGIN IMMEDIATE` … `COMMIT`) together with the new
/// `PRAGMA user_version`, so a crash leaves the store at the old or the new version, never between; a store whose
/// `user_version` is higher than the last known migration is refused before anything is written.
public enum Migrator {
    /// Refuses an existing store whose schema is newer than `supported`, reading it through a read-only connection
    /// so that nothing (not even the journal mode) is changed in the file.
    public static func refuseNewer(path: String, supported: Int64) throws(StoreOpenError) {
        guard FileManager.default.fileExists(atPath: path) else { return }
        let found: Int64
        do {
            let probe = try Connection(path: path, options: OpenOptions(mode: .readOnly))
            found = try probe.int64("PRAGMA user_version") ?? 0
        } catch let error as SQLiteError {
            throw .sqlite(error)
        } catch {
            throw .sqlite(SQLiteError(extendedCode: 1, message: "\(error)"))
        }
        if found > supported { throw .newerSchema(found: found, supported: supported) }
    }

    /// Brings `connection` to the latest version in `migrations` (sorted 1...n). Returns the version before.
    @discardableResult
    public static func migrate(_ connection: Connection, _ migrations: [Migration]) throws(StoreOpenError) -> Int64 {
        for (index, migration) in migrations.enumerated() where migration.version != Int64(index + 1) {
            throw .invalidMigrations("migration \(migration.name) has version \(migration.version), expected \(index + 1)")
        }
        let latest = Int64(migrations.count)
        do {
            try connection.executeScript("BEGIN IMMEDIATE")
            let current = try connection.int64("PRAGMA user_version") ?? 0
            guard current <= latest else {
                try connection.executeScript("ROLLBACK")
                throw StoreOpenError.newerSchema(found: current, supported: latest)
            }
            for migration in migrations where migration.version > current {
                try connection.executeScript(migration.sql)
            }
            if current < latest { try connection.executeScript("PRAGMA user_version = \(latest)") }
            try connection.executeScript("COMMIT")
            return current
        } catch let error as StoreOpenError {
            throw error
        } catch let error as SQLiteError {
            if connection.isInTransaction { try? connection.executeScript("ROLLBACK") }
            throw .sqlite(error)
        } catch {
            if connection.isInTransaction { try? connection.executeScript("ROLLBACK") }
            throw .sqlite(SQLiteError(extendedCode: 1, message: "\(error)"))
        }
    }
}
