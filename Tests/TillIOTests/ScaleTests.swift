import Foundation
import Dispatch
import Synchronization
import Testing
import TillIO

/// A reactor-side client: sends one frame on connect, checks the echo, closes.
final class ProbeHandler: ConnectionHandler {
    private let payload: [UInt8]
    private var inbox: [UInt8] = []
    private let outcomes: Outcomes
    private var succeeded = false

    init(payload: [UInt8], outcomes: Outcomes) {
        self.payload = payload
        self.outcomes = outcomes
    }

    func connected(_ connection: Connection) { connection.write(Frame.encode(payload)) }

    func received(_ bytes: ArraySlice<UInt8>, on connection: Connection) {
        inbox.append(contentsOf: bytes)
        if let echoed = Frame.next(from: &inbox) {
            succeeded = echoed == payload
            connection.close()
        }
    }

    func closed(_ connection: Connection, reason: CloseReason) {
        outcomes.results.withLock { $0.append(succeeded) }
        outcomes.done.signal()
    }
}

final class Outcomes: Sendable {
    let results = Mutex<[Bool]>([])
    let done = DispatchSemaphore(value: 0)
    let reasons = Mutex<[CloseReason]>([])
}

/// Records how its connection closed in `outcomes` and signals `outcomes.done`.
final class CloseWatcher: ConnectionHandler {
    let outcomes: Outcomes
    init(_ outcomes: Outcomes) { self.outcomes = outcomes }
    func received(_ bytes: ArraySlice<UInt8>, on connection: Connection) {}
    func closed(_ connection: Connection, reason: CloseReason) {
        outcomes.reasons.withLock { $0.append(reason) }
        outcomes.done.signal()
    }
}

@Suite("Scale: many connections, reactor clients")
struct ScaleTests {
    @Test func fiveHundredConcurrentBlockingClients() throws {
        let count = 500
        let server = try TestServer()
        defer { server.stop() }
        let clients = try (0..<count).map { _ in try ClientSocket(host: "127.0.0.1", port: server.port) }
        for (index, client) in clients.enumerated() {
            try client.send(Frame.encode(Frame.payload(64, seed: UInt8(index % 256))))
        }
        for (index, client) in clients.enumerated() {
            let echoed = try client.readExactly(68)
            #expect(echoed == Frame.encode(Frame.payload(64, seed: UInt8(index % 256))))
        }
        #expect(server.listener.openConnections == count)
        #expect(server.group.metrics.snapshot().openConnections == count)
        for client in clients { client.close() }
        #expect(server.recorder.waitClosed(count))
        #expect(server.group.metrics.snapshot().openConnections == 0)
    }

    @Test func reactorClientsOverTLS() throws {
        let count = 300
        let certs = try TestCertificates.generate()
        defer { try? FileManager.default.removeItem(atPath: certs.directory) }
        let server = try TestServer(
            tls: try TLSContext.server(
                certificateFile: certs.server.certificate,
                privateKeyFile: certs.server.privateKey,
                clientCAFile: certs.caCertificate
            )
        )
        defer { server.stop() }
        let clientTLS = try TLSContext.client(
            trustRootsFile: certs.caCertificate,
            certificateFile: certs.client.certificate,
            privateKeyFile: certs.client.privateKey
        )
        let clients = try EventLoopGroup(loopCount: 1)
        defer { clients.shutdown() }
        let outcomes = Outcomes()
        let address = SocketAddress.loopback(port: server.port)
        for index in 0..<count {
            try clients.next().connect(to: address, tls: clientTLS, serverName: "127.0.0.1") { _ in
                ProbeHandler(payload: Frame.payload(100 + index), outcomes: outcomes)
            }
        }
        for _ in 0..<count { #expect(outcomes.done.wait(timeout: .now() + 30) == .success) }
        #expect(outcomes.results.withLock { $0.filter { $0 }.count } == count)
        #expect(clients.metrics.snapshot().tlsHandshakesOK == count)
        #expect(server.recorder.waitClosed(count))
        #expect(server.group.metrics.snapshot().tlsHandshakesOK == count)
    }

    @Test func reactorConnectToClosedPortReportsError() throws {
        let group = try EventLoopGroup(loopCount: 1)
        defer { group.shutdown() }
        let probeGroup = try EventLoopGroup(loopCount: 1)
        let probe = try Listener.bind(host: "127.0.0.1", port: 0, group: probeGroup) { _ in
            EchoHandler(recorder: Recorder())
        }
        let port = probe.port
        probeGroup.shutdown()  // closes the listening socket before returning
        let outcomes = Outcomes()
        try group.next().connect(to: .loopback(port: port)) { _ in CloseWatcher(outcomes) }
        #expect(outcomes.done.wait(timeout: .now() + 10) == .success)
        #expect(outcomes.reasons.withLock { $0 } == [.error(.syscall(name: "connect", errno: 111))])
    }
}

/// A reactor client that sends one large frame as soon as `connect` returns (before the handshake) and checks it.
@Suite("Reactor TLS client")
struct ReactorTLSTests {
    final class BigProbe: ConnectionHandler {
        let expected: [UInt8]
        var inbox: [UInt8] = []
        let outcomes: Outcomes
        var ok = false
        init(expected: [UInt8], outcomes: Outcomes) {
            self.expected = expected
            self.outcomes = outcomes
        }
        func received(_ bytes: ArraySlice<UInt8>, on connection: Connection) {
            inbox.append(contentsOf: bytes)
            if let echoed = Frame.next(from: &inbox) {
                ok = echoed == expected
                connection.close()
            }
        }
        func closed(_ connection: Connection, reason: CloseReason) {
            outcomes.results.withLock { $0.append(ok) }
            outcomes.reasons.withLock { $0.append(reason) }
            outcomes.done.signal()
        }
    }

