/// Normalising identifiers and checking the members found for a purchase.
///
/// Guarantees: the store looks members up by the normalised value only, so the same person typed two ways is
/// found the same; a blocked member is refused on a purchase (`member_blocked`) and shown with its status by `identify`,
/// an anonymized one is not found, each member counts
/// at most once per purchase and at most `maxMembersPerPurchase` are identified.
public enum Identification {
    /// The form the store looks up: phone → E.164, email → trimmed and lower-cased, everything else trimmed.
    /// Throws `invalidRequest(field:…)` for an empty, over-long or implausible value (`field` is built only then).
    public static func normalise(
        _ identifier: MemberIdentifier, defaultCountry: String, field makeField: @autoclosure () -> String
    ) throws(TillError) -> MemberIdentifier {
        var field: String { makeField() }
        let trimmed = identifier.value.trimmingSpaces()
        guard !trimmed.isEmpty else { throw .invalidRequest(field: field, reason: "empty identifier") }
        guard trimmed.utf8.count <= 128 || trimmed.unicodeScalars.count <= 128 else {
            throw .invalidRequest(field: field, reason: "identifier too long")
        }
        switch identifier.kind {
        case .phone:
            guard let phone = PhoneNumber.e164(trimmed, defaultCountry: defaultCountry) else {
                throw .invalidRequest(field: field, reason: "not a phone number")
            }
            return MemberIdentifier(kind: .phone, value: phone)
        case .email:
            guard let email = asciiEmail(trimmed) ?? unicodeEmail(trimmed) else {
                throw .invalidRequest(field: field, reason: "not an email address")
            }
            return MemberIdentifier(kind: .email, value: email)
        case .memberKey, .card, .appCode, .customId:
            return MemberIdentifier(kind: identifier.kind, value: trimmed)
        }
    }

    /// `text` lower-cased when it is a plausible email address: one `@` with something before it, a dot in the domain
    /// but not at its ends, no whitespace; nil otherwise.
    static func unicodeEmail(_ text: String) -> String? {
        let email = text.lowercased()
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), !parts[1].hasPrefix("."),
            !parts[1].hasSuffix("."), !email.unicodeScalars.contains(where: { $0.properties.isWhitespace })
        else { return nil }
        return email
    }

    /// `unicodeEmail` on bytes for ASCII text (same answers: tested on random text); the outer nil means "not ASCII,
    /// ask `unicodeEmail`", the inner nil "refused".
    static func asciiEmail(_ text: String) -> String?? {
        var at = -1, ats = 0, upper = false, index = 0
        for b in text.utf8 {
            guard b < 0x80 else { return .none }
            switch b {
            case UInt8(ascii: "@"): ats += 1; at = index
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): upper = true
            case 0x09...0x0D, 0x20: return .some(nil)
            default: break
            }
            index += 1
        }
        guard ats == 1, at > 0 else { return .some(nil) }
        let domain = text.utf8.dropFirst(at + 1)
        guard domain.contains(UInt8(ascii: ".")), domain.first != UInt8(ascii: "."), domain.last != UInt8(ascii: ".") else {
            return .some(nil)
        }
        guard upper else { return .some(text) }
        return .some(String(decoding: text.utf8.map { (0x41...0x5A).contains($0) ? $0 + 32 : $0 }, as: UTF8.self))
    }

    /// Checks what the store found for each identifier (`matches[i]` for `members[i]`) and returns the accounts in
    /// purchase order plus the app codes to consume.
    public static func resolve(
        _ identifiers: [MemberIdentifier], matches: [MemberMatch], settings: LoyaltySettings, now: Timestamp
    ) throws(TillError) -> (accounts: [MemberAccount], appCodes: [String]) {
        try resolve(identifiers, matches: matches, settings: settings, now: now, list: .purchase)
    }

    /// Which request list the identifiers came from: the errors name its elements, and only `identify` shows a
    /// blocked member (with status `blocked`) instead of refusing it.
    public enum IdentifierList: Sendable {
        /// `purchase` / `quote` `members[i]`: a blocked member is `member_blocked`.
        case purchase
        /// `identify` `identifiers[i]`: a blocked member is answered, its status says `blocked`.
        case identify

        public var field: String { self == .identify ? "identifiers" : "members" }
    }

    /// `resolve` for the request list `list`.
    public static func resolve(
        _ identifiers: [MemberIdentifier], matches: [MemberMatch], settings: LoyaltySettings, now: Timestamp,
        list: IdentifierList
    ) throws(TillError) -> (accounts: [MemberAccount], appCodes: [String]) {
        guard identifiers.count <= settings.maxMembersPerPurchase else {
            throw .invalidRequest(
                field: list.field, reason: "at most \(settings.maxMembersPerPurchase) members per purchase")
        }
        guard matches.count == identifiers.count else {
            throw .invalidRequest(field: list.field, reason: "one lookup result per identifier expected")
        }
        var accounts: [MemberAccount] = []
        var codes: [String] = []
        for (i, match) in matches.enumerated() {
            var field: String { "\(list.field)[\(i)]" }  // built only for an error: this runs for every purchase
            guard let account = match.account, account.status != .anonymized else {
                throw .memberNotFound(field: field)
            }
            if identifiers[i].kind == .appCode {
                guard let code = match.appCode, code.memberId == account.id, !code.consumed,
                    now.millisecondsSinceEpoch - code.issuedAt.millisecondsSinceEpoch <= settings.appCodeLifetimeMs
                else { throw .memberNotFound(field: field) }
                codes.append(code.code)
            }
            if account.status == .blocked && list == .purchase {
                throw .memberBlocked(field: field, memberKey: account.memberKey)
            }
            if accounts.contains(where: { $0.id == account.id }) {
                throw .invalidRequest(field: field, reason: "member already identified on this purchase")
            }
            accounts.append(account)
        }
        return (accounts, codes)
    }

    /// The member as `identify` shows them: balances, and the benefits the member can use now or later (active, not
    /// past `validUntil`; none for a blocked member), those expiring soonest first (no end date last, then by id).
    public static func member(_ account: MemberAccount, catalog: BenefitCatalog, now: Timestamp) -> IdentifiedMember {
        // A blocked member can use nothing: `identify` shows the status and no benefits.
        let usable = account.status == .blocked ? []
            : account.benefits.filter { $0.status == .active && ($0.validUntil.map { now <= $0 } ?? true) }
        let sorted = usable.sorted { a, b in
            switch (a.validUntil, b.validUntil) {
            case (let x?, let y?) where x != y: return x < y
            case (_?, nil): return true
            case (nil, _?): return false
            default: return a.id < b.id
            }
        }
        return IdentifiedMember(
            memberKey: account.memberKey, firstName: account.firstName, status: account.status,
            balance: account.balance,
            benefits: sorted.map { b in
                let card = b.kind == .punchCard ? catalog.punchCard(b.templateId) : nil
                return BenefitSummary(
                    benefitId: b.id, name: catalog.name(templateId: b.templateId, kind: b.kind), kind: b.kind,
                    status: b.status,
                    validFrom: b.validFrom, validUntil: b.validUntil, punches: b.kind == .punchCard ? b.punches : nil,
                    punchesRequired: card?.punchesRequired)
            })
    }
}
