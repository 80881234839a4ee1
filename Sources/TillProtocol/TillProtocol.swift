// TillProtocol: protocol v1 (protocol/PROTOCOL.md) as pure values and functions. No I/O, no Foundation.
//
// Server side (TillServer):
//   var frames = FrameDecoder(maxFrameSize: 64 * 1024)
//   try frames.append(bytesFromSocket)            // throws .invalidFrame on a bad length prefix: answer, then close
//   while let payload = frames.nextFrame() {
//       switch ServerCodec().decodeRequest(payload) {
//       case .success(let envelope): ...           // envelope.id, envelope.request (typed), Fingerprint.of(request)
//       case .failure(let f): ...                  // f.id / f.op to correlate, f.error to answer, f.closesConnection
//       }
//   }
//   ServerCodec().encodeResponse(ResponseEnvelope(id:op:result:) or (id:op:error:), into: &outputBuffer)
//
// Client side (TillClient, till, till-sim, tests):
//   ClientCodec().encodeRequest(RequestEnvelope(id: .int(1), request: .purchase(p)), into: &outputBuffer)
//   let response = try ClientCodec().decodeResponse(payload)   // response.outcome: Result<Response, TillError>
//
// Layers: Framing/ (length-prefixed frames), JSON/ (strict parser to a node tape, readers, writer, timestamps, and
// the single-pass WireScanner), Messages/ (terminal messages, envelopes, errors; Purchase+Direct.swift reads
// purchase/quote frames in one pass and leaves every other frame, and every refusal, to the tape decoder),
// Operator/ (back-office messages), Codec/ (the two sides and the exactly-once fingerprint).
