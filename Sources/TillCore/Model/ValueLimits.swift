/// The documented bounds on values (protocol/PROTOCOL.md §9, docs/rules.md "Limits"), in one place: the decoders,
/// the rules and the store check against these, so every sum and product the rules form fits an `Int64` with room
/// to spare and a value past a bound is a typed error naming the field, never a trap or a wrap.
///
/// Guarantees: with every input within these bounds, a purchase, quote, void, return, wallet adjustment and benefit
/// action computes without overflow; a result that would exceed a bound is refused (`invalid_request`).
public enum ValueLimits {
    /// Every money amount in minor units: unit prices, line amounts, discounts, tax, payments, subtotal and total.
    public static let maxMoney: MinorUnits = 1_000_000_000_000
    /// Points in one value: earned on one line, paid in one payment.
    public static let maxPoints: Points = 1_000_000_000_000
    /// One wallet of one member: spendable plus pending points, or credit. An operation that would take a wallet
    /// above it is refused.
    public static let maxBalance: Int64 = 1_000_000_000_000
    /// A line's quantity: one million units, in thousandths.
    public static let maxQuantityThousandths: Int64 = 1_000_000_000
    /// Punch-card rewards one purchase completes, over all punch cards: punches past the one that completes the
    /// last of them are not counted (the receipt shows the punches counted).
    public static let maxRewardsPerPurchase: Int64 = 20
    /// The latest instant the wire's timestamps can carry (9999-12-31T23:59:59.999Z): validity is never extended
    /// past it.
    public static let latestInstantMs: Int64 = 253_402_300_799_999
    /// The largest receipt Till writes, in bytes of its compact JSON: its answer (with the envelope) fits the default
    /// frame of 64 KiB. A purchase whose receipt would be larger is refused (`invalid_request`, field `items`).
    public static let maxReceiptBytes = 60 * 1024
}
