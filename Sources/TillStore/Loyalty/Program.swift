import Synchronization
import TillCore

/// The loyalty program as the store runs it: catalog, settings and the template row ids behind the catalog's
/// string ids. Loaded once and shared by the writer and the readers until `ProgramCache.invalidate()`.
///
/// Guarantees: immutable; `giftRows` / `punchCardRows` answer exactly the templates of `catalog` (the offered ones);
/// `giftCodes` / `punchCardCodes` also name withdrawn templates, whose names are in `catalog.withdrawn…Names`. A
/// class: every request and reader that holds it shares one copy (a struct of a dozen collections was copied, and
/// destroyed, several times per purchase).
public final class Program: Sendable {
    public let catalog: BenefitCatalog
    public let settings: LoyaltySettings
    let giftRows: [String: Int64]
    let punchCardRows: [String: Int64]
    let giftCodes: [Int64: String]
    let punchCardCodes: [Int64: String]

    init(catalog: BenefitCatalog, settings: LoyaltySettings, giftRows: [String: Int64], punchCardRows: [String: Int64],
         giftCodes: [Int64: String], punchCardCodes: [Int64: String]) {
        self.catalog = catalog
        self.settings = settings
        self.giftRows = giftRows
        self.punchCardRows = punchCardRows
        self.giftCodes = giftCodes
        self.punchCardCodes = punchCardCodes
    }

    func templateRow(_ kind: BenefitKind, _ code: String) -> Int64? {
        kind == .gift ? giftRows[code] : punchCardRows[code]
    }

    /// Reads the program from the template tables and the `loyalty` settings row.
    static func load(_ connection: Connection) throws(TillError) -> Program {
        do {
            guard let text = try connection.text("SELECT value FROM settings WHERE key = 'loyalty'") else {
                throw TillError.notAllowed(field: nil, reason: "the loyalty program is not configured yet")
            }
            let settings = try CatalogCoding.settings(text)
            var gifts: [GiftRule] = [], giftRows: [String: Int64] = [:], giftCodes: [Int64: String] = [:]
            // Withdrawn templates (enabled = 0) are not offered, but the benefits members still hold show their
            // template's id and name.
            var withdrawnGifts: [String: String] = [:], withdrawnCards: [String: String] = [:]
            var rawGifts: [(Int64, String, String, Int64?, String)] = []
            try connection.statement("SELECT id, code, name, valid_days, coalesce(conditions, '{}'), enabled FROM gift_templates ORDER BY id")
                .forEachRow { r in
                    guard r.int64(5) != 0 else { giftCodes[r.int64(0)] = r.text(1); withdrawnGifts[r.text(1)] = r.text(2); return }
                    rawGifts.append((r.int64(0), r.text(1), r.text(2), r.optionalInt64(3), r.text(4)))
                }
            for (id, code, name, days, conditions) in rawGifts {
                gifts.append(try CatalogCoding.gift(code: code, name: name, validDays: days, conditions: conditions))
                giftRows[code] = id
                giftCodes[id] = code
            }
            var cards: [PunchCardRule] = [], cardRows: [String: Int64] = [:], cardCodes: [Int64: String] = [:]
            var rawCards: [(Int64, String, String, Int64, String, Int64?, String)] = []
            try connection.statement("""
                SELECT p.id, p.code, p.name, p.punches_required, coalesce(g.code, ''), p.valid_days, coalesce(p.conditions, '{}'),
                       p.enabled
                FROM punch_card_templates p LEFT JOIN gift_templates g ON g.id = p.reward_gift_template_id ORDER BY p.id
                """).forEachRow { r in
                guard r.int64(7) != 0 else { cardCodes[r.int64(0)] = r.text(1); withdrawnCards[r.text(1)] = r.text(2); return }
                rawCards.append((r.int64(0), r.text(1), r.text(2), r.int64(3), r.text(4), r.optionalInt64(5), r.text(6)))
            }
            for (id, code, name, required, reward, days, conditions) in rawCards {
                cards.append(try CatalogCoding.punchCard(code: code, name: name, punchesRequired: required, rewardGiftCode: reward,
                                                         validDays: days, conditions: conditions))
                cardRows[code] = id
                cardCodes[id] = code
            }
            let catalog = BenefitCatalog(gifts: gifts, punchCards: cards, withdrawnGiftNames: withdrawnGifts,
                                         withdrawnPunchCardNames: withdrawnCards)
            return Program(catalog: catalog, settings: settings,
                           giftRows: giftRows, punchCardRows: cardRows, giftCodes: giftCodes, punchCardCodes: cardCodes)
        } catch let error as TillError {
            throw error
        } catch {
            throw .storageFailure(reason: "cannot read the loyalty program: \(error)")
        }
    }
}

