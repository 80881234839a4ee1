import TillCore

/// A member to register in bulk (simulator population, demo members, imports).
public struct NewMember: Hashable, Sendable {
    public var memberKey: String
    public var firstName: String?
    public var phone: String?
    public var email: String?
    public var card: String?
    public var customId: String?
    /// Opening balances, written as `adjust` ledger rows.
    public var points: Points
    public var credit: MinorUnits
    public var status: MemberStatus
    public init(memberKey: String, firstName: String? = nil, phone: String? = nil, email: String? = nil, card: String? = nil,
                customId: String? = nil, points: Points = 0, credit: MinorUnits = 0, status: MemberStatus = .active) {
        self.memberKey = memberKey
        self.firstName = firstName
        self.phone = phone
        self.email = email
        self.card = card
        self.customId = customId
        self.points = points
        self.credit = credit
        self.status = status
    }
}

/// Registers members in one writer request: member row, normalised identifiers, both wallets, opening balances.
///
/// Guarantees: all rows of the request or none (a clash of an identifier in use refuses the whole request with
/// `alreadyExists`); identifiers are normalised with the shop's default phone country; a wallet starts with a zero
/// base and its opening balance as a ledger row after it (`WalletTotals`).
struct RegisterMembers: WriteRequest {
    let members: [NewMember]
    let programs: ProgramCache

    func apply(_ context: WriteContext) throws -> [Int64] {
        let at = context.now.millisecondsSinceEpoch
        let country = (try? programs.current(context.connection).settings.defaultPhoneCountry) ?? "DE"
        var ids: [Int64] = []
        ids.reserveCapacity(members.count)
        for (i, m) in members.enumerated() {
            try context.execute("""
                INSERT INTO members (member_key, status, registered_at, registration_source, first_name, updated_at)
                VALUES (?, ?, ?, 'operator', ?, ?)
                """, [.text(m.memberKey), .text(StoredStatus.text(m.status)), .integer(at), .optional(m.firstName), .integer(at)])
            let id = context.lastInsertRowID
            ids.append(id)
            let identifiers: [(IdentifierKind, String?)] = [
                (.memberKey, m.memberKey), (.phone, m.phone), (.email, m.email), (.card, m.card), (.customId, m.customId),
            ]
            for case let (kind, value?) in identifiers {
                let normal = try Identification.normalise(MemberIdentifier(kind: kind, value: value), defaultCountry: country,
                                                          field: "members[\(i)].\(kind.rawValue)")
                let inUse = try context.connection.int64(
                    "SELECT 1 FROM member_identifiers WHERE kind = ? AND value = ? AND released_at IS NULL",
                    [.text(kind.rawValue), .text(normal.value)])
                if inUse != nil {
                    throw TillError.alreadyExists(field: "members[\(i)].\(kind.rawValue)", reason: "identifier already in use")
                }
                try context.execute("INSERT INTO member_identifiers (member_id, kind, value, created_at) VALUES (?, ?, ?, ?)",
                                    [.integer(id), .text(kind.rawValue), .text(normal.value), .integer(at)])
            }
            for (wallet, opening) in [(WalletKind.points, m.points), (.credit, m.credit)] {
                // A zero base: the opening row after it is the balance (`WalletTotals`).
                try context.execute("INSERT INTO wallets (member_id, kind) VALUES (?, ?)", [.integer(id), .text(wallet.rawValue)])
                if opening > 0 {
                    try context.execute("""
                        INSERT INTO ledger (member_id, wallet_id, delta, kind, reason, created_at)
                        VALUES (?, ?, ?, 'adjust', 'opening balance', ?)
                        """, [.integer(id), .integer(context.lastInsertRowID), .integer(opening), .integer(at)])
                }
            }
        }
        return ids
    }
}

extension LoyaltyStore {
    /// Registers members (in requests of at most 5,000) and returns their row ids in order.
    @discardableResult
    public func registerMembers(_ rows: [NewMember]) throws(TillError) -> [Int64] {
        var ids: [Int64] = []
        var start = 0
        while start < rows.count {
            let end = min(start + 5_000, rows.count)
            ids += try writeAndWait(RegisterMembers(members: Array(rows[start..<end]), programs: programs))
            start = end
        }
        return ids
    }

    /// Gives a member a gift or punch card of the catalog (operator issue: no `issuedBy`); returns its benefit id.
    @discardableResult
    public func issueBenefit(memberKey: String, templateId: String, kind: BenefitKind = .gift, benefitId: String? = nil,
                             validUntil: Timestamp? = nil) throws(TillError) -> String {
        let programs = self.programs
        return try writeAndWait(ClosureWrite { context in
            let at = context.now.millisecondsSinceEpoch
            let program = try programs.current(context.connection)
            guard let template = program.templateRow(kind, templateId) else {
                throw TillError.notFound(field: "templateId", reason: "no \(kind.rawValue) template \(templateId)")
            }
            guard let member = try context.connection.int64("SELECT id FROM members WHERE member_key = ?", [.text(memberKey)]) else {
                throw TillError.notFound(field: "memberKey", reason: "no member \(memberKey)")
            }
            let serial = try context.connection.int64("SELECT coalesce(max(id), 0) + 1 FROM member_benefits") ?? 1
            let id = benefitId ?? "op-\(member)-\(templateId)-\(serial)"
            try context.execute("""
                INSERT INTO member_benefits (public_id, member_id, kind, gift_template_id, punch_card_template_id, status,
                    valid_until, assigned_at, punches) VALUES (?, ?, ?, ?, ?, 'active', ?, ?, 0)
                """, [.text(id), .integer(member), .text(kind.rawValue), kind == .gift ? .integer(template) : .null,
                      kind == .punchCard ? .integer(template) : .null, .optional(validUntil?.millisecondsSinceEpoch), .integer(at)])
            return id
        })
    }

    /// Replaces the program's settings and upserts its templates, then drops the cache.
    public func configure(catalog: BenefitCatalog, settings: LoyaltySettings) throws(TillError) {
        _ = try writeAndWait(ClosureWrite { context in
            try ProgramRows.save(catalog, settings: settings, now: context.now.millisecondsSinceEpoch, in: context)
        })
        catalogChanged()
    }

    /// Adds a terminal key (its SHA-256 digest) for a branch and POS.
    public func provisionTerminal(branchId: String, posId: String, keyDigest: [UInt8]) throws(TillError) {
        _ = try writeAndWait(ClosureWrite { context in
            let at = context.now.millisecondsSinceEpoch
            try context.execute("INSERT INTO terminals (branch_id, pos_id, key_hash, enabled, created_at) VALUES (?, ?, ?, 1, ?)",
                                [.text(branchId), .text(posId), .blob(keyDigest), .integer(at)])
        })
    }

    /// Adds an operator key (its SHA-256 digest); returns the operator's id.
    public func provisionOperator(name: String, keyDigest: [UInt8]) throws(TillError) -> Int64 {
        return try writeAndWait(ClosureWrite { context in
            let at = context.now.millisecondsSinceEpoch
            try context.execute("INSERT INTO operators (name, key_hash, enabled, created_at) VALUES (?, ?, 1, ?)",
                                [.text(name), .blob(keyDigest), .integer(at)])
            return context.lastInsertRowID
        })
    }
}
