import Testing
import TillCore
@testable import TillStore

@Suite struct ForeignLockTests {
    @Test func writeLockHeldByAnotherProcessAnswersOverloadedWithoutStopping() throws {
        let folder = TemporaryFolder()
        let store = try Store.temporary(folder) { $0.writer.retryAfterMilliseconds = 9 }
        defer { store.shutdown() }
        let intruder = try Connection(path: folder.path("till.db"), options: OpenOptions(mode: .readWrite))
        try intruder.execute("BEGIN IMMEDIATE")
        #expect(store.writeAndWait(RegisterMember(memberKey: "m", registeredAt: 1)) == .failure(.overloaded(retryAfterMs: 9)))
        try intruder.execute("ROLLBACK")
        #expect(try store.writeAndWait(RegisterMember(memberKey: "m", registeredAt: 1)).get() == 1)
        #expect(store.stats.storageFailure == nil)
    }
}
