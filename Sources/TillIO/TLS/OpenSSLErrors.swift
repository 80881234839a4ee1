import COpenSSL

/// OpenSSL's thread-local error queue, drained into strings (never printed to stderr).
enum OpenSSLErrors {
    static func drain() -> [String] {
        var reasons: [String] = []
        while true {
            let code = ERR_get_error()
            if code == 0 { return reasons }
            var text = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &text, text.count)
            reasons.append(String(cString: text))
        }
    }

    static func error(_ operation: String) -> IOError { .tls(operation: operation, reasons: drain()) }
}
