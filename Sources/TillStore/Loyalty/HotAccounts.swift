import TillCore

/// The accounts the writer read for purchases, kept in memory as the purchases left them, so that a member's next
/// purchase reads none of them from SQLite (the first half of issue 12's ledger: the hot state of the members the
/// writer has touched).
///
/// Guarantees:
/// - Owned by the writer thread (used through its `WriteContext`; not Sendable, so the compiler keeps it there). An
///   entry always equals what `AccountReader` would read for its member at that point of the writer's transaction:
///   uses are compared with such a read (`checkEvery`: every one in debug builds, where a difference traps, so every
///   test that purchases twice for a member runs the check; one in 1,024 in the daemon, where a difference drops the
///   entry, is counted in `mismatches`, and the purchase is decided on the read).
/// - An entry is kept only by a purchase (the one request that keeps it current, `PostPurchase`); a reversal forgets
///   its members; any other write request (an operator's change of a member, a wallet adjustment, a catalog change,
///   an import) empties it before it runs, and so do any rollback of the writer's transaction and another
///   connection's commit (`PRAGMA data_version`, read when the writer begins a transaction): the writer calls
///   `removeAll`. What a purchase changes is staged and kept only once the purchase succeeded (`commitStaged`); a
///   purchase refused or rolled back to its savepoint leaves the entries as they were (`discardStaged`).
/// - Bounded: at most `capacity` entries and `2 × capacity` identifiers, the oldest dropped to make room
///   (`OldestFirst`); unknown identifiers (no member) and app codes are not kept.
/// - A member's account is kept from its second read on (`admits`): keeping costs ~13,000 instructions per purchase
///   (the entry built, stored twice, updated) against ~52,000 that a hit saves, so a member seen once (a shop with
///   many occasional customers, or a benchmark that walks 100,000 members in turn) pays only a bit in a filter.
final class HotAccounts {
    /// A member's account and the rows behind it (`AccountRows`), as the store holds them now.
    struct Entry: Equatable {
        /// The account as `AccountReader` reads it for a purchase (its active benefits, in row order), except that
        /// `points` is the points wallet's total, pending points included, and `pending` lists every group that was
        /// pending when the entry was read or posted to: `account(at:)` gives what a read at a later time gives.
        var account: MemberAccount
        var wallets: [WalletTotals.Wallet]
        var cards: [Card]

        struct Card: Equatable {
            var benefitId: String
            var row: Int64
        }

        /// The account as a read at `now` gives it: the groups still pending at `now`, the rest spendable.
        func account(at now: Timestamp) -> MemberAccount {
            var a = account
            guard !a.pending.isEmpty else { return a }
            a.pending.removeAll { $0.availableAt <= now }
            a.points -= a.pending.reduce(0) { $0 + $1.points }
            return a
        }

        /// The entry of an account read at `now` (its `points` exclude its `pending`).
        init(read: MemberAccount, wallets: [WalletTotals.Wallet], cards: [Card]) {
            account = read
            account.points += read.pending.reduce(0) { $0 + $1.points }
            self.wallets = wallets
            self.cards = cards
        }

        /// Applies what a purchase changed for this member (`changes`, posted at `now`), with the wallet and card
        /// rows as the posting left them (`rows`). False when the entry cannot follow (an update of a benefit it
        /// does not hold): it must then be dropped.
        mutating func apply(_ changes: LoyaltyChanges, now: Timestamp, rows: AccountRows) -> Bool {
            let id = account.id
            for issued in changes.benefitsIssued where issued.memberId == id && issued.benefit.status == .active {
                account.benefits.append(Self.stored(issued.benefit))
            }
            for update in changes.benefitUpdates where update.memberId == id {
                guard let i = account.benefits.firstIndex(where: { $0.id == update.benefitId }) else { return false }
                if update.status != .active {
                    account.benefits.remove(at: i)
                    continue
                }
                account.benefits[i].punches = update.punches
                account.benefits[i].usedIn = update.usedIn
            }
            for entry in changes.ledger where entry.memberId == id {
                switch entry.wallet {
                case .credit: account.credit += entry.delta
                case .points:
                    account.points += entry.delta
                    guard let available = entry.availableAt, available > now else { continue }
                    let at = Timestamp(millisecondsSinceEpoch: available.millisecondsSinceEpoch)
                    if let g = account.pending.firstIndex(where: { $0.availableAt == at }) {
                        account.pending[g].points += entry.delta
                        if account.pending[g].points == 0 { account.pending.remove(at: g) }
                    } else {
                        let g = account.pending.firstIndex { $0.availableAt > at } ?? account.pending.count
                        account.pending.insert(PendingPoints(availableAt: at, points: entry.delta), at: g)
                    }
                }
            }
            wallets = rows.wallets(of: id)
            cards = Self.cards(of: account, in: rows)
            return true
        }

        /// The rows of `account`'s punch cards in `rows`, each once, in `rows`' order.
        static func cards(of account: MemberAccount, in rows: AccountRows) -> [Card] {
            var found: [Card] = []
            for c in rows.cards where account.benefits.contains(where: { $0.id == c.benefitId })
                && !found.contains(where: { $0.benefitId == c.benefitId }) {
                found.append(Card(benefitId: c.benefitId, row: c.row))
            }
            return found
        }

