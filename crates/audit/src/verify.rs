//! Verification: walks the chain in seq order, a page at a time, from the anchor (the last
//! entry retention pruned, or the start) to the head, recomputing every hash. It names the
//! first problem: an entry whose fields no longer match its hash (edited), a seq missing from
//! the dense run (deleted), an entry that does not link to the one before (rewritten), or a
//! head that does not match the last entry. Given a head recorded earlier, it also checks that
//! the chain still holds it: a rewrite of everything from some entry on, head included, is
//! consistent in itself and only a copy kept elsewhere reveals it.

use platform::db::{Db, DbError};
use serde::Serialize;

use crate::chain;
use crate::store::{self, Link};

/// Entries read per page.
const PAGE: u32 = 500;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProblemKind {
    /// The entry's fields do not hash to its stored hash.
    EditedEntry,
    /// A seq is missing from the dense run.
    MissingEntry,
    /// The entry's previous hash is not the hash of the entry before it.
    BrokenLink,
    /// The head does not name the last entry.
    HeadMismatch,
    /// A head recorded earlier (`known`) is no longer in the chain: everything up to it was
    /// rewritten, or it was never this chain's.
    KnownHeadMismatch,
}

impl ProblemKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ProblemKind::EditedEntry => "edited entry",
            ProblemKind::MissingEntry => "missing entry",
            ProblemKind::BrokenLink => "broken link",
            ProblemKind::HeadMismatch => "head mismatch",
            ProblemKind::KnownHeadMismatch => "known head mismatch",
        }
    }
}

/// The first thing wrong with the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Problem {
    /// The first bad seq.
    pub seq: i64,
    pub kind: ProblemKind,
    pub message: String,
}

/// A chain position as answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Position {
    pub seq: i64,
    pub hash: String,
}

impl Position {
    /// `SEQ:HASH` as verify prints a head (a 64-hex-digit SHA-256).
    pub fn parse(raw: &str) -> Option<Position> {
        let (seq, hash) = raw.trim().split_once(':')?;
        let seq: i64 = seq.parse().ok().filter(|s| *s >= 0)?;
        let hash = hash.to_ascii_lowercase();
        (hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit())).then_some(Position { seq, hash })
    }
}

impl From<&Link> for Position {
    fn from(l: &Link) -> Self {
        Position { seq: l.seq, hash: l.hash.clone() }
    }
}

/// What [`verify`] found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Verification {
    pub ok: bool,
    /// Entries checked (those after the anchor).
    pub entries: u64,
    /// The last entry checked (the anchor when none was).
    pub head: Position,
    /// Where the walk started.
    pub anchor: Position,
    pub problem: Option<Problem>,
}

/// Checks the whole chain of `db`, then that `known` — a head recorded earlier, kept
/// elsewhere — is still in it with the same hash: a chain rewritten from some entry on, head
/// included, verifies on its own but no longer holds the old head.
pub async fn verify_known(db: &Db, known: &Position) -> Result<Verification, DbError> {
    let mut found = verify(db).await?;
    if !found.ok {
        return Ok(found);
    }
    let at = if known.seq == found.anchor.seq {
        Some(found.anchor.hash.clone())
    } else if known.seq > found.anchor.seq && known.seq <= found.head.seq {
        store::after(db, known.seq - 1, 1).await?.into_iter().find(|e| e.seq == known.seq).map(|e| e.hash)
    } else {
        None
    };
    let message = match at {
        Some(hash) if hash == known.hash => return Ok(found),
        Some(hash) => format!("entry {} now hashes to {hash}, not the {} recorded", known.seq, known.hash),
        None if known.seq < found.anchor.seq => {
            format!("entry {} was pruned by retention (the chain starts after {})", known.seq, found.anchor.seq)
        }
        None => format!("entry {} is past the head ({}): the chain was cut back", known.seq, found.head.seq),
    };
    found.ok = false;
    found.problem = Some(Problem { seq: known.seq, kind: ProblemKind::KnownHeadMismatch, message });
    Ok(found)
}

/// Checks the whole chain of `db` (the audit context's database).
pub async fn verify(db: &Db) -> Result<Verification, DbError> {
    let mut anchor = store::anchor(db).await?;
    // Retention may move the anchor during a walk, making its start look deleted: walk again
    // from the new anchor then.
    for _ in 0..3 {
        let found = walk(db, &anchor).await?;
        let now = store::anchor(db).await?;
        if found.ok || now == anchor {
            return Ok(found);
        }
        anchor = now;
    }
    walk(db, &anchor).await
}

async fn walk(db: &Db, anchor: &Link) -> Result<Verification, DbError> {
    let mut last = anchor.clone();
    let mut entries = 0u64;
    let done = |last: &Link, entries: u64, problem: Option<Problem>| Verification {
        ok: problem.is_none(),
        entries,
        head: Position::from(last),
        anchor: Position::from(anchor),
        problem,
    };
    let problem = |seq: i64, kind: ProblemKind, message: String| Some(Problem { seq, kind, message });
    let mut page = store::after(db, last.seq, PAGE).await?;
    loop {
        if page.is_empty() {
            let head = store::head(db).await?;
            if head.seq > last.seq {
                // Appended since the last page, or missing at the tail.
                page = store::after(db, last.seq, PAGE).await?;
                if page.is_empty() {
                    let message = format!("entries {} to {} (the head) are missing", last.seq + 1, head.seq);
                    return Ok(done(&last, entries, problem(last.seq + 1, ProblemKind::MissingEntry, message)));
                }
                continue;
            }
            if head != last {
                let message =
                    format!("the head names entry {} ({}), the last entry is {}", head.seq, head.hash, last.seq);
                return Ok(done(&last, entries, problem(last.seq, ProblemKind::HeadMismatch, message)));
            }
            return Ok(done(&last, entries, None));
        }
        for e in &page {
            let expected = last.seq + 1;
            if e.seq != expected {
                let message = if e.seq == expected + 1 {
                    format!("entry {expected} is missing")
                } else {
                    format!("entries {expected} to {} are missing", e.seq - 1)
                };
                return Ok(done(&last, entries, problem(expected, ProblemKind::MissingEntry, message)));
            }
            if chain::seal(&e.prev_hash, e).as_deref() != Some(e.hash.as_str()) {
                let message = format!("entry {} does not match its hash: it was edited", e.seq);
                return Ok(done(&last, entries, problem(e.seq, ProblemKind::EditedEntry, message)));
            }
            if e.prev_hash != last.hash {
                let message = format!("entry {} does not link to entry {}: one of them was rewritten", e.seq, last.seq);
                return Ok(done(&last, entries, problem(e.seq, ProblemKind::BrokenLink, message)));
            }
            last = Link { seq: e.seq, hash: e.hash.clone() };
            entries += 1;
        }
        page = store::after(db, last.seq, PAGE).await?;
    }
}
