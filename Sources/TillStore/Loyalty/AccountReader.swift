import TillCore

/// Member status as stored (`members.status`) ↔ the shop's `MemberStatus`.
enum StoredStatus {
    static func member(_ text: String) -> MemberStatus {
        text == "pending_verification" ? .pendingVerification : MemberStatus(rawValue: text) ?? .blocked
    }
    static func text(_ status: MemberStatus) -> String {
        status == .pendingVerification ? "pending_verification" : status.rawValue
    }
}

/// Which benefits to read with an account: a purchase needs the active ones plus the ones it names; a reversal
/// needs every benefit the member holds (it restores used gifts and revokes issued ones).
enum BenefitScope {
    case active(naming: [String])
    case all
}

/// Reads members as the rules engine sees them, on whichever connection it is given (a reader's snapshot, or the
/// writer's connection inside the write transaction).
///
/// Guarantees (the contract of `MemberAccount`): `points` is the wallet total minus the ledger groups whose
/// `available_at` is after `now`; `pending` lists those groups (> 0, earliest first); `credit` is the credit wallet.
/// Because maturity is computed from `now`, pending points become spendable on time with no background job. Every
/// member whose account it reads or takes from memory (and an app code's member) is added to the connection's
/// `footprint` when it has one, before the account is used.
struct AccountReader {
    let connection: Connection
    let program: Program
    let now: Timestamp
    /// Where the writer keeps the row ids it reads with the accounts (nil: a reader that posts nothing).
    var rows: AccountRows? = nil
    /// The writer's accounts in memory (`HotAccounts`): a purchase's accounts are taken from there when kept, and
    /// kept there when read (nil: every account is read). Only with `rows`.
    var hot: HotAccounts? = nil
    /// On the ledger: a member a request decided since the snapshot is not read here (its account comes from `hot`,
    /// or `UnappliedWrites.check` throws before it is read). The ledger keeps every account it reads (not only from a
    /// member's second read on): a member used again before the writer made the first use visible is then served
    /// from memory instead of waiting.
    var unapplied: UnappliedWrites? = nil

    /// One match per identifier (nil account when unknown), identifiers normalised with the shop's country.
    func matches(
        _ identifiers: [MemberIdentifier], scope: BenefitScope, list: Identification.IdentifierList = .purchase
    ) throws -> [MemberMatch] {
        // Each account is read with its active benefits; the named ones are looked up once each afterwards (one
        // query per name no account holds, not one per name and account).
        let perAccount: BenefitScope = if case .all = scope { .all } else { .active(naming: []) }
        let hot: HotAccounts? = if case .all = scope { nil } else { self.hot }  // entries hold active benefits only
        var result: [MemberMatch] = []
        result.reserveCapacity(identifiers.count)
        for (i, presented) in identifiers.enumerated() {
            let id = try Identification.normalise(
                presented, defaultCountry: program.settings.defaultPhoneCountry, field: "\(list.field)[\(i)]")
            if id.kind == .appCode {
                let code = try connection.statement(
                    "SELECT member_id, issued_at, consumed_at IS NOT NULL FROM app_codes WHERE code = ?"
                ).firstRow([.text(id.value)]) { r in
                    AppCode(code: id.value, memberId: r.int64(0), issuedAt: Timestamp(millisecondsSinceEpoch: r.int64(1)),
                            consumed: r.int64(2) != 0)
                }
                guard let code else { result.append(MemberMatch(account: nil)); continue }
                connection.footprint?.add(member: code.memberId)
                try unapplied?.check(member: code.memberId)
                if let hot, let kept = try kept(code.memberId, in: hot) {
                    result.append(MemberMatch(account: kept, appCode: code))
                    continue
                }
                let read = try account(code.memberId, scope: perAccount)
                if let hot, let read, hot.admits(read.id) || unapplied != nil { hot.keep(entry(of: read), identifier: nil) }
                result.append(MemberMatch(account: read, appCode: code))
            } else {
                if let hot, let member = hot.member(id), let kept = try keptOrTouched(member, in: hot) {
                    connection.footprint?.add(member: member)
                    result.append(MemberMatch(account: kept))
                    continue
                }
                // The identifier and its member's row in one statement.
                let member = try connection.statement(Self.memberByIdentifier)
                    .firstRow([.text(id.kind.rawValue), .text(id.value)], Self.memberRow)
                if let member {
                    connection.footprint?.add(member: member.account.id)
                    // Kept under another of its identifiers (a card at one purchase, a phone at the next), or decided
                    // since the ledger's snapshot: its account from memory (then also found by this identifier).
                    if let hot, let kept = try keptOrTouched(member.account.id, in: hot) {
                        hot.name(member.account.id, by: id)
                        result.append(MemberMatch(account: kept))
                        continue
                    }
                    try unapplied?.check(member: member.account.id)  // touched and not kept: a wait
                }
                let read = try member.map { m throws in try account(m, scope: perAccount) }
                if let hot, let read, hot.admits(read.id) || unapplied != nil { hot.keep(entry(of: read), identifier: id) }
                result.append(MemberMatch(account: read))
            }
        }
        if case .active(let naming) = scope { try addNamed(naming, to: &result) }
        return result
    }

