/// What start-up found in the journal directory: where the log ends and where the next record goes.
struct RecoveredJournal {
    struct UsedSegment {
        var name: String
        var sequence: UInt64
        var firstLSN: LSN
        /// The LSN of its last record (`firstLSN - 1` when it holds none).
        var lastLSN: LSN
        /// Where the next record would go (the end of its last valid record).
        var end: Int
    }

    var used: [UsedSegment] = []
    /// Prepared, never-used segments after the last used one, in sequence order.
    var spares: [(name: String, sequence: UInt64)] = []
    /// The LSN the next record gets.
    var nextLSN: LSN
    /// A torn tail found in the last used segment: bytes in `range` were never acknowledged and must be zeroed
    /// before anything is appended there (else the torn group's surviving records would be read as new ones).
    var tornTail: (segment: String, range: Range<Int>)?
    /// How many records the scan checked and how many it handed to `replay`.
    var recordsScanned = 0
    var recordsReplayed = 0
}

/// Reads every segment, checks every record's checksums and LSN continuity, hands the records after `appliedLSN`
/// to `replay` in LSN order, and decides where the log ends.
///
/// The tail rule: every group is written with an end mark (a zero record header) after it, so a segment's records
/// end at a zero header; what follows it is either zeros or, in a recycled segment, an earlier life's records (LSNs
/// below the segment's first), never read. A record that fails its checks in the last used segment ends the log
/// when nothing after it belongs to a later group commit (a later group is only written after the earlier one's
/// fdatasync, so its presence proves the bad record had been synced: damage). Anywhere else, a bad record or
/// segment header is damage, and start-up is refused with the segment and offset.
struct RecoveryScan {
    let directory: any JournalDirectory
    let configuration: JournalConfiguration

    func run(appliedLSN: LSN, replay: (LSN, [UInt8]) throws -> Void) throws -> RecoveredJournal {
        var names: [(name: String, sequence: UInt64)] = []
        for name in try directory.names() {
            if name.hasSuffix(SegmentName.suffix + ".prep") {
                try directory.remove(name)  // a preparation the crash interrupted
            } else if let sequence = SegmentName.sequence(of: name) {
                names.append((name, sequence))
            }
        }
        names.sort { $0.sequence < $1.sequence }

        var result = RecoveredJournal(nextLSN: appliedLSN.next)
        var expected: LSN? = nil
        var lastUsedSequence: UInt64? = nil
        // Read once: a segment is the last candidate when every segment after it is unused.
        let unused = try names.map { try headerOf($0.name).isSpare(named: $0.sequence) }
        for (index, entry) in names.enumerated() {
            let file = try directory.open(entry.name)
            defer { file.close() }
            let isLastCandidate = unused[(index + 1)...].allSatisfy { $0 }
            if unused[index] {
                // Never used, or recycled (its header names the earlier segment it was) and not used again yet: its
                // header is all there is to read.
                if !isLastCandidate {
                    throw JournalError.damaged(
                        segment: entry.name, offset: 0, reason: "an unused segment lies before used ones")
                }
                if try file.size() != configuration.segmentBytes {
                    try directory.remove(entry.name)  // prepared for another configuration; prepare anew
                } else {
                    result.spares.append((entry.name, entry.sequence))
                }
                continue
            }
            let bytes = try file.read(at: 0, count: try file.size())
            switch SegmentHeader.read(bytes) {
            case .invalid(let reason):
                let start = expected ?? appliedLSN.next
                let dirty = Self.lastNonZero(bytes, from: 0)
                guard isLastCandidate, !holdsLaterGroup(bytes, in: SegmentHeader.size..<max(SegmentHeader.size, dirty), after: start) else {
                    throw JournalError.damaged(segment: entry.name, offset: 0, reason: reason)
                }
                // The segment's first group was torn with its header: never acknowledged.
                result.tornTail = (entry.name, 0..<min(dirty, tornGroupReach(from: 0)))
                result.spares.append((entry.name, entry.sequence))
                continue
            case .unused:
                preconditionFailure("an unused header is a spare, read above")
            case .used(let sequence, let firstLSN):
                guard sequence == entry.sequence else {
                    throw JournalError.damaged(
                        segment: entry.name, offset: 0, reason: "header names segment \(sequence)")
                }
                if let last = lastUsedSequence, sequence != last + 1 {
                    throw JournalError.damaged(
                        segment: entry.name, offset: 0, reason: "segment \(last + 1) is missing before it")
                }
                if let expected, firstLSN != expected {
                    throw JournalError.missingRecords(expected: expected, found: firstLSN)
                }
                if expected == nil, firstLSN > appliedLSN.next {
                    throw JournalError.missingRecords(expected: appliedLSN.next, found: firstLSN)
                }
                lastUsedSequence = sequence
                let segment = try scanRecords(
                    bytes, name: entry.name, sequence: sequence, firstLSN: firstLSN, isLast: isLastCandidate,
                    appliedLSN: appliedLSN, result: &result, replay: replay)
                expected = segment.lastLSN.next
                result.used.append(segment)
            }
        }
        if let expected {
            if expected <= appliedLSN {
                throw JournalError.missingRecords(expected: appliedLSN.next, found: expected)
            }
            result.nextLSN = expected
        }
        return result
    }

