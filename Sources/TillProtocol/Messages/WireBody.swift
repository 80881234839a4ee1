/// A message body written as a JSON object. Request bodies are inlined next to `id` and `op` in the envelope, so
/// they write their fields without braces through `encodeFields`.
public protocol WireBody: WireCodable {
    func encodeFields(to w: inout JSONWriter)
}

extension WireBody {
    public func encode(to w: inout JSONWriter) { w.beginObject(); encodeFields(to: &w); w.endObject() }
}

/// An empty body (`ping`, `stats`, `terminal.list`, `operator.list`, `catalog.get`).
public struct EmptyBody: Hashable, Sendable, WireBody {
    public init() {}
    public init(wire o: JSONObjectReader) throws(TillError) {}
    public func encodeFields(to w: inout JSONWriter) {}
}

import TillCore

extension PurchaseRequest: WireBody {}
extension VoidRequest: WireBody {}
extension ReturnRequest: WireBody {}
extension Hello: WireBody {}
extension IdentifyRequest: WireBody {}
extension StatusRequest: WireBody {}
