import Foundation
import Testing
import TillClient
import TillCore
import TillIO
import TillProtocol
@testable import TillServer

/// Clients that misbehave: each is answered or cut off, and the daemon keeps serving everyone else.
@Suite struct AbuseTests {
    /// A well-behaved terminal still works after the abuse.
    func stillServes(_ daemon: TestDaemon) throws {
        _ = try daemon.terminal().ping()
    }

    static func frame(_ json: String) -> [UInt8] {
        var out: [UInt8] = []
        FrameEncoder.appendFrame(Array(json.utf8), to: &out)
        return out
    }

    @Test func oversizedFrameIsRefusedBeforeItIsRead() throws {
        let daemon = try TestDaemon { $0.maxFrameBytes = 1_024 }
        defer { daemon.stop(); daemon.removeFolder() }
        let client = try TillClient(daemon.address)
        client.sendRaw([0, 0x10, 0, 0])  // declares 1 MiB, sends none of it
        try client.flush()
        let answer = try client.receive()
        #expect(answer.id == nil)
        guard case .failure(.invalidFrame) = answer.outcome else { Issue.record("expected invalid_frame"); return }
        #expect(throws: ClientError.closed) { _ = try client.receive() }
        try stillServes(daemon)
    }

    /// Operators may send bigger frames than terminals once authenticated (bulk imports); `hello` announces each limit.
    @Test func operatorSessionsAllowTheirOwnFrameLimit() throws {
        let daemon = try TestDaemon { $0.maxFrameBytes = 4_096; $0.maxOperatorFrameBytes = 65_536 }
        defer { daemon.stop(); daemon.removeFolder() }
        let operatorClient = try daemon.operatorClient()
        #expect(operatorClient.session?.maxFrameSize == 65_536)
        var rows = ""
        for i in 0..<300 { rows += "{\"memberKey\":\"BIG\(i)\",\"firstName\":\"Big\",\"email\":\"big\(i)@example.com\"}\n" }
        #expect(rows.utf8.count > 8_192 && rows.utf8.count < 60_000)
        guard case .imported(let result) = try operatorClient.perform(.memberImport(MemberImport(rows: rows))) else {
            Issue.record("expected an import result"); return
        }
        #expect(result.created == 300 && result.errors.isEmpty)

        let terminal = try daemon.terminal()
        #expect(terminal.session?.maxFrameSize == 4_096)
        terminal.sendRaw(Self.frame(#"{"id":1,"op":"ping","pad":""# + String(repeating: " ", count: 5_000) + #""}"#))
        try terminal.flush()
        guard case .failure(.invalidFrame) = try terminal.receive().outcome else { Issue.record("expected invalid_frame"); return }
        #expect(throws: ClientError.closed) { _ = try terminal.receive() }
        try stillServes(daemon)
    }

    @Test func garbageBytesGetInvalidFrameAndAClose() throws {
        let daemon = try TestDaemon()
        defer { daemon.stop(); daemon.removeFolder() }
        let client = try TillClient(daemon.address)
        client.sendRaw(Self.frame("this is not json"))
        try client.flush()
        guard case .failure(.invalidFrame) = try client.receive().outcome else { Issue.record("expected invalid_frame"); return }
        #expect(throws: ClientError.closed) { _ = try client.receive() }
        try stillServes(daemon)
    }

    @Test func badFieldIsNamedAndTheConnectionSurvives() throws {
        let daemon = try TestDaemon()
        defer { daemon.stop(); daemon.removeFolder() }
        let client = try daemon.terminal()
        client.sendRaw(Self.frame(#"{"id":7,"op":"purchase","transactionId":"x","openedAt":"2026-11-23T10:00:00Z","items":[{"lineId":"1","code":"A","name":"a","quantity":1,"unitPrice":1.5}],"currency":"EUR"}"#))
        try client.flush()
        let answer = try client.receive()
        #expect(answer.id == .int(7))
        guard case .failure(.invalidRequest(let field, _)) = answer.outcome else { Issue.record("expected invalid_request"); return }
        #expect(field == "items[0].unitPrice")
        _ = try client.ping()
        #expect(try client.status(transactionId: "x").state == .unknown)
    }

    @Test func truncatedFrameThenCloseLeavesTheServerServing() throws {
        let daemon = try TestDaemon()
        defer { daemon.stop(); daemon.removeFolder() }
        let client = try TillClient(daemon.address)
        client.sendRaw(Array(Self.frame(#"{"id":1,"op":"ping"}"#).prefix(9)))
        try client.flush()
        client.close()
        try stillServes(daemon)
    }

    @Test func slowlorisIsCutOffAtTheFrameDeadline() throws {
        let daemon = try TestDaemon { $0.frameDeadlineSeconds = 1 }
        defer { daemon.stop(); daemon.removeFolder() }
        let client = try TillClient(daemon.address)
        client.sendRaw([0, 0])  // half a length prefix, then nothing
        try client.flush()
        let answer = try client.receive(timeout: .seconds(10))
        guard case .failure(.invalidFrame) = answer.outcome else { Issue.record("expected invalid_frame"); return }
        #expect(throws: ClientError.closed) { _ = try client.receive(timeout: .seconds(10)) }
        try stillServes(daemon)
    }

    @Test func requestBeforeHelloIsUnauthenticated() throws {
        let daemon = try TestDaemon()
        defer { daemon.stop(); daemon.removeFolder() }
        let client = try TillClient(daemon.address)
        #expect(throws: ClientError.refused(.unauthenticated(reason: "say hello first"))) { _ = try client.ping() }
    }

    @Test func wrongKeysAreRefusedAndThrottledPerAddress() throws {
        let daemon = try TestDaemon()
        defer { daemon.stop(); daemon.removeFolder() }
        for _ in 0..<5 {
            #expect(throws: ClientError.refused(.unauthenticated(reason: "unknown or disabled key"))) {
                _ = try TillClient(daemon.address, apiKey: "till_t_wrong")
            }
        }
        // The bucket is empty now: even the right key waits for the refill.
        #expect(throws: ClientError.refused(.unauthenticated(reason: "too many failed attempts, try again later"))) {
            _ = try TillClient(daemon.address, apiKey: daemon.keys.terminalKey)
        }
        #expect(daemon.logLines.all.contains { $0.contains("authentication failed") })
        #expect(!daemon.logLines.all.contains { $0.contains("till_t_wrong") })
    }

    @Test func aClientThatNeverReadsIsDisconnected() throws {
        let daemon = try TestDaemon { $0.maxPendingWriteBytes = 16_384; $0.maxInFlightPerConnection = 100_000 }
        defer { daemon.stop(); daemon.removeFolder() }
        let client = try daemon.terminal()
        // Status answers for an unknown id are small but steady; the socket buffers fill, then the cap trips.
        var cutOff = false
        for round in 0..<2_000 where !cutOff {
            for n in 0..<100 { client.send(.status(StatusRequest(transactionId: "r\(round)-\(n)"))) }
            do { try client.flush() } catch { cutOff = true }
        }
        #expect(cutOff)
        try stillServes(daemon)
    }

    @Test func aThousandConcurrentConnections() throws {
        _ = ProcessResources.raiseOpenFilesLimit(to: 8_192)
        let daemon = try TestDaemon { $0.maxConnections = 2_000 }
        defer { daemon.stop(); daemon.removeFolder() }
        var clients: [TillClient] = []
        for _ in 0..<1_000 { clients.append(try daemon.terminal()) }
        for client in clients { client.send(.ping) }
        for client in clients { try client.flush() }
        for client in clients {
            guard case .success(.pong) = try client.receive().outcome else { Issue.record("expected pong"); return }
        }
        for client in clients { client.close() }
    }

    @Test func connectionsBeyondTheLimitAreRefused() throws {
        let daemon = try TestDaemon { $0.maxConnections = 3 }
        defer { daemon.stop(); daemon.removeFolder() }
        let held = try (0..<3).map { _ in try daemon.terminal() }
        #expect(throws: (any Error).self) { _ = try daemon.terminal() }
        held.forEach { $0.close() }
    }
}
