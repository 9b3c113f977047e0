//! Possible-duplicate detection: ranks existing reports and cases by how likely a new report
//! describes the same vulnerability, with the reasons.
//!
//! Text similarity is the larger of two measures, because each fails where the other holds:
//!
//! * TF-IDF cosine over words (title counted twice: titles are short and dense) catches
//!   paraphrases — two researchers describing the same bug in their own words;
//! * Jaccard over word 3-shingles catches copies — machine-generated floods and re-submissions
//!   that keep most of the text but shuffle a few words, where IDF would underweight the words
//!   every copy shares.
//!
//! Text must reach a floor before metadata counts: same product, a shared CWE or the same
//! reporter raise a textual match but never make one (one product gets many unrelated XSS
//! reports). Deterministic: ordered maps only, ties broken by id.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

/// Whether a candidate is a report still in intake or a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocKind {
    Report,
    Case,
}

/// The text and metadata compared: a new report, or an existing report or case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct DupDoc {
    pub id: String,
    pub kind: DocKind,
    pub title: String,
    pub body: String,
    #[serde(default)]
    pub product: Option<String>,
    #[serde(default)]
    pub cwe_ids: Vec<u32>,
    #[serde(default)]
    pub reporter: Option<String>,
}

/// Why a candidate ranks where it does.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum DupReason {
    /// Word-level similarity (TF-IDF cosine), 0..=1.
    SimilarWording {
        similarity: f64,
    },
    /// Near-verbatim overlap (3-shingle Jaccard), 0..=1.
    CopiedText {
        similarity: f64,
    },
    SameProduct,
    SameCwe {
        cwe_ids: Vec<u32>,
    },
    SameReporter,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct DupCandidate {
    pub id: String,
    pub kind: DocKind,
    /// 0..=1, rounded to three decimals so the order shown is the order stored.
    pub score: f64,
    pub reasons: Vec<DupReason>,
}

/// Tunables; the defaults were chosen on the test texts below.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct DupConfig {
    /// Text similarity below which a candidate is dropped whatever its metadata.
    pub min_text: f64,
    /// Final score below which a candidate is dropped.
    pub min_score: f64,
    pub max_candidates: usize,
    pub product_bonus: f64,
    pub cwe_bonus: f64,
    pub reporter_bonus: f64,
}

impl Default for DupConfig {
    fn default() -> Self {
        Self {
            min_text: 0.2,
            min_score: 0.3,
            max_candidates: 10,
            product_bonus: 0.1,
            cwe_bonus: 0.1,
            reporter_bonus: 0.05,
        }
    }
}

/// Words that say nothing about which bug a report is: English function words and the
/// boilerplate of report templates.
const STOP_WORDS: &[&str] = &[
    "a",
    "about",
    "all",
    "also",
    "am",
    "an",
    "and",
    "any",
    "are",
    "as",
    "at",
    "be",
    "been",
    "being",
    "bug",
    "but",
    "by",
    "can",
    "could",
    "dear",
    "do",
    "does",
    "find",
    "for",
    "found",
    "from",
    "had",
    "has",
    "have",
    "hello",
    "hi",
    "how",
    "i",
    "if",
    "impact",
    "in",
    "into",
    "is",
    "issue",
    "it",
    "its",
    "just",
    "me",
    "my",
    "no",
    "not",
    "of",
    "on",
    "or",
    "our",
    "please",
    "regards",
    "report",
    "reproduce",
    "security",
    "so",
    "step",
    "steps",
    "summary",
    "team",
    "than",
    "that",
    "the",
    "their",
    "then",
    "there",
    "these",
    "this",
    "to",
    "us",
    "vulnerability",
    "was",
    "we",
    "were",
    "what",
    "when",
    "which",
    "while",
    "who",
    "will",
    "with",
    "would",
    "you",
    "your",
];

/// Lowercased alphanumeric words, stop words and one-letter tokens dropped, a plural `s`
/// trimmed so "cookies" meets "cookie".
pub fn tokenize(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric() && c != '_')
        .filter(|w| w.chars().count() > 1)
        .map(str::to_lowercase)
        .filter(|w| STOP_WORDS.binary_search(&w.as_str()).is_err())
        .map(|w| {
            if w.len() > 3 && w.ends_with('s') && !w.ends_with("ss") {
                w[..w.len() - 1].to_owned()
            } else {
                w
            }
        })
        .collect()
}

fn weighted_tokens(doc: &DupDoc) -> Vec<String> {
    let title = tokenize(&doc.title);
    let mut all = title.clone();
    all.extend(title);
    all.extend(tokenize(&doc.body));
    all
}

