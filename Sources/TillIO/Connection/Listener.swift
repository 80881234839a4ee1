import Glibc
import Synchronization

/// Options for a `Listener`.
public struct ListenerOptions: Sendable {
    /// Connections beyond this are accepted and closed at once, and counted as refused.
    public var maxConnections: Int
    /// listen(2) backlog.
    public var backlog: Int32
    /// TLS handshakes that take longer close with `.handshakeTimeout`.
    public var handshakeTimeout: Duration
    /// How long accepting pauses after EMFILE / ENFILE / ENOBUFS / ENOMEM.
    public var acceptBackoff: Duration
    /// Accepts per readiness event before other work runs.
    public var acceptsPerWake: Int

    public init(
        maxConnections: Int = .max,
        backlog: Int32 = 4096,
        handshakeTimeout: Duration = .seconds(10),
        acceptBackoff: Duration = .milliseconds(100),
        acceptsPerWake: Int = 64
    ) {
        self.maxConnections = maxConnections
        self.backlog = backlog
        self.handshakeTimeout = handshakeTimeout
        self.acceptBackoff = acceptBackoff
        self.acceptsPerWake = acceptsPerWake
    }
}

/// A listening TCP socket (plain or TLS) whose accepted connections are spread round-robin over a group's loops.
///
/// Guarantees: the bound address (with the real port when bound to port 0) is known when `bind` returns; at most
/// `maxConnections` are open at once (extra ones are accepted and closed, counted in `IOMetrics.refusedTotal`);
/// `replaceTLSContext` applies to connections accepted afterwards only; accept errors from fd exhaustion pause
/// accepting for `acceptBackoff` instead of spinning.
///
/// `@unchecked Sendable`: the fd's registration state is touched only on `loop`'s thread; the TLS context and the
/// open count are in `Mutex` / `Atomic`.
public final class Listener: @unchecked Sendable {
    /// The bound address; `localAddress.port` is the real port.
    public let localAddress: SocketAddress
    public let group: EventLoopGroup
    /// The loop that accepts.
    public let loop: EventLoop
    public let options: ListenerOptions
    let fd: Int32
    private let tlsContext: Mutex<TLSContext?>
    private let open = Atomic<Int>(0)
    private let makeHandler: @Sendable (Connection) -> any ConnectionHandler
    private var registrationID: UInt32 = 0
    private var closed = false

    /// Binds `host:port` (port 0 picks a free port), listens, and starts accepting. `makeHandler` runs on the new
    /// connection's loop thread, once per connection.
    public static func bind(
        host: String,
        port: Int,
        group: EventLoopGroup,
        tls: TLSContext? = nil,
        options: ListenerOptions = ListenerOptions(),
        makeHandler: @escaping @Sendable (Connection) -> any ConnectionHandler
    ) throws(IOError) -> Listener {
        let address = try SocketAddress(host: host, port: port)
        let fd = try Posix.socket(domain: address.family, nonBlocking: true)
        let local: SocketAddress
        do {
            try Posix.setOption(fd, level: SOL_SOCKET, name: SO_REUSEADDR, value: 1)
            try Posix.bind(fd, address)
            try Posix.listen(fd, backlog: options.backlog)
            local = try Posix.localAddress(fd)
        } catch {
            Posix.close(fd)
            throw error
        }
        let listener = Listener(
            fd: fd,
            address: local,
            group: group,
            tls: tls,
            options: options,
            makeHandler: makeHandler
        )
        listener.loop.execute { listener.register() }
        return listener
    }

    private init(
        fd: Int32,
        address: SocketAddress,
        group: EventLoopGroup,
        tls: TLSContext?,
        options: ListenerOptions,
        makeHandler: @escaping @Sendable (Connection) -> any ConnectionHandler
    ) {
        self.fd = fd
        self.localAddress = address
        self.group = group
        self.loop = group.next()
        self.options = options
        self.tlsContext = Mutex(tls)
        self.makeHandler = makeHandler
    }

    /// The bound port.
    public var port: Int { localAddress.port }

    /// Connections from this listener currently open.
    public var openConnections: Int { open.load(ordering: .relaxed) }

    /// Uses `context` for connections accepted from now on (certificate reload, e.g. on SIGHUP). Existing
    /// connections keep the context they were accepted with.
    public func replaceTLSContext(_ context: TLSContext) {
        tlsContext.withLock { $0 = context }
    }

    /// Stops accepting and closes the listening socket. Open connections are not affected. Safe from any thread.
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

    private func acceptBatch() {
        for _ in 0..<options.acceptsPerWake where !closed {
            let accepted: IOResult<(Int32, SocketAddress)>
            do {
                accepted = try Posix.accept(fd)
            } catch {
                switch error.errno {
                case ECONNABORTED, EPROTO: continue
                case EMFILE, ENFILE, ENOBUFS, ENOMEM: return backOff()
                default: return  // unexpected: try again on the next readiness event
                }
            }
            guard case .processed(let (client, peer)) = accepted else { return }
            admit(client, peer: peer)
        }
    }

    private func admit(_ client: Int32, peer: SocketAddress) {
        let metrics = loop.metrics
        guard open.load(ordering: .relaxed) < options.maxConnections else {
            metrics.refusedTotal.add(1, ordering: .relaxed)
            Posix.close(client)
            return
        }
        open.add(1, ordering: .relaxed)
        metrics.acceptedTotal.add(1, ordering: .relaxed)
        try? Posix.setOption(client, level: Int32(IPPROTO_TCP), name: TCP_NODELAY, value: 1)
        let target = group.next()
        let connection = Connection(
            loop: target,
            fd: client,
            peer: peer,
            connecting: false,
            tls: tlsContext.withLock { $0 },
            serverName: nil,
            handshakeTimeout: options.handshakeTimeout
        )
        connection.onClose = { [self] in open.subtract(1, ordering: .relaxed) }
        let makeHandler = self.makeHandler
        if target === loop {
            connection.start(handler: makeHandler(connection))
        } else {
            target.execute { connection.start(handler: makeHandler(connection)) }
        }
    }

    private func backOff() {
        loop.metrics.acceptBackoffs.add(1, ordering: .relaxed)
        try? loop.reregister(fd: fd, id: registrationID, interest: [])
        loop.scheduleOnLoop(after: options.acceptBackoff) { [self] in
            guard !closed else { return }
            try? loop.reregister(fd: fd, id: registrationID, interest: .read)
        }
    }
}

extension Listener: Selectable {
    func ready(_ event: ReadyEvent) { acceptBatch() }
    func loopShutdown() { close() }
}
