import Synchronization

/// A closure installed after its owner was made and called from any thread: the writer's wake-up in `Visibility`,
/// test hooks in `BackgroundDatabaseSync` and `WriterFaults`.
///
/// Guarantees: `closure` is the one set last (or nil), read and set under a lock, and reading it costs the same on
/// the millionth call as on the first. That is the point of the type: a closure kept directly in a
/// `Mutex<(() -> Void)?>` (or in a tuple in one) is wrapped in two more reabstraction thunks by every
/// `withLock { $0 }` — the generic `inout` value is converted on the way into the body and converted back on the way
/// out — so each call walks a chain that grows by two frames per call. Measured with swiftc -O: 37 ns per call, then
/// 55 µs after 10,000 calls; the calling thread's stack overflows in the end. Here the lock holds a class reference,
/// which needs no conversion.
public final class InstalledClosure<Closure: Sendable>: Sendable {
    private final class Held: Sendable {
        let closure: Closure
        init(_ closure: Closure) { self.closure = closure }
    }

    private let held = Mutex<Held?>(nil)

    public init() {}

    public var closure: Closure? {
        get { held.withLock { $0 }?.closure }
        set {
            let box = newValue.map(Held.init)
            held.withLock { $0 = box }
        }
    }
}
