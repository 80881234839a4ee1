import Synchronization
import TillCore
import TillIO
import TillProtocol

/// One simulated POS till: a reactor connection that says `hello` with its terminal key and then sends the
/// workload's requests, `pipeline` at a time (closed loop) or as open-loop slots are assigned to it.
///
/// Guarantees: every callback runs on its loop's thread; a write (purchase, void, return) that was sent and not
/// finally answered is resent with the same body after a reconnect or an `overloaded` / `shutting_down` answer,
/// until it is acknowledged or refused, so the run ends with no write in doubt; latency counts from the request's
/// intended start, including reconnects and resends.
///
/// The state touched on every request is marked `@exclusivity(unchecked)` (no run-time access tracking, ~75
/// instructions an access): it is used on the loop's thread only, and each of its accesses is a value-type operation
/// that calls out to no handler (planning, judging, bookkeeping, encoding into `outbox`, the decoder swapped out
/// while frames are handled), so no access can overlap another.
public final class VirtualTerminal: ConnectionHandler, @unchecked Sendable {
    public let index: Int
    let apiKey: String
    let settings: TerminalSettings
    let control: RunControl
    let ledger: LoopLedger
    public let loop: EventLoop
    /// Answers are judged from their receipts: the model (`--verify`) or the workload's kept purchases use them. When
    /// not, an acknowledged purchase is checked in full by `ClientCodec.acknowledgedPurchase` and its receipt not built.
    let needsReceipts: Bool
    @exclusivity(unchecked) var workload: TerminalWorkload
    var random: SeededRandom
    var identity: TerminalIdentity?
    @exclusivity(unchecked) var connection: Connection?
    @exclusivity(unchecked) var decoder = FrameDecoder(maxFrameSize: 4 * 1024 * 1024)
    let codec = ClientCodec()
    @exclusivity(unchecked) var ready = false
    @exclusivity(unchecked) var nextWireId: Int64 = 1
    var helloId: Int64 = 0
    @exclusivity(unchecked) var outstanding = OutstandingRequests()
    /// Requests waiting to be (re)sent: resends after a reconnect first, then open-loop slots.
    @exclusivity(unchecked) var resendQueue: [OutstandingRequests.Entry] = []
    @exclusivity(unchecked) var slots: [UInt64] = []
    var backoff = Backoff()
    var stopped = false
    /// The latest hello was refused (already noted as a connect failure with its code).
    var helloRefused = false
    @exclusivity(unchecked) var outbox: [UInt8] = []
    /// Waiting in the ledger's queue to send after this wake-up's answers are read.
    @exclusivity(unchecked) var pumpQueued = false

    public init(index: Int, apiKey: String, settings: TerminalSettings, control: RunControl, ledger: LoopLedger, loop: EventLoop) {
        self.index = index
        self.apiKey = apiKey
        self.settings = settings
        self.control = control
        self.ledger = ledger
        self.loop = loop
        self.workload = TerminalWorkload(terminalIndex: index, runId: settings.runId, mix: settings.mix, builder: settings.builder, seed: settings.seed)
        self.needsReceipts = settings.verify || settings.mix.revisitsPurchases  // as the workload's `keepsPosted`
        self.random = SeededRandom(seed: settings.seed &+ UInt64(index) &* 7919)
    }

    /// Opens the connection (from any thread).
    public func start() {
        loop.execute { self.connect() }
    }

    /// Stops reconnecting and closes (loop thread or any thread).
    public func stop() {
        loop.execute {
            self.stopped = true
            self.connection?.close()
        }
    }

    func connect() {
        guard !stopped else { return }
        do {
            connection = try loop.connect(to: settings.address, tls: settings.tls, serverName: settings.serverName) { _ in self }
        } catch {
            control.noteConnectFailure("cannot connect to \(settings.address): \(error)")
            scheduleReconnect()
        }
    }

    // MARK: ConnectionHandler

    public func connected(_ connection: Connection) {
        self.connection = connection
        decoder = FrameDecoder(maxFrameSize: 4 * 1024 * 1024)
        helloId = nextWireId
        nextWireId += 1
        var bytes: [UInt8] = []
        codec.encodeRequest(RequestEnvelope(id: .int(helloId), request: .hello(Hello(apiKey: apiKey, client: "till-sim"))), into: &bytes)
        connection.write(bytes)
    }

