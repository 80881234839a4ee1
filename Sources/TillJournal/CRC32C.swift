import CLinux

/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum of journal records and segment headers.
/// With SSE 4.2's `crc32` instruction where the CPU has it (eight bytes per instruction: a 38 KiB record in a few
/// microseconds instead of ~30), else slicing-by-8 in software (eight table look-ups per eight bytes). Both give the
/// same checksum for the same bytes (tested on every length and offset up to 64 bytes, and on the standard check
/// value), so a journal written with one is read with the other.
public enum CRC32C {
    /// The checksum of `bytes[range]`, continuing from `seed` (the checksum of the bytes before, or 0).
    public static func checksum(_ bytes: [UInt8], _ range: Range<Int>, seed: UInt32 = 0) -> UInt32 {
        hardwareAvailable ? hardware(bytes, range, seed: seed) : software(bytes, range, seed: seed)
    }

    /// The checksum of all of `bytes`.
    public static func checksum(_ bytes: [UInt8]) -> UInt32 { checksum(bytes, 0..<bytes.count) }

    /// Whether this CPU has SSE 4.2 (CPUID, asked once).
    static let hardwareAvailable = till_crc32c_hardware_available() != 0

    /// `checksum` with the `crc32` instruction; only where `hardwareAvailable`.
    static func hardware(_ bytes: [UInt8], _ range: Range<Int>, seed: UInt32) -> UInt32 {
        precondition(hardwareAvailable, "no SSE 4.2 on this CPU")
        precondition(range.lowerBound >= 0 && range.upperBound <= bytes.count, "range outside the bytes")
        let crc = bytes.withUnsafeBufferPointer { buffer in
            // An empty array has no base address: the C side reads nothing when the count is 0.
            till_crc32c_hardware(~seed, buffer.baseAddress.map { $0 + range.lowerBound }, range.count)
        }
        return ~crc
    }

    /// `checksum` in software (slicing-by-8): the fallback, and the reference the hardware path is tested against.
    static func software(_ bytes: [UInt8], _ range: Range<Int>, seed: UInt32) -> UInt32 {
        precondition(range.lowerBound >= 0 && range.upperBound <= bytes.count, "range outside the bytes")
        let data = bytes.span
        let table = tables.span
        var crc = ~seed
        var index = range.lowerBound
        let end = range.upperBound
        while end - index >= 8 {
            let low = crc ^ (UInt32(data[unchecked: index]) | UInt32(data[unchecked: index + 1]) << 8
                | UInt32(data[unchecked: index + 2]) << 16 | UInt32(data[unchecked: index + 3]) << 24)
            crc = table[unchecked: 7 * 256 + Int(low & 0xFF)]
                ^ table[unchecked: 6 * 256 + Int((low >> 8) & 0xFF)]
                ^ table[unchecked: 5 * 256 + Int((low >> 16) & 0xFF)]
                ^ table[unchecked: 4 * 256 + Int(low >> 24)]
                ^ table[unchecked: 3 * 256 + Int(data[unchecked: index + 4])]
                ^ table[unchecked: 2 * 256 + Int(data[unchecked: index + 5])]
                ^ table[unchecked: 1 * 256 + Int(data[unchecked: index + 6])]
                ^ table[unchecked: Int(data[unchecked: index + 7])]
            index &+= 8
        }
        while index < end {
            crc = table[unchecked: Int((crc ^ UInt32(data[unchecked: index])) & 0xFF)] ^ (crc >> 8)
            index &+= 1
        }
        return ~crc
    }

    /// Eight 256-entry tables, one after the other: table k maps a byte to its CRC k bytes further on.
    static let tables: [UInt32] = {
        var tables = [UInt32](repeating: 0, count: 8 * 256)
        for byte in 0..<256 {
            var crc = UInt32(byte)
            for _ in 0..<8 { crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
            tables[byte] = crc
        }
        for slice in 1..<8 {
            for byte in 0..<256 {
                let previous = tables[(slice - 1) * 256 + byte]
                tables[slice * 256 + byte] = tables[Int(previous & 0xFF)] ^ (previous >> 8)
            }
        }
        return tables
    }()
}
