import CSQLite
import Foundation
import Synchronization
import TillJournalTesting
import TillStore

/// A SQLite VFS over the default (unix) one that can simulate a power cut, for tests of durability.
///
/// Files opened through it as a main database or a WAL whose path starts with an armed prefix are tracked: before
/// each write or truncation, the bytes it replaces are kept, and a successful sync forgets them (they reached the
/// disk). `cutPower(under:)` makes every later write, sync, truncation and delete under the prefix fail with an I/O
/// error (the writer then fail-stops and acknowledges nothing more); once the store is shut down,
/// `restoreLastSynced(under:)` puts every tracked file back as its last sync left it (newest change undone first, then
/// truncated to its synced size) and deletes the `-shm` files, as a machine losing its page cache would.
///
/// Guarantees: what is synced is never undone; what is not synced is always undone (the harshest page cache, though
/// no torn or reordered writes). Other paths pass straight through. Register once with `register()` and open the
/// writer with `WriterConfiguration.vfsName = PowerLossVFS.name`. Lives in a test-support target: the
/// daemon never links it.
public enum PowerLossVFS {
    public static let name = "till-power-loss"

    /// Registers the VFS (idempotent); not the default.
    public static func register() { _ = registration }

    /// Starts tracking the database and WAL files opened from now on whose path starts with `prefix`.
    public static func arm(_ prefix: String) { state.withLock { _ = $0.armed.insert(prefix) } }

    /// From now on, writes, syncs, truncations and deletes under `prefix` fail with an I/O error.
    public static func cutPower(under prefix: String) { state.withLock { _ = $0.dead.insert(prefix) } }

    /// Cuts the power under `prefix` during its `n`-th sync from now (1-based): that sync fails, and so does everything
    /// after it, while what it was to make durable stays unsynced (undone by `restoreLastSynced`).
    public static func cutPower(under prefix: String, atSync n: Int) { state.withLock { $0.syncsLeft[prefix] = n } }

    /// Undoes every unsynced change of the tracked files under `prefix` (call after the store is shut down), deletes
    /// their `-shm` files, stops tracking them, and restores power. Returns how many bytes were put back or cut off
    /// (0: nothing unsynced was lost).
    ///
    /// `keepingDatabaseWrites`: with a seed, each unsynced write of a database file (not a WAL) survives with
    /// probability 1/2 instead (the kernel had written it back when the power went), as whole writes.
    @discardableResult
    public static func restoreLastSynced(under prefix: String, keepingDatabaseWrites seed: UInt64? = nil) throws -> Int {
        let (changes, sizes) = state.withLock { s in
            defer {
                s.changes.removeAll { $0.path.hasPrefix(prefix) }
                s.syncedSize = s.syncedSize.filter { !$0.key.hasPrefix(prefix) }
                s.dead.remove(prefix); s.armed.remove(prefix); s.syncsLeft[prefix] = nil
            }
            return (s.changes.filter { $0.path.hasPrefix(prefix) }, s.syncedSize.filter { $0.key.hasPrefix(prefix) })
        }
        var lost = 0
        var survival = seed.map { SeededRandom(seed: $0) }
        for change in changes.reversed() where FileManager.default.fileExists(atPath: change.path) {
            if !change.path.hasSuffix("-wal"), survival?.next().isMultiple(of: 2) == false { continue }
            lost += change.bytes.count
            let handle = try FileHandle(forUpdating: URL(fileURLWithPath: change.path))
            try handle.seek(toOffset: UInt64(change.offset))
            try handle.write(contentsOf: change.bytes)
            try handle.close()
        }
        for (path, size) in sizes where FileManager.default.fileExists(atPath: path) {
            let handle = try FileHandle(forUpdating: URL(fileURLWithPath: path))
            lost += max(0, Int(try handle.seekToEnd()) - Int(size))
            try handle.truncate(atOffset: UInt64(size))
            try handle.close()
            let database = path.hasSuffix("-wal") ? String(path.dropLast(4)) : path
            try? FileManager.default.removeItem(atPath: database + "-shm")
        }
        return lost
    }