    public func received(_ bytes: ArraySlice<UInt8>, on connection: Connection) {
        var frames = FrameDecoder()
        swap(&frames, &decoder)  // the handlers below may reconnect; the decoder is not borrowed while they run
        defer { swap(&frames, &decoder) }
        do {
            try frames.frames(in: bytes) { frame in handle(frame) }
        } catch {
            ledger.note(violation: "terminal \(index): unreadable frame from the server: \(error.message)")
            control.violations.add(1, ordering: .relaxed)
            connection.close()
            return
        }
        flush()
    }

    /// One response frame's payload (a slice of the read buffer, valid during the call).
    func handle(_ frame: ArraySlice<UInt8>) {
        if !needsReceipts, case .int(let id)? = codec.acknowledgedPurchase(frame), id != helloId {
            answered(id: id, .acknowledgedPurchase)
            return
        }
        let envelope: ResponseEnvelope
        do {
            envelope = try codec.decodeResponse(frame)
        } catch {
            ledger.note(violation: "terminal \(index): undecodable response: \(error.message)")
            control.violations.add(1, ordering: .relaxed)
            return
        }
        guard case .int(let id)? = envelope.id else {
            if case .failure(let error) = envelope.outcome, error == .shuttingDown { return }
            ledger.note(violation: "terminal \(index): response without a usable id")
            return
        }
        if id == helloId { helloAnswered(envelope.outcome) } else { answered(id: id, .decoded(envelope.outcome)) }
    }

    public func closed(_ connection: Connection, reason: CloseReason) {
        if ready {
            control.ready.subtract(1, ordering: .relaxed)
        } else if !helloRefused {
            control.noteConnectFailure(Self.describe(reason, address: settings.address))
        }
        helloRefused = false
        ready = false
        self.connection = nil
        let lost = outstanding.takeAllForResend()
        resendQueue.insert(contentsOf: lost, at: 0)
        guard !stopped else { return }
        if !(control.isDraining && outstanding.isEmpty && resendQueue.isEmpty) {
            control.reconnects.add(1, ordering: .relaxed)
            scheduleReconnect()
        }
    }

    // MARK: Answers

    func helloAnswered(_ outcome: Result<Response, TillError>) {
        guard case .success(.hello(let result)) = outcome, let terminal = result.terminal else {
            ledger.note(violation: "terminal \(index): hello refused: \(outcome)")
            control.violations.add(1, ordering: .relaxed)
            if case .failure(let error) = outcome { control.noteConnectFailure("hello refused: \(error.code): \(error.message)") } else { control.noteConnectFailure("hello refused") }
            helloRefused = true
            connection?.close()
            return
        }
        identity = terminal
        ready = true
        control.ready.add(1, ordering: .relaxed)
        backoff.reset()
        pump()
    }

    /// An answer as the terminal judges it.
    enum Answer {
        /// Decoded in full by `ClientCodec.decodeResponse`.
        case decoded(Result<Response, TillError>)
        /// A successful purchase answer, its receipt read and checked by `ClientCodec.acknowledgedPurchase` and not
        /// built (only when `needsReceipts` is false).
        case acknowledgedPurchase
    }

    func answered(id: Int64, _ answer: Answer) {
        guard var entry = outstanding.answered(id: id) else { return }
        let now = loop.clock.now().nanoseconds
        let micros = now > entry.startNanos ? (now - entry.startNanos) / 1_000 : 0
        switch answer {
        case .decoded(.failure(.overloaded(let retryAfter))):
            ledger.report.record(op: entry.planned.label, microseconds: micros, errorCode: "overloaded")
            entry.attempts += 1
            loop.scheduleOnLoop(after: .milliseconds(max(1, retryAfter))) { [self] in
                resendQueue.append(entry)
                pump()
                flush()
            }
            return
        case .decoded(.failure(.shuttingDown)):
            resendQueue.append(entry)
            return
        default:
            break
        }
        control.outstanding.subtract(1, ordering: .relaxed)
        control.completed.add(1, ordering: .relaxed)
        let assessment: Assessment
        switch answer {
        case .decoded(let outcome): assessment = workload.completed(entry.planned, outcome: outcome, nowMilliseconds: SimClock.wallMilliseconds())
        case .acknowledgedPurchase: assessment = workload.acknowledgedPurchase(entry.planned)
        }
        var code: String?
        switch assessment {
        case .ok: break
        case .expectedRefusal(let c):
            code = c
            control.refusals.add(1, ordering: .relaxed)
        case .violation(let text):
            code = Self.code(of: answer) ?? "violation"
            ledger.note(violation: "terminal \(index): \(text)")
            control.violations.add(1, ordering: .relaxed)
        }
        ledger.report.record(op: entry.planned.label, microseconds: micros, errorCode: code)
        if settings.rate != nil {
            let served = now > entry.firstSentNanos ? (now - entry.firstSentNanos) / 1_000 : 0
            ledger.report.record(op: entry.planned.label + "@sent", microseconds: served, errorCode: code)
        }
        if entry.planned.label == "purchase", code == nil { control.purchases.add(1, ordering: .relaxed) }
        if settings.verify, case .decoded(let outcome) = answer { feedModel(outcome) }
        workload.recycle(entry.planned)
        ledger.pumpAfterThisWakeUp(self)
    }

