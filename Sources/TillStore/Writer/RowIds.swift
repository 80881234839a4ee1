/// The row ids the writer gives the rows a purchase or a reversal inserts into the tables whose ids those requests need
/// before they write (`purchases`, `member_benefits`, `wallets`, `ledger`, `reversals`): the purchase's own id decides
/// whether it is a member's fold point (`FoldPoint`) before its first write, a reversal's ledger rows whether they fold
/// their wallets, the ids of a new punch card and of a new wallet are kept with the accounts (`AccountRows`), and a
/// reversal's row is what its returned lines and ledger rows point at. The insert binds the id it was given, so the
/// journal's record carries it and a replay gives every row the id the request decided.
///
/// Guarantees: `take(_:)` returns one more than the largest id of the table as the writer's transaction sees it and
/// every id taken since; the largest ids are read together on the first `take` after `forget()` — a purchase's first
/// take comes before its first write, so the read is one it makes before writing (`WriteRequest.decidesBeforeWriting`).
/// Valid only while every insert into those tables since the read took its id here: the writer keeps the ids only
/// after a request that keeps its accounts in memory, succeeded and changed something, and forgets them after any
/// other (it may have inserted rows with ids SQLite chose, or taken ids it did not insert: a refusal, a resend answered
/// from the store), after a rollback and when another connection committed, so ids stay dense. An insert with an id
/// already used fails its unique key: a wrong id refuses a request, it never overwrites a row. Writer thread only.
final class RowIds {
    enum Table: Int, CaseIterable {
        case purchases, memberBenefits, wallets, ledger, reversals
    }

    /// The largest id of each table (by `Table.rawValue`), nil until read.
    private var largest: [Int64]?

    /// A fresh id for a row of `table`.
    func take(_ table: Table, _ connection: Connection) throws -> Int64 {
        if largest == nil {
            largest = try connection.statement(Self.largestIds).firstRow { r in Table.allCases.map { r.int64($0.rawValue) } }
        }
        largest![table.rawValue] += 1
        return largest![table.rawValue]
    }

    /// Drops what was read: the next `take` reads the tables again.
    func forget() { largest = nil }

    /// What `take` would count on now (the ledger: a request that decided nothing gives back the ids it took, since
    /// its snapshot may not hold the rows of the requests before it, so it cannot read them again).
    var saved: [Int64]? { largest }
    func restore(_ saved: [Int64]?) { largest = saved }

    private static let largestIds = """
        SELECT (SELECT coalesce(max(id), 0) FROM purchases), (SELECT coalesce(max(id), 0) FROM member_benefits),
               (SELECT coalesce(max(id), 0) FROM wallets), (SELECT coalesce(max(id), 0) FROM ledger),
               (SELECT coalesce(max(id), 0) FROM reversals)
        """
}
