import Foundation
import Glibc
import Testing
import TillIO
@testable import TillJournal
import TillJournalTesting

@Suite struct RecordFormatTests {
    @Test func crc32cMatchesTheStandardCheckValue() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        let bytes = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        let whole = CRC32C.checksum(bytes)
        #expect(CRC32C.checksum(bytes, 300..<1000, seed: CRC32C.checksum(bytes, 0..<300)) == whole)
        var flipped = bytes
        flipped[500] ^= 1
        #expect(CRC32C.checksum(flipped) != whole)
    }

    /// The check values of RFC 3720 (B.4) and "123456789", through the software tables, the `crc32` instruction and
    /// the dispatching `checksum`.
    @Test func crc32cKnownVectorsInSoftwareAndHardware() {
        let vectors: [([UInt8], UInt32)] = [
            (Array("123456789".utf8), 0xE306_9283),
            ([UInt8](repeating: 0, count: 32), 0x8A91_36AA),
            ([UInt8](repeating: 0xFF, count: 32), 0x62A8_AB43),
            ((0..<32).map { UInt8($0) }, 0x46DD_794E),
            ((0..<32).map { UInt8(31 - $0) }, 0x113F_DB5C),
            ([], 0),
        ]
        for (bytes, expected) in vectors {
            #expect(CRC32C.software(bytes, 0..<bytes.count, seed: 0) == expected, "\(bytes.count) bytes")
            #expect(CRC32C.checksum(bytes) == expected, "\(bytes.count) bytes")
            if CRC32C.hardwareAvailable {
                #expect(CRC32C.hardware(bytes, 0..<bytes.count, seed: 0) == expected, "\(bytes.count) bytes")
            }
        }
    }

    /// The `crc32` instruction (eight bytes at a time, then the rest one by one) gives the software tables' checksum
    /// at every length 0–64 from every offset 0–8, with and without a seed, and on a whole 38 KiB record.
    @Test(.enabled(if: CRC32C.hardwareAvailable, "the CPU has no SSE 4.2"))
    func crc32cHardwareAgreesWithSoftwareAtEveryLengthAndOffset() {
        let bytes = (0..<200).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ 17) }
        for offset in 0...8 {
            for length in 0...64 {
                let range = offset..<offset + length
                for seed: UInt32 in [0, 0xDEAD_BEEF] {
                    #expect(CRC32C.hardware(bytes, range, seed: seed) == CRC32C.software(bytes, range, seed: seed),
                            "offset \(offset), length \(length), seed \(seed)")
                }
            }
        }
        let record = (0..<38_000).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ $0 >> 8) }
        #expect(CRC32C.hardware(record, 0..<record.count, seed: 0) == CRC32C.software(record, 0..<record.count, seed: 0))
        #expect(CRC32C.hardware(record, 5..<37_999, seed: 1) == CRC32C.software(record, 5..<37_999, seed: 1))
    }

    @Test func recordHeaderRoundTripsAndRejectsAnyFlippedBit() {
        var buffer: [UInt8] = []
        let record = JournalRecord(payload: payload(7, length: 13))
        RecordLayout.append(payload: record.payload, checksum: record.checksum, lsn: LSN(42), groupFirst: LSN(40),
                            to: &buffer)
        #expect(buffer.count == 48)  // 32-byte header, 13 bytes, padding to 8
        #expect(RecordLayout.readHeader(buffer, at: 0)
            == .header(.init(payloadLength: 13, lsn: LSN(42), groupFirst: LSN(40), payloadChecksum: record.checksum)))
        for bit in 0..<(RecordLayout.headerSize * 8) {
            var damaged = buffer
            damaged[bit / 8] ^= UInt8(1 << (bit % 8))
            #expect(RecordLayout.readHeader(damaged, at: 0) == .invalid, "bit \(bit)")
        }
    }
}