    /// On the ledger (`unapplied`): `member`'s account from `hot` when kept (not compared with a read when a request
    /// not in the snapshot touched it: the snapshot is behind the entry then), or a `Conflict` when touched and not
    /// kept; nil when neither (the caller reads it). Elsewhere, `kept`.
    private func keptOrTouched(_ member: Int64, in hot: HotAccounts) throws -> MemberAccount? {
        guard let unapplied else { return try kept(member, in: hot) }
        let touched = unapplied.touched(member) != nil
        guard let account = try kept(member, in: hot, compared: !touched) else {
            if touched { try unapplied.check(member: member) }  // throws
            return nil
        }
        unapplied.remember(member)
        return account
    }

    /// `member`'s account from `hot` as a read now gives it, with its rows added to `rows` (nil: not kept, or found
    /// different from a read of it: the caller reads it). `compared` false: never compared with a read.
    private func kept(_ member: Int64, in hot: HotAccounts, compared: Bool = true) throws -> MemberAccount? {
        guard let rows else { preconditionFailure("accounts in memory are used by a writer, which keeps their rows") }
        guard let entry = hot.entry(member) else { return nil }
        let account = entry.account(at: now)
        if compared, hot.checksThisHit, let difference = try difference(entry, account) {
            hot.mismatched(member, difference)
            return nil
        }
        for wallet in entry.wallets { rows.wallets.append((member, wallet)) }
        rows.addedAllWallets(of: member)
        for card in entry.cards { rows.cards.append((card.benefitId, card.row)) }
        return account
    }

    /// The entry of `account`, just read (its rows are the last ones `rows` got).
    private func entry(of account: MemberAccount) -> HotAccounts.Entry {
        let rows = rows!
        return HotAccounts.Entry(read: account, wallets: rows.wallets(of: account.id),
                                 cards: HotAccounts.Entry.cards(of: account, in: rows))
    }

    /// How a kept account differs from a read of it in the same transaction (nil: it does not): `HotAccounts`'
    /// guarantee, checked on its sampled hits. Names the member's row and the numbers only (no name or identifier).
    private func difference(_ entry: HotAccounts.Entry, _ account: MemberAccount) throws -> String? {
        let fresh = AccountRows()
        let reader = AccountReader(connection: connection, program: program, now: now, rows: fresh)
        let read = try reader.account(entry.account.id, scope: .active(naming: []))
        let wallets = fresh.wallets(of: entry.account.id).sorted { $0.id < $1.id }
        let cards = HotAccounts.Entry.cards(of: account, in: fresh)
        if read == account && wallets == entry.wallets.sorted(by: { $0.id < $1.id }) && cards == entry.cards { return nil }
        func summary(_ a: MemberAccount?) -> String {
            guard let a else { return "none" }
            return "points \(a.points), pending \(a.pending.map { "\($0.points)@\($0.availableAt.millisecondsSinceEpoch)" }), "
                + "credit \(a.credit), status \(a.status), benefits \(a.benefits.map { "\($0.id) \($0.status) \($0.punches)" })"
        }
        return "hot account of member row \(entry.account.id) differs from the store: kept \(summary(account)), "
            + "\(entry.wallets), \(entry.cards); read \(summary(read)), \(wallets), \(cards)"
    }

    /// Adds to each account the benefits `naming` lists that it holds and were not read with it (not active), in
    /// `naming` order after its active ones.
    private func addNamed(_ naming: [String], to matches: inout [MemberMatch]) throws {
        guard !naming.isEmpty else { return }
        // The ids held, and each name once: a purchase names one or two, compared with the benefits read (hashing
        // every benefit's id into a set cost more); many names are looked up in a set.
        var held: Set<String>?
        if naming.count > FewKeys.comparedUpTo {
            held = []
            for m in matches { for b in m.account?.benefits ?? [] { held!.insert(b.id) } }
        }
        func isNew(_ n: Int) -> Bool {
            if held != nil { return held!.insert(naming[n]).inserted }
            return !naming[..<n].contains(naming[n])
                && !matches.contains { $0.account?.benefits.contains { $0.id == naming[n] } ?? false }
        }
        for (n, id) in naming.enumerated() where isNew(n) {
            // On the ledger the snapshot may be behind a member a request decided since touched: its benefits are
            // read only once the snapshot holds that request.
            if let unapplied, let through = unapplied.latestTouchedAmongChecked { throw unapplied.conflict(through) }
            guard let (owner, benefit) = try connection.statement(Self.benefitByPublicId)
                .firstRow([.text(id)], { r in (r.int64(Self.ownerColumn), heldBenefit(r)) })
            else { continue }
            for i in matches.indices where matches[i].account?.id == owner { matches[i].account!.benefits.append(benefit) }
        }
    }

