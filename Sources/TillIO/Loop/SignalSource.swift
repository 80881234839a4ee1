import CLinux
import Glibc

/// Delivers POSIX signals (SIGHUP for certificate reload, SIGTERM / SIGINT for shutdown) as callbacks on an event
/// loop through a `signalfd`, so handlers may do real work (no async-signal-safety limits).
///
/// Guarantees: `handler` runs on `loop`'s thread once per delivered signal (the kernel coalesces repeats of one
/// signal that arrive before the loop reads them). The signals must be blocked in every thread first: call
/// `SignalSource.block(_:)` at process start, before any thread (event loops included) is created.
///
/// `@unchecked Sendable`: the fd and registration are touched only on `loop`'s thread after `init`.
public final class SignalSource: @unchecked Sendable {
    public let loop: EventLoop
    private let fd: Int32
    private let handler: @Sendable (Int32) -> Void
    private var registrationID: UInt32 = 0
    private var closed = false

    /// Blocks `signals` in the calling thread; threads created afterwards inherit the mask.
    public static func block(_ signals: [Int32]) throws(IOError) {
        var set = makeSet(signals)
        let result = pthread_sigmask(SIG_BLOCK, &set, nil)
        if result != 0 { throw .syscall(name: "pthread_sigmask", errno: result) }
    }

    /// Starts watching `signals` (already blocked with `block(_:)`) on `loop`.
    public init(signals: [Int32], loop: EventLoop, handler: @escaping @Sendable (Int32) -> Void) throws(IOError) {
        var set = Self.makeSet(signals)
        fd = try Posix.must("signalfd") { CLinux.signalfd(-1, &set, Int32(SFD_NONBLOCK | SFD_CLOEXEC)) }
        self.loop = loop
        self.handler = handler
        loop.execute { self.register() }
    }

    /// Stops watching and closes the signalfd. Safe from any thread.
    public func close() {
        guard loop.inEventLoop else { return loop.execute { self.close() } }
        guard !closed else { return }
        closed = true
        if registrationID != 0 { loop.deregister(fd: fd) }
        Posix.close(fd)
    }

    private func register() {
        guard !closed else { return }
        do {
            registrationID = try loop.register(self, fd: fd, interest: .read)
        } catch {
            closed = true
            Posix.close(fd)
        }
    }

    private static func makeSet(_ signals: [Int32]) -> sigset_t {
        var set = sigset_t()
        sigemptyset(&set)
        for signal in signals { sigaddset(&set, signal) }
        return set
    }
}

extension SignalSource: Selectable {
    func ready(_ event: ReadyEvent) {
        var info = signalfd_siginfo()
        let size = MemoryLayout<signalfd_siginfo>.size
        while !closed {
            let result = try? Posix.call("read(signalfd)") { Glibc.read(fd, &info, size) }
            guard case .processed(let count)? = result, count == size else { return }
            handler(Int32(bitPattern: info.ssi_signo))
        }
    }

    func loopShutdown() { close() }
}