    private func headerOf(_ name: String) throws -> SegmentHeader.Reading {
        let file = try directory.open(name)
        defer { file.close() }
        return SegmentHeader.read(try file.read(at: 0, count: SegmentHeader.size))
    }

    private func scanRecords(
        _ bytes: [UInt8], name: String, sequence: UInt64, firstLSN: LSN, isLast: Bool, appliedLSN: LSN,
        result: inout RecoveredJournal, replay: (LSN, [UInt8]) throws -> Void
    ) throws -> RecoveredJournal.UsedSegment {
        var offset = SegmentHeader.size
        var next = firstLSN
        var failure: String? = nil
        while offset + RecordLayout.headerSize <= bytes.count {
            switch RecordLayout.readHeader(bytes, at: offset) {
            case .end:
                break
            case .invalid:
                failure = "record header checksum mismatch"
            case .header(let header):
                if let problem = check(header, bytes: bytes, at: offset, expected: next) {
                    failure = problem
                } else {
                    result.recordsScanned += 1
                    if header.lsn > appliedLSN {
                        let start = offset + RecordLayout.headerSize
                        try replay(header.lsn, Array(bytes[start..<start + header.payloadLength]))
                        result.recordsReplayed += 1
                    }
                    next = next.next
                    offset += RecordLayout.footprint(payloadLength: header.payloadLength)
                    continue
                }
            }
            break
        }
        let end = min(offset, bytes.count)
        if !isLast {
            // An earlier segment's groups were all synced before the next segment was written to: a failed check is
            // damage. After a clean end come zeros or a recycled segment's earlier life, not read; records lost
            // there show as the next segment's first LSN not following.
            if let failure { throw JournalError.damaged(segment: name, offset: end, reason: failure) }
            return .init(name: name, sequence: sequence, firstLSN: firstLSN, lastLSN: LSN(next.rawValue - 1), end: end)
        }
        let dirty = Self.lastNonZero(bytes, from: end)
        if holdsLaterGroup(bytes, in: end..<max(end, dirty), after: next) {
            throw JournalError.damaged(
                segment: name, offset: end,
                reason: (failure ?? "a zeroed record") + ", and records of a later group commit follow")
        }
        // The last segment: a failed check is a torn group; a torn group whose first header was lost (zeros, or the
        // previous group's end mark) shows as a clean end followed by what survived of it. Its bytes are zeroed
        // before anything is appended (else survivors would be read as records written after recovery). In a
        // zero-filled segment everything after the end is the torn group's; in a recycled one (records of an earlier
        // life follow, LSNs below the segment's first) only a failed check or a surviving record of this life marks
        // a torn group, whose bytes lie within one group's reach.
        let recycled = holdsRecord(bytes, in: end..<dirty) { header, _ in header.lsn < firstLSN }
        let reach = end..<min(dirty, tornGroupReach(from: end))
        if !reach.isEmpty, failure != nil || !recycled || holdsRecord(bytes, in: reach, where: { header, _ in header.lsn >= next }) {
            result.tornTail = (name, recycled ? reach : end..<dirty)
        }
        return .init(name: name, sequence: sequence, firstLSN: firstLSN, lastLSN: LSN(next.rawValue - 1), end: end)
    }

