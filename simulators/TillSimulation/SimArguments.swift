import Foundation

/// Why the command line was refused.
public enum ArgumentError: Error, Equatable, CustomStringConvertible {
    case unknownOption(String)
    case missingValue(String)
    case invalidValue(option: String, value: String, expected: String)
    case missingOption(String)
    case conflicting(String)

    public var description: String {
        switch self {
        case .unknownOption(let o): "unknown option \(o)"
        case .missingValue(let o): "\(o) needs a value"
        case .invalidValue(let o, let v, let e): "\(o) \(v): expected \(e)"
        case .missingOption(let o): "\(o) is required"
        case .conflicting(let what): what
        }
    }
}

/// `--name value`, `--name=value` and bare `--flag` options, checked against the names a command knows.
///
/// Guarantees: an unknown option, a missing value or a malformed number is an error naming the option; repeated
/// options keep every value in order (`all`), `value` returns the last.
public struct ParsedOptions: Sendable {
    var values: [String: [String]] = [:]
    var flags: Set<String> = []

    /// `valued`: options taking a value; `flags`: options without one (names without dashes).
    public init(_ arguments: [String], valued: Set<String>, flags knownFlags: Set<String>) throws(ArgumentError) {
        var i = 0
        while i < arguments.count {
            let argument = arguments[i]
            guard argument.hasPrefix("--") else { throw .unknownOption(argument) }
            var name = String(argument.dropFirst(2))
            var inline: String?
            if let eq = name.firstIndex(of: "=") {
                inline = String(name[name.index(after: eq)...])
                name = String(name[..<eq])
            }
            if knownFlags.contains(name) && inline == nil {
                flags.insert(name)
            } else if valued.contains(name) {
                if let inline {
                    values[name, default: []].append(inline)
                } else {
                    guard i + 1 < arguments.count else { throw .missingValue(argument) }
                    i += 1
                    values[name, default: []].append(arguments[i])
                }
            } else {
                throw .unknownOption(argument)
            }
            i += 1
        }
    }

    public func value(_ name: String) -> String? { values[name]?.last }
    public func all(_ name: String) -> [String] { values[name] ?? [] }
    public func flag(_ name: String) -> Bool { flags.contains(name) }

    public func required(_ name: String) throws(ArgumentError) -> String {
        guard let v = value(name) else { throw .missingOption("--\(name)") }
        return v
    }

    public func int(_ name: String, default fallback: Int? = nil, range: ClosedRange<Int> = 0...Int.max) throws(ArgumentError) -> Int? {
        guard let text = value(name) else { return fallback }
        let compact = text.replacingOccurrences(of: "_", with: "")
        guard let v = Int(compact), range.contains(v) else {
            throw .invalidValue(option: "--\(name)", value: text, expected: "an integer in \(range.lowerBound)...\(range.upperBound)")
        }
        return v
    }

    public func double(_ name: String) throws(ArgumentError) -> Double? {
        guard let text = value(name) else { return nil }
        guard let v = Double(text), v > 0 else { throw .invalidValue(option: "--\(name)", value: text, expected: "a positive number") }
        return v
    }

    /// `30s`, `2m`, `500ms`, or plain seconds.
    public func duration(_ name: String) throws(ArgumentError) -> Duration? {
        guard let text = value(name) else { return nil }
        guard let d = Self.parseDuration(text) else {
            throw .invalidValue(option: "--\(name)", value: text, expected: "a duration like 30s, 2m or 500ms")
        }
        return d
    }

    static func parseDuration(_ text: String) -> Duration? {
        let units: [(String, Int64)] = [("ms", 1), ("s", 1_000), ("m", 60_000), ("h", 3_600_000)]
        for (suffix, ms) in units where text.hasSuffix(suffix) {
            let number = text.dropLast(suffix.count)
            if suffix == "s" && number.hasSuffix("m") { continue }
            guard let n = Int64(number), n > 0 else { return nil }
            return .milliseconds(n * ms)
        }
        guard let n = Int64(text), n > 0 else { return nil }
        return .seconds(n)
    }
}

/// `HOST:PORT` (IPv6 as `[::1]:7400`).
public struct HostPort: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    public init(parsing text: String) throws(ArgumentError) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (1...65535).contains(port) else {
            throw .invalidValue(option: "--server", value: text, expected: "HOST:PORT")
        }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { throw .invalidValue(option: "--server", value: text, expected: "HOST:PORT") }
        self.host = host
        self.port = port
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
