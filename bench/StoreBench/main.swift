// Durable write throughput of TillStore (one journal fdatasync per batch; SQLite WAL, synchronous=NORMAL, commits after the answers).
// Usage: swift run -c release till-bench-store [--seconds S] [--batches 1,16,64,256] [--dir DIRECTORY] [--only floor|purchase|maxima|replay]
//                                      [--page-size BYTES] [--requests-per-commit N] [--checkpoint-pages N] [--busy-checkpoint-pages N]
// The directory must be on the disk under test (not tmpfs): the default is .build/bench-store.
import Foundation
import TillCore
import TillStore
import TillProtocol

var seconds = 3.0
var batchLimits = [1, 16, 64, 256]
var only = ""
var pageSize = 4_096
var requestsPerCommit: Int? = nil
var checkpointPages: Int32? = nil
var busyCheckpointPages: Int32? = nil
var directory = FileManager.default.currentDirectoryPath + "/.build/bench-store"
var arguments = CommandLine.arguments.dropFirst().makeIterator()
while let argument = arguments.next() {
    switch argument {
    case "--seconds": seconds = Double(arguments.next() ?? "") ?? seconds
    case "--batches": batchLimits = (arguments.next() ?? "").split(separator: ",").compactMap { Int($0) }
    case "--dir": directory = arguments.next() ?? directory
    case "--only": only = arguments.next() ?? ""
    case "--page-size": pageSize = Int(arguments.next() ?? "") ?? pageSize
    case "--requests-per-commit": requestsPerCommit = Int(arguments.next() ?? "")
    case "--checkpoint-pages": checkpointPages = Int32(arguments.next() ?? "")
    case "--busy-checkpoint-pages": busyCheckpointPages = Int32(arguments.next() ?? "")
    default:
        print("usage: till-bench-store [--seconds S] [--batches 1,16,64,256] [--dir DIRECTORY] [--only floor|purchase|maxima|replay] [--page-size BYTES] [--requests-per-commit N] [--checkpoint-pages N] [--busy-checkpoint-pages N]")
        exit(2)
    }
}
try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)

@MainActor func table<W: Workload>(_ workload: W) throws {
    print("")
    let perCommit = requestsPerCommit.map(String.init) ?? "\(WriterConfiguration().maxRequestsPerCommit) (default)"
    let checkpoint = (checkpointPages.map(String.init) ?? "\(WriterConfiguration().checkpointWalPages) (default)")
        + " idle / " + (busyCheckpointPages.map(String.init) ?? "\(WriterConfiguration().busyCheckpointWalPages) (default)") + " busy"
    print("workload: \(workload.name); \(seconds) s per batch size; page size \(pageSize); at most \(perCommit) requests per COMMIT; checkpoint past \(checkpoint) WAL pages; files in \(directory)")
    print("| batch limit | avg batch | ops | ops/s | writer CPU µs/op | process CPU µs/op | WAL KiB/op (not fsynced) | journal KiB/op (fsynced) | journal sync µs/batch | batches/COMMIT | COMMIT µs/batch | checkpoints / mean ms / max ms |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for limit in batchLimits {
        let result = try run(workload, batchLimit: limit, seconds: seconds, directory: directory, pageSize: pageSize,
                             requestsPerCommit: requestsPerCommit, checkpointPages: checkpointPages, busyCheckpointPages: busyCheckpointPages)
        print(String(format: "| %d | %.1f | %d | %.0f | %.1f | %.1f | %.1f | %.2f | %.0f | %.1f | %.0f | %d / %.1f / %.1f |", result.batchLimit, result.averageBatch,
                     result.operations, result.opsPerSecond, result.writerCPUMicrosPerOp, result.processCPUMicrosPerOp,
                     result.walPagesPerOp * Double(pageSize) / 1_024, result.journalBytesPerOp / 1_024,
                     result.syncMicrosPerBatch, result.batchesPerCommit, result.commitMicrosPerBatch, result.checkpoints,
                     result.checkpointMillisMean, result.checkpointMillisMax))
    }
}
if only == "" || only == "floor" { try table(WalletCreditWorkload()) }
if only == "" || only == "purchase" { try table(PurchaseWorkload()) }
if only == "maxima" { try table(MaximaWorkload()) }
if only == "replay" {
    // One record per request (batch 1) and one per 16, as `--batches` says (default 1,16).
    for limit in batchLimits { try replay(PurchaseWorkload(), purchases: Int(seconds * 2_000), batchLimit: limit, directory: directory) }
}
if only == "quote" {
    var w = PurchaseWorkload()
    let path = directory + "/bench-quote.db"
    StoreFiles.remove(databasePath: path)
    let store = try Store.open(StoreConfiguration(path: path))
    let loyalty = LoyaltyStore(store: store)
    try loyalty.installDemoCatalogIfEmpty()
    try loyalty.registerMembers((0..<1000).map { NewMember(memberKey: "K\($0)") })
    _ = w
    let program = try loyalty.program()
    let req = PurchaseRequest(transactionId: "X", openedAt: Timestamp(millisecondsSinceEpoch: 1), members: [MemberIdentifier(kind: .memberKey, value: "K1")], items: w.items, currency: "EUR")
    let m = [MemberMatch(account: MemberAccount(id: 1, memberKey: "K1", points: 100))]
    var t = threadCPUNanoseconds()
    var e: PurchaseEvaluation? = nil
    for _ in 0..<10_000 { e = try LoyaltyRules.purchase(req, terminal: w.terminal, matches: m, catalog: program.catalog, settings: program.settings, now: Timestamp(millisecondsSinceEpoch: 2)) }
    print("rules µs", Double(threadCPUNanoseconds() - t) / 10_000 / 1000)
    t = threadCPUNanoseconds()
    var n = 0
    for _ in 0..<10_000 { n += e!.record.text.utf8.count }
    print("record.text µs", Double(threadCPUNanoseconds() - t) / 10_000 / 1000)
    t = threadCPUNanoseconds()
    for _ in 0..<10_000 { n += StoredJSON.encode(e!.receipt).count }
    print("receipt json µs", Double(threadCPUNanoseconds() - t) / 10_000 / 1000)
    t = threadCPUNanoseconds()
    for i in 0..<2_000 { _ = try loyalty.quote(PurchaseRequest(transactionId: "X", openedAt: Timestamp(millisecondsSinceEpoch: 1), members: [MemberIdentifier(kind: .memberKey, value: "K\(i % 1000)")], items: w.items, currency: "EUR"), terminal: w.terminal) }
    print("quote µs", Double(threadCPUNanoseconds() - t) / 2_000 / 1000)
    store.shutdown()
    w = PurchaseWorkload()
}
