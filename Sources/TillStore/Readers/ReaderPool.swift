import Dispatch
import Foundation
import Synchronization
import TillCore

/// The store's readers: a fixed set of reader threads, each owning one read-only connection, serving a bounded queue
/// of reads; plus connections borrowed on the caller's thread for tools, backups and tests.
///
/// Guarantees: every read runs inside one read transaction, so every query in it sees the same committed snapshot
/// (WAL: never blocked by the writer, never seeing a half-written batch), begun after every write acknowledged before
/// the read was taken up is committed (`Visibility`: it waits for the COMMIT that follows an answer; a read that
/// depends on its footprint only waits only when such a write reached it); a reader thread's connection is opened, used
/// and closed on that thread only; `submit` never blocks: beyond `queueCapacity` waiting reads it throws
/// `overloaded` and the read is not run; each accepted read runs exactly once and its completion runs on a reader
/// thread; readers never checkpoint. After `close()`, queued reads still run, new submissions are `shuttingDown`.
public final class ReaderPool: Sendable {
    /// `@unchecked Sendable`: a connection moves between threads only through the pool's mutex, and only the
    /// thread that borrowed it uses it until it gives it back.
    private final class Slot: @unchecked Sendable {
        let connection: Connection
        init(_ connection: Connection) { self.connection = connection }
    }

    /// One queued read: runs on a reader thread with the thread's connection inside a read transaction, or with the
    /// error that kept the connection from opening or the transaction from starting. `run` completes the read and
    /// returns true, unless `accept` (asked once the body has run) refuses its result: it then returns false without
    /// completing, and the read runs again.
    struct Job: Sendable {
        let enqueuedAt: Instant
        let dependence: ReadDependence
        let run: @Sendable (Result<Connection, any Error>, _ accept: () -> Bool) -> Bool
    }

    struct QueueState {
        var jobs: [Job] = []
        var head = 0
        var closed = false
        var waiting: Int { jobs.count - head }
    }

    private let path: String
    private let visibility: Visibility
    /// The writer's log of changed pages: reader connections keep their page cache across commits (nil: they empty it
    /// at every commit, as SQLite does).
    private let changedPages: ChangedPages?
    private let options: OpenOptions
    private let configuration: ReaderConfiguration
    private let queue = Mutex(QueueState())
    private let wake = DispatchSemaphore(value: 0)
    private let overloads = Atomic<Int>(0)
    private let free = Mutex<[Slot]>([])
    private let available: DispatchSemaphore

    init(path: String, configuration: ReaderConfiguration, visibility: Visibility, changedPages: ChangedPages?) {
        precondition(configuration.threads > 0, "a reader pool needs at least one thread")
        precondition(configuration.queueCapacity > 0, "a reader queue holds at least one read")
        self.path = path
        self.visibility = visibility
        self.changedPages = configuration.keepsPageCache ? changedPages : nil
        self.configuration = configuration
        self.options = OpenOptions(mode: .readOnly, busyTimeoutMilliseconds: configuration.busyTimeoutMilliseconds)
        self.available = DispatchSemaphore(value: configuration.threads)
        for n in 1...configuration.threads {
            let thread = Thread { [self] in serve() }
            thread.name = "till-reader-\(n)"
            thread.stackSize = 4 << 20
            thread.start()
        }
    }

    /// Reads waiting for a reader thread (not counting the ones running).
    public var queueDepth: Int { queue.withLock { $0.waiting } }

    /// Reads refused with `overloaded` since the store opened.
    public var overloadedCount: Int { overloads.load(ordering: .relaxed) }

    /// Queues `body` for a reader thread and returns at once; `completion` runs on that thread with `body`'s result.
    /// Throws (and never calls `completion`) `overloaded` when `queueCapacity` reads wait, `shuttingDown` after
    /// `close()`. `completion` must be quick: hand the result to the caller's event loop and return. A read that
    /// depends on its footprint (`dependence`) may run twice: `body` must not change anything outside its result.
    public func submit<T>(_ body: @escaping @Sendable (Connection) throws -> T, dependence: ReadDependence = .store,
                          completion: @escaping @Sendable (Result<T, any Error>) -> Void) throws(TillError) {
        let job = Job(enqueuedAt: configuration.time.now(), dependence: dependence) { connection, accept in
            let result = Result { try body(try connection.get()) }
            guard accept() else { return false }
            completion(result)
            return true
        }
        let refusal: TillError? = queue.withLock { state in
            if state.closed { return .shuttingDown }
            if state.waiting >= configuration.queueCapacity {
                return .overloaded(retryAfterMs: configuration.retryAfterMilliseconds)
            }
            state.jobs.append(job)
            return nil
        }
        if let refusal {
            if case .overloaded = refusal { overloads.add(1, ordering: .relaxed) }
            throw refusal
        }
        wake.signal()
    }

