import Testing
import TillProtocol

/// Amounts typed as shown are read exactly in the currency's minor units, or refused; never rounded.
@Suite struct MoneyTextTests {
    @Test func readsDecimalsExactly() {
        #expect(MoneyText.parse("2.50", digits: 2) == 250)
        #expect(MoneyText.parse("2,5", digits: 2) == 250)
        #expect(MoneyText.parse("0.07", digits: 2) == 7)
        #expect(MoneyText.parse("3", digits: 2) == 300)
        #expect(MoneyText.parse("250", digits: 0) == 250)
        #expect(MoneyText.parse("1.005", digits: 3) == 1_005)
        #expect(MoneyText.parse("92233720368547758.07", digits: 2) == Int64.max)
    }

    @Test func refusesWhatIsNotAnAmount() {
        for text in ["2.505", "1e3", "", "-1", ".5", "5.", "2.5.0", "0x10", " 1", "2.5", "92233720368547758.08", "1234567890123456789"] {
            let digits = text == "2.5" ? 0 : 2
            #expect(MoneyText.parse(text, digits: digits) == nil, "\(text)")
        }
    }

    @Test func formatsWhatItReads() {
        #expect(MoneyText.format(250, digits: 2) == "2.50")
        #expect(MoneyText.format(-7, digits: 2) == "-0.07")
        #expect(MoneyText.format(1_005, digits: 3) == "1.005")
        #expect(MoneyText.format(250, digits: 0) == "250")
        #expect(MoneyText.minorDigits("EUR") == 2 && MoneyText.minorDigits("jpy") == 0 && MoneyText.minorDigits("KWD") == 3)
        for minor: Int64 in [0, 1, 99, 100, 123_456, Int64.max] { #expect(MoneyText.parse(MoneyText.format(minor, digits: 2), digits: 2) == minor) }
    }
}
