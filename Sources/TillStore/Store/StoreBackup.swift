import Foundation
import TillCore
import TillProtocol


/// `store.backup` (`till backup FILE`): the daemon copies a consistent snapshot of the store through SQLite's online
/// backup API (`Store.backup`) while it keeps serving, on a thread of its own (never on an event loop).
///
/// Guarantees: the file is new (an existing one is `already_exists`, nothing is overwritten — least of all the store
/// itself) in an existing folder (else `not_found`); it is created 0600, complete and fsynced before the answer;
/// a failed copy is answered `storage_failure` and its partial file removed.
enum StoreBackup {
    static func start(_ request: BackupRequest, store: Store, clock: @escaping @Sendable () -> Timestamp,
                      completion: @escaping @Sendable (Result<BackupResult, TillError>) -> Void) {
        let path = request.path
        let folder = (path as NSString).deletingLastPathComponent
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder), isFolder.boolValue else {
            completion(.failure(.notFound(field: "path", reason: "no folder \(folder) on the daemon's host")))
            return
        }
        guard !FileManager.default.fileExists(atPath: path) else {
            completion(.failure(.alreadyExists(field: "path", reason: "\(path) exists; a backup never overwrites a file")))
            return
        }
        Thread.detachNewThread {
            do {
                try store.backup(to: path)
                let version = try Connection(path: path, options: OpenOptions(mode: .readOnly)).int64("PRAGMA user_version") ?? 0
                let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.int64Value ?? 0
                completion(.success(BackupResult(path: path, bytes: size, schemaVersion: version, completedAt: clock())))
            } catch {
                StoreFiles.remove(databasePath: path)
                completion(.failure(.storageFailure(reason: "backup to \(path) failed: \(error)")))
            }
        }
    }
}
