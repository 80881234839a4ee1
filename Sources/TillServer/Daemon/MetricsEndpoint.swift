import TillIO

/// Serves `GET /metrics` in the Prometheus text format on its own loopback port: one request per connection, then
/// close. Anything else gets 404; a request head over 8 KiB is dropped.
final class MetricsEndpoint: ConnectionHandler {
    private let render: @Sendable () -> String
    private var head: [UInt8] = []

    init(render: @escaping @Sendable () -> String) { self.render = render }

    func received(_ bytes: ArraySlice<UInt8>, on connection: Connection) {
        head.append(contentsOf: bytes)
        if head.count > 8_192 {
            connection.close()
            return
        }
        guard let end = headEnd() else { return }
        let requestLine = String(decoding: head[..<end], as: UTF8.self).split(separator: "\r\n").first ?? ""
        let parts = requestLine.split(separator: " ")
        let response: String
        if parts.count >= 2, parts[0] == "GET", parts[1] == "/metrics" || parts[1].hasPrefix("/metrics?") {
            let body = render()
            response = "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n" + body
        } else {
            response = "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        }
        connection.write(Array(response.utf8))
        connection.close(afterFlush: true)
    }

    func closed(_ connection: Connection, reason: CloseReason) {}

    private func headEnd() -> Int? {
        guard head.count >= 4 else { return nil }
        for i in 0...(head.count - 4) where head[i] == 13 && head[i + 1] == 10 && head[i + 2] == 13 && head[i + 3] == 10 {
            return i
        }
        return nil
    }
}
