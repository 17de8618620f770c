//! Sprints, from the agile API, from an issue's sprint field (current object
//! form and the legacy `…Sprint@1a2b[id=..,state=..]` string form), and Jira's
//! own sprint report.

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::time::parse_timestamp_value;
use super::Diagnostic;
use crate::model::{
    BoardId, IssueKey, Sprint, SprintId, SprintOutcome, SprintReport, SprintReportIssue,
    SprintState,
};

fn ts(value: Option<&Value>) -> Option<DateTime<Utc>> {
    value.and_then(parse_timestamp_value).map(|t| t.with_timezone(&Utc))
}

fn as_u64(value: Option<&Value>) -> Option<u64> {
    match value? {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A sprint from an agile sprint object or a sprint-field entry (either form).
pub(crate) fn sprint_from_value(value: &Value) -> Option<Sprint> {
    match value {
        Value::Object(map) => {
            let id = SprintId(as_u64(map.get("id"))?);
            let name = map.get("name").and_then(Value::as_str).unwrap_or_default().to_owned();
            let state = map
                .get("state")
                .and_then(Value::as_str)
                .and_then(SprintState::from_jira)
                .unwrap_or(SprintState::Future);
            let board = as_u64(map.get("originBoardId").or_else(|| map.get("boardId")))
                .or_else(|| as_u64(map.get("rapidViewId")))
                .map(BoardId);
            let start = ts(map.get("isoStartDate")).or_else(|| ts(map.get("startDate")));
            let end = ts(map.get("isoEndDate")).or_else(|| ts(map.get("endDate")));
            let complete = ts(map.get("isoCompleteDate")).or_else(|| ts(map.get("completeDate")));
            let goal = map
                .get("goal")
                .and_then(Value::as_str)
                .filter(|g| !g.is_empty())
                .map(str::to_owned);
            Some(Sprint { id, name, state, board, start, end, complete, goal })
        }
        Value::String(s) => legacy_sprint(s),
        _ => None,
    }
}

/// `com.atlassian.greenhopper.service.sprint.Sprint@7eede03a[id=2,rapidViewId=2,state=FUTURE,name=SP Sprint 2,...]`.
pub(crate) fn legacy_sprint(s: &str) -> Option<Sprint> {
    let open = s.find('[')?;
    let close = s.rfind(']')?;
    let body = s.get(open + 1..close)?;
    // Split on commas that start a new `key=`; a name may itself hold commas.
    let mut pairs: Vec<(String, String)> = Vec::new();
    for piece in body.split(',') {
        let starts_pair = piece
            .split_once('=')
            .is_some_and(|(k, _)| !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric()));
        match (starts_pair, pairs.last_mut()) {
            (false, Some(last)) => {
                last.1.push(',');
                last.1.push_str(piece);
            }
            _ => {
                let (k, v) = piece.split_once('=').unwrap_or((piece, ""));
                pairs.push((k.to_owned(), v.to_owned()));
            }
        }
    }
    let get = |key: &str| {
        pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str()).filter(|v| *v != "<null>")
    };
    let date = |key: &str| get(key).map(|v| Value::String(v.to_owned())).and_then(|v| ts(Some(&v)));
    Some(Sprint {
        id: SprintId(get("id")?.trim().parse().ok()?),
        name: get("name").unwrap_or_default().to_owned(),
        state: get("state").and_then(SprintState::from_jira).unwrap_or(SprintState::Future),
        board: get("rapidViewId").and_then(|v| v.parse().ok()).map(BoardId),
        start: date("startDate"),
        end: date("endDate"),
        complete: date("completeDate"),
        goal: get("goal").filter(|g| !g.is_empty()).map(str::to_owned),
    })
}

/// True when a field value looks like a sprint field (for sites whose sprint
/// field id is unknown).
pub(crate) fn looks_like_sprint_field(value: &Value) -> bool {
    let Some(first) = value.as_array().and_then(|a| a.first()) else { return false };
    match first {
        Value::String(s) => s.contains("greenhopper.service.sprint.Sprint@"),
        Value::Object(map) => {
            map.contains_key("id")
                && map.contains_key("state")
                && map.contains_key("name")
                && (map.contains_key("boardId")
                    || map.contains_key("startDate")
                    || map.contains_key("goal"))
        }
        _ => false,
    }
}

