import Testing
import TillIO

@Suite struct APIKeyTests {
    @Test func generatedKeysAreDistinctAndCarryTheirRole() throws {
        let a = try APIKey.generate(role: .terminal)
        let b = try APIKey.generate(role: .terminal)
        #expect(a != b)
        #expect(a.role == .terminal)
        #expect(try APIKey.generate(role: .operator).role == .operator)
        #expect(a.secret.count == "till_t_".count + 64)
        #expect(!a.description.contains(String(a.secret.dropFirst(7).prefix(8))))
    }

    @Test func digestIsSHA256OfTheKeyText() {
        // SHA-256("abc") from FIPS 180-2.
        #expect(Hex.encode(SHA256.hash(Array("abc".utf8))) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(APIKey(secret: "till_t_00").digest == SHA256.hash(Array("till_t_00".utf8)))
    }
}