@Suite struct RecoveryTests {
    @Test func appendedGroupsReplayInOrderAfterReopenAcrossSegments() throws {
        let folder = TemporaryFolder()
        let directory = try DiskJournalDirectory(path: folder.path)
        var written: [[UInt8]] = []
        do {
            let (journal, replayed) = try reopen(directory)
            #expect(replayed.isEmpty && journal.nextLSN == LSN(1))
            for group in 0..<40 {
                let records = (0..<(group % 7 + 1)).map { index in
                    payload(written.count + index, length: 50 + (group * 37 + index * 101) % 1500)
                }
                let lsns = try journal.append(records.map { JournalRecord(payload: $0) })
                #expect(lsns.lowerBound == LSN(UInt64(written.count + 1)))
                written += records
            }
            #expect(journal.segmentCount > 3)
        }
        let (journal, replayed) = try reopen(directory)
        #expect(replayed.map(\.0) == (1...written.count).map { LSN(UInt64($0)) })
        #expect(replayed.map(\.1) == written)
        #expect(journal.nextLSN == LSN(UInt64(written.count + 1)))
        #expect(journal.recovery.tornBytes == 0)

        // Records the store already applied are verified but not replayed.
        let (_, later) = try reopen(directory, applied: LSN(100))
        #expect(later.map(\.0).first == LSN(101) && later.count == written.count - 100)
    }

    @Test func releasedSegmentsAreDeletedAndTheRestStillReplays() throws {
        let folder = TemporaryFolder()
        let directory = try DiskJournalDirectory(path: folder.path)
        let journal = try reopen(directory).0
        for index in 0..<200 { _ = try journal.append([JournalRecord(payload: payload(index, length: 700))]) }
        let before = journal.segmentCount
        let removed = try journal.release(through: LSN(120))
        #expect(removed > 0 && journal.segmentCount == before - removed)
        journal.finishFileWork()
        let (_, replayed) = try reopen(directory, applied: LSN(120))
        #expect(replayed.map(\.0) == (121...200).map { LSN(UInt64($0)) })
        // The store claims less than the journal still holds: the released records are missing.
        #expect(throws: JournalError.self) { try reopen(directory, applied: LSN(10)) }
    }

    /// A group torn by a crash (its first record damaged, later ones intact) was never acknowledged: recovery ends
    /// the log before it and zeroes it, so that records appended after recovery are not followed by the torn
    /// group's survivors on the next start (the "append at the scanned end" pitfall).
    @Test func tornTailIsCutAndAppendAfterRecoveryIsNotFollowedByItsSurvivors() throws {
        let folder = TemporaryFolder()
        let directory = try DiskJournalDirectory(path: folder.path)
        let segment: String
        let tornOffset: Int
        do {
            let journal = try reopen(directory).0
            _ = try journal.append((0..<3).map { JournalRecord(payload: payload($0, length: 100)) })
            _ = try journal.append((3..<6).map { JournalRecord(payload: payload($0, length: 100)) })
            segment = try segments(directory).first!
            tornOffset = SegmentHeader.size + 3 * RecordLayout.footprint(payloadLength: 100)
        }
        try flipByte(in: directory, segment, at: tornOffset + RecordLayout.headerSize + 5)  // record 4's payload
        do {
            let (journal, replayed) = try reopen(directory)
            #expect(replayed.map(\.0) == [LSN(1), LSN(2), LSN(3)])
            // Up to the last non-zero byte of the torn group (its last record's padding was zero already).
            let group = 3 * RecordLayout.footprint(payloadLength: 100)
            #expect((group - RecordLayout.alignment...group).contains(journal.recovery.tornBytes))
            _ = try journal.append([JournalRecord(payload: payload(99, length: 10))])
        }
        let (_, replayed) = try reopen(directory)
        #expect(replayed.map(\.0) == [LSN(1), LSN(2), LSN(3), LSN(4)])
        #expect(replayed.last?.1 == payload(99, length: 10))
    }

