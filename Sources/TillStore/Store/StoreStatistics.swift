import TillCore

/// Headline counts of a store, for the operator `stats` op: members by status, purchases, and what the wallets owe.
///
/// Guarantees: every count comes from one read snapshot, so they are consistent with each other.
public struct StoreStatistics: Sendable, Equatable {
    public var members: Int64
    public var activeMembers: Int64
    public var blockedMembers: Int64
    public var purchases: Int64
    /// Spendable plus pending points over all wallets.
    public var pointsOutstanding: Points
    public var creditOutstanding: MinorUnits
}

extension StoreStatistics {
    /// Reads the counts inside the caller's read transaction (one snapshot).
    public static func collect(_ connection: Connection) throws -> StoreStatistics {
        let members = (try connection.int64("SELECT count(*) FROM members WHERE status <> 'anonymized'") ?? 0)
        let active = (try connection.int64("SELECT count(*) FROM members WHERE status = 'active'") ?? 0)
        let blocked = (try connection.int64("SELECT count(*) FROM members WHERE status = 'blocked'") ?? 0)
        let purchases = (try connection.int64("SELECT count(*) FROM purchases") ?? 0)
        // Each wallet's base plus what came after it (`WalletTotals`).
        let outstanding = "SELECT coalesce(sum(\(WalletTotals.availableBalance) + w.pending), 0) FROM wallets w WHERE w.kind = ?"
        let points = (try connection.int64(outstanding, [.text("points")]) ?? 0)
        let credit = (try connection.int64(outstanding, [.text("credit")]) ?? 0)
        return StoreStatistics(
            members: members, activeMembers: active, blockedMembers: blocked, purchases: purchases,
            pointsOutstanding: points, creditOutstanding: credit)
    }
}

extension Store {
    /// Reads `StoreStatistics` from one snapshot on the calling thread (tools and tests).
    public func statistics() throws(TillError) -> StoreStatistics {
        do {
            return try read { try StoreStatistics.collect($0) }
        } catch {
            throw StoreErrors.map(error)
        }
    }
}
