import TillCore
import TillIO
import TillProtocol
import enum TillStore.Principal
import struct TillStore.Router

/// One client connection's protocol state: frames in, requests routed, responses out, limits enforced.
///
/// Lifecycle: `hello` must come first (within the handshake timeout); a failed `hello` is answered and the connection
/// closed. After that, requests of the session's role are accepted up to `maxInFlightPerConnection` at once (reading
/// pauses beyond it). This loop only frames, decodes, encodes and writes: reads (the key check of `hello` and after a
/// key was disabled, identify, quote, status, operator reads) complete on a reader thread and writes on the writer
/// thread, and both hop back here. Writes are handed to the writer on this loop in frame order. While the key is
/// being checked, later frames wait (reading paused). Bytes that break the framing are answered `invalid_frame` and
/// the connection is closed.
///
/// The connection concerns are stages (`SessionStages.swift`: framing with the slowloris deadline, hello and the key
/// re-check, idle timeout, backpressure) that hold their state without a socket; the session feeds them and does what
/// they answer, and hands requests to the router.
///
/// `@unchecked Sendable`: every mutable member is touched only on `connection.loop`'s thread. Completions run on a
/// reader, the writer or the journal thread and capture the session only to hop back onto that loop with `execute`.
final class Session: ConnectionHandler, @unchecked Sendable {
    let context: ServerContext
    let connection: Connection
    private var framing: FramingStage
    private var idle: IdleStage
    private var backpressure: BackpressureStage
    private var key = HelloStage()
    private var principal: Principal? { key.principal }
    private var closing = false
    private var helloTimer: TimerHandle?
    private var idleTimer: TimerHandle?
    private var frameTimer: TimerHandle?

    init(connection: Connection, context: ServerContext) {
        self.connection = connection
        self.context = context
        context.liveSessions.value.add(1, ordering: .relaxed)
        let configuration = context.configuration
        framing = FramingStage(maxFrameBytes: configuration.maxFrameBytes, frameDeadline: .seconds(configuration.frameDeadlineSeconds))
        idle = IdleStage(timeout: .seconds(configuration.idleTimeoutSeconds), now: context.time.now())
        backpressure = BackpressureStage(limit: configuration.maxInFlightPerConnection)
    }

    deinit { context.liveSessions.value.subtract(1, ordering: .relaxed) }

    // MARK: Connection events

    func connected(_ connection: Connection) {
        let limit = Duration.seconds(context.configuration.handshakeTimeoutSeconds)
        // The session's timers capture it strongly, not weakly: a weak reference gives an object a side table for its
        // whole life, after which every retain and release of it (several per request) takes the runtime's slow
        // path (bench/sim.md, sixth pass). `closed` cancels every timer, which releases its closure.
        helloTimer = connection.loop.scheduleOnLoop(after: limit) { [self] in
            guard principal == nil else { return }
            context.log.info("hello timeout", ["peer": "\(connection.peerAddress)"])
            connection.close()
        }
        idle.activity(at: context.time.now())
        armIdleTimer(after: idle.timeout)
    }

    func received(_ bytes: ArraySlice<UInt8>, on connection: Connection) {
        guard !closing else { return }
        do {
            try framing.receive(bytes)
        } catch {
            answer(error, to: RequestStart(id: nil, op: nil, startedAt: context.time.now()))
            closeAfterFlush()
            return
        }
        handleBufferedFrames()
    }

    /// Handles the complete frames in the decoder until a key check holds them or none is left.
    private func handleBufferedFrames() {
        while !closing && !backpressure.holding, let frame = framing.nextFrame() {
            handle(frame)
        }
        guard !backpressure.holding else { return }
        updateFrameDeadline()
    }

    func closed(_ connection: Connection, reason: CloseReason) {
        closing = true
        helloTimer?.cancel()
        idleTimer?.cancel()
        frameTimer?.cancel()
    }

    // MARK: Requests

