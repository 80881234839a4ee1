import TillIO

/// The files a journal lives in: the only way the journal touches storage, so that a test can put a layer between
/// the journal and the disk (to fail a sync, fill the disk, or cut the power and undo what was not synced).
///
/// Implementations guarantee that `prepare` returns only when the segment exists under its final name at full
/// size, zero-filled, with its data and its directory entry synced, and `recycle` only when the file is under its
/// new name with the directory synced.
public protocol JournalDirectory: Sendable {
    /// A name for messages (the directory's path).
    var location: String { get }
    /// The names of the files in the directory.
    func names() throws(JournalError) -> [String]
    /// Creates `name` with `size` zero bytes, durably (see the protocol's guarantee).
    func prepare(_ name: String, size: Int) throws(JournalError)
    /// Opens an existing file for reading and writing.
    func open(_ name: String) throws(JournalError) -> any JournalFile
    /// Removes a file and syncs the directory.
    func remove(_ name: String) throws(JournalError)
    /// Renames a released segment to `name` (a spare's) and syncs the directory.
    func recycle(_ released: String, as name: String) throws(JournalError)
}

/// One open segment file. Used by one thread at a time.
public protocol JournalFile: AnyObject {
    func size() throws(JournalError) -> Int
    func read(at offset: Int, count: Int) throws(JournalError) -> [UInt8]
    func write(_ bytes: [UInt8], at offset: Int) throws(JournalError)
    /// fdatasync: every byte written before is on stable storage.
    func synchronize() throws(JournalError)
    func close()
}

/// A journal directory on the local file system.
public struct DiskJournalDirectory: JournalDirectory {
    public let path: String
    /// Permission bits of new segment files (they hold personal data: owner only).
    public static let filePermissions: UInt32 = 0o600
    /// Zeros written (and written out) at a time while preparing a segment: what a journal fdatasync may queue behind.
    static let zeroChunkBytes = 256 << 10

    /// Uses `path`, creating it (mode 0700) if it does not exist.
    public init(path: String) throws(JournalError) {
        self.path = path
        do { try DataFile.makeDirectory(path, permissions: 0o700) } catch { throw JournalError(error, path: path) }
    }

    public var location: String { path }

    public func names() throws(JournalError) -> [String] {
        do { return try DataFile.names(in: path) } catch { throw JournalError(error, path: path) }
    }

    public func prepare(_ name: String, size: Int) throws(JournalError) {
        let temporary = "\(path)/\(name).prep"
        do {
            try DataFile.remove(temporary)
            let file = try DataFile(path: temporary, mode: .createNew(permissions: DiskJournalDirectory.filePermissions))
            defer { file.close() }
            // Written zeros, not a sparse file or fallocate's unwritten extents: writing into them later changes no
            // metadata, so a record's fdatasync carries only its data (PostgreSQL's wal_init_zero). Each chunk is
            // written out before the next: 64 MiB of dirty zeros flushed by one fsync held the device for tens of
            // milliseconds, and every journal fdatasync (the answer path) queued behind it (bench/journal.md).
            let chunk = [UInt8](repeating: 0, count: DiskJournalDirectory.zeroChunkBytes)
            var offset = 0
            while offset < size {
                let count = min(chunk.count, size - offset)
                try file.write(count == chunk.count ? chunk : Array(chunk[0..<count]), at: offset)
                try file.writeOut(offset: offset, count: count)
                offset += count
            }
            try file.synchronize()
            try DataFile.rename(temporary, to: "\(path)/\(name)")
            try DataFile.synchronizeDirectory(path)
        } catch {
            throw JournalError(error, path: temporary)
        }
    }

    public func open(_ name: String) throws(JournalError) -> any JournalFile {
        let full = "\(path)/\(name)"
        do { return DiskJournalFile(file: try DataFile(path: full, mode: .readWrite)) } catch {
            throw JournalError(error, path: full)
        }
    }

    public func remove(_ name: String) throws(JournalError) {
        do {
            try DataFile.remove("\(path)/\(name)")
            try DataFile.synchronizeDirectory(path)
        } catch {
            throw JournalError(error, path: "\(path)/\(name)")
        }
    }

    public func recycle(_ released: String, as name: String) throws(JournalError) {
        do {
            try DataFile.rename("\(path)/\(released)", to: "\(path)/\(name)")
            try DataFile.synchronizeDirectory(path)
        } catch {
            throw JournalError(error, path: "\(path)/\(released)")
        }
    }
}

/// A segment file on disk.
final class DiskJournalFile: JournalFile {
    let file: DataFile
    init(file: DataFile) { self.file = file }

    func size() throws(JournalError) -> Int {
        do { return try file.size() } catch { throw JournalError(error, path: file.path) }
    }
    func read(at offset: Int, count: Int) throws(JournalError) -> [UInt8] {
        do { return try file.read(at: offset, count: count) } catch { throw JournalError(error, path: file.path) }
    }
    func write(_ bytes: [UInt8], at offset: Int) throws(JournalError) {
        do { try file.write(bytes, at: offset) } catch { throw JournalError(error, path: file.path) }
    }
    func synchronize() throws(JournalError) {
        do { try file.synchronizeData() } catch { throw JournalError(error, path: file.path) }
    }
    func close() { file.close() }
}

extension JournalError {
    /// A TillIO failure on `path`, as a journal error.
    init(_ error: IOError, path: String) {
        switch error {
        case .syscall(let name, let errno): self = .io(operation: name, path: path, errno: errno)
        default: self = .io(operation: error.description, path: path, errno: 0)
        }
    }
}
