//! Lexicon sentiment, offline: English and French word lists written for reviews of stays,
//! meals and outings (`crates/ai/data/analysis-sentiment-{en,fr}.txt`, compiled in). A word's
//! valence (−4..4, VADER's scale) is scaled by an intensifier or dampener just before it
//! ("very clean", "un peu bruyant"), flipped and damped (× −0.74) by a negator up to three
//! words before it in the same sentence ("not clean", "pas propre", "n'était pas mal"), and
//! weighted 1.5 after a contrast word ("…, but the bed was awful") and 0.5 before it. The sum
//! `s` becomes a score in −1..1 as `s / sqrt(s² + 15)`; `positive` from 0.05, `negative` from
//! −0.05. The phrases that decided are returned with what each contributed, so the answer
//! can be checked by reading the text.

use std::collections::HashMap;
use std::sync::LazyLock;

use serde::Serialize;

/// A language the offline tools know.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    En,
    Fr,
}

impl Language {
    pub fn code(self) -> &'static str {
        match self {
            Language::En => "en",
            Language::Fr => "fr",
        }
    }

    /// `en`, `fr`, or a tag starting with one (`fr-CA`); `None` for any other.
    pub fn parse(raw: &str) -> Option<Language> {
        let primary = raw.trim().split(['-', '_']).next().unwrap_or_default().to_ascii_lowercase();
        match primary.as_str() {
            "en" => Some(Language::En),
            "fr" => Some(Language::Fr),
            _ => None,
        }
    }
}

/// One language's word lists.
#[derive(Debug, Default)]
pub struct Lexicon {
    pub words: HashMap<String, f64>,
    pub negators: HashMap<String, f64>,
    pub intensifiers: HashMap<String, f64>,
    pub contrast: HashMap<String, f64>,
    pub stopwords: std::collections::HashSet<String>,
}

/// Parses the `[section]` / `word value` format; malformed lines are skipped (the unit tests
/// check that the shipped files have none).
fn parse(text: &str, stopwords: &str) -> Lexicon {
    let mut lexicon = Lexicon::default();
    let mut section = "";
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')) {
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = match name {
                "words" => "words",
                "negators" => "negators",
                "intensifiers" => "intensifiers",
                "contrast" => "contrast",
                _ => "",
            };
            continue;
        }
        let mut parts = line.split_whitespace();
        let (Some(word), value) = (parts.next(), parts.next().and_then(|v| v.parse::<f64>().ok())) else { continue };
        let map = match section {
            "words" => &mut lexicon.words,
            "negators" => &mut lexicon.negators,
            "intensifiers" => &mut lexicon.intensifiers,
            "contrast" => &mut lexicon.contrast,
            _ => continue,
        };
        map.insert(word.to_lowercase(), value.unwrap_or(1.0));
    }
    lexicon.stopwords = stopwords
        .lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .flat_map(str::split_whitespace)
        .map(str::to_lowercase)
        .collect();
    lexicon
}

static EN: LazyLock<Lexicon> = LazyLock::new(|| {
    parse(include_str!("../../data/analysis-sentiment-en.txt"), include_str!("../../data/analysis-stopwords-en.txt"))
});
static FR: LazyLock<Lexicon> = LazyLock::new(|| {
    parse(include_str!("../../data/analysis-sentiment-fr.txt"), include_str!("../../data/analysis-stopwords-fr.txt"))
});

pub fn lexicon(language: Language) -> &'static Lexicon {
    match language {
        Language::En => &EN,
        Language::Fr => &FR,
    }
}

/// A word of a text and the sentence it is in.
#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    pub word: String,
    pub sentence: usize,
}

