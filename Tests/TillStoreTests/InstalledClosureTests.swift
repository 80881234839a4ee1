import Dispatch
import Foundation
import Synchronization
import Testing
@testable import TillStore

/// `InstalledClosure`: reading the closure back does not wrap it again. A closure kept directly in a
/// `Mutex<(() -> Void)?>` grew by two reabstraction thunks at every `withLock { $0 }`, so every call walked a longer
/// chain (`Visibility`'s wake-up, read by every read that waited for a COMMIT, reached thousands of frames within a
/// minute in tilld); here 200,000 calls run on a thread with a 256 KiB stack, which such a chain would overflow, and
/// take ~0.1 s instead of hours.
@Suite struct InstalledClosureTests {
    @Test func theMillionthCallWalksNoLongerChainThanTheFirst() {
        let installed = InstalledClosure<@Sendable () -> Void>()
        let calls = Atomic<Int>(0)
        installed.closure = { calls.add(1, ordering: .relaxed) }
        Self.onSmallStack { for _ in 0..<200_000 { installed.closure?() } }
        #expect(calls.load(ordering: .relaxed) == 200_000)
    }

    /// The same through `Visibility`, whose wake-up for the writer runs at every read that waits for a COMMIT: here
    /// each of 200,000 reads waits, and the wake-up commits the batch it waits for.
    @Test func readsThatWaitForACommitDoNotGrowTheWakeUp() {
        let visibility = Visibility()
        let latest = Atomic<UInt64>(0)
        let wakeUps = Atomic<Int>(0)
        visibility.whenReadWaits { [visibility] in
            wakeUps.add(1, ordering: .relaxed)
            visibility.commit(latest.load(ordering: .acquiring))
        }
        Self.onSmallStack {
            for batch in UInt64(1)...200_000 {
                latest.store(batch, ordering: .releasing)
                visibility.acknowledge(batch, reach: .store)
                try! visibility.waitForAcknowledgedWrites()
            }
        }
        #expect(wakeUps.load(ordering: .relaxed) == 200_000)
        #expect(visibility.waits == 200_000)
    }

    /// Runs `body` on a thread with a 256 KiB stack and waits for it.
    private static func onSmallStack(_ body: @escaping @Sendable () -> Void) {
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            body()
            done.signal()
        }
        thread.stackSize = 256 << 10
        thread.start()
        done.wait()
    }

    @Test func theClosureSetLastIsTheOneCalled() throws {
        let installed = InstalledClosure<@Sendable (Int) throws -> Int>()
        #expect(installed.closure == nil)
        installed.closure = { $0 + 1 }
        installed.closure = { $0 * 2 }
        #expect(try installed.closure?(21) == 42)
        installed.closure = nil
        #expect(installed.closure == nil)
    }
}
