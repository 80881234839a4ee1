import Dispatch
import Foundation
import Synchronization
import TillJournal
import TillJournalTesting

/// A fresh temporary folder, removed when the value is released.
final class TemporaryFolder: Sendable {
    let path: String
    init() {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("till-journal-\(UUID().uuidString)").path
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// Small segments so that tests rotate often.
let smallSegments = JournalConfiguration(
    segmentBytes: 16 << 10, maxRecordBytes: 2 << 10, maxGroupBytes: 8 << 10, queueCapacity: 4096)

/// A payload that says which LSN and writer it was meant for, of a seeded length.
func payload(_ tag: Int, length: Int) -> [UInt8] {
    var bytes = Array("record \(tag) ".utf8)
    while bytes.count < length { bytes.append(UInt8(truncatingIfNeeded: tag &* 31 &+ bytes.count)) }
    return Array(bytes.prefix(max(length, 1)))
}

/// The segment files in `directory`, in sequence order.
func segments(_ directory: any JournalDirectory) throws -> [String] {
    try directory.names().filter { $0.hasSuffix(".tjl") }.sorted()
}

/// Opens the journal in `directory` and returns it with every record it replayed.
func reopen(
    _ directory: any JournalDirectory, configuration: JournalConfiguration = smallSegments, applied: LSN = .none
) throws -> (Journal, [(LSN, [UInt8])]) {
    var replayed: [(LSN, [UInt8])] = []
    let journal = try Journal(directory: directory, configuration: configuration, appliedLSN: applied) {
        replayed.append(($0, $1))
    }
    return (journal, replayed)
}

/// Collects the durable callbacks of submitted records.
final class Acknowledgements: Sendable {
    private let results = Mutex<[Int: Result<LSN, JournalError>]>([:])
    private let group = DispatchGroup()

    /// Submits `record` as number `index`; a refusal at submit is recorded as its result.
    func submit(_ record: JournalRecord, as index: Int, to writer: JournalWriter) {
        group.enter()
        do {
            try writer.submit(record) { result in
                self.results.withLock { $0[index] = result }
                self.group.leave()
            }
        } catch {
            results.withLock { $0[index] = .failure(error) }
            group.leave()
        }
    }

    func wait() -> [Int: Result<LSN, JournalError>] {
        group.wait()
        return results.withLock { $0 }
    }
}
