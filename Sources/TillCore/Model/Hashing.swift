/// 128-bit FNV-1a, the one hash Till uses where it needs a short, stable name for bytes: request fingerprints
/// (`Fingerprint` in TillProtocol) and the short form of long benefit ids (`OperationRef.benefitId`).
///
/// Guarantees: deterministic across runs and platforms (no seeding), so stored values compare equal later; every
/// entry point gives the same value for the same bytes (`HashingTests` pins the published test vectors).
public enum Hashing {
    /// The FNV-1a 128-bit offset basis.
    static let offsetBasis: UInt128 = 0x6C62_272E_07BB_0142_62B8_2175_6295_C58D

    /// The hash of `bytes`.
    public static func fnv1a128(_ bytes: [UInt8]) -> UInt128 {
        bytes.withUnsafeBufferPointer { fnv1a128(contiguous: $0) }
    }

    /// The hash of a string's UTF-8 bytes.
    public static func fnv1a128(_ utf8: String.UTF8View) -> UInt128 {
        if let hash = utf8.withContiguousStorageIfAvailable({ fnv1a128(contiguous: $0) }) { return hash }
        return fnv1a128(Array(utf8))
    }

    /// One byte at a time, with the 128-bit state in two words. The FNV prime is 2^88 + 0x13B, so a multiplication
    /// by it is `h * 0x13B + (h << 88)`: one 64×64→128 and one 64×64 multiplication per byte instead of a full
    /// 128×128 one. (The generic `Sequence` loop this replaces ran unspecialised across the module boundary: 36 %
    /// of an event loop's CPU per purchase went to its iterator and value witnesses, bench/daemon.md.)
    static func fnv1a128(contiguous bytes: UnsafeBufferPointer<UInt8>) -> UInt128 {
        var high = UInt64(truncatingIfNeeded: offsetBasis >> 64)
        var low = UInt64(truncatingIfNeeded: offsetBasis)
        for byte in bytes {
            low ^= UInt64(byte)
            let product = low.multipliedFullWidth(by: 0x13B)
            high = high &* 0x13B &+ product.high &+ (low &<< 24)
            low = product.low
        }
        return UInt128(high) << 64 | UInt128(low)
    }
}
