import TillCore

/// Splits a byte stream into frames: a 4-byte big-endian unsigned length (not counting itself), then that many
/// payload bytes. Bytes may arrive in pieces of any size.
///
/// Guarantees: a frame whose declared length exceeds `maxFrameSize` (or is zero) is rejected as soon as its length
/// prefix is complete, before any of its payload is buffered; after that the decoder stays failed (framing is lost,
/// the connection must be closed). Buffered bytes never exceed `maxFrameSize` + 4 per frame in progress plus the
/// completed frames not yet taken.
public struct FrameDecoder {
    public private(set) var maxFrameSize: Int
    private var header: UInt32 = 0
    private var headerBytes = 0
    private var payload: [UInt8] = []
    private var expected = 0
    private var ready: [[UInt8]] = []
    private var readyHead = 0
    private var failure: TillError?

    /// The default maximum payload size: 64 KiB.
    public static let defaultMaxFrameSize = 64 * 1024

    public init(maxFrameSize: Int = FrameDecoder.defaultMaxFrameSize) {
        self.maxFrameSize = maxFrameSize
    }

    /// Changes the limit for the frames whose length prefix is not complete yet (a frame already accepted keeps its
    /// length): a server raises it once a session's role allows bigger frames.
    public mutating func limitFrames(to maxFrameSize: Int) {
        self.maxFrameSize = maxFrameSize
    }

    /// Bytes held for the frame in progress (0 after a rejection).
    public var bufferedByteCount: Int { payload.count + headerBytes }

    /// Feeds received bytes. Throws `invalidFrame` when a length prefix is over the limit or zero; completed
    /// frames are taken with `nextFrame()`.
    public mutating func append(_ bytes: some Collection<UInt8>) throws(TillError) {
        // Through a buffer: called across the module boundary the generic collection is not specialised, and a
        // byte-by-byte walk through its witnesses cost an event loop ~3 % of its CPU per purchase (bench/daemon.md).
        var thrown: TillError?
        let done: Void? = bytes.withContiguousStorageIfAvailable { buffer in
            do throws(TillError) { try appendBytes(buffer) } catch { thrown = error }
        }
        if done == nil { try appendBytes(Array(bytes)) }
        if let thrown { throw thrown }
    }

    private mutating func appendBytes<Bytes: Collection<UInt8>>(_ bytes: Bytes) throws(TillError) {
        if let failure { throw failure }
        var index = bytes.startIndex
        while index != bytes.endIndex {
            if headerBytes < 4 {
                header = header << 8 | UInt32(bytes[index])
                headerBytes += 1
                index = bytes.index(after: index)
                if headerBytes == 4 { try startPayload() }
                continue
            }
            let take = min(expected - payload.count, bytes.distance(from: index, to: bytes.endIndex))
            let end = bytes.index(index, offsetBy: take)
            payload.append(contentsOf: bytes[index..<end])
            index = end
            if payload.count == expected { finishFrame() }
        }
    }

    private mutating func startPayload() throws(TillError) {
        let length = Int(header)
        guard length > 0, length <= maxFrameSize else {
            let error = TillError.invalidFrame(
                reason: length == 0 ? "empty frame" : "frame of \(length) bytes exceeds the maximum of \(maxFrameSize)")
            failure = error
            payload = []
            headerBytes = 0
            throw error
        }
        expected = length
        payload.reserveCapacity(length)
    }

    private mutating func finishFrame() {
        ready.append(payload)
        payload = []
        header = 0
        headerBytes = 0
        expected = 0
    }

    /// Feeds `bytes` and hands every completed frame's payload to `body`, in arrival order (frames appended earlier
    /// and not taken yet first). A frame lying whole inside `bytes` with nothing buffered before it is handed over
    /// as a slice of `bytes`, not copied; only a frame split across reads is assembled. Same limits and failure as
    /// `append`; the frames before a rejected length prefix are delivered first.
    public mutating func frames(in bytes: ArraySlice<UInt8>, _ body: (ArraySlice<UInt8>) -> Void) throws(TillError) {
        while let frame = nextFrame() { body(frame[...]) }
        if let failure { throw failure }
        var rest = bytes
        while headerBytes == 0 && rest.count >= 4 {
            let s = rest.startIndex
            let length = Int(UInt32(rest[s]) << 24 | UInt32(rest[s + 1]) << 16 | UInt32(rest[s + 2]) << 8 | UInt32(rest[s + 3]))
            guard length > 0, length <= maxFrameSize, rest.count - 4 >= length else { break }
            body(rest[(s + 4)..<(s + 4 + length)])
            rest = rest[(s + 4 + length)...]
        }
        try append(rest)
        while let frame = nextFrame() { body(frame[...]) }
    }

    /// The next complete frame's payload, in arrival order, or nil.
    public mutating func nextFrame() -> [UInt8]? {
        guard readyHead < ready.count else { return nil }
        let frame = ready[readyHead]
        readyHead += 1
        if readyHead == ready.count { ready.removeAll(keepingCapacity: true); readyHead = 0 }
        return frame
    }
}

/// Writes frames: the 4-byte big-endian length then the payload.
///
/// Guarantees: the length prefix always equals the payload byte count.
public enum FrameEncoder {
    /// Appends one frame holding `payload` to `out`.
    public static func appendFrame(_ payload: some Collection<UInt8>, to out: inout [UInt8]) {
        appendLength(UInt32(payload.count), to: &out)
        out.append(contentsOf: payload)
    }

    /// Appends a placeholder length prefix and returns its position for `patchLength`.
    static func beginFrame(_ out: inout [UInt8]) -> Int {
        let at = out.count
        out.append(contentsOf: [0, 0, 0, 0])
        return at
    }

    /// Writes the length of everything after the prefix at `at`.
    static func patchLength(_ out: inout [UInt8], at: Int) {
        let n = UInt32(out.count - at - 4)
        out[at] = UInt8(n >> 24); out[at + 1] = UInt8(n >> 16 & 0xFF); out[at + 2] = UInt8(n >> 8 & 0xFF); out[at + 3] = UInt8(n & 0xFF)
    }

    static func appendLength(_ n: UInt32, to out: inout [UInt8]) {
        out.append(contentsOf: [UInt8(n >> 24), UInt8(n >> 16 & 0xFF), UInt8(n >> 8 & 0xFF), UInt8(n & 0xFF)])
    }
}
