import Glibc
import CLinux

/// A regular file opened for positioned reads and writes, with the syncs a log needs.
///
/// Guarantees:
/// - every syscall is retried on EINTR and any other failure is thrown as `IOError.syscall` with the call's name;
/// - `write(_:at:)` writes every byte or throws (short writes are continued, never reported as success);
/// - `read(at:count:)` returns fewer bytes than asked only at the end of the file;
/// - the descriptor is closed exactly once (`close()` or deinit) and is never used after.
public final class DataFile {
    /// How to open a file.
    public enum Mode: Sendable {
        /// Open an existing file for reading and writing.
        case readWrite
        /// Create the file (it must not exist) for reading and writing, with these permission bits.
        case createNew(permissions: UInt32)
    }

    /// The path the file was opened with (for messages).
    public let path: String
    private var descriptor: Int32

    /// Opens `path` (O_CLOEXEC always).
    public init(path: String, mode: Mode) throws(IOError) {
        let flags: Int32
        let permissions: UInt32
        switch mode {
        case .readWrite: (flags, permissions) = (O_RDWR | O_CLOEXEC, 0)
        case .createNew(let bits): (flags, permissions) = (O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, bits)
        }
        self.path = path
        self.descriptor = try DataFile.retrying("open") { Glibc.open(path, flags, permissions) }
    }

    deinit { if descriptor >= 0 { _ = Glibc.close(descriptor) } }

    /// Closes the descriptor (close(2) is never retried: on Linux the descriptor is gone even after EINTR).
    public func close() {
        if descriptor >= 0 { _ = Glibc.close(descriptor) }
        descriptor = -1
    }

    /// The file's size in bytes.
    public func size() throws(IOError) -> Int {
        var status = stat()
        _ = try DataFile.retrying("fstat") { fstat(descriptor, &status) }
        return Int(status.st_size)
    }

    /// Reads up to `count` bytes at `offset`; fewer only at the end of the file.
    ///
    /// The bytes are read straight into the array's fresh storage, not zero-filled first: a journal segment read at
    /// start-up (64 MiB) was written twice, by a memset and by the copy (bench/journal.md, "Start-up reads its
    /// journal faster"; asking for huge pages as well made the first start after a crash slower, not faster).
    public func read(at offset: Int, count: Int) throws(IOError) -> [UInt8] {
        precondition(offset >= 0 && count >= 0, "negative offset or count")
        let fd = descriptor
        var failure: IOError?
        let bytes = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            initialized = 0
            guard let base = buffer.baseAddress else { return }
            var done = 0
            while done < count {
                let got: Int
                do throws(IOError) {
                    got = try DataFile.retrying("pread") { pread(fd, base + done, count - done, off_t(offset + done)) }
                } catch {
                    failure = error
                    break
                }
                if got == 0 { break }
                done += got
            }
            initialized = done  // bytes past what pread filled are never exposed
        }
        if let failure { throw failure }
        return bytes
    }

    /// Writes all of `bytes` at `offset`.
    public func write(_ bytes: [UInt8], at offset: Int) throws(IOError) {
        precondition(offset >= 0, "negative offset")
        var done = 0
        while done < bytes.count {
            let fd = descriptor
            let wrote = try DataFile.retrying("pwrite") {
                bytes.withUnsafeBytes { buffer in
                    pwrite(fd, buffer.baseAddress! + done, buffer.count - done, off_t(offset + done))
                }
            }
            // pwrite on a regular file returns 0 only for a zero-length request.
            if wrote == 0 { throw .syscall(name: "pwrite", errno: EIO) }
            done += wrote
        }
    }

    /// fdatasync(2): the data written so far, and the metadata needed to read it back, are on stable storage.
    /// A failure must never be retried by the caller: the kernel may have dropped the dirty pages already.
    public func synchronizeData() throws(IOError) {
        _ = try DataFile.retrying("fdatasync") { fdatasync(descriptor) }
    }

    /// Starts writing the file's dirty pages out and returns without waiting (sync_file_range(2) with
    /// SYNC_FILE_RANGE_WRITE over the whole file). Makes nothing durable: a later fsync finds less to write.
    public func startWriteback() throws(IOError) {
        _ = try DataFile.retrying("sync_file_range") { till_start_writeback(descriptor) }
    }

    /// Writes the dirty pages of `count` bytes at `offset` out and waits for them (sync_file_range(2) with
    /// WAIT_BEFORE | WRITE | WAIT_AFTER). Makes nothing durable: it keeps a long sequence of writes from piling up
    /// dirty pages that a later fsync would then push to the device all at once.
    public func writeOut(offset: Int, count: Int) throws(IOError) {
        _ = try DataFile.retrying("sync_file_range") { till_write_out(descriptor, Int64(offset), Int64(count)) }
    }

    /// fsync(2): data and all metadata.
    public func synchronize() throws(IOError) {
        _ = try DataFile.retrying("fsync") { fsync(descriptor) }
    }

    /// Sets the file's size (ftruncate(2)); new bytes read as zeros.
    public func truncate(to size: Int) throws(IOError) {
        _ = try DataFile.retrying("ftruncate") { ftruncate(descriptor, off_t(size)) }
    }

    /// Makes a directory entry change (create, rename, unlink) in `directory` durable.
    public static func synchronizeDirectory(_ directory: String) throws(IOError) {
        let fd = try retrying("open") { Glibc.open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
        defer { _ = Glibc.close(fd) }
        _ = try retrying("fsync") { fsync(fd) }
    }

    /// Removes a file (unlink(2)); a missing file is not an error.
    public static func remove(_ path: String) throws(IOError) {
        if unlink(path) != 0 && errno != ENOENT { throw .syscall(name: "unlink", errno: errno) }
    }

    /// The names in `directory` (without "." and ".."), unsorted.
    public static func names(in directory: String) throws(IOError) -> [String] {
        guard let stream = opendir(directory) else { throw .syscall(name: "opendir", errno: errno) }
        defer { closedir(stream) }
        var names: [String] = []
        while let entry = readdir(stream) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// Creates `directory` with `permissions` if it does not exist.
    public static func makeDirectory(_ directory: String, permissions: UInt32) throws(IOError) {
        if mkdir(directory, permissions) != 0 && errno != EEXIST { throw .syscall(name: "mkdir", errno: errno) }
    }

    @inline(__always)
    private static func retrying<T: FixedWidthInteger>(_ name: String, _ body: () -> T) throws(IOError) -> T {
        while true {
            let result = body()
            if result != -1 { return result }
            let code = errno
            if code == EINTR { continue }
            throw .syscall(name: name, errno: code)
        }
    }
}

extension DataFile {
    /// Renames a file (rename(2)); the caller syncs the directory to make it durable.
    public static func rename(_ from: String, to: String) throws(IOError) {
        if Glibc.rename(from, to) != 0 { throw .syscall(name: "rename", errno: errno) }
    }
}
