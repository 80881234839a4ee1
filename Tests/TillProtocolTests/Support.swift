import Foundation
import TillCore
@testable import TillProtocol

/// A JSON value for structural comparison: object key order and whitespace ignored, numbers compared by their
/// exact token (the codec writes integers and quantities canonically, so equal values have equal tokens).
indirect enum JSONTree: Equatable, CustomStringConvertible {
    case object([String: JSONTree]), array([JSONTree]), string(String), number(String), bool(Bool), null

    init(_ bytes: [UInt8]) throws {
        let doc = try JSONDocument(parsing: bytes, maxDepth: 64)
        self = JSONTree.build(doc, 0)
    }

    private static func build(_ doc: JSONDocument, _ i: Int) -> JSONTree {
        let n = doc.nodes[i]
        switch n.kind {
        case .object:
            var d: [String: JSONTree] = [:]
            var k = i + 1
            while k < Int(n.next) { d[doc.string(k)] = build(doc, k + 1); k = Int(doc.nodes[k + 1].next) }
            return .object(d)
        case .array:
            var a: [JSONTree] = []
            var k = i + 1
            while k < Int(n.next) { a.append(build(doc, k)); k = Int(doc.nodes[k].next) }
            return .array(a)
        case .string: return .string(doc.string(i))
        case .number: return .number(String(decoding: doc.rawBytes(i), as: UTF8.self))
        case .true: return .bool(true)
        case .false: return .bool(false)
        case .null: return .null
        }
    }

    var description: String {
        switch self {
        case .object(let d): "{" + d.keys.sorted().map { "\($0): \(d[$0]!)" }.joined(separator: ", ") + "}"
        case .array(let a): "[" + a.map(\.description).joined(separator: ", ") + "]"
        case .string(let s): "\"\(s)\""
        case .number(let n): n
        case .bool(let b): "\(b)"
        case .null: "null"
        }
    }
}

enum Examples {
    static let folder: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("protocol/examples")

    static func load(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: folder.appendingPathComponent(name)))
    }

    static var fileNames: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).filter { $0.hasSuffix(".json") }.sorted()
    }
}

/// Removes the 4-byte length prefix of one frame, checking it.
func payload(_ frame: [UInt8]) -> [UInt8] {
    let n = Int(frame[0]) << 24 | Int(frame[1]) << 16 | Int(frame[2]) << 8 | Int(frame[3])
    precondition(n == frame.count - 4)
    return Array(frame[4...])
}

/// A seeded generator (SplitMix64) so random tests are reproducible.
struct SeededRandom: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

let server = ServerCodec()
let client = ClientCodec()

/// Decodes a request payload, failing with the error when it does not decode.
func decodeOK(_ bytes: [UInt8]) throws -> RequestEnvelope {
    try server.decodeRequest(bytes).get()
}

/// The error a request payload is refused with.
func refusal(_ s: String) -> RequestDecodingFailure? {
    if case .failure(let f) = server.decodeRequest(Array(s.utf8)) { return f }
    return nil
}

/// 150 mutations (`mutated`) of `reference` drawn from `seed`, each handed to `agree` (which records any
/// disagreement between the direct and the tape decoder).
func mutationsAgree(_ reference: [UInt8], seed: UInt64, _ agree: ([UInt8]) -> Void) {
    var rng = SeededRandom(seed: seed)
    for _ in 0..<150 { agree(mutated(reference, using: &rng)) }
}

/// One to three random edits of `frame` (a byte replaced, inserted or removed) drawn from the bytes that matter to
/// a JSON decoder: structure, digits, escapes, literals' letters, control and invalid UTF-8 bytes.
func mutated(_ frame: [UInt8], using rng: inout SeededRandom) -> [UInt8] {
    let alphabet: [UInt8] = Array(#"{}[],:"\ 0129.eE-+nultrfa"#.utf8) + [0x00, 0x1F, 0x7F, 0x80, 0xC3, 0xA9, 0xED, 0xF4, 0xFF]
    var bytes = frame
    for _ in 0..<Int.random(in: 1...3, using: &rng) {
        let at = Int.random(in: 0..<bytes.count, using: &rng)
        switch Int.random(in: 0..<3, using: &rng) {
        case 0: bytes[at] = alphabet.randomElement(using: &rng)!
        case 1: bytes.insert(alphabet.randomElement(using: &rng)!, at: at)
        default: bytes.remove(at: at)
        }
    }
    return bytes
}
