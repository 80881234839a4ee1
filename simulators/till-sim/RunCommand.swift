import Foundation
import TillClient
import TillCommandLine
import TillCore
import TillIO
import TillSimulation

/// `till-sim run`: virtual terminals against a daemon, with optional verification and chaos.
struct RunCommand {
    let options: ParsedCommand

    init(_ options: ParsedCommand) { self.options = options }

    func execute() throws -> Int32 {
        let server = try HostPort(parsing: try options.required("server"))
        let file = try TerminalsFile.read(from: try options.required("terminals-file"))
        let members = try options.int("members", default: file.members, range: 1...10_000_000)!
        let workingSet = try options.int("working-set", default: min(members, 2_000), range: 1...10_000_000)!
        let terminalCount = try options.int("terminals", default: file.terminals.count, range: 1...file.terminals.count)!
        let duration = try options.duration("duration")
        let requests = try options.int("requests", range: 1...Int.max)
        if duration == nil && requests == nil { throw CommandLineError.missingOption("--duration or --requests") }
        if duration != nil && requests != nil { throw CommandLineError.conflicting("give --duration or --requests, not both") }
        let rate = try options.double("rate")
        let pipeline = try options.int("pipeline", range: 1...64)!
        let threads = try options.int("threads", range: 1...64)!
        let seed = UInt64(try options.int("seed", range: 0...Int.max)!)
        let mix = try ScenarioMix(parsing: try options.required("mix"))
        let verify = options.has("verify")
        let chaos = options.value("chaos")
        let kills = try options.int("kills", range: 0...1_000)!
        let disconnectPPM = chaos == "disconnect" ? try options.int("disconnect-ppm", range: 1...1_000_000)! : 0
        let runId = options.value("run-id") ?? String(UInt64(Date().timeIntervalSince1970 * 1000) % 100_000_000_000, radix: 36)
        let address = ServerAddress(host: server.host, port: server.port, tlsCA: options.value("tls-ca"))

        // The daemon, when this run owns it.
        var daemon: DaemonProcess?
        if chaos == "kill" || options.value("tilld") != nil {
            guard let tilld = options.value("tilld"), let data = options.value("data") else {
                throw CommandLineError.missingOption("--tilld and --data (the simulator starts and kills the daemon)")
            }
            if chaos == "kill" && duration == nil { throw CommandLineError.missingOption("--duration (kills are spread over it)") }
            let child = DaemonProcess(
                executable: tilld, arguments: ["--data-directory", data, "--listen", server.description] + options.all("tilld-arg"),
                logPath: data + ".tilld.log", probe: address)
            try child.start()
            print("run: tilld started (pid \(child.pid ?? 0)), log \(child.logPath)")
            daemon = child
        }
        defer { daemon?.terminate() }

        let keys = Array(file.terminals.prefix(terminalCount))
        let limit = ProcessResources.raiseOpenFilesLimit(to: terminalCount + 1_024)
        if limit < terminalCount + 64 { print("run: warning: open-files limit \(limit) is below \(terminalCount) terminals") }
        // Up to 1,000 terminals each keeps its TLS record buffers (~34 KB) rather than reallocating them per record;
        // AES-128-GCM is offered first (OpenSSL's default order puts AES-256-GCM first: more AES rounds per record).
        let tls = try address.tlsCA.map { ca throws in try TLSContext.client(trustRootsFile: ca, releaseIdleBuffers: terminalCount > 1_000, preferAES128GCM: true) }
        let population = Population(count: members)
        let builder = BasketBuilder(population: population, workingSet: workingSet)
        let verifier = Verifier(address: address)

        var model = ExpectedWallets()
        if verify {
            let clock = ContinuousClock()
            let began = clock.now
            let balances = try verifier.balances(of: Array(0..<builder.workingSet), population: population, apiKey: keys[0].apiKey)
            for (key, balance) in balances { model.noteBaseline(memberKey: key, balance: balance) }
            print("run: baselines of \(balances.count) members in \(format(clock.now - began))")
        }

        let settings = TerminalSettings(
            address: try SocketAddress(host: server.host, port: server.port), tls: tls, serverName: tls == nil ? nil : server.host,
            pipeline: pipeline, rate: rate, verify: verify, disconnectPerMillion: disconnectPPM, seed: seed, runId: runId, mix: mix,
            builder: builder)
        let control = RunControl(requests: requests)
        let engine = try RunEngine(settings: settings, keys: keys, threads: threads, control: control)
        let wave = try options.int("connect-wave", range: 1...100_000)!
        let connectClock = ContinuousClock()
        let connectBegan = connectClock.now
        let connectTimeout = try options.duration("connect-timeout")!
        let ready = engine.connectAll(wave: wave, timeout: connectTimeout)
        print("run: \(ready)/\(keys.count) terminals connected in \(format(connectClock.now - connectBegan)); mix \(mix); " +
              (rate.map { "open loop \(Int($0))/s" } ?? "closed loop, pipeline \(pipeline)"))
        if ready < keys.count {
            // A run with missing terminals measures nothing it claims to: stop here, non-zero, with the reason.
            engine.abandon()
            let reason = control.lastConnectFailure ?? "no answer within \(format(connectTimeout))"
            FileHandle.standardError.write(Data("till-sim run: failed: \(keys.count - ready) of \(keys.count) terminals could not connect and say hello to \(server): \(reason)\n".utf8))
            return 1
        }

        let givenPid = try options.int("daemon-pid", range: 1...Int(Int32.max)).map { Int32($0) }
        let daemonPid: Int32? = daemon?.pid ?? givenPid
        let cpuBefore = daemonPid.flatMap { ProcessCPU.seconds(pid: $0) }
        let ownCPUBefore = ProcessCPU.seconds(pid: getpid())
        var schedule = KillSchedule(kills: chaos == "kill" ? kills : 0, over: duration ?? .seconds(1), seed: seed)
        var killed = 0
        var slowestRecovery = Duration.zero
        let progress = ProgressLine(control: control, enabled: isatty(1) != 0)
        var timeline: [ThroughputSample] = []
        let outcome = engine.run(duration: duration) { elapsed in
            if elapsed.seconds >= Double(timeline.count + 1) {
                timeline.append(ThroughputSample(seconds: elapsed.seconds, completed: control.completed.load(ordering: .relaxed),
                                                 purchases: control.purchases.load(ordering: .relaxed)))
            }
            if let daemon, schedule.due(elapsed: elapsed) {
                // Recovery time: from the SIGKILL to the restarted daemon accepting a connection (journal verified and
                // replayed, store checkpointed), polled every 20 ms.
                let killedAt = ContinuousClock.now
                daemon.kill()
                killed += 1
                do { try daemon.start() } catch { print("\nrun: restart failed: \(error)") }
                let recovery = ContinuousClock.now - killedAt
                slowestRecovery = max(slowestRecovery, recovery)
                progress.note("killed and restarted tilld (\(killed)/\(kills)) at \(String(format: "%.1f", elapsed.seconds)) s: "
                              + "accepting again after \(recovery.milliseconds) ms")
            }
            progress.update(elapsed: elapsed)
        }
        progress.finish()

        var report = outcome.report
        if let before = ownCPUBefore, let after = ProcessCPU.seconds(pid: getpid()) { report.simulatorCPUSeconds = after - before }
        report.label = options.value("label") ?? report.label
        if killed == 0, let daemonPid, let before = cpuBefore, let after = ProcessCPU.seconds(pid: daemonPid) {
            report.daemonCPUSeconds = after - before
        }
        report.settings = [
            "terminals": String(keys.count), "pipeline": String(pipeline), "threads": String(threads), "seed": String(seed),
            "mix": mix.description, "workingSet": String(builder.workingSet), "members": String(members), "runId": runId,
            "tls": tls == nil ? "false" : "true", "chaos": chaos ?? "none", "kills": String(killed),
            "reconnects": String(control.reconnects.load(ordering: .relaxed)), "resent": String(control.resent.load(ordering: .relaxed)),
        ]
        if killed > 0 { report.settings["slowestRecoveryMs"] = String(slowestRecovery.milliseconds) }
        if let rate { report.settings["rate"] = String(Int(rate)) }

        timeline.append(ThroughputSample(seconds: outcome.report.seconds, completed: control.completed.load(ordering: .relaxed),
                                         purchases: control.purchases.load(ordering: .relaxed)))
        var problems = outcome.violations
        if outcome.unsettled > 0 { problems.append("\(outcome.unsettled) requests still unanswered after the drain") }
        let acknowledged = outcome.report.operations.filter { !$0.key.hasSuffix("@sent") }.values.reduce(UInt64(0)) { $0 + $1.ok }
        if acknowledged == 0 { problems.insert("nothing was acknowledged: not one request was answered ok", at: 0) }
        if verify {
            model.merge(outcome.wallets)
            problems += try RunVerification(verifier: verifier, population: population, keys: keys).check(model, workingSet: builder.workingSet)
            report.verified = problems.isEmpty
            report.verification = Array(problems.prefix(50))
            if problems.count > 50 { report.verification.append("… and \(problems.count - 50) more") }
        }
        print(report.table())
        print("scenarios: " + outcome.scenarios.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))
        if !verify && !problems.isEmpty {
            print("violations: \(problems.count)")
            for p in problems.prefix(20) { print("  " + p) }
        }
        if chaos != nil { print("chaos: \(chaos!) kills=\(killed) reconnects=\(report.settings["reconnects"]!) resent=\(report.settings["resent"]!)") }
        if let path = options.value("report-json") {
            var json = report.json()
            json["scenarios"] = outcome.scenarios
            json["violations"] = Array(problems.prefix(50))
            let data = try JSONSerialization.data(withJSONObject: json, options: [.prettyPrinted, .sortedKeys])
            try data.write(to: URL(fileURLWithPath: path))
        }
        if let path = options.value("report-html") {
            try Data(HTMLReport(report: report, timeline: timeline).render().utf8).write(to: URL(fileURLWithPath: path))
            print("run: HTML report in \(path)")
        }
        if !problems.isEmpty {
            FileHandle.standardError.write(Data("till-sim run: failed: \(problems.count) problem(s), first: \(problems[0])\n".utf8))
        }
        return problems.isEmpty ? 0 : 1
    }
}

