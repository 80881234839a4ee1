import Dispatch
import Foundation
import Synchronization
import Testing
import TillIO

@Suite("Server behaviour: limits, backpressure, timers, reload")
struct ServerBehaviourTests {
    @Test func connectionLimitRefusesExtraConnections() throws {
        let server = try TestServer(options: ListenerOptions(maxConnections: 2))
        defer { server.stop() }
        let first = try ClientSocket(host: "127.0.0.1", port: server.port)
        let second = try ClientSocket(host: "127.0.0.1", port: server.port)
        #expect(try first.echo([1]) == [1])
        #expect(try second.echo([2]) == [2])
        let third = try ClientSocket(host: "127.0.0.1", port: server.port)
        #expect(try third.receive().isEmpty, "refused: accepted and closed at once")
        #expect(server.group.metrics.snapshot().refusedTotal == 1)
        first.close()
        #expect(server.recorder.waitClosed())
        let fourth = try ClientSocket(host: "127.0.0.1", port: server.port)
        #expect(try fourth.echo([4]) == [4])
        #expect(server.listener.openConnections == 2)
        #expect(server.group.metrics.snapshot().acceptedTotal == 3)
    }

    @Test func clientThatNeverReadsIsDisconnectedPastTheCap() throws {
        let cap = 1 << 20
        let server = try TestServer { FloodHandler(recorder: $0, cap: cap) }
        defer { server.stop() }
        let client = try ClientSocket(host: "127.0.0.1", port: server.port)
        #expect(server.recorder.waitClosed())
        #expect(server.recorder.closedReasons.withLock { $0 } == [.local])
        #expect(server.recorder.maxPendingSeen.load(ordering: .relaxed) > cap)
        client.close()
    }

    @Test func idleConnectionsAreClosedByATimer() throws {
        let server = try TestServer { EchoHandler(recorder: $0, idleTimeout: .milliseconds(150)) }
        defer { server.stop() }
        let client = try ClientSocket(host: "127.0.0.1", port: server.port)
        #expect(try client.echo([7]) == [7])
        let start = ContinuousClock.now
        #expect(try client.receive(timeout: .seconds(5)).isEmpty)
        #expect(ContinuousClock.now - start >= .milliseconds(140))
        #expect(server.recorder.waitClosed())
        #expect(server.recorder.closedReasons.withLock { $0 } == [.local])
    }

    @Test func idleTimeoutFollowsAnInjectedClock() throws {
        let clock = ManualClock()
        let server = try TestServer(clock: clock) { EchoHandler(recorder: $0, idleTimeout: .seconds(60)) }
        defer { server.stop() }
        let client = try ClientSocket(host: "127.0.0.1", port: server.port)
        #expect(try client.echo([1]) == [1])
        clock.advance(by: .seconds(59))
        #expect(try client.echo([2]) == [2], "not idle for 60 s yet; this frame re-arms the timer")
        clock.advance(by: .seconds(61))
        #expect(try client.receive().isEmpty)
        #expect(server.recorder.waitClosed())
        #expect(server.recorder.closedReasons.withLock { $0 } == [.local])
    }

    @Test func tlsHandshakeTimesOut() throws {
        let certs = try TestCertificates.generate()
        defer { try? FileManager.default.removeItem(atPath: certs.directory) }
        let tls = try TLSContext.server(
            certificateFile: certs.server.certificate,
            privateKeyFile: certs.server.privateKey
        )
        let server = try TestServer(tls: tls, options: ListenerOptions(handshakeTimeout: .milliseconds(100)))
        defer { server.stop() }
        let silent = try ClientSocket(host: "127.0.0.1", port: server.port)  // plain TCP: never says hello
        #expect(try silent.receive(timeout: .seconds(5)).isEmpty)
        #expect(server.recorder.waitClosed())
        #expect(server.recorder.closedReasons.withLock { $0 } == [.handshakeTimeout])
        #expect(server.group.metrics.snapshot().tlsHandshakesFailed == 1)
    }

