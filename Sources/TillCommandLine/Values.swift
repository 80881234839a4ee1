/// Typed readings of option values; a malformed one is an `invalidValue` error naming the option.
extension ParsedCommand {
    /// The value the table requires (the parser already refused the command line without it), or a refusal naming it.
    public func required(_ name: String) throws(CommandLineError) -> String {
        guard let v = value(name) else {
            let p = parameters.first { $0.name == name } ?? .option(name, "")
            throw p.isPositional ? .missingArgument(name) : .missingOption("--\(name)" + (p.environmentVariable.map { " (or \($0))" } ?? ""))
        }
        return v
    }

    /// A whole number (`100_000` allowed) within `range`; `fallback` when the option has no value at all.
    public func int(_ name: String, default fallback: Int? = nil, range: ClosedRange<Int> = Int.min...Int.max) throws(CommandLineError) -> Int? {
        guard let text = value(name) else { return fallback }
        guard let v = Int(text.replacingOccurrences(of: "_", with: "")), range.contains(v) else {
            let expected = range == Int.min...Int.max ? "a whole number" : "a whole number in \(range.lowerBound)...\(range.upperBound)"
            throw .invalidValue(option: label(name), value: text, expected: expected)
        }
        return v
    }

    /// A positive number.
    public func double(_ name: String) throws(CommandLineError) -> Double? {
        guard let text = value(name) else { return nil }
        guard let v = Double(text), v > 0, v.isFinite else { throw .invalidValue(option: label(name), value: text, expected: "a positive number") }
        return v
    }

    /// `30s`, `2m`, `500ms`, `1h`, or plain seconds.
    public func duration(_ name: String) throws(CommandLineError) -> Duration? {
        guard let text = value(name) else { return nil }
        guard let d = Self.parseDuration(text) else {
            throw .invalidValue(option: label(name), value: text, expected: "a duration like 30s, 2m or 500ms")
        }
        return d
    }

    public static func parseDuration(_ text: String) -> Duration? {
        let units: [(String, Int64)] = [("ms", 1), ("s", 1_000), ("m", 60_000), ("h", 3_600_000)]
        for (suffix, ms) in units where text.hasSuffix(suffix) {
            let number = text.dropLast(suffix.count)
            if suffix == "s" && number.hasSuffix("m") { continue }
            guard let n = Int64(number), n > 0, n <= Int64.max / ms else { return nil }
            return .milliseconds(n * ms)
        }
        guard let n = Int64(text), n > 0 else { return nil }
        return .seconds(n)
    }

    /// How an error names the parameter: `--members`, or the environment variable the value came from.
    func label(_ name: String) -> String {
        if parameters.first(where: { $0.name == name })?.isPositional == true { return name }
        if case .environment(let variable) = source(name) { return variable }
        return "--" + name
    }
}

/// The command or option the user most likely meant, by edit distance.
public enum Suggestion {
    /// The candidate within a third of the word's length (at least 2 edits) of `word`, closest first; nil when none is.
    public static func closest(_ word: String, among candidates: [String]) -> String? {
        let limit = max(2, word.count / 3)
        let scored = candidates.map { ($0, distance(word, $0)) }.filter { $0.1 <= limit && $0.1 > 0 }
        return scored.min { $0.1 < $1.1 || ($0.1 == $1.1 && $0.0 < $1.0) }?.0
    }

    /// Levenshtein distance (insert, delete, substitute; all cost 1).
    public static func distance(_ a: String, _ b: String) -> Int {
        let x = Array(a), y = Array(b)
        guard !x.isEmpty else { return y.count }
        guard !y.isEmpty else { return x.count }
        var previous = Array(0...y.count)
        for i in 1...x.count {
            var current = [i] + [Int](repeating: 0, count: y.count)
            for j in 1...y.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x[i - 1] == y[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[y.count]
    }
}