    private func handle(_ frame: [UInt8]) {
        let now = context.time.now()
        idle.activity(at: now)
        let envelope: RequestEnvelope
        switch context.serverCodec.decodeRequest(frame) {
        case .failure(let failure):
            answer(failure.error, to: RequestStart(id: failure.id, op: failure.op, startedAt: now))
            if failure.closesConnection { closeAfterFlush() }
            return
        case .success(let decoded):
            envelope = decoded
        }
        let request = RequestStart(id: envelope.id, op: envelope.request.op, startedAt: now)
        if context.isDraining {
            answer(.shuttingDown, to: request)
            return
        }
        guard let principal else {
            handleHello(envelope, request: request)
            return
        }
        let epoch = context.keyEpoch
        guard !key.needsCheck(epoch: epoch) else {
            checkKeyAgain(before: envelope, atEpoch: epoch, as: principal, request: request)
            return
        }
        dispatch(envelope, as: principal, request: request)
    }

    /// Holds further frames while a reader looks up the key's principal; `finish` runs back on this loop before the
    /// held frames are handled.
    private func checkKey(_ digest: [UInt8], then finish: @escaping @Sendable (Result<Principal?, TillError>) -> Void) {
        let loop = connection.loop
        holdFrames()
        requestStarted()
        let done: @Sendable (Result<Principal?, TillError>) -> Void = { [self] result in
            loop.execute {
                self.requestFinished()
                finish(result)
                self.releaseFrames()
                if !self.closing { self.handleBufferedFrames() }
            }
        }
        do {
            try context.router.authenticate(keyDigest: digest, completion: done)
        } catch {
            requestFinished()
            finish(.failure(error))
            releaseFrames()
        }
    }

    private func holdFrames() {
        framing.suspendDeadline()
        frameTimer?.cancel()
        frameTimer = nil
        if backpressure.hold() { connection.pauseReading() }
    }

    private func releaseFrames() {
        if backpressure.release() && !closing { connection.resumeReading() }
    }

    /// After a key was disabled anywhere, checks this session's key again (once per change, not per request) before
    /// `envelope` and the frames after it.
    private func checkKeyAgain(before envelope: RequestEnvelope, atEpoch epoch: UInt64, as principal: Principal, request: RequestStart) {
        checkKey(key.keyDigest) { [self] result in
            switch result {
            case .success(let current) where key.rechecked(current, epoch: epoch):
                dispatch(envelope, as: principal, request: request)
            case .success:
                answer(.unauthenticated(reason: "the key was disabled"), to: request)
                closeAfterFlush()
            case .failure(let error):
                // Not checked (overloaded, storage): this request is refused, the next one checks again.
                answer(error, to: request)
            }
        }
    }

    private func handleHello(_ envelope: RequestEnvelope, request: RequestStart) {
        guard case .hello(let hello) = envelope.request else {
            answer(.unauthenticated(reason: "say hello first"), to: request)
            closeAfterFlush()
            return
        }
        let address = connection.peerAddress.host
        if let refusal = context.throttle.withLock({ HelloStage.refusal(of: hello, from: address, at: request.startedAt, throttle: $0) }) {
            answer(refusal, to: request)
            closeAfterFlush()
            return
        }
        let digest = SHA256.hash(Array(hello.apiKey.utf8))
        let epoch = context.keyEpoch
        checkKey(digest) { [self] result in
            guard !closing else { return }
            switch result {
            case .success(let found):
                authenticated(found, hello: hello, envelope: envelope, digest: digest, epoch: epoch, request: request)
            case .failure(let error):
                answer(error, to: request)
                closeAfterFlush()
            }
        }
    }

