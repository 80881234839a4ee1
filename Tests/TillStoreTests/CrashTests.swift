import Foundation
import Glibc
import Testing
import TillCore
import TillCrashScenario
@testable import TillStore
import TillStoreTesting

/// A small deterministic generator (SplitMix64) for the kill moments.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite struct CrashTests {
    /// The child binary, built next to this test bundle by `swift build` / `swift test`.
    static var child: URL {
        URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
            .appendingPathComponent("till-store-crashchild")
    }

    @Test func acknowledgedWritesSurviveSIGKILL() throws {
        guard FileManager.default.isExecutableFile(atPath: Self.child.path) else {
            Issue.record("missing \(Self.child.path): run `swift build` first")
            return
        }
        let folder = TemporaryFolder()
        let path = folder.path("crash.db")
        var random = SplitMix64(state: 0x5EED_7111)
        for round in 0..<8 {
            let killAfter = Int(random.next() % 1_500) + 1
            let (acked, refused) = try runChild(path: path, round: round, killAfterAcks: killAfter)
            #expect(acked.count >= killAfter)

            let store = try Store.open(StoreConfiguration(path: path))
            defer { store.shutdown() }
            #expect(try store.verify().problems == [])
            try store.read { connection in
                let members = try connection.int64("SELECT count(*) FROM members")
                #expect(members == 8)
                let lookup = try connection.statement("""
                    SELECT l.delta, (SELECT count(*) FROM operations WHERE key = ?1)
                    FROM operations o JOIN ledger l ON l.id = o.ledger_id WHERE o.key = ?1
                    """)
                for n in acked {
                    let found = try lookup.firstRow([.text("r\(round)-\(n)")]) { ($0.int64(0), $0.int64(1)) }
                    guard let found else { Issue.record("round \(round): acknowledged op \(n) is missing"); continue }
                    #expect(found.0 == CrashCredits.operation(n).delta && found.1 == 1)
                }
                for n in refused {
                    #expect(try lookup.firstRow([.text("r\(round)-\(n)")]) { _ in true } == nil)
                }
                #expect(try connection.int64("SELECT count(*) FROM ledger") == connection.int64("SELECT count(*) FROM operations"))
            }
            // Replaying an acknowledged op after the crash changes nothing.
            if let n = acked.first {
                let (member, delta) = CrashCredits.operation(n)
                let memberId = try store.read { try $0.int64("SELECT id FROM members WHERE member_key = ?", [.text("crash-member-\(member)")])! }
                let replay = try store.writeAndWait(WalletCredit(operationKey: "r\(round)-\(n)", memberId: memberId, wallet: .points,
                                                                 delta: delta, kind: delta > 0 ? .earn : .spend, at: 1_700_000_000_000)).get()
                #expect(replay.replayed)
            }
        }
    }

    /// Starts the child, SIGKILLs it once it acknowledged `killAfterAcks` operations, and returns every operation
    /// it acknowledged (or refused) before dying.
    private func runChild(path: String, round: Int, killAfterAcks: Int) throws -> (acked: [Int], refused: [Int]) {
        var acked: [Int] = []
        var refused: [Int] = []
        try Self.runChild([path, String(round), "1000000"], killAfterAcks: killAfterAcks) { parts in
            guard parts.count == 2, let n = Int(parts[1]) else { return false }
            if parts[0] == "ack" { acked.append(n); return true }
            refused.append(n)
            return false
        }
        return (acked, refused)
    }

    /// Runs the child with `arguments` and hands each line it prints, split on spaces, to `record`, which says
    /// whether the line acknowledged an operation; SIGKILLs the child once `killAfterAcks` were acknowledged, and
    /// returns when everything it wrote has been read, having checked that the kill, not the child, ended it.
    static func runChild(_ arguments: [String], killAfterAcks: Int, record: ([Substring]) -> Bool) throws {
        let process = Process()
        process.executableURL = child
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        try? pipe.fileHandleForWriting.close()
        let reader = pipe.fileHandleForReading
        var pending = Data()
        var acks = 0
        var killed = false
        while true {
            let chunk = reader.availableData
            if chunk.isEmpty { break }  // EOF: the child is gone and everything it wrote has been read
            pending.append(chunk)
            while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: pending[pending.startIndex..<newline], as: UTF8.self)
                pending.removeSubrange(pending.startIndex...newline)
                if record(line.split(separator: " ")) { acks += 1 }
            }
            if !killed && acks >= killAfterAcks {
                kill(process.processIdentifier, SIGKILL)
                killed = true
            }
        }
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal, "the child exited on its own: \(process.terminationStatus)")
    }
}
