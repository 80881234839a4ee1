import Dispatch

/// The append side of the journal: segments, group writes, rotation, release of projected segments.
///
/// Guarantees:
/// - `append` writes a group of records with one write and makes it durable with one `fdatasync` before it
///   returns; records get consecutive LSNs; a group never spans two segments;
/// - after start-up, records are appended at the end the recovery scan found (never at a file's physical end),
///   and a torn tail is zeroed and synced before anything is appended over it;
/// - fail-stop: after any I/O error every later `append` throws `stopped`; nothing is retried.
///
/// Owned by one thread (`JournalWriter`'s); not safe to share.
public final class Journal {
    /// What start-up found.
    public struct Recovery: Sendable, Equatable {
        /// The LSN the next record gets.
        public var nextLSN: LSN
        /// Records whose checksums were verified, and records handed to `replay` (those after `appliedLSN`).
        public var recordsScanned: Int
        public var recordsReplayed: Int
        /// Bytes of a torn, never-acknowledged tail that were zeroed (0 after a clean stop).
        public var tornBytes: Int
        /// Segment files in use (records not yet released) at start-up.
        public var segments: Int
    }

    private struct Segment {
        let name: String
        let sequence: UInt64
        let file: any JournalFile
        var end: Int
        var lastLSN: LSN
    }

    public let configuration: JournalConfiguration
    /// What start-up found.
    public let recovery: Recovery
    /// The LSN the next appended record gets.
    public private(set) var nextLSN: LSN

    private let directory: any JournalDirectory
    /// The serial queue file work off the append path runs on: spare preparation and the removal of released segments.
    private let background = DispatchQueue(label: "till-journal-files")
    private let spares: SparePreparer
    private let remover: SegmentRemover
    private var current: Segment?
    private var closed: [(name: String, lastLSN: LSN)] = []
    private var failure: JournalError?

    /// Opens the journal in `directory`: scans it, hands every record after `appliedLSN` to `replay` in LSN order,
    /// repairs a torn tail, and positions appends at the scanned end. Throws `JournalError.damaged` or
    /// `.missingRecords` (start-up must be refused) or whatever `replay` throws.
    public init(
        directory: any JournalDirectory, configuration: JournalConfiguration = JournalConfiguration(),
        appliedLSN: LSN, replay: (LSN, [UInt8]) throws -> Void
    ) throws {
        self.directory = directory
        self.configuration = configuration
        let found = try RecoveryScan(directory: directory, configuration: configuration)
            .run(appliedLSN: appliedLSN, replay: replay)
        var tornBytes = 0
        if let torn = found.tornTail {
            let file = try directory.open(torn.segment)
            defer { file.close() }
            try file.write([UInt8](repeating: 0, count: torn.range.count), at: torn.range.lowerBound)
            try file.synchronize()
            tornBytes = torn.range.count
        }
        for segment in found.used.dropLast() { closed.append((segment.name, segment.lastLSN)) }
        if let last = found.used.last {
            current = Segment(
                name: last.name, sequence: last.sequence, file: try directory.open(last.name), end: last.end,
                lastLSN: last.lastLSN)
        }
        spares = try SparePreparer(
            directory: directory, segmentBytes: configuration.segmentBytes, found: found.spares,
            after: found.used.last?.sequence, queue: background)
        remover = SegmentRemover(directory: directory, queue: background)
        nextLSN = found.nextLSN
        recovery = Recovery(
            nextLSN: found.nextLSN, recordsScanned: found.recordsScanned, recordsReplayed: found.recordsReplayed,
            tornBytes: tornBytes, segments: found.used.count)
        spares.replenish()
    }

    deinit {
        finishFileWork()
        current?.file.close()
    }

    /// Waits until the background file work handed over so far (a spare's preparation, released segments' removal)
    /// is done, so that the directory holds only what this journal decided. Start-up of another journal on the same
    /// directory must not race with it (tests reopen a directory while its first journal is alive).
    public func finishFileWork() {
        background.sync {}
    }

