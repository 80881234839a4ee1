/// The bytes of a journal record, little-endian:
///
/// | offset | size | field |
/// |---|---|---|
/// | 0 | 4 | CRC-32C of bytes 4..<32 (the rest of the header) |
/// | 4 | 4 | payload length in bytes (at least 1) |
/// | 8 | 8 | LSN |
/// | 16 | 8 | LSN of the first record of the same group commit (one write, one fdatasync) |
/// | 24 | 4 | CRC-32C of the payload |
/// | 28 | 4 | zero |
/// | 32 | length | payload, then zeros up to a multiple of 8 bytes |
///
/// An all-zero header is the end of the written part of a segment (segments are zero-filled before use, and a
/// record's LSN is never 0). The group's first LSN lets recovery tell a torn tail from damage: a valid record of a
/// *later* group can only exist if every earlier group was fully synced.
enum RecordLayout {
    static let headerSize = 32
    static let alignment = 8

    struct Header: Equatable {
        var payloadLength: Int
        var lsn: LSN
        var groupFirst: LSN
        var payloadChecksum: UInt32
    }

    /// The bytes a record with `payloadLength` bytes of payload takes in a segment.
    static func footprint(payloadLength: Int) -> Int {
        (headerSize + payloadLength + alignment - 1) / alignment * alignment
    }

    /// Appends a record (header, payload, padding) to `buffer`.
    static func append(
        payload: [UInt8], checksum: UInt32, lsn: LSN, groupFirst: LSN, to buffer: inout [UInt8]
    ) {
        let start = buffer.count
        buffer.append(contentsOf: repeatElement(0, count: 4))
        LittleEndian.append(UInt32(payload.count), to: &buffer)
        LittleEndian.append(lsn.rawValue, to: &buffer)
        LittleEndian.append(groupFirst.rawValue, to: &buffer)
        LittleEndian.append(checksum, to: &buffer)
        LittleEndian.append(UInt32(0), to: &buffer)
        LittleEndian.store(CRC32C.checksum(buffer, start + 4..<start + headerSize), at: start, in: &buffer)
        buffer.append(contentsOf: payload)
        let padding = footprint(payloadLength: payload.count) - headerSize - payload.count
        if padding > 0 { buffer.append(contentsOf: repeatElement(0, count: padding)) }
    }

    /// What the 32 bytes at `offset` hold.
    enum HeaderReading: Equatable {
        /// All zero: nothing was written here.
        case end
        /// A header whose checksum holds.
        case header(Header)
        /// Bytes that are not a valid header.
        case invalid
    }

    static func readHeader(_ bytes: [UInt8], at offset: Int) -> HeaderReading {
        precondition(offset + headerSize <= bytes.count, "header outside the bytes")
        if bytes[offset..<offset + headerSize].allSatisfy({ $0 == 0 }) { return .end }
        let stored = LittleEndian.uint32(bytes, at: offset)
        guard stored == CRC32C.checksum(bytes, offset + 4..<offset + headerSize) else { return .invalid }
        let length = Int(LittleEndian.uint32(bytes, at: offset + 4))
        guard length > 0, LittleEndian.uint32(bytes, at: offset + 28) == 0 else { return .invalid }
        return .header(
            Header(
                payloadLength: length,
                lsn: LSN(LittleEndian.uint64(bytes, at: offset + 8)),
                groupFirst: LSN(LittleEndian.uint64(bytes, at: offset + 16)),
                payloadChecksum: LittleEndian.uint32(bytes, at: offset + 24)))
    }
}

/// The first 64 bytes of a segment, written with the segment's first group:
/// magic `TILLJNL1`, version (u32), zero (u32), sequence number (u64), first LSN (u64), CRC-32C of bytes 0..<32,
/// zeros. All zero: the segment was prepared but never used.
enum SegmentHeader {
    static let size = 64
    static let magic: [UInt8] = Array("TILLJNL1".utf8)
    static let version: UInt32 = 1

    static func encode(sequence: UInt64, firstLSN: LSN) -> [UInt8] {
        var bytes = magic
        LittleEndian.append(version, to: &bytes)
        LittleEndian.append(UInt32(0), to: &bytes)
        LittleEndian.append(sequence, to: &bytes)
        LittleEndian.append(firstLSN.rawValue, to: &bytes)
        LittleEndian.append(CRC32C.checksum(bytes), to: &bytes)
        bytes.append(contentsOf: repeatElement(0, count: size - bytes.count))
        return bytes
    }

    enum Reading: Equatable {
        case unused
        case used(sequence: UInt64, firstLSN: LSN)
        case invalid(String)

        /// Whether a segment named `sequence` with this header is a spare: prepared and never used, or recycled (its
        /// header still names the earlier segment it was) and not used again yet.
        func isSpare(named sequence: UInt64) -> Bool {
            switch self {
            case .unused: return true
            case .used(let earlier, _): return earlier < sequence
            case .invalid: return false
            }
        }
    }

    static func read(_ bytes: [UInt8]) -> Reading {
        guard bytes.count >= size else { return .invalid("segment shorter than its header") }
        if bytes[0..<size].allSatisfy({ $0 == 0 }) { return .unused }
        guard Array(bytes[0..<8]) == magic else { return .invalid("not a Till journal segment (bad magic)") }
        guard LittleEndian.uint32(bytes, at: 32) == CRC32C.checksum(bytes, 0..<32) else {
            return .invalid("segment header checksum mismatch")
        }
        let version = LittleEndian.uint32(bytes, at: 8)
        guard version == SegmentHeader.version else { return .invalid("unsupported segment version \(version)") }
        return .used(sequence: LittleEndian.uint64(bytes, at: 16), firstLSN: LSN(LittleEndian.uint64(bytes, at: 24)))
    }
}

/// Little-endian integers in byte arrays.
enum LittleEndian {
    static func append<T: FixedWidthInteger>(_ value: T, to bytes: inout [UInt8]) {
        var remaining = value
        for _ in 0..<MemoryLayout<T>.size {
            bytes.append(UInt8(truncatingIfNeeded: remaining))
            remaining >>= 8
        }
    }

    static func store(_ value: UInt32, at offset: Int, in bytes: inout [UInt8]) {
        for index in 0..<4 { bytes[offset + index] = UInt8(truncatingIfNeeded: value >> (8 * UInt32(index))) }
    }

    static func uint32(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        var value: UInt32 = 0
        for index in (0..<4).reversed() { value = value << 8 | UInt32(bytes[offset + index]) }
        return value
    }

    static func uint64(_ bytes: [UInt8], at offset: Int) -> UInt64 {
        var value: UInt64 = 0
        for index in (0..<8).reversed() { value = value << 8 | UInt64(bytes[offset + index]) }
        return value
    }
}
