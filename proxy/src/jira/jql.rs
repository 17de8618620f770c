//! JQL the proxy writes: quoting of values, checks on configured team JQL,
//! the `updated >=` clause in the JIRA user's time zone, and recognition of
//! simple project clauses so several teams can share one query.
//!
//! Nothing reaches JQL unquoted: keys are checked against JIRA's key shape,
//! strings are double-quoted with `"` and `\` escaped.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

/// Team JQL that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JqlError {
    /// Empty.
    #[error("jql is empty")]
    Empty,
    /// Carries its own ORDER BY, which the proxy must control for stable paging.
    #[error("jql must not contain ORDER BY (the proxy orders results itself)")]
    OrderBy,
    /// Unbalanced quotes or parentheses.
    #[error("jql has unbalanced {0}")]
    Unbalanced(&'static str),
    /// A character JQL does not allow outside quotes.
    #[error("jql has a control character")]
    Control,
}

/// Quotes a string value for JQL: `"..."` with `\` and `"` escaped.
pub fn quote(value: &str) -> String {
    let mut res = String::with_capacity(value.len() + 2);
    res.push('"');
    for ch in value.chars() {
        match ch {
            '"' | '\\' => {
                res.push('\\');
                res.push(ch);
            }
            '\n' | '\r' | '\t' => res.push(' '),
            _ => res.push(ch),
        }
    }
    res.push('"');
    res
}

/// True for an issue key as JIRA forms them (`ABC-123`, project part of
/// letters, digits and `_`, starting with a letter).
pub fn is_issue_key(key: &str) -> bool {
    let Some((project, number)) = key.rsplit_once('-') else {
        return false;
    };
    let mut chars = project.chars();
    chars.next().is_some_and(|ch| ch.is_ascii_alphabetic())
        && chars.all(|ch| ch.is_ascii_alphanumeric() || ch == '_')
        && !number.is_empty()
        && number.chars().all(|ch| ch.is_ascii_digit())
}

/// `key in ("A-1", "A-2")` for valid keys; invalid ones are dropped.
pub fn key_in(keys: &[String]) -> String {
    let quoted: Vec<String> =
        keys.iter().filter(|key| is_issue_key(key)).map(|key| quote(key)).collect();
    format!("key in ({})", quoted.join(", "))
}

/// `id in (10001, 10002)` for numeric issue ids (stable across project
/// moves, and always present even in ids-only pages); others are dropped.
pub fn id_in(ids: &[String]) -> Option<String> {
    let valid: Vec<&str> = ids
        .iter()
        .map(String::as_str)
        .filter(|id| !id.is_empty() && id.chars().all(|ch| ch.is_ascii_digit()))
        .collect();
    (!valid.is_empty()).then(|| format!("id in ({})", valid.join(", ")))
}

/// Checks configured team JQL: non-empty, balanced, no ORDER BY.
pub fn check_team_jql(jql: &str) -> Result<(), JqlError> {
    if jql.trim().is_empty() {
        return Err(JqlError::Empty);
    }
    let mut depth = 0i32;
    let mut in_quote: Option<char> = None;
    let mut escaped = false;
    let mut outside = String::new();
    for ch in jql.chars() {
        if ch.is_control() {
            return Err(JqlError::Control);
        }
        if let Some(quote_ch) = in_quote {
            if escaped {
                escaped = false;
            } else if ch == '\\' {
                escaped = true;
            } else if ch == quote_ch {
                in_quote = None;
            }
            continue;
        }
        match ch {
            '"' | '\'' => in_quote = Some(ch),
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth < 0 {
                    return Err(JqlError::Unbalanced("parentheses"));
                }
            }
            _ => {}
        }
        outside.push(ch.to_ascii_lowercase());
    }
    if in_quote.is_some() {
        return Err(JqlError::Unbalanced("quotes"));
    }
    if depth != 0 {
        return Err(JqlError::Unbalanced("parentheses"));
    }
    let words: Vec<&str> = outside.split_whitespace().collect();
    if words.windows(2).any(|pair| pair == ["order", "by"]) {
        return Err(JqlError::OrderBy);
    }
    Ok(())
}

