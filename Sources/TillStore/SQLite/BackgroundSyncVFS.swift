import CSQLite
import Glibc
import Synchronization

/// The writer's SQLite VFS: the default one (or a named one, for tests) with the database file's checkpoint sync
/// moved off the writer's thread (`BackgroundDatabaseSync`) and the WAL's writes gathered into one per commit
/// (`WALWriteBuffer`), and the wal-index's first region and the WAL's pages told to the readers' `ChangedPages`. Every
/// method forwards to the VFS below; only syncs, writes, truncations and closes of a main
/// database file and its WAL consult the database's `BackgroundDatabaseSync`, and every call on a WAL goes through
/// its `WALWriteBuffer` (which flushes before anything but a write).
///
/// Guarantees: registered once per VFS below (`register(over:)` returns the name to open with); a database file opened
/// through it gets its own `BackgroundDatabaseSync`, which its WAL shares and which lives until both are closed; a
/// file is closed only after a deferred sync of it finished and, for a WAL, after its gathered writes were written.
/// Files SQLite maps into memory go through `xWrite` anyway (the methods are version 2: no `xFetch`).
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

    // MARK: The file object: [methods pointer, word][the file of the VFS below]; the word is a main database file's
    // retained BackgroundDatabaseSync, a WAL's retained WALWriteBuffer with the lowest bit set, or 0.

    private static let headerBytes = WrappedFile.headerBytes

    nonisolated(unsafe) private static let methods: UnsafeMutablePointer<sqlite3_io_methods> = {
        let m = UnsafeMutablePointer<sqlite3_io_methods>.allocate(capacity: 1)
        m.initialize(to: WrappedFile.forwardingMethods())
        m.pointee.xClose = { file in
            let wal = BackgroundSyncVFS.walBuffer(of: file!)
            let flushed = wal?.flush(to: WrappedFile.inner(file!)) ?? SQLITE_OK
            let sync = wal?.sync ?? BackgroundSyncVFS.databaseSync(of: file!)
            sync?.waitForRunningSync()
            let code = WrappedFile.forward(file!) { $1.xClose!($0) }
            if let wal {
                Unmanaged.passUnretained(wal).release()
            } else if let sync {
                BackgroundSyncVFS.databases.withLock { d in for (path, s) in d where s === sync { d[path] = nil } }
                Unmanaged.passUnretained(sync).release()
            }
            return flushed != SQLITE_OK ? flushed : code
        }
        m.pointee.xWrite = { file, buffer, amount, offset in
            if let wal = BackgroundSyncVFS.walBuffer(of: file!) {
                return wal.write(buffer!, amount: amount, at: offset, to: WrappedFile.inner(file!))
            }
            if let code = BackgroundSyncVFS.databaseSync(of: file!)?.beforeDatabaseWrite(offset: offset, count: amount),
               code != SQLITE_OK {
                return code
            }
            return WrappedFile.forward(file!) { $1.xWrite!($0, buffer, amount, offset) }
        }
        m.pointee.xRead = { file, buffer, amount, offset in
            if let code = BackgroundSyncVFS.flushWAL(file!), code != SQLITE_OK { return code }
            return WrappedFile.forward(file!) { $1.xRead!($0, buffer, amount, offset) }
        }
        m.pointee.xFileSize = { file, size in
            if let code = BackgroundSyncVFS.flushWAL(file!), code != SQLITE_OK { return code }
            return WrappedFile.forward(file!) { $1.xFileSize!($0, size) }
        }
        m.pointee.xTruncate = { file, size in
            if let code = BackgroundSyncVFS.flushWAL(file!), code != SQLITE_OK { return code }
            if let code = BackgroundSyncVFS.sync(of: file!)?.beforeWrite(), code != SQLITE_OK { return code }
            return WrappedFile.forward(file!) { $1.xTruncate!($0, size) }
        }
        m.pointee.xSync = { file, flags in
            if let code = BackgroundSyncVFS.flushWAL(file!), code != SQLITE_OK { return code }
            let inner = SQLiteFile(pointer: WrappedFile.inner(file!))
            if let wal = BackgroundSyncVFS.walBuffer(of: file!) {
                let code = wal.sync?.waitForRunningSync(counted: true) ?? SQLITE_OK
                return code != SQLITE_OK ? code : inner.sync(flags: flags)
            }
            guard let sync = BackgroundSyncVFS.databaseSync(of: file!) else { return inner.sync(flags: flags) }
            return sync.sync(inner, flags: flags)
        }
        m.pointee.xShmLock = { file, offset, count, flags in
            if offset == BackgroundSyncVFS.walRestartLock.offset, count == BackgroundSyncVFS.walRestartLock.count,
               flags == SQLITE_SHM_LOCK | SQLITE_SHM_EXCLUSIVE,
               BackgroundSyncVFS.databaseSync(of: file!)?.refusesWALRestart == true {
                return SQLITE_BUSY
            }
            return WrappedFile.forward(file!) { $1.xShmLock!($0, offset, count, flags) }
        }
        m.pointee.xShmMap = { file, region, regionBytes, extend, address in
            let code = WrappedFile.forward(file!) { $1.xShmMap!($0, region, regionBytes, extend, address) }
            if code == SQLITE_OK, region == 0, let mapped = address?.pointee,
               let sync = BackgroundSyncVFS.databaseSync(of: file!) {
                sync.changedPages.walIndexMapped(UnsafeRawPointer(mapped))
            }
            return code
        }
        m.pointee.xShmUnmap = { file, deleteFlag in
            BackgroundSyncVFS.databaseSync(of: file!)?.changedPages.walIndexMapped(nil)
            return WrappedFile.forward(file!) { $1.xShmUnmap!($0, deleteFlag) }
        }
        m.pointee.xFileControl = { file, op, argument in
            if op == BackgroundSyncVFS.findSyncOperation, let sync = BackgroundSyncVFS.databaseSync(of: file!), let argument {
                argument.storeBytes(of: Unmanaged.passUnretained(sync).toOpaque(), as: UnsafeMutableRawPointer.self)
                return SQLITE_OK
            }
            if let code = BackgroundSyncVFS.flushWAL(file!), code != SQLITE_OK { return code }
            return WrappedFile.forward(file!) { $1.xFileControl!($0, op, argument) }
        }
        return m
    }()

    /// The wal-index locks SQLite takes exclusively, all at once, to restart the WAL (and, in a RESTART checkpoint,
    /// to wait for readers): the read marks 1 to 4, slots 4 to 7 of the `SQLITE_SHM_NLOCK` (8) locks (3 + i for mark
    /// i, after the write, checkpoint and recovery locks), as the WAL file format documents them. Refused, SQLite
    /// leaves the WAL as it is and appends (wal.c, `walRestartLog`): what any reader holding a mark causes.
    static let walRestartLock = (offset: Int32(4), count: SQLITE_SHM_NLOCK - 4)

    /// The file-control operation `Connection.backgroundDatabaseSync()` asks the main database file with (outside
    /// SQLite's own range of operation codes).
    static let findSyncOperation: Int32 = 0x7411_5301

    private static func open(_ vfs: UnsafeMutablePointer<sqlite3_vfs>, _ name: UnsafePointer<CChar>?,
                             _ file: UnsafeMutablePointer<sqlite3_file>, _ flags: Int32,
                             _ outFlags: UnsafeMutablePointer<Int32>?) -> Int32 {
        let below = below(vfs)
        let inner = WrappedFile.inner(file)
        WrappedFile.setWord(0, of: file)
        let code = below.pointee.xOpen!(below, name, inner, flags, outFlags)
        guard code == SQLITE_OK, inner.pointee.pMethods != nil else { file.pointee.pMethods = nil; return code }
        file.pointee.pMethods = UnsafePointer(methods)
        guard let name else { return code }
        let path = String(cString: name)
        if flags & SQLITE_OPEN_MAIN_DB != 0 {
            let sync = BackgroundDatabaseSync(path: path)
            databases.withLock { $0[path] = sync }
            WrappedFile.setWord(Int(bitPattern: Unmanaged.passRetained(sync).toOpaque()), of: file)
        } else if flags & SQLITE_OPEN_WAL != 0 {
            let sync = path.hasSuffix("-wal") ? databases.withLock({ $0[String(path.dropLast(4))] }) : nil
            let wal = WALWriteBuffer(sync: sync)
            WrappedFile.setWord(Int(bitPattern: Unmanaged.passRetained(wal).toOpaque()) | 1, of: file)
        }
        return code
    }

    private static func below(_ vfs: UnsafeMutablePointer<sqlite3_vfs>) -> UnsafeMutablePointer<sqlite3_vfs> {
        vfs.pointee.pAppData!.assumingMemoryBound(to: sqlite3_vfs.self)
    }

    /// A main database file's sync (nil for any other file).
    private static func databaseSync(of file: UnsafeMutablePointer<sqlite3_file>) -> BackgroundDatabaseSync? {
        let word = WrappedFile.word(of: file)
        guard word & 1 == 0, let raw = UnsafeMutableRawPointer(bitPattern: word) else { return nil }
        return Unmanaged<BackgroundDatabaseSync>.fromOpaque(raw).takeUnretainedValue()
    }

    /// A WAL's write buffer (nil for any other file). Objects are aligned: the lowest bit tells a WAL's word.
    private static func walBuffer(of file: UnsafeMutablePointer<sqlite3_file>) -> WALWriteBuffer? {
        let word = WrappedFile.word(of: file)
        guard word & 1 == 1, let raw = UnsafeMutableRawPointer(bitPattern: word & ~1) else { return nil }
        return Unmanaged<WALWriteBuffer>.fromOpaque(raw).takeUnretainedValue()
    }

    /// The database's sync, for a main database file or its WAL.
    private static func sync(of file: UnsafeMutablePointer<sqlite3_file>) -> BackgroundDatabaseSync? {
        walBuffer(of: file)?.sync ?? databaseSync(of: file)
    }

    /// Writes a WAL's gathered writes (nil: not a WAL).
    private static func flushWAL(_ file: UnsafeMutablePointer<sqlite3_file>) -> Int32? {
        walBuffer(of: file)?.flush(to: WrappedFile.inner(file))
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
