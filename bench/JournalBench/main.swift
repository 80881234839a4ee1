// Journal speed: group commit through JournalWriter against a plain pwrite + fdatasync of the same bytes, and the
// recovery scan. Usage: swift run -c release till-bench-journal [--seconds S] [--bytes N] [--clients 1,16,64,256]
//                                                             [--dir DIRECTORY]
// The directory must be on the disk under test (not tmpfs): the default is .build/bench-journal.
// Or: till-bench-journal --recover JOURNAL_DIRECTORY --applied-lsn N [--runs R]: times opening a copy of an existing
// journal directory (a daemon's `till.sqlite.journal`, e.g. after a kill -9) as start-up does, with the database's
// applied LSN (its `store_recovered` log line), R times, each on a fresh copy (the files stay in the page cache).
import Dispatch
import Foundation
import Synchronization
import TillIO
import TillJournal

var seconds = 3.0
var recordBytes = 1_024
var clientCounts = [1, 16, 64, 256]
var directory = FileManager.default.currentDirectoryPath + "/.build/bench-journal"
var recoverDirectory: String?
var appliedLSN: UInt64 = 0
var runs = 5
var arguments = CommandLine.arguments.dropFirst().makeIterator()
while let argument = arguments.next() {
    switch argument {
    case "--seconds": seconds = Double(arguments.next() ?? "") ?? seconds
    case "--bytes": recordBytes = Int(arguments.next() ?? "") ?? recordBytes
    case "--clients": clientCounts = (arguments.next() ?? "").split(separator: ",").compactMap { Int($0) }
    case "--dir": directory = arguments.next() ?? directory
    case "--recover": recoverDirectory = arguments.next()
    case "--applied-lsn": appliedLSN = UInt64(arguments.next() ?? "") ?? appliedLSN
    case "--runs": runs = Int(arguments.next() ?? "") ?? runs
    default:
        print("usage: till-bench-journal [--seconds S] [--bytes N] [--clients 1,16,64,256] [--dir DIRECTORY]")
        print("       till-bench-journal --recover JOURNAL_DIRECTORY --applied-lsn N [--runs R]")
        exit(2)
    }
}

func now() -> Double { Date().timeIntervalSince1970 }
func processCPU() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
        + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}

if let source = recoverDirectory {
    let copy = source + ".bench-copy"
    print("| run | open (scan + replay) ms | process CPU ms | records scanned | records replayed | segments |")
    print("|---:|---:|---:|---:|---:|---:|")
    for run in 1...runs {
        try? FileManager.default.removeItem(atPath: copy)
        try FileManager.default.copyItem(atPath: source, toPath: copy)
        sync()  // the copy's writeback done before the clock starts
        let start = now()
        let cpuStart = processCPU()
        let journal = try Journal(directory: try DiskJournalDirectory(path: copy), appliedLSN: LSN(appliedLSN)) { _, _ in }
        let elapsed = now() - start
        let cpu = processCPU() - cpuStart
        journal.finishFileWork()
        print(String(format: "| %d | %.1f | %.1f | %d | %d | %d |", run, elapsed * 1e3, cpu * 1e3, journal.recovery.recordsScanned,
                     journal.recovery.recordsReplayed, journal.recovery.segments))
    }
    try? FileManager.default.removeItem(atPath: copy)
    exit(0)
}
try? FileManager.default.removeItem(atPath: directory)
try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
let footprint = (32 + recordBytes + 7) / 8 * 8

// 1. The floor: one pwrite of one record's bytes and one fdatasync, into a zero-filled file, one at a time.
do {
    let path = directory + "/plain.dat"
    let file = try DataFile(path: path, mode: .createNew(permissions: 0o600))
    let size = 64 << 20
    let zeros = [UInt8](repeating: 0, count: 1 << 20)
    for offset in stride(from: 0, to: size, by: zeros.count) { try file.write(zeros, at: offset) }
    try file.synchronize()
    let record = [UInt8](repeating: 0x5A, count: footprint)
    var offset = 0
    var count = 0
    let cpu0 = processCPU()
    let start = now()
    while now() - start < seconds && offset + footprint <= size {
        try file.write(record, at: offset)
        try file.synchronizeData()
        offset += footprint
        count += 1
    }
    let elapsed = now() - start
    print(String(format: "plain pwrite+fdatasync of %d B, one at a time: %.0f /s, %.1f µs each, CPU %.1f µs each",
                 footprint, Double(count) / elapsed, elapsed / Double(count) * 1e6,
                 (processCPU() - cpu0) / Double(count) * 1e6))
    file.close()
    try DataFile.remove(path)
}

// 2. The journal with N clients, each submitting its next record when the previous one is durable (closed loop).
print("")
print("journal, \(recordBytes)-byte payloads (\(footprint) B in the segment), 64 MiB segments, \(seconds) s each")
print("| clients | records/s | avg group | µs per group commit | process CPU µs/record | KiB written/record | spare waits |")
print("|---:|---:|---:|---:|---:|---:|---:|")
var lastDirectory = ""
for clients in clientCounts {
    let path = directory + "/journal-\(clients)"
    let disk = try DiskJournalDirectory(path: path)
    let journal = try Journal(directory: disk, appliedLSN: .none) { _, _ in }
    let writer = JournalWriter(journal: journal)
    let payload = (0..<recordBytes).map { UInt8(truncatingIfNeeded: $0 &* 13) }
    let stop = Atomic<Bool>(false)
    let outstanding = DispatchGroup()
    @Sendable func loop(_ writer: JournalWriter) {
        if stop.load(ordering: .relaxed) { outstanding.leave(); return }
        // Build the record (and its CRC) on the submitting side, as the ledger will.
        do {
            try writer.submit(JournalRecord(payload: payload)) { result in
                if case .failure(let error) = result { fatalError("\(error)") }
                loop(writer)
            }
        } catch {
            fatalError("\(error)")
        }
    }
    let cpu0 = processCPU()
    let start = now()
    for _ in 0..<clients { outstanding.enter(); loop(writer) }
    Thread.sleep(forTimeInterval: seconds)
    stop.store(true, ordering: .relaxed)
    outstanding.wait()
    let elapsed = now() - start
    let cpu = processCPU() - cpu0
    let stats = writer.stats
    writer.shutdown()
    print(String(format: "| %d | %.0f | %.1f | %.0f | %.1f | %.2f | %d |", clients, Double(stats.records) / elapsed,
                 Double(stats.records) / Double(stats.groups), elapsed / Double(stats.groups) * 1e6,
                 cpu / Double(stats.records) * 1e6, Double(stats.bytes) / Double(stats.records) / 1024,
                 journal.spareWaits))
    lastDirectory = path
}

// 3. Recovery: scan and replay the last run's journal.
do {
    let disk = try DiskJournalDirectory(path: lastDirectory)
    let start = now()
    var bytes = 0
    let journal = try Journal(directory: disk, appliedLSN: .none) { _, payload in bytes += payload.count }
    let elapsed = now() - start
    print("")
    print(String(format: "recovery of %d records (%.0f MiB of payload, %d segments): %.2f s",
                 journal.recovery.recordsReplayed, Double(bytes) / 1048576, journal.recovery.segments, elapsed))
}
try? FileManager.default.removeItem(atPath: directory)
