// The schema steps after v1 (`Schema.migrations`), each a released migration: append only, never edited.

/// Schema v2: where the store stands in its journal.
enum SchemaV2 {
    static let journalPosition = """
    -- The LSN of the last journal record whose effects this database holds, written in the same transaction as those
    -- effects: start-up replays the journal records after it.
    CREATE TABLE journal_position (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        applied_lsn INTEGER NOT NULL CHECK (applied_lsn >= 0),
        -- Batches too large for a journal record are made durable by a small commit that SQLite fsyncs: it counts
        -- here (a commit that changes nothing would write no page, and SQLite would have nothing to sync).
        sqlite_synced_batches INTEGER NOT NULL DEFAULT 0
    ) STRICT;
    INSERT INTO journal_position (id, applied_lsn) VALUES (1, 0);
    """
}

/// Schema v3: the SQL texts journal records refer to by number (`StatementDictionary`).
enum SchemaV3 {
    static let journalStatements = """
    CREATE TABLE journal_statements (
        id INTEGER PRIMARY KEY CHECK (id > 0),
        sql TEXT NOT NULL UNIQUE
    ) STRICT;
    """
}

/// Schema v4: a purchase adds its member's spend and visit to its `purchase_members` row instead of rewriting the
/// member's row (`MemberCounters`).
enum SchemaV4 {
    static let memberCounters = """
    -- The spend and visit this purchase gave the member (zero on rows of purchases made before v4: theirs are in the
    -- member's base), less what voids and returns took back while the purchase was not folded yet.
    ALTER TABLE purchase_members ADD COLUMN spend INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE purchase_members ADD COLUMN visits INTEGER NOT NULL DEFAULT 0;
    -- members.lifetime_spend and visit_count hold every purchase with a row id up to this; later ones are summed from
    -- purchase_members. members.updated_at is the profile's last change: purchases and reversals no longer set it.
    ALTER TABLE members ADD COLUMN counted_through INTEGER NOT NULL DEFAULT 0;
    """
}

/// Schema v5: a posting adds ledger rows without rewriting the wallet's row (`WalletTotals`).
enum SchemaV5 {
    static let walletBalances = """
    -- wallets.balance and pending hold every ledger row of the wallet with an id up to this; later ones are summed
    -- from ledger_wallet_rows (none of them pending: a posting that involves pending points writes the wallet's row).
    ALTER TABLE wallets ADD COLUMN counted_through INTEGER NOT NULL DEFAULT 0;
    UPDATE wallets SET counted_through = (SELECT coalesce(max(id), 0) FROM ledger);
    -- Ordered by id within the wallet, covering the delta (the rows after the fold point) and the maturity (a
    -- wallet's pending points): it replaces ledger_wallet (wallet, maturity), one index paid by every posting.
    DROP INDEX ledger_wallet;
    CREATE INDEX ledger_wallet_rows ON ledger (wallet_id, id, delta, available_at);
    """
}

/// Schema v6: a purchase puts its punches on its `purchase_members` row instead of rewriting the card's row
/// (`CardPunches`). Every card of a v5 store holds its exact count: nothing is left to fold.
enum SchemaV6 {
    static let cardPunches = """
    -- The card this purchase punched for the member and how many punches it added, when the card's row was not
    -- written (the card stayed active): NULL and 0 otherwise, and on the rows of purchases made before v6.
    ALTER TABLE purchase_members ADD COLUMN punch_benefit_id INTEGER REFERENCES member_benefits (id);
    ALTER TABLE purchase_members ADD COLUMN punches INTEGER NOT NULL DEFAULT 0 CHECK (punches >= 0);
    -- member_benefits.punches holds every punch on purchase rows up to this (or up to the member's counted_through,
    -- whichever is later); later ones are summed from purchase_members.
    ALTER TABLE member_benefits ADD COLUMN punched_through INTEGER NOT NULL DEFAULT 0;
    """
}

/// Schema v7: a purchase's entry in its members' activity is read from its `purchase_members` rows instead of being
/// written to `activity_log` (`MemberActivity`): the log's index was a random page per member of every purchase.
/// Nothing is moved: the rows of purchases made before v7 keep their entries in `activity_log` (entry_after NULL),
/// so an old entry reads back exactly as it was written and the migration writes no row.
enum SchemaV7 {
    static let purchaseEntries = """
    -- The points and credit the purchase moved for the member: the sum of the member's ledger rows of the purchase,
    -- per wallet. Written once by the purchase; voids and returns never change them (their own entries say what they
    -- took back). Zero on the rows of purchases made before v7.
    ALTER TABLE purchase_members ADD COLUMN points_delta INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE purchase_members ADD COLUMN credit_delta INTEGER NOT NULL DEFAULT 0;
    -- The id of the last activity_log row written before the purchase (0: none): the purchase's entry is listed as if
    -- it were the log's next row, after it and before every later row of the same millisecond (its redemption and
    -- completion entries among them). NULL on the rows of purchases made before v7: their entry is an activity_log
    -- row of type 'purchase'.
    ALTER TABLE purchase_members ADD COLUMN entry_after INTEGER;
    """
}

/// Schema v8: a purchase's ledger rows are summed into its wallets from its members' `purchase_members` rows (the
/// points and credit each moved, written since v7) instead of from an index entry per ledger row (`WalletTotals`):
/// that entry was a random page per member of every purchase, 47 % of the WAL frames a purchase committed
/// (bench/journal.md). Every wallet is folded first, so the rows of purchases made before v8 (whose member rows may
/// carry zero) are in its base.
enum SchemaV8 {
    static let purchaseMoves = """
    -- wallets.balance and pending hold every ledger row of the wallet with an id up to counted_through, and with them
    -- every purchase up to this one: later purchases' moves are summed from purchase_members, later rows of anything
    -- else (voids, returns, adjustments, imports) from ledger_wallet_rows.
    ALTER TABLE wallets ADD COLUMN purchases_through INTEGER NOT NULL DEFAULT 0;
    UPDATE wallets SET
        balance = balance + (SELECT coalesce(sum(l.delta), 0) FROM ledger l WHERE l.wallet_id = wallets.id AND l.id > wallets.counted_through),
        counted_through = (SELECT coalesce(max(id), 0) FROM ledger),
        purchases_through = (SELECT coalesce(max(id), 0) FROM purchases);
    -- Rows of anything but a purchase, ordered by id within the wallet: the later rows a reader sums.
    DROP INDEX ledger_wallet_rows;
    CREATE INDEX ledger_wallet_rows ON ledger (wallet_id, id, delta, available_at) WHERE purchase_id IS NULL;
    -- A purchase's rows (a member's ledger, the wallet history): purchase ids only grow, so a purchase adds to the
    -- index's last page, not to a random one.
    CREATE INDEX ledger_purchase ON ledger (purchase_id) WHERE purchase_id IS NOT NULL;
    -- A wallet's pending points (rows with a maturity: none in a shop without pending days).
    CREATE INDEX ledger_pending ON ledger (wallet_id, available_at, delta) WHERE available_at IS NOT NULL;
    """
}

/// Schema v9: a purchase reads its member's wallets with their bases from an index alone, instead of an index entry
/// and then a random table row per wallet (bench/journal.md, "A member's wallets from a covering index").
enum SchemaV9 {
    static let walletBases = """
    -- A member's wallets with their bases (`WalletTotals.read`): written when a wallet is created or folded (one
    -- purchase of its member in 64), read by every purchase of a member not held in memory.
    CREATE INDEX wallets_bases ON wallets (member_id, kind, id, balance, pending, counted_through, purchases_through);
    """
}
