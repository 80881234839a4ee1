import Foundation
import Testing
import TillIO
@testable import TillJournal
import TillJournalTesting

/// The shortcuts that keep start-up's journal scan short (bench/journal.md, "Start-up reads its journal faster"):
/// a zero tail checked a block at a time, and a recycled last segment's earlier life read only as far as a later
/// group of this life could lie.
@Suite struct RecoveryScanTests {
    /// `lastNonZero` finds the same offset as a byte-by-byte search from the end, for non-zero bytes on, next to and
    /// between block boundaries, at the start offset, and none at all (seeded).
    @Test func lastNonZeroAgreesWithAByteByByteSearch() {
        func reference(_ bytes: [UInt8], from offset: Int) -> Int {
            var index = bytes.count
            while index > offset, bytes[index - 1] == 0 { index -= 1 }
            return max(index, offset)
        }
        let block = RecoveryScan.zeroCheckBlock
        var generator = SeededRandom(seed: 12)
        let sizes = [0, 1, block - 1, block, block + 1, 3 * block, 5 * block + 17]
        for size in sizes {
            let positions = [0, 1, block - 1, block, block + 1, 2 * block - 1, size / 2, size - 1]
                .filter { $0 >= 0 && $0 < size }
            for position in [nil] + positions.map(Optional.some) {
                var bytes = [UInt8](repeating: 0, count: size)
                if let position { bytes[position] = UInt8.random(in: 1...255, using: &generator) }
                let offsets = Set([0, 1, block, size / 3, size, position ?? 0, (position ?? 0) + 1].filter { $0 <= size })
                for offset in offsets {
                    #expect(RecoveryScan.lastNonZero(bytes, from: offset) == reference(bytes, from: offset),
                            "size \(size), non-zero at \(position.map(String.init) ?? "none"), from \(offset)")
                }
            }
        }
        for _ in 0..<200 {  // a few scattered non-zero bytes anywhere
            var bytes = [UInt8](repeating: 0, count: Int.random(in: 0...(4 * block), using: &generator))
            for _ in 0..<Int.random(in: 0...3, using: &generator) where !bytes.isEmpty {
                bytes[Int.random(in: 0..<bytes.count, using: &generator)] = 1
            }
            let offset = Int.random(in: 0...bytes.count, using: &generator)
            #expect(RecoveryScan.lastNonZero(bytes, from: offset) == reference(bytes, from: offset))
        }
    }

    /// A recycled last segment: a group damaged after it was synced (so its records were acknowledged), then a later
    /// group torn by the power cut with its first record lost — where the segment's earlier life shows through intact —
    /// and its other records there. The later group's records prove the damaged group had been synced: start-up is
    /// refused, although an intact record of the earlier life lies between them (it is within the two groups' reach,
    /// where the scan does not stop for the earlier life). Stopping at the first intact earlier-life record instead
    /// would cut the acknowledged records as a torn tail.
    @Test func aLaterGroupPastAnEarlierLifeRecordWithinReachIsDamage() throws {
        let configuration = JournalConfiguration(
            segmentBytes: 256 << 10, maxRecordBytes: 1 << 10, maxGroupBytes: 4 << 10, queueCapacity: 64)
        let length = 1_000
        let footprint = RecordLayout.footprint(payloadLength: length)
        // The earlier life: LSNs 1…200, one record per group, filling most of the segment.
        let earlier = TemporaryFolder()
        let earlierDirectory = try DiskJournalDirectory(path: earlier.path)
        do {
            let journal = try reopen(earlierDirectory, configuration: configuration).0
            for tag in 0..<200 { _ = try journal.append([JournalRecord(payload: payload(tag, length: length))]) }
        }
        // This life: LSNs 1000…1008 in three groups of three, from the start of the same positions.
        let folder = TemporaryFolder()
        let directory = try DiskJournalDirectory(path: folder.path)
        do {
            let journal = try reopen(directory, configuration: configuration, applied: LSN(999)).0
            for group in 0..<3 {
                _ = try journal.append((0..<3).map { JournalRecord(payload: payload(1_000 + 3 * group + $0, length: length)) })
            }
        }
        let name = try segments(directory).first!
        let earlierBytes = try contents(earlierDirectory, try segments(earlierDirectory).first!)
        let thisLife = try contents(directory, name)
        let thisLifeEnd = SegmentHeader.size + 9 * footprint + RecordLayout.headerSize  // the records and the end mark
        // The recycled segment: this life written over the earlier one, whose records lie at the same offsets.
        var bytes = earlierBytes
        bytes.replaceSubrange(0..<thisLifeEnd, with: thisLife[0..<thisLifeEnd])
        let damaged = SegmentHeader.size + 3 * footprint  // LSN 1003, the second group's first record
        bytes[damaged + RecordLayout.headerSize + 7] ^= 0x10
        let lost = SegmentHeader.size + 6 * footprint  // LSN 1006, the third group's first record: the earlier life's
        bytes.replaceSubrange(lost..<lost + footprint, with: earlierBytes[lost..<lost + footprint])
        #expect(lost + footprint < damaged + RecoveryScan(directory: directory, configuration: configuration).laterGroupsReach)
        try overwrite(directory, name, with: bytes)

        #expect {
            _ = try reopen(directory, configuration: configuration, applied: LSN(999))
        } throws: { error in
            guard case .damaged(let segment, let offset, let reason) = error as? JournalError else { return false }
            return segment == name && offset == damaged && reason.contains("later group commit")
        }
    }

    private func contents(_ directory: DiskJournalDirectory, _ name: String) throws -> [UInt8] {
        let file = try DataFile(path: "\(directory.path)/\(name)", mode: .readWrite)
        defer { file.close() }
        return try file.read(at: 0, count: try file.size())
    }

    private func overwrite(_ directory: DiskJournalDirectory, _ name: String, with bytes: [UInt8]) throws {
        let file = try DataFile(path: "\(directory.path)/\(name)", mode: .readWrite)
        defer { file.close() }
        try file.write(bytes, at: 0)
    }
}
