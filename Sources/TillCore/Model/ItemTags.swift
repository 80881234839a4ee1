/// The tags of one line item (`["cafe"]`, `["retail", "coffee"]`): an immutable collection of strings, in order,
/// duplicates and empty strings kept as sent.
///
/// Guarantees: behaves as the `[String]` it holds — same elements in the same order, `==` exactly when the arrays are
/// equal, and the same hash as that array (`tags.hashValue == Array(tags).hashValue`), whatever the representation.
/// Up to two tags (the usual case) are stored inline, with no heap allocation of their own (tags of at most 15
/// UTF-8 bytes are standard-library small strings, so those need none at all); three or more are kept in one array.
/// No tags and one tag hold no other reference-counted storage (copying or destroying them costs at most one
/// release).
@frozen
public struct ItemTags: RandomAccessCollection, ExpressibleByArrayLiteral, Hashable, Sendable, CustomStringConvertible {
    // One case per usual size, so that the usual item (one tag) holds one reference-counted word, not three.
    @usableFromInline
    enum Storage: Sendable {
        case none
        case one(String)
        case two(String, String)
        /// Three or more.
        case many([String])
    }
    @usableFromInline var storage: Storage

    /// No tags.
    @inlinable
    public init() { storage = .none }

    /// One tag.
    @inlinable
    public init(_ tag: String) { storage = .one(tag) }

    /// Two tags, in this order.
    @inlinable
    public init(_ tag: String, _ other: String) { storage = .two(tag, other) }

    /// The tags of `tags`, in order.
    @inlinable
    public init(_ tags: [String]) {
        switch tags.count {
        case 0: storage = .none
        case 1: storage = .one(tags[0])
        case 2: storage = .two(tags[0], tags[1])
        default: storage = .many(tags)
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
    @inlinable public var endIndex: Int {
        switch storage {
        case .none: 0
        case .one: 1
        case .two: 2
        case .many(let tags): tags.count
        }
    }
    @inlinable public var count: Int { endIndex }
    @inlinable public var isEmpty: Bool { endIndex == 0 }

    @inlinable
    public subscript(position: Int) -> String {
        switch storage {
        case .one(let tag) where position == 0: return tag
        case .two(let tag, _) where position == 0: return tag
        case .two(_, let other) where position == 1: return other
        case .many(let tags): return tags[position]
        default: preconditionFailure("ItemTags index out of range")
        }
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
