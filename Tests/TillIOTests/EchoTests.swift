import Foundation
import Testing

@testable import TillIO

@Suite("Echo over TCP and TLS")
struct EchoTests {
    @Test func plainEchoOfSeveralSizes() throws {
        let server = try TestServer()
        defer { server.stop() }
        let client = try ClientSocket(host: "127.0.0.1", port: server.port)
        for size in [0, 1, 100, 70_000] {
            #expect(try client.echo(Frame.payload(size)) == Frame.payload(size))
        }
        let metrics = server.group.metrics.snapshot()
        #expect(metrics.acceptedTotal == 1)
        #expect(metrics.bytesIn >= 70_101 + 16)
    }

    @Test func fragmentedWritesAreReassembled() throws {
        let server = try TestServer()
        defer { server.stop() }
        let client = try ClientSocket(host: "127.0.0.1", port: server.port)
        let payload = Frame.payload(5_000)
        let frame = Frame.encode(payload) + Frame.encode([1, 2, 3])
        var offset = 0
        for size in [1, 1, 1, 2, 10, 999, 3000] + [Int](repeating: 7, count: 200) where offset < frame.count {
            let end = min(frame.count, offset + size)
            try client.send(Array(frame[offset..<end]))
            offset = end
        }
        try client.send(Array(frame[offset...]))
        #expect(try client.readExactly(4 + 5_000) == Frame.encode(payload))
        #expect(try client.readExactly(7) == Frame.encode([1, 2, 3]))
    }

    /// An echo server with TLS, its certificate from `certs`.
    static func tlsServer(_ certs: TestCertificates) throws -> TestServer {
        try TestServer(tls: TLSContext.server(certificateFile: certs.server.certificate, privateKeyFile: certs.server.privateKey))
    }

    @Test func tlsEchoNegotiatesTLS13() throws {
        let certs = try TestCertificates.generate()
        defer { try? FileManager.default.removeItem(atPath: certs.directory) }
        let server = try Self.tlsServer(certs)
        defer { server.stop() }
        let clientTLS = try TLSContext.client(trustRootsFile: certs.caCertificate)
        let client = try ClientSocket(host: "127.0.0.1", port: server.port, tls: clientTLS)
        #expect(client.tlsVersion == "TLSv1.3")
        #expect(client.peerCertificate?.subjectCommonName == "localhost")
        #expect(try client.echo(Frame.payload(1234)) == Frame.payload(1234))
        #expect(server.group.metrics.snapshot().tlsHandshakesOK == 1)
    }

    @Test func clientPreferringAES128GCMNegotiatesIt() throws {
        let certs = try TestCertificates.generate()
        defer { try? FileManager.default.removeItem(atPath: certs.directory) }
        let server = try Self.tlsServer(certs)
        defer { server.stop() }
        let plain = try ClientSocket(host: "127.0.0.1", port: server.port, tls: try TLSContext.client(trustRootsFile: certs.caCertificate))
        #expect(plain.tlsCipherSuite == "TLS_AES_256_GCM_SHA384")  // OpenSSL's default order, which the server follows
        let preferring = try ClientSocket(
            host: "127.0.0.1",
            port: server.port,
            tls: try TLSContext.client(trustRootsFile: certs.caCertificate, preferAES128GCM: true)
        )
        #expect(preferring.tlsVersion == "TLSv1.3")
        #expect(preferring.tlsCipherSuite == "TLS_AES_128_GCM_SHA256")
        #expect(try preferring.echo(Frame.payload(1234)) == Frame.payload(1234))
    }

    @Test func keyUpdatesDuringReadsAreAnswered() throws {
        let certs = try TestCertificates.generate()
        defer { try? FileManager.default.removeItem(atPath: certs.directory) }
        let server = try Self.tlsServer(certs)
        defer { server.stop() }
        let client = try ClientSocket(
            host: "127.0.0.1",
            port: server.port,
            tls: try TLSContext.client(trustRootsFile: certs.caCertificate)
        )
        for round in 0..<5 {
            #expect(client.requestKeyUpdate())  // the server's SSL_read must write its own KeyUpdate
            #expect(try client.echo(Frame.payload(20_000 + round)) == Frame.payload(20_000 + round))
        }
    }

