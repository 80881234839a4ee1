import TillCore

/// ISO-8601 timestamps with a zone: `YYYY-MM-DDTHH:MM:SS[.f{1,3}](Z|±HH:MM)`, with civil-date arithmetic done here
/// (proleptic Gregorian, days-from-civil after H. Hinnant), no Foundation.
///
/// Guarantees: `parse` accepts only real dates (month lengths, leap years), hours 00-23, seconds 00-59, offsets up
/// to ±18:00, years 0001-9999; `format` writes the canonical form (fraction as exactly three digits only when the
/// milliseconds are not zero; `Z` for offset 0) and `parse(format(t))` restores both the instant and the offset.
public enum TimestampCodec {
    static func parse(_ b: UnsafeBufferPointer<UInt8>) -> Timestamp? {
        guard b.count >= 20 else { return nil }
        @inline(__always) func digits(_ at: Int, _ n: Int) -> Int64? {
            var v: Int64 = 0
            for k in at..<at + n {
                let d = b[k] &- UInt8(ascii: "0")
                guard d < 10 else { return nil }
                v = v * 10 + Int64(d)
            }
            return v
        }
        guard let year = digits(0, 4), b[4] == UInt8(ascii: "-"), let month = digits(5, 2), b[7] == UInt8(ascii: "-"),
            let day = digits(8, 2), b[10] == UInt8(ascii: "T"), let hour = digits(11, 2), b[13] == UInt8(ascii: ":"),
            let minute = digits(14, 2), b[16] == UInt8(ascii: ":"), let second = digits(17, 2)
        else { return nil }
        guard year >= 1, (1...12).contains(month), day >= 1, day <= daysInMonth(year, month), hour < 24, minute < 60,
            second < 60
        else { return nil }
        var k = 19
        var millis: Int64 = 0
        if b[k] == UInt8(ascii: ".") {
            k += 1
            var n = 0
            while k < b.count, b[k] &- UInt8(ascii: "0") < 10 {
                n += 1
                guard n <= 3 else { return nil }
                millis = millis * 10 + Int64(b[k] - UInt8(ascii: "0"))
                k += 1
            }
            guard n > 0 else { return nil }
            for _ in n..<3 { millis *= 10 }
        }
        guard k < b.count else { return nil }
        var offset: Int64 = 0
        if b[k] == UInt8(ascii: "Z") {
            guard k + 1 == b.count else { return nil }
        } else {
            guard k + 6 == b.count, b[k] == UInt8(ascii: "+") || b[k] == UInt8(ascii: "-"), let oh = digits(k + 1, 2),
                b[k + 3] == UInt8(ascii: ":"), let om = digits(k + 4, 2), om < 60, oh * 60 + om <= 18 * 60
            else { return nil }
            offset = (oh * 60 + om) * (b[k] == UInt8(ascii: "-") ? -1 : 1)
        }
        let days = daysFromCivil(year, month, day)
        let local = ((days * 24 + hour) * 60 + minute) * 60 + second
        return Timestamp(millisecondsSinceEpoch: (local - offset * 60) * 1000 + millis, utcOffsetMinutes: Int32(offset))
    }

    /// The longest canonical form: `YYYY-MM-DDTHH:MM:SS.mmm+HH:MM`.
    static let maxLength = 29

    /// Appends the canonical form of `t` to `out`.
    static func format(_ t: Timestamp, into out: inout [UInt8]) {
        var scratch: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        withUnsafeMutableBytes(of: &scratch) { raw in
            let p = raw.baseAddress!.assumingMemoryBound(to: UInt8.self)
            out.append(contentsOf: UnsafeBufferPointer(start: p, count: format(t, to: p)))
        }
    }

    /// Writes the canonical form of `t` at `p` (room for `maxLength` bytes); returns the length written.
    static func format(_ t: Timestamp, to p: UnsafeMutablePointer<UInt8>) -> Int {
        let offset = Int64(t.utcOffsetMinutes)
        let localMillis = t.millisecondsSinceEpoch &+ offset &* 60_000
        let millis = ((localMillis % 1000) + 1000) % 1000
        let seconds = (localMillis - millis) / 1000
        let secOfDay = ((seconds % 86_400) + 86_400) % 86_400
        let (y, m, d) = civilFromDays((seconds - secOfDay) / 86_400)
        var n = 0
        func put(_ v: Int64, _ width: Int) {
            var x = v.magnitude
            for k in stride(from: width - 1, through: 0, by: -1) { p[n + k] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: x % 10); x /= 10 }
            n += width
        }
        func char(_ c: Unicode.Scalar) { p[n] = UInt8(ascii: c); n += 1 }
        put(y, 4); char("-"); put(m, 2); char("-"); put(d, 2)
        char("T"); put(secOfDay / 3600, 2); char(":")
        put(secOfDay / 60 % 60, 2); char(":"); put(secOfDay % 60, 2)
        if millis != 0 { char("."); put(millis, 3) }
        if offset == 0 {
            char("Z")
        } else {
            char(offset < 0 ? "-" : "+")
            put(abs(offset) / 60, 2); char(":"); put(abs(offset) % 60, 2)
        }
        return n
    }

    /// The canonical string form.
    public static func string(_ t: Timestamp) -> String {
        var out: [UInt8] = []
        format(t, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Parses a timestamp string (for CLIs and tests; the wire path parses bytes directly).
    public static func parse(_ s: String) -> Timestamp? {
        var s = s
        return s.withUTF8 { parse($0) }
    }

    static func isLeap(_ y: Int64) -> Bool { y % 4 == 0 && (y % 100 != 0 || y % 400 == 0) }

    static func daysInMonth(_ y: Int64, _ m: Int64) -> Int64 {
        switch m {
        case 2: isLeap(y) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date.
    static func daysFromCivil(_ y0: Int64, _ m: Int64, _ d: Int64) -> Int64 {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The civil date of a day count since 1970-01-01.
    static func civilFromDays(_ z0: Int64) -> (Int64, Int64, Int64) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }
}
