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

    /// The command-line flag: `--` plus the key with camel case turned into dashes (`maxFrameBytes` →
    /// `--max-frame-bytes`).
    public var flag: String {
        var out = "--"
        for character in key {
            if character.isUppercase {
                out.append("-")
                out.append(contentsOf: character.lowercased())
            } else {
                out.append(character)
            }
        }
        return out
    }

    /// The environment variable: `TILL_` plus the key in upper snake case (`maxFrameBytes` → `TILL_MAX_FRAME_BYTES`).
    public var environmentVariable: String {
        var out = "TILL_"
        for character in key {
            if character.isUppercase { out.append("_") }
            out.append(contentsOf: character.uppercased())
        }
        return out
    }
}