    private func authenticated(_ found: Principal?, hello: Hello, envelope: RequestEnvelope, digest: [UInt8], epoch: UInt64,
                               request: RequestStart) {
        let address = connection.peerAddress.host
        let now = HelloStage.milliseconds(request.startedAt)
        guard let found else {
            context.throttle.withLock { $0.recordFailure(address: address, nowMilliseconds: now) }
            context.log.warning("authentication failed", ["peer": "\(connection.peerAddress)"])
            answer(.unauthenticated(reason: "unknown or disabled key"), to: request)
            closeAfterFlush()
            return
        }
        if let bindingError = HelloStage.certificateBinding(connection.peerCertificate, admits: found) {
            context.log.warning("client certificate does not match the key", ["peer": "\(connection.peerAddress)"])
            answer(bindingError, to: request)
            closeAfterFlush()
            return
        }
        context.throttle.withLock { $0.recordSuccess(address: address) }
        key.authenticated(found, digest: digest, epoch: epoch)
        helloTimer?.cancel()
        let result: HelloResult
        switch found {
        case .terminal(let terminal):
            result = HelloResult(version: ProtocolVersion.current, role: .terminal, terminal: terminal, operatorName: nil,
                                 maxFrameSize: Int64(context.configuration.maxFrameBytes), serverTime: context.time.wallNow())
            context.log.info("terminal session", ["branch": terminal.branchId, "pos": terminal.posId, "client": hello.client ?? ""])
        case .operator(_, let name):
            let limit = max(context.configuration.maxFrameBytes, context.configuration.maxOperatorFrameBytes)
            framing.limitFrames(to: limit)
            result = HelloResult(version: ProtocolVersion.current, role: .operator, terminal: nil, operatorName: name,
                                 maxFrameSize: Int64(limit), serverTime: context.time.wallNow())
            context.log.info("operator session", ["operator": name])
        }
        answer(.hello(result), to: request)
    }

    /// Routes through the router's table: `hello` and `ping` are answered here, everything else by the router (a
    /// write is queued before this returns, so writes keep their frame order); operator writes get an audit line.
    private func dispatch(_ envelope: RequestEnvelope, as principal: Principal, request start: RequestStart) {
        let request = envelope.request
        let route = Router.route(request)
        var started = start
        started.isWrite = route.kind == .write
        switch request {
        case .hello:
            answer(.invalidRequest(field: "op", reason: "the session already said hello"), to: started)
            return
        case .ping:
            answer(.pong(Pong(serverTime: context.time.wallNow())), to: started)
            return
        default: break
        }
        let router = context.router
        let log = context.log
        submit(started) { done in
            guard route.kind == .write, route.admits(principal), case .operator(let operatorRequest) = request,
                  case .operator(_, let name) = principal else {
                router.perform(request, route: route, as: principal, completion: done)
                return
            }
            router.perform(request, route: route, as: principal) { result in
                log.operatorWrite(operatorName: name, request: operatorRequest, result: result.flatMap(Self.operatorAnswer))
                done(result)
            }
        }
    }

    private static func operatorAnswer(_ response: Response) -> Result<OperatorResponse, TillError> {
        guard case .operator(let answer) = response else { preconditionFailure("an operator op answered \(response)") }
        return .success(answer)
    }

    /// Starts a request; its completion (on a reader, the writer or the journal thread, or at once for a refusal)
    /// hops back to this loop.
    private func submit(
        _ request: RequestStart,
        _ start: (@escaping @Sendable (Result<Response, TillError>) -> Void) -> Void
    ) {
        requestStarted()
        let loop = connection.loop
        if !request.isWrite { loop.expectAnswer() }
        let complete: @Sendable (Result<Response, TillError>) -> Void = { [self] result in
            if loop.inEventLoop {
                self.finish(request, result)
            } else {
                loop.execute { self.finish(request, result) }
            }
        }
        start(complete)
    }

    private func finish(_ request: RequestStart, _ result: Result<Response, TillError>) {
        if !request.isWrite { connection.loop.answerArrived() }
        requestFinished()
        switch result {
        case .success(let response): answer(response, to: request)
        case .failure(let error): answer(error, to: request)
        }
    }

    private func requestStarted() {
        context.requestStarted()
        if backpressure.started() { connection.pauseReading() }
    }

    private func requestFinished() {
        context.requestFinished()
        if backpressure.finished() && !closing { connection.resumeReading() }
    }

    // MARK: Answers and limits

    private func answer(_ error: TillError, to request: RequestStart) {
        answer(ResponseEnvelope(id: request.id, op: request.op, error: error), startedAt: request.startedAt, isWrite: request.isWrite)
    }

