import TillCore

/// `purchase.void`: an operator voids a terminal's purchase from the back office. The same operation as a terminal's
/// `void` (same rules, same exactly-once id space per branch and POS, same fingerprint), recorded with the operator as
/// source. The answer is the `ReversalReceipt`.
public struct OperatorVoid: Hashable, Sendable, WireBody {
    /// The branch and POS that posted the purchase.
    public var terminal: TerminalIdentity
    public var request: VoidRequest
    public init(terminal: TerminalIdentity, request: VoidRequest) { self.terminal = terminal; self.request = request }
    public init(wire o: JSONObjectReader) throws(TillError) {
        self.init(terminal: try o.decode("terminal"), request: try VoidRequest(wire: o))
    }
    public func encodeFields(to w: inout JSONWriter) { w.field("terminal", terminal); request.encodeFields(to: &w) }
}

/// `purchase.return`: an operator refunds lines of a terminal's purchase (all of them for a full refund), as the
/// terminal's `return` does: never more than was bought and not yet returned.
public struct OperatorReturn: Hashable, Sendable, WireBody {
    public var terminal: TerminalIdentity
    public var request: ReturnRequest
    public init(terminal: TerminalIdentity, request: ReturnRequest) { self.terminal = terminal; self.request = request }
    public init(wire o: JSONObjectReader) throws(TillError) {
        self.init(terminal: try o.decode("terminal"), request: try ReturnRequest(wire: o))
    }
    public func encodeFields(to w: inout JSONWriter) { w.field("terminal", terminal); request.encodeFields(to: &w) }
}

/// `wallet.history`: a member's ledger, newest first, one page at a time.
public struct WalletHistoryQuery: Hashable, Sendable, WireBody {
    public var memberKey: String
    /// Only this wallet; nil: both.
    public var wallet: WalletKind?
    public var cursor: String?
    public var limit: Int64
    public init(memberKey: String, wallet: WalletKind? = nil, cursor: String? = nil, limit: Int64 = 20) {
        self.memberKey = memberKey; self.wallet = wallet; self.cursor = cursor; self.limit = limit
    }
    public init(wire o: JSONObjectReader) throws(TillError) {
        self.init(memberKey: try o.id("memberKey"), wallet: try o.optionalEnumeration("wallet", WalletKind.self),
                  cursor: try o.optionalString("cursor", maxLength: 256), limit: try o.int("limit", 1...WireLimits.maxPage, default: 20))
    }
    public func encodeFields(to w: inout JSONWriter) {
        w.field("memberKey", memberKey); w.field("wallet", wallet); w.field("cursor", cursor); w.field("limit", limit)
    }
}

/// One row of a member's ledger: what moved, why, who moved it, and the wallet's total after it.
public struct LedgerLine: Hashable, Sendable, WireBody {
    public var at: Timestamp
    public var wallet: WalletKind
    /// Points, or credit in minor units; negative when taken.
    public var delta: Int64
    /// `earn`, `spend`, `refund`, `clawback` or `adjust`.
    public var kind: String
    /// The operator's reason (adjustments), or what the row belongs to (`purchase`, `void`, `return`, `import`).
    public var reason: String
    public var source: ActivitySource
    public var terminal: TerminalIdentity?
    /// The purchase, void or return id the row belongs to.
    public var transactionId: String?
    public var operatorName: String?
    /// The wallet's total (available plus pending) once this row and every earlier one are counted.
    public var balanceAfter: Int64
    /// Pending until then (points earned with a pending period); nil when available at once.
    public var pendingUntil: Timestamp?
    public init(at: Timestamp, wallet: WalletKind, delta: Int64, kind: String, reason: String, source: ActivitySource,
                terminal: TerminalIdentity? = nil, transactionId: String? = nil, operatorName: String? = nil, balanceAfter: Int64,
                pendingUntil: Timestamp? = nil) {
        self.at = at; self.wallet = wallet; self.delta = delta; self.kind = kind; self.reason = reason; self.source = source
        self.terminal = terminal; self.transactionId = transactionId; self.operatorName = operatorName
        self.balanceAfter = balanceAfter; self.pendingUntil = pendingUntil
    }
    public init(wire o: JSONObjectReader) throws(TillError) {
        self.init(at: try o.timestamp("at"), wallet: try o.enumeration("wallet", WalletKind.self), delta: try o.int("delta"),
                  kind: try o.string("kind"), reason: try o.string("reason"), source: try o.enumeration("source", ActivitySource.self),
                  terminal: try o.optionalDecode("terminal"), transactionId: try o.optionalString("transactionId"),
                  operatorName: try o.optionalString("operatorName"), balanceAfter: try o.int("balanceAfter"),
                  pendingUntil: try o.optionalTimestamp("pendingUntil"))
    }
    public func encodeFields(to w: inout JSONWriter) {
        w.field("at", at); w.field("wallet", wallet); w.field("delta", delta); w.field("kind", kind); w.field("reason", reason)
        w.field("source", source); w.field("terminal", terminal); w.field("transactionId", transactionId)
        w.field("operatorName", operatorName); w.field("balanceAfter", balanceAfter); w.field("pendingUntil", pendingUntil)
    }
}

