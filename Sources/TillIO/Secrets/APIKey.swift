import COpenSSL

/// An API key for a terminal or an operator: `till_t_` or `till_o_` followed by 32 random bytes in lower-case hex.
///
/// Guarantees: keys come from OpenSSL's CSPRNG; only `digest` (SHA-256 of the whole key text) is ever stored, and
/// `description` never prints the key itself.
public struct APIKey: Sendable, Hashable, CustomStringConvertible {
    public enum Role: String, Sendable { case terminal = "t", `operator` = "o" }

    /// The full secret text, shown once when provisioned.
    public let secret: String

    public init(secret: String) { self.secret = secret }

    /// A fresh random key for `role`.
    public static func generate(role: Role) throws(SecretError) -> APIKey {
        var bytes = [UInt8](repeating: 0, count: 32)
        let status = bytes.withUnsafeMutableBufferPointer { RAND_bytes($0.baseAddress, Int32($0.count)) }
        guard status == 1 else { throw .randomUnavailable }
        return APIKey(secret: "till_\(role.rawValue)_" + Hex.encode(bytes))
    }

    /// The role encoded in the key's prefix, nil for a malformed key.
    public var role: Role? {
        if secret.hasPrefix("till_t_") { return .terminal }
        if secret.hasPrefix("till_o_") { return .operator }
        return nil
    }

    /// SHA-256 of the key text: what the store keeps.
    public var digest: [UInt8] { SHA256.hash(Array(secret.utf8)) }

    public var description: String { "APIKey(\(secret.prefix(7))…)" }
}

/// Failures of the secrets helpers.
public enum SecretError: Error, Equatable {
    case randomUnavailable
}

/// SHA-256 through OpenSSL's one-shot EVP digest.
public enum SHA256 {
    public static func hash(_ bytes: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        let ok = bytes.withUnsafeBufferPointer { input in
            out.withUnsafeMutableBufferPointer { output in
                EVP_Digest(input.baseAddress, input.count, output.baseAddress, &length, EVP_sha256(), nil)
            }
        }
        precondition(ok == 1 && length == 32, "EVP_Digest(SHA-256) failed")
        return out
    }
}

/// Lower-case hexadecimal.
public enum Hex {
    public static func encode(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