/// The end-of-run checks of `--verify`: balances against the model, every acknowledged purchase via `status`.
struct RunVerification {
    let verifier: Verifier
    let population: Population
    let keys: [TerminalKey]

    func check(_ model: ExpectedWallets, workingSet: Int) throws -> [String] {
        let clock = ContinuousClock()
        let began = clock.now
        let balances = try verifier.balances(of: Array(0..<workingSet), population: population, apiKey: keys[0].apiKey)
        var problems = model.mismatches(actual: balances)
        var byTerminal: [String: [ExpectedWallets.Acknowledged]] = [:]
        for ack in model.acknowledgedReceipts.values {
            byTerminal["\(ack.terminal.branchId)/\(ack.terminal.posId)", default: []].append(ack)
        }
        var checked = 0
        for key in keys {
            let acks = byTerminal["\(key.branchId)/\(key.posId)"] ?? []
            problems += try verifier.checkTransactions(acks, key: key)
            checked += acks.count
        }
        print("verify: \(balances.count) balances and \(checked) acknowledged purchases checked in \(format(clock.now - began)): " +
              (problems.isEmpty ? "OK" : "\(problems.count) differences"))
        return problems
    }
}

/// The live progress line (once a second, only on a terminal).
final class ProgressLine {
    let control: RunControl
    let enabled: Bool
    var lastSecond = -1
    var lastPurchases = 0

    init(control: RunControl, enabled: Bool) {
        self.control = control
        self.enabled = enabled
    }

    func update(elapsed: Duration) {
        let second = Int(elapsed.seconds)
        guard enabled, second != lastSecond else { return }
        lastSecond = second
        let purchases = control.purchases.load(ordering: .relaxed)
        let line = String(format: "\r[%4ds] %7d purchases/s  done %9d  refused %6d  violations %d  in flight %6d  ready %6d  reconnects %d   ",
                          second, purchases - lastPurchases, control.completed.load(ordering: .relaxed),
                          control.refusals.load(ordering: .relaxed), control.violations.load(ordering: .relaxed),
                          control.outstanding.load(ordering: .relaxed), control.ready.load(ordering: .relaxed),
                          control.reconnects.load(ordering: .relaxed))
        lastPurchases = purchases
        print(line, terminator: "")
        fflush(nil)
    }

    func note(_ text: String) {
        print((enabled ? "\n" : "") + "run: " + text)
    }

    func finish() { if enabled && lastSecond >= 0 { print() } }
}
