//! Contact details in guest ↔ host messages before a booking is confirmed: email addresses
//! (also written out as "name at domain dot com", "name [at] domain [dot] com") and phone
//! numbers (international `+33 6 12 34 56 78`, local `06.12.34.56.78`, `(555) 123-4567`) are
//! found and replaced in what the other party reads, so that bookings stay on the platform.
//! Dates (`2027-01-04`, `04.01.2027`), prices and booking references (`DS-12345678`) are left
//! alone. Ranges are in characters (Unicode scalar values) of the text.

use serde::Serialize;

/// What replaces each hidden range in the text the other party reads.
pub const HIDDEN: &str = "[contact details hidden]";

/// A hidden range, `start..end` in characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct Range {
    pub start: usize,
    pub end: usize,
}

/// The text with every range replaced by [`HIDDEN`].
pub fn apply(text: &str, ranges: &[Range]) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for r in ranges {
        out.extend(chars.get(at..r.start).unwrap_or_default());
        out.push_str(HIDDEN);
        at = r.end;
    }
    out.extend(chars.get(at..).unwrap_or_default());
    out
}

/// Every contact detail in `text`, sorted and without overlaps.
pub fn detect(text: &str) -> Vec<Range> {
    let chars: Vec<char> = text.chars().collect();
    let mut found = emails(&chars);
    found.extend(phones(&chars));
    found.sort_by_key(|r| (r.start, r.end));
    let mut merged: Vec<Range> = Vec::new();
    for r in found {
        match merged.last_mut() {
            Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
            _ => merged.push(r),
        }
    }
    merged
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Word(String),
    Sym(char),
}

struct Token {
    tok: Tok,
    start: usize,
    end: usize,
    /// Whitespace right before it.
    spaced: bool,
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '%' | '+' | '-')
}

fn tokens(chars: &[char]) -> Vec<Token> {
    let mut out = Vec::new();
    let mut i = 0;
    let mut spaced = false;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            spaced = true;
            i += 1;
        } else if is_word(c) {
            let start = i;
            while i < chars.len() && is_word(chars[i]) {
                i += 1;
            }
            out.push(Token { tok: Tok::Word(chars[start..i].iter().collect()), start, end: i, spaced });
            spaced = false;
        } else {
            out.push(Token { tok: Tok::Sym(c), start: i, end: i + 1, spaced });
            spaced = false;
            i += 1;
        }
    }
    out
}

/// How a marker was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Written {
    Symbol,
    /// The plain word ("at", "dot"): common in prose, so it needs more evidence.
    Word,
    /// In brackets: "[at]", "(dot)".
    Bracketed,
}

/// A marker standing for `@` or `.` at token `p`: the position after it and how it was written.
fn marker(toks: &[Token], p: usize, symbol: char, word: &str) -> Option<(usize, Written)> {
    let is_word = |t: &Token| matches!(&t.tok, Tok::Word(w) if w.eq_ignore_ascii_case(word));
    let first = toks.get(p)?;
    if first.tok == Tok::Sym(symbol) {
        return Some((p + 1, Written::Symbol));
    }
    if is_word(first) {
        return Some((p + 1, Written::Word));
    }
    let close = match first.tok {
        Tok::Sym('[') => ']',
        Tok::Sym('(') => ')',
        Tok::Sym('{') => '}',
        Tok::Sym('<') => '>',
        _ => return None,
    };
    let inner = toks.get(p + 1)?;
    let closed = toks.get(p + 2).is_some_and(|t| t.tok == Tok::Sym(close));
    ((is_word(inner) || inner.tok == Tok::Sym(symbol)) && closed).then_some((p + 3, Written::Bracketed))
}

fn word(toks: &[Token], p: usize) -> Option<&str> {
    match &toks.get(p)?.tok {
        Tok::Word(w) => Some(w),
        Tok::Sym(_) => None,
    }
}

fn is_tld(w: &str, strict: bool) -> bool {
    let letters = w.chars().all(|c| c.is_ascii_alphabetic()) && (2..=10).contains(&w.len());
    letters && (!strict || (w.len() <= 6 && w.chars().all(|c| c.is_ascii_lowercase())))
}

fn emails(chars: &[char]) -> Vec<Range> {
    let toks = tokens(chars);
    let mut out = Vec::new();
    let mut p = 0;
    while p < toks.len() {
        match email_at(&toks, p) {
            Some((end_tok, range)) => {
                out.push(range);
                p = end_tok;
            }
            None => p += 1,
        }
    }
    out
}