/// The projects a team's JQL selects when it is nothing but a project
/// clause (`project = A`, `project = "A"`, `project in (A, "B")`); `None`
/// for anything richer, which then needs a query of its own.
pub fn simple_projects(jql: &str) -> Option<Vec<String>> {
    let text = jql.trim();
    let lower = text.to_ascii_lowercase();
    let rest = lower.strip_prefix("project")?;
    let offset = text.len() - rest.len();
    let rest = text[offset..].trim_start();
    let unquote = |value: &str| -> Option<String> {
        let value = value.trim();
        let value = value
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .or_else(|| value.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')))
            .unwrap_or(value);
        let ok =
            !value.is_empty() && value.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '_');
        ok.then(|| value.to_ascii_uppercase())
    };
    if let Some(value) = rest.strip_prefix('=') {
        return unquote(value).map(|project| vec![project]);
    }
    let lower_rest = rest.to_ascii_lowercase();
    if lower_rest.starts_with("in") {
        let list = rest[2..].trim();
        let inner = list.strip_prefix('(')?.strip_suffix(')')?;
        let projects: Option<Vec<String>> = inner.split(',').map(unquote).collect();
        return projects.filter(|projects| !projects.is_empty());
    }
    None
}

/// `project in ("A", "B")` for checked project keys.
pub fn project_in(projects: &[String]) -> String {
    let quoted: Vec<String> = projects.iter().map(|project| quote(project)).collect();
    format!("project in ({})", quoted.join(", "))
}

/// `updated >= "yyyy/MM/dd HH:mm"` for `since`, written in the JIRA user's
/// time zone (JIRA reads JQL dates in it). Seconds are dropped, which moves
/// the bound earlier, never later.
pub fn updated_since(since: DateTime<Utc>, user_tz: Tz) -> String {
    let local = since.with_timezone(&user_tz);
    format!("updated >= \"{}\"", local.format("%Y/%m/%d %H:%M"))
}

/// Wraps team JQL and an extra clause: `(team) AND clause`.
pub fn and(team_jql: &str, clause: &str) -> String {
    format!("({team_jql}) AND {clause}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_escapes_quotes_and_backslashes() {
        assert_eq!(quote("ALPHA"), "\"ALPHA\"");
        assert_eq!(quote("a\"b\\c"), "\"a\\\"b\\\\c\"");
        assert_eq!(quote("x\ny"), "\"x y\"");
    }

    #[test]
    fn keys_are_checked_before_they_reach_jql() {
        assert!(is_issue_key("ALPHA-12"));
        assert!(is_issue_key("A_B2-1"));
        assert!(!is_issue_key("ALPHA"));
        assert!(!is_issue_key("1A-2"));
        assert!(!is_issue_key("A-1\" OR project = X"));
        assert_eq!(
            key_in(&["A-1".into(), "bad\"key".into(), "B-2".into()]),
            "key in (\"A-1\", \"B-2\")"
        );
    }

    #[test]
    fn ids_are_numeric_or_dropped() {
        assert_eq!(
            id_in(&["10001".into(), "x) OR (1=1".into(), "7".into()]),
            Some("id in (10001, 7)".into())
        );
        assert_eq!(id_in(&["ALPHA-1".into()]), None);
        assert_eq!(id_in(&[]), None);
    }

    #[test]
    fn team_jql_is_validated() {
        assert!(check_team_jql("project = ALPHA").is_ok());
        assert!(check_team_jql("project = \"AL (PHA\" AND labels = x").is_ok());
        assert_eq!(check_team_jql(" "), Err(JqlError::Empty));
        assert_eq!(check_team_jql("project = A ORDER BY key"), Err(JqlError::OrderBy));
        assert_eq!(check_team_jql("(project = A"), Err(JqlError::Unbalanced("parentheses")));
        assert_eq!(check_team_jql("project = \"A"), Err(JqlError::Unbalanced("quotes")));
    }

    #[test]
    fn simple_project_clauses_are_recognised() {
        assert_eq!(simple_projects("project = ALPHA"), Some(vec!["ALPHA".into()]));
        assert_eq!(simple_projects("project = \"alpha\""), Some(vec!["ALPHA".into()]));
        assert_eq!(simple_projects("PROJECT in (A, 'B')"), Some(vec!["A".into(), "B".into()]));
        assert_eq!(simple_projects("project = A AND labels = x"), None);
        assert_eq!(simple_projects("board = 12"), None);
    }

    #[test]
    fn updated_clause_uses_the_user_time_zone() {
        let since =
            DateTime::parse_from_rfc3339("2026-03-10T10:30:45Z").unwrap().with_timezone(&Utc);
        assert_eq!(updated_since(since, Tz::UTC), "updated >= \"2026/03/10 10:30\"");
        // Kiritimati is UTC+14: the next calendar day.
        assert_eq!(
            updated_since(since, chrono_tz::Pacific::Kiritimati),
            "updated >= \"2026/03/11 00:30\""
        );
        // Adak is UTC-9 in March (daylight time since 8 March 2026).
        assert_eq!(
            updated_since(since, chrono_tz::America::Adak),
            "updated >= \"2026/03/10 01:30\""
        );
    }
}
