import Foundation
import Synchronization
import Testing
import TillClient
import TillCore
import TillProtocol
@testable import TillServer

@Suite struct LifecycleTests {
    /// Terminals keep posting while the daemon is stopped: every purchase that was acknowledged is in the store
    /// after a restart, exactly once, with the same receipt.
    @Test func gracefulShutdownUnderLoadLosesNoAcknowledgedPurchase() throws {
        let daemon = try TestDaemon()
        let folder = daemon.folder
        let acknowledged = Mutex<[String: Receipt]>([:])
        let started = DispatchSemaphore(value: 0)
        let group = DispatchGroup()
        let address = daemon.address
        let key = daemon.keys.terminalKey
        for worker in 0..<4 {
            group.enter()
            Thread.detachNewThread {
                defer { group.leave() }
                guard let client = try? TillClient(address, apiKey: key) else {
                    if worker == 0 { started.signal() }
                    return
                }
                var n = 0
                while true {
                    let id = "w\(worker)-\(n)"
                    client.send(.purchase(demoPurchase(id, members: [MemberIdentifier(kind: .memberKey, value: "M00000001")])))
                    do {
                        try client.flush()
                        let answer = try client.receive()
                        guard case .success(.purchase(let receipt)) = answer.outcome else { return }
                        acknowledged.withLock { $0[id] = receipt }
                    } catch {
                        return
                    }
                    if n == 20 && worker == 0 { started.signal() }
                    n += 1
                }
            }
        }
        started.wait()
        daemon.stop()
        group.wait()
        let receipts = acknowledged.withLock { $0 }
        #expect(receipts.count > 20)

        let reopened = try TestDaemon(folder: folder)
        defer { reopened.stop(); reopened.removeFolder() }
        let client = try reopened.terminal()
        for (id, receipt) in receipts {
            let status = try client.status(transactionId: id)
            #expect(status.state == .final)
            #expect(status.receipt?.total == receipt.total)
            #expect(status.receipt?.members == receipt.members)
        }
        let report = try reopened.instance.loyalty.underlying.verify()
        #expect(report.isSound, "\(report.problems)")
    }

    /// `tilld` as a real process: starts on the embedded default with a demo key, serves, stops on SIGTERM with
    /// exit status 0, and keeps what it acknowledged.
    @Test func tilldProcessStartsServesAndStopsOnSIGTERM() throws {
        let binary = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent().appendingPathComponent("tilld")
        try #require(FileManager.default.isExecutableFile(atPath: binary.path), "build tilld first (swift build)")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("till-tilld-\(getpid())-\(UInt64.random(in: 0...UInt64.max))")
        defer { try? FileManager.default.removeItem(at: folder) }

        func launch() throws -> (Process, Pipe, port: Int, key: String?) {
            let process = Process()
            process.executableURL = binary
            process.arguments = ["--data-directory", folder.path, "--listen", "127.0.0.1:0", "--metrics-listen", "", "--log-level", "warning"]
            let output = Pipe()
            process.standardOutput = output
            process.standardError = FileHandle.nullDevice
            try process.run()
            // tilld prints its address, then the demo keys; read until the last of those lines (or EOF).
            var text = ""
            let handle = output.fileHandleForReading
            while !text.contains("demo operator key") {
                let data = handle.availableData
                if data.isEmpty { break }
                text += String(decoding: data, as: UTF8.self)
            }
            var port: Int?
            var key: String?
            for line in text.split(separator: "\n") {
                if let range = line.range(of: "listening on 127.0.0.1:") {
                    port = Int(line[range.upperBound...].prefix { $0.isNumber })
                }
                if line.contains("demo terminal key"), let last = line.split(separator: " ").last { key = String(last) }
            }
            return (process, output, try #require(port, "tilld printed: \(text)"), key)
        }

        let (first, _, port, key) = try launch()
        let terminalKey = try #require(key)
        let client = try TillClient(ServerAddress(host: "127.0.0.1", port: port), apiKey: terminalKey)
        let receipt = try client.purchase(demoPurchase("proc-1", members: [MemberIdentifier(kind: .card, value: "C0000000001")]))
        first.terminate()  // SIGTERM
        first.waitUntilExit()
        #expect(first.terminationStatus == 0)

        let (second, _, port2, key2) = try launch()
        defer { second.terminate(); second.waitUntilExit() }
        #expect(key2 == terminalKey)
        let again = try TillClient(ServerAddress(host: "127.0.0.1", port: port2), apiKey: terminalKey)
        #expect(try again.status(transactionId: "proc-1").receipt?.total == receipt.total)
    }
}
