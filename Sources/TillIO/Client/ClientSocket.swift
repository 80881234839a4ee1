import TillCore
import Glibc

/// A blocking TCP or TLS client connection for the CLI, tests and simple tools. Every call takes a timeout
/// (default `timeout`) and throws `IOError.timedOut` when it passes; EOF surfaces as `IOError.connectionClosed`
/// from `readExactly` and as an empty result from `receive`. Not thread-safe: use from one thread at a time.
/// For thousands of connections use `EventLoop.connect` instead.
public final class ClientSocket {
    private let fd: Int32
    private let tls: TLSSession?
    private var inbox: [UInt8] = []
    private var isClosed = false
    /// The default timeout for each operation.
    public var timeout: Duration
    /// The server's certificate as verified (TLS only).
    public private(set) var peerCertificate: PeerCertificate?
    /// "TLSv1.3" / "TLSv1.2"; nil for plain TCP.
    public private(set) var tlsVersion: String?
    /// The negotiated cipher suite ("TLS_AES_128_GCM_SHA256"); nil for plain TCP.
    public private(set) var tlsCipherSuite: String?

    /// Connects to `host:port`, then performs the TLS handshake when `tls` is given. `serverName` (default: `host`)
    /// is verified against the server certificate when the context verifies.
    public convenience init(
        host: String,
        port: Int,
        tls: TLSContext? = nil,
        serverName: String? = nil,
        timeout: Duration = .seconds(10)
    ) throws(IOError) {
        ProcessResources.ignoreSIGPIPE()
        let (fd, session) = try Self.open(
            host: host,
            port: port,
            tls: tls,
            serverName: serverName ?? host,
            deadline: Self.deadline(after: timeout)
        )
        self.init(fd: fd, tls: session, timeout: timeout)
    }

    private init(fd: Int32, tls: TLSSession?, timeout: Duration) {
        self.fd = fd
        self.tls = tls
        self.timeout = timeout
        peerCertificate = tls?.peerCertificate
        tlsVersion = tls?.protocolVersion
        tlsCipherSuite = tls?.cipherSuite
    }

    /// Connects and handshakes; on failure the fd is closed here (the object is never created).
    private static func open(
        host: String,
        port: Int,
        tls: TLSContext?,
        serverName: String,
        deadline: UInt64
    )
        throws(IOError) -> (Int32, TLSSession?)
    {
        let address = try SocketAddress(host: host, port: port)
        let fd = try Posix.socket(domain: address.family, nonBlocking: true)
        do throws(IOError) {
            if case .wouldBlock = try Posix.connect(fd, address) {
                try wait(fd, events: Int16(POLLOUT), deadline: deadline, operation: "connect")
                let code = try Posix.getOption(fd, level: SOL_SOCKET, name: SO_ERROR)
                if code != 0 { throw IOError.syscall(name: "connect", errno: code) }
            }
            try? Posix.setOption(fd, level: Int32(IPPROTO_TCP), name: TCP_NODELAY, value: 1)
            guard let tls else { return (fd, nil) }
            let session = try TLSSession(context: tls, fd: fd, serverName: serverName)
            while true {
                let step = session.handshake()
                if step == .done { return (fd, session) }
                if step == .closed { throw IOError.tls(operation: "handshake", reasons: ["peer closed"]) }
                try waitFor(step, fd: fd, deadline: deadline, operation: "TLS handshake")
            }
        } catch {
            Posix.close(fd)
            throw error
        }
    }

    deinit { close() }

    /// Sends all of `bytes`.
    public func send(_ bytes: [UInt8], timeout: Duration? = nil) throws(IOError) {
        let deadline = Self.deadline(after: timeout ?? self.timeout)
        var offset = 0
        while offset < bytes.count {
            let (count, step) = bytes.withUnsafeBytes { raw in
                writeOnce(UnsafeRawBufferPointer(rebasing: raw[offset...]))
            }
            offset += count
            if count == 0 { try waitFor(step, deadline: deadline, operation: "send") }
        }
    }

