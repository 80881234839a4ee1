/// What a simulated cashier does next: one scenario may take several requests (identify then purchase, a burst of
/// offline purchases).
public enum Scenario: String, CaseIterable, Sendable, Hashable {
    /// A purchase for one identified member, paid by cash or card.
    case purchase
    /// A purchase with no member.
    case anonymous
    /// Two or three members on one receipt.
    case multiMember = "multi"
    /// Part of the total paid from the member's points.
    case pointsPayment = "points"
    /// Part of the total paid from the member's credit.
    case creditPayment = "credit"
    /// `identify`, then a purchase redeeming one of the member's active gifts (a plain purchase when none).
    case redeemGift = "gift"
    /// `identify` alone (a cashier looking a member up).
    case identify
    /// `quote` of a basket (nothing written).
    case quote
    /// `status` of one of this terminal's transactions.
    case status
    /// `void` of one of this terminal's recent purchases.
    case void
    /// A partial `return` of a recent purchase.
    case partialReturn = "return"
    /// The same purchase sent again, as a POS does after a timeout: must be a replay with an identical receipt.
    case retry
    /// A burst of 5 to 20 purchases opened hours ago (a terminal back online).
    case offlineBurst = "offline"
    /// A new purchase sent twice back to back without waiting (a POS that timed out while the first was still in
    /// flight): both must be answered with the same receipt, applied once.
    case duplicate = "dup"

    /// The position in `allCases`, by a switch (counting a scenario per request without hashing its raw string).
    var ordinal: Int {
        switch self {
        case .purchase: 0
        case .anonymous: 1
        case .multiMember: 2
        case .pointsPayment: 3
        case .creditPayment: 4
        case .redeemGift: 5
        case .identify: 6
        case .quote: 7
        case .status: 8
        case .void: 9
        case .partialReturn: 10
        case .retry: 11
        case .offlineBurst: 12
        case .duplicate: 13
        }
    }
}

/// Relative weights of the scenarios, parsed from `--mix`.
///
/// Guarantees: at least one weight is positive; `pick` is deterministic for a given generator state.
public struct ScenarioMix: Sendable, Equatable, CustomStringConvertible {
    public private(set) var weights: [(Scenario, Int)]

    /// Why a `--mix` value was refused.
    public enum ParseError: Error, Equatable, CustomStringConvertible {
        case unknownScenario(String)
        case badWeight(scenario: String, value: String)
        case empty

        public var description: String {
            switch self {
            case .unknownScenario(let name):
                "unknown scenario \(name) (known: \(Scenario.allCases.map(\.rawValue).joined(separator: ", ")), presets: \(ScenarioMix.presets.keys.sorted().joined(separator: ", ")))"
            case .badWeight(let scenario, let value): "weight of \(scenario) must be a non-negative integer, not \(value)"
            case .empty: "the mix needs at least one positive weight"
            }
        }
    }

    /// A realistic shop day: mostly purchases, lookups, some payments from wallets, gifts, reversals, retries and
    /// the odd offline burst.
    public static let standard = ScenarioMix(unchecked: [
        (.purchase, 40), (.anonymous, 10), (.multiMember, 5), (.pointsPayment, 5), (.creditPayment, 3), (.redeemGift, 4),
        (.identify, 12), (.quote, 6), (.status, 3), (.void, 2), (.partialReturn, 3), (.retry, 4), (.offlineBurst, 1),
        (.duplicate, 2),
    ])

    public static let presets: [String: ScenarioMix] = [
        "standard": standard,
        "purchases": ScenarioMix(unchecked: [(.purchase, 1)]),
        "identify": ScenarioMix(unchecked: [(.identify, 1)]),
        "writes": ScenarioMix(unchecked: [(.purchase, 6), (.anonymous, 1), (.void, 1), (.partialReturn, 1), (.retry, 1)]),
    ]

    private init(unchecked weights: [(Scenario, Int)]) { self.weights = weights }

    /// `standard`, a preset name, or `name=weight,...` (scenarios not named get weight 0).
    public init(parsing text: String) throws(ParseError) {
        if let preset = Self.presets[text] {
            self = preset
            return
        }
        var weights: [(Scenario, Int)] = []
        for part in text.split(separator: ",") {
            let pair = part.split(separator: "=", maxSplits: 1).map(String.init)
            guard let scenario = Scenario(rawValue: pair[0]) else { throw .unknownScenario(pair[0]) }
            guard pair.count == 2, let weight = Int(pair[1]), weight >= 0 else {
                throw .badWeight(scenario: pair[0], value: pair.count == 2 ? pair[1] : "")
            }
            weights.append((scenario, weight))
        }
        guard weights.contains(where: { $0.1 > 0 }) else { throw .empty }
        self.weights = weights
    }

    public var total: Int { weights.reduce(0) { $0 + $1.1 } }

    public func weight(of scenario: Scenario) -> Int { weights.first { $0.0 == scenario }?.1 ?? 0 }

    /// Whether a scenario of the mix goes back to a purchase the terminal had acknowledged (`status`, `void`,
    /// `return`, `retry`): only then must a terminal remember its recent purchases and their receipts.
    public var revisitsPurchases: Bool { [.status, .void, .partialReturn, .retry].contains { weight(of: $0) > 0 } }

    /// A scenario drawn with probability proportional to its weight.
    public func pick(using random: inout SeededRandom) -> Scenario {
        var ticket = random.int(0...(total - 1))
        for (scenario, weight) in weights {
            if ticket < weight { return scenario }
            ticket -= weight
        }
        return weights.last { $0.1 > 0 }!.0
    }

    public var description: String { weights.filter { $0.1 > 0 }.map { "\($0.0.rawValue)=\($0.1)" }.joined(separator: ",") }

    public static func == (lhs: ScenarioMix, rhs: ScenarioMix) -> Bool { lhs.description == rhs.description }
}