fn shingles(tokens: &[String]) -> BTreeSet<String> {
    if tokens.len() < 3 {
        return tokens.iter().cloned().collect();
    }
    tokens.windows(3).map(|w| w.join(" ")).collect()
}

fn jaccard(a: &BTreeSet<String>, b: &BTreeSet<String>) -> f64 {
    let union = a.union(b).count();
    if union == 0 {
        return 0.0;
    }
    a.intersection(b).count() as f64 / union as f64
}

type Vector = BTreeMap<String, f64>;

fn tfidf(tokens: &[String], idf: &BTreeMap<&str, f64>) -> Vector {
    let mut v = Vector::new();
    for t in tokens {
        *v.entry(t.clone()).or_insert(0.0) += 1.0;
    }
    for (t, w) in v.iter_mut() {
        *w *= idf.get(t.as_str()).copied().unwrap_or(1.0);
    }
    v
}

fn cosine(a: &Vector, b: &Vector) -> f64 {
    let dot: f64 = a.iter().filter_map(|(t, w)| b.get(t).map(|x| w * x)).sum();
    let norm = |v: &Vector| v.values().map(|w| w * w).sum::<f64>().sqrt();
    let n = norm(a) * norm(b);
    if n == 0.0 {
        0.0
    } else {
        (dot / n).min(1.0)
    }
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

fn same_text(a: &Option<String>, b: &Option<String>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => {
            let (a, b) = (a.trim(), b.trim());
            !a.is_empty() && a.eq_ignore_ascii_case(b)
        }
        _ => false,
    }
}

/// Ranks `existing` against `new`, best first; `new` itself (same id) is skipped.
pub fn find_duplicates(new: &DupDoc, existing: &[DupDoc], config: &DupConfig) -> Vec<DupCandidate> {
    let new_tokens = weighted_tokens(new);
    let others: Vec<(&DupDoc, Vec<String>)> = existing
        .iter()
        .filter(|d| d.id != new.id)
        .map(|d| (d, weighted_tokens(d)))
        .collect();

    // Smoothed IDF over the new report and the candidates (as scikit-learn's `smooth_idf`):
    // never zero, so a word in every document still counts a little.
    let mut df: BTreeMap<&str, usize> = BTreeMap::new();
    for tokens in std::iter::once(&new_tokens).chain(others.iter().map(|(_, t)| t)) {
        let unique: BTreeSet<&str> = tokens.iter().map(String::as_str).collect();
        for t in unique {
            *df.entry(t).or_insert(0) += 1;
        }
    }
    let n = (others.len() + 1) as f64;
    let idf: BTreeMap<&str, f64> = df
        .iter()
        .map(|(t, c)| (*t, ((1.0 + n) / (1.0 + *c as f64)).ln() + 1.0))
        .collect();

    let new_vec = tfidf(&new_tokens, &idf);
    let new_shingles = shingles(&tokenize(&format!("{}\n{}", new.title, new.body)));
    let mut out = Vec::new();
    for (doc, tokens) in &others {
        let wording = cosine(&new_vec, &tfidf(tokens, &idf));
        let copied = jaccard(
            &new_shingles,
            &shingles(&tokenize(&format!("{}\n{}", doc.title, doc.body))),
        );
        let text = wording.max(copied);
        if text < config.min_text {
            continue;
        }
        let mut reasons = Vec::new();
        if wording >= config.min_text {
            reasons.push(DupReason::SimilarWording {
                similarity: round3(wording),
            });
        }
        if copied >= config.min_text {
            reasons.push(DupReason::CopiedText {
                similarity: round3(copied),
            });
        }
        let mut score = text;
        if same_text(&new.product, &doc.product) {
            score += config.product_bonus;
            reasons.push(DupReason::SameProduct);
        }
        let shared: Vec<u32> = new
            .cwe_ids
            .iter()
            .copied()
            .filter(|c| doc.cwe_ids.contains(c))
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        if !shared.is_empty() {
            score += config.cwe_bonus;
            reasons.push(DupReason::SameCwe { cwe_ids: shared });
        }
        if same_text(&new.reporter, &doc.reporter) {
            score += config.reporter_bonus;
            reasons.push(DupReason::SameReporter);
        }
        let score = round3(score.min(1.0));
        if score >= config.min_score {
            out.push(DupCandidate {
                id: doc.id.clone(),
                kind: doc.kind,
                score,
                reasons,
            });
        }
    }
    out.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.id.cmp(&b.id)));
    out.truncate(config.max_candidates);
    out
}

#[cfg(test)]
#[path = "duplicates_tests.rs"]
mod tests;
