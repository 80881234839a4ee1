/// One configurable setting of `tilld`: its name in the JSON file, its flag, its environment variable, its default
/// and its help text. `ServerConfiguration` is built from a table of these, so `--help`, the file, the flags and the
/// environment can never disagree.
public struct Setting: Sendable {
    /// The key in the JSON configuration file, e.g. `listen`.
    public let key: String
    /// The placeholder shown in `--help`, e.g. `HOST:PORT`.
    public let valueName: String
    public let defaultValue: String
    public let help: String

    /// The command-line flag: `--` plus the key's words in lower case joined by dashes (`maxFrameBytes` →
    /// `--max-frame-bytes`); a run of capitals is one word (`tlsClientCA` → `--tls-client-ca`).
    public var flag: String { "--" + Self.words(of: key).joined(separator: "-") }

    /// The environment variable: `TILL_` plus the key's words in upper snake case (`maxFrameBytes` →
    /// `TILL_MAX_FRAME_BYTES`, `tlsClientCA` → `TILL_TLS_CLIENT_CA`).
    public var environmentVariable: String { "TILL_" + Self.words(of: key).joined(separator: "_").uppercased() }

    /// The flag as spelled before acronyms were kept whole (`--tls-client-c-a`): still accepted, deprecated; nil when
    /// it is the same.
    public var deprecatedFlag: String? {
        let old = "--" + key.map { $0.isUppercase ? "-" + $0.lowercased() : String($0) }.joined()
        return old == flag ? nil : old
    }

    /// The environment variable as spelled before (`TILL_TLS_CLIENT_C_A`): still read, deprecated; nil when the same.
    public var deprecatedEnvironmentVariable: String? {
        let old = "TILL_" + key.map { $0.isUppercase ? "_" + String($0) : $0.uppercased() }.joined()
        return old == environmentVariable ? nil : old
    }

    /// `tlsClientCA` → `tls`, `client`, `ca`: a capital starts a word, unless it continues a run of capitals that is
    /// not followed by a lower-case letter (`CAFile` → `ca`, `file`).
    static func words(of key: String) -> [String] {
        let characters = Array(key)
        var words: [String] = []
        var current = ""
        for (i, c) in characters.enumerated() {
            let previousUpper = i > 0 && characters[i - 1].isUppercase
            let nextLower = i + 1 < characters.count && characters[i + 1].isLowercase
            if c.isUppercase && !current.isEmpty && (!previousUpper || nextLower) {
                words.append(current)
                current = ""
            }
            current.append(contentsOf: c.lowercased())
        }
        if !current.isEmpty { words.append(current) }
        return words
    }
}
