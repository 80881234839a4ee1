import Testing
import TillClient
import TillCore
import TillIO
import TillProtocol
@testable import TillServer

/// The daemon reads the time from one injected source: a manual clock drives its timers and what they measure.
@Suite struct ClockTests {
    /// The idle timer fires on the loop's clock and measures idleness on the same clock: with a manual clock that is
    /// moved past the idle timeout, the connection is closed (it stayed open while the real clock said it was busy).
    @Test func idleTimeoutIsMeasuredOnTheClockThatFiresIt() throws {
        let clock = ManualClock()
        let daemon = try TestDaemon(time: clock) { $0.idleTimeoutSeconds = 60 }
        defer { daemon.stop(); daemon.removeFolder() }
        let terminal = try daemon.terminal()
        clock.advance(by: .seconds(59))
        _ = try terminal.ping()
        clock.advance(by: .seconds(2))  // the first timer is due; the session was active 2 s ago: it stays open
        let pong = try terminal.ping()
        #expect(pong.serverTime.millisecondsSinceEpoch == ManualClock().wallNow().millisecondsSinceEpoch + 61_000,
                "answers carry the injected wall clock")
        clock.advance(by: .seconds(60))
        #expect(throws: ClientError.closed) { _ = try terminal.receive(timeout: .seconds(5)) }
        _ = try daemon.terminal().ping()
    }
}
