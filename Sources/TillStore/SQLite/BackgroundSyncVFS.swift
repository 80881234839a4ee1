import CSQLite
import Glibc
import Synchronization

/// The writer's SQLite VFS: the default one (or a named one, for tests) with the database file's checkpoint sync
/// moved off the writer's thread (`BackgroundDatabaseSync`). Every method forwards to the VFS below; only syncs,
/// writes, truncations and closes of a main database file and its WAL consult the database's `BackgroundDatabaseSync`.
///
/// Guarantees: registered once per VFS below (`register(over:)` returns the name to open with); a database file opened
/// through it gets its own `BackgroundDatabaseSync`, which its WAL shares and which lives until both are closed; a
/// file is closed only after a deferred sync of it finished. Files SQLite maps into memory go through `xWrite`
/// anyway (the methods are version 2: no `xFetch`).
enum BackgroundSyncVFS {
    /// Registers the VFS over `base` (nil: SQLite's default) if not yet done; the name to open the writer with.
    static func register(over base: String?) -> String {
        let name = "till-background-sync" + (base.map { "+" + $0 } ?? "")
        registered.withLock { names in
            guard !names.contains(name) else { return }
            Connection.configureLibrary()  // before sqlite3_vfs_find initializes SQLite
            guard let below = sqlite3_vfs_find(base) else { preconditionFailure("no SQLite VFS named \(base ?? "default")") }
            let vfs = UnsafeMutablePointer<sqlite3_vfs>.allocate(capacity: 1)  // lives as long as the process
            vfs.initialize(to: below.pointee)
            vfs.pointee.zName = UnsafePointer(strdup(name))
            vfs.pointee.szOsFile = below.pointee.szOsFile + Int32(headerBytes)
            vfs.pointee.pNext = nil
            vfs.pointee.pAppData = UnsafeMutableRawPointer(below)
            vfs.pointee.xOpen = { vfs, name, file, flags, outFlags in BackgroundSyncVFS.open(vfs!, name, file!, flags, outFlags) }
            vfs.pointee.xDelete = { vfs, name, syncDirectory in
                let below = BackgroundSyncVFS.below(vfs!)
                return below.pointee.xDelete!(below, name, syncDirectory)
            }
            names.insert(name)
            sqlite3_vfs_register(vfs, 0)
        }
        return name
    }

    private static let registered = Mutex<Set<String>>([])
    /// Database files open through the VFS (by the path SQLite gives), so that their WAL finds their sync.
    private static let databases = Mutex<[String: BackgroundDatabaseSync]>([:])

    // MARK: The file object: [methods pointer, retained BackgroundDatabaseSync or nil][the file of the VFS below]

    private static let headerBytes = WrappedFile.headerBytes

    nonisolated(unsafe) private static let methods: UnsafeMutablePointer<sqlite3_io_methods> = {
        let m = UnsafeMutablePointer<sqlite3_io_methods>.allocate(capacity: 1)
        m.initialize(to: WrappedFile.forwardingMethods())
        m.pointee.xClose = { file in
            let sync = BackgroundSyncVFS.sync(of: file!), isWAL = BackgroundSyncVFS.isWAL(file!)
            sync?.waitForRunningSync()
            let code = WrappedFile.forward(file!) { $1.xClose!($0) }
            if let sync {
                if !isWAL { BackgroundSyncVFS.databases.withLock { d in for (path, s) in d where s === sync { d[path] = nil } } }
                Unmanaged.passUnretained(sync).release()
            }
            return code
        }
        m.pointee.xWrite = { file, buffer, amount, offset in
            if let code = BackgroundSyncVFS.sync(of: file!)?.beforeWrite(), code != SQLITE_OK { return code }
            return WrappedFile.forward(file!) { $1.xWrite!($0, buffer, amount, offset) }
        }
        m.pointee.xTruncate = { file, size in
            if let code = BackgroundSyncVFS.sync(of: file!)?.beforeWrite(), code != SQLITE_OK { return code }
            return WrappedFile.forward(file!) { $1.xTruncate!($0, size) }
        }
        m.pointee.xSync = { file, flags in
            let inner = SQLiteFile(pointer: WrappedFile.inner(file!))
            guard let sync = BackgroundSyncVFS.sync(of: file!) else { return inner.sync(flags: flags) }
            if BackgroundSyncVFS.isWAL(file!) {
                let code = sync.waitForRunningSync()
                return code != SQLITE_OK ? code : inner.sync(flags: flags)
            }
            return sync.sync(inner, flags: flags)
        }
        m.pointee.xFileControl = { file, op, argument in
            if op == BackgroundSyncVFS.findSyncOperation, let sync = BackgroundSyncVFS.sync(of: file!), let argument {
                argument.storeBytes(of: Unmanaged.passUnretained(sync).toOpaque(), as: UnsafeMutableRawPointer.self)
                return SQLITE_OK
            }
            return WrappedFile.forward(file!) { $1.xFileControl!($0, op, argument) }
        }
        return m
    }()

