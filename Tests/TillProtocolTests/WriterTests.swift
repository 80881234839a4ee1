import Testing
import TillCore
@testable import TillProtocol

/// The writer's pointer-based output against the parser: random documents written token by token must parse back
/// to the same tree, with every escape, separator and number form in place.
@Suite struct WriterTests {
    @Test(arguments: 0..<200 as Range<UInt64>)
    func randomDocumentsParseBack(seed: UInt64) throws {
        var g = Gen(rng: SeededRandom(seed: seed))
        var w = JSONWriter(into: Array("prefix".utf8))  // appends after what the buffer holds
        let expected = Self.value(&g, depth: 0, &w)
        #expect(Array(w.bytes.prefix(6)) == Array("prefix".utf8))
        #expect(try JSONTree(Array(w.bytes.dropFirst(6))) == expected)
        var again: [UInt8] = [1, 2]
        JSONWriter.writing(into: &again) { w in var g2 = Gen(rng: SeededRandom(seed: seed)); _ = Self.value(&g2, depth: 0, &w) }
        #expect(again == [1, 2] + Array(w.bytes.dropFirst(6)))
    }

    /// Writes a random value with `w` and returns the tree it should parse to.
    static func value(_ g: inout Gen, depth: Int, _ w: inout JSONWriter) -> JSONTree {
        switch g.int(depth < 3 ? 0...7 : 2...7) {
        case 0:
            w.beginObject()
            var d: [String: JSONTree] = [:]
            for k in 0..<g.int(0...4) {
                let key = ["a", "lineId", "transactionId", "orderDiscount", "x"][Int(k)]
                switch key {
                case "a": w.key("a")
                case "lineId": w.key("lineId")
                case "transactionId": w.key("transactionId")
                case "orderDiscount": w.key("orderDiscount")
                default: w.key("x")
                }
                d[key] = value(&g, depth: depth + 1, &w)
            }
            w.endObject()
            return .object(d)
        case 1:
            w.beginArray()
            let a = (0..<g.int(0...4)).map { _ in value(&g, depth: depth + 1, &w) }
            w.endArray()
            return .array(a)
        case 2:
            let s = g.string(nonEmpty: false) + (g.bool() ? String(repeating: "long text é", count: Int(g.int(1...40))) : "")
            w.string(s)
            return .string(s)
        case 3:
            let v = g.pick([Int64.min, Int64.max, 0, -1, 9, 10, -10, 1_000_000_000_000]) &+ (g.bool() ? 0 : g.int(-5...5))
            w.int(v)
            return .number(String(v))
        case 4:
            let q = Quantity(thousandths: g.int(-5_000_000...5_000_000))
            w.quantity(q)
            return .number(q.description)
        case 5:
            let t = g.timestamp()
            w.timestamp(t)
            return .string(TimestampCodec.string(t))
        case 6:
            let b = g.bool()
            w.bool(b)
            return .bool(b)
        default:
            w.null()
            return .null
        }
    }
}
