import Foundation
import TillCommandLine
import TillProtocol

/// `till-sim`'s command line: one table for parsing, `--help`, completion and suggestions.
public enum SimulatorCommandLine {
    static let server = Parameter.option("server", "tilld's address", valueName: "HOST:PORT", required: true)
    static let tlsCA = Parameter.option("tls-ca", "CA certificate (PEM) to verify tilld with: connects over TLS", valueName: "FILE")

    public static let program = ProgramSpec(
        name: "till-sim", summary: "till-sim: the POS simulator (seed a daemon, drive virtual terminals against it)",
        version: TillRelease.versionLine(program: "till-sim"),
        commands: [
            CommandSpec(path: ["seed"], summary: "terminal keys and the member population on a fresh daemon", parameters: [
                server,
                .option("operator-key", "an operator key (prefer the environment: it stays out of ps)", valueName: "KEY", environment: "TILL_OPERATOR_KEY"),
                tlsCA,
                .option("members", "members to import", valueName: "N", default: "100000"),
                .option("terminals", "terminal keys to provision (or --branches)", valueName: "N", default: "64"),
                .option("branches", "branches of --pos-per-branch terminals each (instead of --terminals)", valueName: "B"),
                .option("pos-per-branch", "POS per branch", valueName: "N", default: "16"),
                .option("gifts", "members given gifts (default: min(members, 2000))", valueName: "N"),
                .option("terminals-file", "where the terminal keys are written (0600)", valueName: "FILE", default: "terminals.json"),
                .option("label", "label of the provisioned keys", valueName: "TEXT", default: "till-sim"),
            ], examples: [
                "till-sim seed --server 127.0.0.1:7400 --members 100000 --terminals 64",
                "till-sim seed --server 127.0.0.1:7400 --branches 4 --pos-per-branch 16 --tls-ca ca.pem --terminals-file t.json",
            ]),
            CommandSpec(path: ["run"], summary: "virtual terminals against a daemon, with optional verification and chaos", parameters: [
                server,
                .option("terminals-file", "the keys written by seed", valueName: "FILE", required: true),
                tlsCA,
                .option("members", "member population (default: the terminals file's)", valueName: "N"),
                .option("working-set", "members the baskets pick from (default: min(members, 2000))", valueName: "N"),
                .option("terminals", "terminals to drive (default: all in the file)", valueName: "N"),
                .option("duration", "how long (30s, 2m, 500ms); or --requests", valueName: "DURATION"),
                .option("requests", "how many requests; or --duration", valueName: "N"),
                .option("rate", "open loop: requests per second over all terminals (default: closed loop)", valueName: "R"),
                .option("pipeline", "closed loop: requests in flight per terminal", valueName: "N", default: "1"),
                .option("threads", "simulator threads (one loop each)", valueName: "N", default: "1"),
                .option("seed", "random seed", valueName: "N", default: "1"),
                .option("mix", "scenario mix: standard, purchases, identify, writes or name=weight,…", valueName: "MIX", default: "standard"),
                .option("report-json", "write the report as JSON", valueName: "FILE"),
                .option("report-html", "write a self-contained HTML page (latency percentile curves, throughput)", valueName: "FILE"),
                .option("daemon-pid", "measure this daemon's CPU time", valueName: "PID"),
                .flag("verify", "check every balance and acknowledged purchase against the model afterwards"),
                .option("chaos", "kill and restart tilld, or drop connections", choices: ["kill", "disconnect"]),
                .option("kills", "with --chaos kill: how many", valueName: "N", default: "3"),
                .option("disconnect-ppm", "with --chaos disconnect: drops per million requests", valueName: "N", default: "2000"),
                .option("tilld", "start this tilld (needed by --chaos kill)", valueName: "PATH"),
                .option("data", "the started tilld's data directory", valueName: "DIR"),
                .option("tilld-arg", "an argument for the started tilld", valueName: "ARG", repeatable: true),
                .option("run-id", "prefix of transaction ids (default: from the clock)", valueName: "ID"),
                .option("label", "label in the report", valueName: "TEXT"),
                .option("connect-wave", "connections opened at once", valueName: "N", default: "256"),
                .option("connect-timeout", "give up when the terminals are not connected within this", valueName: "DURATION", default: "60s"),
            ], discussion: """
                Exits 1 with the reason when a terminal cannot connect or say hello, when nothing was acknowledged, or on
                any violation.
                """, examples: [
                    "till-sim run --server 127.0.0.1:7400 --terminals-file terminals.json --duration 30s",
                    "till-sim run --server 127.0.0.1:7400 --terminals-file terminals.json --mix identify --rate 200 --threads 1 --duration 60s --report-html r.html",
                    "till-sim run --server 127.0.0.1:7400 --terminals-file t.json --duration 60s --verify --chaos kill --tilld .build/release/tilld --data /tmp/d --tilld-arg=--demo --tilld-arg=false",
                ]),
            CommandSpec(path: ["certs"], summary: "a test CA and a server certificate for 127.0.0.1 / localhost",
                        parameters: [.option("dir", "where to write them", valueName: "DIR", required: true)],
                        examples: ["till-sim certs --dir /tmp/till-certs"]),
        ],
        footer: """
            seed: the operator key comes from --operator-key, else TILL_OPERATOR_KEY (keeps it out of ps); terminals.json is
            written 0600. Exit codes: 0 ok, 1 failed run, 2 usage.
            """)
}

/// `HOST:PORT` (IPv6 as `[::1]:7400`).
public struct HostPort: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    public init(parsing text: String) throws(CommandLineError) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (1...65535).contains(port) else {
            throw .invalidValue(option: "--server", value: text, expected: "HOST:PORT")
        }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { throw .invalidValue(option: "--server", value: text, expected: "HOST:PORT") }
        self.host = host
        self.port = port
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
