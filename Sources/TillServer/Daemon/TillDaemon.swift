import Glibc
import Synchronization
import TillCore
import TillIO
import TillProtocol

/// The running server: event loops, the terminal/operator listener (TCP or TLS), the metrics endpoint.
///
/// Guarantees: `start` either listens on every configured address or throws having opened nothing that stays open;
/// `shutdown` stops accepting, answers new requests `shutting_down` for at least the notice period and until the
/// in-flight requests are answered (never past the grace period), then calls `afterDrain` (which commits and checkpoints the store) before closing connections.
public final class TillDaemon: Sendable {
    public let context: ServerContext
    public let registry: MetricsRegistry
    private let group: EventLoopGroup
    private let state = Mutex<(listener: Listener?, metrics: Listener?, stopped: Bool)>((nil, nil, false))

    public init(context: ServerContext, registry: MetricsRegistry) throws(IOError) {
        self.context = context
        self.registry = registry
        self.group = try EventLoopGroup(loopCount: context.configuration.ioThreads, clock: context.time)
        let io = group.metrics
        registry.gauge("till_connections_open", "Open client connections") { Int64(io.snapshot().openConnections) }
        registry.counter("till_connections_accepted_total", "Connections accepted") { Int64(io.snapshot().acceptedTotal) }
        registry.counter("till_connections_refused_total", "Connections refused at the connection limit") { Int64(io.snapshot().refusedTotal) }
        registry.counter("till_tls_handshakes_total", "TLS handshakes, by result", labels: ["result": "ok"]) { Int64(io.snapshot().tlsHandshakesOK) }
        registry.counter("till_tls_handshakes_total", "TLS handshakes, by result", labels: ["result": "failed"]) { Int64(io.snapshot().tlsHandshakesFailed) }
        for version in ["TLSv1.2", "TLSv1.3", "other"] {
            registry.counter("till_tls_sessions_total", "TLS sessions established, by negotiated protocol version", labels: ["version": version]) {
                Int64(io.snapshot().tlsSessionsByVersion[version] ?? 0)
            }
        }
        registry.gauge("till_build_info", "Always 1; the labels say which build runs",
                       labels: ["version": TillRelease.version, "protocol": String(ProtocolVersion.current)]) { 1 }
    }

    /// Binds the listeners. Returns the bound ports (useful with port 0). `readiness` answers nil when the store is
    /// open and writable, else why not (`/readyz` answers 503 with it).
    @discardableResult
    public func start(readiness: @escaping @Sendable () -> String? = { nil }) throws(DaemonError) -> (port: Int, metricsPort: Int?) {
        let configuration = context.configuration
        guard let address = HostPort.split(configuration.listen) else { throw .configuration("bad listen address \(configuration.listen)") }
        let tls = try Self.serverTLS(configuration)
        let options = ListenerOptions(
            maxConnections: configuration.maxConnections,
            handshakeTimeout: .seconds(configuration.handshakeTimeoutSeconds))
        let context = self.context
        let listener: Listener
        do {
            listener = try Listener.bind(host: address.host, port: address.port, group: group, tls: tls, options: options) { connection in
                Session(connection: connection, context: context)
            }
        } catch {
            throw .listen(address: configuration.listen, error)
        }
        var metricsListener: Listener?
        if let metricsAddress = HostPort.split(configuration.metricsListen) {
            let registry = self.registry
            do {
                metricsListener = try Listener.bind(host: metricsAddress.host, port: metricsAddress.port, group: group) { _ in
                    MetricsEndpoint(render: { registry.render() }, readiness: {
                        context.isDraining ? "shutting down" : readiness()
                    })
                }
            } catch {
                listener.close()
                throw .listen(address: configuration.metricsListen, error)
            }
        }
        state.withLock { $0 = (listener, metricsListener, false) }
        return (listener.port, metricsListener?.port)
    }

    /// Loads the certificate and key again (SIGHUP); new connections use them, open ones keep theirs.
    public func reloadCertificates() throws(DaemonError) {
        guard let tls = try Self.serverTLS(context.configuration) else { return }
        state.withLock { $0.listener }?.replaceTLSContext(tls)
        context.log.info("certificates reloaded")
    }

    /// Drains and stops. Safe to call more than once; later calls return at once.
    public func shutdown(afterDrain: () -> Void = {}) {
        let (listener, metrics, stopped) = state.withLock { current in
            let before = current
            current.stopped = true
            return before
        }
        guard !stopped else { return }
        listener?.close()
        context.beginDraining()
        // This thread sleeps while it waits, so it waits on the system's clock (an injected manual clock never moves
        // while nobody advances it).
        let clock = SystemTime()
        let began = clock.now()
        let deadline = began.advanced(by: .seconds(context.configuration.shutdownGraceSeconds))
        let notice = min(deadline, began.advanced(by: .milliseconds(context.configuration.shutdownNoticeMilliseconds)))
        var waiting = timespec(tv_sec: 0, tv_nsec: 2_000_000)
        while (context.requestsInFlight > 0 || clock.now() < notice) && clock.now() < deadline {
            nanosleep(&waiting, nil)
        }
        if context.requestsInFlight > 0 {
            context.log.warning("shutdown grace passed with requests in flight", ["inFlight": "\(context.requestsInFlight)"])
        }
        afterDrain()
        metrics?.close()
        group.shutdown()
    }

    /// The loops, for signal sources and tests.
    public var loops: EventLoopGroup { group }

    static func serverTLS(_ configuration: ServerConfiguration) throws(DaemonError) -> TLSContext? {
        guard let certificate = configuration.tlsCertificate, let key = configuration.tlsKey else { return nil }
        do {
            return try TLSContext.server(certificateFile: certificate, privateKeyFile: key, clientCAFile: configuration.tlsClientCA)
        } catch {
            throw .tls(error)
        }
    }
}

/// Why the daemon could not start.
public enum DaemonError: Error, CustomStringConvertible {
    case configuration(String)
    case listen(address: String, IOError)
    case tls(IOError)
    case store(String)

    public var description: String {
        switch self {
        case .configuration(let reason): "configuration: \(reason)"
        case .listen(let address, let error): "cannot listen on \(address): \(error)"
        case .tls(let error): "TLS: \(error)"
        case .store(let reason): "store: \(reason)"
        }
    }
}
