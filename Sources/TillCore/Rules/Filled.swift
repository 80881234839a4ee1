extension Array {
    /// `count` copies of `value`, as `Array(repeating:count:)` makes them. That initializer allocates through the
    /// standard library's unspecialized buffer path, which looks the storage class's metadata up at run time (several
    /// hundred instructions per array); this one reserves through the specialized path. The rules make a few such
    /// arrays per purchase.
    static func filled(_ value: Element, count: Int) -> [Element] {
        var array: [Element] = []
        array.reserveCapacity(count)
        for _ in 0..<count { array.append(value) }
        return array
    }
}
