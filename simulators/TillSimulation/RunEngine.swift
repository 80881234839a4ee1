import Foundation
import Synchronization
import TillCore
import TillIO

/// A terminal key from `seed`: the branch and POS it is bound to and its secret.
public struct TerminalKey: Sendable, Hashable, Codable {
    public var branchId: String
    public var posId: String
    public var apiKey: String
    public init(branchId: String, posId: String, apiKey: String) {
        self.branchId = branchId
        self.posId = posId
        self.apiKey = apiKey
    }
}

/// What a run produced: the merged report and model, and what went wrong.
public struct RunOutcome: Sendable {
    public var report: RunReport
    public var wallets: ExpectedWallets
    public var violations: [String]
    public var scenarios: [String: UInt64]
    /// Requests still unanswered when the drain timed out (writes among them are in doubt).
    public var unsettled: Int
}

/// Runs virtual terminals on a few reactor loops: connects them all (in waves), starts the clock, lets them work
/// for a duration or a request budget, then drains — no new requests, every outstanding write resent until
/// acknowledged — and merges what each loop recorded.
///
/// Guarantees: the measured window starts once every terminal said hello (or the connect timeout passed) and ends
/// when the drain completes; `tick` runs on the calling thread about every 100 ms (chaos hooks, progress).
public final class RunEngine {
    public let settings: TerminalSettings
    public let control: RunControl
    let group: EventLoopGroup
    let ledgers: [LoopLedger]
    let terminals: [VirtualTerminal]

    /// `clock`: the loops' time source (tests inject `ManualClock`); open-loop runs ask the kernel for 1 µs timer
    /// slack so requests leave at their due times.
    public init(settings: TerminalSettings, keys: [TerminalKey], threads: Int, control: RunControl,
                clock: any TimeSource = SystemTime()) throws(IOError) {
        self.settings = settings
        self.control = control
        group = try EventLoopGroup(loopCount: max(1, threads), clock: clock, timerSlack: settings.rate == nil ? nil : .microseconds(1))
        ledgers = group.loops.map { _ in LoopLedger() }
        var terminals: [VirtualTerminal] = []
        for (i, key) in keys.enumerated() {
            let l = i % group.loops.count
            let terminal = VirtualTerminal(index: i, apiKey: key.apiKey, settings: settings, control: control, ledger: ledgers[l], loop: group.loops[l])
            ledgers[l].terminals.append(terminal)
            terminals.append(terminal)
        }
        self.terminals = terminals
    }

    /// Connects every terminal, `wave` at a time; returns how many said hello before `timeout`. Gives up early when
    /// not one terminal got through and every one has failed three times over (no server there, keys refused):
    /// `control.lastConnectFailure` says why.
    public func connectAll(wave: Int = 256, timeout: Duration = .seconds(60)) -> Int {
        let deadline = ContinuousClock.now + timeout
        var started = 0
        func hopeless() -> Bool {
            control.ready.load(ordering: .relaxed) == 0 && control.connectFailures.load(ordering: .relaxed) >= 3 * max(started, 1)
        }
        while started < terminals.count && ContinuousClock.now < deadline && !(started > 0 && hopeless()) {
            let end = min(terminals.count, started + wave)
            for t in terminals[started..<end] { t.start() }
            started = end
            while control.ready.load(ordering: .relaxed) < started - wave / 2 && ContinuousClock.now < deadline && !hopeless() {
                Thread.sleep(forTimeInterval: 0.005)
            }
        }
        while control.ready.load(ordering: .relaxed) < terminals.count && ContinuousClock.now < deadline && !hopeless() {
            Thread.sleep(forTimeInterval: 0.01)
        }
        return control.ready.load(ordering: .relaxed)
    }

    /// Gives up before the measured phase (terminals missing): stops every terminal and the loops.
    public func abandon() {
        for t in terminals { t.stop() }
        group.shutdown()
    }

    /// Runs the measured phase and the drain. `duration` nil: until the request budget is spent.
    public func run(duration: Duration?, drainTimeout: Duration = .seconds(60), tick: (Duration) -> Void) -> RunOutcome {
        let clock = ContinuousClock()
        let began = clock.now
        control.start()
        let startNanos = group.loops[0].clock.now().nanoseconds
        for (i, loop) in group.loops.enumerated() {
            let ledger = ledgers[i]
            if let rate = settings.rate {
                let schedule = OpenLoopSchedule.share(of: rate, loop: i, of: group.loops.count, startNanos: startNanos)
                loop.execute {
                    let pacer = OpenLoopPacer(schedule: schedule, loop: loop) { [unowned ledger] due in ledger.distribute(due: due) }
                    ledger.pacer = pacer
                    pacer.start()
                }
            } else {
                loop.execute { for t in ledger.terminals { t.pump(); t.flush() } }
            }
        }
        var lastTick = clock.now
        while true {
            Thread.sleep(forTimeInterval: 0.02)
            let elapsed = clock.now - began
            if clock.now - lastTick >= .milliseconds(100) {
                tick(elapsed)
                lastTick = clock.now
            }
            if let duration, elapsed >= duration { break }
            if duration == nil && control.budgetExhausted && control.outstanding.load(ordering: .relaxed) <= 0 { break }
        }
        control.drain()
        let drainBegan = clock.now
        while control.outstanding.load(ordering: .relaxed) > 0 && clock.now - drainBegan < drainTimeout {
            Thread.sleep(forTimeInterval: 0.01)
            if clock.now - lastTick >= .milliseconds(100) {
                tick(clock.now - began)
                lastTick = clock.now
            }
        }
        let seconds = (clock.now - began).seconds
        let unsettled = control.outstanding.load(ordering: .relaxed)
        for t in terminals { t.stop() }
        group.shutdown()
        var report = RunReport(label: settings.rate.map { "open loop \(Int($0))/s" } ?? "closed loop")
        report.seconds = seconds
        var wallets = ExpectedWallets()
        var violations: [String] = []
        var scenarios: [String: UInt64] = [:]
        for ledger in ledgers {
            report.merge(ledger.report)
            wallets.merge(ledger.wallets)
            violations.append(contentsOf: ledger.violations)
            for (k, v) in ledger.scenarios { scenarios[k.rawValue, default: 0] += v }
        }
        return RunOutcome(report: report, wallets: wallets, violations: violations, scenarios: scenarios, unsettled: unsettled)
    }
}

extension Duration {
    /// Seconds as a Double (for rates and reports).
    public var seconds: Double {
        let (s, atto) = components
        return Double(s) + Double(atto) / 1e18
    }

    /// Whole milliseconds (for reports).
    public var milliseconds: Int64 {
        let (s, atto) = components
        return s * 1_000 + atto / 1_000_000_000_000_000
    }
}