    /// Runs `body` on the calling thread with a borrowed read-only connection inside one snapshot (tools, backups,
    /// verification and tests: never on an event loop, which must `submit`). At most `threads` connections are
    /// borrowed at once; a caller beyond that waits. Do not call `read` again from inside `body`.
    public func read<T>(_ body: (Connection) throws -> T) throws -> T {
        available.wait()
        defer { available.signal() }
        try visibility.waitForAcknowledgedWrites(willWait: configuration.onCommitWait)
        let slot = try free.withLock { $0.popLast() } ?? Slot(openConnection())
        defer { free.withLock { $0.append(slot) } }
        return try Self.inSnapshot(slot.connection, body)
    }

    /// Stops accepting reads; the reader threads finish the queued ones, close their connections and exit.
    public func close() {
        let alreadyClosed = queue.withLock { state in
            defer { state.closed = true }
            return state.closed
        }
        guard !alreadyClosed else { return }
        for _ in 0..<configuration.threads { wake.signal() }
    }

    /// A reader thread: takes the oldest job, runs it on its own connection, until closed and drained.
    private func serve() {
        var connection: Connection?
        while true {
            wake.wait()
            let next: Job? = queue.withLock { state in
                guard state.head < state.jobs.count else { return nil }
                let job = state.jobs[state.head]
                state.head += 1
                if state.head >= 1_024 && state.head * 2 >= state.jobs.count {
                    state.jobs.removeFirst(state.head)
                    state.head = 0
                }
                return job
            }
            guard let job = next else {
                // Woken by `close()` with nothing left: exit (other wake-ups always come with a job).
                return
            }
            configuration.onWait?(configuration.time.now().microseconds(since: job.enqueuedAt))
            do {
                let open = try connection ?? openConnection()
                connection = open
                if case .footprint = job.dependence, let unsettled = visibility.unsettled(),
                   try runBeforeCommit(job, on: open, unsettled: unsettled) {
                    continue
                }
                try visibility.waitForAcknowledgedWrites(willWait: configuration.onCommitWait)
                _ = try Self.inSnapshot(open) { c in job.run(.success(c)) { true } }
            } catch {
                _ = job.run(.failure(error)) { true }
            }
        }
    }

    /// Runs a read that depends on its footprint on the committed state, while the batches in `unsettled` are
    /// answered and not committed: completed (true) when none of them reached its footprint (`Visibility`), else not
    /// (false: the caller waits for their COMMIT and runs it again).
    private func runBeforeCommit(_ job: Job, on connection: Connection,
                                 unsettled: (committed: UInt64, acknowledged: UInt64)) throws -> Bool {
        let read = ReadFootprint()
        connection.footprint = read
        connection.snapshotMayLagAnswers = true  // a catalog loaded from it stays out of the shared cache
        defer {
            connection.footprint = nil
            connection.snapshotMayLagAnswers = false
        }
        return try Self.inSnapshot(connection) { c in
            job.run(.success(c)) { visibility.unaffected(unsettled, footprint: read.footprint) }
        }
    }

    private func openConnection() throws -> Connection {
        let connection = try Connection(path: path, options: options)
        connection.readerPageCache = changedPages?.reader()
        return connection
    }

    /// Readers' page-cache resets so far: narrowed to the pages the writer changed, emptying the cache, and the pages
    /// the narrowed ones dropped (all emptying when the writer keeps no `ChangedPages`).
    public var pageCacheResets: (kept: Int, emptied: Int, droppedPages: Int)? { changedPages?.resets }

    private static func inSnapshot<T>(_ connection: Connection, _ body: (Connection) throws -> T) throws -> T {
        defer { if connection.isInTransaction { try? connection.execute("ROLLBACK") } }  // also when the start failed
        try connection.beginSnapshot()
        return try body(connection)
    }
}

/// How many reader threads serve reads, how many reads may wait for one, and what a refused read is told.
public struct ReaderConfiguration: Sendable {
    /// Reader threads, each with its own read-only connection (and as many connections for callers of `read`).
    public var threads: Int = 4
    /// Reads waiting beyond this make `submit` fail at once with `overloaded`.
    public var queueCapacity: Int = 1_024
    /// The retry delay suggested to clients when the queue is full.
    public var retryAfterMilliseconds: Int64 = 20
    /// How long a reader waits on a lock (rare in WAL mode: only while a connection recovers the WAL index).
    public var busyTimeoutMilliseconds: Int32 = 5_000
    /// Reader connections keep their page cache across the writer's commits (`ChangedPages`); false: SQLite empties
    /// it whenever the database changed since a connection's last read.
    public var keepsPageCache = true
    /// The clock the wait is measured with.
    public var time: any TimeSource = SystemTime()
    /// Told, on the reader thread, how long each read waited in the queue (microseconds).
    public var onWait: (@Sendable (Int64) -> Void)? = nil
    /// Told, on the reading thread, just before a read blocks until a write already answered is committed (a test
    /// holding the COMMIT learns that the read waits).
    public var onCommitWait: (@Sendable () -> Void)? = nil

    public init() {}
}