    /// The columns of a member's row an account starts from (`memberRow`).
    private static let memberColumns = "SELECT m.id, m.member_key, m.first_name, m.status, m.counted_through"
    private static let memberById = memberColumns + " FROM members m WHERE m.id = ?"
    private static let memberByIdentifier = memberColumns + """
         FROM member_identifiers i JOIN members m ON m.id = i.member_id
        WHERE i.kind = ? AND i.value = ? AND i.released_at IS NULL
        """

    /// A row of `memberColumns`: the account without wallets and benefits, and the member's `counted_through`.
    private static func memberRow(_ r: Row) -> (account: MemberAccount, countedThrough: Int64) {
        // An active member's status compared in the row (no String made); any other read as stored.
        (MemberAccount(id: r.int64(0), memberKey: r.text(1), firstName: r.optionalText(2),
                       status: r.text(3, is: "active") ? .active : StoredStatus.member(r.text(3))),
         r.int64(4))
    }

    /// The member's account, nil when there is no such member.
    func account(_ memberId: Int64, scope: BenefitScope) throws -> MemberAccount? {
        connection.footprint?.add(member: memberId)
        guard let member = try connection.statement(Self.memberById).firstRow([.integer(memberId)], Self.memberRow)
        else { return nil }
        return try account(member, scope: scope)
    }

    /// The account of the member whose row `memberRow` read.
    private func account(_ member: (account: MemberAccount, countedThrough: Int64), scope: BenefitScope) throws -> MemberAccount {
        var (account, countedThrough) = member
        let memberId = account.id
        var pointsWallet: (id: Int64, total: Int64, pending: Int64)?
        for wallet in try WalletTotals.read(connection, member: memberId) {
            rows?.wallets.append((memberId, wallet))
            if wallet.kind == .credit { account.credit = wallet.balance }
            else { pointsWallet = (wallet.id, wallet.total, wallet.pending) }
        }
        rows?.addedAllWallets(of: memberId)
        if let wallet = pointsWallet {
            var pendingSum: Int64 = 0
            if wallet.pending > 0 || program.settings.pendingDays > 0 {
                try connection.statement("""
                    SELECT available_at, sum(delta) FROM ledger
                    WHERE wallet_id = ? AND available_at > ? GROUP BY available_at ORDER BY available_at
                    """).forEachRow([.integer(wallet.id), .integer(now.millisecondsSinceEpoch)]) { r in
                    let points = r.int64(1)
                    if points != 0 {
                        account.pending.append(PendingPoints(availableAt: Timestamp(millisecondsSinceEpoch: r.int64(0)), points: points))
                        pendingSum += points
                    }
                }
            }
            account.points = wallet.total - pendingSum
        }
        try readBenefits(into: &account, countedThrough: countedThrough, scope: scope)
        return account
    }

    /// A card's punches are its row plus the punches recorded on later purchase rows (`CardPunches`).
    private static func columns(count: String) -> String {
        """
        SELECT b.public_id, b.kind, coalesce(b.gift_template_id, b.punch_card_template_id), b.status, b.valid_from,
               b.valid_until, \(count), b.used_in, b.issued_by, b.id
        """
    }
    /// A member's benefits: `?1` the member, `?2` its `counted_through` (read with its row).
    private static let benefitColumns = columns(count: CardPunches.count(countedThrough: "?2")) + " FROM member_benefits b"
    // Whole texts kept in statics: the statement cache finds a static text by its address, while a text built at
    // each call is hashed whole (and allocated) on every purchase.
    private static let allBenefits = benefitColumns + " WHERE b.member_id = ?1 ORDER BY b.id"
    private static let activeBenefits = benefitColumns + " WHERE b.member_id = ?1 AND b.status = 'active' ORDER BY b.id"
    private static let benefitByPublicId = columns(count: CardPunches.count)
        + ", b.member_id FROM member_benefits b WHERE b.public_id = ?"
    /// The column `benefitByPublicId` reads the benefit's member from.
    private static let ownerColumn = 10

