import Foundation
import TillProtocol

extension ServerConfiguration {
    /// Builds the configuration from defaults, then the JSON file, then the environment, then the flags.
    ///
    /// - Parameters:
    ///   - arguments: command-line arguments without the program name (`--listen 0.0.0.0:7400` or `--listen=…`).
    ///   - environment: usually `ProcessInfo.processInfo.environment`; only `TILL_*` variables are read.
    public static func load(arguments: [String], environment: [String: String]) throws(ConfigurationError) -> ServerConfiguration {
        let flags = try parseFlags(arguments)
        var configuration = ServerConfiguration()
        if let path = flags.first(where: { $0.key == "config" })?.value ?? environment["TILL_CONFIG"] {
            for (key, value) in try readFile(path) {
                try configuration.apply(key: key, value: value, source: "file \(path)")
            }
        }
        for setting in settings {
            if let value = environment[setting.environmentVariable] {
                try configuration.apply(key: setting.key, value: value, source: setting.environmentVariable)
            }
        }
        for (key, value) in flags {
            try configuration.apply(key: key, value: value, source: "flag")
        }
        try configuration.validate()
        return configuration
    }

    /// The `--help` text: one line per setting with its flag, environment variable and default.
    public static var usage: String {
        var lines = [
            "tilld: the Till loyalty POS gateway daemon",
            "",
            "USAGE: tilld [--SETTING VALUE]...",
            "       tilld keys create-operator NAME [--SETTING VALUE]...   (daemon stopped: the first operator key)",
            "       tilld restore FILE [--SETTING VALUE]...                (daemon stopped: replace the store by a backup)",
            "",
            "With no arguments tilld serves plain TCP on 127.0.0.1 from ./till-data, creating the store, a demo catalog",
            "and a demo terminal key on first start. Precedence: flags > environment > --config file > defaults.",
            "Signals: SIGTERM/SIGINT drain and stop (a second one exits at once); SIGHUP reloads TLS certificates.",
            "",
            "SETTINGS:",
        ]
        for setting in settings {
            let left = "  \(setting.flag) \(setting.valueName)"
            let padded = left.padding(toLength: max(left.count + 1, 40), withPad: " ", startingAt: 0)
            let defaultText = setting.defaultValue.isEmpty ? "" : " (default: \(setting.defaultValue))"
            lines.append(padded + setting.help + defaultText)
            lines.append(String(repeating: " ", count: 40) + "env \(setting.environmentVariable)")
        }
        lines.append("  --help                                print this help")
        lines.append("  --version                             print the version")
        return lines.joined(separator: "\n")
    }

    static func parseFlags(_ arguments: [String]) throws(ConfigurationError) -> [(key: String, value: String)] {
        let byFlag = Dictionary(uniqueKeysWithValues: settings.map { ($0.flag, $0.key) })
        var result: [(key: String, value: String)] = []
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            if argument == "--help" || argument == "-h" { throw .helpRequested }
            if argument == "--version" { throw .versionRequested }
            var flag = argument
            var value: String?
            if let equals = argument.firstIndex(of: "=") {
                flag = String(argument[..<equals])
                value = String(argument[argument.index(after: equals)...])
            }
            guard let key = byFlag[flag] else { throw .unknownSetting(name: argument, source: "flag") }
            if value == nil {
                index += 1
                guard index < arguments.count else { throw .missingValue(flag: flag) }
                value = arguments[index]
            }
            result.append((key, value!))
            index += 1
        }
        return result
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
