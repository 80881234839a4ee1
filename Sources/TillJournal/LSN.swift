/// A log sequence number: the position of one record in the journal. The first record ever written is 1; each
/// record's LSN is one more than the record before it, across segments, with no gaps.
public struct LSN: RawRepresentable, Comparable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt64

    public init(rawValue: UInt64) { self.rawValue = rawValue }
    public init(_ rawValue: UInt64) { self.rawValue = rawValue }

    /// Nothing written yet: the LSN before the first record.
    public static let none = LSN(0)

    /// The LSN right after this one.
    public var next: LSN { LSN(rawValue + 1) }

    public static func < (lhs: LSN, rhs: LSN) -> Bool { lhs.rawValue < rhs.rawValue }
    public var description: String { String(rawValue) }
}