    /// Why the record whose header is valid at `offset` cannot be accepted as LSN `expected`, or nil.
    private func check(_ header: RecordLayout.Header, bytes: [UInt8], at offset: Int, expected: LSN) -> String? {
        if header.payloadLength > configuration.maxRecordBytes { return "record length \(header.payloadLength)" }
        let start = offset + RecordLayout.headerSize
        if start + header.payloadLength > bytes.count { return "record runs past the segment's end" }
        if header.lsn != expected { return "record LSN \(header.lsn) where \(expected) was expected" }
        if header.groupFirst > header.lsn { return "record's group starts after it" }
        if CRC32C.checksum(bytes, start..<start + header.payloadLength) != header.payloadChecksum {
            return "record payload checksum mismatch"
        }
        return nil
    }

    /// Whether a valid record of a group commit that started after `lsn` begins in `range` (8-byte aligned), where
    /// `range` starts where the record of LSN `lsn` (the one expected there, first of its group) was written.
    ///
    /// The scan ends early at an intact record of the segment's earlier life (a recycled segment: LSN below
    /// `lsn`) found past `laterGroupsReach` of `range`'s start: this life's groups are written one after the other,
    /// each whole once a later one exists, so every later group lies before such a record — the group at the start and
    /// the next (the only other one a power cut can tear) end within that reach, and any after them overwrote
    /// everything up to their end. A recycled last segment so reads a few MiB of its earlier life, not all of it (up
    /// to 64 MiB, 8 bytes at a time: about a third of a start-up's journal scan, bench/journal.md).
    private func holdsLaterGroup(_ bytes: [UInt8], in range: Range<Int>, after lsn: LSN) -> Bool {
        let earlierLifeEndsScan = range.lowerBound + laterGroupsReach
        var later = false
        _ = holdsRecord(bytes, in: range) { header, position in
            let isLater = header.groupFirst > lsn
            guard isLater || (header.lsn < lsn && position >= earlierLifeEndsScan),
                  header.payloadLength <= configuration.maxRecordBytes else { return false }
            let start = position + RecordLayout.headerSize
            guard start + header.payloadLength <= bytes.count,
                  CRC32C.checksum(bytes, start..<start + header.payloadLength) == header.payloadChecksum else { return false }
            later = isLater
            return true  // a later group, or an intact record of the earlier life past the reach: the scan ends
        }
        return later
    }

    /// How far from where a group starts the next group can end (two groups with their end marks, and a segment header).
    var laterGroupsReach: Int { 2 * (SegmentHeader.size + configuration.maxGroupBytes + RecordLayout.headerSize) }

    /// Whether a record header valid by its own checksum begins in `range` (8-byte aligned) and passes `test` (given
    /// the header and its offset).
    private func holdsRecord(
        _ bytes: [UInt8], in range: Range<Int>, where test: (RecordLayout.Header, Int) -> Bool
    ) -> Bool {
        var position = (range.lowerBound + RecordLayout.alignment - 1) / RecordLayout.alignment * RecordLayout.alignment
        while position < range.upperBound, position + RecordLayout.headerSize <= bytes.count {
            defer { position += RecordLayout.alignment }
            if case .header(let header) = RecordLayout.readHeader(bytes, at: position), test(header, position) { return true }
        }
        return false
    }

    /// The end of the bytes a group written at `offset` can occupy: its records, its end mark, and at a segment's
    /// start the segment header.
    private func tornGroupReach(from offset: Int) -> Int {
        (offset == 0 ? SegmentHeader.size : 0) + offset + configuration.maxGroupBytes + RecordLayout.headerSize
    }

    /// The offset just past the last non-zero byte at or after `offset` (`offset` itself when all are zero).
    ///
    /// The last segment's tail is mostly zeros (up to the whole 64 MiB after a few records), so it is checked a block
    /// at a time: an OR over a block has no exit inside it and compiles to vector instructions, where a byte-by-byte
    /// test with its exit and bounds check per byte took ~60 ms of a ~150 ms start-up (bench/journal.md). Only the
    /// block holding the last non-zero byte is then searched byte by byte.
    static func lastNonZero(_ bytes: [UInt8], from offset: Int) -> Int {
        precondition(offset >= 0, "a negative offset")
        var index = bytes.count
        while index - offset >= zeroCheckBlock {
            var any: UInt8 = 0
            for i in index - zeroCheckBlock..<index { any |= bytes[i] }
            if any != 0 { break }
            index -= zeroCheckBlock
        }
        while index > offset, bytes[index - 1] == 0 { index -= 1 }
        return max(index, offset)
    }

    /// Bytes `lastNonZero` checks for zeros at once.
    static let zeroCheckBlock = 4_096
}
