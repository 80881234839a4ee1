import Foundation
import TillCore
@_spi(Benchmark) import TillProtocol

// Protocol codec benchmark: decode the reference purchase request and encode its receipt response, with TillProtocol
// and with Foundation's JSONDecoder/JSONEncoder on Codable mirrors. Run in release mode:
//   swift run -c release till-bench-protocol
// Reports the median over rounds of the mean time per message.

@inline(never) func blackHole<T>(_ x: T) { withExtendedLifetime(x) {} }

func measure(_ name: String, iterations: Int, rounds: Int = 15, _ body: () -> Void) -> Double {
    // Warm-up for a second of wall time, not a count: this VM runs everything about 1.7x slower for the first one to two
    // seconds of a process (encode, decode and Foundation alike, seen by interleaving them round by round), which a
    // short warm-up left in the first benchmark's rounds.
    let clock = ContinuousClock()
    let warmUpEnd = clock.now.advanced(by: .seconds(1))
    while clock.now < warmUpEnd { for _ in 0..<max(1, iterations / 10) { body() } }
    var perOp: [Double] = []
    for _ in 0..<rounds {
        let d = clock.measure { for _ in 0..<iterations { body() } }
        perOp.append(Double(d.components.attoseconds) / 1e12 / Double(iterations) + Double(d.components.seconds) * 1e6 / Double(iterations))
    }
    perOp.sort()
    let median = perOp[rounds / 2]
    print(String(format: "%-34@ median %8.3f µs/msg   (min %.3f, max %.3f)", name as NSString, median, perOp.first!, perOp.last!))
    return median
}

let server = ServerCodec()
let payload = Reference.requestPayload
let response = Reference.response
var buffer: [UInt8] = []
server.encodeResponse(response, into: &buffer)
let responsePayload = Array(buffer[4...])
print("request payload: \(payload.count) bytes, response payload: \(responsePayload.count) bytes")

// Sanity: both sides read the same message.
guard case .success(let env) = server.decodeRequest(payload), env.request == .purchase(Reference.purchase) else { fatalError("decode mismatch") }
let decoder = JSONDecoder()
let encoder = JSONEncoder()
let mirror = try decoder.decode(PurchaseEnvelopeC.self, from: Data(payload))
precondition(mirror.items.count == 10)
let receiptMirror = try decoder.decode(ResponseEnvelopeC.self, from: Data(responsePayload))

if ProcessInfo.processInfo.environment["BENCH_ONLY"] == "decode" {  // for profiling
    // BENCH_ITERATIONS shortens the run under valgrind (the per-call cost is what callgrind reports); BENCH_PARSE=0
    // leaves out the parse-only loop (for `perf stat` cycle counts of the decode alone).
    let n = ProcessInfo.processInfo.environment["BENCH_ITERATIONS"].flatMap { Int($0) } ?? 20_000
    if ProcessInfo.processInfo.environment["BENCH_PARSE"] != "0" {
        _ = measure("TillProtocol parse only", iterations: n) { blackHole(server.parseOnly(payload)) }
    }
    _ = measure("TillProtocol decode purchase", iterations: n) { blackHole(server.decodeRequest(payload)) }
    exit(0)
}
if ProcessInfo.processInfo.environment["BENCH_ONLY"] == "encode" {  // for profiling
    let n = ProcessInfo.processInfo.environment["BENCH_ITERATIONS"].flatMap { Int($0) } ?? 20_000
    _ = measure("TillProtocol encode receipt", iterations: n) {
        buffer.removeAll(keepingCapacity: true)
        server.encodeResponse(response, into: &buffer)
        blackHole(buffer.count)
    }
    exit(0)
}
let tillDecode = measure("TillProtocol decode purchase", iterations: 20_000) {
    blackHole(server.decodeRequest(payload))
}
let compact = Reference.compactPayload
let tillDecodeCompact = measure("TillProtocol decode compact (\(compact.count) B)", iterations: 20_000) {
    blackHole(server.decodeRequest(compact))
}
// The same purchase with every object's keys sorted alphabetically (not the order our encoder writes): the direct
// decoder's general loop instead of its straight pass.
let sortedKeys = Array(try JSONSerialization.data(withJSONObject: try JSONSerialization.jsonObject(with: Data(payload)), options: [.sortedKeys]))
guard case .success(let sortedEnvelope) = server.decodeRequest(sortedKeys), sortedEnvelope.request == .purchase(Reference.purchase) else {
    fatalError("sorted-keys decode mismatch")
}
let tillDecodeSorted = measure("TillProtocol decode, keys sorted", iterations: 20_000) {
    blackHole(server.decodeRequest(sortedKeys))
}
// An identify as till-sim sends it (one phone number): the request of the issue-14 latency target.
let identifyPayload = Array(ClientCodec().encodeRequest(RequestEnvelope(id: .int(4711), request: .identify(IdentifyRequest(
    identifiers: [MemberIdentifier(kind: .phone, value: "+4915112345678")])))).dropFirst(4))
guard case .success(let identifyEnvelope) = server.decodeRequest(identifyPayload), case .identify = identifyEnvelope.request else {
    fatalError("identify decode mismatch")
}
let tillDecodeIdentify = measure("TillProtocol decode identify", iterations: 50_000) {
    blackHole(server.decodeRequest(identifyPayload))
}
let tillEncode = measure("TillProtocol encode receipt", iterations: 20_000) {
    buffer.removeAll(keepingCapacity: true)
    server.encodeResponse(response, into: &buffer)
    blackHole(buffer.count)
}
let data = Data(payload)
let foundationDecode = measure("Foundation JSONDecoder purchase", iterations: 2_000) {
    blackHole(try! decoder.decode(PurchaseEnvelopeC.self, from: data))
}
let compactData = Data(compact)
let foundationDecodeCompact = measure("Foundation decode compact (\(compact.count) B)", iterations: 2_000) {
    blackHole(try! decoder.decode(PurchaseEnvelopeC.self, from: compactData))
}
let foundationEncode = measure("Foundation JSONEncoder receipt", iterations: 2_000) {
    blackHole(try! encoder.encode(receiptMirror))
}
print(String(format: "decode: %.3f µs (target <= 3), %.1fx faster than Foundation (target >= 10x)", tillDecode, foundationDecode / tillDecode))
print(String(format: "decode (compact, ~1 KiB): %.3f µs (target <= 3), %.1fx faster than Foundation", tillDecodeCompact, foundationDecodeCompact / tillDecodeCompact))
print(String(format: "decode (keys sorted, %d B): %.3f µs", sortedKeys.count, tillDecodeSorted))
print(String(format: "decode identify (%d B): %.3f µs", identifyPayload.count, tillDecodeIdentify))
print(String(format: "encode: %.3f µs (target <= 2), %.1fx faster than Foundation (target >= 10x)", tillEncode, foundationEncode / tillEncode))
