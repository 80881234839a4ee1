import Foundation
import Testing
import TillClient
import TillCore
import TillProtocol
@testable import TillServer

/// Putting Till into production: the first operator key with `--demo false`, owner-only files, versions.
@Suite struct ProductionTests {
    /// A fresh `--demo false` store has no key at all: `tilld keys create-operator` makes the first one against the
    /// stopped daemon's data directory (refused while the daemon holds the writer lock); that key then provisions
    /// a terminal through the daemon. Nothing secret is printed by the daemon itself.
    @Test func firstOperatorKeyIsCreatedAgainstTheStoppedDaemon() throws {
        let folder = TilldProcess.temporaryFolder("bootstrap")
        defer { try? FileManager.default.removeItem(at: folder) }
        let first = try TilldProcess(folder: folder, ["--demo", "false", "--metrics-listen", ""])
        #expect(!first.banner.contains("till_"), "tilld printed a key: \(first.banner)")

        let whileRunning = try TilldProcess.run(["keys", "create-operator", "admin", "--data-directory", folder.path])
        #expect(whileRunning.status == 1)
        #expect(whileRunning.err.contains("stop tilld first"), "\(whileRunning.err)")
        #expect(!whileRunning.out.contains("till_o_"))
        #expect(first.stop().status == 0)

        let created = try TilldProcess.run(["keys", "create-operator", "admin", "--data-directory", folder.path])
        #expect(created.status == 0, "\(created.err)")
        #expect(created.err.contains("operator op-1 (admin) created"), "\(created.err)")
        let key = created.out.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(key.hasPrefix("till_o_"), "\(created.out)")

        let second = try TilldProcess(folder: folder, ["--demo", "false", "--metrics-listen", ""])
        defer { _ = second.stop() }
        let admin = try TillClient(ServerAddress(host: "127.0.0.1", port: second.port), apiKey: key)
        guard case .credential(let terminal) = try admin.perform(.terminalProvision(TerminalProvision(terminal: TerminalIdentity(branchId: "B1", posId: "P1")))) else {
            Issue.record("no credential")
            return
        }
        let pos = try TillClient(ServerAddress(host: "127.0.0.1", port: second.port), apiKey: terminal.apiKey)
        _ = try pos.ping()
        guard case .keys(let operators) = try admin.perform(.operatorList) else { Issue.record("no key list"); return }
        #expect(operators.keys.map(\.name) == ["admin"])
    }

    @Test func createOperatorRefusesAnEmptyName() throws {
        let folder = TilldProcess.temporaryFolder("bootstrap-name")
        defer { try? FileManager.default.removeItem(at: folder) }
        let refused = try TilldProcess.run(["keys", "create-operator", "", "--data-directory", folder.path])
        #expect(refused.status == 1)
        #expect(refused.err.contains("operator name"), "\(refused.err)")
        let usage = try TilldProcess.run(["keys", "create-operator"])
        #expect(usage.status == 2)
    }

    /// The data folder is 0700 and every store file 0600, also when the folder existed with 0755 and the store was
    /// written before with 0644 (an older Till): members' personal data is never world-readable.
    @Test func storeFilesAreOwnerOnly() throws {
        let folder = TilldProcess.temporaryFolder("modes")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        defer { try? FileManager.default.removeItem(at: folder) }
        do {
            let daemon = try TestDaemon(folder: folder)
            _ = try daemon.operatorClient().perform(.memberSearch(MemberSearch(query: "anna")))
            #expect(try fileMode(folder.path) == 0o700)
            for name in ["till.sqlite", "till.sqlite-wal", "till.sqlite-shm", "till.sqlite.writer-lock", "demo-keys.json"] {
                #expect(try fileMode(folder.appendingPathComponent(name).path) == 0o600, "\(name)")
            }
            daemon.stop()
        }
        for name in ["till.sqlite", "till.sqlite.writer-lock"] {
            try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: folder.appendingPathComponent(name).path)
        }
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: folder.path)
        let again = try TestDaemon(folder: folder)
        defer { again.stop() }
        #expect(try fileMode(folder.path) == 0o700)
        for name in ["till.sqlite", "till.sqlite.writer-lock"] {
            #expect(try fileMode(folder.appendingPathComponent(name).path) == 0o600, "\(name)")
        }
        #expect(again.logLines.all.contains { $0.contains("data directory mode set") && $0.contains("was=755") })
    }

    /// `till member export --output` writes the data report owner-only, also over an existing 0644 file.
    @Test func memberExportFileIsOwnerOnly() throws {
        let daemon = try TestDaemon()
        defer { daemon.stop(); daemon.removeFolder() }
        let file = daemon.folder.appendingPathComponent("export.ndjson").path
        _ = FileManager.default.createFile(atPath: file, contents: Data("old".utf8), attributes: [.posixPermissions: 0o644])
        let run = try TillCLI(daemon)("member", "export", "M00000001", "--output", file)
        #expect(run.status == 0, "\(run.err)")
        #expect(try fileMode(file) == 0o600)
        #expect(try String(contentsOfFile: file, encoding: .utf8).contains("M00000001"))
    }

    @Test(arguments: ["tilld", "till", "till-sim"]) func printsItsVersion(program: String) throws {
        let binary = TilldProcess.binary.deletingLastPathComponent().appendingPathComponent(program)
        try #require(FileManager.default.isExecutableFile(atPath: binary.path), "build \(program) first (swift build)")
        let process = Process()
        process.executableURL = binary
        process.arguments = ["--version"]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(text == TillRelease.versionLine(program: program) + "\n")
    }
}

/// The shipped systemd unit and the configuration it names.
@Suite struct DeploymentFilesTests {
    static let deploy = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("deploy")

    /// The unit runs the configuration file it names, as the `till` user; that file loads without error and turns the
    /// demo off (no demo keys printed to the journal) with TLS on a public address.
    @Test func unitRunsTheShippedConfigurationWithoutDemo() throws {
        let unit = try String(contentsOf: Self.deploy.appendingPathComponent("tilld.service"), encoding: .utf8)
        let exec = try #require(unit.split(separator: "\n").first { $0.hasPrefix("ExecStart=") })
        #expect(exec == "ExecStart=/usr/local/bin/tilld --config /etc/till/tilld.json")
        #expect(unit.contains("User=till"))
        #expect(unit.contains("UMask=0077"))
        let file = Self.deploy.appendingPathComponent("tilld.json").path
        let configuration = try ServerConfiguration.load(arguments: ["--config", file], environment: [:])
        #expect(configuration.demo == false)
        #expect(configuration.dataDirectory == "/var/lib/till")
        #expect(configuration.tlsCertificate != nil && configuration.tlsKey != nil)
        #expect(configuration.metricsListen.hasPrefix("127.0.0.1:"))
    }
}
