import Glibc

/// Every failure TillIO reports. Syscall failures carry the call's name and `errno`; would-block is never an error
/// (see `IOResult`).
public enum IOError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A syscall failed with `errno` (EINTR is retried and EAGAIN surfaces as `IOResult.wouldBlock`, never here).
    case syscall(name: String, errno: Int32)
    /// A host name did not resolve, or an address string was not valid.
    case addressResolution(host: String, port: Int)
    /// OpenSSL reported a failure; `reasons` is OpenSSL's error queue, oldest first.
    case tls(operation: String, reasons: [String])
    /// A blocking operation did not finish within its timeout.
    case timedOut(operation: String)
    /// The peer closed the connection (EOF, or a TLS close_notify).
    case connectionClosed
    /// The event loop has been shut down and accepts no more work.
    case eventLoopShutDown
    /// A caller passed an argument that cannot be used.
    case invalidArgument(String)

    public var description: String {
        switch self {
        case .syscall(let name, let errno): "\(name) failed: \(String(cString: strerror(errno))) (errno \(errno))"
        case .addressResolution(let host, let port): "cannot resolve \(host):\(port)"
        case .tls(let operation, let reasons): "TLS \(operation) failed: \(reasons.joined(separator: "; "))"
        case .timedOut(let operation): "\(operation) timed out"
        case .connectionClosed: "connection closed by peer"
        case .eventLoopShutDown: "event loop shut down"
        case .invalidArgument(let text): "invalid argument: \(text)"
        }
    }

    /// The errno of a `.syscall` error, else nil.
    public var errno: Int32? {
        if case .syscall(_, let code) = self { return code }
        return nil
    }
}

/// The outcome of a non-blocking syscall: done with a value, or it would have blocked (EAGAIN / EWOULDBLOCK /
/// EINPROGRESS for connect).
public enum IOResult<Value: Sendable>: Sendable {
    case processed(Value)
    case wouldBlock
}

extension IOResult: Equatable where Value: Equatable {}