/// An address whose local part starts at token `p`: (token after it, its range).
fn email_at(toks: &[Token], p: usize) -> Option<(usize, Range)> {
    word(toks, p)?;
    let mut q = p + 1;
    // Dotted local parts: first.last, first dot last.
    while let Some((after, written)) = marker(toks, q, '.', "dot") {
        let tight = !toks.get(q)?.spaced && !toks.get(after).is_some_and(|t| t.spaced);
        if word(toks, after).is_none() || (written == Written::Symbol && !tight) {
            break;
        }
        q = after + 1;
    }
    let (after_at, at_written) = marker(toks, q, '@', "at")?;
    word(toks, after_at)?;
    let mut q = after_at + 1;
    let mut ends = Vec::new();
    let (mut spelled_dot, mut spaced_dot) = (false, false);
    while let Some((after, written)) = marker(toks, q, '.', "dot") {
        let Some(w) = word(toks, after) else { break };
        spelled_dot |= written != Written::Symbol;
        spaced_dot |= written == Written::Symbol && (toks.get(q)?.spaced || toks.get(after)?.spaced);
        ends.push((after + 1, w, spelled_dot, spaced_dot));
        q = after + 1;
    }
    // The longest run ending on something that reads as a top-level domain. A plain "at" is a
    // common word: then a plain dot must be tight and the domain look like one.
    ends.into_iter().rev().find_map(|(end, tld, spelled_dot, spaced_dot)| {
        let strict = at_written == Written::Word && !spelled_dot;
        let ok = is_tld(tld, strict) && !(strict && spaced_dot);
        ok.then(|| (end, Range { start: toks[p].start, end: toks[end - 1].end }))
    })
}

fn phones(chars: &[char]) -> Vec<Range> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        match phone_at(chars, i) {
            Some(Ok(range)) => {
                i = range.end;
                out.push(range);
            }
            Some(Err(end)) => i = end.max(i + 1),
            None => i += 1,
        }
    }
    out
}

fn is_separator(c: char) -> bool {
    matches!(c, ' ' | '.' | '-' | '(' | ')' | '\u{a0}')
}

/// A phone number starting at `i`: `Ok(range)`, `Err(end)` for a number-like run that is not
/// one (skip past it), `None` when nothing starts here.
fn phone_at(chars: &[char], i: usize) -> Option<Result<Range, usize>> {
    let at = |k: usize| chars.get(k).copied();
    let c = at(i)?;
    let digit_at = |k: usize| at(k).is_some_and(|c| c.is_ascii_digit());
    let plus = c == '+' && digit_at(i + 1);
    let paren = c == '(' && (digit_at(i + 1) || (at(i + 1) == Some('+') && digit_at(i + 2)));
    if !(c.is_ascii_digit() || plus || paren) {
        return None;
    }
    // Not inside a word or a reference: "DS-12345678", "ref12345678", "1,234,567,890".
    if let Some(prev) = i.checked_sub(1).and_then(at) {
        let before = i.checked_sub(2).and_then(at).is_some_and(char::is_alphanumeric);
        if prev.is_alphanumeric() || (matches!(prev, '-' | '/' | '.' | ',' | '#' | '_') && before) || prev == '#' {
            return None;
        }
    }
    let international = plus || (paren && at(i + 1) == Some('+'));
    let mut k = if plus {
        i + 1
    } else if paren {
        i + 1 + usize::from(international)
    } else {
        i
    };
    let mut groups: Vec<(usize, Option<char>)> = Vec::new(); // (digits, separator before)
    let mut sep: Option<char> = None;
    let mut end;
    loop {
        let start = k;
        while digit_at(k) {
            k += 1;
        }
        groups.push((k - start, sep));
        end = k;
        // A separator run of 1 to 3 characters, then more digits.
        let mut s = k;
        while s < chars.len() && s - k < 3 && at(s).is_some_and(is_separator) {
            s += 1;
        }
        if s > k && digit_at(s) {
            sep = if s - k == 1 { at(k) } else { Some(' ') };
            k = s;
        } else {
            break;
        }
    }
    let digits: usize = groups.iter().map(|g| g.0).sum();
    // Followed by a letter, a decimal comma or a time, or next to a currency: an amount, a
    // code or a time, not a phone.
    let money = |c: Option<char>| matches!(c, Some('%' | '€' | '$' | '£'));
    let next = at(end);
    let after_space = if next == Some(' ') { at(end + 1) } else { next };
    let before = i.checked_sub(1).and_then(at);
    let before_space = if before == Some(' ') { i.checked_sub(2).and_then(at) } else { before };
    let tail = next.is_some_and(char::is_alphanumeric)
        || (matches!(next, Some(',' | ':' | '/')) && digit_at(end + 1))
        || money(after_space)
        || money(before_space);
    let (low, high) = if international { (8, 15) } else { (9, 15) };
    if tail || !(low..=high).contains(&digits) || has_date(&groups) {
        return Some(Err(end));
    }
    Some(Ok(Range { start: i, end }))
}

/// Whether three consecutive groups read as a date: D.M.YYYY, D-M-YYYY or YYYY-MM-DD.
fn has_date(groups: &[(usize, Option<char>)]) -> bool {
    groups.windows(3).any(|w| {
        let (a, b, c) = (w[0].0, w[1].0, w[2].0);
        let same_sep = w[1].1 == w[2].1 && matches!(w[1].1, Some('.' | '-'));
        let dmy = (1..=2).contains(&a) && (1..=2).contains(&b) && c == 4;
        let ymd = a == 4 && (1..=2).contains(&b) && (1..=2).contains(&c);
        same_sep && (dmy || ymd)
    })
}

#[cfg(test)]
#[path = "mask_tests.rs"]
mod tests;
