import Foundation
import Testing
import TillCore
import TillIO
@testable import TillSimulation

@Suite struct BookkeepingTests {
    @Test func outstandingResendsInFirstSendOrderKeepingTheStart() {
        var book = OutstandingRequests()
        for i in 1...5 {
            book.sent(id: Int64(i), .init(planned: PlannedRequest(label: "p\(i)", request: .ping, scenario: .purchase), startNanos: UInt64(i), attempts: 1))
        }
        #expect(book.answered(id: 3)?.planned.label == "p3")
        #expect(book.answered(id: 3) == nil)
        let resend = book.takeAllForResend()
        #expect(resend.map(\.planned.label) == ["p1", "p2", "p4", "p5"] && book.isEmpty)
        book.sent(id: 10, resend[1])
        book.sent(id: 11, resend[0])
        #expect(book.takeAllForResend().map(\.startNanos) == [1, 2])
    }

    @Test func openLoopDueTimesDoNotDrift() {
        var schedule = OpenLoopSchedule(rate: 1_000, startNanos: 1_000)
        #expect(schedule.due(now: 999).isEmpty)
        #expect(schedule.due(now: 1_000) == [1_000])
        let late = schedule.due(now: 1_000 + 10_000_000)
        #expect(late.count == 10 && late.first == 1_001_000 && late.last == 10_001_000)
        #expect(schedule.issued == 11)
    }

    @Test func backoffGrowsAndIsCapped() {
        var backoff = Backoff(floorMilliseconds: 20, ceilingMilliseconds: 1_000)
        var random = SeededRandom(seed: 1)
        let delays = (0..<12).map { _ in backoff.nextDelay(using: &random) }
        #expect(delays[0] >= 20 && delays[0] <= 30)
        #expect(delays.allSatisfy { $0 <= 1_500 } && delays.last! >= 1_000)
        backoff.reset()
        #expect(backoff.nextDelay(using: &random) <= 30)
    }

    @Test func killMomentsAreSeededSpacedAndInsideTheRun() {
        let a = KillSchedule(kills: 3, over: .seconds(20), seed: 9)
        let b = KillSchedule(kills: 3, over: .seconds(20), seed: 9)
        #expect(a.moments == b.moments && a.moments.count == 3)
        #expect(a.moments.allSatisfy { $0 >= .seconds(3) && $0 <= .seconds(17) })
        for (x, y) in zip(a.moments, a.moments.dropFirst()) { #expect(y - x >= .seconds(1)) }
        var s = a
        let early = s.due(elapsed: .zero)
        #expect(!early)
        var fired = 0
        for _ in 0..<5 where s.due(elapsed: .seconds(20)) { fired += 1 }
        #expect(fired == 3)
    }
}

@Suite struct ArgumentTests {
    @Test func optionsFlagsAndErrors() throws {
        let o = try ParsedOptions(["--server", "127.0.0.1:7400", "--rate=500", "--verify", "--tilld-arg", "a", "--tilld-arg", "b"],
                                  valued: ["server", "rate", "tilld-arg"], flags: ["verify"])
        let rate = try o.double("rate")
        #expect(o.value("server") == "127.0.0.1:7400" && rate == 500 && o.flag("verify"))
        #expect(o.all("tilld-arg") == ["a", "b"])
        #expect(throws: ArgumentError.unknownOption("--nope")) { try ParsedOptions(["--nope"], valued: [], flags: []) }
        #expect(throws: ArgumentError.missingValue("--server")) { try ParsedOptions(["--server"], valued: ["server"], flags: []) }
        let bad = try ParsedOptions(["--members", "ten"], valued: ["members"], flags: [])
        #expect(throws: ArgumentError.self) { try bad.int("members") }
        #expect(try ParsedOptions(["--members", "100_000"], valued: ["members"], flags: []).int("members") == 100_000)
    }

    @Test func durationsAndAddresses() throws {
        #expect(ParsedOptions.parseDuration("30s") == .seconds(30))
        #expect(ParsedOptions.parseDuration("2m") == .seconds(120))
        #expect(ParsedOptions.parseDuration("500ms") == .milliseconds(500))
        #expect(ParsedOptions.parseDuration("7") == .seconds(7))
        #expect(ParsedOptions.parseDuration("x") == nil && ParsedOptions.parseDuration("0s") == nil)
        #expect(try HostPort(parsing: "[::1]:7400") == HostPort(host: "::1", port: 7400))
        #expect(throws: ArgumentError.self) { try HostPort(parsing: "localhost") }
    }
}

@Suite struct SeedTests {
    @Test func importChunksHoldEveryMemberAsValidJSONUnderTheLimit() throws {
        let population = Population(count: 1_000)
        let seeder = SeedRows(population: population)
        let chunks = seeder.importChunks(maxBytes: 36_000)
        var seen = 0
        for chunk in chunks {
            #expect(chunk.utf8.count <= 36_000)
            for line in chunk.split(separator: "\n") {
                let row = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
                #expect(row["memberKey"] as? String == population.memberKey(seen))
                #expect((row["cards"] as? [String]) == [population.card(seen)])
                #expect(row["points"] as? Int == Int(Seeder.openingPoints(seen)))
                seen += 1
            }
        }
        #expect(seen == 1_000)
    }