    /// What reached a tracked file, as `observe(_:)` reports it: a write of `count` bytes at `offset` (before it is
    /// done), or a sync that succeeded.
    public enum FileEvent: Sendable, Equatable {
        case write(wal: Bool, offset: Int64, count: Int64)
        case synced(wal: Bool)

        /// A write of the WAL (`wal`: true) or of the database file.
        public func isWrite(wal: Bool) -> Bool {
            if case .write(wal, _, _) = self { return true }
            return false
        }
    }

    /// Calls `body` with every write reaching a tracked file under `prefix` and every successful sync of one, on the
    /// thread doing it, in the order they happen; nil stops.
    public static func observe(under prefix: String, _ body: (@Sendable (FileEvent) -> Void)?) {
        state.withLock { $0.observers[prefix] = body }
    }

    private static func report(_ event: FileEvent, path: String) {
        let observers = state.withLock { s in s.observers.filter { path.hasPrefix($0.key) }.map(\.value) }
        for observer in observers { observer(event) }
    }

    // MARK: State

    private struct Change {
        var path: String
        var offset: Int64
        var bytes: [UInt8]
    }
    private struct State {
        var armed: Set<String> = []
        var dead: Set<String> = []
        /// Syncs each prefix still completes before its power is cut (see `cutPower(under:atSync:)`).
        var syncsLeft: [String: Int] = [:]
        /// Tracked file id (stored in the file object) → path.
        var paths: [Int32: String] = [:]
        var nextId: Int32 = 1
        /// Unsynced changes, oldest first: the bytes each write or truncation replaced.
        var changes: [Change] = []
        /// Size of each tracked path at its last sync (or when first opened).
        var syncedSize: [String: Int64] = [:]
        var observers: [String: @Sendable (FileEvent) -> Void] = [:]
    }
    private static let state = Mutex(State())

    private static func isDead(_ path: String) -> Bool { state.withLock { s in s.dead.contains { path.hasPrefix($0) } } }

    /// Counts a sync of `path` against its prefix's budget; true when this is the sync the power dies in.
    private static func spendSync(_ path: String) -> Bool {
        state.withLock { s in
            guard let prefix = s.syncsLeft.keys.first(where: { path.hasPrefix($0) }) else { return false }
            s.syncsLeft[prefix]! -= 1
            guard s.syncsLeft[prefix]! <= 0 else { return false }
            s.syncsLeft[prefix] = nil
            s.dead.insert(prefix)
            return true
        }
    }

    // MARK: The C side: a file object is [our header: methods pointer, tracked id][the unix VFS's file object]

    private static let headerBytes = WrappedFile.headerBytes
    nonisolated(unsafe) private static var base: UnsafeMutablePointer<sqlite3_vfs>!
    nonisolated(unsafe) private static var methods: UnsafeMutablePointer<sqlite3_io_methods>!