        /// A benefit as a read gives it back: its times without the zone they were written in.
        private static func stored(_ b: HeldBenefit) -> HeldBenefit {
            var b = b
            b.validFrom = b.validFrom.map { Timestamp(millisecondsSinceEpoch: $0.millisecondsSinceEpoch) }
            b.validUntil = b.validUntil.map { Timestamp(millisecondsSinceEpoch: $0.millisecondsSinceEpoch) }
            return b
        }
    }

    private var entries: OldestFirst<Int64, Entry>
    private var members: OldestFirst<MemberIdentifier, Int64>
    private var staged: [Entry] = []
    /// Accounts found here and read from SQLite (by purchases, `admits`), since start.
    private(set) var hits = 0
    private(set) var misses = 0
    /// Entries found different from a read of the same account (`AccountReader`): dropped, the read used instead.
    private(set) var mismatches = 0
    /// Every how many hits an entry is compared with a read of its account: every one in debug builds (every test
    /// run), one in 1,024 in the daemon (≈ 50 instructions per purchase), so that a divergence in production is
    /// seen (`till_writer_hot_account_mismatches_total`) and never decides a purchase.
    var checkEvery: Int = {
        #if DEBUG
        1
        #else
        1_024
        #endif
    }()
    /// A mismatch traps (debug builds: every test that meets one fails) instead of only being counted.
    var trapsOnMismatch: Bool = {
        #if DEBUG
        true
        #else
        false
        #endif
    }()

    /// Whether the hit just counted is to be compared with a read (`checkEvery`).
    var checksThisHit: Bool { hits % checkEvery == 0 }

    /// An entry differed from a read of its account: it is dropped (the read is used and may be kept again).
    func mismatched(_ member: Int64, _ difference: @autoclosure () -> String) {
        precondition(!trapsOnMismatch, difference())
        mismatches += 1
        entries.remove(member)
    }

    /// Members read once since the filter was last cleared, as bits of a hash of their id (`admits`).
    private var seen: [UInt64]
    private var seenCount = 0
    private let seenShift: UInt64

    init(capacity: Int) {
        precondition(capacity > 0, "a hot account set holds at least one account")
        entries = OldestFirst(limit: capacity)
        members = OldestFirst(limit: 2 * capacity)
        // 16 bits per account kept, at least 2^16: cleared once an eighth of them are set (false "seen" ≤ 1 in 8).
        var bits = 1 << 16
        while bits < 16 * capacity && bits < 1 << 30 { bits <<= 1 }
        seen = Array(repeating: 0, count: bits / 64)
        seenShift = UInt64(64 - bits.trailingZeroBitCount)
    }

    /// Counts a read of `member`'s account from SQLite (a miss) and tells whether to keep it: true from the second
    /// read since the filter was last cleared (or when the filter mistakes it for one read before).
    func admits(_ member: Int64) -> Bool {
        misses += 1
        let bit = Int((UInt64(bitPattern: member) &* 0x9E37_79B9_7F4A_7C15) >> seenShift)
        let (word, mask) = (bit >> 6, UInt64(1) << UInt64(bit & 63))
        if seen[word] & mask != 0 { return true }
        if seenCount >= seen.count * 64 / 8 {
            for i in seen.indices { seen[i] = 0 }
            seenCount = 0
        }
        seen[word] |= mask
        seenCount += 1
        return false
    }

    var count: Int { entries.count }

    /// The member a normalised identifier named when it was last read (nil: not kept).
    func member(_ identifier: MemberIdentifier) -> Int64? { members[identifier] }

    /// The entry of `member`, counted as a hit (nil: not kept).
    func entry(_ member: Int64) -> Entry? {
        guard let e = entries[member] else { return nil }
        hits += 1
        return e
    }

    /// The entry of `member`, not counted (the purchase that used it, staging its changes).
    func current(_ member: Int64) -> Entry? { entries[member] }

    /// Keeps an entry read from SQLite (and the identifier that named its member); `admits` said so.
    func keep(_ entry: Entry, identifier: MemberIdentifier?) {
        entries.set(entry, for: entry.account.id)
        if let identifier { members.set(entry.account.id, for: identifier) }
    }

    /// Finds `member`'s entry by `identifier` too from now on (an identifier that named it, the entry found by its id).
    func name(_ member: Int64, by identifier: MemberIdentifier) {
        if members[identifier] != member { members.set(member, for: identifier) }
    }

    /// An entry as the running purchase leaves it: kept once the purchase succeeded (`commitStaged`).
    func stage(_ entry: Entry) { staged.append(entry) }

    /// Drops `member`'s entry now (a reversal changes its account; a purchase's changes it cannot follow).
    func forget(_ member: Int64) { entries.remove(member) }

    /// The request that staged entries succeeded: they replace the entries they were made from.
    func commitStaged() {
        for e in staged where entries[e.account.id] != nil || entries.count < entries.limit { entries.set(e, for: e.account.id) }
        staged.removeAll(keepingCapacity: true)
    }

    /// The request that staged entries was refused or rolled back.
    func discardStaged() { staged.removeAll(keepingCapacity: true) }

    /// Forgets everything (a write that may change any member, or a rollback of the transaction).
    func removeAll() {
        entries.removeAll()
        members.removeAll()
        staged.removeAll()
    }
}
