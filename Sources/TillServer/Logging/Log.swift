import Foundation
import Synchronization
import TillCore

/// Log severity, lowest first.
public enum LogLevel: String, Sendable, Comparable, CaseIterable {
    case debug, info, warning, error
    public static func < (lhs: LogLevel, rhs: LogLevel) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// A logfmt logger writing one line per event to stderr (or a test sink).
///
/// Guarantees: one `write(2)` per line, so lines from different threads never interleave; values are quoted and
/// escaped as logfmt requires; callers pass personal data only through `Redact` (phones and emails masked).
public final class Log: Sendable {
    public typealias Sink = @Sendable (String) -> Void
    public let level: LogLevel
    private let sink: Sink
    /// The wall clock of the `ts` field.
    private let time: any TimeSource

    public init(level: LogLevel, sink: Sink? = nil, time: any TimeSource = SystemTime()) {
        self.level = level
        self.time = time
        self.sink = sink ?? { line in
            line.utf8CString.withUnsafeBufferPointer { buffer in
                _ = Glibc.write(2, buffer.baseAddress, buffer.count - 1)
            }
        }
    }

    public func debug(_ event: String, _ fields: KeyValuePairs<String, String> = [:]) { emit(.debug, event, fields) }
    public func info(_ event: String, _ fields: KeyValuePairs<String, String> = [:]) { emit(.info, event, fields) }
    public func warning(_ event: String, _ fields: KeyValuePairs<String, String> = [:]) { emit(.warning, event, fields) }
    public func error(_ event: String, _ fields: KeyValuePairs<String, String> = [:]) { emit(.error, event, fields) }

    /// Fields built at run time (the audit trail's), in order.
    public func debug(_ event: String, _ fields: [(String, String)]) { emit(.debug, event, fields) }
    public func info(_ event: String, _ fields: [(String, String)]) { emit(.info, event, fields) }

    private func emit(_ at: LogLevel, _ event: String, _ fields: KeyValuePairs<String, String>) {
        guard at >= level else { return }
        emit(at, event, fields.map { ($0.key, $0.value) })
    }

    private func emit(_ at: LogLevel, _ event: String, _ fields: [(String, String)]) {
        guard at >= level else { return }
        var line = "ts=\(Log.timestamp(time.wallNow())) level=\(at.rawValue) event=\(Log.quoted(event))"
        for (key, value) in fields {
            line += " \(key)=\(Log.quoted(value))"
        }
        line += "\n"
        sink(line)
    }

    static func quoted(_ value: String) -> String {
        let needsQuotes = value.isEmpty || value.contains { $0 == " " || $0 == "=" || $0 == "\"" || $0 == "\n" || $0 == "\\" }
        guard needsQuotes else { return value }
        var out = "\""
        for character in value {
            switch character {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            default: out.append(character)
            }
        }
        return out + "\""
    }

    static func timestamp(_ at: Timestamp) -> String {
        var seconds = time_t(at.millisecondsSinceEpoch / 1_000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        let millis = at.millisecondsSinceEpoch % 1_000
        func two(_ v: Int32) -> String { v < 10 ? "0\(v)" : "\(v)" }
        let ms = millis < 10 ? "00\(millis)" : millis < 100 ? "0\(millis)" : "\(millis)"
        return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)).\(ms)Z"
    }
}

/// Masks personal data before it reaches a log line.
public enum Redact {
    /// `+491512345678` → `+49*******78`: country code and the last two digits stay, for support correlation.
    public static func phone(_ value: String) -> String {
        let characters = Array(value)
        guard characters.count > 5 else { return String(repeating: "*", count: characters.count) }
        let keepStart = characters.first == "+" ? 3 : 1
        return String(characters[..<keepStart]) + String(repeating: "*", count: characters.count - keepStart - 2)
            + String(characters[(characters.count - 2)...])
    }

    /// `anna.meier@example.com` → `a***@example.com`: the domain stays.
    public static func email(_ value: String) -> String {
        guard let at = value.firstIndex(of: "@"), at != value.startIndex else { return "***" }
        return String(value[value.startIndex]) + "***" + String(value[at...])
    }

    /// Masks an identifier of the given kind name; member keys, cards and custom ids are shown as the first two
    /// characters only.
    public static func identifier(kind: String, value: String) -> String {
        switch kind {
        case "phone": phone(value)
        case "email": email(value)
        default: String(value.prefix(2)) + "***"
        }
    }
}
