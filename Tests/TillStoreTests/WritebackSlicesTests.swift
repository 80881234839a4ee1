import Testing
@testable import TillStore

/// `WritebackSlices`: how a checkpoint's writes to the database file are grouped for writing out before its fsync.
@Suite struct WritebackSlicesTests {
    /// Seeded sets of page writes (scattered, in any order, some pages written twice, some runs of neighbours): the
    /// slices cover every byte written, come in ascending order without overlapping, and hold at most the slice's
    /// number of writes (pages written twice overlap, and overlapping writes share a slice).
    @Test(arguments: [1, 2, 3, 4, 5, 6] as [UInt64])
    func slicesCoverEveryWriteInOrder(seed: UInt64) {
        var random = SplitMix64(state: seed)
        let page: Int64 = 4_096
        var recorder = WritebackSlices()
        var written: [WritebackSlices.Write] = []
        for _ in 0..<Int.random(in: 1...600, using: &random) {
            let first = Int64.random(in: 0..<5_000, using: &random)
            for next in 0..<Int64.random(in: 1...3, using: &random) {  // a run of neighbouring pages, now and then
                let write = WritebackSlices.Write(offset: (first + next) * page, count: page)
                recorder.record(offset: write.offset, count: write.count)
                written.append(write)
            }
        }
        let perSlice = Int.random(in: 1...32, using: &random)
        let slices = recorder.ranges(writesPerSlice: perSlice)
        #expect(!slices.isEmpty)
        for (before, after) in zip(slices, slices.dropFirst()) {
            #expect(before.end <= after.offset, "slices overlap or are out of order: \(before) then \(after)")
        }
        for write in written {
            #expect(slices.contains { $0.offset <= write.offset && write.end <= $0.end }, "\(write) is in no slice")
        }
        let distinctPages = Set(written.map(\.offset)).count
        #expect(slices.count >= (distinctPages + perSlice - 1) / perSlice / 2, "too few slices for \(distinctPages) pages")
        for slice in slices {
            let inside = written.filter { slice.offset <= $0.offset && $0.end <= slice.end }
            #expect(Set(inside.map(\.offset)).count <= perSlice, "\(inside.count) writes in one slice of \(perSlice)")
        }
    }

    /// Twenty pages in descending order, four per slice: five slices, each from its lowest page to the end of its
    /// highest, whatever lies between them.
    @Test func slicesAreCutEveryNWrites() {
        var recorder = WritebackSlices()
        for index in (0..<20).reversed() { recorder.record(offset: Int64(index) * 8_192, count: 4_096) }
        let slices = recorder.ranges(writesPerSlice: 4)
        #expect(slices == (0..<5).map { WritebackSlices.Write(offset: Int64($0) * 32_768, count: 3 * 8_192 + 4_096) })
    }

    /// Past `capacity` writes nothing is sliced (the fsync writes everything), and `take()` starts the recorder over.
    @Test func anOverflowSlicesNothingAndTakeStartsOver() {
        var recorder = WritebackSlices()
        for index in 0...WritebackSlices.capacity { recorder.record(offset: Int64(index) * 4_096, count: 4_096) }
        #expect(recorder.overflowed)
        let taken = recorder.take()
        #expect(taken.ranges(writesPerSlice: 16).isEmpty)
        #expect(!recorder.overflowed && recorder.writes.isEmpty)
        recorder.record(offset: 0, count: 4_096)
        #expect(recorder.ranges(writesPerSlice: 16) == [WritebackSlices.Write(offset: 0, count: 4_096)])
    }
}
