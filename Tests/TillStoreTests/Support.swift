import Dispatch
import Foundation
import Synchronization
import TillCore
@testable import TillStore
import TillStoreTesting

/// A fresh temporary folder, removed when the value is released.
final class TemporaryFolder: Sendable {
    let url: URL
    init() {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("till-store-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(at: url) }
    func path(_ name: String) -> String { url.appendingPathComponent(name).path }
}

/// A store written at schema `version` by `setUp` (on a plain connection), then opened by this build (which migrates
/// it to the latest version): how a test sees what a migration does to an existing store.
func storeMigrated(from version: Int, in folder: TemporaryFolder, _ setUp: (Connection) throws -> Void) throws -> Store {
    let path = folder.path("v\(version).db")
    do {
        let connection = try Connection(path: path, options: OpenOptions(mode: .readWrite))
        try Migrator.migrate(connection, Array(Schema.migrations.prefix(version)))
        try setUp(connection)
    }
    return try Store.open(StoreConfiguration(path: path))
}

/// Inserts an active member `id` with member key `key` directly (a migration test's `setUp`, below the store).
func insertMember(_ id: Int64, key: String, on connection: Connection) throws {
    try connection.execute("""
        INSERT INTO members (id, member_key, status, registered_at, registration_source, updated_at)
        VALUES (?, ?, 'active', 0, 'pos', 0)
        """, [.integer(id), .text(key)])
}

/// Collects completions of submitted writes and waits for all of them.
final class Completions<Output: Sendable>: Sendable {
    private let results = Mutex<[Int: Result<Output, TillError>]>([:])
    private let group = DispatchGroup()

    /// Submits `request` as number `index`; a synchronous refusal is recorded as the result.
    func submit<R: WriteRequest>(_ request: R, as index: Int, to store: Store) where R.Output == Output {
        group.enter()
        do {
            try store.submit(request) { result in
                self.results.withLock { $0[index] = result }
                self.group.leave()
            }
        } catch {
            results.withLock { $0[index] = .failure(error) }
            group.leave()
        }
    }

    func wait() -> [Int: Result<Output, TillError>] {
        group.wait()
        return results.withLock { $0 }
    }
}

extension Store {
    static func temporary(_ folder: TemporaryFolder, name: String = "till.db",
                          configure: (inout StoreConfiguration) -> Void = { _ in }) throws -> Store {
        var configuration = StoreConfiguration(path: folder.path(name))
        _ = configuration.writer.faults  // installed: tests pause the writer
        configure(&configuration)
        return try Store.open(configuration)
    }

    /// Submits and blocks until the durable result.
    func writeAndWait<R: WriteRequest>(_ request: R) -> Result<R.Output, TillError> {
        let completions = Completions<R.Output>()
        completions.submit(request, as: 0, to: self)
        return completions.wait()[0]!
    }

    func member(_ key: String) throws -> Int64 {
        try writeAndWait(RegisterMember(memberKey: key, registeredAt: 1_700_000_000_000)).get()
    }
}

func credit(_ key: String, member: Int64, _ delta: Int64, wallet: WalletKind = .points) -> WalletCredit {
    WalletCredit(operationKey: key, memberId: member, wallet: wallet, delta: delta, kind: delta > 0 ? .earn : .spend,
                 at: 1_700_000_000_000)
}