    /// A bad record followed by a later group's records had been synced: that is damage, and start-up names it.
    @Test func corruptedRecordInTheMiddleRefusesToStartNamingSegmentAndOffset() throws {
        let folder = TemporaryFolder()
        let directory = try DiskJournalDirectory(path: folder.path)
        do {
            let journal = try reopen(directory).0
            for index in 0..<5 { _ = try journal.append([JournalRecord(payload: payload(index, length: 64))]) }
        }
        let segment = try segments(directory).first!
        let offset = SegmentHeader.size + 2 * RecordLayout.footprint(payloadLength: 64)
        try flipByte(in: directory, segment, at: offset + RecordLayout.headerSize + 1)
        #expect {
            try reopen(directory)
        } throws: { error in
            guard case .damaged(let name, let at, _) = error as? JournalError else { return false }
            return name == segment && at == offset
        }
    }

    @Test func damageInAnEarlierSegmentAndAMissingSegmentRefuseToStart() throws {
        let folder = TemporaryFolder()
        let directory = try DiskJournalDirectory(path: folder.path)
        do {
            let journal = try reopen(directory).0
            for index in 0..<100 { _ = try journal.append([JournalRecord(payload: payload(index, length: 900))]) }
        }
        let names = try segments(directory)
        try directory.remove(names[1])
        #expect { try reopen(directory) } throws: { error in
            guard case .damaged(let name, 0, _) = error as? JournalError else { return false }
            return name == names[2]
        }
    }

    @Test func aBadRecordInAFullEarlierSegmentIsDamageEvenAtItsEnd() throws {
        let folder = TemporaryFolder()
        let directory = try DiskJournalDirectory(path: folder.path)
        do {
            let journal = try reopen(directory).0
            for index in 0..<60 { _ = try journal.append([JournalRecord(payload: payload(index, length: 900))]) }
        }
        let names = try segments(directory)
        let last = SegmentHeader.size + 15 * RecordLayout.footprint(payloadLength: 900)  // 16 records per segment
        try flipByte(in: directory, names[0], at: last + 40)
        #expect { try reopen(directory) } throws: { error in
            guard case .damaged(let name, let at, _) = error as? JournalError else { return false }
            return name == names[0] && at == last
        }
    }

    @Test func journalBehindTheStoreRefusesToStart() throws {
        let folder = TemporaryFolder()
        let directory = try DiskJournalDirectory(path: folder.path)
        _ = try reopen(directory).0.append([JournalRecord(payload: payload(1, length: 10))])
        #expect(throws: JournalError.missingRecords(expected: LSN(6), found: LSN(2))) {
            try reopen(directory, applied: LSN(5))
        }
    }

    @Test func recoversTwoHundredThousandRecords() throws {
        let folder = TemporaryFolder()
        let directory = try DiskJournalDirectory(path: folder.path)
        let configuration = JournalConfiguration(segmentBytes: 4 << 20, maxRecordBytes: 4096, maxGroupBytes: 1 << 20)
        do {
            let journal = try reopen(directory, configuration: configuration).0
            var next = 0
            while next < 200_000 {
                let group = (next..<min(next + 2000, 200_000)).map { JournalRecord(payload: payload($0, length: 40)) }
                _ = try journal.append(group)
                next += group.count
            }
        }
        var count = 0
        var ordered = true
        let journal = try Journal(directory: directory, configuration: configuration, appliedLSN: .none) { lsn, bytes in
            count += 1
            ordered = ordered && lsn == LSN(UInt64(count)) && bytes == payload(count - 1, length: 40)
        }
        #expect(count == 200_000 && ordered)
        #expect(journal.nextLSN == LSN(200_001) && journal.recovery.recordsScanned == 200_000)
    }
}

/// Flips one bit of the byte at `offset` in a segment file, behind the journal's back.
func flipByte(in directory: DiskJournalDirectory, _ name: String, at offset: Int) throws {
    let file = try DataFile(path: "\(directory.path)/\(name)", mode: .readWrite)
    var byte = try file.read(at: offset, count: 1)
    byte[0] ^= 0x10
    try file.write(byte, at: offset)
    file.close()
}
