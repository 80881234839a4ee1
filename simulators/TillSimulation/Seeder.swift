import Foundation
import TillIO
import TillClient
import TillCore
import TillProtocol

/// The terminals file `seed` writes and `run` reads.
public struct TerminalsFile: Codable, Sendable {
    public var server: String
    public var members: Int
    public var terminals: [TerminalKey]

    public init(server: String, members: Int, terminals: [TerminalKey]) {
        self.server = server
        self.members = members
        self.terminals = terminals
    }

    public func write(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try PrivateFile.write(Array(try encoder.encode(self)), to: path)  // 0600: it holds terminal keys
    }

    public static func read(from path: String) throws -> TerminalsFile {
        try JSONDecoder().decode(TerminalsFile.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
    }
}

/// Why seeding stopped.
public enum SeedError: Error, CustomStringConvertible {
    case client(ClientError)
    case refused(op: String, TillError)
    case importRows(chunk: Int, [ImportRowError])

    public var description: String {
        switch self {
        case .client(let error): "seed: \(error)"
        case .refused(let op, let error): "seed: \(op) refused: \(error.code): \(error.message)"
        case .importRows(let chunk, let errors):
            "seed: member.import chunk \(chunk) rejected \(errors.count) rows, first: row \(errors.first?.row ?? 0) \(errors.first?.field ?? "") \(errors.first?.reason ?? "")"
        }
    }
}

/// Sets a fresh daemon up for simulation: terminal keys for `branches × posPerBranch` tills and the member
/// population (through `member.import`), plus gifts for the first members so the gift scenario has something to
/// redeem.
///
/// Guarantees: members get every identifier kind `Population` derives and deterministic opening balances
/// (`openingPoints`, `openingCredit`); import chunks stay under the session's announced frame limit once escaped.
public struct Seeder {
    public let client: TillClient
    public let population: Population

    public init(client: TillClient, population: Population) {
        self.client = client
        self.population = population
    }

    public static func openingPoints(_ n: Int) -> Points { SeedRows.openingPoints(n) }

    /// Terminal identities: branches `B001…`, POS `P01…`.
    public static func terminalIdentities(count: Int, posPerBranch: Int) -> [TerminalIdentity] {
        (0..<count).map { i in
            TerminalIdentity(branchId: "B" + Population.padded(i / posPerBranch + 1, 3), posId: "P" + Population.padded(i % posPerBranch + 1, 2))
        }
    }

    /// Provisions a key per identity.
    public func provision(_ identities: [TerminalIdentity], label: String) throws(SeedError) -> [TerminalKey] {
        var keys = [TerminalKey?](repeating: nil, count: identities.count)
        try pipelined(identities.map { .operator(.terminalProvision(TerminalProvision(terminal: $0, label: label))) }, window: 32) { (i, outcome) throws(SeedError) in
            guard case .success(.operator(.credential(let credential))) = outcome else { throw Self.failure("terminal.provision", outcome) }
            keys[i] = TerminalKey(branchId: identities[i].branchId, posId: identities[i].posId, apiKey: credential.apiKey)
        }
        return keys.compactMap { $0 }
    }

    /// Imports the whole population; returns how many were created.
    public func importMembers(progress: (Int, Int) -> Void = { _, _ in }) throws(SeedError) -> Int {
        // Chunks as big as the session's announced frame allows (the rows' quotes escaped add about an eighth): big
        // chunks make big write requests.
        let frame = Int(client.session?.maxFrameSize ?? 65_536)
        let maxBytes = min(MemberImport.maxRowsBytes, (frame - 1_024) * 3 / 4)
        let chunks = SeedRows(population: population).importChunks(maxBytes: maxBytes)
        var created = 0
        var done = 0
        try pipelined(chunks.map { .operator(.memberImport(MemberImport(rows: $0))) }, window: MemberImport.chunksInFlight(chunkBytes: maxBytes)) { (i, outcome) throws(SeedError) in
            guard case .success(.operator(.imported(let result))) = outcome else { throw Self.failure("member.import", outcome) }
            guard result.errors.isEmpty else { throw .importRows(chunk: i, result.errors) }
            created += Int(result.created + result.updated)
            done += 1
            progress(done, chunks.count)
        }
        return created
    }

    /// Sends each gift template once to members `0 ..< count`; returns how many were refused.
    public func sendGifts(to count: Int, templates: [String]) throws(SeedError) -> Int {
        var requests: [Request] = []
        for n in 0..<min(count, population.count) {
            for template in templates {
                requests.append(.operator(.benefitAction(BenefitAction(memberKey: population.memberKey(n), action: .send, templateId: template, count: 1))))
            }
        }
        var refused = 0
        try pipelined(requests, window: 32) { (_, outcome) throws(SeedError) in
            if case .failure = outcome { refused += 1 }
        }
        return refused
    }

    static func failure(_ op: String, _ outcome: Result<Response, TillError>) -> SeedError {
        if case .failure(let error) = outcome { return .refused(op: op, error) }
        return .refused(op: op, .invalidRequest(field: "result", reason: "unexpected answer \(outcome)"))
    }

    func pipelined(_ requests: [Request], window: Int, handle: (Int, Result<Response, TillError>) throws(SeedError) -> Void) throws(SeedError) {
        var failure: SeedError?
        do throws(ClientError) {
            try client.pipeline(requests, window: window, timeout: .seconds(120)) { index, outcome in
                do throws(SeedError) { try handle(index, outcome); return true } catch { failure = error; return false }
            }
        } catch {
            throw .client(error)
        }
        if let failure { throw failure }
    }
}

/// The member rows `seed` imports: every identifier kind `Population` derives, deterministic opening balances.
///
/// Guarantees: one JSON object per line (NDJSON); chunks never exceed `maxBytes` and hold whole rows.
public struct SeedRows: Sendable {
    public let population: Population
    public init(population: Population) { self.population = population }

    public static func openingPoints(_ n: Int) -> Points { 2_000 + Points(n * 37 % 3_000) }
    public static func openingCredit(_ n: Int) -> MinorUnits { 5_000 + MinorUnits(n * 53 % 5_000) }

    /// One NDJSON row for member `n`.
    public func importRow(_ n: Int) -> String {
        let p = population
        return #"{"memberKey":"\#(p.memberKey(n))","firstName":"\#(p.firstName(n))","phone":"\#(p.phone(n))","email":"\#(p.email(n))","customId":"\#(p.customId(n))","cards":["\#(p.card(n))"],"points":\#(Self.openingPoints(n)),"credit":\#(Self.openingCredit(n))}"#
    }

    /// Rows grouped in chunks of at most `maxBytes` (before JSON escaping).
    public func importChunks(maxBytes: Int = 36_000) -> [String] {
        var chunks: [String] = []
        var current = ""
        for n in 0..<population.count {
            let row = importRow(n)
            if !current.isEmpty && current.utf8.count + row.utf8.count + 1 > maxBytes {
                chunks.append(current)
                current = ""
            }
            current += row + "\n"
        }
        if !current.isEmpty { chunks.append(current) }
        return chunks
    }

}