    /// Segment files in use (the current one and those not yet released).
    public var segmentCount: Int { closed.count + (current == nil ? 0 : 1) }

    /// How many rotations had to wait for the next segment to be prepared.
    public var spareWaits: Int { spares.waits }

    /// Writes `records` as one group (one write, one fdatasync) and returns their LSNs.
    /// The group must fit `configuration.maxGroupBytes`; each record `configuration.maxRecordBytes`.
    public func append(_ records: [JournalRecord]) throws(JournalError) -> ClosedRange<LSN> {
        precondition(!records.isEmpty, "an empty group")
        if let failure { throw .stopped(reason: failure.description) }
        let bytes = records.reduce(0) { $0 + $1.footprint }
        precondition(bytes <= configuration.maxGroupBytes, "a group larger than maxGroupBytes")
        do throws(JournalError) {
            return try write(records, bytes: bytes)
        } catch {
            failure = error
            throw error
        }
    }

    private func write(_ records: [JournalRecord], bytes: Int) throws(JournalError) -> ClosedRange<LSN> {
        var buffer: [UInt8] = []
        if current == nil || current!.end + bytes > configuration.segmentBytes {
            // A group never spans two segments: the previous group's end mark ends this one's records.
            try rotate()
            buffer.reserveCapacity(SegmentHeader.size + bytes + RecordLayout.headerSize)
            buffer.append(contentsOf: SegmentHeader.encode(sequence: current!.sequence, firstLSN: nextLSN))
        } else {
            buffer.reserveCapacity(bytes + RecordLayout.headerSize)
        }
        let first = nextLSN
        var lsn = first
        for record in records {
            precondition(record.payload.count <= configuration.maxRecordBytes, "a record larger than maxRecordBytes")
            RecordLayout.append(payload: record.payload, checksum: record.checksum, lsn: lsn, groupFirst: first,
                                to: &buffer)
            lsn = lsn.next
        }
        let at = current!.end
        let recordsEnd = at + buffer.count
        // The end mark: a zero record header after the group, in the same write (the next group overwrites it). A
        // recycled segment holds an earlier life's records after it, which recovery must never read as this one's.
        let endMark = min(RecordLayout.headerSize, configuration.segmentBytes - recordsEnd)
        buffer.append(contentsOf: repeatElement(0, count: endMark))
        try current!.file.write(buffer, at: at)
        try current!.file.synchronize()
        current!.end = recordsEnd
        current!.lastLSN = LSN(lsn.rawValue - 1)
        nextLSN = lsn
        return first...current!.lastLSN
    }

    /// Closes the current segment (all its groups are synced) and starts the next prepared one.
    private func rotate() throws(JournalError) {
        if let old = current {
            closed.append((old.name, old.lastLSN))
            old.file.close()
        }
        let previous = current?.sequence
        let spare = try spares.take()
        if let previous { precondition(spare.sequence == previous + 1, "a gap in the segments' sequence") }
        current = Segment(
            name: spare.name, sequence: spare.sequence, file: try directory.open(spare.name), end: 0,
            lastLSN: LSN(nextLSN.rawValue - 1))
    }

    /// Releases closed segments whose every record is at or before `lsn` (the store has applied them durably): each
    /// becomes a spare under the next sequence number when fewer than `SparePreparer.spareTarget` spares are ready
    /// or being prepared (recycled: renamed, never zero-filled again, PostgreSQL's way), else it is deleted, both in
    /// the background, oldest first. Returns how many were released. A removal that failed since the last call stops
    /// the journal here (fail-stop, like a failed append); a failed recycling stops it at the next rotation.
    @discardableResult
    public func release(through lsn: LSN) throws(JournalError) -> Int {
        if let failure { throw .stopped(reason: failure.description) }
        if let error = remover.failure {
            failure = error
            throw error
        }
        var released = 0
        while let oldest = closed.first, oldest.lastLSN <= lsn {
            if !spares.recycle(oldest.name) { remover.remove(oldest.name) }
            closed.removeFirst()
            released += 1
        }
        return released
    }
}
