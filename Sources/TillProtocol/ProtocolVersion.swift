/// The wire protocol versions this build speaks. `hello` negotiates the highest one both sides offer.
public enum ProtocolVersion {
    public static let supported: [Int] = [1]
    public static let current = 1
}
