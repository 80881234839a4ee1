import Foundation
import Testing
import TillClient
import TillCore
import TillProtocol
@testable import TillServer

/// `till backup FILE` through the daemon, and `tilld restore FILE` against the stopped daemon's data directory.
@Suite struct BackupRestoreTests {
    @Test func backupThroughTheDaemonThenRestore() throws {
        let folder = TilldProcess.temporaryFolder("restore")
        let backups = TilldProcess.temporaryFolder("backups")
        try FileManager.default.createDirectory(at: backups, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder); try? FileManager.default.removeItem(at: backups) }
        let backup = backups.appendingPathComponent("till.sqlite").path
        let card = MemberIdentifier(kind: .card, value: "C0000000001")

        var daemon: TestDaemon? = try TestDaemon(folder: folder)
        let before = try daemon!.terminal().purchase(demoPurchase("kept", members: [card]))
        let cli = TillCLI(daemon!)
        let made = try cli("backup", backup, json: true)
        #expect(made.status == 0, "\(made.err)")
        #expect(made.json["path"] as? String == backup)
        #expect((made.json["bytes"] as? Int ?? 0) > 0)
        #expect(try fileMode(backup) == 0o600)
        let again = try cli("backup", backup)
        #expect(again.status == 4 && again.err.contains("never overwrites"), "\(again.err)")
        let nowhere = try cli("backup", backups.appendingPathComponent("missing/till.sqlite").path)
        #expect(nowhere.status == 3, "\(nowhere.err)")
        #expect(daemon!.logLines.all.contains { $0.contains("op=store.backup path=\(backup) outcome=ok") })

        // Written after the backup: gone after the restore.
        _ = try daemon!.terminal().purchase(demoPurchase("lost", members: [card]))
        let whileRunning = try TilldProcess.run(["restore", backup, "--data-directory", folder.path])
        #expect(whileRunning.status == 1 && whileRunning.err.contains("stop tilld first"), "\(whileRunning.err)")
        daemon!.stop()
        daemon = nil

        let corrupt = backups.appendingPathComponent("corrupt.sqlite").path
        try Data(repeating: 0x41, count: 8_192).write(to: URL(fileURLWithPath: corrupt))
        let refused = try TilldProcess.run(["restore", corrupt, "--data-directory", folder.path])
        #expect(refused.status == 1, "\(refused.out)")

        let restored = try TilldProcess.run(["restore", backup, "--data-directory", folder.path])
        #expect(restored.status == 0, "\(restored.err)")
        #expect(restored.out.contains("integrity ok") && restored.out.contains("was kept as \(folder.path)/till.sqlite.before-restore-"), "\(restored.out)")
        #expect(try fileMode(folder.appendingPathComponent("till.sqlite").path) == 0o600)

        let reopened = try TestDaemon(folder: folder)
        defer { reopened.stop() }
        let terminal = try reopened.terminal()
        #expect(try terminal.status(transactionId: "kept").receipt?.total == before.total)
        #expect(try terminal.status(transactionId: "lost").receipt == nil)
        #expect(try reopened.instance.loyalty.underlying.verify().isSound)
    }
}
