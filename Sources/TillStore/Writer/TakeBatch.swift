extension Array {
    /// Removes and returns up to `limit` elements from the front, in order: the whole array without a copy when it
    /// fits (the writer's and the ledger's queues hand their waiting requests over as one batch).
    mutating func takeBatch(upTo limit: Int) -> [Element] {
        precondition(limit > 0, "a batch holds at least one element")
        if count <= limit {
            defer { self = [] }
            return self
        }
        let batch = Array(prefix(limit))
        removeFirst(limit)
        return batch
    }
}