    func feedModel(_ outcome: Result<Response, TillError>) {
        switch outcome {
        case .success(.purchase(let receipt)): ledger.wallets.acknowledge(receipt)
        case .success(.void(let reversal)), .success(.return(let reversal)):
            if let identity { ledger.wallets.acknowledge(reversal, terminal: identity) }
        default: break
        }
    }

    static func code(of answer: Answer) -> String? {
        if case .decoded(.failure(let error)) = answer { return error.code }
        return nil
    }

    // MARK: Sending

    /// An open-loop slot due at `start` (monotonic ns) for this terminal.
    func assign(slotStartingAt start: UInt64) {
        guard !control.isDraining else { return }
        slots.append(start)
        pump()
        flush()
    }

    /// Sends what may go now: resends first, then new requests up to the pipeline depth.
    func pump() {
        guard control.hasStarted else { return }
        while ready, let connection, !resendQueue.isEmpty, outstanding.count < max(settings.pipeline, 1) {
            send(resendQueue.removeFirst(), on: connection, now: loop.clock.now().nanoseconds)
            control.resent.add(1, ordering: .relaxed)
        }
        while ready, let connection, resendQueue.isEmpty, outstanding.count < settings.pipeline {
            let start: UInt64, now: UInt64
            if settings.rate != nil {
                guard !slots.isEmpty else { break }
                start = slots.removeFirst()
                if !control.mayStart() { slots.removeAll(); break }
                now = loop.clock.now().nanoseconds
            } else {
                guard control.mayStart() else { break }
                now = loop.clock.now().nanoseconds
                start = now  // a closed loop starts a request when it sends it: one reading of the clock for both
            }
            let planned = workload.next(nowMilliseconds: SimClock.wallMilliseconds())
            ledger.scenarioCounts[planned.scenario.ordinal] += 1
            control.outstanding.add(1, ordering: .relaxed)
            let duplicate = planned.sendTwice ? planned.duplicate : nil
            send(OutstandingRequests.Entry(planned: consume planned, startNanos: start, attempts: 0), on: connection, now: now)
            if let duplicate, ready, let connection = self.connection {
                control.outstanding.add(1, ordering: .relaxed)
                send(OutstandingRequests.Entry(planned: duplicate, startNanos: start, attempts: 0), on: connection, now: now)
            }
        }
    }

    /// Encodes `entry`'s request into the outbox and files the entry as outstanding (moved, not copied: an entry
    /// holds the whole request); `now` is the loop clock's reading taken just before.
    func send(_ entry: consuming OutstandingRequests.Entry, on connection: Connection, now: UInt64) {
        entry.attempts += 1
        if entry.firstSentNanos == 0 { entry.firstSentNanos = now }
        let id = nextWireId
        nextWireId += 1
        entry.planned.encode(id: id, with: codec, into: &outbox)
        outstanding.sent(id: id, consume entry)
        if settings.disconnectPerMillion > 0 && random.int(0...999_999) < settings.disconnectPerMillion {
            flush()
            connection.close()  // the request may or may not have reached the server: exactly the case to test
        }
    }

    /// Writes what `pump` encoded, in one syscall.
    func flush() {
        guard !outbox.isEmpty else { return }
        connection?.write(outbox)
        outbox.removeAll(keepingCapacity: true)
    }

    static func describe(_ reason: CloseReason, address: SocketAddress) -> String {
        switch reason {
        case .error(let error): "connection to \(address) failed: \(error)"
        case .handshakeFailed(let error): "TLS handshake with \(address) failed: \(error)"
        case .handshakeTimeout: "TLS handshake with \(address) timed out"
        case .peerClosed: "\(address) closed the connection before hello was answered"
        case .local, .loopShutdown: "closed before hello was answered"
        }
    }

    func scheduleReconnect() {
        let delay = backoff.nextDelay(using: &random)
        loop.scheduleOnLoop(after: .milliseconds(delay)) { [self] in connect() }
    }

    /// Nothing in flight and nothing waiting to be resent (loop thread).
    var isSettled: Bool { outstanding.isEmpty && resendQueue.isEmpty }
}
