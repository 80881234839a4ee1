/// 128-bit FNV-1a, the one hash Till uses where it needs a short, stable name for bytes: request fingerprints
/// (`Fingerprint` in TillProtocol) and the short form of long benefit ids (`OperationRef.benefitId`).
///
/// Guarantees: deterministic across runs and platforms (no seeding), so stored values compare equal later.
public enum Hashing {
    public static func fnv1a128<Bytes: Sequence>(_ bytes: Bytes) -> UInt128 where Bytes.Element == UInt8 {
        let prime: UInt128 = 0x0000_0000_0100_0000_0000_0000_0000_013B
        var h: UInt128 = 0x6C62_272E_07BB_0142_62B8_2175_6295_C58D
        for b in bytes {
            h ^= UInt128(b)
            h = h &* prime
        }
        return h
    }
}
