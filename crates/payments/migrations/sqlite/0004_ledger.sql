-- The split of each reservation's money, from booking's events, for the ledger.
ALTER TABLE payables ADD COLUMN host_id BLOB;
ALTER TABLE payables ADD COLUMN host_payout BIGINT NOT NULL DEFAULT 0;
ALTER TABLE payables ADD COLUMN platform_revenue BIGINT NOT NULL DEFAULT 0;
ALTER TABLE payables ADD COLUMN taxes BIGINT NOT NULL DEFAULT 0;

-- Double-entry ledger: every money movement is a journal whose entries sum to zero. Amounts
-- are signed minor units: debits positive, credits negative. Balances are sums of entries.
CREATE TABLE ledger_journals (
    id BLOB NOT NULL PRIMARY KEY,
    kind TEXT NOT NULL,
    reference TEXT NOT NULL,
    reservation_id BLOB,
    currency TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX ledger_journals_reference ON ledger_journals (kind, reference);

CREATE TABLE ledger_entries (
    journal_id BLOB NOT NULL,
    account TEXT NOT NULL,
    amount BIGINT NOT NULL,
    currency TEXT NOT NULL
);
CREATE INDEX ledger_entries_journal ON ledger_entries (journal_id);
CREATE INDEX ledger_entries_account ON ledger_entries (account, currency);
