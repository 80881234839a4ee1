/// Exact parsing of JSON number tokens (already grammar-checked by the parser) into integers and fixed-point values.
///
/// Guarantees: never rounds; returns nil on a fraction or exponent where none is allowed, on too many decimals,
/// and on 64-bit overflow.
enum JSONNumberParser {
    /// An integer literal: `-?digits` only.
    static func integer(_ b: UnsafeBufferPointer<UInt8>) -> Int64? {
        var k = 0
        let negative = b[0] == UInt8(ascii: "-")
        if negative { k = 1 }
        var v: Int64 = 0
        while k < b.count {
            let d = b[k] &- UInt8(ascii: "0")
            guard d < 10 else { return nil }
            let (m, o1) = v.multipliedReportingOverflow(by: 10)
            let (s, o2) = negative ? m.subtractingReportingOverflow(Int64(d)) : m.addingReportingOverflow(Int64(d))
            guard !o1 && !o2 else { return nil }
            v = s
            k += 1
        }
        return v
    }

    /// A decimal with at most three fraction digits, in thousandths.
    static func thousandths(_ b: UnsafeBufferPointer<UInt8>) -> Int64? {
        var k = 0
        let negative = b[0] == UInt8(ascii: "-")
        if negative { k = 1 }
        var v: Int64 = 0
        var fractionDigits = -1
        while k < b.count {
            let c = b[k]
            if c == UInt8(ascii: ".") { fractionDigits = 0; k += 1; continue }
            let d = c &- UInt8(ascii: "0")
            guard d < 10 else { return nil }
            if fractionDigits >= 0 {
                fractionDigits += 1
                if fractionDigits > 3 { return nil }
            }
            let (m, o1) = v.multipliedReportingOverflow(by: 10)
            let (s, o2) = m.addingReportingOverflow(Int64(d))
            guard !o1 && !o2 else { return nil }
            v = s
            k += 1
        }
        for _ in 0..<(3 - max(fractionDigits, 0)) {
            let (m, o) = v.multipliedReportingOverflow(by: 10)
            guard !o else { return nil }
            v = m
        }
        return negative ? -v : v
    }
}
