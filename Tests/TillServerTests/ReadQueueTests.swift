import Dispatch
import Foundation
import Synchronization
import Testing
import TillClient
import TillCore
import TillProtocol
import TillStore
@testable import TillServer

/// Holds the next read a reader thread starts until the test releases it: a slow read, made deterministic.
final class ReadGate: Sendable {
    private let armed = Atomic<Bool>(false)
    private let entered = DispatchSemaphore(value: 0)
    private let released = DispatchSemaphore(value: 0)

    /// Chains onto the readers' `onWait` hook (which runs on the reader thread just before each read).
    func install(_ store: inout StoreConfiguration) {
        let metrics = store.reading.onWait
        store.reading.onWait = { [self] waited in
            metrics?(waited)
            if armed.exchange(false, ordering: .acquiringAndReleasing) {
                entered.signal()
                released.wait()
            }
        }
    }

    func arm() { armed.store(true, ordering: .releasing) }
    /// True once a reader thread holds the armed read.
    func waitUntilHeld() -> Bool { entered.wait(timeout: .now() + .seconds(10)) == .success }
    func release() { released.signal() }
}

/// Reads run on reader threads, never on the event loop, and their queue is bounded.
@Suite struct ReadQueueTests {
    static let anna = MemberIdentifier(kind: .phone, value: "+4915112345678")

    /// One event loop serves both connections: while the operator's read is held on a reader thread, the terminal's
    /// identify on the same loop is still answered (before the fix the read ran on the loop and the terminal timed out).
    @Test func aSlowOperatorReadDoesNotStopATerminalOnTheSameLoop() throws {
        let gate = ReadGate()
        let daemon = try TestDaemon(adjust: { $0.ioThreads = 1; $0.readers = 2 }, adjustStore: gate.install)
        defer { daemon.stop(); daemon.removeFolder() }
        defer { gate.release() }  // first, should the test fail while the read is held
        let admin = try daemon.operatorClient()
        let terminal = try TillClient(daemon.address, apiKey: daemon.keys.terminalKey, timeout: .seconds(5))
        gate.arm()
        let search = admin.send(.operator(.memberSearch(MemberSearch(query: "Anna"))))
        try admin.flush()
        try #require(gate.waitUntilHeld())

        let members = try terminal.identify([Self.anna])
        #expect(members.count == 1)
        _ = try terminal.ping()

        gate.release()
        let answer = try admin.receive()
        #expect(answer.id == search)
        guard case .success(.operator(.members)) = answer.outcome else { Issue.record("expected members, got \(answer.outcome)"); return }
    }

    /// With one reader thread held and `readQueueLimit` reads waiting, the next read is answered `overloaded` with a
    /// retry delay at once, the waiting one is answered after the held one, and writes are not affected.
    @Test func aFullReadQueueAnswersOverloaded() throws {
        let gate = ReadGate()
        let daemon = try TestDaemon(adjust: { $0.readers = 1; $0.readQueueLimit = 1 }, adjustStore: gate.install)
        defer { daemon.stop(); daemon.removeFolder() }
        defer { gate.release() }
        let terminal = try daemon.terminal()
        let till = try daemon.terminal()
        gate.arm()
        let held = terminal.send(.identify(IdentifyRequest(identifiers: [Self.anna])))
        try terminal.flush()
        try #require(gate.waitUntilHeld())
        // Frames of one connection are handled in order: the first waits in the queue (at its limit), the second is refused.
        let queued = terminal.send(.status(StatusRequest(transactionId: "none")))
        let refused = terminal.send(.quote(demoPurchase("q-1", members: [Self.anna])))
        try terminal.flush()
        let first = try terminal.receive()
        #expect(first.id == refused)
        guard case .failure(.overloaded(let retryAfterMs)) = first.outcome else { Issue.record("expected overloaded, got \(first.outcome)"); return }
        #expect(retryAfterMs > 0)
        let receipt = try till.purchase(demoPurchase("p-1", members: [Self.anna]))
        #expect(!receipt.replay)

        gate.release()
        var answered: Set<RequestID> = []
        for _ in 0..<2 {
            let answer = try terminal.receive()
            if case .failure(let error) = answer.outcome { Issue.record("unexpected \(error)") }
            answered.insert(try #require(answer.id))
        }
        #expect(answered == [held, queued])
        let metrics = daemon.instance.daemon.registry.render()
        #expect(metrics.contains("till_read_overloaded_total 1\n"))
        #expect(metrics.contains("till_read_queue_depth 0\n"))
        // Two hellos, the held identify and the queued status waited for a reader; the refused quote never queued.
        #expect(metrics.contains("till_read_wait_seconds_count 4\n"))
    }
}
