//! Keywords and topics, offline.
//!
//! Keywords are RAKE's (Rose et al., 2010): the text is cut into candidate phrases at stop
//! words and punctuation; each word scores its degree (the lengths of the phrases it is in)
//! over its frequency, and a phrase the sum of its words' scores. Phrases seen more than once
//! are kept once; the best ten are returned with how often they occur.
//!
//! Topics are the documented themes of listing descriptions and reviews
//! (`crates/ai/data/analysis-topics.txt`: cleanliness, location, value, staff, comfort, noise,
//! food, amenities), each a list of English and French cues (`clean*` matches words starting
//! `clean`). A text's topics are those whose cues occur, with their share of the cue hits, the
//! cues found, and the sentiment of the sentences that mention them.

use std::collections::HashMap;
use std::sync::LazyLock;

use serde::Serialize;

use super::lexicon::{self, Language, Token, round3};

/// A phrase of the text and its RAKE score.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Keyword {
    pub phrase: String,
    pub score: f64,
    pub count: u32,
}

const MAX_KEYWORDS: usize = 10;
const MAX_PHRASE_WORDS: usize = 4;

/// The candidate phrases: runs of tokens that are not stop words (nor bare numbers), cut at
/// sentence ends too, at most four words.
fn candidates(tokens: &[Token], language: Language) -> Vec<Vec<String>> {
    let stop = &lexicon::lexicon(language).stopwords;
    let mut phrases: Vec<Vec<String>> = Vec::new();
    let mut current: Vec<String> = Vec::new();
    let mut sentence = 0;
    for t in tokens {
        let breaks = t.sentence != sentence
            || stop.contains(&t.word)
            || t.word.chars().all(|c| c.is_numeric())
            || t.word.chars().count() < 2
            || current.len() == MAX_PHRASE_WORDS;
        sentence = t.sentence;
        if breaks && !current.is_empty() {
            phrases.push(std::mem::take(&mut current));
        }
        if !(stop.contains(&t.word) || t.word.chars().all(|c| c.is_numeric()) || t.word.chars().count() < 2) {
            current.push(t.word.clone());
        }
    }
    if !current.is_empty() {
        phrases.push(current);
    }
    phrases
}

pub fn keywords(text: &str, language: Language) -> Vec<Keyword> {
    let phrases = candidates(&lexicon::tokenize(text), language);
    let mut frequency: HashMap<&str, f64> = HashMap::new();
    let mut degree: HashMap<&str, f64> = HashMap::new();
    for p in &phrases {
        for w in p {
            *frequency.entry(w).or_default() += 1.0;
            *degree.entry(w).or_default() += p.len() as f64;
        }
    }
    let mut out: Vec<Keyword> = Vec::new();
    for p in &phrases {
        let phrase = p.join(" ");
        if let Some(k) = out.iter_mut().find(|k| k.phrase == phrase) {
            k.count += 1;
            continue;
        }
        let score = p.iter().map(|w| degree[w.as_str()] / frequency[w.as_str()]).sum::<f64>();
        out.push(Keyword { phrase, score: round3(score), count: 1 });
    }
    out.sort_by(|a, b| b.score.total_cmp(&a.score).then(b.count.cmp(&a.count)).then(a.phrase.cmp(&b.phrase)));
    out.truncate(MAX_KEYWORDS);
    out
}

/// The documented topics and their cues.
pub static TOPICS: LazyLock<Vec<(String, Vec<String>)>> = LazyLock::new(|| {
    include_str!("../../data/analysis-topics.txt")
        .lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .filter_map(|l| l.split_once(':'))
        .map(|(name, cues)| (name.trim().to_owned(), cues.split_whitespace().map(str::to_lowercase).collect()))
        .collect()
});

fn matches(cue: &str, word: &str) -> bool {
    match cue.strip_suffix('*') {
        Some(prefix) => word.starts_with(prefix),
        None => cue == word,
    }
}

/// A topic a text is about.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Topic {
    pub topic: String,
    /// Share of the text's cue hits (the topics' scores add up to 1).
    pub score: f64,
    /// The words that matched its cues.
    pub matches: Vec<String>,
    /// The sentiment (−1..1) of the sentences that mention it.
    pub sentiment: f64,
}

pub fn classify(text: &str, language: Language) -> Vec<Topic> {
    let tokens = lexicon::tokenize(text);
    let mut hits: Vec<(String, Vec<String>, Vec<usize>)> = Vec::new();
    for (topic, cues) in TOPICS.iter() {
        let found: Vec<&Token> = tokens.iter().filter(|t| cues.iter().any(|c| matches(c, &t.word))).collect();
        if found.is_empty() {
            continue;
        }
        let mut words: Vec<String> = found.iter().map(|t| t.word.clone()).collect();
        words.dedup();
        let mut sentences: Vec<usize> = found.iter().map(|t| t.sentence).collect();
        sentences.dedup();
        hits.push((topic.clone(), words, sentences));
    }
    let total: usize = hits.iter().map(|h| h.1.len()).sum();
    let sentences = split_sentences(&tokens);
    let mut topics: Vec<Topic> = hits
        .into_iter()
        .map(|(topic, matches, at)| {
            let text: Vec<&str> = at.iter().filter_map(|s| sentences.get(*s).map(String::as_str)).collect();
            let sentiment = lexicon::sentiment(&text.join(". "), Some(language)).score;
            Topic { topic, score: round3(matches.len() as f64 / total.max(1) as f64), matches, sentiment }
        })
        .collect();
    topics.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.topic.cmp(&b.topic)));
    topics
}

/// The text's sentences, rebuilt from its tokens (sentence `i` at index `i`).
fn split_sentences(tokens: &[Token]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for t in tokens {
        while out.len() <= t.sentence {
            out.push(String::new());
        }
        let s = &mut out[t.sentence];
        if !s.is_empty() {
            s.push(' ');
        }
        s.push_str(&t.word);
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn rake_prefers_long_content_phrases() {
        let k = keywords(
            "The apartment has a stunning sea view and a fully equipped kitchen. The sea view is the best part.",
            Language::En,
        );
        assert_eq!(k[0].phrase, "fully equipped kitchen", "{k:?}");
        let view = k.iter().find(|k| k.phrase == "stunning sea view").unwrap();
        assert_eq!(view.count, 1);
        assert!(k.iter().all(|k| !k.phrase.split(' ').any(|w| w == "the" || w == "and")));
    }

    #[test]
    fn topics_with_their_sentiment() {
        let t = classify("Very clean flat, spotless bathroom. But the street was noisy at night.", Language::En);
        let names: Vec<&str> = t.iter().map(|t| t.topic.as_str()).collect();
        assert!(names.contains(&"cleanliness") && names.contains(&"noise") && names.contains(&"amenities"), "{t:?}");
        let clean = t.iter().find(|t| t.topic == "cleanliness").unwrap();
        assert!(clean.sentiment > 0.0);
        assert!(t.iter().find(|t| t.topic == "noise").unwrap().sentiment < 0.0);
        assert!((t.iter().map(|t| t.score).sum::<f64>() - 1.0).abs() < 0.01);
        assert_eq!(TOPICS.len(), 8);
        assert!(classify("Le petit-déjeuner était délicieux", Language::Fr).iter().any(|t| t.topic == "food"));
    }
}
