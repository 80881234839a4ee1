/// The writes a checkpoint made to the database file, grouped into slices that its background fsync writes out one
/// at a time before it syncs (`BackgroundDatabaseSync`).
///
/// Why: a checkpoint copies ~1,000 scattered pages into the database file (at the 4 MiB busy bound). One fsync of them
/// puts them all in the disk's queue at once, and the journal's `fdatasync` issued meanwhile waits behind them. On this
/// project's VM a journal sync went from 0.3 ms to 3–4 ms during each such fsync. Written out in slices, waiting for
/// each (`sync_file_range`), the queue holds at most one slice when the journal's sync arrives. See bench/journal.md,
/// "The database file written out in slices".
///
/// Guarantees:
/// - `ranges(writesPerSlice:)` covers every byte of every recorded write, in ascending order, without overlaps;
/// - a range holds at most `writesPerSlice` recorded writes, unless writes overlap: overlapping writes stay in one
///   range;
/// - at most `capacity` writes are kept; a write past that sets `overflowed` and is not kept (the fsync then writes
///   everything at once, as without slices). Slices are a scheduling hint: the fsync that follows them is what makes
///   the file durable.
struct WritebackSlices {
    /// One write: `count` bytes at `offset`.
    struct Write: Equatable {
        var offset: Int64
        var count: Int64
        var end: Int64 { offset + count }
    }

    /// A checkpoint at the 4 MiB busy bound writes ~1,000 pages; a bulk import's checkpoint can write far more.
    static let capacity = 65_536

    private(set) var writes: [Write] = []
    private(set) var overflowed = false

    mutating func record(offset: Int64, count: Int64) {
        precondition(offset >= 0 && count >= 0, "a negative write")
        guard writes.count < Self.capacity else { overflowed = true; return }
        writes.append(Write(offset: offset, count: count))
    }

    /// The recorded writes, taken out (the recorder starts empty again).
    mutating func take() -> WritebackSlices {
        defer { self = WritebackSlices() }
        return self
    }

    /// The byte ranges to write out, one slice each; empty after an overflow (write everything with the fsync).
    func ranges(writesPerSlice: Int) -> [Write] {
        precondition(writesPerSlice > 0, "a slice holds at least one write")
        guard !overflowed, !writes.isEmpty else { return [] }
        // A checkpoint copies its pages in ascending order already; sorting costs nothing then.
        let sorted = writes.sorted { $0.offset < $1.offset }
        var slices: [Write] = []
        var current = sorted[0]
        var inCurrent = 1
        for write in sorted.dropFirst() {
            if write.offset < current.end || inCurrent < writesPerSlice {
                current.count = max(current.end, write.end) - current.offset
                inCurrent += 1
            } else {
                slices.append(current)
                current = write
                inCurrent = 1
            }
        }
        slices.append(current)
        return slices
    }
}
