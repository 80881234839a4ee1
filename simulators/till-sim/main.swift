import Foundation
import TillCommandLine
import TillProtocol
import TillSimulation

/// till-sim: the POS simulator. `seed` prepares a daemon, `run` drives virtual terminals against it, `certs` writes
/// a test CA and server certificate for TLS benchmarks. The commands and their options: `SimulatorCommandLine.program`.
let program = SimulatorCommandLine.program
let parsed = program.parseOrExit()
do {
    switch parsed.path {
    case ["seed"]: exit(try SeedCommand(parsed).execute())
    case ["run"]: exit(try RunCommand(parsed).execute())
    case ["certs"]: exit(try CertsCommand(parsed).execute())
    default: preconditionFailure("till-sim: \(parsed.path) is in the table but not handled")
    }
} catch let error as CommandLineError {
    FileHandle.standardError.write(Data("\(program.refusal(error, arguments: [])) (see till-sim \(parsed.path.joined(separator: " ")) --help)\n".utf8))
    exit(error.exitCode)
} catch {
    FileHandle.standardError.write(Data("till-sim \(parsed.path.joined(separator: " ")): \(error)\n".utf8))
    exit(1)
}