/// Lower-case words (letters, digits, inner hyphens), with their sentence (`.`, `!`, `?`, `;`
/// and line breaks end one). English `n't` becomes ` not`; apostrophes split (`n'était` →
/// `n`, `était`).
pub fn tokenize(text: &str) -> Vec<Token> {
    let lower = text.to_lowercase().replace("n't", " not").replace("n’t", " not");
    let mut tokens = Vec::new();
    let mut sentence = 0;
    let mut word = String::new();
    let flush = |word: &mut String, sentence: usize, tokens: &mut Vec<Token>| {
        let trimmed = word.trim_matches('-');
        if !trimmed.is_empty() {
            tokens.push(Token { word: trimmed.to_owned(), sentence });
        }
        word.clear();
    };
    for c in lower.chars() {
        if c.is_alphanumeric() || (c == '-' && !word.is_empty()) {
            word.push(c);
        } else {
            flush(&mut word, sentence, &mut tokens);
            if matches!(c, '.' | '!' | '?' | ';' | '\n') && tokens.last().is_some_and(|t| t.sentence == sentence) {
                sentence += 1;
            }
        }
    }
    flush(&mut word, sentence, &mut tokens);
    tokens
}

/// The language of `text` among those known: the one whose stop words it uses most (French
/// also counts accented letters); English on a tie.
pub fn detect(text: &str) -> Language {
    let tokens = tokenize(text);
    let hits = |l: Language| tokens.iter().filter(|t| lexicon(l).stopwords.contains(&t.word)).count();
    let accents = text.chars().filter(|c| "éèêàùçôîûëïœ".contains(*c)).count();
    if hits(Language::Fr) + accents / 2 > hits(Language::En) { Language::Fr } else { Language::En }
}

/// A phrase that moved the score and by how much.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Contribution {
    /// The sentiment word with the modifiers that changed it (`not very clean`).
    pub phrase: String,
    pub contribution: f64,
}

/// The sentiment of one text.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Sentiment {
    /// −1 (negative) .. 1 (positive).
    pub score: f64,
    /// `positive`, `neutral` or `negative`.
    pub label: &'static str,
    pub language: Language,
    /// Sentiment phrases found, positive and negative.
    pub positive: u32,
    pub negative: u32,
    /// The phrases that decided, strongest first (at most 8).
    pub words: Vec<Contribution>,
}

const NEGATION: f64 = -0.74;
const NEGATION_SCOPE: usize = 3;
const MAX_WORDS: usize = 8;

pub fn label(score: f64) -> &'static str {
    if score >= 0.05 {
        "positive"
    } else if score <= -0.05 {
        "negative"
    } else {
        "neutral"
    }
}