    /// Returns the next bytes available (at most `maxBytes`), waiting for some; empty means the peer closed.
    public func receive(maxBytes: Int = 64 * 1024, timeout: Duration? = nil) throws(IOError) -> [UInt8] {
        if !inbox.isEmpty {
            let count = min(maxBytes, inbox.count)
            defer { inbox.removeFirst(count) }
            return Array(inbox.prefix(count))
        }
        return try receiveFromSocket(maxBytes: maxBytes, deadline: Self.deadline(after: timeout ?? self.timeout))
    }

    private func receiveFromSocket(maxBytes: Int, deadline: UInt64) throws(IOError) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: maxBytes)
        while true {
            let (count, step) = buffer.withUnsafeMutableBytes { readOnce($0) }
            if count > 0 { return Array(buffer.prefix(count)) }
            if step == .closed { return [] }
            try waitFor(step, deadline: deadline, operation: "receive")
        }
    }

    /// Returns exactly `count` bytes, or throws `.connectionClosed` if the peer closes first.
    public func readExactly(_ count: Int, timeout: Duration? = nil) throws(IOError) -> [UInt8] {
        let deadline = Self.deadline(after: timeout ?? self.timeout)
        while inbox.count < count {
            let chunk = try receiveFromSocket(maxBytes: max(64 * 1024, count - inbox.count), deadline: deadline)
            if chunk.isEmpty { throw .connectionClosed }
            inbox.append(contentsOf: chunk)
        }
        defer { inbox.removeFirst(count) }
        return Array(inbox.prefix(count))
    }

    /// TLS 1.3: asks for a key update in both directions (sent with the next `send`). For tests of the peer's
    /// read path, where a read must also write.
    func requestKeyUpdate() -> Bool { tls?.requestKeyUpdate() ?? false }

    /// Sends TLS close_notify (best effort) and closes the socket. Idempotent.
    public func close() {
        guard !isClosed else { return }
        isClosed = true
        tls?.shutdown()
        Posix.close(fd)
    }

    // MARK: Internals

    private func readOnce(_ buffer: UnsafeMutableRawBufferPointer) -> (Int, TLSSession.Step) {
        if let tls { return tls.read(into: buffer) }
        do throws(IOError) {
            switch try Posix.read(fd, into: buffer) {
            case .processed(0): return (0, .closed)
            case .processed(let count): return (count, .done)
            case .wouldBlock: return (0, .wantRead)
            }
        } catch {
            return error.errno == ECONNRESET ? (0, .closed) : (0, .failed(error))
        }
    }

    private func writeOnce(_ bytes: UnsafeRawBufferPointer) -> (Int, TLSSession.Step) {
        if let tls { return tls.write(bytes) }
        do throws(IOError) {
            switch try Posix.write(fd, bytes) {
            case .processed(let count): return (count, .done)
            case .wouldBlock: return (0, .wantWrite)
            }
        } catch {
            return (0, .failed(error))
        }
    }

    private func waitFor(_ step: TLSSession.Step, deadline: UInt64, operation: String) throws(IOError) {
        try Self.waitFor(step, fd: fd, deadline: deadline, operation: operation)
    }

    private static func waitFor(
        _ step: TLSSession.Step,
        fd: Int32,
        deadline: UInt64,
        operation: String
    )
        throws(IOError)
    {
        switch step {
        case .done: return
        case .wantRead: try wait(fd, events: Int16(POLLIN), deadline: deadline, operation: operation)
        case .wantWrite: try wait(fd, events: Int16(POLLOUT), deadline: deadline, operation: operation)
        case .closed: throw .connectionClosed
        case .failed(let error): throw error
        }
    }

    private static func wait(_ fd: Int32, events: Int16, deadline: UInt64, operation: String) throws(IOError) {
        let now = Self.now()
        guard now < deadline else { throw .timedOut(operation: operation) }
        let milliseconds = Int32(min((deadline - now + 999_999) / 1_000_000, UInt64(Int32.max)))
        if try Posix.poll(fd, events: events, timeoutMilliseconds: milliseconds) == 0 {
            throw .timedOut(operation: operation)
        }
    }

    private static func now() -> UInt64 { SystemTime().now().nanoseconds }
    private static func deadline(after duration: Duration) -> UInt64 { now() + Instant.nanoseconds(duration) }
}
