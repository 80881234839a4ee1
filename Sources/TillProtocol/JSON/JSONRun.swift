import TillCore

/// A cursor filling one bounded run of compact JSON reserved by `JSONWriter.run`: many values for one capacity and
/// one uniqueness check of the writer's buffer, instead of one per value (the hot messages' objects, a line item).
///
/// Guarantees: never writes past the reserved bound (a precondition on every write); the values come out byte for
/// byte as the `JSONWriter` methods of the same name write them; `plainString` refuses (returns false, writing
/// nothing) a string the writer would escape, so the caller can give up the run and take the general path.
struct JSONRun {
    private let base: UnsafeMutablePointer<UInt8>
    private let limit: Int
    /// Bytes written so far.
    private(set) var count = 0

    /// `SmallASCIIString.layoutHolds`, read once per run.
    private let smallStrings = SmallASCIIString.layoutHolds

    init(_ base: UnsafeMutablePointer<UInt8>, limit: Int) {
        self.base = base
        self.limit = limit
    }

    @inline(__always)
    private func reserve(_ n: Int) { precondition(count + n <= limit, "a JSON run outgrew its reservation") }

    @inline(__always)
    mutating func byte(_ b: UInt8) {
        reserve(1)
        base[count] = b
        count += 1
    }

    /// Bytes as they are: keys with their quotes and colon, punctuation.
    @inline(__always)
    mutating func raw(_ s: StaticString) {
        let n = s.utf8CodeUnitCount
        reserve(n)
        (base + count).update(from: s.utf8Start, count: n)
        count += n
    }

    /// `"k":`, a key of the writer's (no escape needed).
    @inline(__always)
    mutating func key(_ k: StaticString) {
        let n = k.utf8CodeUnitCount
        reserve(n + 3)
        base[count] = UInt8(ascii: "\"")
        copyBytes(base + count + 1, k.utf8Start, n)
        base[count + n + 1] = UInt8(ascii: "\"")
        base[count + n + 2] = UInt8(ascii: ":")
        count += n + 3
    }

    /// Bytes already in their JSON form (a fragment the writer made earlier).
    @inline(__always)
    mutating func bytes(_ b: UnsafeBufferPointer<UInt8>) {
        guard let source = b.baseAddress, b.count > 0 else { return }
        reserve(b.count)
        copyBytes(base + count, source, b.count)
        count += b.count
    }

    /// `s` quoted, when it needs no escape (no `"`, `\` or control byte); false, with nothing written, otherwise.
    /// A small ASCII string (ids, codes, kinds: most of them) is tested and copied from its own two words.
    @inline(__always)
    mutating func plainString(_ s: String) -> Bool {
        if smallStrings, let (w0, w1, n) = SmallASCIIString.words(of: s) {
            // Flags on the string's bytes only (past `count` the words hold zeros, which the test flags too).
            let low: UInt64 = n >= 8 ? ~0 : (1 &<< (8 &* UInt64(n))) &- 1
            let high: UInt64 = n > 8 ? (1 &<< (8 &* UInt64(n &- 8))) &- 1 : 0
            guard WireScanner.specialBytes(w0) & low == 0, WireScanner.specialBytes(w1) & high == 0 else { return false }
            reserve(n + 2)
            base[count] = UInt8(ascii: "\"")
            withUnsafeBytes(of: (w0.littleEndian, w1.littleEndian)) { copyBytes(base + count + 1, $0.baseAddress!.assumingMemoryBound(to: UInt8.self), n) }
            base[count + 1 + n] = UInt8(ascii: "\"")
            count += n + 2
            return true
        }
        let written = s.utf8.withContiguousStorageIfAvailable { u -> Bool in
            guard let source = u.baseAddress, u.count > 0 else {
                raw("\"\"")
                return true
            }
            guard Self.needsNoEscape(source, u.count) else { return false }
            reserve(u.count + 2)
            base[count] = UInt8(ascii: "\"")
            copyBytes(base + count + 1, source, u.count)
            base[count + 1 + u.count] = UInt8(ascii: "\"")
            count += u.count + 2
            return true
        }
        return written ?? false
    }

    /// No byte of the `n` (> 0) at `p` needs an escape: eight at a time with the scanner's word test, which also
    /// flags non-ASCII bytes, so a flagged word is decided byte by byte.
    @inline(__always)
    private static func needsNoEscape(_ p: UnsafePointer<UInt8>, _ n: Int) -> Bool {
        let raw = UnsafeRawPointer(p)
        var k = 0
        while k < n {
            let at = min(k, n - 8)  // the last word overlaps the one before it rather than reading past the end
            if n >= 8, WireScanner.specialBytes(raw.loadUnaligned(fromByteOffset: at, as: UInt64.self)) == 0 {
                k = at + 8
                continue
            }
            let end = n >= 8 ? at + 8 : n
            for j in k..<end where p[j] < 0x20 || p[j] == UInt8(ascii: "\"") || p[j] == UInt8(ascii: "\\") { return false }
            k = end
        }
        return true
    }

    /// A timestamp in its canonical form, quoted, as `JSONWriter.timestamp`.
    mutating func timestamp(_ t: Timestamp) {
        reserve(2 + TimestampCodec.maxLength)
        base[count] = UInt8(ascii: "\"")
        let n = TimestampCodec.format(t, to: base + count + 1)
        base[count + 1 + n] = UInt8(ascii: "\"")
        count += n + 2
    }

    /// An integer, as `JSONWriter.int`.
    mutating func int(_ v: Int64) {
        if v < 0 { byte(UInt8(ascii: "-")) }
        digits(v.magnitude, minimumCount: 1)
    }

    /// A quantity in its canonical wire form (`Quantity.description`): whole units as an integer, else up to three
    /// decimals without trailing zeros.
    mutating func quantity(_ q: Quantity) {
        if q.thousandths < 0 { byte(UInt8(ascii: "-")) }
        let magnitude = q.thousandths.magnitude
        digits(magnitude / 1000, minimumCount: 1)
        var fraction = magnitude % 1000
        guard fraction != 0 else { return }
        var places = 3
        while fraction % 10 == 0 { fraction /= 10; places -= 1 }
        byte(UInt8(ascii: "."))
        digits(fraction, minimumCount: places)
    }

    /// The decimal digits of `m`, left-padded with zeros to `minimumCount`: counted by comparison, written two at a
    /// time from a table (half the divisions of one digit at a time).
    private mutating func digits(_ m: UInt64, minimumCount: Int) {
        var n = 1, limit: UInt64 = 10
        while n < 20 && m >= limit { n += 1; limit &*= 10 }  // 10^19 is the largest power below 2^64
        n = max(n, minimumCount)
        reserve(n)
        let pairs = Self.digitPairs.utf8Start
        var value = m, k = count + n
        while value >= 100 {
            let r = Int(value % 100)
            value /= 100
            k -= 2
            base[k] = pairs[2 * r]
            base[k + 1] = pairs[2 * r + 1]
        }
        if value >= 10 {
            k -= 2
            base[k] = pairs[2 * Int(value)]
            base[k + 1] = pairs[2 * Int(value) + 1]
        } else {
            k -= 1
            base[k] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: value)
        }
        while k > count {
            k -= 1
            base[k] = UInt8(ascii: "0")
        }
        count += n
    }

    /// "00", "01", … "99" back to back.
    private static let digitPairs: StaticString = """
        00010203040506070809101112131415161718192021222324252627282930313233343536373839\
        40414243444546474849505152535455565758596061626364656667686970717273747576777879\
        8081828384858687888990919293949596979899
        """
}
