/// The migrations Till knows, in order. Append only: a released migration is never edited.
public enum Schema {
    public static let migrations: [Migration] = [
        Migration(version: 1, name: "initial", sql: SchemaV1.members + SchemaV1.benefits + SchemaV1.wallets
            + SchemaV1.purchases + SchemaV1.administration + SchemaV1.search),
        Migration(version: 2, name: "journal position", sql: SchemaV2.journalPosition),
        Migration(version: 3, name: "journal statements", sql: SchemaV3.journalStatements),
        Migration(version: 4, name: "member counters from purchases", sql: SchemaV4.memberCounters),
        Migration(version: 5, name: "wallet balances from the ledger", sql: SchemaV5.walletBalances),
        Migration(version: 6, name: "card punches from purchases", sql: SchemaV6.cardPunches),
        Migration(version: 7, name: "purchase entries from purchases", sql: SchemaV7.purchaseEntries),
        Migration(version: 8, name: "wallet moves of purchases from purchases", sql: SchemaV8.purchaseMoves),
        Migration(version: 9, name: "wallet bases from a covering index", sql: SchemaV9.walletBases),
    ]
    /// The newest schema version this build writes.
    public static var latestVersion: Int64 { Int64(migrations.count) }
}

/// Schema v1. Conventions: times are INTEGER milliseconds since the epoch (UTC); money in INTEGER minor units;
/// quantities in INTEGER thousandths; booleans INTEGER 0/1; enums TEXT with CHECK; all tables STRICT.
/// Enum CHECKs are written `x = 'a' OR x = 'b' OR …`, never `x IN ('a', 'b', 'c')`: SQLite codes an IN list of
/// more than two constants as an ephemeral b-tree built on every execution of every INSERT/UPDATE that checks it
/// (about a third of the purchase write path's instructions before this was changed).
enum SchemaV1 {
    static let members = """
    CREATE TABLE members (
        id INTEGER PRIMARY KEY,
        member_key TEXT NOT NULL UNIQUE,
        status TEXT NOT NULL CHECK (status = 'active' OR status = 'blocked' OR status = 'anonymized' OR status = 'pending_verification'),
        registered_at INTEGER NOT NULL,
        registration_source TEXT NOT NULL,
        first_name TEXT,
        last_name TEXT,
        birthday TEXT,                                  -- YYYY-MM-DD or NULL
        consent_sms INTEGER NOT NULL DEFAULT 0 CHECK (consent_sms IN (0,1)),
        consent_email INTEGER NOT NULL DEFAULT 0 CHECK (consent_email IN (0,1)),
        consent_push INTEGER NOT NULL DEFAULT 0 CHECK (consent_push IN (0,1)),
        consent_location INTEGER NOT NULL DEFAULT 0 CHECK (consent_location IN (0,1)),
        terms_accepted_at INTEGER,
        opt_in_status TEXT NOT NULL DEFAULT 'none'
            CHECK (opt_in_status = 'none' OR opt_in_status = 'single' OR opt_in_status = 'double' OR opt_in_status = 'withdrawn' OR opt_in_status = 'objection'),
        lifetime_spend INTEGER NOT NULL DEFAULT 0,
        visit_count INTEGER NOT NULL DEFAULT 0 CHECK (visit_count >= 0),
        updated_at INTEGER NOT NULL
    ) STRICT;
    -- No index on names: name search goes through `member_search`, and each member would maintain it.

    CREATE TABLE member_status_history (
        id INTEGER PRIMARY KEY,
        member_id INTEGER NOT NULL REFERENCES members (id),
        from_status TEXT,
        to_status TEXT NOT NULL,
        changed_at INTEGER NOT NULL,
        source TEXT NOT NULL CHECK (source = 'pos' OR source = 'operator' OR source = 'system'),
        operator_id INTEGER REFERENCES operators (id),
        reason TEXT
    ) STRICT;
    CREATE INDEX member_status_history_member ON member_status_history (member_id, changed_at);

    -- Identifiers in use are unique per kind; anonymization sets released_at, freeing the value for reuse.
    CREATE TABLE member_identifiers (
        id INTEGER PRIMARY KEY,
        member_id INTEGER NOT NULL REFERENCES members (id),
        kind TEXT NOT NULL CHECK (kind = 'phone' OR kind = 'email' OR kind = 'memberKey' OR kind = 'card' OR kind = 'customId'),
        value TEXT NOT NULL,                            -- normalised (E.164, lower-cased email, …)
        created_at INTEGER NOT NULL,
        released_at INTEGER
    ) STRICT;
    CREATE UNIQUE INDEX member_identifiers_in_use ON member_identifiers (kind, value) WHERE released_at IS NULL;
    CREATE INDEX member_identifiers_member ON member_identifiers (member_id);

    CREATE TABLE member_tags (
        member_id INTEGER NOT NULL REFERENCES members (id),
        tag TEXT NOT NULL COLLATE BINARY,               -- case-sensitive
        PRIMARY KEY (member_id, tag)
    ) STRICT, WITHOUT ROWID;
    CREATE INDEX member_tags_tag ON member_tags (tag, member_id);

    CREATE TABLE member_notes (
        id INTEGER PRIMARY KEY,
        member_id INTEGER NOT NULL REFERENCES members (id),
        author TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        text TEXT NOT NULL
    ) STRICT;
    CREATE INDEX member_notes_member ON member_notes (member_id, created_at);

    CREATE TABLE app_codes (
        code TEXT PRIMARY KEY,
        member_id INTEGER NOT NULL REFERENCES members (id),
        issued_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        consumed_at INTEGER,
        consumed_purchase_id INTEGER REFERENCES purchases (id)
    ) STRICT;
    CREATE INDEX app_codes_member ON app_codes (member_id);

    """

