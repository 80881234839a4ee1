import TillCore
import TillProtocol

/// Every kind of entry the store writes to the activity log, with the group it is listed under.
///
/// Guarantees: the raw value is what `activity.list` shows as `kind` (stored in `activity_log.type`); each kind
/// belongs to exactly one group, so an entry's group can never disagree with its kind.
enum ActivityKind: String, CaseIterable, Sendable {
    // POS (or an operator on a terminal's purchase).
    case purchase
    /// A void's or a return's entry: its `transaction_id` is the reversal's own id (every other POS entry carries
    /// the purchase's).
    case purchaseVoided = "purchase_voided", purchaseReturned = "purchase_returned"
    case benefitRedeemed = "benefit_redeemed", punchCardCompleted = "punch_card_completed"
    // Back office: benefits and wallets.
    case benefitUse = "benefit_use", benefitDelete = "benefit_delete", benefitExtend = "benefit_extend"
    case benefitPunch = "benefit_punch", benefitSent = "benefit_sent"
    case walletAdjusted = "wallet_adjusted", catalogReplaced = "catalog_replaced"
    // App.
    case appCodeIssued = "app_code_issued", appCodeRevoked = "app_code_revoked"
    // Legal and membership.
    case registered, imported, importUpdated = "import_updated", profileUpdated = "profile_updated"
    case tagged, untagged, noteAdded = "note_added"
    case cardAdded = "card_added", cardRemoved = "card_removed", cardReplaced = "card_replaced"
    case blocked, unblocked, verified, anonymized
    case consentGiven = "consent_given", consentWithdrawn = "consent_withdrawn"
    case terminalProvisioned = "terminal_provisioned", operatorProvisioned = "operator_provisioned"
    // Communication.
    case unsubscribed

    var group: ActivityGroup {
        switch self {
        case .purchase, .purchaseVoided, .purchaseReturned: .purchase
        case .benefitRedeemed, .punchCardCompleted, .benefitUse, .benefitDelete, .benefitExtend, .benefitPunch, .benefitSent,
             .walletAdjusted, .catalogReplaced: .benefits
        case .appCodeIssued, .appCodeRevoked: .app
        case .registered, .imported, .importUpdated, .profileUpdated, .tagged, .untagged, .noteAdded, .cardAdded, .cardRemoved,
             .cardReplaced, .blocked, .unblocked, .verified, .anonymized, .consentGiven, .consentWithdrawn,
             .terminalProvisioned, .operatorProvisioned: .legalMembership
        case .unsubscribed: .communication
        }
    }

    /// The entry of an operator's benefit action.
    static func benefit(_ action: BenefitActionKind) -> ActivityKind {
        switch action {
        case .use: .benefitUse
        case .delete: .benefitDelete
        case .extend: .benefitExtend
        case .punch: .benefitPunch
        case .send: .benefitSent
        }
    }
}

/// Who caused the entries of one write: the source `activity.list` shows, and the columns that identify it.
enum ActivityOrigin: Sendable {
    /// A terminal's operation (source `pos`): its branch, POS and operation id (purchase, void or return id).
    case terminal(TerminalIdentity, operationId: String)
    /// An operator acting on a terminal's purchase (a back-office void or return; source `operator`): the purchase's
    /// terminal and the void's or return's id.
    case operatorOnTerminal(operatorId: Int64, TerminalIdentity, operationId: String)
    /// An operator's back-office change (source `operator`).
    case `operator`(id: Int64)

    var source: ActivitySource {
        switch self {
        case .terminal: .pos
        case .operatorOnTerminal, .operator: .operator
        }
    }
}

extension ActivityGroup {
    /// The value in `activity_log.grp`.
    var stored: String { self == .legalMembership ? "legal_membership" : rawValue }
    /// The group of a stored `grp` value.
    init(stored: String) { self = stored == "legal_membership" ? .legalMembership : ActivityGroup(rawValue: stored) ?? .benefits }
}

/// The one writer of `activity_log`: every entry the store records goes through `append`, except a purchase's own
/// entry for each of its members, which is read from its `purchase_members` row since schema v7 (`MemberActivity`).
///
/// Guarantees: an entry's group is its kind's; its source, terminal, operation id and operator come from `origin`
/// alone (a `pos` entry always names its terminal and operation, an `operator` entry always its operator); every
/// entry of one write carries the same time `at`; `details` is stored as JSON and reads back as `ActivityDetails`.
struct ActivityLog {
    let connection: Connection
    let origin: ActivityOrigin
    let at: Timestamp

