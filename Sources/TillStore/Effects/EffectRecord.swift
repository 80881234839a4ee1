/// The bytes of one journal record written by the store: the effects of one batch (`EffectLog.Entry` list).
///
/// Layout (all integers LEB128 varints; signed ones zig-zag encoded):
/// ```
/// version (1 byte, 1)
/// textCount, then textCount × (length, UTF-8 bytes)            the distinct SQL texts, in first-use order
/// statementCount, then statementCount × (textIndex, argumentCount, arguments)
/// argument: tag (1 byte: 0 NULL, 1 integer, 2 text, 3 blob), then zig-zag integer | length + bytes
/// ```
/// Guarantees: `decode(encode(entries)) == entries`; `decode` never traps on any input: damaged or truncated bytes
/// throw `EffectRecordError` saying where. The SQL travels with the record, so a record written by one version of
/// Till replays on the next one (replay runs before migrations).
public enum EffectRecord {
    static let version: UInt8 = 1

    /// The encoded effects.
    public static func encode(_ entries: [EffectLog.Entry]) -> [UInt8] {
        var texts: [String: Int] = [:]
        var order: [String] = []
        var indexes: [Int] = []
        indexes.reserveCapacity(entries.count)
        for entry in entries {
            if let index = texts[entry.sql] {
                indexes.append(index)
            } else {
                texts[entry.sql] = order.count
                indexes.append(order.count)
                order.append(entry.sql)
            }
        }
        var bytes: [UInt8] = [version]
        bytes.reserveCapacity(256 + entries.count * 64)
        appendVarint(UInt64(order.count), to: &bytes)
        for text in order {
            appendVarint(UInt64(text.utf8.count), to: &bytes)
            bytes.append(contentsOf: text.utf8)
        }
        appendVarint(UInt64(entries.count), to: &bytes)
        for (entry, index) in zip(entries, indexes) {
            appendVarint(UInt64(index), to: &bytes)
            appendVarint(UInt64(entry.arguments.count), to: &bytes)
            for argument in entry.arguments {
                switch argument {
                case .null:
                    bytes.append(0)
                case .integer(let value):
                    bytes.append(1)
                    appendVarint(UInt64(bitPattern: (value << 1) ^ (value >> 63)), to: &bytes)
                case .text(let text):
                    bytes.append(2)
                    appendVarint(UInt64(text.utf8.count), to: &bytes)
                    bytes.append(contentsOf: text.utf8)
                case .blob(let blob):
                    bytes.append(3)
                    appendVarint(UInt64(blob.count), to: &bytes)
                    bytes.append(contentsOf: blob)
                }
            }
        }
        return bytes
    }

    /// An upper bound of the bytes `argument` takes in a record.
    static func encodedSizeBound(_ argument: SQLValue) -> Int {
        switch argument {
        case .null: 1
        case .integer: 11
        case .text(let text): 11 + text.utf8.count
        case .blob(let blob): 11 + blob.count
        }
    }

    /// The effects held by `bytes`.
    public static func decode(_ bytes: [UInt8]) throws(EffectRecordError) -> [EffectLog.Entry] {
        var reader = Reader(bytes: bytes)
        let format = try reader.byte()
        guard format == version else { throw .unknownVersion(format) }
        let textCount = try reader.count(limit: bytes.count)
        var texts: [String] = []
        texts.reserveCapacity(textCount)
        for _ in 0..<textCount { texts.append(try reader.text()) }
        let statementCount = try reader.count(limit: bytes.count)
        var entries: [EffectLog.Entry] = []
        entries.reserveCapacity(statementCount)
        for _ in 0..<statementCount {
            let index = try reader.count(limit: texts.count - 1)
            let argumentCount = try reader.count(limit: bytes.count)
            var arguments: [SQLValue] = []
            arguments.reserveCapacity(argumentCount)
            for _ in 0..<argumentCount {
                switch try reader.byte() {
                case 0: arguments.append(.null)
                case 1:
                    let raw = try reader.varint()
                    arguments.append(.integer(Int64(bitPattern: raw >> 1) ^ -Int64(bitPattern: raw & 1)))
                case 2: arguments.append(.text(try reader.text()))
                case 3: arguments.append(.blob(try reader.blob()))
                case let tag: throw .malformed(offset: reader.offset - 1, reason: "unknown value tag \(tag)")
                }
            }
            entries.append(EffectLog.Entry(sql: texts[index], arguments: arguments))
        }
        guard reader.offset == bytes.count else {
            throw .malformed(offset: reader.offset, reason: "\(bytes.count - reader.offset) bytes after the last statement")
        }
        return entries
    }

    private static func appendVarint(_ value: UInt64, to bytes: inout [UInt8]) {
        var rest = value
        while rest >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        bytes.append(UInt8(rest))
    }

    private struct Reader {
        let bytes: [UInt8]
        var offset = 0

        mutating func byte() throws(EffectRecordError) -> UInt8 {
            guard offset < bytes.count else { throw .malformed(offset: offset, reason: "truncated") }
            defer { offset += 1 }
            return bytes[offset]
        }

        mutating func varint() throws(EffectRecordError) -> UInt64 {
            let start = offset
            var value: UInt64 = 0
            var shift: UInt64 = 0
            while true {
                let next = try byte()
                guard shift < 64, shift < 63 || next <= 1 else { throw .malformed(offset: start, reason: "varint too long") }
                value |= UInt64(next & 0x7F) << shift
                if next < 0x80 { return value }
                shift += 7
            }
        }

        /// A varint that must be at most `limit` (a count or an index into what was read).
        mutating func count(limit: Int) throws(EffectRecordError) -> Int {
            let start = offset
            let value = try varint()
            guard limit >= 0, value <= UInt64(limit) else {
                throw .malformed(offset: start, reason: "count \(value) exceeds \(max(limit, 0))")
            }
            return Int(value)
        }

        mutating func blob() throws(EffectRecordError) -> [UInt8] {
            let start = offset
            let length = try varint()
            guard length <= UInt64(bytes.count - offset) else {
                throw .malformed(offset: start, reason: "length \(length) runs past the end")
            }
            defer { offset += Int(length) }
            return Array(bytes[offset..<offset + Int(length)])
        }

        mutating func text() throws(EffectRecordError) -> String {
            let start = offset
            let raw = try blob()
            guard let text = String(validating: raw, as: UTF8.self) else {
                throw .malformed(offset: start, reason: "text that is not UTF-8")
            }
            return text
        }
    }
}

/// Why a journal record's bytes are not a batch's effects.
public enum EffectRecordError: Error, Equatable, Sendable, CustomStringConvertible {
    case unknownVersion(UInt8)
    case malformed(offset: Int, reason: String)

    public var description: String {
        switch self {
        case .unknownVersion(let version): "effect record format \(version) is unknown to this build"
        case .malformed(let offset, let reason): "effect record malformed at byte \(offset): \(reason)"
        }
    }
}
