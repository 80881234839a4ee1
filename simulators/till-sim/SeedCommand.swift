import Foundation
import TillClient
import TillCommandLine
import TillCore
import TillIO
import TillSimulation

/// `till-sim seed`: terminal keys and the member population on a fresh daemon.
struct SeedCommand {
    let options: ParsedCommand

    init(_ options: ParsedCommand) { self.options = options }

    func execute() throws -> Int32 {
        let server = try HostPort(parsing: try options.required("server"))
        guard let operatorKey = options.value("operator-key").flatMap({ $0.isEmpty ? nil : $0 }) else {
            throw CommandLineError.missingOption("--operator-key (or TILL_OPERATOR_KEY)")
        }
        let members = try options.int("members", range: 1...10_000_000)!
        let posPerBranch = try options.int("pos-per-branch", range: 1...99)!
        if options.explicitValue("branches") != nil && options.explicitValue("terminals") != nil {
            throw CommandLineError.conflicting("give --branches (× --pos-per-branch) or --terminals, not both")
        }
        let terminals = try options.int("branches", range: 1...10_000).map { $0 * posPerBranch }
            ?? options.int("terminals", range: 1...100_000)!
        let gifts = try options.int("gifts", default: min(members, 2_000), range: 0...10_000_000)!
        let file = try options.required("terminals-file")
        let address = ServerAddress(host: server.host, port: server.port, tlsCA: options.value("tls-ca"))
        let client = try TillClient(address, apiKey: operatorKey, client: "till-sim-seed", timeout: .seconds(30))
        defer { client.close() }
        let population = Population(count: members)
        let seeder = Seeder(client: client, population: population)
        let clock = ContinuousClock()

        var began = clock.now
        let identities = Seeder.terminalIdentities(count: terminals, posPerBranch: posPerBranch)
        let keys = try seeder.provision(identities, label: try options.required("label"))
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
    let options: ParsedCommand
    init(_ options: ParsedCommand) { self.options = options }

    func execute() throws -> Int32 {
        let dir = try options.required("dir")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let certs = try TestCertificates.generate(in: dir)
        print("ca=\(certs.caCertificate)\ncertificate=\(certs.server.certificate)\nkey=\(certs.server.privateKey)")
        return 0
    }
}