    init(_ connection: Connection, origin: ActivityOrigin, at: Timestamp) {
        self.connection = connection
        self.origin = origin
        self.at = at
    }

    /// The log of an operator's back-office change.
    init(_ connection: Connection, by actor: Actor) {
        self.init(connection, origin: .operator(id: actor.id), at: actor.at)
    }

    func append(_ kind: ActivityKind, member: Int64?, _ details: ActivityDetails) throws {
        var terminal: TerminalIdentity?, operationId: String?, operatorId: Int64?
        switch origin {
        case .terminal(let t, let id): (terminal, operationId) = (t, id)
        case .operatorOnTerminal(let op, let t, let id): (operatorId, terminal, operationId) = (op, t, id)
        case .operator(let id): operatorId = id
        }
        try connection.execute("""
            INSERT INTO activity_log (created_at, member_id, grp, type, source, branch_id, pos_id, transaction_id, operator_id, details)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, [.integer(at.millisecondsSinceEpoch), .optional(member), .text(kind.group.stored), .text(kind.rawValue),
                  .text(origin.source.rawValue), .optional(terminal?.branchId), .optional(terminal?.posId), .optional(operationId),
                  .optional(operatorId), .text(String(decoding: StoredJSON.encode(details), as: UTF8.self))])
    }

    /// The details of a purchase, void or return entry: a summary a help desk can read out, and the points and credit
    /// the operation moved for `member` (the sum of its ledger rows, so the entry and the ledger agree).
    static func details(_ summary: String, member: Int64, ledger: [LedgerEntry], currency: String) -> ActivityDetails {
        let moved = moved(member: member, ledger: ledger)
        return details(summary, points: moved.points, credit: moved.credit, currency: currency)
    }

    /// The details of an entry that moved `points` and `credit`: the summary followed by what moved
    /// (`, +42 points`, `, -3.00 EUR credit`); a wallet that did not move is not named, and its delta is nil.
    static func details(_ summary: String, points: Int64, credit: Int64, currency: String) -> ActivityDetails {
        var text = summary
        if points != 0 { text += ", \(points > 0 ? "+" : "")\(points) points" }
        if credit != 0 { text += ", \(credit > 0 ? "+" : "")\(MoneyText.format(credit, digits: MoneyText.minorDigits(currency))) \(currency) credit" }
        return ActivityDetails(summary: text, pointsDelta: points == 0 ? nil : points, creditDelta: credit == 0 ? nil : credit)
    }

    /// The points and credit `ledger` moves for `member`: the sum of its entries per wallet.
    static func moved(member: Int64, ledger: [LedgerEntry]) -> (points: Int64, credit: Int64) {
        var points: Int64 = 0, credit: Int64 = 0  // one pass, no filtered copies (this runs for every purchase)
        for entry in ledger where entry.memberId == member {
            switch entry.wallet {
            case .points: points += entry.delta
            case .credit: credit += entry.delta
            }
        }
        return (points, credit)
    }

    /// The summary of a purchase's entry before what it moved: `Purchase of 34.00 EUR at b-012/pos-3`.
    static func purchaseSummary(total: Int64, currency: String, terminal: TerminalIdentity) -> String {
        "Purchase of \(MoneyText.format(total, digits: MoneyText.minorDigits(currency))) \(currency) at \(terminal.branchId)/\(terminal.posId)"
    }
}

/// What the `details` column of an activity entry holds (JSON): a human summary and the wallet movement, if any.
/// Every writer stores the same keys, so every entry reads back alike.
struct ActivityDetails: Hashable, Sendable, WireBody {
    var summary: String
    var pointsDelta: Int64?
    var creditDelta: Int64?
    init(summary: String, pointsDelta: Int64? = nil, creditDelta: Int64? = nil) {
        self.summary = summary; self.pointsDelta = pointsDelta; self.creditDelta = creditDelta
    }
    init(wire o: JSONObjectReader) throws(TillError) {
        self.init(summary: try o.optionalString("summary", maxLength: 4096) ?? "", pointsDelta: try o.optionalInt("pointsDelta"),
                  creditDelta: try o.optionalInt("creditDelta"))
    }
    func encodeFields(to w: inout JSONWriter) { w.field("summary", summary); w.field("pointsDelta", pointsDelta); w.field("creditDelta", creditDelta) }
}
