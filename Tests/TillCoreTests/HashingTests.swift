import Testing
@testable import TillCore

/// `Hashing.fnv1a128` is FNV-1a 128 (stored fingerprints and benefit ids depend on its values never changing).
@Suite struct HashingTests {
    /// FNV-1a with a full 128-bit multiplication, byte by byte: the definition the fast path must equal.
    static func reference(_ bytes: [UInt8]) -> UInt128 {
        let prime: UInt128 = 0x0000_0000_0100_0000_0000_0000_0000_013B
        var h: UInt128 = 0x6C62_272E_07BB_0142_62B8_2175_6295_C58D
        for b in bytes {
            h ^= UInt128(b)
            h = h &* prime
        }
        return h
    }

    @Test func publishedTestVectors() {
        #expect(Hashing.fnv1a128([]) == 0x6C62_272E_07BB_0142_62B8_2175_6295_C58D)
        #expect(Hashing.fnv1a128(Array("a".utf8)) == 0xD228_CB69_6F1A_8CAF_7891_2B70_4E4A_8964)
        #expect(Hashing.fnv1a128(Array("foobar".utf8)) == 0x343E_1662_793C_64BF_6F0D_3597_BA44_6F18)
        #expect(Hashing.fnv1a128("foobar".utf8) == 0x343E_1662_793C_64BF_6F0D_3597_BA44_6F18)
    }

    /// Seeded random byte strings of 0–2,000 bytes (every byte value, long runs of 0xFF that carry through both
    /// words) hash as the 128-bit definition does, through both entry points.
    @Test func equalsTheDefinitionOnRandomBytes() {
        var random = SplitMix64(seed: 0xF11A)
        for round in 0..<400 {
            let count = round < 40 ? round : Int(random.next() % 2_000)
            let bytes: [UInt8] = (0..<count).map { _ in
                round % 5 == 0 ? 0xFF : UInt8(truncatingIfNeeded: random.next())
            }
            let expected = HashingTests.reference(bytes)
            #expect(Hashing.fnv1a128(bytes) == expected, "\(count) bytes, round \(round)")
            let text = String(decoding: bytes.map { $0 & 0x7F }, as: UTF8.self)
            #expect(Hashing.fnv1a128(text.utf8) == HashingTests.reference(Array(text.utf8)), "round \(round)")
        }
    }
}
