import COpenSSL
import Foundation

/// Paths of one PEM certificate and its PEM private key.
public struct CertificateFiles: Sendable, Hashable {
    public let certificate: String
    public let privateKey: String
}

/// A throwaway certificate authority for tests, the simulator and local runs, built with OpenSSL's C API (no
/// `openssl` CLI): EC P-256 keys, X509 v3 certificates signed with SHA-256, valid from an hour ago for `days`.
/// Server certificates carry SANs (by default IP 127.0.0.1 and DNS localhost) and serverAuth; client
/// certificates carry clientAuth and the given common name (a terminal's identity under mutual TLS).
/// Not thread-safe: use from one thread.
public final class CertificateAuthority {
    private let key: OpaquePointer
    private let cert: OpaquePointer
    /// Where PEM files are written.
    public let directory: String
    /// The CA's own certificate and key.
    public let files: CertificateFiles
    private let days: Int

    /// Creates a self-signed CA and writes `<name>.pem` / `<name>.key` into `directory` (created if needed).
    public init(
        commonName: String = "Till Test CA",
        directory: String,
        name: String = "ca",
        days: Int = 30
    )
        throws(IOError)
    {
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        self.directory = directory
        self.days = days
        key = try Self.generateKey()
        do {
            cert = try Self.makeCertificate(
                commonName: commonName,
                publicKey: key,
                issuer: nil,
                issuerKey: key,
                days: days,
                extensions: [
                    (NID_basic_constraints, "critical,CA:TRUE"),
                    (NID_key_usage, "critical,keyCertSign,cRLSign"),
                    (NID_subject_key_identifier, "hash"),
                ]
            )
        } catch {
            EVP_PKEY_free(key)
            throw error
        }
        files = try Self.write(cert: cert, key: key, directory: directory, name: name)
    }

    deinit {
        X509_free(cert)
        EVP_PKEY_free(key)
    }

    /// Issues a server certificate for `hosts` (IP literals become IP SANs, the rest DNS SANs).
    public func issueServerCertificate(
        commonName: String = "localhost",
        hosts: [String] = ["127.0.0.1", "localhost"],
        name: String = "server"
    ) throws(IOError) -> CertificateFiles {
        let names = hosts.map { host in
            host.allSatisfy { $0.isNumber || $0 == "." || $0 == ":" } ? "IP:\(host)" : "DNS:\(host)"
        }
        return try issue(
            commonName: commonName,
            name: name,
            extensions: [
                (NID_subject_alt_name, names.joined(separator: ",")),
                (NID_ext_key_usage, "serverAuth"),
            ]
        )
    }

    /// Issues a client certificate whose subject CN is `commonName` (e.g. a terminal id).
    public func issueClientCertificate(commonName: String, name: String? = nil) throws(IOError) -> CertificateFiles {
        try issue(
            commonName: commonName,
            name: name ?? "client-\(commonName)",
            extensions: [
                (NID_ext_key_usage, "clientAuth")
            ]
        )
    }

    private func issue(
        commonName: String,
        name: String,
        extensions: [(Int32, String)]
    ) throws(IOError)
        -> CertificateFiles
    {
        let leafKey = try Self.generateKey()
        defer { EVP_PKEY_free(leafKey) }
        let leaf = try Self.makeCertificate(
            commonName: commonName,
            publicKey: leafKey,
            issuer: cert,
            issuerKey: key,
            days: days,
            extensions: [
                (NID_basic_constraints, "critical,CA:FALSE"),
                (NID_key_usage, "critical,digitalSignature"),
                (NID_authority_key_identifier, "keyid"),
            ] + extensions
        )
        defer { X509_free(leaf) }
        return try Self.write(cert: leaf, key: leafKey, directory: directory, name: name)
    }

    private static func generateKey() throws(IOError) -> OpaquePointer {
        ERR_clear_error()
        guard let key = till_generate_p256() else { throw OpenSSLErrors.error("generating P-256 key") }
        return key
    }

    private static func makeCertificate(
        commonName: String,
        publicKey: OpaquePointer,
        issuer: OpaquePointer?,
        issuerKey: OpaquePointer,
        days: Int,
        extensions: [(Int32, String)]
    ) throws(IOError) -> OpaquePointer {
        ERR_clear_error()
        guard let cert = X509_new() else { throw OpenSSLErrors.error("X509_new") }
        let subject = X509_get_subject_name(cert)
        let ok =
            X509_set_version(cert, 2) == 1
            && ASN1_INTEGER_set(X509_get_serialNumber(cert), Int.random(in: 1...Int(Int32.max))) == 1
            && X509_gmtime_adj(X509_getm_notBefore(cert), -3600) != nil
            && X509_gmtime_adj(X509_getm_notAfter(cert), days * 86_400) != nil
            && X509_set_pubkey(cert, publicKey) == 1
            && X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_ASC, commonName, -1, -1, 0) == 1
            && X509_set_issuer_name(cert, issuer.map { X509_get_subject_name($0) } ?? subject) == 1
            && extensions.allSatisfy { till_X509_add_ext(cert, issuer ?? cert, $0.0, $0.1) == 1 }
            && X509_sign(cert, issuerKey, EVP_sha256()) > 0
        guard ok else {
            X509_free(cert)
            throw OpenSSLErrors.error("building certificate \(commonName)")
        }
        return cert
    }

    private static func write(
        cert: OpaquePointer,
        key: OpaquePointer,
        directory: String,
        name: String
    )
        throws(IOError) -> CertificateFiles
    {
        let files = CertificateFiles(certificate: "\(directory)/\(name).pem", privateKey: "\(directory)/\(name).key")
        ERR_clear_error()
        guard let certBIO = BIO_new_file(files.certificate, "w") else {
            throw OpenSSLErrors.error("opening \(files.certificate)")
        }
        let certOK = PEM_write_bio_X509(certBIO, cert) == 1
        BIO_free(certBIO)
        guard certOK, let keyBIO = BIO_new_file(files.privateKey, "w") else {
            throw OpenSSLErrors.error("writing \(files.certificate)")
        }
        let keyOK = PEM_write_bio_PrivateKey(keyBIO, key, nil, nil, 0, nil, nil) == 1
        BIO_free(keyBIO)
        guard keyOK else { throw OpenSSLErrors.error("writing \(files.privateKey)") }
        return files
    }
}

/// A ready-made set for tests: a CA, a server certificate for 127.0.0.1 / localhost, and one client certificate,
/// all PEM files in `directory`.
public struct TestCertificates: Sendable {
    public let directory: String
    /// The CA certificate: trust roots for clients, client CA for mutual TLS servers.
    public let caCertificate: String
    public let server: CertificateFiles
    public let client: CertificateFiles

    public init(directory: String, caCertificate: String, server: CertificateFiles, client: CertificateFiles) {
        self.directory = directory
        self.caCertificate = caCertificate
        self.server = server
        self.client = client
    }

    /// Generates into `directory`, or into a fresh temporary directory when nil.
    public static func generate(
        in directory: String? = nil,
        clientCommonName: String = "terminal-0001"
    )
        throws(IOError) -> TestCertificates
    {
        let directory = directory ?? temporaryDirectory()
        let authority = try CertificateAuthority(directory: directory)
        return TestCertificates(
            directory: directory,
            caCertificate: authority.files.certificate,
            server: try authority.issueServerCertificate(),
            client: try authority.issueClientCertificate(commonName: clientCommonName)
        )
    }

    /// A new unique directory under the system temporary directory.
    public static func temporaryDirectory(prefix: String = "till-certs") -> String {
        let path = NSTemporaryDirectory() + "\(prefix)-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}
