import Foundation
import TillClient
import TillCore
import TillProtocol

/// `till member import`: streams a file to the server in `member.import` chunks over one connection, several in flight.
///
/// Guarantees: line numbers in the report are those of the file; a refused row never stops the import; chunks are
/// sent in file order on one connection, so the server applies them in file order (a row may update a member an
/// earlier chunk created) while the next ones are already on their way; progress goes to standard error after each
/// answered chunk; memory stays bounded by `window` chunks whatever the file size. Chunks are as big as the server's
/// announced frame limit allows (an operator session's, 320 KiB by default: about 2,000 rows of a typical file). When the server refuses a whole
/// chunk (overloaded, storage failure), nothing more is sent, the answers in flight are collected, and the command
/// fails naming the refused lines and what was imported.
enum Importing {
    static func run(_ i: Invocation) throws(CLIError) -> Output {
        let path = i.required("FILE")
        let format: ImportFormat
        if let f = i.value("format") { format = ImportFormat(rawValue: f)! } else { format = path.lowercased().hasSuffix(".csv") ? .csv : .ndjson }
        guard let handle = path == "-" ? FileHandle.standardInput : FileHandle(forReadingAtPath: path) else { throw .file("cannot open \(path)") }
        let client = try i.connect()
        defer { client.close() }
        let frame = Int(client.session?.maxFrameSize ?? 65_536)
        let limits = ImportChunks.Limits(frameBytes: frame)
        var chunks = ImportChunks(Lines(handle), format: format, limits: limits)
        let window = MemberImport.chunksInFlight(chunkBytes: min(limits.rowsBytes, frame - limits.envelopeBytes))
        let dryRun = i.has("dry-run")

        var total = ImportResult(created: 0, updated: 0, errors: [])
        var inFlight: [RequestID: ClosedRange<Int64>] = [:]
        var refused: (lines: ClosedRange<Int64>, error: TillError)?
        var lastSent: Int64 = 0
        func collectOne() throws(CLIError) {
            let envelope: ResponseEnvelope
            do { envelope = try client.receive() } catch { throw .client(error) }
            guard let id = envelope.id, let lines = inFlight.removeValue(forKey: id) else { return }
            switch envelope.outcome {
            case .success(.operator(.imported(let r))):
                total.created += r.created; total.updated += r.updated; total.errors += r.errors
                FileHandle.standardError.write(Data("  lines \(lines.lowerBound)–\(lines.upperBound): \(total.created) created, \(total.updated) updated, \(total.errors.count) refused\n".utf8))
            case .success: throw .usage("unexpected answer to member.import")
            case .failure(let error): if refused == nil || lines.lowerBound < refused!.lines.lowerBound { refused = (lines, error) }
            }
        }
        while refused == nil, let chunk = chunks.next() {
            total.errors += chunk.tooLong
            guard chunk.firstLine != 0 else { continue }
            while inFlight.count >= window { try collectOne() }
            guard refused == nil else { break }
            let id = client.send(.operator(.memberImport(MemberImport(rows: chunk.rows, format: format, firstLine: chunk.firstLine, dryRun: dryRun))))
            inFlight[id] = chunk.firstLine...chunk.lastLine
            lastSent = chunk.lastLine
            do { try client.flush() } catch { throw .client(error) }
        }
        while !inFlight.isEmpty { try collectOne() }
        total.errors.sort { $0.row < $1.row }
        if let refused {
            // Chunks sent after the refused one may have been applied (they were in flight): say what went in.
            let message = "till: import stopped: lines \(refused.lines.lowerBound)–\(refused.lines.upperBound) were refused as a whole; "
                + "lines up to \(lastSent) were sent, and the other chunks created \(total.created) and updated \(total.updated) members\n"
            FileHandle.standardError.write(Data(message.utf8))
            throw .client(.refused(refused.error))
        }
        var text = "\(total.created) created, \(total.updated) updated, \(total.errors.count) refused" + (dryRun ? " (dry run: nothing written)" : "")
        if !total.errors.isEmpty {
            text += "\n" + Render.table(["line", "field", "reason"], total.errors.map { ["\($0.row)", $0.field ?? "", $0.reason] })
        }
        // Refusals are a partial failure: scripts must not take "3 refused" for success.
        return Output(human: text, json: Render.json(total), exitCode: total.errors.isEmpty ? 0 : 4)
    }
}

