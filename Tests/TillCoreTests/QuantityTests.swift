import Testing
import TillCore

@Suite struct QuantityTests {
    @Test func decimalFormDropsTrailingZeros() {
        #expect(Quantity(thousandths: 2000).description == "2")
        #expect(Quantity(thousandths: 1250).description == "1.25")
        #expect(Quantity(thousandths: 5).description == "0.005")
        #expect(Quantity(thousandths: -1500).description == "-1.5")
    }
    @Test func wholeUnitsFloor() {
        #expect(Quantity(thousandths: 2500).wholeUnits == 2)
    }
}
