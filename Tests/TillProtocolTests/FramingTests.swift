import Testing
import TillCore
@testable import TillProtocol

@Suite struct FramingTests {
    static let frames: [[UInt8]] = ExampleCatalog.requestFiles.map { client.encodeRequest($0.1) }

    @Test(arguments: [1, 2, 3, 4, 5] as [UInt64])
    func fragmentedInputYieldsTheSameFrames(seed: UInt64) throws {
        var rng = SeededRandom(seed: seed)
        let stream = Self.frames.flatMap { $0 }
        var decoder = FrameDecoder()
        var out: [[UInt8]] = []
        var at = 0
        while at < stream.count {
            let n = min(stream.count - at, Int.random(in: 1...(seed == 1 ? 1 : 700), using: &rng))
            try decoder.append(stream[at..<at + n])
            at += n
            while let f = decoder.nextFrame() { out.append(f) }
        }
        #expect(out == Self.frames.map { Array($0[4...]) })
        #expect(decoder.bufferedByteCount == 0)
        for (frame, (_, env)) in zip(out, ExampleCatalog.requestFiles) { #expect(try decodeOK(frame) == env) }
    }

    /// `frames(in:)` yields the same frames as `append` + `nextFrame` from any fragmentation; frames lying whole in a
    /// read are slices of it (not copied), frames split across reads are assembled.
    @Test(arguments: [1, 2, 3, 4, 5] as [UInt64])
    func framesInReadsAreSlicedWhenWholeAndAssembledWhenSplit(seed: UInt64) throws {
        var rng = SeededRandom(seed: seed)
        let stream = Self.frames.flatMap { $0 }
        var decoder = FrameDecoder()
        var out: [[UInt8]] = []
        var sliced = 0
        var at = 0
        while at < stream.count {
            let n = min(stream.count - at, Int.random(in: 1...(seed == 1 ? 1 : 2_000), using: &rng))
            let read = stream[at..<at + n]
            try decoder.frames(in: read) { frame in
                if read.indices.contains(frame.startIndex) && frame.endIndex <= read.endIndex && frame.startIndex > 0 { sliced += 1 }
                out.append(Array(frame))
            }
            at += n
        }
        #expect(out == Self.frames.map { Array($0[4...]) })
        #expect(decoder.bufferedByteCount == 0)
        if seed == 1 { #expect(sliced == 0) } else { #expect(sliced > 0) }
    }

    @Test func framesInReadsRefusesAnOversizedPrefixAfterTheFramesBeforeIt() {
        var decoder = FrameDecoder(maxFrameSize: 10)
        var seen: [[UInt8]] = []
        let read: [UInt8] = [0, 0, 0, 2, 0x7B, 0x7D, 0, 0, 0, 10] + [UInt8](repeating: 0x20, count: 10) + [0, 0, 0, 11, 1]
        #expect(throws: TillError.self) { try decoder.frames(in: read[...]) { seen.append(Array($0)) } }
        #expect(seen == [[0x7B, 0x7D], [UInt8](repeating: 0x20, count: 10)])
        #expect(throws: TillError.self) { try decoder.frames(in: [0, 0, 0, 1, 1][...]) { _ in } }
    }

    @Test func oversizedFrameIsRefusedBeforeBuffering() {
        var decoder = FrameDecoder(maxFrameSize: 1024)
        let header: [UInt8] = [0, 0, 4, 1]  // 1025
        #expect(throws: TillError.self) { try decoder.append(header[0..<4]) }
        #expect(decoder.bufferedByteCount == 0)
        // Framing is lost: every later append fails too, and nothing is buffered.
        #expect(throws: TillError.self) { try decoder.append([UInt8](repeating: 0x41, count: 100)) }
        #expect(decoder.bufferedByteCount == 0)
        #expect(decoder.nextFrame() == nil)
    }

    @Test func oversizedPrefixInTheMiddleOfAChunkIsRefusedAtOnce() throws {
        var decoder = FrameDecoder(maxFrameSize: 64 * 1024)
        var bytes = Self.frames[0]
        bytes += [0xFF, 0xFF, 0xFF, 0xFF] + [UInt8](repeating: 0x20, count: 1000)
        do {
            try decoder.append(bytes)
            Issue.record("accepted an oversized frame")
        } catch {
            #expect(error.code == "invalid_frame")
        }
        #expect(decoder.nextFrame() == Array(Self.frames[0][4...]))
        #expect(decoder.bufferedByteCount == 0)
    }

    @Test func frameAtTheLimitIsAccepted() throws {
        var decoder = FrameDecoder(maxFrameSize: 10)
        try decoder.append([0, 0, 0, 10] + [UInt8](repeating: 0x20, count: 10))
        #expect(decoder.nextFrame()?.count == 10)
        #expect(throws: TillError.self) { try decoder.append([0, 0, 0, 0]) }  // empty frames are refused
    }

    /// A session raises the limit after `hello` for the frames still to come, including one whose prefix is split.
    @Test func limitRaisedForLaterFrames() throws {
        var decoder = FrameDecoder(maxFrameSize: 10)
        try decoder.append([0, 0, 0, 2, 0x7B, 0x7D, 0, 0])  // a frame, then half of the next prefix
        decoder.limitFrames(to: 100)
        try decoder.append([0, 50] + [UInt8](repeating: 0x20, count: 50))
        #expect(decoder.nextFrame() == [0x7B, 0x7D] && decoder.nextFrame()?.count == 50)
        decoder.limitFrames(to: 10)
        #expect(throws: TillError.self) { try decoder.append([0, 0, 0, 11]) }
    }

    @Test func encoderWritesBigEndianLength() {
        var out: [UInt8] = [9]
        FrameEncoder.appendFrame([1, 2, 3], to: &out)
        #expect(out == [9, 0, 0, 0, 3, 1, 2, 3])
        var buf: [UInt8] = []
        server.encodeResponse(ResponseEnvelope(id: .int(1), op: .ping, result: .pong(Pong(serverTime: Timestamp(millisecondsSinceEpoch: 0)))), into: &buf)
        #expect(Array(buf[4...]) == Array(#"{"id":1,"op":"ping","result":{"serverTime":"1970-01-01T00:00:00Z"}}"#.utf8))
        #expect(buf[0...3] == [0, 0, 0, UInt8(buf.count - 4)])
    }
}
