/// The tags of one line item (`["cafe"]`, `["retail", "coffee"]`): an immutable collection of strings, in order,
/// duplicates and empty strings kept as sent.
///
/// Guarantees: behaves as the `[String]` it holds — same elements in the same order, `==` exactly when the arrays are
/// equal, and the same hash as that array (`tags.hashValue == Array(tags).hashValue`), whatever the representation.
/// Up to two tags (the usual case) are stored inline, with no heap allocation of their own (tags of at most 15
/// UTF-8 bytes are standard-library small strings, so those need none at all); three or more are kept in one array.
@frozen
public struct ItemTags: RandomAccessCollection, ExpressibleByArrayLiteral, Hashable, Sendable, CustomStringConvertible {
    // count 0...2: the tags are the first `inlineCount` of (first, second), unused ones empty, `spill` nil.
    // count > 2: all tags in `spill`; first and second empty.
    @usableFromInline var first: String
    @usableFromInline var second: String
    @usableFromInline var spill: [String]?
    @usableFromInline var inlineCount: UInt8

    /// No tags.
    @inlinable
    public init() {
        first = ""; second = ""; spill = nil; inlineCount = 0
    }

    /// One tag.
    @inlinable
    public init(_ tag: String) {
        first = tag; second = ""; spill = nil; inlineCount = 1
    }

    /// Two tags, in this order.
    @inlinable
    public init(_ tag: String, _ other: String) {
        first = tag; second = other; spill = nil; inlineCount = 2
    }

    /// The tags of `tags`, in order.
    @inlinable
    public init(_ tags: [String]) {
        switch tags.count {
        case 0: self.init()
        case 1: self.init(tags[0])
        case 2: self.init(tags[0], tags[1])
        default: self.init(); spill = tags
        }
    }

    /// The tags of `tags`, in order.
    @inlinable
    public init<S: Sequence>(_ tags: S) where S.Element == String {
        self.init(Array(tags))
    }

    @inlinable
    public init(arrayLiteral tags: String...) { self.init(tags) }

    // MARK: RandomAccessCollection

    @inlinable public var startIndex: Int { 0 }
    @inlinable public var endIndex: Int { spill?.count ?? Int(inlineCount) }
    @inlinable public var count: Int { endIndex }
    @inlinable public var isEmpty: Bool { endIndex == 0 }

    @inlinable
    public subscript(position: Int) -> String {
        if let spill { return spill[position] }
        precondition(position >= 0 && position < Int(inlineCount), "ItemTags index out of range")
        return position == 0 ? first : second
    }

    // MARK: Hashable, as the array

    @inlinable
    public static func == (lhs: ItemTags, rhs: ItemTags) -> Bool {
        lhs.count == rhs.count && lhs.elementsEqual(rhs)
    }

    /// The same hash as `Array(self)`: the count, then each tag.
    @inlinable
    public func hash(into hasher: inout Hasher) {
        hasher.combine(count)
        for tag in self { hasher.combine(tag) }
    }

    /// As the array: `["retail", "coffee"]`.
    public var description: String { Array(self).description }
}
