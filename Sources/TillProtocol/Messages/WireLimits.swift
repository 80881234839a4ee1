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
    /// Strings, unless a field states otherwise (PROTOCOL.md section 4).
    public static let maxTextBytes = 1024
    /// Ids (`transactionId`, `lineId`, item `code`, `memberKey`, `templateId`, …): 1 to 128 bytes.
    public static let maxIdBytes = 128
    /// Template names (they are repeated on receipts): at most 256 bytes.
    public static let maxNameBytes = 256
    /// Earning multipliers in percent (0 to 10 times).
    public static let earnPercent: ClosedRange<Int64> = 0...1000
    /// Rows per page of operator list ops.
    public static let maxPage: Int64 = 50
}
