import Testing
import TillCore
import TillProtocol
@testable import TillStore

@Suite struct TicketLinesTests {
    static let items = [
        LineItem(lineId: "1", code: "CAF-01", name: "Flat white\t12oz", department: "coffee",
                 quantity: Quantity(thousandths: 2000), unitPrice: 350),
        LineItem(lineId: "L%2", code: "BAG\n", name: "", department: nil,
                 quantity: Quantity(thousandths: 1), unitPrice: 999),  // 0.001 × 9.99 rounds to 0.01
        LineItem(lineId: "3", code: "ÄPFEL", name: "Äpfel, 1 kg – 50%", department: "=fruit",
                 quantity: Quantity(thousandths: 1250), unitPrice: 299),
    ]
    /// The record's lines: line id, quantity and net, stored once (in the record) since `T2`.
    static let recorded = zip(items, [630, 1, 0] as [MinorUnits]).map {
        PurchaseRecord.Line(lineId: $0.lineId, quantity: $0.quantity, net: $1)
    }

    static func check(_ lines: [TicketLine]) {
        #expect(lines.map(\.lineId) == ["1", "L%2", "3"])
        #expect(lines.map(\.code) == ["CAF-01", "BAG\n", "ÄPFEL"])
        #expect(lines.map(\.description) == ["Flat white\t12oz", "", "Äpfel, 1 kg – 50%"])
        #expect(lines.map(\.department) == ["coffee", nil, "=fruit"])
        #expect(lines.map(\.quantity) == [Quantity(thousandths: 2000), Quantity(thousandths: 1), Quantity(thousandths: 1250)])
        #expect(lines.map(\.gross) == [700, 1, 374])
        #expect(lines.map(\.net) == [630, 1, 0])
        #expect(lines.map(\.discount) == [70, 0, 374])
        #expect(lines.map(\.returned) == [.zero, .zero, Quantity(thousandths: 250)])
    }

    @Test func linesRoundTripWithEscapesAndAbsentOptionals() throws {
        let bytes = TicketLines.encode(Self.items, lines: Self.recorded)
        // The second line has no discount: its gross is its net, left out.
        #expect(String(decoding: bytes, as: UTF8.self).hasPrefix("T2\nCAF-01\tFlat white%0912oz\t=coffee\t700\nBAG%0A\t\t\t\n"))
        Self.check(try TicketLines.decode(bytes, lines: Self.recorded, returned: ["3": Quantity(thousandths: 250)]))
    }

    /// Purchases stored before `T2` keep their `T1` blob (line id, quantity and net in each row): still read.
    @Test func linesStoredAsT1StillRead() throws {
        let t1 = "T1\nL\t1\tCAF-01\tFlat white%0912oz\t=coffee\t2000\t700\t630\nL\tL%252\tBAG%0A\t\t\t1\t1\t1\n"
            + "L\t3\tÄPFEL\tÄpfel%2C 1 kg – 50%25\t==fruit\t1250\t374\t0"
        Self.check(try TicketLines.decode(Array(t1.utf8), lines: [], returned: ["3": Quantity(thousandths: 250)]))
    }

    @Test func foreignBytesAreRefused() {
        #expect(throws: TillError.self) { try TicketLines.decode(Array("R1\tx".utf8), lines: []) }
        #expect(throws: TillError.self) { try TicketLines.decode(Array("T1\nL\t1\tcode\t\t\tnot-a-number\t1\t1".utf8), lines: []) }
        #expect(throws: TillError.self) { try TicketLines.decode([], lines: []) }
        #expect(throws: TillError.self) { try TicketLines.decode(Array("T2\ncode\tname\t\tx".utf8), lines: Array(Self.recorded.prefix(1))) }
        // A T2 blob whose line count differs from the record's.
        #expect(throws: TillError.self) { try TicketLines.decode(TicketLines.encode(Self.items, lines: Self.recorded), lines: Array(Self.recorded.prefix(2))) }
    }
}
