import CSQLite

/// The pages the writer's commits changed, so that readers keep the rest of their page cache across commits
/// (`changed_pages.h` has the protocol and why it is exact).
///
/// Guarantees: the writer's VFS logs the page of every WAL frame it writes before the commit holding it is visible
/// (`append`); after each of its commits the writer publishes the log (`committed`), and a commit the log cannot
/// account for (another connection's) makes every reader empty its cache at its next reset; a reader
/// (`ReaderPageCache`) drops only the pages changed since its last snapshot when that is proven, and its whole cache
/// otherwise. Safe from any thread: the log is behind a mutex.
final class ChangedPages: @unchecked Sendable {
    private let log: UnsafeMutablePointer<till_changed_pages>

    init() {
        log = .allocate(capacity: 1)
        till_changed_pages_init(log)
    }

    deinit {
        till_changed_pages_destroy(log)
        log.deallocate()
    }

    /// The writer's VFS: pages written to the WAL (their commit not visible yet).
    func append(_ pages: [UInt32]) {
        pages.withUnsafeBufferPointer { till_changed_pages_append(log, $0.baseAddress, Int32($0.count)) }
    }

    /// The writer, after each of its commits.
    func committed() { till_changed_pages_committed(log) }

    /// The wal-index's first region as the writer's connection mapped it, or nil once unmapped.
    func walIndexMapped(_ region: UnsafeRawPointer?) { till_changed_pages_set_shm(log, region) }

    /// Readers' resets so far: narrowed to the changed pages, emptying the whole cache, and the pages the narrowed
    /// ones dropped.
    var resets: (kept: Int, emptied: Int, droppedPages: Int) {
        let counts = till_changed_pages_read_counts(log)
        return (Int(counts.kept_resets), Int(counts.emptied_resets), Int(counts.dropped_pages))
    }

    /// The ledger, right after its snapshot began: true when every commit it may see is the writer's; false when
    /// another connection may have committed since the last call (`till_changed_pages_writer_only`).
    func onlyWriterCommits(_ seen: inout (generation: UInt64, change: UInt32)) -> Bool {
        till_changed_pages_writer_only(log, &seen.generation, &seen.change) != 0
    }

    /// A new reader's state in the log (lives as long as its connection).
    func reader() -> ReaderPageCache { ReaderPageCache(log: self, pointer: log) }
}

/// One reader connection's place in the writer's `ChangedPages`: the snapshot position and generation of its last
/// reset. Used by the connection's thread only (`Connection.beginSnapshot()` arms it).
final class ReaderPageCache {
    /// Kept alive as long as this state, which points into it.
    let changedPages: ChangedPages
    let state: UnsafeMutablePointer<till_reader_cache>

    fileprivate init(log: ChangedPages, pointer: UnsafeMutablePointer<till_changed_pages>) {
        changedPages = log
        state = .allocate(capacity: 1)
        till_reader_cache_init(state, pointer)
    }

    deinit { state.deallocate() }
}
