import Foundation
import TillClient
import TillCore
import TillIO
import TillSimulation

/// `till-sim seed`: terminal keys and the member population on a fresh daemon.
struct SeedCommand {
    let options: ParsedOptions

    init(_ arguments: [String]) throws(ArgumentError) {
        options = try ParsedOptions(
            arguments,
            valued: ["server", "tls-ca", "operator-key", "members", "terminals", "branches", "pos-per-branch", "gifts", "terminals-file", "label"],
            flags: [])
    }

    func execute() throws -> Int32 {
        let server = try HostPort(parsing: try options.required("server"))
        guard let operatorKey = options.value("operator-key") ?? ProcessInfo.processInfo.environment["TILL_OPERATOR_KEY"].flatMap({ $0.isEmpty ? nil : $0 }) else {
            throw ArgumentError.missingOption("--operator-key (or TILL_OPERATOR_KEY)")
        }
        let members = try options.int("members", default: 100_000, range: 1...10_000_000)!
        let posPerBranch = try options.int("pos-per-branch", default: 16, range: 1...99)!
        if options.value("branches") != nil && options.value("terminals") != nil {
            throw ArgumentError.conflicting("give --branches (× --pos-per-branch) or --terminals, not both")
        }
        let terminals = try options.int("branches", range: 1...10_000).map { $0 * posPerBranch }
            ?? options.int("terminals", default: 64, range: 1...100_000)!
        let gifts = try options.int("gifts", default: min(members, 2_000), range: 0...10_000_000)!
        let file = options.value("terminals-file") ?? "terminals.json"
        let address = ServerAddress(host: server.host, port: server.port, tlsCA: options.value("tls-ca"))
        let client = try TillClient(address, apiKey: operatorKey, client: "till-sim-seed", timeout: .seconds(30))
        defer { client.close() }
        let population = Population(count: members)
        let seeder = Seeder(client: client, population: population)
        let clock = ContinuousClock()

        var began = clock.now
        let identities = Seeder.terminalIdentities(count: terminals, posPerBranch: posPerBranch)
        let keys = try seeder.provision(identities, label: options.value("label") ?? "till-sim")
        try TerminalsFile(server: server.description, members: members, terminals: keys).write(to: file)
        print("seed: \(keys.count) terminals provisioned in \(format(clock.now - began)), keys in \(file)")

        began = clock.now
        let interactive = isatty(1) != 0
        let imported = try seeder.importMembers { done, total in
            if interactive { print("\rseed: member.import \(done)/\(total) chunks", terminator: ""); fflush(nil) }
        }
        if interactive { print() }
        let seconds = (clock.now - began).seconds
        print("seed: \(imported) members imported in \(format(clock.now - began)) (\(Int(Double(imported) / max(seconds, 0.001))) members/s)")

        if gifts > 0 {
            began = clock.now
            let refused = try seeder.sendGifts(to: gifts, templates: ["WELCOME_5", "TEN_PERCENT", "FREE_ESPRESSO"])
            print("seed: gifts sent to \(gifts) members in \(format(clock.now - began))" + (refused > 0 ? ", \(refused) refused" : ""))
        }
        return 0
    }
}

func format(_ d: Duration) -> String { String(format: "%.2f s", d.seconds) }

/// `till-sim certs`: a CA and a server certificate for 127.0.0.1 / localhost.
struct CertsCommand {
    let options: ParsedOptions
    init(_ arguments: [String]) throws(ArgumentError) { options = try ParsedOptions(arguments, valued: ["dir"], flags: []) }

    func execute() throws -> Int32 {
        let dir = try options.required("dir")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let certs = try TestCertificates.generate(in: dir)
        print("ca=\(certs.caCertificate)\ncertificate=\(certs.server.certificate)\nkey=\(certs.server.privateKey)")
        return 0
    }
}
