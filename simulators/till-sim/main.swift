import Foundation
import TillProtocol
import TillSimulation

/// till-sim: the POS simulator. `seed` prepares a daemon, `run` drives virtual terminals against it, `certs` writes
/// a test CA and server certificate for TLS benchmarks.
let usage = """
usage:
  till-sim seed --server HOST:PORT [--operator-key KEY] [--tls-ca FILE] [--members 100000]
                [--terminals 64 | --branches B] [--pos-per-branch 16] [--gifts 2000] [--terminals-file terminals.json]
  till-sim run  --server HOST:PORT --terminals-file FILE [--tls-ca FILE] [--members N] [--working-set 2000]
                [--terminals N] [--duration 30s | --requests N] [--rate R] [--pipeline 1] [--threads 2]
                [--seed 1] [--mix standard|purchases|identify|writes|name=w,...] [--report-json FILE] [--report-html FILE]
                [--daemon-pid PID] [--verify] [--chaos kill|disconnect] [--kills 3] [--disconnect-ppm 2000]
                [--tilld PATH --data DIR [--tilld-arg ARG]...] [--run-id ID] [--label TEXT] [--connect-timeout 60s]
  till-sim certs --dir DIR
  till-sim --version

seed: the operator key comes from --operator-key, else TILL_OPERATOR_KEY (keeps it out of ps); terminals.json is
written 0600. run: exits 1 with the reason when a terminal cannot connect or say hello, when nothing was
acknowledged, or on any violation; --report-html writes a self-contained page (latency percentile curves per op,
throughput over time).
"""

let arguments = Array(CommandLine.arguments.dropFirst())
guard let command = arguments.first else {
    print(usage)
    exit(2)
}
let rest = Array(arguments.dropFirst())
if ["seed", "run", "certs"].contains(command) && (rest.contains("--help") || rest.contains("-h")) {
    print(usage)
    exit(0)
}
do {
    switch command {
    case "seed": exit(try SeedCommand(rest).execute())
    case "run": exit(try RunCommand(rest).execute())
    case "certs": exit(try CertsCommand(rest).execute())
    case "help", "--help", "-h":
        print(usage)
    case "--version":
        print(TillRelease.versionLine(program: "till-sim"))
    default:
        FileHandle.standardError.write(Data("unknown command \(command)\n\(usage)\n".utf8))
        exit(2)
    }
} catch {
    FileHandle.standardError.write(Data("till-sim \(command): \(error)\n".utf8))
    exit(error is ArgumentError ? 2 : 1)
}
