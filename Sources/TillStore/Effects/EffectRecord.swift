/// The bytes of one journal record written by the store: the effects of one batch (`EffectLog.Entry` list).
///
/// Layout, format 2 (all integers LEB128 varints; signed ones zig-zag encoded):
/// ```
/// format (1 byte, 2)
/// definitionCount, then definitionCount × (id, length, UTF-8 bytes)   SQL texts this record is the first to use
/// statementCount, then statementCount × (statement id, argumentCount, arguments)
/// argument: tag (1 byte: 0 NULL, 1 integer, 2 text, 3 blob), then zig-zag integer | length + bytes
/// ```
/// A statement id names a text defined by this record or by an earlier one (`StatementDictionary`, stored in the
/// database with the record that defined it). Format 1 (written before the dictionary existed) carries every text
/// inline: `textCount × (length, bytes)` in place of the definitions, statements refer to them by position; it is still
/// read.
///
/// Guarantees: `decode(encode(entries))` gives `entries` back; `decode` never traps on any input: damaged or
/// truncated bytes, or an id nobody defined, throw `EffectRecordError` saying where. Records replay before
/// migrations, on the schema they were written against.
public enum EffectRecord {
    /// A SQL text and the number records use for it.
    public struct Definition: Equatable, Sendable {
        public let id: Int64
        public let sql: String
    }

    static let textsInline: UInt8 = 1
    static let withDictionary: UInt8 = 2

    /// The encoded effects (format 2), and the texts `dictionary` does not know yet, which the record defines and the
    /// caller stores with it. `capacity`: the expected size (`EffectLog.estimatedBytes`), so the bytes grow once.
    static func encode(_ entries: [EffectLog.Entry], dictionary: StatementDictionary, capacity: Int = 0)
        -> (payload: [UInt8], definitions: [Definition]) {
        var definitions: [Definition] = []
        var fresh: [String: Int64] = [:]
        var ids: [Int64] = []
        ids.reserveCapacity(entries.count)
        for entry in entries {
            if let id = dictionary.id(of: entry.sql) ?? fresh[entry.sql] {
                ids.append(id)
            } else {
                let id = dictionary.nextId + Int64(definitions.count)
                fresh[entry.sql] = id
                definitions.append(Definition(id: id, sql: entry.sql))
                ids.append(id)
            }
        }
        var writer = BinaryWriter(
            capacity: max(capacity, entries.count * 64) + definitions.reduce(64) { $0 + 12 + $1.sql.utf8.count })
        writer.byte(withDictionary)
        writer.varint(UInt64(definitions.count))
        for definition in definitions {
            writer.varint(UInt64(definition.id))
            writer.text(definition.sql)
        }
        writer.varint(UInt64(entries.count))
        for (entry, id) in zip(entries, ids) {
            writer.varint(UInt64(id))
            writer.varint(UInt64(entry.arguments.count))
            for argument in entry.arguments {
                switch argument {
                case .null:
                    writer.byte(0)
                case .integer(let value):
                    writer.byte(1)
                    writer.int(value)
                case .text(let text):
                    writer.byte(2)
                    writer.text(text)
                case .blob(let blob):
                    writer.byte(3)
                    writer.blob(blob)
                }
            }
        }
        return (writer.bytes, definitions)
    }

    /// An upper bound of the bytes one statement with `arguments` takes in a record, but for its SQL text.
    static func encodedSizeBound(statementWith arguments: [SQLValue]) -> Int {
        arguments.reduce(20) { $0 + encodedSizeBound($1) }  // 20: the statement's number and its argument count
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

    /// The effects held by `bytes` with their SQL texts, and the definitions the record makes (not yet learned by
    /// `dictionary`: the caller stores and learns them once the record applied).
    static func decode(_ bytes: [UInt8], dictionary: StatementDictionary) throws(EffectRecordError)
        -> (entries: [EffectLog.Entry], definitions: [Definition]) {
        do {
            return try read(bytes, dictionary: dictionary)
        } catch let error as BinaryFormatError {
            throw .malformed(offset: error.offset, reason: error.reason)
        } catch let error as EffectRecordError {
            throw error
        } catch {
            preconditionFailure("reading a record throws only its format's errors: \(error)")
        }
    }

    private static func read(_ bytes: [UInt8], dictionary: StatementDictionary) throws
        -> (entries: [EffectLog.Entry], definitions: [Definition]) {
        var reader = BinaryReader(bytes)
        let format = try reader.byte()
        guard format == textsInline || format == withDictionary else { throw EffectRecordError.unknownVersion(format) }
        var definitions: [Definition] = []
        var local: [Int64: String] = [:]  // format 1: position → text; format 2: this record's definitions
        let textCount = try reader.count(limit: bytes.count)
        for position in 0..<textCount {
            if format == textsInline {
                local[Int64(position)] = try reader.text()
            } else {
                let at = reader.offset
                let id = Int64(try reader.count(limit: Int(Int32.max)))
                let sql = try reader.text()
                guard id > 0, local[id] == nil, dictionary.text(of: id) == nil else {
                    throw EffectRecordError.malformed(offset: at, reason: "statement \(id) defined again")
                }
                local[id] = sql
                definitions.append(Definition(id: id, sql: sql))
            }
        }
        let statementCount = try reader.count(limit: bytes.count)
        var entries: [EffectLog.Entry] = []
        entries.reserveCapacity(statementCount)
        for _ in 0..<statementCount {
            let at = reader.offset
            let id = Int64(try reader.count(limit: Int(Int32.max)))
            guard let sql = local[id] ?? (format == withDictionary ? dictionary.text(of: id) : nil) else {
                throw EffectRecordError.malformed(offset: at, reason: "statement \(id) is not defined")
            }
            let argumentCount = try reader.count(limit: bytes.count)
            var arguments: [SQLValue] = []
            arguments.reserveCapacity(argumentCount)
            for _ in 0..<argumentCount {
                switch try reader.byte() {
                case 0: arguments.append(.null)
                case 1: arguments.append(.integer(try reader.int()))
                case 2: arguments.append(.text(try reader.text()))
                case 3: arguments.append(.blob(try reader.blob()))
                case let tag: throw EffectRecordError.malformed(offset: reader.offset - 1, reason: "unknown value tag \(tag)")
                }
            }
            entries.append(EffectLog.Entry(sql: sql, arguments: arguments))
        }
        guard reader.offset == bytes.count else {
            throw EffectRecordError.malformed(offset: reader.offset, reason: "\(bytes.count - reader.offset) bytes after the last statement")
        }
        return (entries, definitions)
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