    static let benefits = """
    CREATE TABLE gift_templates (
        id INTEGER PRIMARY KEY,
        code TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL,
        description TEXT,
        valid_days INTEGER CHECK (valid_days IS NULL OR valid_days > 0),
        conditions TEXT CHECK (conditions IS NULL OR json_valid(conditions)),
        enabled INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0,1)),
        created_at INTEGER NOT NULL
    ) STRICT;

    CREATE TABLE punch_card_templates (
        id INTEGER PRIMARY KEY,
        code TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL,
        punches_required INTEGER NOT NULL CHECK (punches_required > 0),
        reward_gift_template_id INTEGER REFERENCES gift_templates (id),
        valid_days INTEGER CHECK (valid_days IS NULL OR valid_days > 0),
        conditions TEXT CHECK (conditions IS NULL OR json_valid(conditions)),
        enabled INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0,1)),
        created_at INTEGER NOT NULL
    ) STRICT;

    CREATE TABLE member_benefits (
        id INTEGER PRIMARY KEY,
        public_id TEXT NOT NULL UNIQUE,
        member_id INTEGER NOT NULL REFERENCES members (id),
        kind TEXT NOT NULL CHECK (kind IN ('gift','punchCard')),
        gift_template_id INTEGER REFERENCES gift_templates (id),
        punch_card_template_id INTEGER REFERENCES punch_card_templates (id),
        status TEXT NOT NULL CHECK (status = 'active' OR status = 'used' OR status = 'expired' OR status = 'deleted'),
        valid_from INTEGER,
        valid_until INTEGER,
        assigned_at INTEGER NOT NULL,
        punches INTEGER NOT NULL DEFAULT 0 CHECK (punches >= 0),
        redeemed_at INTEGER,
        redeemed_purchase_id INTEGER REFERENCES purchases (id),
        issued_by_purchase_id INTEGER REFERENCES purchases (id),
        issued_by_operator_id INTEGER REFERENCES operators (id),
        used_in TEXT,                                   -- operation reference (branch/pos/transaction) that used it
        issued_by TEXT,                                 -- operation reference that issued it (NULL: operator)
        CHECK ((kind = 'gift' AND gift_template_id IS NOT NULL AND punch_card_template_id IS NULL)
            OR (kind = 'punchCard' AND punch_card_template_id IS NOT NULL AND gift_template_id IS NULL))
    ) STRICT;
    CREATE INDEX member_benefits_member ON member_benefits (member_id, status);
    CREATE INDEX member_benefits_issued_by ON member_benefits (issued_by_purchase_id) WHERE issued_by_purchase_id IS NOT NULL;
    CREATE INDEX member_benefits_redeemed_in ON member_benefits (redeemed_purchase_id) WHERE redeemed_purchase_id IS NOT NULL;

    """

