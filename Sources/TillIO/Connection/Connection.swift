import Glibc
import Synchronization

/// One TCP or TLS connection on one event loop, accepted by a `Listener` or opened by `EventLoop.connect`.
///
/// Guarantees: its handler is called only on `loop`'s thread; `write` buffers and flushes as the peer reads (write
/// interest is set only while bytes are pending); `close()` discards unsent bytes, releases the fd and calls the
/// handler's `closed` exactly once. `write`, `close`, `pauseReading` and `resumeReading` may be called from any
/// thread (off the loop they hop onto it with `execute`); `pendingWriteBytes`, `isOpen` and the TLS properties are
/// read on the loop thread.
///
/// `@unchecked Sendable`: all mutable state is touched only on `loop`'s thread — public mutators hop there first.
public final class Connection: @unchecked Sendable, CustomStringConvertible {
    enum State { case connecting, handshaking, active, closed }

    private static let nextID = Atomic<UInt64>(1)

    /// The loop this connection lives on.
    public let loop: EventLoop
    /// Unique within the process, for logs and maps.
    public let id: UInt64
    /// The remote address.
    public let peerAddress: SocketAddress
    let fd: Int32

    var state: State
    var handler: (any ConnectionHandler)?
    var tls: TLSSession?
    let tlsContext: TLSContext?
    let serverName: String?
    let handshakeTimeout: Duration
    var pending = PendingWrites()
    var readingPaused = false
    var tlsReadWantsWrite = false
    var tlsWriteWantsRead = false
    var handshakeInterest: Interest = .read
    var closeWhenFlushed = false
    var notifyWhenFlushed = false
    var interest: Interest = []
    var registrationID: UInt32 = 0
    var handshakeTimer: TimerHandle?
    /// Called once on close (the listener's open-connection count).
    var onClose: (() -> Void)?
    /// The verified peer certificate (mutual TLS, or a client's view of the server), set after the handshake.
    public internal(set) var peerCertificate: PeerCertificate?
    /// The negotiated TLS version ("TLSv1.3"), nil for plain TCP or before the handshake.
    public internal(set) var tlsVersion: String?

    init(
        loop: EventLoop,
        fd: Int32,
        peer: SocketAddress,
        connecting: Bool,
        tls: TLSContext?,
        serverName: String?,
        handshakeTimeout: Duration
    ) {
        self.loop = loop
        self.fd = fd
        self.peerAddress = peer
        self.id = Self.nextID.add(1, ordering: .relaxed).oldValue
        self.state = connecting ? .connecting : (tls == nil ? .active : .handshaking)
        self.tlsContext = tls
        self.serverName = serverName
        self.handshakeTimeout = handshakeTimeout
        loop.metrics.openConnections.add(1, ordering: .relaxed)
    }

    public var description: String { "Connection#\(id)(\(peerAddress))" }

    /// True until the connection has closed (loop thread).
    public var isOpen: Bool { state != .closed }

    /// True for TLS connections.
    public var isTLS: Bool { tlsContext != nil }

    /// Bytes accepted by `write` and not yet handed to the kernel (loop thread). Servers cap this to drop clients
    /// that do not read.
    public var pendingWriteBytes: Int { pending.byteCount }

    /// Queues `bytes` and sends what the socket takes now; the rest goes out as the peer reads. Writes before the
    /// TLS handshake completes are sent after it. Ignored once closed.
    public func write(_ bytes: [UInt8]) {
        guard loop.inEventLoop else { return loop.execute { self.write(bytes) } }
        enqueue(bytes)
    }

    /// Queues a slice (copied into the write queue).
    public func write(_ bytes: ArraySlice<UInt8>) {
        guard loop.inEventLoop else { return loop.execute { self.write(bytes) } }
        enqueue(bytes)
    }

