/// A value bound to a statement parameter: the four storage classes Till uses (no floating point anywhere).
public enum SQLValue: Hashable, Sendable, ExpressibleByIntegerLiteral, ExpressibleByStringLiteral, ExpressibleByNilLiteral {
    case integer(Int64)
    case text(String)
    case blob([UInt8])
    case null

    public init(integerLiteral value: Int64) { self = .integer(value) }
    public init(stringLiteral value: String) { self = .text(value) }
    public init(nilLiteral: ()) { self = .null }

    /// `.integer` for a value, `.null` for nil.
    public static func optional(_ value: Int64?) -> SQLValue { value.map(SQLValue.integer) ?? .null }
    /// `.text` for a value, `.null` for nil.
    public static func optional(_ value: String?) -> SQLValue { value.map(SQLValue.text) ?? .null }
    /// `.integer(1)` or `.integer(0)`.
    public static func bool(_ value: Bool) -> SQLValue { .integer(value ? 1 : 0) }
}
