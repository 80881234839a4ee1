import TillCore
import TillIO
import TillProtocol
import enum TillStore.Principal

// The connection concerns of a session, each a small stage with its own state and no socket: the session feeds them
// bytes, instants and completions and does what they answer (arm a timer, pause reading, close). Tests drive each
// stage alone with instants they choose, as swift-nio's EmbeddedChannel drives one handler.

/// Framing with the slowloris guard: bytes in, complete frames out, and a deadline by which a started frame must be
/// complete.
///
/// Guarantees: a frame over the limit, or bytes that break the framing, throw `invalid_frame` before being buffered;
/// `deadline` is set when a partial frame starts and cleared when no byte of an unfinished frame is buffered, so one
/// deadline covers one frame however slowly its bytes come.
struct FramingStage {
    private var decoder: FrameDecoder
    let frameDeadline: Duration
    /// When the partial frame now buffered must be complete; nil when none is buffered.
    private(set) var deadline: Instant?

    init(maxFrameBytes: Int, frameDeadline: Duration) {
        decoder = FrameDecoder(maxFrameSize: maxFrameBytes)
        self.frameDeadline = frameDeadline
    }

    mutating func receive(_ bytes: ArraySlice<UInt8>) throws(TillError) { try decoder.append(bytes) }

    /// The next complete frame, if any.
    mutating func nextFrame() -> [UInt8]? { decoder.nextFrame() }

    /// Updates the deadline after frames were taken at `now`: armed when a partial frame is buffered, cleared when not.
    /// True when it changed (the session re-arms or cancels its timer).
    mutating func updateDeadline(at now: Instant) -> Bool {
        if decoder.bufferedByteCount == 0 {
            defer { deadline = nil }
            return deadline != nil
        }
        guard deadline == nil else { return false }
        deadline = now.advanced(by: frameDeadline)
        return true
    }

    /// Forgets the deadline while frames are held on purpose (a key check): the client is not slow, the session is.
    mutating func suspendDeadline() { deadline = nil }

    /// Whether a started frame is still incomplete at `now`, past its deadline.
    func expired(at now: Instant) -> Bool {
        guard let deadline, decoder.bufferedByteCount > 0 else { return false }
        return now >= deadline
    }

    mutating func limitFrames(to limit: Int) { decoder.limitFrames(to: limit) }
}

/// The idle timeout, measured on the same clock its timer fires on (as NIO's IdleStateHandler).
///
/// Guarantees: a session is idle once `timeout` passed since its latest request with nothing in flight; the timer
/// fires at most once per remaining period (no re-arming per request).
struct IdleStage {
    enum Decision: Equatable {
        case close
        case checkAgain(after: Duration)
    }

    let timeout: Duration
    private(set) var lastActivity: Instant

    init(timeout: Duration, now: Instant) {
        self.timeout = timeout
        self.lastActivity = now
    }

    mutating func activity(at now: Instant) { lastActivity = now }

    /// What to do when the idle timer fires at `now` with `inFlight` requests unanswered.
    func check(at now: Instant, inFlight: Int) -> Decision {
        let timeoutMicroseconds = Int64(Instant.nanoseconds(timeout) / 1_000)
        let idle = now.microseconds(since: lastActivity)
        if idle >= timeoutMicroseconds && inFlight == 0 { return .close }
        return .checkAgain(after: .microseconds(max(1_000, timeoutMicroseconds - idle)))
    }
}

/// Backpressure: reading pauses while `limit` requests are in flight or while frames are held for a key check, and
/// resumes when neither holds (as NIO's BackPressureHandler).
///
/// Guarantees: `started`/`finished` and `hold`/`release` answer the change of the reading state only (true: pause or
/// resume now), so the connection is told exactly once per change.
struct BackpressureStage {
    let limit: Int
    private(set) var inFlight = 0
    private(set) var holding = false
    private(set) var readingPaused = false

    init(limit: Int) {
        precondition(limit > 0, "at least one request in flight")
        self.limit = limit
    }

    /// A request was accepted; true when reading must pause now.
    mutating func started() -> Bool { inFlight += 1; return settle() }
    /// A request was answered; true when reading may resume now.
    mutating func finished() -> Bool { inFlight -= 1; return settle() }
    /// Frames are held (a key check); true when reading must pause now.
    mutating func hold() -> Bool { holding = true; return settle() }
    /// Frames flow again; true when reading may resume now.
    mutating func release() -> Bool { holding = false; return settle() }

    private mutating func settle() -> Bool {
        let pause = holding || inFlight >= limit
        defer { readingPaused = pause }
        return pause != readingPaused
    }
}

/// `hello` before the key is looked up, and the key after it was: the failed-hello throttle, the protocol version, the
/// certificate binding, and the re-check after a key was disabled anywhere.
struct HelloStage {
    /// Why a `hello` from `address` is refused before its key is looked up, or nil.
    static func refusal(of hello: Hello, from address: String, at now: Instant,
                        throttle: borrowing AuthenticationThrottle) -> TillError? {
        guard throttle.mayAttempt(address: address, nowMilliseconds: milliseconds(now)) else {
            return .unauthenticated(reason: "too many failed attempts, try again later")
        }
        guard hello.versions.contains(ProtocolVersion.current) else { return .unsupportedVersion(offered: hello.versions) }
        return nil
    }

    /// Mutual TLS: a client certificate whose common name is `terminal:BRANCH/POS` admits only that terminal's key,
    /// and `operator:NAME` only that operator; certificates with other names (or none) add no constraint beyond the
    /// CA's signature, which the TLS layer already checked.
    static func certificateBinding(_ certificate: PeerCertificate?, admits principal: Principal) -> TillError? {
        guard let name = certificate?.subjectCommonName else { return nil }
        if name.hasPrefix("terminal:") {
            let wanted = String(name.dropFirst("terminal:".count))
            guard case .terminal(let terminal) = principal, "\(terminal.branchId)/\(terminal.posId)" == wanted else {
                return .forbidden(reason: "the client certificate is issued to terminal \(wanted)")
            }
        } else if name.hasPrefix("operator:") {
            let wanted = String(name.dropFirst("operator:".count))
            guard case .operator(_, let operatorName) = principal, operatorName == wanted else {
                return .forbidden(reason: "the client certificate is issued to operator \(wanted)")
            }
        }
        return nil
    }

    /// The authenticated key: who it is, its digest, and the key epoch it was last checked at.
    private(set) var principal: Principal?
    private(set) var keyDigest: [UInt8] = []
    private(set) var checkedAtEpoch: UInt64 = 0

    mutating func authenticated(_ principal: Principal, digest: [UInt8], epoch: UInt64) {
        self.principal = principal
        keyDigest = digest
        checkedAtEpoch = epoch
    }

    /// Whether the key must be looked up again before the next request (a key was disabled since the last check).
    func needsCheck(epoch: UInt64) -> Bool { principal != nil && epoch != checkedAtEpoch }

    /// The re-check's answer: true when the key still names the same principal (then checked at `epoch`).
    mutating func rechecked(_ current: Principal?, epoch: UInt64) -> Bool {
        guard current == principal else { return false }
        checkedAtEpoch = epoch
        return true
    }

    static func milliseconds(_ instant: Instant) -> Int64 { Int64(instant.nanoseconds / 1_000_000) }
}
