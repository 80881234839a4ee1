// libFuzzer target: frame decoder + request and response decoding, with round-trip checks.
// Built by .ci/fuzz-smoke with `swiftc -sanitize=fuzzer,address -parse-as-library` together with the TillCore
// model and TillProtocol sources as one module (SwiftPM cannot build fuzz targets).

/// Any input: (1) fed to the frame decoder in pieces whose sizes come from the input itself; (2) decoded as a
/// request payload (the direct decoder checked against the tape decoder) and, when accepted, re-encoded, re-decoded
/// and compared; (3) decoded as a response payload and, when accepted, re-encoded and compared. A mismatch traps,
/// which libFuzzer reports as a crash.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    fuzzFraming(bytes)
    fuzzRequest(bytes)
    fuzzResponse(bytes)
    return 0
}

private func fuzzFraming(_ bytes: [UInt8]) {
    var decoder = FrameDecoder(maxFrameSize: 4096)
    var at = 0
    var step = 1
    while at < bytes.count {
        let n = min(bytes.count - at, step)
        do { try decoder.append(bytes[at..<at + n]) } catch { break }
        precondition(decoder.bufferedByteCount <= 4096 + 4)
        while let frame = decoder.nextFrame() {
            precondition(!frame.isEmpty && frame.count <= 4096)
            fuzzRequest(frame)
        }
        at += n
        step = Int(bytes[at - 1] % 64) + 1
    }
}

private func fuzzRequest(_ bytes: [UInt8]) {
    let server = ServerCodec()
    let client = ClientCodec()
    // The single-pass decoder never accepts what the tape decoder refuses, nor decodes differently.
    if let direct = server.decodeDirect(bytes) {
        precondition(server.decodeWithTape(bytes) == .success(direct), "direct decoder accepted what the tape decoder reads otherwise")
    }
    guard case .success(let env) = server.decodeRequest(bytes) else { return }
    let frame = client.encodeRequest(env)
    guard case .success(let again) = server.decodeRequest(frame[4...]) else { preconditionFailure("re-encoded request refused") }
    precondition(again == env, "request round trip changed the value")
    precondition(client.encodeRequest(again) == frame, "request encoding not canonical")
    if let fp = Fingerprint.of(env.request) { precondition(Fingerprint.of(again.request) == fp) }
}

private func fuzzResponse(_ bytes: [UInt8]) {
    let server = ServerCodec()
    let client = ClientCodec()
    guard let env = try? client.decodeResponse(bytes) else { return }
    let frame = server.encodeResponse(env)
    guard let again = try? client.decodeResponse(frame[4...]) else { preconditionFailure("re-encoded response refused") }
    precondition(again == env, "response round trip changed the value")
}
