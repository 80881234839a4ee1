import Foundation
import TillCommandLine
import TillProtocol

extension ServerConfiguration {
    /// Builds the configuration from defaults, then the JSON file, then the environment, then the flags.
    ///
    /// - Parameters:
    ///   - parsed: `tilld`'s command line read against `program` (serving or an administrator's command): each
    ///     setting's value with where it came from (flag, its `TILL_*` variable, or the default).
    ///   - environment: usually `ProcessInfo.processInfo.environment`; `parsed` already holds the `TILL_*` values.
    public static func load(_ parsed: ParsedCommand, environment: [String: String]) throws(ConfigurationError) -> ServerConfiguration {
        var configuration = ServerConfiguration()
        if let path = parsed.explicitValue("config") {
            for (key, value) in try readFile(path) {
                try configuration.apply(key: key, value: value, source: "file \(path)")
            }
        }
        for setting in settings {
            let name = String(setting.flag.dropFirst(2))
            if case .environment(let variable) = parsed.source(name), let value = parsed.explicitValue(name) {
                try configuration.apply(key: setting.key, value: value, source: variable)
            }
        }
        for setting in settings {
            let name = String(setting.flag.dropFirst(2))
            if parsed.source(name) == .commandLine, let value = parsed.explicitValue(name) {
                try configuration.apply(key: setting.key, value: value, source: "flag")
            }
        }
        try configuration.validate()
        return configuration
    }

    static func readFile(_ path: String) throws(ConfigurationError) -> [(String, String)] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .unreadableFile(path: path, reason: FileManager.default.fileExists(atPath: path) ? "not readable" : "no such file")
        }
        let bytes = Array(data)
        if let problem = StoredJSON.firstProblem(in: bytes) {
            throw .unreadableFile(path: path, reason: (problem.offset.map { Self.position(of: $0, in: bytes) + ": " } ?? "") + problem.reason)
        }
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: data)
        } catch {
            throw .unreadableFile(path: path, reason: "not JSON")
        }
        guard let dictionary = object as? [String: Any] else {
            throw .unreadableFile(path: path, reason: "the top level must be a JSON object")
        }
        var pairs: [(String, String)] = []
        for (key, value) in dictionary.sorted(by: { $0.key < $1.key }) {
            switch value {
            case let string as String: pairs.append((key, string))
            case let number as NSNumber:
                // Booleans arrive as NSNumber too and render as 1 / 0, which boolean settings accept.
                pairs.append((key, number.stringValue))
            case is NSNull: pairs.append((key, ""))
            default: throw .invalidValue(setting: key, value: "\(value)", source: "file \(path)", expected: "a string, number or boolean")
            }
        }
        return pairs
    }

    /// `line 3, column 14` (both from 1; columns count characters) of a byte offset.
    static func position(of offset: Int, in bytes: [UInt8]) -> String {
        let before = bytes.prefix(offset)
        let line = before.reduce(1) { $0 + ($1 == UInt8(ascii: "\n") ? 1 : 0) }
        let lineStart = before.lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? 0
        let column = String(decoding: bytes[lineStart..<min(offset, bytes.count)], as: UTF8.self).count + 1
        return "line \(line), column \(column)"
    }
}
