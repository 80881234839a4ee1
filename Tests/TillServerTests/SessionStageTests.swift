import Testing
import TillCore
import TillIO
import TillProtocol
import TillStore
@testable import TillServer

/// The session's connection stages, driven alone: no socket, no loop, instants chosen by the test.
@Suite struct SessionStageTests {
    let t0 = Instant(nanoseconds: 1_000_000_000)

    static func frame(_ json: String) -> [UInt8] {
        var out: [UInt8] = []
        FrameEncoder.appendFrame(Array(json.utf8), to: &out)
        return out
    }

    @Test func framingArmsOneDeadlinePerStartedFrameAndClearsItWhenComplete() throws {
        var framing = FramingStage(maxFrameBytes: 1_024, frameDeadline: .seconds(10))
        let bytes = Self.frame(#"{"id":1,"op":"ping"}"#)
        try framing.receive(bytes[0..<3])
        let none = framing.nextFrame()
        #expect(none == nil)
        let armed = framing.updateDeadline(at: t0)
        #expect(armed)
        #expect(framing.deadline == t0.advanced(by: .seconds(10)))
        try framing.receive(bytes[3..<6])
        let rearmed = framing.updateDeadline(at: t0.advanced(by: .seconds(9)))
        #expect(!rearmed, "the slow frame keeps its first deadline")
        #expect(!framing.expired(at: t0.advanced(by: .milliseconds(9_999))))
        #expect(framing.expired(at: t0.advanced(by: .seconds(10))))
        try framing.receive(bytes[6...])
        let complete = framing.nextFrame()
        #expect(complete == Array(bytes[4...]))
        let cleared = framing.updateDeadline(at: t0.advanced(by: .seconds(10)))
        #expect(cleared)
        #expect(framing.deadline == nil && !framing.expired(at: t0.advanced(by: .seconds(60))))
    }

    @Test func framingRefusesAFrameOverTheLimitBeforeBufferingIt() throws {
        var framing = FramingStage(maxFrameBytes: 16, frameDeadline: .seconds(10))
        var refused = false
        do { try framing.receive([0, 0, 0, 17]) } catch { refused = error.code == "invalid_frame" }
        #expect(refused)
        var operatorFraming = FramingStage(maxFrameBytes: 16, frameDeadline: .seconds(10))
        operatorFraming.limitFrames(to: 32)
        try operatorFraming.receive([0, 0, 0, 17])
        let pending = operatorFraming.nextFrame()
        #expect(pending == nil)
    }

    @Test func idleMeasuresFromTheLatestRequestOnTheGivenClock() {
        var idle = IdleStage(timeout: .seconds(60), now: t0)
        #expect(idle.check(at: t0.advanced(by: .seconds(59)), inFlight: 0) == .checkAgain(after: .seconds(1)))
        idle.activity(at: t0.advanced(by: .seconds(59)))
        #expect(idle.check(at: t0.advanced(by: .seconds(60)), inFlight: 0) == .checkAgain(after: .seconds(59)))
        #expect(idle.check(at: t0.advanced(by: .seconds(119)), inFlight: 1) == .checkAgain(after: .milliseconds(1)),
                "a request in flight is not idleness")
        #expect(idle.check(at: t0.advanced(by: .seconds(119)), inFlight: 0) == .close)
    }

    @Test func backpressurePausesAtTheLimitOrWhileHoldingAndTellsEachChangeOnce() {
        var stage = BackpressureStage(limit: 2)
        var changes: [Bool] = []
        changes.append(stage.started())
        changes.append(stage.started())   // the second request reaches the limit: pause
        changes.append(stage.hold())      // already paused
        changes.append(stage.finished())  // below the limit but still holding
        changes.append(stage.release())   // neither holds: resume
        changes.append(stage.release())
        changes.append(stage.hold())
        changes.append(stage.release())
        changes.append(stage.finished())
        #expect(changes == [false, true, false, false, true, false, true, true, false])
        #expect(stage.inFlight == 0 && !stage.readingPaused)
    }

    @Test func helloIsThrottledPerAddressAndNeedsTheCurrentVersion() {
        var throttle = AuthenticationThrottle(burst: 2, refillMilliseconds: 2_000)
        let hello = Hello(versions: [ProtocolVersion.current], apiKey: "k")
        #expect(HelloStage.refusal(of: hello, from: "10.0.0.1", at: t0, throttle: throttle) == nil)
        let ms = HelloStage.milliseconds(t0)
        throttle.recordFailure(address: "10.0.0.1", nowMilliseconds: ms)
        throttle.recordFailure(address: "10.0.0.1", nowMilliseconds: ms)
        #expect(HelloStage.refusal(of: hello, from: "10.0.0.1", at: t0, throttle: throttle)
                == .unauthenticated(reason: "too many failed attempts, try again later"))
        #expect(HelloStage.refusal(of: hello, from: "10.0.0.2", at: t0, throttle: throttle) == nil)
        #expect(HelloStage.refusal(of: hello, from: "10.0.0.1", at: t0.advanced(by: .seconds(2)), throttle: throttle) == nil)
        let future = Hello(versions: [ProtocolVersion.current + 1], apiKey: "k")
        #expect(HelloStage.refusal(of: future, from: "10.0.0.2", at: t0, throttle: throttle)
                == .unsupportedVersion(offered: [ProtocolVersion.current + 1]))
    }

    @Test func aDisabledKeyIsCheckedOncePerEpochAndMustStillNameTheSamePrincipal() {
        var key = HelloStage()
        let pos = Principal.terminal(TerminalIdentity(branchId: "B1", posId: "P1"))
        #expect(!key.needsCheck(epoch: 5), "no key yet")
        key.authenticated(pos, digest: [1, 2], epoch: 5)
        #expect(!key.needsCheck(epoch: 5))
        #expect(key.needsCheck(epoch: 6))
        let same = key.rechecked(pos, epoch: 6)
        #expect(same)
        #expect(!key.needsCheck(epoch: 6))
        let disabled = key.rechecked(nil, epoch: 7)
        #expect(!disabled, "the key was disabled")
        let other = key.rechecked(.operator(id: 1, name: "x"), epoch: 7)
        #expect(!other)
        #expect(key.needsCheck(epoch: 7))
    }
}
