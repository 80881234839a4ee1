import Glibc

extension EventLoop {
    /// Opens a non-blocking client connection on this loop (the load simulator runs thousands this way). Returns
    /// at once; the handler, made on the loop thread, gets `connected` after the TCP connect (and TLS handshake
    /// when `tls` is given), or `closed(.error / .handshakeFailed / .handshakeTimeout)`. `serverName` is checked
    /// against the server certificate (an IP literal is matched against IP SANs) and sent as SNI when it is a name.
    /// Safe from any thread.
    @discardableResult
    public func connect(
        to address: SocketAddress,
        tls: TLSContext? = nil,
        serverName: String? = nil,
        handshakeTimeout: Duration = .seconds(10),
        makeHandler: @escaping @Sendable (Connection) -> any ConnectionHandler
    ) throws(IOError) -> Connection {
        if let tls, tls.isServer { throw .invalidArgument("a server TLSContext cannot connect") }
        let fd = try Posix.socket(domain: address.family, nonBlocking: true)
        do throws(IOError) {
            _ = try Posix.connect(fd, address)  // done or in progress: writability reports the outcome either way
        } catch {
            Posix.close(fd)
            throw error
        }
        let connection = Connection(
            loop: self,
            fd: fd,
            peer: address,
            connecting: true,
            tls: tls,
            serverName: serverName,
            handshakeTimeout: handshakeTimeout
        )
        if inEventLoop {
            connection.start(handler: makeHandler(connection))
        } else {
            execute { connection.start(handler: makeHandler(connection)) }
        }
        return connection
    }
}
