/// Lookups in the small sets and maps of a purchase's rules (a rule's item codes and departments, an earning rule's
/// percent maps, the benefits a purchase names): up to `comparedUpTo` keys are compared with the key (`String ==`,
/// the comparison the hashed lookup ends with), which costs less than hashing it; more are looked up by hash.
///
/// Guarantees: the same answers as `Set.contains` and `Dictionary.subscript`.
public enum FewKeys {
    /// The most keys compared one by one; a larger set or map is hashed.
    public static let comparedUpTo = 4

    /// Whether `keys` holds `key` (false for a nil key).
    public static func contains(_ keys: Set<String>, _ key: String?) -> Bool {
        guard let key, !keys.isEmpty else { return false }
        guard keys.count <= comparedUpTo else { return keys.contains(key) }
        for k in keys where k == key { return true }
        return false
    }

    /// `map[key]`.
    public static func value<Value>(_ map: [String: Value], _ key: String) -> Value? {
        guard map.count <= comparedUpTo else { return map[key] }
        for (k, v) in map where k == key { return v }
        return nil
    }
}