    /// One row of `benefitColumns` as the engine sees it.
    private func heldBenefit(_ r: Row) -> HeldBenefit {
        // Kind and status compared in place: the schema allows 'gift' and 'punchCard', and a purchase reads active
        // benefits only.
        let kind: BenefitKind = r.text(1, is: "punchCard") ? .punchCard : .gift
        let status: BenefitStatus = r.text(3, is: "active") ? .active : BenefitStatus(rawValue: r.text(3)) ?? .deleted
        let template = r.int64(2)
        let code = (kind == .gift ? program.giftCodes[template] : program.punchCardCodes[template]) ?? "#\(template)"
        let id = r.text(0)
        if kind == .punchCard { rows?.cards.append((id, r.int64(9))) }
        return HeldBenefit(
            id: id, templateId: code, kind: kind, status: status,
            validFrom: r.optionalInt64(4).map { Timestamp(millisecondsSinceEpoch: $0) },
            validUntil: r.optionalInt64(5).map { Timestamp(millisecondsSinceEpoch: $0) }, punches: r.int64(6),
            usedIn: r.optionalText(7), issuedBy: r.optionalText(8))
    }

    private func readBenefits(into account: inout MemberAccount, countedThrough: Int64, scope: BenefitScope) throws {
        account.benefits.reserveCapacity(8)  // a member's usual benefits in one allocation, not three growths
        switch scope {
        case .all:
            try connection.statement(Self.allBenefits)
                .forEachRow([.integer(account.id), .integer(countedThrough)]) { account.benefits.append(heldBenefit($0)) }
        case .active(let naming):
            try connection.statement(Self.activeBenefits)
                .forEachRow([.integer(account.id), .integer(countedThrough)]) { account.benefits.append(heldBenefit($0)) }
            var match = [MemberMatch(account: account)]
            try addNamed(naming, to: &match)
            account = match[0].account!
        }
    }
}

/// The rows behind the accounts a writer read, kept for the posting that follows in the same transaction, so that
/// it does not look them up again: each member's wallets as read (row id and the pending points the row records),
/// and the row ids of the punch cards read.
///
/// Guarantees: filled by `AccountReader` (or from `HotAccounts`), inside the write transaction the posting runs in;
/// a request writes no wallet row and no card row between its account read and its posting, so what is kept is what
/// a lookup at posting time would find. The posting keeps it so (`ChangePosting`): a wallet it posts to, folds or
/// creates and a punch card it issues are as a read after it would find them, which is what `HotAccounts` keeps.
/// A wallet or card not read (named by no account) is absent: the posting looks it up (or creates it) then.
final class AccountRows {
    var wallets: [(member: Int64, wallet: WalletTotals.Wallet)] = []
    var cards: [(benefitId: String, row: Int64)] = []
    /// The members whose every wallet is in `wallets`: a kind missing there is a wallet the member does not have.
    private var membersWithAllWallets: [Int64] = []

    /// Every wallet of `member` is in `wallets` now.
    func addedAllWallets(of member: Int64) {
        if !membersWithAllWallets.contains(member) { membersWithAllWallets.append(member) }
    }

    /// True when every wallet of `member` is in `wallets`.
    func hasAllWallets(of member: Int64) -> Bool { membersWithAllWallets.contains(member) }

    /// The posting added `delta` to the wallet `id` in ledger rows after its base (its row not written).
    func posted(_ delta: Int64, toWallet id: Int64) {
        if let i = wallets.firstIndex(where: { $0.wallet.id == id }) { wallets[i].wallet.balance += delta }
    }

    /// The posting wrote the wallet's row (`id`, of `member`'s `kind`) with this balance and pending: a read finds
    /// no ledger row after it.
    func folded(member: Int64, kind: WalletKind, id: Int64, balance: Int64, pending: Int64) {
        let wallet = WalletTotals.Wallet(id: id, kind: kind, balance: balance, pending: pending)
        if let i = wallets.firstIndex(where: { $0.wallet.id == id }) { wallets[i].wallet = wallet }
        else { wallets.append((member, wallet)) }
    }

    /// `member`'s wallets as a read now would find them (what the reads and the posting since left here), each once
    /// (an account read twice, named by two identifiers, added its wallets twice: the first is the one kept current).
    func wallets(of member: Int64) -> [WalletTotals.Wallet] {
        var found: [WalletTotals.Wallet] = []
        for w in wallets where w.member == member && !found.contains(where: { $0.id == w.wallet.id }) { found.append(w.wallet) }
        return found
    }

    /// The wallet of `kind` read for `member`: its row id and the pending points its row records.
    func wallet(_ member: Int64, _ kind: WalletKind) -> (id: Int64, basePending: Int64)? {
        guard let w = wallets.first(where: { $0.member == member && $0.wallet.kind == kind }) else { return nil }
        return (w.wallet.id, w.wallet.pending)
    }

    /// The row id of the punch card `benefitId`, when it was read.
    func card(_ benefitId: String) -> Int64? { cards.first { $0.benefitId == benefitId }?.row }
}
