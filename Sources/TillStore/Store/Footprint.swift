/// What a read depends on, which decides which writes answered before it began it must wait for (`Visibility`).
public enum ReadDependence: Sendable {
    /// Anything in the store (back office, tools): the read begins once every write answered before it is committed.
    case store
    /// Only its footprint (`Footprint`): the accounts of the members it reads through `AccountReader` (identify,
    /// quote: their identifiers, rows, wallets and benefits; the catalog they also read changes only by writes that
    /// reach the whole store) or the purchase it looks up by its id (status). It runs at once on the committed state and is answered from there when no write answered before it
    /// and not committed yet has a footprint in common with it (the answer is then the same as after waiting); else it
    /// waits for the COMMIT and runs again.
    case footprint
}

/// What a request or a read touched, as far as reads of footprints go: members (row ids) and purchases (by their
/// exactly-once key, `UnappliedWrites.key(.purchases(terminal), id:)`).
struct Footprint: Equatable, Sendable {
    var members: [Int64] = []
    var purchases: [String] = []

    func overlaps(_ other: Footprint) -> Bool {
        members.contains(where: other.members.contains) || purchases.contains(where: other.purchases.contains)
    }

    mutating func add(member: Int64) {
        if !members.contains(member) { members.append(member) }
    }

    mutating func add(purchase key: String) {
        if !purchases.contains(key) { purchases.append(key) }
    }

    mutating func add(_ other: Footprint) {
        for member in other.members { add(member: member) }
        for purchase in other.purchases { add(purchase: purchase) }
    }
}

/// What an answered write may have changed, for the reads of footprints.
enum WriteReach: Equatable, Sendable {
    /// Anything: an operator's write, a wallet adjustment, a catalog change, an import.
    case store
    /// Only what it read (purchases, voids, returns): its members' accounts (each read through `AccountReader`) and
    /// its purchase (a purchase's own, the one a reversal names). Such writes change no identifier, member status,
    /// catalog, or account they did not read.
    case footprint(Footprint)
}

/// The footprint of what ran on a connection since `reset`: `AccountReader` adds each member it reads or takes from
/// memory, a purchase its id, a reversal the purchase it names, a status the purchase it looks up — when the
/// connection carries one (`Connection.footprint`). One thread uses it at a time, as its connection.
final class ReadFootprint {
    private(set) var footprint = Footprint()

    func add(member: Int64) { footprint.add(member: member) }

    func add(purchase key: String) { footprint.add(purchase: key) }

    func reset() { footprint = Footprint() }
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

    /// Whether a write answered with an LSN in `after + 1 ... through` may have changed something in `footprint`
    /// (true also when such a write is no longer known).
    func reaches(_ footprint: Footprint, after: UInt64, through: UInt64) -> Bool {
        guard through > after else { return false }
        if droppedThrough > after { return true }
        var i = entries.count - 1
        while i >= head, entries[i].lsn > after {
            if entries[i].lsn <= through {
                switch entries[i].reach {
                case .store: return true
                case .footprint(let reached): if reached.overlaps(footprint) { return true }
                }
            }
            i -= 1
        }
        return false
    }
}