    @Test func terminalIdentitiesAreUnique() {
        let ids = Seeder.terminalIdentities(count: 100, posPerBranch: 16)
        #expect(Set(ids).count == 100 && ids[0] == TerminalIdentity(branchId: "B001", posId: "P01") && ids[16].branchId == "B002")
    }
}

@Suite(.serialized) struct EndToEndTests {
    func run(till: FakeTill, population: Population, terminals: Int, requests: Int, rate: Double? = nil, disconnectPPM: Int = 0,
             pipeline: Int = 1) throws -> (RunOutcome, ExpectedWallets, RunControl) {
        var model = ExpectedWallets()
        for n in 0..<population.count { model.noteBaseline(memberKey: population.memberKey(n), balance: till.balance(population.memberKey(n))) }
        let settings = TerminalSettings(
            address: .loopback(port: till.port), tls: nil, serverName: nil, pipeline: pipeline, rate: rate, verify: true,
            disconnectPerMillion: disconnectPPM, seed: 11, runId: "e2e\(disconnectPPM)\(terminals)", mix: .standard,
            builder: BasketBuilder(population: population, workingSet: population.count))
        let control = RunControl(requests: requests)
        let keys = (0..<terminals).map { TerminalKey(branchId: "B", posId: "\($0)", apiKey: "key-\($0)") }
        let engine = try RunEngine(settings: settings, keys: keys, threads: 2, control: control)
        #expect(engine.connectAll(timeout: .seconds(10)) == terminals)
        let outcome = engine.run(duration: nil, drainTimeout: .seconds(20)) { _ in }
        model.merge(outcome.wallets)
        return (outcome, model, control)
    }

    func actual(_ till: FakeTill, _ population: Population) -> [String: WalletBalance] {
        Dictionary(uniqueKeysWithValues: (0..<population.count).map { (population.memberKey($0), till.balance(population.memberKey($0))) })
    }

    @Test func closedLoopRunMatchesTheModel() throws {
        let population = Population(count: 30)
        let till = try FakeTill(population: population)
        defer { till.shutdown() }
        let (outcome, model, _) = try run(till: till, population: population, terminals: 8, requests: 3_000, pipeline: 2)
        #expect(outcome.violations.isEmpty, "\(outcome.violations.prefix(3))")
        #expect(outcome.unsettled == 0)
        let started = outcome.report.operations.filter { $0.key != "purchase.dup" }.values.reduce(0) { $0 + $1.total }
        #expect(started == 3_000, "duplicates ride along outside the request budget")
        #expect((outcome.report.operations["purchase.dup"]?.ok ?? 0) > 0)
        #expect((outcome.report.operations["purchase"]?.ok ?? 0) > 1_000)
        #expect(model.mismatches(actual: actual(till, population)).isEmpty)
    }

    @Test func lostAnswersAndDroppedConnectionsAreResentUntilSettled() throws {
        let population = Population(count: 30)
        let till = try FakeTill(population: population, loseAnswersPerMille: 20)
        defer { till.shutdown() }
        let (outcome, model, control) = try run(till: till, population: population, terminals: 6, requests: 2_000, disconnectPPM: 20_000)
        #expect(outcome.violations.isEmpty, "\(outcome.violations.prefix(3))")
        #expect(outcome.unsettled == 0)
        #expect(till.lostAnswers > 0 && control.reconnects.load(ordering: .relaxed) > 10 && control.resent.load(ordering: .relaxed) > 0)
        #expect(model.mismatches(actual: actual(till, population)).isEmpty)
    }

    @Test func openLoopIssuesAtTheRate() throws {
        let population = Population(count: 30)
        let till = try FakeTill(population: population)
        defer { till.shutdown() }
        let began = ContinuousClock.now
        let (outcome, _, _) = try run(till: till, population: population, terminals: 10, requests: 400, rate: 1_000)
        let elapsed = ContinuousClock.now - began
        #expect(outcome.violations.isEmpty)
        #expect(elapsed >= .milliseconds(350), "400 requests at 1,000/s take about 0.4 s")
    }
}
