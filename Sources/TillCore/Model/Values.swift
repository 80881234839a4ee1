/// Money in integer minor units of the purchase's currency (cents for EUR and USD). Never a floating-point value.
public typealias MinorUnits = Int64

/// Loyalty points: whole numbers only.
public typealias Points = Int64

/// An exact quantity in thousandths (`1.250` kg is `Quantity(thousandths: 1250)`).
///
/// Guarantees: arithmetic is exact; the wire form has at most three decimal places and parsing rejects more.
public struct Quantity: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var thousandths: Int64

    public init(thousandths: Int64) { self.thousandths = thousandths }

    /// A whole number of units.
    public init(units: Int64) { self.thousandths = units * 1000 }

    public static let zero = Quantity(thousandths: 0)
    public static let one = Quantity(units: 1)

    public static func < (lhs: Quantity, rhs: Quantity) -> Bool { lhs.thousandths < rhs.thousandths }
    public static func + (lhs: Quantity, rhs: Quantity) -> Quantity { Quantity(thousandths: lhs.thousandths + rhs.thousandths) }
    public static func - (lhs: Quantity, rhs: Quantity) -> Quantity { Quantity(thousandths: lhs.thousandths - rhs.thousandths) }

    /// Whole units contained (floor), e.g. for per-unit punches: `2.500` gives 2.
    public var wholeUnits: Int64 { thousandths / 1000 }

    /// The decimal form used on the wire: `2`, `1.25`, `0.005` (no trailing zeros, no exponent).
    public var description: String {
        let sign = thousandths < 0 ? "-" : ""
        let magnitude = thousandths.magnitude
        let whole = magnitude / 1000
        var fraction = magnitude % 1000
        if fraction == 0 { return "\(sign)\(whole)" }
        var digits = 3
        while fraction % 10 == 0 { fraction /= 10; digits -= 1 }
        let padded = String(fraction)
        return "\(sign)\(whole)." + String(repeating: "0", count: digits - padded.count) + padded
    }
}

/// An instant with the UTC offset it was written in (kept so that a timestamp round-trips exactly on the wire).
///
/// Guarantees: ordering and equality of instants use `millisecondsSinceEpoch` only.
public struct Timestamp: Hashable, Comparable, Sendable {
    /// Milliseconds since 1970-01-01T00:00:00Z.
    public var millisecondsSinceEpoch: Int64
    /// The offset from UTC in minutes of the zone the timestamp was written in (0 for `Z`).
    public var utcOffsetMinutes: Int32

    public init(millisecondsSinceEpoch: Int64, utcOffsetMinutes: Int32 = 0) {
        self.millisecondsSinceEpoch = millisecondsSinceEpoch
        self.utcOffsetMinutes = utcOffsetMinutes
    }

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool {
        lhs.millisecondsSinceEpoch < rhs.millisecondsSinceEpoch
    }
    public static func == (lhs: Timestamp, rhs: Timestamp) -> Bool {
        lhs.millisecondsSinceEpoch == rhs.millisecondsSinceEpoch
    }
    public func hash(into hasher: inout Hasher) { hasher.combine(millisecondsSinceEpoch) }

    /// This instant plus whole days (86,400,000 ms each), in the same zone.
    public func adding(days: Int64) -> Timestamp {
        Timestamp(millisecondsSinceEpoch: millisecondsSinceEpoch + days * 86_400_000, utcOffsetMinutes: utcOffsetMinutes)
    }
}

/// The identity of one POS till: which branch and which POS within it. Terminals are bound to one on `hello`.
public struct TerminalIdentity: Hashable, Sendable {
    public var branchId: String
    public var posId: String
    public init(branchId: String, posId: String) {
        self.branchId = branchId
        self.posId = posId
    }
}
