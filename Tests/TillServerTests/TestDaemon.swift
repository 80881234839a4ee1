import Foundation
import Synchronization
import TillClient
import TillCore
import TillIO
import TillProtocol
import TillStore
@testable import TillServer

/// A real Till started in-process on an ephemeral loopback port with a fresh SQLite store in a temporary folder.
/// `stop()` drains and closes it; the folder is removed when the value is released.
final class TestDaemon: Sendable {
    let folder: URL
    let instance: TillInstance
    let logLines = LineCollector()

    var address: ServerAddress { ServerAddress(host: "127.0.0.1", port: instance.port) }
    var keys: DemoKeys { instance.demoKeys! }

    init(
        name: String = #function, folder reuse: URL? = nil, tls: CertificateSet? = nil, mutual: Bool = false,
        time: any TimeSource = SystemTime(),
        adjust: (inout ServerConfiguration) -> Void = { _ in }, adjustStore: (inout StoreConfiguration) -> Void = { _ in }
    ) throws {
        let folder = reuse ?? FileManager.default.temporaryDirectory
            .appendingPathComponent("till-server-tests-\(getpid())-\(UInt64.random(in: 0...UInt64.max))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var configuration = ServerConfiguration()
        configuration.dataDirectory = folder.path
        configuration.listen = "127.0.0.1:0"
        configuration.metricsListen = "127.0.0.1:0"
        configuration.ioThreads = 2
        configuration.readers = 2
        configuration.shutdownNoticeMilliseconds = 0  // tests that stop a daemon do not wait for late requests
        if let tls {
            configuration.tlsCertificate = tls.files.server.certificate
            configuration.tlsKey = tls.files.server.privateKey
            if mutual { configuration.tlsClientCA = tls.files.caCertificate }
        }
        adjust(&configuration)
        self.folder = folder
        let lines = logLines
        instance = try TillInstance.start(configuration: configuration, log: Log(level: .debug, sink: { lines.append($0) }),
                                          time: time, adjustStore: adjustStore)
    }

    func stop() { instance.stop() }

    deinit {
        instance.stop()
    }

    func removeFolder() { try? FileManager.default.removeItem(at: folder) }

    func terminal() throws -> TillClient { try TillClient(address, apiKey: keys.terminalKey) }
    func operatorClient() throws -> TillClient { try TillClient(address, apiKey: keys.operatorKey) }
}

/// Certificates generated for one test (through OpenSSL's API): a CA, a server certificate for 127.0.0.1, one
/// client certificate; their folder is deleted with the last reference.
final class CertificateSet: Sendable {
    let files: TestCertificates

    deinit { try? FileManager.default.removeItem(atPath: files.directory) }

    init(clientCommonName: String = "terminal:demo/1") throws {
        let directory = TestCertificates.temporaryDirectory()
        let authority = try CertificateAuthority(directory: directory)
        files = TestCertificates(
            directory: directory, caCertificate: authority.files.certificate,
            server: try authority.issueServerCertificate(),
            client: try authority.issueClientCertificate(commonName: clientCommonName, name: "client"))
    }

    func clientAddress(port: Int, withClientCertificate: Bool) -> ServerAddress {
        ServerAddress(
            host: "127.0.0.1", port: port, tlsCA: files.caCertificate,
            clientCertificate: withClientCertificate ? files.client.certificate : nil,
            clientKey: withClientCertificate ? files.client.privateKey : nil)
    }
}

/// A purchase the demo catalog accepts.
func demoPurchase(_ id: String, members: [MemberIdentifier] = [], lines: Int = 3, redemptions: [String] = [], payments: [Payment] = []) -> PurchaseRequest {
    var items: [LineItem] = []
    for n in 1...lines {
        items.append(LineItem(lineId: "\(n)", code: n == 1 ? "SKU-0001" : "SKU-\(1000 + n)", name: n == 1 ? "Espresso" : "Item \(n)",
                              department: n == 1 ? "coffee" : "bakery", quantity: .one, unitPrice: 250 * Int64(n)))
    }
    return PurchaseRequest(
        transactionId: id, openedAt: Timestamp(millisecondsSinceEpoch: 1_790_000_000_000, utcOffsetMinutes: 60),
        orderType: .inStore, employee: "e1", members: members, items: items, payments: payments, redemptions: redemptions,
        currency: "EUR")
}
