/// One record's payload with its checksum, computed once by whoever builds the record (off the group-commit thread).
public struct JournalRecord: Sendable {
    public let payload: [UInt8]
    public let checksum: UInt32

    /// A record holding `payload` (at least one byte; at most the journal's `maxRecordBytes`, checked at submit).
    public init(payload: [UInt8]) {
        precondition(!payload.isEmpty, "a journal record holds at least one byte")
        self.payload = payload
        self.checksum = CRC32C.checksum(payload)
    }

    /// The bytes the record takes in a segment.
    var footprint: Int { RecordLayout.footprint(payloadLength: payload.count) }
}
