import Foundation
import Testing
import TillClient
import TillIO
@testable import TillServer

@Suite struct ReloadTests {
    /// `tilld` over TLS: SIGHUP loads the certificate files again. New connections see the new certificate (signed
    /// by another CA), the connection opened before keeps working.
    @Test func sighupReloadsCertificatesWithoutDroppingConnections() throws {
        let binary = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent().appendingPathComponent("tilld")
        try #require(FileManager.default.isExecutableFile(atPath: binary.path), "build tilld first (swift build)")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("till-reload-\(getpid())-\(UInt64.random(in: 0...UInt64.max))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let first = try CertificateSet()
        let second = try CertificateSet()
        let certificate = folder.appendingPathComponent("server.pem").path
        let key = folder.appendingPathComponent("server.key").path
        func install(_ set: CertificateSet) throws {
            for (from, to) in [(set.files.server.certificate, certificate), (set.files.server.privateKey, key)] {
                try? FileManager.default.removeItem(atPath: to)
                try FileManager.default.copyItem(atPath: from, toPath: to)
            }
        }
        try install(first)

        let process = Process()
        process.executableURL = binary
        process.arguments = [
            "--data-directory", folder.appendingPathComponent("data").path, "--listen", "127.0.0.1:0", "--metrics-listen", "",
            "--tls-certificate", certificate, "--tls-key", key, "--log-level", "info",
        ]
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        defer { process.terminate(); process.waitUntilExit() }
        let started = try readUntil(output, contains: "demo operator key")
        let port = try #require(started.range(of: "listening on 127.0.0.1:").map { Int(started[$0.upperBound...].prefix { $0.isNumber }) } ?? nil)
        let terminalKey = try #require(started.split(separator: "\n").first { $0.contains("demo terminal key") }?.split(separator: " ").last.map(String.init))

        let before = try TillClient(first.clientAddress(port: port, withClientCertificate: false), apiKey: terminalKey)
        _ = try before.ping()

        try install(second)
        kill(process.processIdentifier, SIGHUP)
        _ = try readUntil(errors, contains: "certificates reloaded")

        let after = try TillClient(second.clientAddress(port: port, withClientCertificate: false), apiKey: terminalKey)
        _ = try after.ping()
        _ = try before.ping()
        #expect(throws: (any Error).self) {
            _ = try TillClient(first.clientAddress(port: port, withClientCertificate: false), apiKey: terminalKey)
        }
    }

    /// Reads a pipe until `marker` has appeared (or the pipe closes), returning everything read.
    func readUntil(_ pipe: Pipe, contains marker: String) throws -> String {
        var text = ""
        while !text.contains(marker) {
            let data = pipe.fileHandleForReading.availableData
            if data.isEmpty { break }
            text += String(decoding: data, as: UTF8.self)
        }
        try #require(text.contains(marker), "never saw \(marker) in: \(text)")
        return text
    }
}
