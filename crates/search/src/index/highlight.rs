//! Highlights: the title and a description snippet with the words that matched the query in
//! `<em>…</em>` (the rest HTML-escaped). Matching follows the query's own rules — same word,
//! same English or French stem, within the allowed typos, or, for the last query word, a
//! prefix — so what is highlighted is what made the hit match. Computed for the page only.

use std::collections::HashMap;

use tantivy::tokenizer::{Language, TextAnalyzer, TokenStream};

use super::query::typos;
use super::{raw_analyzer, stemming_analyzer};

/// A query's words in the forms the text is compared with.
pub struct Matcher {
    words: Vec<Word>,
    raw: TextAnalyzer,
    en: TextAnalyzer,
    fr: TextAnalyzer,
    /// Tokens already decided.
    seen: HashMap<String, bool>,
}

struct Word {
    raw: String,
    en: String,
    fr: String,
    typos: usize,
    prefix: bool,
}

/// Characters of description shown around the first match.
const SNIPPET_CHARS: usize = 160;

fn first(analyzer: &mut TextAnalyzer, text: &str) -> String {
    let mut stream = analyzer.token_stream(text);
    if stream.advance() { stream.token().text.clone() } else { String::new() }
}

impl Matcher {
    pub fn new(q: &str) -> Self {
        let (mut raw, mut en, mut fr) =
            (raw_analyzer(), stemming_analyzer(Language::English), stemming_analyzer(Language::French));
        let mut words = Vec::new();
        let mut stream = raw.token_stream(q);
        while stream.advance() {
            let w = stream.token().text.clone();
            words.push(Word {
                typos: usize::from(typos(w.chars().count())),
                prefix: false,
                en: String::new(),
                fr: String::new(),
                raw: w,
            });
        }
        drop(stream);
        for w in &mut words {
            w.en = first(&mut en, &w.raw);
            w.fr = first(&mut fr, &w.raw);
        }
        if let Some(last) = words.last_mut() {
            last.prefix = true;
        }
        Self { words, raw, en, fr, seen: HashMap::new() }
    }

    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    /// Whether `token` matches a word; remembered per token, as a page's texts repeat their
    /// words and stemming is the costly part.
    fn matches(&mut self, token: &str) -> bool {
        if let Some(&known) = self.seen.get(token) {
            return known;
        }
        let cheap = self.words.iter().any(|w| w.raw == token || (w.prefix && token.starts_with(&w.raw)));
        let matched = cheap || {
            let (en, fr) = (first(&mut self.en, token), first(&mut self.fr, token));
            self.words.iter().any(|w| {
                (!w.en.is_empty() && w.en == en)
                    || (!w.fr.is_empty() && w.fr == fr)
                    || (w.typos > 0 && edits(&w.raw, token) <= w.typos)
            })
        };
        self.seen.insert(token.to_owned(), matched);
        matched
    }

    /// Byte ranges of `text` that match.
    fn ranges(&mut self, text: &str) -> Vec<(usize, usize)> {
        let mut tokens = Vec::new();
        let mut stream = self.raw.token_stream(text);
        while stream.advance() {
            let t = stream.token();
            tokens.push((t.offset_from, t.offset_to, t.text.clone()));
        }
        drop(stream);
        tokens.into_iter().filter(|(_, _, t)| self.matches(t)).map(|(a, b, _)| (a, b)).collect()
    }

    /// `text` with its matches emphasised (escaped), if any matched.
    pub fn title(&mut self, text: &str) -> Option<String> {
        let ranges = self.ranges(text);
        (!ranges.is_empty()).then(|| mark(text, &ranges))
    }

    /// About [`SNIPPET_CHARS`] characters of `text` from shortly before its first match.
    pub fn snippet(&mut self, text: &str) -> Option<String> {
        let ranges = self.ranges(text);
        let &(start, _) = ranges.first()?;
        let from = text[..start].char_indices().rev().nth(40).map_or(0, |(i, _)| i);
        let to = text[from..].char_indices().nth(SNIPPET_CHARS).map_or(text.len(), |(i, _)| from + i);
        let inside: Vec<(usize, usize)> =
            ranges.iter().filter(|(a, b)| *a >= from && *b <= to).map(|(a, b)| (a - from, b - from)).collect();
        let mut out = mark(&text[from..to], &inside);
        if from > 0 {
            out.insert(0, '…');
        }
        if to < text.len() {
            out.push('…');
        }
        Some(out)
    }
}

fn escape(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
}

pub(crate) fn mark(text: &str, ranges: &[(usize, usize)]) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    let mut at = 0;
    for &(a, b) in ranges {
        escape(&text[at..a], &mut out);
        out.push_str("<em>");
        escape(&text[a..b], &mut out);
        out.push_str("</em>");
        at = b;
    }
    escape(&text[at..], &mut out);
    out
}

/// Damerau (optimal string alignment) edit distance, on characters.
fn edits(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    if a.len().abs_diff(b.len()) > 2 {
        return usize::MAX;
    }
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[i - 1][j] + 1).min(d[i][j - 1] + 1).min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = v;
        }
    }
    d[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edits_count_a_transposition_as_one() {
        assert_eq!(edits("apartmnt", "apartment"), 1);
        assert_eq!(edits("apartemnt", "apartment"), 1);
        assert_eq!(edits("apartemnt", "appartement"), 2);
        assert_eq!(edits("hose", "house"), 1);
    }

    #[test]
    fn matches_are_marked_and_the_rest_escaped() {
        let mut m = Matcher::new("apartmnt pari");
        assert_eq!(
            m.title("Flat & <apartment> in Paris").as_deref(),
            Some("Flat &amp; &lt;<em>apartment</em>&gt; in <em>Paris</em>")
        );
        assert_eq!(m.title("Lyon house"), None);
        let long = format!("{} a quiet apartment {}", "word ".repeat(60), "tail ".repeat(60));
        let s = m.snippet(&long).unwrap();
        assert!(s.starts_with('…') && s.ends_with('…') && s.contains("<em>apartment</em>"), "{s}");
    }
}
