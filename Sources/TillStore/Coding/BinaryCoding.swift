/// The store's compact binary encodings (journal effect records, stored receipts): LEB128 varints, zigzag for signed
/// integers, length-prefixed UTF-8 texts and blobs.
///
/// Guarantees: what `BinaryWriter` writes, `BinaryReader` reads back to the same values; the reader never traps and
/// never reads past its bytes: anything else throws `BinaryFormatError` with the offset where reading stopped.
struct BinaryWriter {
    private(set) var bytes: [UInt8]

    init(capacity: Int = 0) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    mutating func byte(_ value: UInt8) { bytes.append(value) }

    mutating func varint(_ value: UInt64) {
        var rest = value
        while rest >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        bytes.append(UInt8(rest))
    }

    /// A signed integer, zigzag-encoded (small magnitudes of either sign take few bytes).
    mutating func int(_ value: Int64) { varint(UInt64(bitPattern: (value << 1) ^ (value >> 63))) }

    mutating func bool(_ value: Bool) { bytes.append(value ? 1 : 0) }

    mutating func blob(_ value: [UInt8]) {
        varint(UInt64(value.count))
        bytes.append(contentsOf: value)
    }

    mutating func text(_ value: String) {
        varint(UInt64(value.utf8.count))
        // From the string's contiguous UTF-8 in one copy (a native or small string always has it); appending the
        // UTF-8 view goes through its generic iteration.
        if value.utf8.withContiguousStorageIfAvailable({ bytes.append(contentsOf: $0) }) == nil {
            bytes.append(contentsOf: value.utf8)
        }
    }
}

/// Why bytes are not what a `BinaryWriter` wrote.
struct BinaryFormatError: Error, Equatable {
    let offset: Int
    let reason: String
}

/// Reads what `BinaryWriter` wrote, checking every length against the bytes left.
struct BinaryReader {
    let bytes: [UInt8]
    private(set) var offset: Int

    init(_ bytes: [UInt8], from offset: Int = 0) {
        self.bytes = bytes
        self.offset = offset
    }

    var atEnd: Bool { offset == bytes.count }

    mutating func byte() throws(BinaryFormatError) -> UInt8 {
        guard offset < bytes.count else { throw BinaryFormatError(offset: offset, reason: "truncated") }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func varint() throws(BinaryFormatError) -> UInt64 {
        let start = offset
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let next = try byte()
            guard shift < 64, shift < 63 || next <= 1 else { throw BinaryFormatError(offset: start, reason: "varint too long") }
            value |= UInt64(next & 0x7F) << shift
            if next < 0x80 { return value }
            shift += 7
        }
    }

    mutating func int() throws(BinaryFormatError) -> Int64 {
        let raw = try varint()
        return Int64(bitPattern: raw >> 1) ^ -Int64(bitPattern: raw & 1)
    }

    mutating func bool() throws(BinaryFormatError) -> Bool {
        let start = offset
        switch try byte() {
        case 0: return false
        case 1: return true
        case let other: throw BinaryFormatError(offset: start, reason: "flag \(other) is neither 0 nor 1")
        }
    }

    /// A varint that must be at most `limit` (a count or an index into what was read).
    mutating func count(limit: Int) throws(BinaryFormatError) -> Int {
        let start = offset
        let value = try varint()
        guard limit >= 0, value <= UInt64(limit) else {
            throw BinaryFormatError(offset: start, reason: "count \(value) exceeds \(max(limit, 0))")
        }
        return Int(value)
    }

    mutating func blob() throws(BinaryFormatError) -> [UInt8] {
        let start = offset
        let length = try varint()
        guard length <= UInt64(bytes.count - offset) else {
            throw BinaryFormatError(offset: start, reason: "length \(length) runs past the end")
        }
        defer { offset += Int(length) }
        return Array(bytes[offset..<offset + Int(length)])
    }

    mutating func text() throws(BinaryFormatError) -> String {
        let start = offset
        let raw = try blob()
        guard let text = String(validating: raw, as: UTF8.self) else {
            throw BinaryFormatError(offset: start, reason: "text that is not UTF-8")
        }
        return text
    }
}