    private func enqueue(_ bytes: some Collection<UInt8>) {
        guard state != .closed, !closeWhenFlushed else { return }
        if pending.isEmpty && state == .active && !tlsWriteWantsRead && !interest.contains(.write) {
            // Nothing queued: hand the caller's bytes to the socket directly and queue (copy) only what it refused.
            let sent = bytes.withContiguousStorageIfAvailable { writeThrough(UnsafeRawBufferPointer($0)) }
            if let sent {
                if sent < bytes.count && state == .active { pending.append(bytes.dropFirst(sent)) }
                updateInterest()
                return
            }
        }
        pending.append(bytes)
        if state == .active && !tlsWriteWantsRead && !interest.contains(.write) { flush() }
        updateInterest()
    }

    /// Closes now, discarding unsent bytes; the handler gets `closed(.local)`. With `afterFlush`, first sends what
    /// is pending (no more writes are accepted). Idempotent.
    public func close(afterFlush: Bool = false) {
        guard loop.inEventLoop else { return loop.execute { self.close(afterFlush: afterFlush) } }
        if afterFlush && !pending.isEmpty && state != .closed {
            closeWhenFlushed = true
            return
        }
        close(reason: .local)
    }

    /// Stops reading from the socket (backpressure): no `received` until `resumeReading()`.
    public func pauseReading() {
        guard loop.inEventLoop else { return loop.execute { self.pauseReading() } }
        readingPaused = true
        updateInterest()
    }

    /// Resumes reading, including bytes OpenSSL already decrypted.
    public func resumeReading() {
        guard loop.inEventLoop else { return loop.execute { self.resumeReading() } }
        guard readingPaused else { return }
        readingPaused = false
        updateInterest()
        if state == .active, tls?.hasPendingPlaintext == true { readAvailable() }
    }

    // MARK: Lifecycle (loop thread)

    /// Registers with the loop and starts connecting / handshaking; called on the loop thread.
    func start(handler: any ConnectionHandler) {
        loop.preconditionInEventLoop()
        self.handler = handler
        do {
            if let tlsContext {
                tls = try TLSSession(context: tlsContext, fd: fd, serverName: serverName)
                // Captured strongly, not weakly: a weak reference would give the connection a side table for its
                // whole life, and every retain and release of it (several per request) would take the runtime's
                // slow path. The loop holds this closure only until the handshake ends or the connection closes,
                // both of which cancel the timer (and so release the closure) on the loop thread.
                handshakeTimer = loop.scheduleOnLoop(after: handshakeTimeout) { [self] in
                    guard state == .handshaking || state == .connecting else { return }
                    loop.metrics.handshakesFailed.add(1, ordering: .relaxed)
                    close(reason: .handshakeTimeout)
                }
            }
            interest = desiredInterest()
            registrationID = try loop.register(self, fd: fd, interest: interest)
        } catch {
            registrationID = 0
            return close(reason: .error(error))
        }
        switch state {
        case .active: handler.connected(self)
        case .handshaking: advanceHandshake()
        case .connecting, .closed: break
        }
        updateInterest()
    }

    func close(reason: CloseReason) {
        guard state != .closed else { return }
        let wasActive = state == .active
        state = .closed
        handshakeTimer?.cancel()
        handshakeTimer = nil
        if registrationID != 0 { loop.deregister(fd: fd) }
        if wasActive, reason == .local || reason == .loopShutdown { tls?.shutdown() }
        Posix.close(fd)
        tls = nil
        pending.removeAll()
        loop.metrics.openConnections.subtract(1, ordering: .relaxed)
        onClose?()
        onClose = nil
        let handler = self.handler
        self.handler = nil
        handler?.closed(self, reason: reason)
    }

    func desiredInterest() -> Interest {
        switch state {
        case .connecting: return .write
        case .handshaking: return handshakeInterest
        case .closed: return []
        case .active:
            var wanted: Interest = []
            if !readingPaused || tlsWriteWantsRead { wanted.insert(.read) }
            if (!pending.isEmpty && !tlsWriteWantsRead) || tlsReadWantsWrite { wanted.insert(.write) }
            return wanted
        }
    }

    func updateInterest() {
        guard state != .closed, registrationID != 0 else { return }
        let wanted = desiredInterest()
        guard wanted != interest else { return }
        do {
            try loop.reregister(fd: fd, id: registrationID, interest: wanted)
            interest = wanted
        } catch {
            close(reason: .error(error))
        }
    }
}
