/// The documented bounds the decoder enforces (PROTOCOL.md, "Limits").
public enum WireLimits {
    /// Money amounts in minor units: 0 ... 10^12.
    public static let money: ClosedRange<Int64> = 0...1_000_000_000_000
    /// Point amounts: 0 ... 10^12.
    public static let points: ClosedRange<Int64> = 0...1_000_000_000_000
    /// Signed deltas (wallet adjustments, punches).
    public static let signed: ClosedRange<Int64> = -1_000_000_000_000...1_000_000_000_000
    /// Members identified on one purchase or `identify`.
    public static let maxMembers = 5
    public static let maxItems = 500
    public static let maxPayments = 20
    public static let maxRedemptions = 20
    public static let maxTags = 50
    /// Rows per page of operator list ops.
    public static let maxPage: Int64 = 50
}
