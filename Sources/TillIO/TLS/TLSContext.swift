import COpenSSL

/// An immutable OpenSSL `SSL_CTX`: TLS 1.2 minimum (1.3 negotiated when both sides can), buffers released while
/// idle (`SSL_MODE_RELEASE_BUFFERS`; a client may keep them), partial writes allowed. Build a new one to reload
/// certificates; connections keep the context they started with (each `SSL` holds its own reference).
///
/// `@unchecked Sendable`: the `SSL_CTX` is fully configured in the factory and never mutated afterwards; OpenSSL
/// allows `SSL_new` on one context from many threads.
public final class TLSContext: @unchecked Sendable {
    let handle: OpaquePointer
    /// Server contexts accept; client contexts connect.
    public let isServer: Bool
    /// True when the server requires and verifies client certificates.
    public let requiresClientCertificate: Bool

    private init(handle: OpaquePointer, isServer: Bool, requiresClientCertificate: Bool) {
        self.handle = handle
        self.isServer = isServer
        self.requiresClientCertificate = requiresClientCertificate
    }

    deinit { SSL_CTX_free(handle) }

    /// A server context from PEM files. With `clientCAFile`, clients must present a certificate signed by that CA
    /// (mutual TLS); the verified certificate is exposed as `Connection.peerCertificate`.
    public static func server(
        certificateFile: String,
        privateKeyFile: String,
        clientCAFile: String? = nil
    )
        throws(IOError) -> TLSContext
    {
        let context = try make(method: TLS_server_method(), isServer: true, requireClient: clientCAFile != nil)
        ERR_clear_error()
        guard SSL_CTX_use_certificate_chain_file(context.handle, certificateFile) == 1 else {
            throw OpenSSLErrors.error("loading certificate \(certificateFile)")
        }
        guard SSL_CTX_use_PrivateKey_file(context.handle, privateKeyFile, SSL_FILETYPE_PEM) == 1,
            SSL_CTX_check_private_key(context.handle) == 1
        else { throw OpenSSLErrors.error("loading private key \(privateKeyFile)") }
        if let clientCAFile {
            guard SSL_CTX_load_verify_locations(context.handle, clientCAFile, nil) == 1,
                let names = SSL_load_client_CA_file(clientCAFile)
            else { throw OpenSSLErrors.error("loading client CA \(clientCAFile)") }
            SSL_CTX_set_client_CA_list(context.handle, names)
            SSL_CTX_set_verify(context.handle, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nil)
        }
        return context
    }

    /// A client context. `trustRootsFile` (PEM CA bundle) verifies the server; nil uses the system's default
    /// roots. `certificateFile` + `privateKeyFile` present a client certificate (mutual TLS). `verifyServer: false`
    /// disables verification (tests of failure paths only). `releaseIdleBuffers: false` keeps each connection's
    /// OpenSSL record buffers (about 34 KB) instead of freeing and reallocating them around every record: cheaper
    /// per request for a client with few, busy connections (a load generator). `preferAES128GCM: true` offers the
    /// TLS 1.3 suites as AES-128-GCM, AES-256-GCM, ChaCha20-Poly1305 (OpenSSL's default puts AES-256-GCM first and
    /// the server follows the client's order): the same suites and the same server, fewer AES rounds per record.
    public static func client(
        trustRootsFile: String?,
        certificateFile: String? = nil,
        privateKeyFile: String? = nil,
        verifyServer: Bool = true,
        releaseIdleBuffers: Bool = true,
        preferAES128GCM: Bool = false
    ) throws(IOError) -> TLSContext {
        let context = try make(method: TLS_client_method(), isServer: false, requireClient: false, releaseIdleBuffers: releaseIdleBuffers)
        ERR_clear_error()
        if preferAES128GCM,
            SSL_CTX_set_ciphersuites(context.handle, "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256") != 1
        {
            throw OpenSSLErrors.error("setting TLS 1.3 cipher suites")
        }
        if let trustRootsFile {
            guard SSL_CTX_load_verify_locations(context.handle, trustRootsFile, nil) == 1 else {
                throw OpenSSLErrors.error("loading trust roots \(trustRootsFile)")
            }
        } else if SSL_CTX_set_default_verify_paths(context.handle) != 1 {
            throw OpenSSLErrors.error("loading default trust roots")
        }
        if let certificateFile, let privateKeyFile {
            guard SSL_CTX_use_certificate_chain_file(context.handle, certificateFile) == 1,
                SSL_CTX_use_PrivateKey_file(context.handle, privateKeyFile, SSL_FILETYPE_PEM) == 1,
                SSL_CTX_check_private_key(context.handle) == 1
            else { throw OpenSSLErrors.error("loading client certificate \(certificateFile)") }
        }
        SSL_CTX_set_verify(context.handle, verifyServer ? SSL_VERIFY_PEER : SSL_VERIFY_NONE, nil)
        return context
    }

    private static func make(
        method: OpaquePointer?,
        isServer: Bool,
        requireClient: Bool,
        releaseIdleBuffers: Bool = true
    ) throws(IOError)
        -> TLSContext
    {
        ERR_clear_error()
        guard let handle = SSL_CTX_new(method) else { throw OpenSSLErrors.error("SSL_CTX_new") }
        let context = TLSContext(handle: handle, isServer: isServer, requiresClientCertificate: requireClient)
        guard till_SSL_CTX_set_min_proto_version(handle, TLS1_2_VERSION) == 1 else {
            throw OpenSSLErrors.error("setting TLS 1.2 minimum")
        }
        let release = releaseIdleBuffers ? SSL_MODE_RELEASE_BUFFERS : 0
        _ = till_SSL_CTX_set_mode(handle, Int(release | SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER))
        _ = SSL_CTX_set_options(handle, till_SSL_OP_IGNORE_UNEXPECTED_EOF | till_SSL_OP_NO_RENEGOTIATION)
        return context
    }
}
