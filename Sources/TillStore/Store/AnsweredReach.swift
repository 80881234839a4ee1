/// What a read depends on, which decides which writes answered before it began it must wait for (`Visibility`).
public enum ReadDependence: Sendable {
    /// Anything in the store (back office, status, tools): the read begins once every write answered before it is
    /// committed.
    case store
    /// Only the accounts of the members it reads through `AccountReader` (identify, quote: their identifiers, the
    /// members' rows, wallets and benefits, and the catalog). It runs at once on the committed state and is answered
    /// from there when no write answered before it and not committed yet reached one of those members (the answer is
    /// then the same as after waiting); else it waits for the COMMIT and runs again.
    case membersRead
}

/// What an answered write may have changed, for the reads that depend on members only.
enum WriteReach: Equatable, Sendable {
    /// Anything: an operator's write, a wallet adjustment, a catalog change, an import.
    case store
    /// Only these members' accounts (purchases, voids, returns): the members `AccountReader` read for them. Their
    /// writes change no identifier, member status or catalog, and no account they did not read.
    case members([Int64])
}

/// The members whose accounts were read on a connection since `reset`: `AccountReader` adds each member it reads or
/// takes from memory when its connection carries one (`Connection.membersRead`). One thread uses it at a time, as its
/// connection.
final class MembersRead {
    private(set) var members: [Int64] = []

    func add(_ member: Int64) {
        if !members.contains(member) { members.append(member) }
    }

    func reset() { members.removeAll(keepingCapacity: true) }
}

/// The reach of the latest answered writes, by LSN, for the reads that check them (`Visibility.unaffected`).
///
/// Guarantees: `reaches` answers for exactly the writes appended with an LSN in the range asked; when some of them
/// were dropped to stay within `capacity` (the oldest first; writes are not dropped at their COMMIT, since a read
/// that began before it may still ask), it answers that they may reach anything. LSNs only grow.
struct AnsweredReach {
    private var entries: [(lsn: UInt64, reach: WriteReach)] = []
    private var head = 0
    /// The largest LSN dropped (0: none).
    private(set) var droppedThrough: UInt64 = 0
    let capacity: Int

    init(capacity: Int) {
        precondition(capacity > 0, "the log keeps at least one answered write")
        self.capacity = capacity
    }

    /// Writes kept.
    var count: Int { entries.count - head }

    mutating func append(_ lsn: UInt64, _ reach: WriteReach) {
        precondition(lsn > (head < entries.count ? entries[entries.count - 1].lsn : droppedThrough), "LSNs only grow")
        entries.append((lsn, reach))
        guard count > capacity else { return }
        // The oldest goes (committed long ago, in the usual case: a read checks the writes answered while it ran).
        droppedThrough = entries[head].lsn
        head += 1
        if head >= 1_024 && head * 2 >= entries.count {
            entries.removeFirst(head)
            head = 0
        }
    }

    /// Whether a write answered with an LSN in `after + 1 ... through` may have changed one of `members` (true also
    /// when such a write is no longer known).
    func reaches(_ members: [Int64], after: UInt64, through: UInt64) -> Bool {
        guard through > after else { return false }
        if droppedThrough > after { return true }
        var i = entries.count - 1
        while i >= head, entries[i].lsn > after {
            if entries[i].lsn <= through {
                switch entries[i].reach {
                case .store: return true
                case .members(let reached): if reached.contains(where: members.contains) { return true }
                }
            }
            i -= 1
        }
        return false
    }
}
