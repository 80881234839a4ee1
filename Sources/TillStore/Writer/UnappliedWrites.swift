/// What the ledger decided and the writer has not yet made visible to the ledger's snapshots: the members those
/// requests read or changed and the ids they claimed or named (a purchase's, a reversal's and the purchase it
/// reverses: `key(_:id:)`), each with the number of the last request that did.
///
/// Guarantees: a request deciding on a snapshot that holds every request through `snapshot` never uses a member or
/// an id that a later request touched: `check` throws `Conflict` first (before the member's account is read or taken
/// from memory), and the ledger then waits until the writer made that request visible, takes a new snapshot and
/// decides again. What a request checked is registered only when it decided to write (`decided(as:)`); a refusal or
/// a resend answered from the store changes nothing and registers nothing. Ledger thread only.
final class UnappliedWrites {
    /// The running request read something that request `through` changed and the snapshot does not hold yet.
    struct Conflict: Error {
        let through: Int
    }

    /// Every request through this number is in the ledger's snapshot (`Ledger`).
    var snapshot = 0
    private var members: [Int64: Int] = [:]
    private var keys: [String: Int] = [:]
    /// The ids claimed by the requests registered (a purchase's, a reversal's), with what each stored under its id:
    /// a resend is answered from here until the snapshot holds the claim (`ExactlyOnce.admit(_:unapplied:)`).
    private var claims: [String: Claim] = [:]
    private var checkedClaim: (key: String, claim: Claim)?
    /// The id the running request was admitted with (`admit(key:)`): the one it may claim.
    private var admittedKey: String?
    /// Registered requests, oldest first, to forget them once visible.
    private var registered: [(request: Int, members: [Int64], keys: [String])] = []
    private var forgotten = 0
    /// What the running request checked.
    private var checkedMembers: [Int64] = []
    private var checkedKeys: [String] = []

    /// What a request decided since the snapshot stored under the id it claimed.
    struct Claim {
        var request = 0
        let fingerprint: [UInt8]
        let stored: ExactlyOnce.Stored
    }

    /// Conflicts met since start (`till_ledger_conflicts_total`).
    private(set) var conflicts = 0

    /// Throws when a request not in the snapshot changed `member`; else remembers it for `decided(as:)`.
    func check(member: Int64) throws(Conflict) {
        if let last = touched(member) {
            conflicts += 1
            throw Conflict(through: last)
        }
        remember(member)
    }

    /// The last request that changed `member` and is not in the snapshot (nil: none). A member whose account the
    /// ledger keeps in memory as those requests left it is served from there (`remember` it then); reading it from
    /// the snapshot would be reading the past.
    func touched(_ member: Int64) -> Int? {
        guard let last = members[member], last > snapshot else { return nil }
        return last
    }

    /// Remembers `member` as used by the running request (registered with it by `decided(as:)`).
    func remember(_ member: Int64) {
        if !checkedMembers.contains(member) { checkedMembers.append(member) }
    }

    /// Throws for a read of the snapshot that a request not in it may have changed (a benefit named by its id, when
    /// one of the purchase's members is touched and the name is not among what the ledger holds).
    func conflict(_ through: Int) -> Conflict {
        conflicts += 1
        return Conflict(through: through)
    }

    /// Whether any of the members the running request used so far is touched (its latest request, if so).
    var latestTouchedAmongChecked: Int? {
        var latest: Int?
        for member in checkedMembers {
            if let last = members[member], last > snapshot, last > latest ?? 0 { latest = last }
        }
        return latest
    }

    /// Throws when a request not in the snapshot claimed or named the exactly-once `key`; else remembers it.
    func check(key: String) throws(Conflict) {
        if let last = keys[key], last > snapshot {
            conflicts += 1
            throw Conflict(through: last)
        }
        if !checkedKeys.contains(key) { checkedKeys.append(key) }
    }

    /// `check(key:)` for the exactly-once id of the running request (`ExactlyOnce.admit(_:unapplied:)`): the id it
    /// may then claim.
    func admit(key: String) throws(Conflict) {
        try check(key: key)
        admittedKey = key
    }

    /// What the request decided since the snapshot that claimed `key` stored under it (nil: none did).
    func claim(of key: String) -> Claim? { claims[key] }

    /// The running request claims the id it was admitted with (it inserts the row of that id), storing `stored`
    /// under it with `fingerprint`: registered with it by `decided(as:)`.
    func claim(fingerprint: [UInt8], stored: ExactlyOnce.Stored) {
        guard let key = admittedKey else { preconditionFailure("a request claims the id it was admitted with") }
        checkedClaim = (key, Claim(fingerprint: fingerprint, stored: stored))
    }

    /// The key of `id` in `space` for `check(key:)` (one string per id space and id).
    static func key(_ space: ExactlyOnce.Space, id: String) -> String {
        switch space {
        case .purchases(let t): "p\u{1F}\(t.branchId)\u{1F}\(t.posId)\u{1F}\(id)"
        case .reversals(let t): "r\u{1F}\(t.branchId)\u{1F}\(t.posId)\u{1F}\(id)"
        case .walletMoves(let prefix): "w\u{1F}\(prefix)\(id)"
        }
    }

    /// The running request decided to write, as request number `request`: what it checked is now its.
    func decided(as request: Int) {
        precondition(registered.last.map { $0.request < request } ?? true, "requests registered out of order")
        for member in checkedMembers { members[member] = request }
        for key in checkedKeys { keys[key] = request }
        if case (let key, var claim)? = checkedClaim {
            claim.request = request
            claims[key] = claim
        }
        registered.append((request, checkedMembers, checkedKeys))
        discard()
    }

    /// The running request wrote nothing (or is decided again later): forgets what it checked.
    func discard() {
        checkedMembers.removeAll(keepingCapacity: true)
        checkedKeys.removeAll(keepingCapacity: true)
        checkedClaim = nil
        admittedKey = nil
    }

    /// Requests through `visible` are in every snapshot from now on: forgets them (what they checked and claimed).
    func forget(through visible: Int) {
        while forgotten < registered.count, registered[forgotten].request <= visible {
            let done = registered[forgotten]
            for member in done.members where members[member] == done.request { members[member] = nil }
            for key in done.keys {
                if keys[key] == done.request { keys[key] = nil }
                // Its own claim goes with it, even when a later request named the key (a reversal of the purchase).
                if claims[key]?.request == done.request { claims[key] = nil }
            }
            forgotten += 1
        }
        if forgotten >= 1_024 && forgotten * 2 >= registered.count {
            registered.removeFirst(forgotten)
            forgotten = 0
        }
    }
}