    @Test func certificateReloadAppliesToNewConnectionsOnly() throws {
        let authority = try CertificateAuthority(directory: TestCertificates.temporaryDirectory())
        defer { try? FileManager.default.removeItem(atPath: authority.directory) }
        let v1 = try authority.issueServerCertificate(commonName: "till-v1", name: "v1")
        let v2 = try authority.issueServerCertificate(commonName: "till-v2", name: "v2")
        let server = try TestServer(
            tls: try TLSContext.server(certificateFile: v1.certificate, privateKeyFile: v1.privateKey)
        )
        defer { server.stop() }
        let clientTLS = try TLSContext.client(trustRootsFile: authority.files.certificate)
        let old = try ClientSocket(host: "127.0.0.1", port: server.port, tls: clientTLS)
        #expect(old.peerCertificate?.subjectCommonName == "till-v1")
        #expect(try old.echo([1]) == [1])
        server.listener.replaceTLSContext(
            try TLSContext.server(certificateFile: v2.certificate, privateKeyFile: v2.privateKey)
        )
        let new = try ClientSocket(host: "127.0.0.1", port: server.port, tls: clientTLS)
        #expect(new.peerCertificate?.subjectCommonName == "till-v2")
        #expect(try new.echo([2]) == [2])
        #expect(try old.echo(Frame.payload(50_000)) == Frame.payload(50_000))
    }

    @Test func pauseAndResumeReadingFromAnotherThread() throws {
        let holder = Mutex<Connection?>(nil)
        final class PausingHandler: ConnectionHandler {
            let echo: EchoHandler
            let holder: @Sendable (Connection) -> Void
            init(recorder: Recorder, holder: @escaping @Sendable (Connection) -> Void) {
                echo = EchoHandler(recorder: recorder)
                self.holder = holder
            }
            func connected(_ connection: Connection) {
                connection.pauseReading()
                holder(connection)
                echo.connected(connection)
            }
            func received(_ bytes: ArraySlice<UInt8>, on connection: Connection) {
                echo.received(bytes, on: connection)
            }
            func closed(_ connection: Connection, reason: CloseReason) { echo.closed(connection, reason: reason) }
        }
        let server = try TestServer { recorder in
            PausingHandler(recorder: recorder) { connection in holder.withLock { $0 = connection } }
        }
        defer { server.stop() }
        let client = try ClientSocket(host: "127.0.0.1", port: server.port)
        #expect(server.recorder.connected.wait(timeout: .now() + 10) == .success)
        try client.send(Frame.encode([5, 6]))
        #expect(throws: IOError.timedOut(operation: "receive")) {
            _ = try client.receive(timeout: .milliseconds(200))
        }
        holder.withLock { $0 }?.resumeReading()
        #expect(try client.readExactly(6) == Frame.encode([5, 6]))
    }

    @Test func writableAfterBackpressureThenCloseAfterFlush() throws {
        final class BulkSender: ConnectionHandler {
            let recorder: Recorder
            var sentMarker = false
            init(recorder: Recorder) { self.recorder = recorder }
            func connected(_ connection: Connection) {
                connection.write([UInt8](repeating: 1, count: 16 << 20))  // more than the socket buffers take
                recorder.maxPendingSeen.store(connection.pendingWriteBytes, ordering: .relaxed)
            }
            func received(_ bytes: ArraySlice<UInt8>, on connection: Connection) {}
            func writable(_ connection: Connection) {
                guard !sentMarker else { return }
                sentMarker = true
                connection.write([0xEE, 0xEE])
                connection.close(afterFlush: true)
            }
            func closed(_ connection: Connection, reason: CloseReason) {
                recorder.closedReasons.withLock { $0.append(reason) }
                recorder.closed.signal()
            }
        }
        let server = try TestServer { BulkSender(recorder: $0) }
        defer { server.stop() }
        let client = try ClientSocket(host: "127.0.0.1", port: server.port)
        let body = try client.readExactly(16 << 20)
        #expect(body.allSatisfy { $0 == 1 })
        #expect(try client.readExactly(2) == [0xEE, 0xEE])
        #expect(try client.receive().isEmpty)
        #expect(server.recorder.waitClosed())
        #expect(server.recorder.closedReasons.withLock { $0 } == [.local])
        #expect(server.recorder.maxPendingSeen.load(ordering: .relaxed) > 0)
    }

    @Test func shutdownClosesOpenConnections() throws {
        let server = try TestServer()
        let client = try ClientSocket(host: "127.0.0.1", port: server.port)
        #expect(try client.echo([1]) == [1])
        server.stop()
        #expect(server.recorder.closedReasons.withLock { $0 } == [.loopShutdown])
        #expect(try client.receive().isEmpty)
    }
}