    static let wallets = """
    -- balance + pending always equals the sum of the wallet's ledger deltas (pending: earned, available_at later).
    CREATE TABLE wallets (
        id INTEGER PRIMARY KEY,
        member_id INTEGER NOT NULL REFERENCES members (id),
        kind TEXT NOT NULL CHECK (kind IN ('points','credit')),
        balance INTEGER NOT NULL DEFAULT 0 CHECK (balance >= 0),
        pending INTEGER NOT NULL DEFAULT 0 CHECK (pending >= 0),
        UNIQUE (member_id, kind)
    ) STRICT;

    -- Append-only: rows are never updated or deleted (see the triggers below).
    CREATE TABLE ledger (
        id INTEGER PRIMARY KEY,
        member_id INTEGER NOT NULL REFERENCES members (id),
        wallet_id INTEGER NOT NULL REFERENCES wallets (id),
        delta INTEGER NOT NULL CHECK (delta <> 0),
        kind TEXT NOT NULL CHECK (kind = 'earn' OR kind = 'spend' OR kind = 'refund' OR kind = 'clawback' OR kind = 'adjust'),
        available_at INTEGER,                           -- NULL: available at once; else pending until then
        purchase_id INTEGER REFERENCES purchases (id),
        reversal_id INTEGER REFERENCES reversals (id),
        operator_id INTEGER REFERENCES operators (id),
        reason TEXT,
        created_at INTEGER NOT NULL
    ) STRICT;
    -- Every index here is paid by every purchase (a B-tree insert and, with many members, a page in the WAL):
    -- one index serves both readers, a member's ledger (data report: the member's wallets, then their rows) and
    -- the pending points of a wallet (available_at after now; NULL sorts first and never matches). Verify sums
    -- the whole table.
    CREATE INDEX ledger_wallet ON ledger (wallet_id, available_at);
    CREATE TRIGGER ledger_no_update BEFORE UPDATE ON ledger BEGIN SELECT RAISE(ABORT, 'ledger is append-only'); END;
    CREATE TRIGGER ledger_no_delete BEFORE DELETE ON ledger BEGIN SELECT RAISE(ABORT, 'ledger is append-only'); END;

    -- Idempotency keys of single operations (operator adjustments, tests' wallet credits).
    CREATE TABLE operations (
        key TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        ledger_id INTEGER REFERENCES ledger (id),
        created_at INTEGER NOT NULL
    ) STRICT, WITHOUT ROWID;

    """

    static let purchases = """
    CREATE TABLE purchases (
        id INTEGER PRIMARY KEY,
        branch_id TEXT NOT NULL,
        pos_id TEXT NOT NULL,
        transaction_id TEXT NOT NULL,
        fingerprint BLOB NOT NULL,                      -- hash of the canonical request body (duplicate vs conflict)
        opened_at INTEGER NOT NULL,
        committed_at INTEGER NOT NULL,
        status TEXT NOT NULL CHECK (status = 'final' OR status = 'voided' OR status = 'partially_returned' OR status = 'returned'),
        total_amount INTEGER NOT NULL,
        total_discount INTEGER NOT NULL DEFAULT 0,
        paid_points INTEGER NOT NULL DEFAULT 0,
        paid_credit INTEGER NOT NULL DEFAULT 0,
        receipt BLOB NOT NULL,                          -- the encoded receipt, replayed on duplicates
        record BLOB NOT NULL,                           -- the rules engine's purchase record (for reversals)
        lines BLOB NOT NULL,                            -- the ticket's lines, `TicketLines` format (one blob, not
                                                        -- a row per line: only the ticket view reads them)
        UNIQUE (branch_id, pos_id, transaction_id)
    ) STRICT;

    -- A member's purchases (the back office's list). Keyed by member only: a purchase's members are in its record.
    -- Since v7 also the purchase's entry in the member's activity (SchemaV7, `MemberActivity`).
    CREATE TABLE purchase_members (
        member_id INTEGER NOT NULL REFERENCES members (id),
        purchase_id INTEGER NOT NULL REFERENCES purchases (id),
        position INTEGER NOT NULL,
        PRIMARY KEY (member_id, purchase_id)
    ) STRICT, WITHOUT ROWID;

    CREATE TABLE reversals (
        id INTEGER PRIMARY KEY,
        branch_id TEXT NOT NULL,
        pos_id TEXT NOT NULL,
        reversal_id TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('void','return')),
        fingerprint BLOB NOT NULL,
        purchase_id INTEGER NOT NULL REFERENCES purchases (id),
        created_at INTEGER NOT NULL,
        result BLOB NOT NULL,                           -- the encoded reversal receipt, replayed on duplicates
        UNIQUE (branch_id, pos_id, reversal_id)
    ) STRICT;
    CREATE INDEX reversals_purchase ON reversals (purchase_id);

    CREATE TABLE returned_quantities (
        reversal_id INTEGER NOT NULL REFERENCES reversals (id),
        purchase_id INTEGER NOT NULL REFERENCES purchases (id),
        line_id TEXT NOT NULL,
        quantity INTEGER NOT NULL CHECK (quantity > 0),  -- thousandths; the line is one of the purchase record's
        PRIMARY KEY (reversal_id, line_id)
    ) STRICT, WITHOUT ROWID;
    CREATE INDEX returned_quantities_line ON returned_quantities (purchase_id, line_id);

    """

