import Dispatch
import Synchronization

/// A small pool of read-only connections, used directly on the caller's thread.
///
/// Guarantees: each `read` runs its body inside one read transaction, so every query in it sees the same committed
/// snapshot (WAL: never blocked by the writer, never seeing a half-written batch); at most `capacity` connections
/// exist, and a caller beyond that waits for one to be returned; readers never checkpoint.
public final class ReaderPool: Sendable {
    /// `@unchecked Sendable`: a connection moves between threads only through the pool's mutex, and only the
    /// thread that borrowed it uses it until it gives it back.
    private final class Slot: @unchecked Sendable {
        let connection: Connection
        init(_ connection: Connection) { self.connection = connection }
    }

    private let path: String
    private let options: OpenOptions
    private let free = Mutex<[Slot]>([])
    private let available: DispatchSemaphore
    /// The number of connections this pool may hold.
    public let capacity: Int

    public init(path: String, capacity: Int, busyTimeoutMilliseconds: Int32 = 5_000) {
        precondition(capacity > 0, "a reader pool needs at least one connection")
        self.path = path
        self.capacity = capacity
        self.options = OpenOptions(mode: .readOnly, busyTimeoutMilliseconds: busyTimeoutMilliseconds)
        self.available = DispatchSemaphore(value: capacity)
    }

    /// Runs `body` with a reader connection inside a read transaction (one snapshot) on the calling thread.
    /// Do not call `read` again from inside `body`: with every connection borrowed, that would wait forever.
    public func read<T>(_ body: (Connection) throws -> T) throws -> T {
        available.wait()
        defer { available.signal() }
        let slot = try free.withLock { $0.popLast() } ?? Slot(Connection(path: path, options: options))
        defer { free.withLock { $0.append(slot) } }
        let connection = slot.connection
        try connection.execute("BEGIN DEFERRED")
        defer { if connection.isInTransaction { try? connection.execute("ROLLBACK") } }
        return try body(connection)
    }
}
