import Testing
import TillCore
import TillProtocol
@testable import TillStore

@Suite struct TicketLinesTests {
    @Test func linesRoundTripWithEscapesAndAbsentOptionals() throws {
        let items = [
            LineItem(lineId: "1", code: "CAF-01", name: "Flat white\t12oz", department: "coffee",
                     quantity: Quantity(thousandths: 2000), unitPrice: 350),
            LineItem(lineId: "L%2", code: "BAG\n", name: "", department: nil,
                     quantity: Quantity(thousandths: 1), unitPrice: 999),  // 0.001 × 9.99 rounds to 0.01
            LineItem(lineId: "3", code: "ÄPFEL", name: "Äpfel, 1 kg – 50%", department: "=fruit",
                     quantity: Quantity(thousandths: 1250), unitPrice: 299),
        ]
        let nets: [MinorUnits] = [630, 1, 0]
        let bytes = TicketLines.encode(items) { nets[$0] }
        let lines = try TicketLines.decode(bytes, returned: ["3": Quantity(thousandths: 250)])
        #expect(lines.map(\.lineId) == ["1", "L%2", "3"])
        #expect(lines.map(\.code) == ["CAF-01", "BAG\n", "ÄPFEL"])
        #expect(lines.map(\.description) == ["Flat white\t12oz", "", "Äpfel, 1 kg – 50%"])
        #expect(lines.map(\.department) == ["coffee", nil, "=fruit"])
        #expect(lines.map(\.gross) == [700, 1, 374])
        #expect(lines.map(\.net) == [630, 1, 0])
        #expect(lines.map(\.discount) == [70, 0, 374])
        #expect(lines.map(\.returned) == [.zero, .zero, Quantity(thousandths: 250)])
    }

    @Test func foreignBytesAreRefused() {
        #expect(throws: TillError.self) { try TicketLines.decode(Array("R1\tx".utf8)) }
        #expect(throws: TillError.self) { try TicketLines.decode(Array("T1\nL\t1\tcode\t\t\tnot-a-number\t1\t1".utf8)) }
        #expect(throws: TillError.self) { try TicketLines.decode([]) }
    }
}