    static let administration = """
    CREATE TABLE earn_rules (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        kind TEXT NOT NULL,
        priority INTEGER NOT NULL DEFAULT 0,
        enabled INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0,1)),
        valid_from INTEGER,
        valid_until INTEGER,
        definition TEXT NOT NULL CHECK (json_valid(definition)),
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
    ) STRICT;

    CREATE TABLE settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL,
        updated_at INTEGER NOT NULL
    ) STRICT, WITHOUT ROWID;

    CREATE TABLE terminals (
        id INTEGER PRIMARY KEY,
        branch_id TEXT NOT NULL,
        pos_id TEXT NOT NULL,
        key_hash BLOB NOT NULL UNIQUE,
        enabled INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0,1)),
        created_at INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX terminals_pos ON terminals (branch_id, pos_id);

    CREATE TABLE operators (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        key_hash BLOB NOT NULL UNIQUE,
        enabled INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0,1)),
        created_at INTEGER NOT NULL
    ) STRICT;

    -- Every entry of `activity.list` but a plain purchase's: since v7 that one is read from the purchase's
    -- purchase_members row (SchemaV7); the rows of type 'purchase' here are those of purchases made before v7.
    CREATE TABLE activity_log (
        id INTEGER PRIMARY KEY,
        created_at INTEGER NOT NULL,
        member_id INTEGER REFERENCES members (id),
        grp TEXT NOT NULL CHECK (grp = 'benefits' OR grp = 'app' OR grp = 'legal_membership' OR grp = 'communication' OR grp = 'purchase'),
        type TEXT NOT NULL,
        source TEXT NOT NULL CHECK (source = 'pos' OR source = 'operator' OR source = 'system'),
        branch_id TEXT,
        pos_id TEXT,
        transaction_id TEXT,
        operator_id INTEGER REFERENCES operators (id),
        details TEXT CHECK (details IS NULL OR json_valid(details))
    ) STRICT;
    CREATE INDEX activity_log_member ON activity_log (member_id, created_at) WHERE member_id IS NOT NULL;
    -- No index on created_at alone: nothing lists activity across members, and every purchase would maintain it.

    """

    /// Contains-search over names and in-use identifiers (FTS5 trigram, SQLite >= 3.34), kept in step by triggers.
    /// Query with `member_search MATCH '"text"'` (3+ characters) or `names LIKE '%text%'` (uses the trigram index).
    static let search = """
    -- columnsize=0: no per-row token counts (used only for bm25 ranking, which search does not use).
    CREATE VIRTUAL TABLE member_search USING fts5 (names, identifiers, tokenize = 'trigram', columnsize = 0);
    -- Imports index their members themselves, once all identifiers are in (see `MemberRows.indexForSearch`):
    -- FTS5 flushes its pending index at every update of a row it holds, so one insert per member is ~3× faster.
    CREATE TRIGGER members_search_insert AFTER INSERT ON members WHEN new.registration_source <> 'import' BEGIN
        INSERT INTO member_search (rowid, names, identifiers)
        VALUES (new.id, trim(coalesce(new.first_name, '') || ' ' || coalesce(new.last_name, '')), '');
    END;
    CREATE TRIGGER members_search_names AFTER UPDATE OF first_name, last_name ON members BEGIN
        UPDATE member_search SET names = trim(coalesce(new.first_name, '') || ' ' || coalesce(new.last_name, ''))
        WHERE rowid = new.id;
    END;
    -- WHEN: a member whose id is above every search rowid has no search row, so the UPDATE would change nothing. Imports
    -- insert identifiers before their new members' search rows and skip it (the trigger's FTS5 look-up was ~4 % of them).
    CREATE TRIGGER identifiers_search_insert AFTER INSERT ON member_identifiers
    WHEN new.member_id <= (SELECT max(rowid) FROM member_search_content) BEGIN
        UPDATE member_search SET identifiers = (SELECT coalesce(group_concat(value, ' '), '') FROM member_identifiers
            WHERE member_id = new.member_id AND released_at IS NULL) WHERE rowid = new.member_id;
    END;
    CREATE TRIGGER identifiers_search_update AFTER UPDATE OF value, released_at ON member_identifiers BEGIN
        UPDATE member_search SET identifiers = (SELECT coalesce(group_concat(value, ' '), '') FROM member_identifiers
            WHERE member_id = new.member_id AND released_at IS NULL) WHERE rowid = new.member_id;
    END;
    """
}
