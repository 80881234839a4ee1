import Foundation
import TillStore

/// `tilld restore FILE`: puts a backup made by `till backup` in place of the data directory's store, with the daemon
/// stopped (see `Store.restore` for what is checked and kept).
public enum StoreRestore {
    public static func restore(from backup: String, configuration: ServerConfiguration, log: Log) throws(DaemonError) -> (path: String, schemaVersion: Int64, previous: String?) {
        let folder = try DataDirectory.prepare(configuration.dataDirectory, log: log)
        let database = folder.appendingPathComponent("till.sqlite").path
        do {
            let report = try Store.restore(from: backup, to: database)
            log.info("store restored", ["path": database, "from": backup, "previous": report.previous ?? ""])
            return (report.databasePath, report.schemaVersion, report.previous)
        } catch let error as StoreOpenError {
            if case .alreadyOpen = error { throw .store("\(error) (stop tilld first)") }
            throw .store("\(error)")
        } catch {
            throw .store("\(error)")
        }
    }
}
