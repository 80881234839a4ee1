import TillCore

/// Writes compact JSON into a reusable byte buffer, keys in the order the caller writes them.
///
/// Guarantees: output is valid UTF-8 JSON with no insignificant whitespace; strings are escaped minimally (`"`,
/// `\`, and control characters as `\n`, `\r`, `\t`, `\b`, `\f` or `\u00XX`); integers are written exactly.
/// The caller is responsible for balanced begin/end calls.
public struct JSONWriter {
    /// The output so far (`used` bytes) followed by spare zeroed bytes that the writes fill through a pointer, so
    /// each write is one capacity check and one uniqueness check instead of one array append per byte run.
    private var storage: [UInt8]
    private var used: Int
    private var needsComma = false

    /// The bytes written so far (the buffer handed in, appended to).
    public var bytes: [UInt8] {
        get { used == storage.count ? storage : Array(storage[0..<used]) }
        set { storage = newValue; used = newValue.count }
    }

    /// A writer appending to `buffer` (pass a buffer taken with `swap` to avoid a copy).
    public init(into buffer: [UInt8] = []) {
        self.storage = buffer
        self.used = buffer.count
    }

    /// Writes into `buffer` in place: the buffer's storage is moved into the writer for `body` and back.
    public static func writing(into buffer: inout [UInt8], _ body: (inout JSONWriter) -> Void) {
        var w = JSONWriter()
        swap(&w.storage, &buffer)
        w.used = w.storage.count
        body(&w)
        w.trim()
        swap(&w.storage, &buffer)
    }

    /// Drops the spare bytes (the capacity stays).
    private mutating func trim() {
        if storage.count > used { storage.removeLast(storage.count - used) }
    }

    /// Writes `n` bytes at the end through `fill`, which gets the address to write to.
    @inline(__always)
    private mutating func write(_ n: Int, _ fill: (UnsafeMutablePointer<UInt8>) -> Void) {
        if used + n > storage.count { grow(n) }
        let at = used
        storage.withUnsafeMutableBufferPointer { p in fill(p.baseAddress! + at) }
        used += n
    }

    private mutating func grow(_ n: Int) {
        repeat { storage.append(contentsOf: Self.spare) } while used + n > storage.count
    }

    private static let spare = [UInt8](repeating: 0, count: 512)

    /// Writes one value of at most `maxCount` bytes through a single reservation (a separator first when one is
    /// due): `fill` writes it through a `JSONRun` and returns true, or returns false to give up, which leaves the
    /// output as it was.
    @inline(__always)
    mutating func run(maxCount: Int, _ fill: (inout JSONRun) -> Bool) -> Bool {
        let comma = needsComma ? 1 : 0
        if used + maxCount + comma > storage.count { grow(maxCount + comma) }
        let at = used
        var written = -1
        storage.withUnsafeMutableBufferPointer { p in
            var run = JSONRun(p.baseAddress! + at, limit: maxCount + comma)
            if comma == 1 { run.byte(UInt8(ascii: ",")) }
            if fill(&run) { written = run.count }
        }
        guard written >= 0 else { return false }
        used += written
        needsComma = true
        return true
    }

    @inline(__always) private mutating func byte(_ b: UInt8) {
        let comma = needsComma
        write(comma ? 2 : 1) { p in
            if comma { p[0] = UInt8(ascii: ","); p[1] = b } else { p[0] = b }
        }
    }

    public mutating func beginObject() { byte(UInt8(ascii: "{")); needsComma = false }
    public mutating func endObject() { needsComma = false; byte(UInt8(ascii: "}")); needsComma = true }
    public mutating func beginArray() { byte(UInt8(ascii: "[")); needsComma = false }
    public mutating func endArray() { needsComma = false; byte(UInt8(ascii: "]")); needsComma = true }

    /// Writes `"key":`; the next value call writes the value.
    public mutating func key(_ k: StaticString) {
        let n = k.utf8CodeUnitCount, comma = needsComma ? 1 : 0
        write(n + 3 + comma) { p in
            if comma == 1 { p[0] = UInt8(ascii: ",") }
            p[comma] = UInt8(ascii: "\"")
            copyBytes(p + comma + 1, k.utf8Start, n)
            p[comma + n + 1] = UInt8(ascii: "\"")
            p[comma + n + 2] = UInt8(ascii: ":")
        }
        needsComma = false
    }