/// The answer to `wallet.history`: the balance now, the shop's currency (with its minor-unit digits, for reading
/// `credit` amounts), and a page of ledger rows.
public struct WalletHistory: Hashable, Sendable, WireBody {
    public var memberKey: String
    public var balance: WalletBalance
    public var currency: String
    /// Decimal digits of the currency's minor unit (2 for EUR, 0 for JPY, 3 for KWD).
    public var minorDigits: Int64
    public var entries: [LedgerLine]
    public var nextCursor: String?
    public init(memberKey: String, balance: WalletBalance, currency: String, minorDigits: Int64, entries: [LedgerLine], nextCursor: String? = nil) {
        self.memberKey = memberKey; self.balance = balance; self.currency = currency; self.minorDigits = minorDigits
        self.entries = entries; self.nextCursor = nextCursor
    }
    public init(wire o: JSONObjectReader) throws(TillError) {
        self.init(memberKey: try o.id("memberKey"), balance: try o.decode("balance"), currency: try o.string("currency", maxLength: 8),
                  minorDigits: try o.int("minorDigits", 0...4), entries: try o.objects("entries", maxCount: Int(WireLimits.maxPage)),
                  nextCursor: try o.optionalString("nextCursor"))
    }
    public func encodeFields(to w: inout JSONWriter) {
        w.field("memberKey", memberKey); w.field("balance", balance); w.field("currency", currency); w.field("minorDigits", minorDigits)
        w.field("entries", entries); w.field("nextCursor", nextCursor)
    }
}

/// Amounts of money as people type and read them (`2.50`), exactly: integer minor units, never floating point.
public enum MoneyText {
    /// ISO 4217 currencies whose minor unit is not a hundredth.
    private static let digits: [String: Int] = [
        "BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0, "PYG": 0, "RWF": 0, "UGX": 0,
        "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
        "BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
    ]
    /// Decimal digits of `currency`'s minor unit (2 unless listed).
    public static func minorDigits(_ currency: String) -> Int { digits[currency.uppercased()] ?? 2 }

    /// Minor units of `text` (`2.50`, `2,50`, `3`, `0.5`): nil when it is not a plain decimal with at most `digits`
    /// decimals or does not fit.
    public static func parse(_ text: String, digits: Int) -> Int64? {
        precondition((0...4).contains(digits), "minor-unit digits out of range")
        let parts = text.split(omittingEmptySubsequences: false) { $0 == "." || $0 == "," }
        let isDigit: (Character) -> Bool = { ("0"..."9").contains($0) }
        guard (1...2).contains(parts.count), !parts[0].isEmpty, parts[0].count <= 18, parts[0].allSatisfy(isDigit) else { return nil }
        let fraction = parts.count == 2 ? parts[1] : ""
        guard fraction.count <= digits, fraction.allSatisfy(isDigit), parts.count == 1 || !fraction.isEmpty else { return nil }
        var scale: Int64 = 1
        for _ in 0..<digits { scale *= 10 }
        guard let whole = Int64(parts[0]), let padded = Int64(fraction + String(repeating: "0", count: digits - fraction.count)) ?? (digits == 0 ? 0 : nil)
        else { return nil }
        let (product, overflow) = whole.multipliedReportingOverflow(by: scale)
        let (sum, overflow2) = product.addingReportingOverflow(padded)
        return overflow || overflow2 ? nil : sum
    }

    /// `minor` as a decimal with `digits` decimals (`-2.50`).
    public static func format(_ minor: Int64, digits: Int) -> String {
        precondition((0...4).contains(digits), "minor-unit digits out of range")
        var scale: UInt64 = 1
        for _ in 0..<digits { scale *= 10 }
        let m = minor.magnitude
        let fraction = String(m % scale)
        return (minor < 0 ? "-" : "") + "\(m / scale)" + (digits == 0 ? "" : "." + String(repeating: "0", count: digits - fraction.count) + fraction)
    }
}

