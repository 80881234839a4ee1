/// A benefit as a member holds it: one row of the store's benefits table.
///
/// Guarantees: `punches` is meaningful for punch cards only (0 for gifts); `usedIn` names the operation that
/// redeemed or completed it.
public struct HeldBenefit: Hashable, Sendable {
    public var id: String
    public var templateId: String
    public var kind: BenefitKind
    public var status: BenefitStatus
    public var validFrom: Timestamp?
    public var validUntil: Timestamp?
    public var punches: Int64
    /// The operation reference (see `OperationRef`) that redeemed the gift or filled the card.
    public var usedIn: String?
    /// The operation reference that issued it (nil when issued by an operator or a campaign).
    public var issuedBy: String?

    public init(
        id: String, templateId: String, kind: BenefitKind, status: BenefitStatus = .active, validFrom: Timestamp? = nil,
        validUntil: Timestamp? = nil, punches: Int64 = 0, usedIn: String? = nil, issuedBy: String? = nil
    ) {
        self.id = id
        self.templateId = templateId
        self.kind = kind
        self.status = status
        self.validFrom = validFrom
        self.validUntil = validUntil
        self.punches = punches
        self.usedIn = usedIn
        self.issuedBy = issuedBy
    }
}

/// Points earned but not yet spendable, grouped by the instant they become spendable.
public struct PendingPoints: Hashable, Sendable {
    public var availableAt: Timestamp
    public var points: Points
    public init(availableAt: Timestamp, points: Points) {
        self.availableAt = availableAt
        self.points = points
    }
}

/// The state of one member that a purchase, void or return may touch, as the store reads it.
///
/// Guarantees (the store's side of the contract): `points` is the sum of the member's points ledger entries whose
/// `availableAt` is nil or not after `now`; `pending` lists the sums of the others grouped by `availableAt`
/// (each > 0); `credit` is the sum of the credit ledger. None is negative.
public struct MemberAccount: Hashable, Sendable {
    /// The store's internal numeric id.
    public var id: Int64
    public var memberKey: String
    public var firstName: String?
    public var status: MemberStatus
    public var points: Points
    public var pending: [PendingPoints]
    public var credit: MinorUnits
    public var benefits: [HeldBenefit]

    public init(
        id: Int64, memberKey: String, firstName: String? = nil, status: MemberStatus = .active, points: Points = 0,
        pending: [PendingPoints] = [], credit: MinorUnits = 0, benefits: [HeldBenefit] = []
    ) {
        self.id = id
        self.memberKey = memberKey
        self.firstName = firstName
        self.status = status
        self.points = points
        self.pending = pending
        self.credit = credit
        self.benefits = benefits
    }

    /// Balances as the receipt shows them.
    public var balance: WalletBalance {
        WalletBalance(points: points, pendingPoints: pending.reduce(0) { $0 + $1.points }, credit: credit)
    }
}

/// An app code as the store holds it: issued to a member at `issuedAt`, consumed at most once.
public struct AppCode: Hashable, Sendable {
    public var code: String
    public var memberId: Int64
    public var issuedAt: Timestamp
    public var consumed: Bool
    public init(code: String, memberId: Int64, issuedAt: Timestamp, consumed: Bool = false) {
        self.code = code
        self.memberId = memberId
        self.issuedAt = issuedAt
        self.consumed = consumed
    }
}

/// What the store found for one identifier of `PurchaseRequest.members` (same index): the account, and for an
/// app code the code row.
public struct MemberMatch: Hashable, Sendable {
    public var account: MemberAccount?
    public var appCode: AppCode?
    public init(account: MemberAccount?, appCode: AppCode? = nil) {
        self.account = account
        self.appCode = appCode
    }
}

