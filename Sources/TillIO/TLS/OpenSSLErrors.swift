import COpenSSL

/// OpenSSL's thread-local error queue, drained into strings (never printed to stderr).
enum OpenSSLErrors {
    static func drain() -> [String] {
        var reasons: [String] = []
        while true {
            let code = ERR_get_error()
            if code == 0 { return reasons }
            var text = [UInt8](repeating: 0, count: 256)
            text.withUnsafeMutableBufferPointer { buffer in
                buffer.withMemoryRebound(to: CChar.self) { ERR_error_string_n(code, $0.baseAddress, $0.count) }
            }
            reasons.append(String(decoding: text.prefix { $0 != 0 }, as: UTF8.self))
        }
    }

    static func error(_ operation: String) -> IOError { .tls(operation: operation, reasons: drain()) }
}
