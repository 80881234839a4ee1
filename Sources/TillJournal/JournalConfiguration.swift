/// How a journal is laid out and how far it may run ahead.
public struct JournalConfiguration: Sendable, Equatable {
    /// Bytes per segment file, header included. Segments are zero-filled to this size before use.
    public var segmentBytes: Int
    /// The largest payload one record may hold.
    public var maxRecordBytes: Int
    /// The most bytes one group commit writes (one `pwrite`, one `fdatasync`); a larger queue is written in several.
    public var maxGroupBytes: Int
    /// Records that may wait for their group commit before `submit` answers `overloaded`.
    public var queueCapacity: Int

    public init(
        segmentBytes: Int = 64 << 20, maxRecordBytes: Int = 1 << 20, maxGroupBytes: Int = 4 << 20,
        queueCapacity: Int = 65_536
    ) {
        precondition(segmentBytes >= SegmentHeader.size + RecordLayout.footprint(payloadLength: maxRecordBytes),
                     "a segment must hold at least one record of maxRecordBytes")
        precondition(maxGroupBytes >= RecordLayout.footprint(payloadLength: maxRecordBytes),
                     "a group must hold at least one record of maxRecordBytes")
        precondition(queueCapacity > 0, "queueCapacity must be positive")
        self.segmentBytes = segmentBytes
        self.maxRecordBytes = maxRecordBytes
        self.maxGroupBytes = min(maxGroupBytes, segmentBytes - SegmentHeader.size)
        self.queueCapacity = queueCapacity
    }
}

/// Segment file names: `segment-<sequence, 16 digits>.tjl`, so that names sort in sequence order.
enum SegmentName {
    static let prefix = "segment-"
    static let suffix = ".tjl"

    static func name(sequence: UInt64) -> String {
        let digits = String(sequence)
        return prefix + String(repeating: "0", count: max(0, 16 - digits.count)) + digits + suffix
    }

    static func sequence(of name: String) -> UInt64? {
        guard name.hasPrefix(prefix), name.hasSuffix(suffix) else { return nil }
        let digits = name.dropFirst(prefix.count).dropLast(suffix.count)
        guard digits.count == 16, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber) else { return nil }
        return UInt64(digits)
    }
}
