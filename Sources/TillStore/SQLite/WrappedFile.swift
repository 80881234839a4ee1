import CSQLite

/// The file object of a VFS that wraps the one below it (the writer's `BackgroundSyncVFS`, the tests' power-loss VFS):
/// `[methods pointer][one word for the wrapper][the file object of the VFS below]`.
///
/// Guarantees: `forwardingMethods()` are version-2 methods (no `xFetch`: SQLite never maps the file, every change goes
/// through `xWrite`) that pass every call to the file below unchanged; a wrapper replaces the ones it changes. Allocate
/// `headerBytes` more than the VFS below asks for (`szOsFile`).
package enum WrappedFile {
    package static let headerBytes = 16

    /// The file object of the VFS below, inside `file`.
    package static func inner(_ file: UnsafeMutablePointer<sqlite3_file>) -> UnsafeMutablePointer<sqlite3_file> {
        UnsafeMutableRawPointer(file).advanced(by: headerBytes).assumingMemoryBound(to: sqlite3_file.self)
    }

    /// Calls `body` with the file below and its methods.
    package static func forward<T>(_ file: UnsafeMutablePointer<sqlite3_file>,
                                   _ body: (UnsafeMutablePointer<sqlite3_file>, sqlite3_io_methods) -> T) -> T {
        let inner = inner(file)
        return body(inner, inner.pointee.pMethods!.pointee)
    }

    /// The wrapper's word in the header.
    package static func word(of file: UnsafeMutablePointer<sqlite3_file>) -> Int {
        UnsafeMutableRawPointer(file).advanced(by: 8).load(as: Int.self)
    }

    package static func setWord(_ word: Int, of file: UnsafeMutablePointer<sqlite3_file>) {
        UnsafeMutableRawPointer(file).advanced(by: 8).storeBytes(of: word, as: Int.self)
    }

    /// Methods passing every call to the file below.
    package static func forwardingMethods() -> sqlite3_io_methods {
        var m = sqlite3_io_methods()
        m.iVersion = 2
        m.xClose = { file in WrappedFile.forward(file!) { $1.xClose!($0) } }
        m.xRead = { file, buffer, amount, offset in WrappedFile.forward(file!) { $1.xRead!($0, buffer, amount, offset) } }
        m.xWrite = { file, buffer, amount, offset in WrappedFile.forward(file!) { $1.xWrite!($0, buffer, amount, offset) } }
        m.xTruncate = { file, size in WrappedFile.forward(file!) { $1.xTruncate!($0, size) } }
        m.xSync = { file, flags in WrappedFile.forward(file!) { $1.xSync!($0, flags) } }
        m.xFileSize = { file, size in WrappedFile.forward(file!) { $1.xFileSize!($0, size) } }
        m.xLock = { file, level in WrappedFile.forward(file!) { $1.xLock!($0, level) } }
        m.xUnlock = { file, level in WrappedFile.forward(file!) { $1.xUnlock!($0, level) } }
        m.xCheckReservedLock = { file, out in WrappedFile.forward(file!) { $1.xCheckReservedLock!($0, out) } }
        m.xFileControl = { file, op, argument in WrappedFile.forward(file!) { $1.xFileControl!($0, op, argument) } }
        m.xSectorSize = { file in WrappedFile.forward(file!) { $1.xSectorSize!($0) } }
        m.xDeviceCharacteristics = { file in WrappedFile.forward(file!) { $1.xDeviceCharacteristics!($0) } }
        m.xShmMap = { file, page, pageSize, extend, address in WrappedFile.forward(file!) { $1.xShmMap!($0, page, pageSize, extend, address) } }
        m.xShmLock = { file, offset, count, flags in WrappedFile.forward(file!) { $1.xShmLock!($0, offset, count, flags) } }
        m.xShmBarrier = { file in WrappedFile.forward(file!) { $1.xShmBarrier!($0) } }
        m.xShmUnmap = { file, deleteFlag in WrappedFile.forward(file!) { $1.xShmUnmap!($0, deleteFlag) } }
        return m
    }
}
