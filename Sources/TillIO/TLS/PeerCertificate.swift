import COpenSSL

/// What a handler needs from a verified peer certificate (mutual TLS): the subject common name and the SHA-256
/// fingerprint of the DER encoding, lowercase hex — either can map a client certificate to a terminal.
public struct PeerCertificate: Sendable, Hashable {
    public let subjectCommonName: String?
    public let sha256Fingerprint: String

    /// Reads `cert` without taking ownership.
    init?(_ cert: OpaquePointer) {
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        guard X509_digest(cert, EVP_sha256(), &digest, &length) == 1 else { return nil }
        sha256Fingerprint = digest.prefix(Int(length)).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
        subjectCommonName = Self.commonName(of: cert)
    }

    private static func commonName(of cert: OpaquePointer) -> String? {
        guard let name = X509_get_subject_name(cert) else { return nil }
        let index = X509_NAME_get_index_by_NID(name, NID_commonName, -1)
        guard index >= 0, let entry = X509_NAME_get_entry(name, index),
            let data = X509_NAME_ENTRY_get_data(entry), let bytes = ASN1_STRING_get0_data(data)
        else { return nil }
        let buffer = UnsafeBufferPointer(start: bytes, count: Int(ASN1_STRING_length(data)))
        return String(decoding: buffer, as: UTF8.self)
    }
}
