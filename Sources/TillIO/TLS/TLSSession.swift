import COpenSSL
import Glibc

/// One `SSL` bound to a non-blocking socket fd (`SSL_set_fd`). Every call clears the error queue first and reads
/// `SSL_get_error` immediately after, mapping the result to a `TLSStep`. Owned by one connection on one thread.
final class TLSSession {
    /// What an SSL call needs next.
    enum Step: Equatable {
        case done
        case wantRead
        case wantWrite
        case closed
        case failed(IOError)
    }

    private let ssl: OpaquePointer
    /// Keeps the context alive as long as the session (OpenSSL also holds a reference).
    let context: TLSContext

    init(context: TLSContext, fd: Int32, serverName: String? = nil) throws(IOError) {
        ERR_clear_error()
        guard let ssl = SSL_new(context.handle) else { throw OpenSSLErrors.error("SSL_new") }
        self.ssl = ssl
        self.context = context
        guard SSL_set_fd(ssl, fd) == 1 else { throw OpenSSLErrors.error("SSL_set_fd") }
        // Read ahead: one read(2) takes every record the socket holds (without it OpenSSL reads each record's
        // header and body separately: two syscalls per record plus the one that finds the socket empty).
        SSL_set_read_ahead(ssl, 1)
        if context.isServer {
            SSL_set_accept_state(ssl)
        } else {
            SSL_set_connect_state(ssl)
            if let serverName { try verifyName(serverName) }
        }
    }

    deinit { SSL_free(ssl) }

    private func verifyName(_ name: String) throws(IOError) {
        var probe = in6_addr()
        let isIP = inet_pton(AF_INET, name, &probe) == 1 || inet_pton(AF_INET6, name, &probe) == 1
        if isIP {
            guard X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), name) == 1 else {
                throw OpenSSLErrors.error("setting expected IP \(name)")
            }
        } else {
            guard SSL_set1_host(ssl, name) == 1, till_SSL_set_tlsext_host_name(ssl, name) == 1 else {
                throw OpenSSLErrors.error("setting server name \(name)")
            }
        }
    }

    func handshake() -> Step {
        ERR_clear_error()
        let result = SSL_do_handshake(ssl)
        if result == 1 { return .done }
        return classify(result, "handshake")
    }

    /// Empties this thread's OpenSSL error queue, as `SSL_get_error` needs before each I/O call; usually it is
    /// already empty, and a peek is much cheaper than `ERR_clear_error`'s sweep of all sixteen slots.
    @inline(__always)
    private func clearErrors() {
        if ERR_peek_error() != 0 { ERR_clear_error() }
    }

    /// Returns bytes read (> 0) with `.done`, or 0 with what is needed.
    func read(into buffer: UnsafeMutableRawBufferPointer) -> (Int, Step) {
        clearErrors()
        let result = SSL_read(ssl, buffer.baseAddress, Int32(clamping: buffer.count))
        if result > 0 { return (Int(result), .done) }
        return (0, classify(result, "read"))
    }

    /// Returns bytes written (> 0, partial writes allowed) with `.done`, or 0 with what is needed.
    func write(_ buffer: UnsafeRawBufferPointer) -> (Int, Step) {
        clearErrors()
        let result = SSL_write(ssl, buffer.baseAddress, Int32(clamping: buffer.count))
        if result > 0 { return (Int(result), .done) }
        return (0, classify(result, "write"))
    }

    /// Schedules a TLS 1.3 KeyUpdate asking the peer to update too; it goes out with the next write.
    func requestKeyUpdate() -> Bool {
        ERR_clear_error()
        let ok = SSL_key_update(ssl, SSL_KEY_UPDATE_REQUESTED) == 1
        ERR_clear_error()
        return ok
    }

    /// Bytes buffered inside OpenSSL, decrypted or still raw records read ahead from the socket: readable without
    /// the socket becoming readable again. False after a read means the socket gave all it had.
    var hasPendingPlaintext: Bool { SSL_has_pending(ssl) == 1 }

    /// Sends close_notify once, best effort (non-blocking: never waits for the peer's).
    func shutdown() {
        ERR_clear_error()
        _ = SSL_shutdown(ssl)
        ERR_clear_error()
    }

    /// The peer's verified certificate, if it sent one.
    var peerCertificate: PeerCertificate? {
        guard let cert = SSL_get1_peer_certificate(ssl) else { return nil }
        defer { X509_free(cert) }
        return PeerCertificate(cert)
    }

    /// "TLSv1.3", "TLSv1.2".
    var protocolVersion: String { String(cString: SSL_get_version(ssl)) }

    /// The negotiated suite in IANA form: "TLS_AES_128_GCM_SHA256".
    var cipherSuite: String? {
        guard let cipher = SSL_get_current_cipher(ssl), let name = SSL_CIPHER_standard_name(cipher) else { return nil }
        return String(cString: name)
    }

    private func classify(_ result: Int32, _ operation: String) -> Step {
        let code = SSL_get_error(ssl, result)
        let savedErrno = Glibc.errno
        switch code {
        case SSL_ERROR_WANT_READ: return .wantRead
        case SSL_ERROR_WANT_WRITE: return .wantWrite
        case SSL_ERROR_ZERO_RETURN: return .closed
        case SSL_ERROR_SYSCALL:
            let reasons = OpenSSLErrors.drain()
            if !reasons.isEmpty { return .failed(.tls(operation: operation, reasons: reasons)) }
            if savedErrno == 0 || savedErrno == ECONNRESET || savedErrno == EPIPE { return .closed }
            return .failed(.syscall(name: "SSL_\(operation)", errno: savedErrno))
        default:
            var reasons = OpenSSLErrors.drain()
            let verify = SSL_get_verify_result(ssl)
            if verify != X509_V_OK {
                reasons.append("verify: " + String(cString: X509_verify_cert_error_string(verify)))
            }
            return .failed(.tls(operation: operation, reasons: reasons))
        }
    }
}
