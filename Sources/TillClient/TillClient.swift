import TillCore
import TillIO
import TillProtocol

/// Why a client call failed.
public enum ClientError: Error, Equatable, CustomStringConvertible {
    /// The server answered with a typed error (the request was refused; for writes, nothing was written).
    case refused(TillError)
    /// The connection failed (connect, TLS, read or write); a write's outcome is unknown: ask `status`.
    case connection(IOError)
    /// The server closed the connection.
    case closed
    /// The server's bytes did not follow the protocol.
    case protocolViolation(String)

    public var description: String {
        switch self {
        case .refused(let error): "\(error.code): \(error.message)"
        case .connection(let error): "connection failed: \(error)"
        case .closed: "the server closed the connection"
        case .protocolViolation(let reason): "protocol violation: \(reason)"
        }
    }

    /// The server's error when the call was refused.
    public var tillError: TillError? { if case .refused(let e) = self { e } else { nil } }
}

/// Where and how to reach `tilld`.
public struct ServerAddress: Sendable, Equatable {
    public var host: String
    public var port: Int
    /// PEM CA file that signed the server certificate; nil for plain TCP.
    public var tlsCA: String?
    /// Client certificate and key for mutual TLS.
    public var clientCertificate: String?
    public var clientKey: String?

    public init(host: String, port: Int, tlsCA: String? = nil, clientCertificate: String? = nil, clientKey: String? = nil) {
        self.host = host
        self.port = port
        self.tlsCA = tlsCA
        self.clientCertificate = clientCertificate
        self.clientKey = clientKey
    }
}

/// A blocking connection to `tilld` for one terminal or operator: the CLI, scripts and tests use it.
///
/// Guarantees: one request at a time through `call` (responses matched by id); `send` / `receive` expose pipelining
/// for callers that want several requests in flight. Not thread-safe: one owner at a time.
public final class TillClient {
    private let socket: ClientSocket
    private let codec = ClientCodec()
    private var nextID: Int64 = 1
    private var outbox: [UInt8] = []
    public private(set) var session: HelloResult?

    /// Connects (and completes the TLS handshake when `address.tlsCA` is set).
    public init(_ address: ServerAddress, timeout: Duration = .seconds(10)) throws(ClientError) {
        do {
            var tls: TLSContext?
            if let ca = address.tlsCA {
                tls = try TLSContext.client(trustRootsFile: ca, certificateFile: address.clientCertificate, privateKeyFile: address.clientKey)
            }
            socket = try ClientSocket(host: address.host, port: address.port, tls: tls, timeout: timeout)
        } catch {
            throw .connection(error)
        }
    }

    /// Connects and says `hello` with `apiKey`.
    public convenience init(_ address: ServerAddress, apiKey: String, client: String = "till-client", timeout: Duration = .seconds(10)) throws(ClientError) {
        try self.init(address, timeout: timeout)
        session = try hello(apiKey: apiKey, client: client)
    }

    public func close() { socket.close() }

    /// The TLS version negotiated ("TLSv1.3"), nil for plain TCP.
    public var tlsVersion: String? { socket.tlsVersion }

    // MARK: Typed calls

    @discardableResult
    public func hello(apiKey: String, client: String = "till-client") throws(ClientError) -> HelloResult {
        guard case .hello(let result) = try call(.hello(Hello(apiKey: apiKey, client: client))) else { throw Self.mismatch }
        session = result
        return result
    }

    public func ping() throws(ClientError) -> Pong {
        guard case .pong(let pong) = try call(.ping) else { throw Self.mismatch }
        return pong
    }

    public func identify(_ identifiers: [MemberIdentifier]) throws(ClientError) -> [IdentifiedMember] {
        guard case .identify(let result) = try call(.identify(IdentifyRequest(identifiers: identifiers))) else { throw Self.mismatch }
        return result.members
    }

    public func quote(_ purchase: PurchaseRequest) throws(ClientError) -> Quote {
        guard case .quote(let quote) = try call(.quote(purchase)) else { throw Self.mismatch }
        return quote
    }

