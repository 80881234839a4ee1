import Synchronization
import Testing
import TillCore
@testable import TillStore
import TillStoreTesting

/// The time of a write is stamped once per batch by the writer (`WriteContext.now`), from the store's one clock.
@Suite struct WriteTimeTests {
    final class ManualClock: Sendable {
        let ms = Atomic<Int64>(1_767_225_600_000)
        var now: Timestamp { Timestamp(millisecondsSinceEpoch: ms.load(ordering: .relaxed)) }
        func set(_ value: Int64) { ms.store(value, ordering: .relaxed) }
    }

    static func stampRequest(refuse: Bool = false) -> ClosureWrite<Int64> {
        ClosureWrite { context in
            if refuse {
                // Refused after a change: the batch must be rolled back and run again (a refusal before any change
                // is answered in place).
                try context.execute("INSERT INTO activity_log (created_at, grp, type, source, details) VALUES (0, 'app', 'test', 'system', '{}')")
                throw TillError.notAllowed(field: nil, reason: "refused")
            }
            return context.now.millisecondsSinceEpoch
        }
    }

    @Test func everyRequestOfABatchAndItsRerunSeesTheTimeTheBatchStarted() throws {
        let folder = TemporaryFolder()
        let clock = ManualClock()
        let store = try Store.temporary(folder) { $0.clock = { clock.now } }
        defer { store.shutdown() }
        #expect(store.now == clock.now)
        store.writer.pause()
        let stamps = Completions<Int64>()
        stamps.submit(ClosureWrite { context in
            clock.set(clock.now.millisecondsSinceEpoch + 1_000)  // the clock moves while the batch runs
            return context.now.millisecondsSinceEpoch
        }, as: 0, to: store)
        clock.set(1_767_225_600_500)  // requests accepted at different times…
        stamps.submit(Self.stampRequest(refuse: true), as: 1, to: store)  // …and a refusal makes the batch run again
        stamps.submit(Self.stampRequest(), as: 2, to: store)
        clock.set(1_767_225_601_000)
        store.writer.resume()
        let results = stamps.wait()
        #expect(try results[0]!.get() == 1_767_225_601_000 && results[2]!.get() == 1_767_225_601_000)
        #expect(results[1] == .failure(.notAllowed(field: nil, reason: "refused")))
        #expect(store.stats.batchesRerun == 1)
    }

    @Test func aClockSteppedBackNeverStampsBeforeTheLastBatch() throws {
        let folder = TemporaryFolder()
        let clock = ManualClock()
        let store = try Store.temporary(folder) { $0.clock = { clock.now } }
        defer { store.shutdown() }
        clock.set(2_000_000)
        #expect(try store.writeAndWait(Self.stampRequest()).get() == 2_000_000)
        clock.set(1_000_000)
        #expect(try store.writeAndWait(Self.stampRequest()).get() == 2_000_000)
        clock.set(3_000_000)
        #expect(try store.writeAndWait(Self.stampRequest()).get() == 3_000_000)
    }
}
