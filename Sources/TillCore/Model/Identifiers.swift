/// The kinds of identifier a member can present at the POS.
public enum IdentifierKind: String, CaseIterable, Hashable, Sendable {
    /// A phone number; normalised to E.164 with the configured default country.
    case phone
    /// An email address; trimmed and lower-cased.
    case email
    /// Till's own member key (shown on the member profile and in the app), as given.
    case memberKey
    /// A loyalty card number, as given.
    case card
    /// A short-lived, single-use code shown by the member's app.
    case appCode
    /// An identifier from the shop's own systems, as given.
    case customId
}

/// One identifier presented for a member: a kind and the value as typed or scanned at the POS.
public struct MemberIdentifier: Hashable, Sendable {
    public var kind: IdentifierKind
    public var value: String
    public init(kind: IdentifierKind, value: String) {
        self.kind = kind
        self.value = value
    }
}

/// A member's lifecycle status.
public enum MemberStatus: String, CaseIterable, Hashable, Sendable {
    case active
    /// Blocked by an operator: identified, but can neither earn nor redeem (`member_blocked`).
    case blocked
    /// Personal data erased; never found by identification again.
    case anonymized
    /// Registered but not yet verified; can earn, cannot redeem until verified.
    case pendingVerification
}

/// The two wallets a member holds.
public enum WalletKind: String, CaseIterable, Hashable, Sendable {
    /// Loyalty points (integers).
    case points
    /// Stored credit in minor units of the shop's currency.
    case credit
}