    private static let registration: Void = {
        Connection.configureLibrary()  // before sqlite3_vfs_find initializes SQLite
        base = sqlite3_vfs_find(nil)
        methods = UnsafeMutablePointer<sqlite3_io_methods>.allocate(capacity: 1)
        methods.initialize(to: WrappedFile.forwardingMethods())  // version 2: no xFetch, every change goes through xWrite
        let vfs = UnsafeMutablePointer<sqlite3_vfs>.allocate(capacity: 1)
        vfs.initialize(to: base.pointee)
        vfs.pointee.zName = UnsafePointer(strdup(name))
        vfs.pointee.szOsFile = base.pointee.szOsFile + Int32(headerBytes)
        vfs.pointee.pNext = nil
        vfs.pointee.xOpen = { _, name, file, flags, outFlags in
            let inner = WrappedFile.inner(file!)
            let code = PowerLossVFS.base.pointee.xOpen!(PowerLossVFS.base, name, inner, flags, outFlags)
            guard code == SQLITE_OK, inner.pointee.pMethods != nil else { file!.pointee.pMethods = nil; return code }
            file!.pointee.pMethods = UnsafePointer(PowerLossVFS.methods)
            var id: Int32 = 0
            if let name, flags & (SQLITE_OPEN_MAIN_DB | SQLITE_OPEN_WAL) != 0 {
                let path = String(cString: name)
                var size: Int64 = 0
                _ = inner.pointee.pMethods!.pointee.xFileSize!(inner, &size)
                id = PowerLossVFS.state.withLock { s in
                    guard s.armed.contains(where: { path.hasPrefix($0) }) else { return 0 }
                    defer { s.nextId += 1 }
                    s.paths[s.nextId] = path
                    if s.syncedSize[path] == nil { s.syncedSize[path] = size }
                    return s.nextId
                }
            }
            PowerLossVFS.setTrackedId(file!, id)
            return code
        }
        vfs.pointee.xDelete = { _, name, syncDirectory in
            if let name, PowerLossVFS.isDead(String(cString: name)) { return SQLITE_IOERR | (10 << 8) }
            return PowerLossVFS.base.pointee.xDelete!(PowerLossVFS.base, name, syncDirectory)
        }
        methods.pointee.xWrite = { file, buffer, amount, offset in
            let inner = WrappedFile.inner(file!)
            if let path = PowerLossVFS.trackedPath(file!) {
                if PowerLossVFS.isDead(path) { return SQLITE_IOERR | (3 << 8) }
                PowerLossVFS.report(.write(wal: path.hasSuffix("-wal"), offset: offset, count: Int64(amount)), path: path)
                PowerLossVFS.keep(inner, path: path, from: offset, count: Int64(amount))
            }
            return inner.pointee.pMethods!.pointee.xWrite!(inner, buffer, amount, offset)
        }
        methods.pointee.xTruncate = { file, size in
            let inner = WrappedFile.inner(file!)
            if let path = PowerLossVFS.trackedPath(file!) {
                if PowerLossVFS.isDead(path) { return SQLITE_IOERR | (6 << 8) }
                PowerLossVFS.keep(inner, path: path, from: size, count: Int64.max / 2)
            }
            return inner.pointee.pMethods!.pointee.xTruncate!(inner, size)
        }
        methods.pointee.xSync = { file, flags in
            let inner = WrappedFile.inner(file!)
            guard let path = PowerLossVFS.trackedPath(file!) else { return inner.pointee.pMethods!.pointee.xSync!(inner, flags) }
            if PowerLossVFS.isDead(path) || PowerLossVFS.spendSync(path) { return SQLITE_IOERR | (4 << 8) }
            let code = inner.pointee.pMethods!.pointee.xSync!(inner, flags)
            guard code == SQLITE_OK else { return code }
            var size: Int64 = 0
            _ = inner.pointee.pMethods!.pointee.xFileSize!(inner, &size)
            PowerLossVFS.state.withLock { s in
                s.changes.removeAll { $0.path == path }
                s.syncedSize[path] = size
            }
            PowerLossVFS.report(.synced(wal: path.hasSuffix("-wal")), path: path)
            return code
        }
        sqlite3_vfs_register(vfs, 0)
    }()

    private static func setTrackedId(_ file: UnsafeMutablePointer<sqlite3_file>, _ id: Int32) {
        WrappedFile.setWord(Int(id), of: file)
    }

    private static func trackedPath(_ file: UnsafeMutablePointer<sqlite3_file>) -> String? {
        let id = Int32(WrappedFile.word(of: file))
        guard id != 0 else { return nil }
        return state.withLock { $0.paths[id] }
    }

    /// Keeps the bytes of `[offset, offset + count)` that exist in the file now, so that they can be put back.
    private static func keep(_ inner: UnsafeMutablePointer<sqlite3_file>, path: String, from offset: Int64, count: Int64) {
        var size: Int64 = 0
        _ = inner.pointee.pMethods!.pointee.xFileSize!(inner, &size)
        let end = min(size, offset + count)
        guard end > offset else { return }
        var bytes = [UInt8](repeating: 0, count: Int(end - offset))
        _ = bytes.withUnsafeMutableBytes { inner.pointee.pMethods!.pointee.xRead!(inner, $0.baseAddress, Int32($0.count), offset) }
        state.withLock { $0.changes.append(Change(path: path, offset: offset, bytes: bytes)) }
    }
}
