import TillCore
import TillProtocol

/// One article the simulated shop sells.
public struct Article: Sendable, Hashable {
    public let code: String
    public let name: String
    public let department: String
    /// Price of one unit (one kilogram for weighed articles), minor units.
    public let unitPrice: MinorUnits
    /// Sold by weight: quantities with up to three decimals.
    public let weighed: Bool
}

/// One line of a drawn basket: which article and what varies per line (the line id is its position).
public struct BasketLine: Sendable, Hashable {
    /// Index into `ShopCatalog.articles`.
    public var article: Int
    public var quantity: Quantity
    public var discount: MinorUnits
}

/// The simulated shop's assortment: deterministic, so `seed` and `run` agree without talking to each other.
///
/// Guarantees: codes are unique; the coffee department qualifies for the demo punch card and `SKU-0001` (espresso)
/// is the free-item gift's target; `templates[i]` is the constant part of article `i`'s line items.
public struct ShopCatalog: Sendable {
    public let articles: [Article]
    /// Code, name, department and tags of each article's lines, encoded once (`LineItemTemplate`).
    public let templates: [LineItemTemplate]
    public static let departments = ["bakery", "dairy", "produce", "drinks", "coffee", "household"]
    /// "1" … "30": line ids made once, not per line.
    static let lineIds = (1...30).map { String($0) }

    public init(articleCount: Int = 200, seed: UInt64 = 7) {
        var random = SeededRandom(seed: seed)
        var articles = [Article(code: "SKU-0001", name: "Espresso", department: "coffee", unitPrice: 220, weighed: false)]
        for n in 2...max(2, articleCount) {
            let department = Self.departments[random.int(0...(Self.departments.count - 1))]
            let weighed = department == "produce"
            let price = MinorUnits(weighed ? random.int(99...1_499) : random.int(49...2_999))
            let code = "SKU-" + String(repeating: "0", count: max(0, 4 - String(n).count)) + String(n)
            articles.append(Article(code: code, name: "\(department) item \(n)", department: department, unitPrice: price, weighed: weighed))
        }
        self.articles = articles
        self.templates = articles.map {
            LineItemTemplate(code: $0.code, name: $0.name, department: $0.department, tags: $0.weighed ? ["weighed"] : [], listPrice: $0.unitPrice)
        }
    }

    /// A basket of 1 to `maxLines` lines (most baskets are small), with occasional POS line discounts.
    public func basket(using random: inout SeededRandom, maxLines: Int = 30) -> [LineItem] {
        basketLines(using: &random, maxLines: maxLines).enumerated().map { lineItem($1, position: $0 + 1) }
    }

    /// The draws of `basket`, kept as articles and quantities (the line items are made from them only when needed).
    public func basketLines(using random: inout SeededRandom, maxLines: Int = 30) -> [BasketLine] {
        var net: MinorUnits = 0, lines: [BasketLine] = []
        basketLines(using: &random, maxLines: maxLines, into: &lines, net: &net)
        return lines
    }

    /// The same draws, into `lines` (emptied first, its capacity kept), adding the basket's net (line gross minus
    /// line discount) to `net` on the way.
    func basketLines(using random: inout SeededRandom, maxLines: Int = 30, into lines: inout [BasketLine], net: inout MinorUnits) {
        let count = random.chance(70) ? random.int(1...6) : random.int(1...maxLines)
        lines.removeAll(keepingCapacity: true)
        lines.reserveCapacity(count)
        for _ in 1...count {
            let article = random.int(0...(articles.count - 1))
            let weighed = articles[article].weighed
            let quantity = weighed
                ? Quantity(thousandths: Int64(random.int(50...2_500)))
                : Quantity(units: Int64(random.chance(80) ? 1 : random.int(2...4)))
            let gross = Arithmetic.lineGross(quantity: quantity, unitPrice: articles[article].unitPrice)
            let discount: MinorUnits = random.chance(10) ? gross / 10 : 0
            net += gross - discount
            lines.append(BasketLine(article: article, quantity: quantity, discount: discount))
        }
    }

    /// The line item of `line` at 1-based `position` (its line id).
    public func lineItem(_ line: BasketLine, position: Int) -> LineItem {
        templates[line.article].lineItem(lineId: Self.lineId(position), quantity: line.quantity,
                                         unitPrice: articles[line.article].unitPrice, discount: line.discount)
    }

    static func lineId(_ position: Int) -> String { position <= lineIds.count ? lineIds[position - 1] : String(position) }

    /// Line gross, rounded half-up per line (`Arithmetic.lineGross`, as Till computes it).
    func gross(_ line: BasketLine) -> MinorUnits { Arithmetic.lineGross(quantity: line.quantity, unitPrice: articles[line.article].unitPrice) }
}

/// The simulated member population: member `n` (0-based) has identifiers derived from `n`, so any identifier kind
/// can be presented for any member without a lookup.
///
/// Guarantees: identifiers are unique per member and valid for Till's normalisation (E.164 phones, lower-case emails);
/// they never clash with the daemon's demo members (`M0000000n`, `C000000000n`, `+4915112345678`): simulated member
/// keys start with `S`, cards with `SC`, phones with `+49160`.
public struct Population: Sendable {
    public let count: Int
    public init(count: Int) { self.count = count }

    public func memberKey(_ n: Int) -> String { Self.decimal(n, width: 8, after: "S") }
    public func phone(_ n: Int) -> String { Self.decimal(n, width: 8, after: "+49160") }
    public func email(_ n: Int) -> String { Self.decimal(n, after: "member", before: "@sim.example") }
    public func card(_ n: Int) -> String { Self.decimal(n, width: 10, after: "SC") }
    public func customId(_ n: Int) -> String { Self.decimal(n, after: "ext-") }
    public func firstName(_ n: Int) -> String { ["Anna", "Ben", "Chloé", "David", "Eva", "Farid", "Greta", "Hugo"][n % 8] }

    /// The identifier of `kind` for member `n` (app codes are issued by the server and are not derivable).
    public func identifier(_ n: Int, kind: IdentifierKind) -> MemberIdentifier {
        switch kind {
        case .phone: MemberIdentifier(kind: .phone, value: phone(n))
        case .email: MemberIdentifier(kind: .email, value: email(n))
        case .card: MemberIdentifier(kind: .card, value: card(n))
        case .customId: MemberIdentifier(kind: .customId, value: customId(n))
        case .memberKey, .appCode: MemberIdentifier(kind: .memberKey, value: memberKey(n))
        }
    }

    static func padded(_ n: Int, _ width: Int) -> String { decimal(n, width: width) }

    /// `prefix`, the digits of `n` (≥ 0) left-padded with zeros to `width`, then `suffix`: one string built in place
    /// (a purchase presents a member this way every time).
    static func decimal(_ n: Int, width: Int = 1, after prefix: StaticString = "", before suffix: StaticString = "") -> String {
        precondition(n >= 0, "member numbers are not negative")
        var digits = 1, rest = n / 10
        while rest > 0 { digits += 1; rest /= 10 }
        let padded = max(digits, width), length = prefix.utf8CodeUnitCount + padded + suffix.utf8CodeUnitCount
        return String(unsafeUninitializedCapacity: length) { out in
            var at = 0
            for k in 0..<prefix.utf8CodeUnitCount { out[at] = prefix.utf8Start[k]; at += 1 }
            var value = n
            for k in stride(from: at + padded - 1, through: at, by: -1) {
                out[k] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: value % 10)
                value /= 10
            }
            at += padded
            for k in 0..<suffix.utf8CodeUnitCount { out[at] = suffix.utf8Start[k]; at += 1 }
            return at
        }
    }
}
