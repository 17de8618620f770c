//! Matching the words of a question against team names, epic keys and epic
//! summaries, tolerating case, a "Team" prefix and a typo or two.

/// Words too common to identify an epic.
const STOPWORDS: &[&str] = &[
    "the", "and", "for", "with", "when", "will", "what", "how", "is", "are", "was", "doing",
    "team", "epic", "land", "ship", "done", "of", "to", "a", "an", "in", "on", "be", "by", "it",
    "its", "our", "new", "last", "week", "since", "changed", "risk", "risks", "status", "blocked",
    "blockers", "finish", "going",
];

/// Lower-case words of `text`, keeping `-` inside issue keys.
pub(crate) fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '-'))
        .map(|w| w.trim_matches('-').to_lowercase())
        .filter(|w| !w.is_empty())
        .collect()
}

/// Levenshtein distance, on chars, stopping early past `limit`.
pub(crate) fn distance(a: &str, b: &str, limit: usize) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len().abs_diff(b.len()) > limit {
        return limit + 1;
    }
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut current = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            current[j + 1] = (previous[j] + cost).min(previous[j + 1] + 1).min(current[j] + 1);
        }
        if current.iter().min().copied().unwrap_or(0) > limit {
            return limit + 1;
        }
        previous = current;
    }
    previous[b.len()]
}

/// Typos allowed in a word of this length: none for short words.
fn allowance(len: usize) -> usize {
    match len {
        0..=3 => 0,
        4..=6 => 1,
        _ => 2,
    }
}

/// Whether `word` is `target` give or take a typo.
pub(crate) fn close(word: &str, target: &str) -> bool {
    word == target
        || distance(word, target, allowance(target.chars().count()))
            <= allowance(target.chars().count())
}

/// How well the question's words name `name` (a team): 1.0 for every word of
/// the name present (or nearly), else 0.
pub(crate) fn name_score(question: &[String], name: &str) -> f64 {
    let target = words(name);
    if target.is_empty() {
        return 0.0;
    }
    let hits = target.iter().filter(|t| question.iter().any(|w| close(w, t))).count();
    if hits == target.len() {
        1.0
    } else {
        0.0
    }
}

/// How well the question names an epic: 1.0 for its key, else the share of
/// the summary's significant words present (or nearly).
pub(crate) fn epic_score(question: &[String], key: &str, summary: &str) -> f64 {
    let key = key.to_lowercase();
    if question.contains(&key) {
        return 1.0;
    }
    let target: Vec<String> = words(summary)
        .into_iter()
        .filter(|w| w.len() >= 3 && !STOPWORDS.contains(&w.as_str()))
        .collect();
    if target.is_empty() {
        return 0.0;
    }
    let meaningful: Vec<&String> =
        question.iter().filter(|w| !STOPWORDS.contains(&w.as_str())).collect();
    let hits = target.iter().filter(|t| meaningful.iter().any(|w| close(w, t))).count();
    hits as f64 / target.len() as f64
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn distance_counts_edits() {
        assert_eq!(distance("payments", "payments", 2), 0);
        assert_eq!(distance("paymnets", "payments", 2), 2);
        assert_eq!(distance("alpha", "alpah", 2), 2);
        assert_eq!(distance("bravo", "brvo", 2), 1);
        assert!(distance("alpha", "charlie", 2) > 2);
    }

    #[test]
    fn names_match_with_a_typo_but_short_words_must_be_exact() {
        let q = words("How is team Bravvo doing?");
        assert_eq!(name_score(&q, "Bravo"), 1.0);
        assert_eq!(name_score(&words("how is it"), "Ito"), 0.0);
        assert_eq!(
            epic_score(&words("when will the paymnt revamp land"), "BRAVO-100", "Payments revamp"),
            1.0
        );
        assert_eq!(
            epic_score(&words("when will payments land"), "BRAVO-100", "Payments revamp"),
            0.5
        );
        assert_eq!(epic_score(&words("status of bravo-100"), "BRAVO-100", "Payments revamp"), 1.0);
    }
}
