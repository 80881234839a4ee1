/// Bytes accepted by `Connection.write` and not yet taken by the kernel (or by OpenSSL). Small writes are coalesced
/// into the last chunk (up to `coalesceLimit`), so many small frames cost few syscalls; storage is released when
/// the queue empties, so idle connections hold no write memory.
struct PendingWrites {
    static let coalesceLimit = 64 * 1024

    private var chunks: [[UInt8]] = []
    private var head = 0
    private var offset = 0
    private(set) var byteCount = 0

    var isEmpty: Bool { byteCount == 0 }

    mutating func append(_ bytes: some Collection<UInt8>) {
        guard !bytes.isEmpty else { return }
        byteCount += bytes.count
        if chunks.count > head, chunks[chunks.count - 1].count + bytes.count <= Self.coalesceLimit {
            chunks[chunks.count - 1].append(contentsOf: bytes)
        } else {
            chunks.append(Array(bytes))
        }
    }

    /// Calls `body` with the oldest unsent bytes; `body` returns how many it sent (0 = none).
    mutating func sendFirst(_ body: (UnsafeRawBufferPointer) -> Int) -> Int {
        guard head < chunks.count else { return 0 }
        let start = offset
        let sent = chunks[head].withUnsafeBytes { body(UnsafeRawBufferPointer(rebasing: $0[start...])) }
        guard sent > 0 else { return 0 }
        byteCount -= sent
        offset += sent
        if offset == chunks[head].count {
            head += 1
            offset = 0
            if head == chunks.count {
                chunks = []
                head = 0
            } else if head >= 32 {
                chunks.removeFirst(head)
                head = 0
            }
        }
        return sent
    }

    mutating func removeAll() {
        chunks = []
        head = 0
        offset = 0
        byteCount = 0
    }
}