    public mutating func string(_ s: String) {
        var s = s
        s.withUTF8 { u in
            var plain = true
            for b in u where b < 0x20 || b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") { plain = false; break }
            let comma = needsComma ? 1 : 0
            if plain {  // the usual case: one write
                write(u.count + 2 + comma) { p in
                    if comma == 1 { p[0] = UInt8(ascii: ",") }
                    p[comma] = UInt8(ascii: "\"")
                    if u.count > 0 { copyBytes(p + comma + 1, u.baseAddress!, u.count) }
                    p[comma + u.count + 1] = UInt8(ascii: "\"")
                }
                return
            }
            byte(UInt8(ascii: "\""))
            needsComma = false
            var runStart = 0
            for k in 0..<u.count {
                let b = u[k]
                guard b < 0x20 || b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") else { continue }
                raw(UnsafeBufferPointer(rebasing: u[runStart..<k]))
                appendEscape(b)
                runStart = k + 1
            }
            raw(UnsafeBufferPointer(rebasing: u[runStart..<u.count]))
            byte(UInt8(ascii: "\""))
        }
        needsComma = true
    }

    /// Bytes as they are (no separator).
    private mutating func raw(_ u: UnsafeBufferPointer<UInt8>) {
        guard let source = u.baseAddress, u.count > 0 else { return }
        write(u.count) { p in p.update(from: source, count: u.count) }
    }

    private mutating func appendEscape(_ b: UInt8) {
        let e: UInt8
        switch b {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"): e = b
        case 0x0A: e = UInt8(ascii: "n")
        case 0x0D: e = UInt8(ascii: "r")
        case 0x09: e = UInt8(ascii: "t")
        case 0x08: e = UInt8(ascii: "b")
        case 0x0C: e = UInt8(ascii: "f")
        default:
            let hex: StaticString = "0123456789abcdef"
            write(6) { p in
                p[0] = UInt8(ascii: "\\"); p[1] = UInt8(ascii: "u"); p[2] = UInt8(ascii: "0"); p[3] = UInt8(ascii: "0")
                p[4] = hex.utf8Start[Int(b >> 4)]; p[5] = hex.utf8Start[Int(b & 15)]
            }
            return
        }
        write(2) { p in p[0] = UInt8(ascii: "\\"); p[1] = e }
    }

