/// The wire protocol versions this build speaks. `hello` negotiates the highest one both sides offer.
public enum ProtocolVersion {
    public static let supported: [Int] = [1]
    public static let current = 1
}

/// What `--version` of `tilld`, `till` and `till-sim` prints and `till_build_info` exposes: one release number for
/// the three programs, and the protocol versions the build speaks.
public enum TillRelease {
    public static let version = "0.1.0"

    /// `NAME 0.1.0 (protocol 1)`.
    public static func versionLine(program: String) -> String {
        "\(program) \(version) (protocol \(ProtocolVersion.supported.map(String.init).joined(separator: ", ")))"
    }
}
