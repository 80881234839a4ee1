import Foundation
import Testing
import TillClient
import TillCore
import TillIO
@testable import TillServer

@Suite struct TransportTests {
    @Test func tlsCarriesTheWholeTerminalFlow() throws {
        let certificates = try CertificateSet()
        let daemon = try TestDaemon(tls: certificates)
        defer { daemon.stop(); daemon.removeFolder() }
        let client = try TillClient(certificates.clientAddress(port: daemon.instance.port, withClientCertificate: false), apiKey: daemon.keys.terminalKey)
        #expect(client.tlsVersion == "TLSv1.3")
        let metrics = daemon.instance.daemon.registry.render()
        #expect(metrics.contains("till_tls_sessions_total{version=\"TLSv1.3\"} 1\n"), "\(metrics)")
        #expect(metrics.contains("till_tls_sessions_total{version=\"TLSv1.2\"} 0\n"))
        let receipt = try client.purchase(demoPurchase("tls-1", members: [MemberIdentifier(kind: .memberKey, value: "M00000001")]))
        #expect(try client.purchase(demoPurchase("tls-1", members: [MemberIdentifier(kind: .memberKey, value: "M00000001")])).replay)
        #expect(try client.status(transactionId: "tls-1").receipt?.total == receipt.total)
        // Plain TCP to a TLS port gets no answer it could read as a frame.
        #expect(throws: (any Error).self) { _ = try TillClient(daemon.address, apiKey: daemon.keys.terminalKey, timeout: .seconds(3)) }
    }

    @Test func mutualTLSRequiresAClientCertificateThatMatchesTheKey() throws {
        let certificates = try CertificateSet(clientCommonName: "terminal:demo/1")
        let daemon = try TestDaemon(tls: certificates, mutual: true)
        defer { daemon.stop(); daemon.removeFolder() }
        let address = certificates.clientAddress(port: daemon.instance.port, withClientCertificate: true)
        _ = try TillClient(address, apiKey: daemon.keys.terminalKey).ping()
        // No client certificate: the handshake fails.
        #expect(throws: (any Error).self) {
            _ = try TillClient(certificates.clientAddress(port: daemon.instance.port, withClientCertificate: false), apiKey: daemon.keys.terminalKey).ping()
        }
        // A certificate issued to terminal demo/1 cannot be used with the operator's key.
        #expect(throws: ClientError.refused(.forbidden(reason: "the client certificate is issued to terminal demo/1"))) {
            _ = try TillClient(address, apiKey: daemon.keys.operatorKey)
        }
    }
}