    public func purchase(_ purchase: PurchaseRequest) throws(ClientError) -> Receipt {
        guard case .purchase(let receipt) = try call(.purchase(purchase)) else { throw Self.mismatch }
        return receipt
    }

    public func void(_ request: VoidRequest) throws(ClientError) -> ReversalReceipt {
        guard case .void(let receipt) = try call(.void(request)) else { throw Self.mismatch }
        return receipt
    }

    public func returnItems(_ request: ReturnRequest) throws(ClientError) -> ReversalReceipt {
        guard case .return(let receipt) = try call(.return(request)) else { throw Self.mismatch }
        return receipt
    }

    public func status(transactionId: String) throws(ClientError) -> TransactionStatus {
        guard case .status(let status) = try call(.status(StatusRequest(transactionId: transactionId))) else { throw Self.mismatch }
        return status
    }

    /// An operator op.
    public func perform(_ request: OperatorRequest) throws(ClientError) -> OperatorResponse {
        guard case .operator(let response) = try call(.operator(request)) else { throw Self.mismatch }
        return response
    }

    // MARK: Requests

    /// Sends `request` and waits for its response.
    public func call(_ request: Request) throws(ClientError) -> Response {
        let id = send(request)
        try flush()
        while true {
            let envelope = try receive()
            guard envelope.id == id else { continue }
            switch envelope.outcome {
            case .success(let response): return response
            case .failure(let error): throw .refused(error)
            }
        }
    }

    /// Sends `requests` keeping at most `window` in flight, handing each answer to `onAnswer` with its request's
    /// index as it arrives (answers may come out of order). `onAnswer` returns false to stop early (the answers still
    /// in flight are then left unread: close the client).
    public func pipeline(
        _ requests: [Request], window: Int, timeout: Duration? = nil,
        onAnswer: (Int, Result<Response, TillError>) -> Bool
    ) throws(ClientError) {
        var inFlight: [RequestID: Int] = [:]
        var next = 0
        while next < requests.count || !inFlight.isEmpty {
            while next < requests.count && inFlight.count < max(1, window) {
                inFlight[send(requests[next])] = next
                next += 1
            }
            try flush()
            let envelope = try receive(timeout: timeout)
            guard let id = envelope.id, let index = inFlight.removeValue(forKey: id) else { continue }
            guard onAnswer(index, envelope.outcome) else { return }
        }
    }

    /// Queues `request` with a fresh id and returns the id; `flush()` sends everything queued.
    @discardableResult
    public func send(_ request: Request) -> RequestID {
        let id = RequestID.int(nextID)
        nextID += 1
        codec.encodeRequest(RequestEnvelope(id: id, request: request), into: &outbox)
        return id
    }

    /// Queues raw bytes (for tests of malformed input).
    public func sendRaw(_ bytes: [UInt8]) { outbox.append(contentsOf: bytes) }

    public func flush() throws(ClientError) {
        guard !outbox.isEmpty else { return }
        defer { outbox.removeAll(keepingCapacity: true) }
        do { try socket.send(outbox) } catch { throw .connection(error) }
    }

    /// Reads the next response frame, whichever request it answers.
    public func receive(timeout: Duration? = nil) throws(ClientError) -> ResponseEnvelope {
        let payload: [UInt8]
        do {
            let header = try socket.readExactly(4, timeout: timeout)
            if header.count < 4 { throw ClientError.closed }
            let length = Int(header[0]) << 24 | Int(header[1]) << 16 | Int(header[2]) << 8 | Int(header[3])
            payload = try socket.readExactly(length, timeout: timeout)
            if payload.count < length { throw ClientError.closed }
        } catch let error as ClientError {
            throw error
        } catch IOError.connectionClosed {
            throw .closed
        } catch let error as IOError {
            throw .connection(error)
        } catch {
            throw .protocolViolation("\(error)")
        }
        do { return try codec.decodeResponse(payload) } catch { throw .protocolViolation(error.message) }
    }

    private static let mismatch = ClientError.protocolViolation("the result does not answer the request's op")
}