/// The in-memory copy of the program, shared by every thread.
///
/// Guarantees: `current` reads the tables only when nothing is cached or after `invalidate()`; a program loaded
/// before an invalidation is never installed after it (the generation counter is checked under the lock), nor one
/// loaded on a snapshot that may lack an answered write (`Connection.snapshotMayLagAnswers`).
final class ProgramCache: Sendable {
    private struct State {
        var generation: UInt64 = 0
        var program: Program?
    }
    private let state = Mutex(State())

    func current(_ connection: Connection) throws(TillError) -> Program {
        let (cached, generation) = state.withLock { ($0.program, $0.generation) }
        if let cached { return cached }
        let loaded = try Program.load(connection)
        // Not from a snapshot that may lack an answered catalog change: the change emptied the cache when it was
        // answered, and what was loaded before its COMMIT would be served after it.
        guard !connection.snapshotMayLagAnswers else { return loaded }
        state.withLock { s in if s.generation == generation { s.program = loaded } }
        return loaded
    }

    func invalidate() { state.withLock { s in s.generation &+= 1; s.program = nil } }
}

/// Writes the program's configuration rows (used by the demo install, tests and the back office).
///
/// Guarantees: templates are upserted by code, so benefits already held keep their template row; the settings
/// row is replaced. Callers run it inside a write request and call `LoyaltyStore.catalogChanged()` afterwards.
public enum ProgramRows {
    public static func save(_ catalog: BenefitCatalog, settings: LoyaltySettings, now: Int64, in context: WriteContext) throws {
        try context.execute("""
            INSERT INTO settings (key, value, updated_at) VALUES ('loyalty', ?, ?)
            ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at
            """, [.text(CatalogCoding.encode(settings)), .integer(now)])
        for gift in catalog.gifts {
            try context.execute("""
                INSERT INTO gift_templates (code, name, valid_days, conditions, enabled, created_at) VALUES (?, ?, ?, ?, 1, ?)
                ON CONFLICT (code) DO UPDATE SET name = excluded.name, valid_days = excluded.valid_days,
                    conditions = excluded.conditions, enabled = 1
                """, [.text(gift.id), .text(gift.name), .optional(gift.validDays), .text(CatalogCoding.conditions(of: gift)),
                      .integer(now)])
        }
        for card in catalog.punchCards {
            try context.execute("""
                INSERT INTO punch_card_templates (code, name, punches_required, reward_gift_template_id, valid_days,
                    conditions, enabled, created_at)
                VALUES (?, ?, ?, (SELECT id FROM gift_templates WHERE code = ?), ?, ?, 1, ?)
                ON CONFLICT (code) DO UPDATE SET name = excluded.name, punches_required = excluded.punches_required,
                    reward_gift_template_id = excluded.reward_gift_template_id, valid_days = excluded.valid_days,
                    conditions = excluded.conditions, enabled = 1
                """, [.text(card.id), .text(card.name), .integer(card.punchesRequired), .text(card.rewardGiftTemplateId),
                      .optional(card.validDays), .text(CatalogCoding.conditions(of: card)), .integer(now)])
        }
    }
}
