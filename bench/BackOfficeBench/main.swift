// Back-office bench: imports N members (default 1,000,000) through the streaming importer, then times member.search
// of each kind through BackOffice.handle. Release build; results in bench/backoffice.md.
//
//   swift run -c release till-bench-backoffice [members] [database-path] [rows-per-write-request] [requests-in-flight]
//   swift run -c release till-bench-backoffice --floor search|rows|all [members] [database-path]   (see Floor.swift)
import Dispatch
import Foundation
import Synchronization
import TillCore
import TillProtocol
import TillStore

let first = ["Anna", "Ben", "Cleo", "David", "Emma", "Felix", "Greta", "Hugo", "Ida", "Jonas", "Klara", "Leon", "Mia", "Noah", "Olga",
             "Paul", "Quinn", "Rosa", "Sami", "Tara", "Uwe", "Vera", "Wim", "Xenia", "Yusuf", "Zoe"]
let last = ["Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz", "Hoffmann", "Koch", "Richter",
            "Klein", "Wolf", "Schröder", "Neumann", "Schwarz", "Braun", "Zimmermann", "Krüger", "Hartmann", "Lange", "Werner", "Krause"]
if CommandLine.arguments.count > 2, CommandLine.arguments[1] == "--floor" {
    guard let part = ImportFloor.Part(rawValue: CommandLine.arguments[2]) else { fatalError("--floor search|rows|all") }
    let args = CommandLine.arguments
    try ImportFloor.run(part: part, count: args.count > 3 ? Int(args[3]) ?? 1_000_000 : 1_000_000,
                        path: args.count > 4 ? args[4] : "/tmp/till-bench-floor-\(getpid()).sqlite") { i in
        (first[i % first.count], last[(i / first.count) % last.count])
    }
    exit(0)
}
let count = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1]) ?? 1_000_000 : 1_000_000
let chunk = CommandLine.arguments.count > 3 ? Int(CommandLine.arguments[3]) ?? MemberImporter.defaultChunkSize : MemberImporter.defaultChunkSize
let inFlight = CommandLine.arguments.count > 4 ? Int(CommandLine.arguments[4]) ?? MemberImporter.defaultInFlight : MemberImporter.defaultInFlight
let path = CommandLine.arguments.count > 2 ? CommandLine.arguments[2]
    : FileManager.default.temporaryDirectory.appendingPathComponent("till-bench-backoffice-\(getpid()).sqlite").path
StoreFiles.remove(databasePath: path)

let store = try Store.open(StoreConfiguration(path: path))
try tuneSearchIndex(store)
let loyalty = LoyaltyStore(store: store)
try loyalty.installDemoCatalogIfEmpty()
let operatorId = try loyalty.provisionOperator(name: "bench", keyDigest: Array("bench".utf8))
let office = BackOffice(store: store, keys: { _ in ("x", [1]) }, catalogChanged: { loyalty.catalogChanged() })

func row(_ i: Int) -> String {
    let f = first[i % first.count], l = last[(i / first.count) % last.count]
    return "{\"memberKey\":\"K\(10_000_000 + i)\",\"firstName\":\"\(f)\",\"lastName\":\"\(l)\",\"phone\":\"+49151\(String(10_000_000 + i))\","
        + "\"email\":\"\(f.lowercased()).m\(i)@example.com\",\"points\":\(i % 500)}"
}

// MARK: Import
let lines = (0..<count).lazy.map(row)
let started = DispatchTime.now()
let lastReport = Mutex(0)
let result = try office.importer(operatorId: operatorId, operatorName: "bench").importFile(lines, format: .ndjson, chunkSize: chunk, inFlight: inFlight) { accepted, _ in
    let step = Int(accepted) / 100_000
    if lastReport.withLock({ old in defer { old = max(old, step) }; return step > old }) {
        FileHandle.standardError.write(Data("  \(accepted) imported\n".utf8))
    }
}
let seconds = Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e9
print("import: \(result.created) members in \(String(format: "%.1f", seconds)) s = \(Int(Double(result.created) / seconds)) members/s, \(result.errors.count) rejected")
let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
print("database: \(size / 1_048_576) MiB (+ WAL)")

// MARK: Search
func search(_ query: String) -> (Double, Int) {
    let t = DispatchTime.now()
    let box = Mutex(0)
    office.handle(.memberSearch(MemberSearch(query: query, limit: 50)), operatorId: operatorId, operatorName: "bench") { r in
        if case .success(.members(let l)) = r { box.withLock { $0 = l.members.count } }
    }
    return (Double(DispatchTime.now().uptimeNanoseconds - t.uptimeNanoseconds) / 1e6, box.withLock { $0 })
}
var rng = SystemRandomNumberGenerator()
let kinds: [(String, () -> String)] = [
    ("exact phone", { "+49151\(10_000_000 + Int(rng.next() % UInt64(count)))" }),
    ("exact email", { let i = Int(rng.next() % UInt64(count)); return "\(first[i % first.count].lowercased()).m\(i)@example.com" }),
    ("exact member key", { "K\(10_000_000 + Int(rng.next() % UInt64(count)))" }),
    ("contains name", { String(first.randomElement()!.dropFirst().prefix(3)) + " " }),
    ("contains name (rare)", { "\(first.randomElement()!) \(last.randomElement()!)" }),
    ("contains email fragment", { "m\(Int(rng.next() % UInt64(count)))@exa" }),
]
print("search (200 queries each, 50-result cap):")
print("| kind | p50 ms | p99 ms | max ms | avg results |")
print("|---|---:|---:|---:|---:|")
for (name, make) in kinds {
    var times: [Double] = [], hits = 0
    for _ in 0..<200 { let (ms, n) = search(make()); times.append(ms); hits += n }
    times.sort()
    print("| \(name) | \(String(format: "%.2f", times[99])) | \(String(format: "%.2f", times[197])) | \(String(format: "%.2f", times[199])) | \(hits / 200) |")
}
store.shutdown()