    @Test func clientRejectsServerItDoesNotTrust() throws {
        let certs = try TestCertificates.generate()
        defer { try? FileManager.default.removeItem(atPath: certs.directory) }
        let other = try TestCertificates.generate()
        defer { try? FileManager.default.removeItem(atPath: other.directory) }
        let serverTLS = try TLSContext.server(
            certificateFile: certs.server.certificate,
            privateKeyFile: certs.server.privateKey
        )
        let server = try TestServer(tls: serverTLS)
        defer { server.stop() }
        let clientTLS = try TLSContext.client(trustRootsFile: other.caCertificate)
        #expect(throws: IOError.self) {
            _ = try ClientSocket(host: "127.0.0.1", port: server.port, tls: clientTLS)
        }
    }

    @Test func oneMebibyteThroughTLSBothWays() throws {
        let certs = try TestCertificates.generate()
        defer { try? FileManager.default.removeItem(atPath: certs.directory) }
        let server = try Self.tlsServer(certs)
        defer { server.stop() }
        let client = try ClientSocket(
            host: "127.0.0.1",
            port: server.port,
            tls: try TLSContext.client(trustRootsFile: certs.caCertificate)
        )
        let payload = Frame.payload(1 << 20, seed: 3)
        #expect(try client.echo(payload) == payload)
        #expect(try client.echo(payload) == payload)
    }

    @Test func mutualTLSExposesClientCertificate() throws {
        let certs = try TestCertificates.generate(clientCommonName: "terminal-0042")
        defer { try? FileManager.default.removeItem(atPath: certs.directory) }
        let serverTLS = try TLSContext.server(
            certificateFile: certs.server.certificate,
            privateKeyFile: certs.server.privateKey,
            clientCAFile: certs.caCertificate
        )
        let server = try TestServer(tls: serverTLS)
        defer { server.stop() }
        let clientTLS = try TLSContext.client(
            trustRootsFile: certs.caCertificate,
            certificateFile: certs.client.certificate,
            privateKeyFile: certs.client.privateKey
        )
        let client = try ClientSocket(host: "127.0.0.1", port: server.port, tls: clientTLS)
        #expect(try client.echo([9, 9]) == [9, 9])
        let seen = server.recorder.peerCertificates.withLock { $0 }
        #expect(seen.count == 1)
        #expect(seen.first??.subjectCommonName == "terminal-0042")
        #expect(seen.first??.sha256Fingerprint.count == 64)
    }

    @Test func mutualTLSRejectsUntrustedClientCertificate() throws {
        let certs = try TestCertificates.generate()
        defer { try? FileManager.default.removeItem(atPath: certs.directory) }
        let rogue = try TestCertificates.generate(clientCommonName: "rogue")
        defer { try? FileManager.default.removeItem(atPath: rogue.directory) }
        let serverTLS = try TLSContext.server(
            certificateFile: certs.server.certificate,
            privateKeyFile: certs.server.privateKey,
            clientCAFile: certs.caCertificate
        )
        let server = try TestServer(tls: serverTLS)
        defer { server.stop() }
        let clientTLS = try TLSContext.client(
            trustRootsFile: certs.caCertificate,
            certificateFile: rogue.client.certificate,
            privateKeyFile: rogue.client.privateKey
        )
        #expect(throws: IOError.self) {
            // TLS 1.3: the client may finish its side before the server's rejection arrives.
            let client = try ClientSocket(host: "127.0.0.1", port: server.port, tls: clientTLS)
            _ = try client.echo([1])
        }
        #expect(server.recorder.waitClosed())
        let reasons = server.recorder.closedReasons.withLock { $0 }
        guard case .handshakeFailed = reasons.first else {
            Issue.record("expected handshakeFailed, got \(reasons)")
            return
        }
        #expect(server.group.metrics.snapshot().tlsHandshakesFailed == 1)
        #expect(server.group.metrics.snapshot().tlsHandshakesOK == 0)
    }

    @Test func mutualTLSRejectsClientWithoutCertificate() throws {
        let certs = try TestCertificates.generate()
        defer { try? FileManager.default.removeItem(atPath: certs.directory) }
        let serverTLS = try TLSContext.server(
            certificateFile: certs.server.certificate,
            privateKeyFile: certs.server.privateKey,
            clientCAFile: certs.caCertificate
        )
        let server = try TestServer(tls: serverTLS)
        defer { server.stop() }
        let clientTLS = try TLSContext.client(trustRootsFile: certs.caCertificate)
        #expect(throws: IOError.self) {
            let client = try ClientSocket(host: "127.0.0.1", port: server.port, tls: clientTLS)
            _ = try client.echo([1])
        }
        #expect(server.recorder.waitClosed())
    }
}