    private func answer(_ result: Response, to request: RequestStart) {
        guard let id = request.id, let op = request.op else { preconditionFailure("a result for a request that was not read") }
        answer(ResponseEnvelope(id: id, op: op, result: result), startedAt: request.startedAt, isWrite: request.isWrite)
    }

    /// The largest frame this session's peer was told about (`maxFrameSize` in `hello`): every answer fits it.
    private var answerLimit: Int {
        guard case .operator = principal else { return context.configuration.maxFrameBytes }
        return max(context.configuration.maxFrameBytes, context.configuration.maxOperatorFrameBytes)
    }

    private func answer(_ response: ResponseEnvelope, startedAt: Instant, isWrite: Bool) {
        var errorCode: String?
        switch response.outcome {
        case .success: errorCode = nil
        case .failure(let error):
            errorCode = error.code
            if case .terminal(let terminal) = principal {
                context.log.terminalRefused(terminal, op: response.op, id: response.id, code: error.code)
            }
        }
        var frame: [UInt8]? = nil
        if connection.isOpen {
            let (encoded, bound) = AnswerBound.encode(response, limit: answerLimit, isWrite: isWrite, codec: context.serverCodec)
            frame = encoded
            switch bound {
            case .fits, .trimmed: break
            case .refused(let bytes):
                errorCode = "not_allowed"
                context.log.warning("answer refused for its size", ["op": response.op?.rawValue ?? "", "bytes": "\(bytes)"])
            case .oversized(let bytes):
                context.log.warning("answer larger than the frame limit sent whole", ["op": response.op?.rawValue ?? "", "bytes": "\(bytes)"])
            }
        }
        context.metrics.record(op: response.op, errorCode: errorCode, microseconds: context.time.now().microseconds(since: startedAt))
        guard let frame else { return }
        connection.write(frame)
        if connection.pendingWriteBytes > context.configuration.maxPendingWriteBytes {
            context.log.warning("client does not read, disconnecting", ["peer": "\(connection.peerAddress)", "pendingBytes": "\(connection.pendingWriteBytes)"])
            closing = true
            connection.close()
        }
    }

    private func closeAfterFlush() {
        closing = true
        connection.close(afterFlush: true)
    }

    /// Closes the connection once it has been idle (no request, nothing in flight) for the idle timeout. The timer
    /// fires at most once per timeout period and re-arms itself for the remaining time.
    private func armIdleTimer(after delay: Duration) {
        idleTimer = connection.loop.scheduleOnLoop(after: delay) { [self] in  // strong: see `connected`
            guard !self.closing else { return }
            switch self.idle.check(at: self.context.time.now(), inFlight: self.backpressure.inFlight) {
            case .close:
                self.context.log.debug("idle timeout", ["peer": "\(self.connection.peerAddress)"])
                self.connection.close()
            case .checkAgain(let remaining):
                self.armIdleTimer(after: remaining)
            }
        }
    }

    /// A frame that has started must complete within the frame deadline (slowloris guard).
    private func updateFrameDeadline() {
        guard framing.updateDeadline(at: context.time.now()) else { return }
        frameTimer?.cancel()
        frameTimer = nil
        if framing.deadline != nil {
            frameTimer = connection.loop.scheduleOnLoop(after: framing.frameDeadline) { [self] in  // strong: see `connected`
                guard self.framing.expired(at: self.context.time.now()) else { return }
                self.context.log.info("frame deadline passed, disconnecting", ["peer": "\(self.connection.peerAddress)"])
                self.answer(.invalidFrame(reason: "frame not completed within \(self.context.configuration.frameDeadlineSeconds) s"),
                            to: RequestStart(id: nil, op: nil, startedAt: self.context.time.now()))
                self.closeAfterFlush()
            }
        }
    }
}

/// One request from its complete frame on: which (`id`, `op`; nil when the frame could not be read that far) and when
/// it started, on the context's clock. Its answer is recorded against it (latency, error code).
struct RequestStart: Sendable {
    let id: RequestID?
    let op: Op?
    let startedAt: Instant
    /// A write's answer is never refused for its size (it was committed); see `AnswerBound`.
    var isWrite = false
}
