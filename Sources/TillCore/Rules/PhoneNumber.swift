/// Phone numbers to E.164 (`+` and up to 15 digits), with a compact table of calling codes and trunk prefixes.
///
/// Guarantees: the same number typed nationally (`0151 2345678` with default country DE), internationally
/// (`+49 151 2345678`, `0049 151 2345678`) or with the trunk digit kept (`+49 (0)151 2345678`) gives the same
/// result (`+491512345678`); anything else than digits, spaces, `-`, `.`, `/`, `(`, `)` and one leading `+` is
/// rejected, and so are numbers whose length does not fit the country.
public enum PhoneNumber {
    /// One country: calling code, national trunk prefix (dropped after the calling code) and the allowed lengths of
    /// the national significant number.
    public struct Country: Hashable, Sendable {
        public var callingCode: String
        public var trunkPrefix: String?
        public var lengths: ClosedRange<Int>
    }

    /// ISO 3166 alpha-2 → country rules. Italy keeps its leading 0 (no trunk prefix); NANP numbers may carry the
    /// trunk 1.
    public static let countries: [String: Country] = [
        "DE": Country(callingCode: "49", trunkPrefix: "0", lengths: 6...13),
        "AT": Country(callingCode: "43", trunkPrefix: "0", lengths: 4...13),
        "CH": Country(callingCode: "41", trunkPrefix: "0", lengths: 9...9),
        "FR": Country(callingCode: "33", trunkPrefix: "0", lengths: 9...9),
        "GB": Country(callingCode: "44", trunkPrefix: "0", lengths: 9...10),
        "IE": Country(callingCode: "353", trunkPrefix: "0", lengths: 7...9),
        "NL": Country(callingCode: "31", trunkPrefix: "0", lengths: 9...9),
        "BE": Country(callingCode: "32", trunkPrefix: "0", lengths: 8...9),
        "LU": Country(callingCode: "352", trunkPrefix: nil, lengths: 4...11),
        "IT": Country(callingCode: "39", trunkPrefix: nil, lengths: 6...11),
        "ES": Country(callingCode: "34", trunkPrefix: nil, lengths: 9...9),
        "PT": Country(callingCode: "351", trunkPrefix: nil, lengths: 9...9),
        "PL": Country(callingCode: "48", trunkPrefix: nil, lengths: 9...9),
        "DK": Country(callingCode: "45", trunkPrefix: nil, lengths: 8...8),
        "SE": Country(callingCode: "46", trunkPrefix: "0", lengths: 7...13),
        "NO": Country(callingCode: "47", trunkPrefix: nil, lengths: 8...8),
        "IL": Country(callingCode: "972", trunkPrefix: "0", lengths: 8...9),
        "US": Country(callingCode: "1", trunkPrefix: "1", lengths: 10...10),
        "CA": Country(callingCode: "1", trunkPrefix: "1", lengths: 10...10),
        "AU": Country(callingCode: "61", trunkPrefix: "0", lengths: 9...9),
    ]

    /// Calling code → country rules (NANP's "1" maps to US or CA: their rules are the same).
    static let byCallingCode: [String: Country] = Dictionary(countries.values.map { ($0.callingCode, $0) }) { first, _ in first }

    /// The E.164 form of `raw`, or nil when it is not a plausible phone number.
    public static func e164(_ raw: String, defaultCountry: String) -> String? {
        let trimmed = raw.trimmingSpaces()
        let scanned = trimmed.utf8.allSatisfy { $0 < 0x80 } ? scanASCII(trimmed) : scanCharacters(trimmed)
        guard var (digits, international) = scanned else { return nil }
        if !international && digits.hasPrefix("00") {
            international = true
            digits.removeFirst(2)
        }
        if international {
            // Longest known calling code first; unknown codes are accepted as plain E.164 lengths.
            for length in [3, 2, 1] where digits.count > length {
                let code = String(digits.prefix(length))
                guard let country = byCallingCode[code] else { continue }
                var national = String(digits.dropFirst(length))
                if let trunk = country.trunkPrefix, trunk == "0", national.hasPrefix("0") { national.removeFirst() }
                return finish(code: code, national: national, country: country)
            }
            guard (8...15).contains(digits.count), !digits.hasPrefix("0") else { return nil }
            return "+" + digits
        }
        guard let country = countries[defaultCountry.uppercased()] else { return nil }
        var national = digits
        if let trunk = country.trunkPrefix, national.hasPrefix(trunk),
            !country.lengths.contains(national.count) || trunk == "0"
        {
            national.removeFirst(trunk.count)
        }
        return finish(code: country.callingCode, national: national, country: country)
    }

    /// The digits of `text` (trunk digit in "+49 (0)…" dropped) and whether it started with `+`; nil for a character
    /// that has no place in a phone number, unbalanced parentheses or no digit.
    static func scanCharacters(_ text: String) -> (digits: String, international: Bool)? {
        var digits = ""
        var international = false
        var sawDigit = false
        var parenDigits = ""
        var inParens = false
        for ch in text {
            switch ch {
            case "+":
                if sawDigit || international { return nil }
                international = true
            case "0"..."9":
                sawDigit = true
                if inParens { parenDigits.append(ch) } else { digits.append(ch) }
            case "(":
                if inParens { return nil }
                inParens = true
                parenDigits = ""
            case ")":
                if !inParens { return nil }
                inParens = false
                // "+49 (0)151 …": a parenthesised lone 0 after an international prefix is the trunk digit.
                if !(international && parenDigits == "0" && !digits.isEmpty) { digits += parenDigits }
            case " ", "-", ".", "/", "\u{00A0}":
                continue
            default:
                return nil
            }
        }
        if inParens || digits.isEmpty { return nil }
        return (digits, international)
    }

    /// `scanCharacters` for ASCII text, on bytes (same answers: tested on random text).
    static func scanASCII(_ text: String) -> (digits: String, international: Bool)? {
        var digits: [UInt8] = [], parenDigits: [UInt8] = []
        var international = false, sawDigit = false, inParens = false
        for b in text.utf8 {
            switch b {
            case UInt8(ascii: "+"):
                if sawDigit || international { return nil }
                international = true
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                sawDigit = true
                if inParens { parenDigits.append(b) } else { digits.append(b) }
            case UInt8(ascii: "("):
                if inParens { return nil }
                inParens = true
                parenDigits.removeAll()
            case UInt8(ascii: ")"):
                if !inParens { return nil }
                inParens = false
                if !(international && parenDigits == [UInt8(ascii: "0")] && !digits.isEmpty) { digits += parenDigits }
            case UInt8(ascii: " "), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "/"):
                continue
            default:
                return nil
            }
        }
        if inParens || digits.isEmpty { return nil }
        return (String(decoding: digits, as: UTF8.self), international)
    }

    private static func finish(code: String, national: String, country: Country) -> String? {
        guard country.lengths.contains(national.count), code.count + national.count <= 15,
            !national.hasPrefix(country.trunkPrefix == "0" ? "0" : "-")
        else { return nil }
        return "+" + code + national
    }
}

extension String {
    /// Leading and trailing whitespace and newlines removed (Foundation-free).
    func trimmingSpaces() -> String {
        // Usual case: starts and ends with a printable ASCII character (Unicode's whitespace in ASCII is 0x09–0x0D
        // and 0x20; a last byte below 0x80 is a whole scalar).
        if let first = utf8.first, let last = utf8.last, (0x21..<0x80).contains(first), (0x21..<0x80).contains(last) { return self }
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })!
        return String(scalars[first...last])
    }
}
