import TillCore

/// A 128-bit fingerprint of a request body's canonical encoding: what the store keeps with an exactly-once
/// operation to tell a replay (same fingerprint) from a conflict (same id, different fingerprint).
///
/// Canonical encoding (PROTOCOL.md, "Exactly once"): the op name, a line feed, then the body written by this
/// codec as compact JSON: fixed key order, defaults written out (`orderType`, `discount`, `tax`, empty arrays),
/// absent optionals omitted, quantities without trailing zeros, timestamps in canonical form with their offset.
/// The envelope `id` is not part of it. The hash is 128-bit FNV-1a over those bytes.
///
/// Guarantees: requests that decode to equal typed values have equal fingerprints, whatever their key order,
/// whitespace, escapes or omitted defaults; the value is stable across builds and platforms (no seeded hashing).
public struct Fingerprint: Hashable, Sendable, CustomStringConvertible {
    public let high: UInt64
    public let low: UInt64

    /// The 16 bytes (high word first, big-endian) the store keeps with an exactly-once operation.
    public var bytes: [UInt8] {
        withUnsafeBytes(of: high.bigEndian, Array.init) + withUnsafeBytes(of: low.bigEndian, Array.init)
    }

    /// 32 lowercase hex digits.
    public var description: String {
        let h = String(high, radix: 16), l = String(low, radix: 16)
        return String(repeating: "0", count: 16 - h.count) + h + String(repeating: "0", count: 16 - l.count) + l
    }

    /// The canonical bytes of an exactly-once request (`purchase`, `void`, `return`, `wallet.adjust`); nil for
    /// other requests.
    public static func canonicalBytes(of request: Request) -> [UInt8]? {
        switch request {
        case .purchase, .void, .return, .operator(.walletAdjust): break
        default: return nil
        }
        var out = Array(request.op.rawValue.utf8)
        out.append(0x0A)
        JSONWriter.writing(into: &out) { w in request.body.encode(to: &w) }
        return out
    }

    /// The fingerprint of an exactly-once request; nil for other requests.
    public static func of(_ request: Request) -> Fingerprint? {
        canonicalBytes(of: request).map { fnv1a128($0) }
    }

    static func fnv1a128(_ bytes: [UInt8]) -> Fingerprint {
        let h = Hashing.fnv1a128(bytes)
        return Fingerprint(high: UInt64(truncatingIfNeeded: h >> 64), low: UInt64(truncatingIfNeeded: h))
    }
}
