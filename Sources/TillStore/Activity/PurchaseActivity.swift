import TillCore

/// The benefit entries a purchase adds to its members' activity, one per member and template however many gifts
/// it redeemed or cards it filled: the log's rows per purchase are bounded by the templates, not the quantity.
///
/// Guarantees: `redemptions` has one `benefit_redeemed` entry per (member, gift name) in the order first
/// redeemed, naming the gift and its redeemed benefit ids; `completions` one `punch_card_completed` entry per
/// (member, card template) whose cards the purchase filled, naming the cards and the rewards they issued. One
/// benefit keeps the wording of one entry per benefit (`Redeemed Free espresso (g-1) in b/p T1`, `Coffee card c-1
/// completed in b/p T1, reward r-1 issued`); more list their ids within `listBudget` bytes, then how many more, so a
/// summary stays far below the 4,096 bytes an entry's summary may hold.
struct PurchaseActivity {
    struct Entry: Equatable {
        var kind: ActivityKind
        var member: Int64
        var summary: String
    }

    /// Bytes of benefit ids one list in a summary shows before it says how many more there are.
    static let listBudget = 1_000

    var redemptions: [Entry] = []
    var completions: [Entry] = []

    /// `place`: `branch/pos transactionId`, as the entries name the purchase.
    init(record: PurchaseRecord, receipt: Receipt, catalog: BenefitCatalog, place: String) {
        var names: [String: String] = [:]
        for r in receipt.redemptions { names[r.benefitId] = names[r.benefitId] ?? r.name }
        var redeemed: [(member: Int64, name: String, ids: [String])] = []
        for r in record.redeemed {
            let name = names[r.benefitId] ?? r.benefitId
            if let g = redeemed.firstIndex(where: { $0.member == r.memberId && $0.name == name }) {
                redeemed[g].ids.append(r.benefitId)
            } else {
                redeemed.append((r.memberId, name, [r.benefitId]))
            }
        }
        redemptions = redeemed.map { g in
            let what = g.ids.count == 1 ? "\(g.name) (\(g.ids[0]))" : "\(g.ids.count) × \(g.name) (\(Self.list(g.ids)))"
            return Entry(kind: .benefitRedeemed, member: g.member, summary: "Redeemed \(what) in \(place)")
        }
        var filled: [(member: Int64, template: String, cards: [String], rewards: [String])] = []
        for c in record.cards where c.completed {
            if let g = filled.firstIndex(where: { $0.member == c.memberId && $0.template == c.templateId }) {
                filled[g].cards.append(c.benefitId)
                if let reward = c.rewardBenefitId { filled[g].rewards.append(reward) }
            } else {
                filled.append((c.memberId, c.templateId, [c.benefitId], c.rewardBenefitId.map { [$0] } ?? []))
            }
        }
        completions = filled.map { g in
            let name = catalog.punchCard(g.template)?.name ?? g.template
            let summary: String
            if g.cards.count == 1 {
                summary = "\(name) \(g.cards[0]) completed in \(place)" + (g.rewards.first.map { ", reward \($0) issued" } ?? "")
            } else {
                summary = "\(name): \(g.cards.count) cards completed in \(place) (\(Self.list(g.cards)))"
                    + (g.rewards.isEmpty ? "" : ", \(g.rewards.count) rewards issued (\(Self.list(g.rewards)))")
            }
            return Entry(kind: .punchCardCompleted, member: g.member, summary: summary)
        }
    }

    /// `ids` joined by `, ` while within `listBudget` bytes, then `and N more`.
    static func list(_ ids: [String]) -> String {
        var out = ""
        for (i, id) in ids.enumerated() {
            if i > 0 && out.utf8.count + id.utf8.count + 2 > listBudget { return out + " and \(ids.count - i) more" }
            out += i == 0 ? id : ", " + id
        }
        return out
    }
}