/// A file's lines grouped into `member.import` chunks that fit the protocol's limits.
///
/// Guarantees: each chunk's `rows` is at most `Limits.rowsBytes` UTF-8 bytes and its request frame (rows escaped as
/// a JSON string, plus the envelope) at most the server's frame size. `firstLine` is the file line number of the
/// chunk's first line; a CSV chunk starts with the header line, standing in for the line before its first row. A line
/// too long for any request is not sent: the chunk lists it in `tooLong`, as a refused row.
struct ImportChunks: Sequence, IteratorProtocol {
    struct Chunk {
        /// Nothing to send when `firstLine` is 0 (every line read was too long).
        var rows: String
        var firstLine: Int64
        var lastLine: Int64
        /// Lines among these too long for any request: refused here, never sent.
        var tooLong: [ImportRowError] = []
    }
    struct Limits {
        /// `member.import` `rows`: at most 256 KiB (PROTOCOL.md).
        var rowsBytes = MemberImport.maxRowsBytes
        /// The server's largest frame (announced in `hello`).
        var frameBytes: Int
        /// Room for the frame's envelope around `rows` (id, op, format, firstLine, dryRun): far more than they take.
        var envelopeBytes = 1_024
    }

    private var lines: Lines
    private let format: ImportFormat
    private let limits: Limits
    private var header: String?
    /// The header line's share of every CSV chunk: UTF-8 bytes and escaped bytes, each with its newline.
    private var headerSize = (bytes: 0, escaped: 0)
    private var number: Int64 = 0
    private var pending: (line: String, number: Int64)?

    init(_ lines: Lines, format: ImportFormat, limits: Limits) {
        self.lines = lines
        self.format = format
        self.limits = limits
    }

    mutating func next() -> Chunk? {
        var chunk = Chunk(rows: "", firstLine: 0, lastLine: 0)
        if let header { chunk.rows = header + "\n" }
        var (bytes, escaped) = headerSize
        let frameRoom = limits.frameBytes - limits.envelopeBytes
        while true {
            let line: String, n: Int64
            if let p = pending { (line, n) = p; pending = nil } else {
                guard let next = lines.next() else { break }
                number += 1
                (line, n) = (next, number)
                if format == .csv && header == nil {
                    header = line; chunk.rows = line + "\n"
                    headerSize = (line.utf8.count + 1, Self.escapedLength(line) + 2); (bytes, escaped) = headerSize
                    continue
                }
            }
            let b = line.utf8.count + 1, e = Self.escapedLength(line) + 2
            guard headerSize.bytes + b <= limits.rowsBytes, headerSize.escaped + e <= frameRoom else {
                chunk.tooLong.append(ImportRowError(row: n, field: "line", reason: "line longer than a member.import request allows (\(b - 1) bytes)"))
                if chunk.firstLine == 0 && chunk.tooLong.count >= 1_000 { break }
                continue
            }
            if bytes + b > limits.rowsBytes || escaped + e > frameRoom {
                pending = (line, n); break
            }
            if chunk.firstLine == 0 { chunk.firstLine = n }
            chunk.rows += line; chunk.rows += "\n"; bytes += b; escaped += e; chunk.lastLine = n
        }
        guard chunk.firstLine != 0 || !chunk.tooLong.isEmpty else { return nil }
        if format == .csv && chunk.firstLine != 0 { chunk.firstLine -= 1 }
        return chunk
    }

    /// Bytes of `s` inside a JSON string as our writer escapes it (`"`, `\` and control characters).
    static func escapedLength(_ s: String) -> Int {
        var n = 0
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), 0x08, 0x09, 0x0A, 0x0C, 0x0D: n += 2
            case ..<0x20: n += 6
            default: n += 1
            }
        }
        return n
    }
}

/// The lines of a file, read in 64 KiB blocks (no line terminators; a final line without newline included).
///
/// Guarantees: each byte is copied a bounded number of times (a read position, compacted when a block is added), so
/// reading is linear in the file size.
struct Lines: Sequence, IteratorProtocol {
    let handle: FileHandle
    private var buffer: [UInt8] = []
    private var start = 0
    private var done = false
    init(_ handle: FileHandle) { self.handle = handle }

    mutating func next() -> String? {
        while true {
            if let newline = buffer[start...].firstIndex(of: UInt8(ascii: "\n")) {
                var end = newline
                if end > start && buffer[end - 1] == UInt8(ascii: "\r") { end -= 1 }
                let text = String(decoding: buffer[start..<end], as: UTF8.self)
                start = newline + 1
                return text
            }
            if done {
                guard start < buffer.count else { return nil }
                defer { buffer.removeAll(); start = 0 }
                return String(decoding: buffer[start...], as: UTF8.self)
            }
            buffer.removeSubrange(..<start)
            start = 0
            let block = handle.readData(ofLength: 65_536)
            if block.isEmpty { done = true } else { buffer += block }
        }
    }
}