    public mutating func int(_ v: Int64) {
        // Digits right to left into 24 bytes of scratch (20 digits and a sign at most), then one write.
        var tmp: (UInt64, UInt64, UInt64) = (0, 0, 0)
        let comma = needsComma ? 1 : 0
        withUnsafeMutableBytes(of: &tmp) { scratch in
            var n = scratch.count
            var m = v.magnitude
            repeat { n -= 1; scratch[n] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: m % 10); m /= 10 } while m > 0
            if v < 0 { n -= 1; scratch[n] = UInt8(ascii: "-") }
            let digits = UnsafeRawBufferPointer(rebasing: scratch[n...])
            write(digits.count + comma) { p in
                if comma == 1 { p[0] = UInt8(ascii: ",") }
                UnsafeMutableRawPointer(p + comma).copyMemory(from: digits.baseAddress!, byteCount: digits.count)
            }
        }
        needsComma = true
    }

    public mutating func bool(_ v: Bool) { literal(v ? "true" : "false") }

    public mutating func null() { literal("null") }

    private mutating func literal(_ word: StaticString) {
        let n = word.utf8CodeUnitCount, comma = needsComma ? 1 : 0
        write(n + comma) { p in
            if comma == 1 { p[0] = UInt8(ascii: ",") }
            (p + comma).update(from: word.utf8Start, count: n)
        }
        needsComma = true
    }

    /// The canonical wire form (`Quantity.description`), written in place.
    public mutating func quantity(_ q: Quantity) {
        _ = run(maxCount: 24) { r in r.quantity(q); return true }
    }

    public mutating func timestamp(_ t: Timestamp) {
        let comma = needsComma ? 1 : 0
        var n = 0
        write(comma + 2 + TimestampCodec.maxLength) { p in
            if comma == 1 { p[0] = UInt8(ascii: ",") }
            p[comma] = UInt8(ascii: "\"")
            n = TimestampCodec.format(t, to: p + comma + 1)
            p[comma + 1 + n] = UInt8(ascii: "\"")
        }
        used -= TimestampCodec.maxLength - n  // the spare tail stays spare
        needsComma = true
    }

    // Field shorthands: `key` then value; optional fields are omitted when nil.
    public mutating func field(_ k: StaticString, _ v: String) { if !plainField(k, v) { key(k); string(v) } }
    public mutating func field(_ k: StaticString, _ v: String?) { if let v { field(k, v) } }
    public mutating func field(_ k: StaticString, _ v: Int64) { key(k); int(v) }
    public mutating func field(_ k: StaticString, _ v: Int64?) { if let v { key(k); int(v) } }
    public mutating func field(_ k: StaticString, _ v: Bool) { key(k); bool(v) }
    public mutating func field(_ k: StaticString, _ v: Quantity) { key(k); quantity(v) }
    public mutating func field(_ k: StaticString, _ v: Timestamp) { key(k); timestamp(v) }
    public mutating func field(_ k: StaticString, _ v: Timestamp?) { if let v { key(k); timestamp(v) } }
    public mutating func field<E: RawRepresentable>(_ k: StaticString, _ v: E) where E.RawValue == String { field(k, v.rawValue) }
    public mutating func field<E: RawRepresentable>(_ k: StaticString, _ v: E?) where E.RawValue == String {
        if let v { field(k, v.rawValue) }
    }

    /// A string field in one run (the bytes of `key` then `string`) when the value needs no escape; false, with
    /// nothing written, otherwise.
    @inline(__always)
    private mutating func plainField(_ k: StaticString, _ v: String) -> Bool {
        run(maxCount: k.utf8CodeUnitCount + v.utf8.count + 5) { r in
            r.key(k)
            return r.plainString(v)
        }
    }
    public mutating func field(_ k: StaticString, _ v: [String]) {
        key(k); beginArray(); for s in v { string(s) }; endArray()
    }
    public mutating func field(_ k: StaticString, _ v: ItemTags) {
        key(k); beginArray(); for s in v { string(s) }; endArray()
    }
    public mutating func field<T: WireEncodable>(_ k: StaticString, _ v: T) { key(k); v.encode(to: &self) }
    public mutating func field<T: WireEncodable>(_ k: StaticString, _ v: T?) { if let v { key(k); v.encode(to: &self) } }
    public mutating func field<T: WireEncodable>(_ k: StaticString, _ v: [T]) {
        key(k); beginArray(); for e in v { e.encode(to: &self) }; endArray()
    }
}

/// A value with a wire form: writes itself as one JSON value (an object for every message type).
public protocol WireEncodable {
    func encode(to w: inout JSONWriter)
}

/// A value readable from a JSON object, strictly: throws `invalidRequest` naming the offending path.
public protocol WireDecodable {
    init(wire o: JSONObjectReader) throws(TillError)
}

/// Both directions; `decode(encode(x)) == x` for every value the protocol can carry.
public typealias WireCodable = WireEncodable & WireDecodable

/// Copies `n` bytes (short runs: keys, names, ids) without a call to `memcpy`: two overlapping loads and stores
/// of the widest size that fits, all within both ranges.
@inline(__always)
func copyBytes(_ to: UnsafeMutablePointer<UInt8>, _ from: UnsafePointer<UInt8>, _ n: Int) {
    let src = UnsafeRawPointer(from), dst = UnsafeMutableRawPointer(to)
    if n >= 8 {
        var k = 0
        while k + 8 < n {
            dst.storeBytes(of: src.loadUnaligned(fromByteOffset: k, as: UInt64.self), toByteOffset: k, as: UInt64.self)
            k += 8
        }
        dst.storeBytes(of: src.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self), toByteOffset: n - 8, as: UInt64.self)
    } else if n >= 4 {
        let head = src.loadUnaligned(as: UInt32.self), tail = src.loadUnaligned(fromByteOffset: n - 4, as: UInt32.self)
        dst.storeBytes(of: head, as: UInt32.self)
        dst.storeBytes(of: tail, toByteOffset: n - 4, as: UInt32.self)
    } else {
        for k in 0..<n { to[k] = from[k] }
    }
}