    /// The file-control operation `Connection.backgroundDatabaseSync()` asks the main database file with (outside
    /// SQLite's own range of operation codes).
    static let findSyncOperation: Int32 = 0x7411_5301

    private static func open(_ vfs: UnsafeMutablePointer<sqlite3_vfs>, _ name: UnsafePointer<CChar>?,
                             _ file: UnsafeMutablePointer<sqlite3_file>, _ flags: Int32,
                             _ outFlags: UnsafeMutablePointer<Int32>?) -> Int32 {
        let below = below(vfs)
        let inner = WrappedFile.inner(file)
        setHeader(file, sync: nil, isWAL: false)
        let code = below.pointee.xOpen!(below, name, inner, flags, outFlags)
        guard code == SQLITE_OK, inner.pointee.pMethods != nil else { file.pointee.pMethods = nil; return code }
        file.pointee.pMethods = UnsafePointer(methods)
        guard let name else { return code }
        let path = String(cString: name)
        if flags & SQLITE_OPEN_MAIN_DB != 0 {
            let sync = BackgroundDatabaseSync()
            databases.withLock { $0[path] = sync }
            setHeader(file, sync: sync, isWAL: false)
        } else if flags & SQLITE_OPEN_WAL != 0, path.hasSuffix("-wal"),
                  let sync = databases.withLock({ $0[String(path.dropLast(4))] }) {
            setHeader(file, sync: sync, isWAL: true)
        }
        return code
    }

    private static func below(_ vfs: UnsafeMutablePointer<sqlite3_vfs>) -> UnsafeMutablePointer<sqlite3_vfs> {
        vfs.pointee.pAppData!.assumingMemoryBound(to: sqlite3_vfs.self)
    }

    /// The header's second word: the retained sync's address, its lowest bit set for a WAL (objects are aligned).
    private static func setHeader(_ file: UnsafeMutablePointer<sqlite3_file>, sync: BackgroundDatabaseSync?, isWAL: Bool) {
        var word = 0
        if let sync { word = Int(bitPattern: Unmanaged.passRetained(sync).toOpaque()) | (isWAL ? 1 : 0) }
        WrappedFile.setWord(word, of: file)
    }

    private static func sync(of file: UnsafeMutablePointer<sqlite3_file>) -> BackgroundDatabaseSync? {
        let word = WrappedFile.word(of: file) & ~1
        guard let raw = UnsafeMutableRawPointer(bitPattern: word) else { return nil }
        return Unmanaged<BackgroundDatabaseSync>.fromOpaque(raw).takeUnretainedValue()
    }

    private static func isWAL(_ file: UnsafeMutablePointer<sqlite3_file>) -> Bool {
        WrappedFile.word(of: file) & 1 == 1
    }
}

/// A file of the VFS below, as the background sync calls it from its own thread. The unix VFS's `xSync` reads only
/// the descriptor and flags fixed at open, and `fdatasync` may run while the writer's thread reads the file.
struct SQLiteFile: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<sqlite3_file>

    func sync(flags: Int32) -> Int32 {
        pointer.pointee.pMethods!.pointee.xSync!(pointer, flags)
    }
}

extension Connection {
    /// The main database file's `BackgroundDatabaseSync` when the connection was opened through `BackgroundSyncVFS`.
    func backgroundDatabaseSync() -> BackgroundDatabaseSync? {
        var address: UnsafeMutableRawPointer?
        let code = withUnsafeMutablePointer(to: &address) {
            sqlite3_file_control(handle, "main", BackgroundSyncVFS.findSyncOperation, UnsafeMutableRawPointer($0))
        }
        guard code == SQLITE_OK, let address else { return nil }
        return Unmanaged<BackgroundDatabaseSync>.fromOpaque(address).takeUnretainedValue()
    }
}
