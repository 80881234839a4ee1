import Testing
import TillCore
@testable import TillProtocol

@Suite struct TimestampTests {
    @Test func knownInstants() {
        #expect(TimestampCodec.parse("1970-01-01T00:00:00Z") == Timestamp(millisecondsSinceEpoch: 0))
        #expect(TimestampCodec.parse("2000-03-01T00:00:00Z")?.millisecondsSinceEpoch == 951_868_800_000)
        let t = TimestampCodec.parse("2026-03-14T12:30:05.25+01:00")!
        #expect(t.millisecondsSinceEpoch == 1_773_487_805_250 && t.utcOffsetMinutes == 60)
        #expect(TimestampCodec.string(t) == "2026-03-14T12:30:05.250+01:00")
        #expect(TimestampCodec.parse("1969-12-31T23:59:59.999-00:30")?.millisecondsSinceEpoch == 1_799_999)
        #expect(TimestampCodec.string(TimestampCodec.parse("2024-02-29T23:59:59.999-05:30")!) == "2024-02-29T23:59:59.999-05:30")
    }

    @Test func civilRoundTripOverManyDays() {
        var rng = SeededRandom(seed: 42)
        for _ in 0..<5000 {
            let ms = Int64.random(in: -62_135_596_800_000 + 86_400_000 ... 253_402_214_400_000, using: &rng)
            let offset = Int32.random(in: -18 * 60 ... 18 * 60, using: &rng)
            let t = Timestamp(millisecondsSinceEpoch: ms, utcOffsetMinutes: offset)
            let s = TimestampCodec.string(t)
            let back = TimestampCodec.parse(s)
            #expect(back == t && back?.utcOffsetMinutes == offset, "\(s)")
        }
    }
}
