// Durable write throughput of TillStore (WAL, synchronous=FULL, one fsync per batch).
// Usage: swift run -c release till-bench-store [--seconds S] [--batches 1,16,64,256] [--dir DIRECTORY] [--only floor|purchase]
// The directory must be on the disk under test (not tmpfs): the default is .build/bench-store.
import Foundation

var seconds = 3.0
var batchLimits = [1, 16, 64, 256]
var only = ""
var directory = FileManager.default.currentDirectoryPath + "/.build/bench-store"
var arguments = CommandLine.arguments.dropFirst().makeIterator()
while let argument = arguments.next() {
    switch argument {
    case "--seconds": seconds = Double(arguments.next() ?? "") ?? seconds
    case "--batches": batchLimits = (arguments.next() ?? "").split(separator: ",").compactMap { Int($0) }
    case "--dir": directory = arguments.next() ?? directory
    case "--only": only = arguments.next() ?? ""
    default:
        print("usage: till-bench-store [--seconds S] [--batches 1,16,64,256] [--dir DIRECTORY] [--only floor|purchase]")
        exit(2)
    }
}
try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)

@MainActor func table<W: Workload>(_ workload: W) throws {
    print("")
    print("workload: \(workload.name); \(seconds) s per batch size; files in \(directory)")
    print("| batch limit | avg batch | ops | ops/s | writer CPU µs/op | process CPU µs/op |")
    print("|---:|---:|---:|---:|---:|---:|")
    for limit in batchLimits {
        let result = try run(workload, batchLimit: limit, seconds: seconds, directory: directory)
        print(String(format: "| %d | %.1f | %d | %.0f | %.1f | %.1f |", result.batchLimit, result.averageBatch,
                     result.operations, result.opsPerSecond, result.writerCPUMicrosPerOp, result.processCPUMicrosPerOp))
    }
}
if only != "purchase" { try table(WalletCreditWorkload()) }
if only != "floor" { try table(PurchaseWorkload()) }
