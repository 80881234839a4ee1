import TillIO

/// Serves, on its own loopback port, `GET /metrics` (Prometheus text format), `GET /healthz` (live: the event loops
/// answer) and `GET /readyz` (ready: the store is open and writable and the daemon is not shutting down; 503 with the
/// reason otherwise). One request per connection, then close. Anything else gets 404; a request head over 8 KiB is
/// dropped.
final class MetricsEndpoint: ConnectionHandler {
    private let render: @Sendable () -> String
    private let readiness: @Sendable () -> String?
    private var head: [UInt8] = []

    init(render: @escaping @Sendable () -> String, readiness: @escaping @Sendable () -> String?) {
        self.render = render
        self.readiness = readiness
    }

    func received(_ bytes: ArraySlice<UInt8>, on connection: Connection) {
        head.append(contentsOf: bytes)
        if head.count > 8_192 {
            connection.close()
            return
        }
        guard let end = headEnd() else { return }
        let requestLine = String(decoding: head[..<end], as: UTF8.self).split(separator: "\r\n").first ?? ""
        let parts = requestLine.split(separator: " ")
        let path = parts.count >= 2 && parts[0] == "GET" ? parts[1].split(separator: "?", maxSplits: 1).first.map(String.init) : nil
        let response: String
        switch path {
        case "/metrics":
            response = Self.response("200 OK", contentType: "text/plain; version=0.0.4; charset=utf-8", body: render())
        case "/healthz":
            response = Self.response("200 OK", contentType: "text/plain; charset=utf-8", body: "ok\n")
        case "/readyz":
            if let reason = readiness() {
                response = Self.response("503 Service Unavailable", contentType: "text/plain; charset=utf-8", body: "not ready: \(reason)\n")
            } else {
                response = Self.response("200 OK", contentType: "text/plain; charset=utf-8", body: "ready\n")
            }
        default:
            response = "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        }
        connection.write(Array(response.utf8))
        connection.close(afterFlush: true)
    }

    func closed(_ connection: Connection, reason: CloseReason) {}

    private static func response(_ status: String, contentType: String, body: String) -> String {
        "HTTP/1.1 \(status)\r\nContent-Type: \(contentType)\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n" + body
    }

    private func headEnd() -> Int? {
        guard head.count >= 4 else { return nil }
        for i in 0...(head.count - 4) where head[i] == 13 && head[i + 1] == 10 && head[i + 2] == 13 && head[i + 3] == 10 {
            return i
        }
        return nil
    }
}