/// Names one operation (purchase, void or return) of one terminal: the base of benefit ids it issues and the
/// `usedIn` reference of benefits it uses.
///
/// Guarantees: `reference` is unambiguous: `/` and `%` inside components are percent-escaped.
public struct OperationRef: Hashable, Sendable {
    public let terminal: TerminalIdentity
    public let transactionId: String
    /// `branch/pos/transaction`, components escaped: built once (a purchase reads it for its record, each benefit it
    /// uses or issues, and each card it punches).
    public let reference: String

    public init(terminal: TerminalIdentity, transactionId: String) {
        self.terminal = terminal
        self.transactionId = transactionId
        reference = Self.joined(Self.escape(terminal.branchId), Self.escape(terminal.posId), Self.escape(transactionId))
    }

    /// `a/b/c`, its bytes copied once into a string of their size (a small string, not allocated, for the usual
    /// reference): appending piece by piece cost four appends.
    private static func joined(_ a: String, _ b: String, _ c: String) -> String {
        String(unsafeUninitializedCapacity: a.utf8.count + b.utf8.count + c.utf8.count + 2) { buffer in
            var n = buffer[...].initialize(fromContentsOf: a.utf8)
            buffer[n] = 0x2F
            n = buffer[(n + 1)...].initialize(fromContentsOf: b.utf8)
            buffer[n] = 0x2F
            return buffer[(n + 1)...].initialize(fromContentsOf: c.utf8)
        }
    }

    /// The longest `reference`: three ids of at most 128 bytes, each character possibly escaped to three bytes.
    public static let maxReferenceBytes = 3 * 3 * 128 + 2

    /// The id of the n-th benefit (from 1) this operation issues: `reference#n`. Deterministic, so a quote and a
    /// replay give the same ids, and unique because transaction ids are unique per terminal. Ids are at most 128
    /// bytes like every id on the wire (so a POS can send them back as redemptions): when `reference#n` would be
    /// longer, the reference is replaced by `~` and 32 hex digits of its 128-bit FNV-1a hash.
    public func benefitId(_ n: Int) -> String {
        let reference = reference
        let id = "\(reference)#\(n)"
        guard id.utf8.count > 128 else { return id }
        let h = Hashing.fnv1a128(reference.utf8)
        let hex = String(h, radix: 16)
        return "~" + String(repeating: "0", count: 32 - hex.count) + hex + "#\(n)"
    }

    static func escape(_ s: String) -> String {
        // Fast path: ids rarely hold these characters, and walking Characters is slow (this runs several times per
        // purchase). Scanned through a span: iterating `s.utf8` costs about three times as much.
        let bytes = s.utf8Span.span
        var plain = true
        for i in bytes.indices where bytes[i] == 0x25 || bytes[i] == 0x2F || bytes[i] == 0x23 {
            plain = false
            break
        }
        if plain { return s }
        var out = ""
        for ch in s {
            switch ch {
            case "%": out += "%25"
            case "/": out += "%2F"
            case "#": out += "%23"
            default: out.append(ch)
            }
        }
        return out
    }
}

extension MemberAccount {
    /// Sets `points`, `pending` and `credit` from this member's ledger entries as of `now`: the contract the store
    /// implements in SQL (spendable = entries with `availableAt` nil or not after `now`; pending = the others summed
    /// per `availableAt`, zero groups dropped, earliest first). Entries of other members are ignored.
    public mutating func setBalances(from ledger: [LedgerEntry], now: Timestamp) {
        var points: Points = 0
        var credit: MinorUnits = 0
        var pending: [Int64: (Timestamp, Points)] = [:]
        for e in ledger where e.memberId == id {
            switch e.wallet {
            case .credit: credit += e.delta
            case .points:
                if let at = e.availableAt, at > now {
                    pending[at.millisecondsSinceEpoch, default: (at, 0)].1 += e.delta
                } else {
                    points += e.delta
                }
            }
        }
        self.points = points
        self.credit = credit
        self.pending = pending.keys.sorted().compactMap { k in
            let (at, p) = pending[k]!
            return p == 0 ? nil : PendingPoints(availableAt: at, points: p)
        }
    }
}