    final class Mute: ConnectionHandler {
        func received(_ bytes: ArraySlice<UInt8>, on connection: Connection) {}
        func closed(_ connection: Connection, reason: CloseReason) {}
    }

    /// The handshake timer's closure holds its connection strongly (a weak capture gives every connection a side
    /// table, and each of its retains and releases the runtime's slow path); closing cancels the timer, so a connection
    /// closed before its handshake ends is released at once, not an hour later when the timer would fire.
    @Test func aClosedConnectionIsNotKeptByItsHandshakeTimer() throws {
        let certs = try TestCertificates.generate()
        defer { try? FileManager.default.removeItem(atPath: certs.directory) }
        let server = try TestServer { _ in Mute() }  // plain TCP: takes the ClientHello and never answers it
        defer { server.stop() }
        let clients = try EventLoopGroup(loopCount: 1)
        defer { clients.shutdown() }
        let loop = clients.next()
        let outcomes = Outcomes()
        weak var released: Connection?
        do {
            let connection = try loop.connect(
                to: .loopback(port: server.port),
                tls: try TLSContext.client(trustRootsFile: certs.caCertificate),
                serverName: "localhost",
                handshakeTimeout: .seconds(3_600)
            ) { _ in CloseWatcher(outcomes) }
            released = connection
            connection.close()
        }
        #expect(outcomes.done.wait(timeout: .now() + 10) == .success)
        #expect(outcomes.reasons.withLock { $0 } == [.local])
        let idle = DispatchSemaphore(value: 0)
        loop.execute { idle.signal() }  // the loop has finished the close and dropped what it ran
        #expect(idle.wait(timeout: .now() + 10) == .success)
        #expect(released == nil, "the cancelled handshake timer still holds the closed connection")
    }

    @Test func oneMebibyteBothWaysWrittenBeforeTheHandshake() throws {
        let certs = try TestCertificates.generate()
        defer { try? FileManager.default.removeItem(atPath: certs.directory) }
        let server = try TestServer(
            tls: try TLSContext.server(
                certificateFile: certs.server.certificate,
                privateKeyFile: certs.server.privateKey
            )
        )
        defer { server.stop() }
        let clients = try EventLoopGroup(loopCount: 1)
        defer { clients.shutdown() }
        let outcomes = Outcomes()
        let payload = Frame.payload(1 << 20, seed: 11)
        let connection = try clients.next().connect(
            to: .loopback(port: server.port),
            tls: try TLSContext.client(trustRootsFile: certs.caCertificate),
            serverName: "localhost"
        ) { _ in BigProbe(expected: payload, outcomes: outcomes) }
        connection.write(Frame.encode(payload))  // from the test thread, queued until the handshake completes
        #expect(outcomes.done.wait(timeout: .now() + 30) == .success)
        #expect(outcomes.results.withLock { $0 } == [true])
        #expect(outcomes.reasons.withLock { $0 } == [.local])
    }
}