/// Reads sprints from an agile sprint page (`{values: [...]}`), a single
/// sprint, an array of sprints, or a sprint report. Entries that are not
/// sprints become diagnostics.
pub fn sprints_from_value(value: &Value) -> (Vec<Sprint>, Vec<Diagnostic>) {
    let mut sprints = Vec::new();
    let mut diagnostics = Vec::new();
    let mut take = |item: &Value| {
        let item = item.get("sprint").filter(|s| s.is_object()).unwrap_or(item);
        match sprint_from_value(item) {
            Some(sprint) => sprints.push(sprint),
            None => diagnostics.push(Diagnostic::field(
                None,
                "sprint",
                "entry is not a sprint: it has no numeric id",
            )),
        }
    };
    match value {
        Value::Array(items) => items.iter().for_each(&mut take),
        Value::Object(map) => match map.get("values").and_then(Value::as_array) {
            Some(items) => items.iter().for_each(&mut take),
            None => take(value),
        },
        _ => {
            diagnostics.push(Diagnostic::general("sprint input is neither an object nor an array"))
        }
    }
    (sprints, diagnostics)
}

fn stat(issue: &Value, key: &str) -> Option<f64> {
    issue.get(key)?.get("statFieldValue")?.get("value")?.as_f64()
}

/// Reads Jira's sprint report (`/rest/greenhopper/1.0/rapid/charts/sprintreport`).
///
/// # Errors
/// A diagnostic when the value has no `contents` or no readable `sprint`.
pub fn sprint_report_from_value(value: &Value) -> Result<SprintReport, Diagnostic> {
    let contents = value
        .get("contents")
        .filter(|c| c.is_object())
        .ok_or_else(|| Diagnostic::field(None, "contents", "sprint report has no contents"))?;
    let sprint = value
        .get("sprint")
        .and_then(sprint_from_value)
        .ok_or_else(|| Diagnostic::field(None, "sprint", "sprint report has no readable sprint"))?;
    let added = contents.get("issueKeysAddedDuringSprint").and_then(Value::as_object);
    let mut issues = Vec::new();
    for (list, outcome) in [
        ("completedIssues", SprintOutcome::Completed),
        ("issuesNotCompletedInCurrentSprint", SprintOutcome::NotCompleted),
        ("puntedIssues", SprintOutcome::Removed),
        ("issuesCompletedInAnotherSprint", SprintOutcome::CompletedInAnotherSprint),
    ] {
        for issue in contents.get(list).and_then(Value::as_array).into_iter().flatten() {
            let Some(key) = issue.get("key").and_then(Value::as_str) else { continue };
            issues.push(SprintReportIssue {
                key: IssueKey::from(key),
                outcome,
                initial_points: stat(issue, "estimateStatistic"),
                points: stat(issue, "currentEstimateStatistic"),
                added: added.is_some_and(|m| m.get(key).and_then(Value::as_bool).unwrap_or(false)),
            });
        }
    }
    Ok(SprintReport { sprint, issues })
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn legacy_sprint_strings_are_parsed_including_commas_in_names() {
        let s = "com.atlassian.greenhopper.service.sprint.Sprint@7eede03a[id=2,rapidViewId=3,state=CLOSED,name=SP Sprint 2, the sequel,goal=<null>,startDate=2018-01-01T10:00:00.000Z,endDate=<null>,completeDate=<null>,sequence=2]";
        let sprint = legacy_sprint(s).unwrap();
        assert_eq!(sprint.id, SprintId(2));
        assert_eq!(sprint.board, Some(BoardId(3)));
        assert_eq!(sprint.state, SprintState::Closed);
        assert_eq!(sprint.name, "SP Sprint 2, the sequel");
        assert!(sprint.start.is_some());
        assert!(sprint.end.is_none());
        assert!(looks_like_sprint_field(&serde_json::json!([s])));
    }

    #[test]
    fn garbage_is_not_a_sprint() {
        assert!(legacy_sprint("Sprint 1").is_none());
        assert!(sprint_from_value(&serde_json::json!({"name": "x"})).is_none());
        let (sprints, diags) =
            sprints_from_value(&serde_json::json!([1, {"id": 4, "name": "S4", "state": "active"}]));
        assert_eq!(sprints.len(), 1);
        assert_eq!(diags.len(), 1);
    }
}
