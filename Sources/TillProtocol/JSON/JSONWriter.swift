import TillCore

/// Writes compact JSON into a reusable byte buffer, keys in the order the caller writes them.
///
/// Guarantees: output is valid UTF-8 JSON with no insignificant whitespace; strings are escaped minimally (`"`,
/// `\`, and control characters as `\n`, `\r`, `\t`, `\b`, `\f` or `\u00XX`); integers are written exactly.
/// The caller is responsible for balanced begin/end calls.
public struct JSONWriter {
    /// The bytes written so far (the buffer handed in, appended to).
    public var bytes: [UInt8]
    private var needsComma = false

    /// A writer appending to `buffer` (pass a buffer taken with `swap` to avoid a copy).
    public init(into buffer: [UInt8] = []) {
        self.bytes = buffer
    }

    /// Writes into `buffer` in place: the buffer's storage is moved into the writer for `body` and back.
    public static func writing(into buffer: inout [UInt8], _ body: (inout JSONWriter) -> Void) {
        var w = JSONWriter()
        swap(&w.bytes, &buffer)
        body(&w)
        swap(&w.bytes, &buffer)
    }

    @inline(__always) private mutating func separate() {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
    }

    public mutating func beginObject() { separate(); bytes.append(UInt8(ascii: "{")); needsComma = false }
    public mutating func endObject() { bytes.append(UInt8(ascii: "}")); needsComma = true }
    public mutating func beginArray() { separate(); bytes.append(UInt8(ascii: "[")); needsComma = false }
    public mutating func endArray() { bytes.append(UInt8(ascii: "]")); needsComma = true }

    /// Writes `"key":`; the next value call writes the value.
    public mutating func key(_ k: StaticString) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        bytes.append(contentsOf: UnsafeBufferPointer(start: k.utf8Start, count: k.utf8CodeUnitCount))
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
        needsComma = false
    }

    public mutating func string(_ s: String) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        var s = s
        s.withUTF8 { u in
            var runStart = 0
            for k in 0..<u.count {
                let b = u[k]
                guard b < 0x20 || b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") else { continue }
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: u[runStart..<k]))
                appendEscape(b)
                runStart = k + 1
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: u[runStart..<u.count]))
        }
        bytes.append(UInt8(ascii: "\""))
        needsComma = true
    }

    private mutating func appendEscape(_ b: UInt8) {
        bytes.append(UInt8(ascii: "\\"))
        switch b {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"): bytes.append(b)
        case 0x0A: bytes.append(UInt8(ascii: "n"))
        case 0x0D: bytes.append(UInt8(ascii: "r"))
        case 0x09: bytes.append(UInt8(ascii: "t"))
        case 0x08: bytes.append(UInt8(ascii: "b"))
        case 0x0C: bytes.append(UInt8(ascii: "f"))
        default:
            let hex: [UInt8] = Array("0123456789abcdef".utf8)
            bytes.append(contentsOf: [UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), hex[Int(b >> 4)], hex[Int(b & 15)]])
        }
    }

    public mutating func int(_ v: Int64) {
        separate()
        if v < 0 { bytes.append(UInt8(ascii: "-")) }
        var m = v.magnitude
        if m < 10 {
            bytes.append(UInt8(ascii: "0") + UInt8(m))
        } else {
            var tmp: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes of scratch, enough for 20 digits
            withUnsafeMutableBytes(of: &tmp) { scratch in
                var n = scratch.count
                while m > 0 { n -= 1; scratch[n] = UInt8(ascii: "0") + UInt8(m % 10); m /= 10 }
                bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: scratch[n...]))
            }
        }
        needsComma = true
    }

    public mutating func bool(_ v: Bool) {
        separate()
        bytes.append(contentsOf: v ? [0x74, 0x72, 0x75, 0x65] : [0x66, 0x61, 0x6C, 0x73, 0x65])
        needsComma = true
    }

    public mutating func null() { separate(); bytes.append(contentsOf: [0x6E, 0x75, 0x6C, 0x6C]); needsComma = true }

    public mutating func quantity(_ q: Quantity) { separate(); bytes.append(contentsOf: q.description.utf8); needsComma = true }

    public mutating func timestamp(_ t: Timestamp) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        TimestampCodec.format(t, into: &bytes)
        bytes.append(UInt8(ascii: "\""))
        needsComma = true
    }

    // Field shorthands: `key` then value; optional fields are omitted when nil.
    public mutating func field(_ k: StaticString, _ v: String) { key(k); string(v) }
    public mutating func field(_ k: StaticString, _ v: String?) { if let v { key(k); string(v) } }
    public mutating func field(_ k: StaticString, _ v: Int64) { key(k); int(v) }
    public mutating func field(_ k: StaticString, _ v: Int64?) { if let v { key(k); int(v) } }
    public mutating func field(_ k: StaticString, _ v: Bool) { key(k); bool(v) }
    public mutating func field(_ k: StaticString, _ v: Quantity) { key(k); quantity(v) }
    public mutating func field(_ k: StaticString, _ v: Timestamp) { key(k); timestamp(v) }
    public mutating func field(_ k: StaticString, _ v: Timestamp?) { if let v { key(k); timestamp(v) } }
    public mutating func field<E: RawRepresentable>(_ k: StaticString, _ v: E) where E.RawValue == String { key(k); string(v.rawValue) }
    public mutating func field<E: RawRepresentable>(_ k: StaticString, _ v: E?) where E.RawValue == String {
        if let v { key(k); string(v.rawValue) }
    }
    public mutating func field(_ k: StaticString, _ v: [String]) {
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
