import Foundation
import Synchronization
import TillIO

/// Collects log lines written from any thread.
final class LineCollector: Sendable {
    private let lines = Mutex<[String]>([])
    func append(_ line: String) { lines.withLock { $0.append(line) } }
    var all: [String] { lines.withLock { $0 } }
}

/// Raw socket helpers for tests that must misbehave (garbage, partial frames, no reading).
enum ClientSocketForTests {
    static func connect(port: Int) throws -> ClientSocket {
        try ClientSocket(host: "127.0.0.1", port: port, timeout: .seconds(10))
    }
}

extension ClientSocket {
    /// Reads until the peer closes (or the timeout passes).
    func readAll(timeout: Duration = .seconds(10)) throws -> [UInt8] {
        var out: [UInt8] = []
        while true {
            let chunk = try receive(timeout: timeout)
            if chunk.isEmpty { return out }
            out.append(contentsOf: chunk)
        }
    }
}
