import CSQLite
import Glibc

/// The writer's WAL writes, gathered: SQLite writes each WAL frame with two `xWrite` calls (its 24-byte header, then
/// the page, each a `pwrite`: ~7 per purchase at 64 terminals); this keeps consecutive writes in memory and writes
/// them to the file with one call at the end of every commit.
///
/// Guarantees:
/// - the file receives the same bytes at the same offsets, in the same order for any overlap: a write that does not
///   continue the gathered ones flushes them first;
/// - a commit's frames are in the file when the `xWrite` of its last frame returns: a frame header with a non-zero
///   "database size after commit" field marks the commit frame, and the write of its page flushes. SQLite publishes a
///   commit to readers (the wal-index header, in shared memory) only after that call returned, so no reader looks
///   for a frame that is not in the file. A failed flush is that `xWrite`'s error, and the commit fails;
/// - every other call on the file (read, size, truncation, sync, file control, close) flushes first, so SQLite
///   never reads or syncs the file without its gathered frames;
/// - at most `capacity` bytes are gathered (a longer run is written in several flushes; one write, a header or a
///   page, never exceeds it: checked); each flush logs the gathered frames' pages in the database's `ChangedPages`
///   (before the commit can be visible to readers), then waits for the database's background fsync, like every write
///   of the WAL (`BackgroundDatabaseSync.beforeWrite`).
///
/// Used only on the writer's thread (SQLite calls the WAL's methods under its connection's mutex).
final class WALWriteBuffer {
    /// 124 KiB: SQLite's unix VFS writes at most 128 KiB − 1 bytes per call (`seekAndWriteFd` masks the length to 17
    /// bits) and reports a longer write as a full disk.
    static let capacity = 31 * 4_096
    /// The WAL file format's header sizes: the file's, then each frame's (before its page).
    static let walHeaderBytes: Int64 = 32
    static let frameHeaderBytes: Int32 = 24

    private let bytes = UnsafeMutableRawPointer.allocate(byteCount: WALWriteBuffer.capacity, alignment: 4_096)
    /// The file offset of the gathered bytes, and how many there are.
    private var start: Int64 = 0
    private var count = 0
    /// The last write was a commit frame's header: the write of its page ends the commit.
    private var commitFrameFollows = false
    /// The pages of the frames gathered, for the readers' `ChangedPages` (logged at the flush, before the commit is
    /// visible).
    private var pages: [UInt32] = []
    let sync: BackgroundDatabaseSync?
    /// The database's log of changed pages (nil: no database sync, nothing to log).
    private let changedPages: ChangedPages?

    init(sync: BackgroundDatabaseSync?) {
        self.sync = sync
        self.changedPages = sync?.changedPages
    }

    deinit {
        bytes.deallocate()
    }

    /// Gathers `amount` bytes for `offset`, flushing first when they do not continue the gathered ones or do not fit,
    /// and after them when they end a commit.
    func write(_ data: UnsafeRawPointer, amount: Int32, at offset: Int64,
               to file: UnsafeMutablePointer<sqlite3_file>) -> Int32 {
        let length = Int(amount)
        // SQLite writes the WAL's 32-byte header, frame headers of 24 bytes and pages of at most 64 KiB.
        precondition(length <= WALWriteBuffer.capacity, "a WAL write of \(length) bytes, more than the buffer holds")
        if count > 0, offset != start + Int64(count) || count + length > WALWriteBuffer.capacity {
            let code = flush(to: file)
            if code != SQLITE_OK { return code }
        }
        if count == 0 { start = offset }
        (bytes + count).copyMemory(from: data, byteCount: length)
        count += length
        if commitFrameFollows {
            commitFrameFollows = false
            return flush(to: file)
        }
        if amount == WALWriteBuffer.frameHeaderBytes && offset >= WALWriteBuffer.walHeaderBytes {
            // Frame header: page number (4 bytes), then the database size in pages after a commit, 0 for other frames.
            commitFrameFollows = data.loadUnaligned(fromByteOffset: 4, as: UInt32.self) != 0
            if changedPages != nil { pages.append(UInt32(bigEndian: data.loadUnaligned(as: UInt32.self))) }
        }
        return SQLITE_OK
    }

    /// Writes the gathered bytes to `file` (nothing to do when none are).
    func flush(to file: UnsafeMutablePointer<sqlite3_file>) -> Int32 {
        guard count > 0 else { return SQLITE_OK }
        if !pages.isEmpty, let changedPages {
            changedPages.append(pages)
            pages.removeAll(keepingCapacity: true)
        }
        if let code = sync?.beforeWALWrite(offset: start, count: count), code != SQLITE_OK { return code }
        let code = file.pointee.pMethods!.pointee.xWrite!(file, bytes, Int32(count), start)
        count = 0  // written or failed: SQLite gets the error and the writer fail-stops, nothing is written twice
        return code
    }
}
