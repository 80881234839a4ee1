import Foundation
import TillClient
import TillCore
import TillProtocol

/// `till member import`: streams a file to the server in chunks of at most 48 KiB, over one connection.
///
/// Guarantees: line numbers in the report are those of the file; a refused row never stops the import; progress goes
/// to standard error after each chunk; memory stays bounded by one chunk whatever the file size.
enum Importing {
    static let chunkBytes = 48 * 1024

    static func run(_ i: Invocation) throws(CLIError) -> Output {
        let path = i.required("FILE")
        let format: ImportFormat
        if let f = i.value("format") { format = ImportFormat(rawValue: f)! } else { format = path.lowercased().hasSuffix(".csv") ? .csv : .ndjson }
        guard let handle = path == "-" ? FileHandle.standardInput : FileHandle(forReadingAtPath: path) else { throw .file("cannot open \(path)") }
        let client = try i.connect()
        defer { client.close() }
        var total = ImportResult(created: 0, updated: 0, errors: [])
        var header: String?
        var chunk = ""
        var chunkFirst: Int64 = 1
        var number: Int64 = 0
        func send() throws(CLIError) {
            guard !chunk.isEmpty else { return }
            let rows = format == .csv ? (header ?? "") + "\n" + chunk : chunk
            let first = format == .csv ? chunkFirst - 1 : chunkFirst
            let response: OperatorResponse
            do {
                response = try client.perform(.memberImport(MemberImport(rows: rows, format: format, firstLine: first, dryRun: i.has("dry-run"))))
            } catch let e as ClientError { throw .client(e) } catch { throw .usage("\(error)") }
            guard case .imported(let r) = response else { throw .usage("unexpected answer") }
            total.created += r.created; total.updated += r.updated; total.errors += r.errors
            FileHandle.standardError.write(Data("  line \(number): \(total.created) created, \(total.updated) updated, \(total.errors.count) refused\n".utf8))
            chunk = ""
        }
        for line in Lines(handle) {
            number += 1
            if format == .csv && header == nil { header = line; continue }
            if chunk.isEmpty { chunkFirst = number }
            if chunk.utf8.count + line.utf8.count + 1 > chunkBytes { try send(); chunkFirst = number }
            chunk += line + "\n"
        }
        try send()
        var text = "\(total.created) created, \(total.updated) updated, \(total.errors.count) refused" + (i.has("dry-run") ? " (dry run: nothing written)" : "")
        if !total.errors.isEmpty {
            text += "\n" + Render.table(["line", "field", "reason"], total.errors.map { ["\($0.row)", $0.field ?? "", $0.reason] })
        }
        return Output(human: text, json: Render.json(total))
    }
}

/// The lines of a file, read in 64 KiB blocks (no line terminators; a final line without newline included).
struct Lines: Sequence, IteratorProtocol {
    let handle: FileHandle
    var buffer: [UInt8] = []
    var done = false
    init(_ handle: FileHandle) { self.handle = handle }

    mutating func next() -> String? {
        while true {
            if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                var line = buffer[..<newline]
                if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
                let text = String(decoding: line, as: UTF8.self)
                buffer.removeSubrange(...newline)
                return text
            }
            if done {
                guard !buffer.isEmpty else { return nil }
                defer { buffer.removeAll() }
                return String(decoding: buffer, as: UTF8.self)
            }
            let block = handle.readData(ofLength: 65_536)
            if block.isEmpty { done = true } else { buffer += block }
        }
    }
}
