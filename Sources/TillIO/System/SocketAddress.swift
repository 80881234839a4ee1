import CLinux
import Glibc

/// An IPv4 or IPv6 socket address with a port. Value type; resolves names with getaddrinfo (blocking, so do it off
/// the event loops).
public struct SocketAddress: Sendable, Hashable, CustomStringConvertible {
    private let bytes: [UInt8]

    init(storage: sockaddr_storage, length: socklen_t) {
        var storage = storage
        bytes = withUnsafeBytes(of: &storage) { Array($0.prefix(Int(length))) }
    }

    /// Parses a numeric IPv4 or IPv6 address, or resolves a host name ("localhost").
    public init(host: String, port: Int) throws(IOError) {
        guard (0...65535).contains(port) else { throw .invalidArgument("port \(port)") }
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_family = AF_UNSPEC
        var result: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &result)
        guard status == 0, let first = result, let address = first.pointee.ai_addr else {
            throw .addressResolution(host: host, port: port)
        }
        defer { freeaddrinfo(result) }
        bytes = Array(UnsafeRawBufferPointer(start: address, count: Int(first.pointee.ai_addrlen)))
    }

    /// The loopback address 127.0.0.1 on `port`.
    public static func loopback(port: Int) -> SocketAddress {
        // A numeric address never needs resolving, so this cannot fail.
        try! SocketAddress(host: "127.0.0.1", port: port)
    }

    var family: Int32 {
        bytes.withUnsafeBytes { Int32($0.load(fromByteOffset: 0, as: sa_family_t.self)) }
    }

    /// The port, host byte order.
    public var port: Int {
        bytes.withUnsafeBytes { Int(UInt16(bigEndian: $0.load(fromByteOffset: 2, as: UInt16.self))) }
    }

    /// The numeric host ("127.0.0.1", "::1").
    public var host: String {
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        bytes.withUnsafeBytes { raw in
            let offset = family == AF_INET6 ? 8 : 4
            _ = inet_ntop(family, raw.baseAddress! + offset, &text, socklen_t(text.count))
        }
        return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    public var description: String { family == AF_INET6 ? "[\(host)]:\(port)" : "\(host):\(port)" }

    func withSockAddr<T>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> T) -> T {
        bytes.withUnsafeBytes { raw in
            body(raw.baseAddress!.assumingMemoryBound(to: sockaddr.self), socklen_t(raw.count))
        }
    }
}