pub fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// The sentiment of `text` in `language` (detected when `None`).
pub fn sentiment(text: &str, language: Option<Language>) -> Sentiment {
    let language = language.unwrap_or_else(|| detect(text));
    let lex = lexicon(language);
    let tokens = tokenize(text);
    let valence = |i: usize| tokens.get(i).and_then(|t| lex.words.get(&t.word)).copied();
    let mut found: Vec<Contribution> = Vec::new();
    let (mut positive, mut negative) = (0, 0);
    for (i, token) in tokens.iter().enumerate() {
        let Some(mut v) = valence(i) else { continue };
        // A word that is also an intensifier modifies a sentiment word right after it.
        if lex.intensifiers.contains_key(&token.word) && valence(i + 1).is_some_and(|n| n != 0.0) {
            continue;
        }
        let same = |j: usize| tokens[j].sentence == token.sentence;
        let mut start = i;
        if let Some(j) =
            (i.saturating_sub(2)..i).rev().find(|&j| same(j) && lex.intensifiers.contains_key(&tokens[j].word))
        {
            v *= lex.intensifiers[&tokens[j].word];
            start = j;
        }
        if let Some(j) = (i.saturating_sub(NEGATION_SCOPE)..i)
            .rev()
            .find(|&j| same(j) && lex.negators.get(&tokens[j].word).is_some_and(|f| *f > 0.0))
        {
            v *= NEGATION;
            start = start.min(j);
        }
        let sentence: Vec<usize> = (0..tokens.len()).filter(|&j| same(j)).collect();
        if let Some(&c) = sentence.iter().find(|&&j| lex.contrast.contains_key(&tokens[j].word)) {
            v *= if c < i { 1.5 } else { 0.5 };
        }
        if v > 0.0 {
            positive += 1;
        } else if v < 0.0 {
            negative += 1;
        }
        let phrase = tokens[start..=i].iter().map(|t| t.word.as_str()).collect::<Vec<_>>().join(" ");
        match found.iter_mut().find(|c| c.phrase == phrase) {
            Some(c) => c.contribution += v,
            None => found.push(Contribution { phrase, contribution: v }),
        }
    }
    let total: f64 = found.iter().map(|c| c.contribution).sum();
    let score = round3(total / (total * total + 15.0).sqrt());
    found.sort_by(|a, b| b.contribution.abs().total_cmp(&a.contribution.abs()));
    found.truncate(MAX_WORDS);
    for c in &mut found {
        c.contribution = round3(c.contribution);
    }
    Sentiment { score, label: label(score), language, positive, negative, words: found }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::float_cmp)]
    use super::*;

    #[test]
    fn the_shipped_lists_parse_completely() {
        for (file, lex) in [
            (include_str!("../../data/analysis-sentiment-en.txt"), lexicon(Language::En)),
            (include_str!("../../data/analysis-sentiment-fr.txt"), lexicon(Language::Fr)),
        ] {
            let entries = file
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with('#') && !l.starts_with('['))
                .count();
            let parsed = lex.words.len() + lex.negators.len() + lex.intensifiers.len() + lex.contrast.len();
            // Duplicates across sections (`super`, `pretty`) are the only difference.
            assert!(entries - parsed <= 2, "{entries} lines, {parsed} parsed");
            assert!(lex.words.values().all(|v| (-4.0..=4.0).contains(v)));
            assert!(lex.stopwords.len() > 100);
        }
    }

    #[test]
    fn negation_intensifiers_and_contrast() {
        let plain = sentiment("The room was clean.", Some(Language::En));
        let very = sentiment("The room was very clean.", Some(Language::En));
        let not = sentiment("The room was not clean.", Some(Language::En));
        assert_eq!(plain.label, "positive");
        assert!(very.score > plain.score);
        assert_eq!(very.words[0].phrase, "very clean");
        assert_eq!(not.label, "negative");
        assert_eq!(not.words[0].phrase, "not clean");
        let isnt = sentiment("It isn't clean", None);
        assert_eq!(isnt.label, "negative");
        let but = sentiment("Great location, but the bed was awful and the street noisy.", None);
        assert_eq!(but.label, "negative", "{but:?}");
        assert_eq!(sentiment("We stayed three nights.", None).label, "neutral");
    }

    #[test]
    fn french_reads_as_french() {
        assert_eq!(detect("Le logement était très propre et l'hôte adorable"), Language::Fr);
        assert_eq!(detect("The flat was lovely and the host kind"), Language::En);
        let s = sentiment("Ce n'était pas mal du tout, et l'appartement est très propre.", None);
        assert_eq!((s.language, s.label), (Language::Fr, "positive"));
        assert!(s.words.iter().any(|w| w.phrase == "pas mal" && w.contribution > 0.0), "{s:?}");
        let bad = sentiment("Appartement sale et bruyant, pas du tout confortable.", None);
        assert_eq!(bad.label, "negative");
        assert_eq!(sentiment("C'était super !", None).label, "positive");
    }

    #[test]
    fn tags_and_tokens() {
        assert_eq!(Language::parse("fr-CA"), Some(Language::Fr));
        assert_eq!(Language::parse("de"), None);
        let t = tokenize("Wi-fi ok. Next!");
        assert_eq!(
            t.iter().map(|t| (t.word.as_str(), t.sentence)).collect::<Vec<_>>(),
            [("wi-fi", 0), ("ok", 0), ("next", 1)]
        );
    }
}
