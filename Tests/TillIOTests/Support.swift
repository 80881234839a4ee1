import TillCore
import Dispatch
import Synchronization
import TillIO

/// 4-byte big-endian length + payload, the test protocol.
enum Frame {
    static func encode(_ payload: [UInt8]) -> [UInt8] {
        let length = UInt32(payload.count)
        return [UInt8(length >> 24), UInt8(length >> 16 & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length & 0xFF)]
            + payload
    }

    /// Removes and returns the first complete frame's payload from `buffer`.
    static func next(from buffer: inout [UInt8]) -> [UInt8]? {
        guard buffer.count >= 4 else { return nil }
        let length = buffer.prefix(4).reduce(0) { $0 << 8 | Int($1) }
        guard buffer.count >= 4 + length else { return nil }
        let payload = Array(buffer[4..<(4 + length)])
        buffer.removeFirst(4 + length)
        return payload
    }

    static func payload(_ count: Int, seed: UInt8 = 7) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ Int(seed)) }
    }
}

/// What server handlers saw, shared with the test thread.
final class Recorder: Sendable {
    let closedReasons = Mutex<[CloseReason]>([])
    let peerCertificates = Mutex<[PeerCertificate?]>([])
    let maxPendingSeen = Atomic<Int>(0)
    let closed = DispatchSemaphore(value: 0)
    let connected = DispatchSemaphore(value: 0)

    func waitClosed(_ count: Int = 1, seconds: Double = 10) -> Bool {
        for _ in 0..<count where closed.wait(timeout: .now() + seconds) == .timedOut { return false }
        return true
    }
}

/// Server side: echoes every frame back; optionally closes idle connections and clients that do not read.
final class EchoHandler: ConnectionHandler {
    private var inbox: [UInt8] = []
    private let recorder: Recorder
    private let idleTimeout: Duration?
    private var idleTimer: TimerHandle?

    init(recorder: Recorder, idleTimeout: Duration? = nil) {
        self.recorder = recorder
        self.idleTimeout = idleTimeout
    }

    func connected(_ connection: Connection) {
        recorder.peerCertificates.withLock { $0.append(connection.peerCertificate) }
        armIdleTimer(connection)
        recorder.connected.signal()
    }

    func received(_ bytes: ArraySlice<UInt8>, on connection: Connection) {
        armIdleTimer(connection)  // before echoing: once the client sees the echo, the timer is armed
        inbox.append(contentsOf: bytes)
        while let payload = Frame.next(from: &inbox) { connection.write(Frame.encode(payload)) }
    }

    func closed(_ connection: Connection, reason: CloseReason) {
        idleTimer?.cancel()
        recorder.closedReasons.withLock { $0.append(reason) }
        recorder.closed.signal()
    }

    private func armIdleTimer(_ connection: Connection) {
        guard let idleTimeout else { return }
        idleTimer?.cancel()
        idleTimer = connection.loop.scheduleOnLoop(after: idleTimeout) { [weak connection] in connection?.close() }
    }
}

/// Server side: floods the client and drops it once more than `cap` bytes wait unsent.
final class FloodHandler: ConnectionHandler {
    private let recorder: Recorder
    private let cap: Int

    init(recorder: Recorder, cap: Int) {
        self.recorder = recorder
        self.cap = cap
    }

    func connected(_ connection: Connection) {
        let chunk = [UInt8](repeating: 0x5A, count: 64 * 1024)
        for _ in 0..<10_000 where connection.isOpen {
            connection.write(chunk)
            recorder.maxPendingSeen.store(connection.pendingWriteBytes, ordering: .relaxed)
            if connection.pendingWriteBytes > cap { connection.close() }
        }
    }

    func received(_ bytes: ArraySlice<UInt8>, on connection: Connection) {}

    func closed(_ connection: Connection, reason: CloseReason) {
        recorder.closedReasons.withLock { $0.append(reason) }
        recorder.closed.signal()
    }
}

/// A group with a listener, shut down by `stop()`.
struct TestServer {
    let group: EventLoopGroup
    let listener: Listener
    let recorder: Recorder

    init(
        tls: TLSContext? = nil,
        options: ListenerOptions = ListenerOptions(),
        loops: Int = 2,
        clock: any TimeSource = SystemTime(),
        makeHandler: (@Sendable (Recorder) -> any ConnectionHandler)? = nil
    ) throws {
        ProcessResources.raiseOpenFilesLimit(to: 8192)
        let recorder = Recorder()
        group = try EventLoopGroup(loopCount: loops, clock: clock)
        self.recorder = recorder
        let make = makeHandler ?? { EchoHandler(recorder: $0) }
        listener = try Listener.bind(host: "127.0.0.1", port: 0, group: group, tls: tls, options: options) { _ in
            make(recorder)
        }
    }

    var port: Int { listener.port }

    func stop() { group.shutdown() }
}

extension ClientSocket {
    func echo(_ payload: [UInt8]) throws -> [UInt8] {
        try send(Frame.encode(payload))
        let header = try readExactly(4)
        let length = header.reduce(0) { $0 << 8 | Int($1) }
        return try readExactly(length)
    }
}
