/// Receives one connection's events, always on the connection's loop thread, never concurrently, in this order:
/// `connected` once (after the TLS handshake for TLS), any number of `received` / `writable`, then `closed` exactly
/// once (also when `connected` never came, e.g. a failed handshake or connect). After `closed` the connection drops
/// its reference to the handler, so a handler may hold its connection strongly.
public protocol ConnectionHandler: AnyObject {
    /// The connection is ready for application bytes.
    func connected(_ connection: Connection)
    /// Bytes arrived. The slice views the loop's shared read buffer: it is only valid in spirit during the call
    /// (keeping it forces a copy of the buffer on the next read); copy what you keep.
    func received(_ bytes: ArraySlice<UInt8>, on connection: Connection)
    /// Every pending write has been flushed after writes had to wait for the peer: a good moment to resume
    /// producing. Not called when writes go out immediately.
    func writable(_ connection: Connection)
    /// The connection is closed and its fd released; `reason` says why.
    func closed(_ connection: Connection, reason: CloseReason)
}

extension ConnectionHandler {
    public func connected(_ connection: Connection) {}
    public func writable(_ connection: Connection) {}
}

/// Why a connection closed.
public enum CloseReason: Sendable, Equatable {
    /// `close()` was called on this side.
    case local
    /// The peer closed (EOF or TLS close_notify).
    case peerClosed
    /// A read, write or connect failed.
    case error(IOError)
    /// The TLS handshake failed (untrusted certificate, protocol mismatch, peer gone).
    case handshakeFailed(IOError)
    /// The TLS handshake did not finish in time.
    case handshakeTimeout
    /// The event loop group shut down.
    case loopShutdown
}
