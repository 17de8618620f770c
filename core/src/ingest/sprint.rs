//! Sprints, from the agile API, from an issue's sprint field (current object
//! form and the legacy `…Sprint@1a2b[id=..,state=..]` string form), and Jira's
//! own sprint report.

use chrono::{DateTime, Utc};
use serde_json::Value;

use serde::Deserialize;

use super::time::{parse_timestamp, parse_timestamp_value};
use super::typed::Scalar;
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

/// A sprint-field entry in its usual object form, borrowed from the input.
#[derive(Deserialize)]
struct RawSprint<'a> {
    #[serde(default, borrow)]
    id: Scalar<'a>,
    #[serde(default, borrow)]
    name: Scalar<'a>,
    #[serde(default, borrow)]
    state: Scalar<'a>,
    #[serde(default, borrow, rename = "originBoardId")]
    origin_board_id: Scalar<'a>,
    #[serde(default, borrow, rename = "boardId")]
    board_id: Scalar<'a>,
    #[serde(default, borrow, rename = "rapidViewId")]
    rapid_view_id: Scalar<'a>,
    #[serde(default, borrow, rename = "isoStartDate")]
    iso_start_date: Scalar<'a>,
    #[serde(default, borrow, rename = "startDate")]
    start_date: Scalar<'a>,
    #[serde(default, borrow, rename = "isoEndDate")]
    iso_end_date: Scalar<'a>,
    #[serde(default, borrow, rename = "endDate")]
    end_date: Scalar<'a>,
    #[serde(default, borrow, rename = "isoCompleteDate")]
    iso_complete_date: Scalar<'a>,
    #[serde(default, borrow, rename = "completeDate")]
    complete_date: Scalar<'a>,
    #[serde(default, borrow)]
    goal: Scalar<'a>,
}

/// The entries of a sprint field whose JSON text is `raw`, read without
/// building JSON values: `None` unless it is an array of objects with
/// scalar members, which [`sprint_from_value`] then reads instead; an entry
/// is `None` where `sprint_from_value` would give none.
pub(crate) fn field_sprints(raw: &str) -> Option<Vec<Option<Sprint>>> {
    let entries: Vec<RawSprint<'_>> = serde_json::from_str(raw).ok()?;
    Some(entries.iter().map(sprint_from_raw).collect())
}

/// [`sprint_from_value`] for an entry read typed: the same members, read the same way.
fn sprint_from_raw(raw: &RawSprint<'_>) -> Option<Sprint> {
    let u64_of = |s: &Scalar<'_>| match s {
        Scalar::Int(n) => u64::try_from(*n).ok(),
        Scalar::UInt(n) => Some(*n),
        Scalar::Str(s) => s.trim().parse().ok(),
        _ => None,
    };
    let ts_of = |s: &Scalar<'_>| match s {
        Scalar::Str(s) => parse_timestamp(s).map(|t| t.with_timezone(&Utc)),
        other => ts(other.to_value().as_ref()),
    };
    // A member that is present (even null) is the one read, as `Map::get` finds it.
    fn first<'s, 'a>(a: &'s Scalar<'a>, b: &'s Scalar<'a>) -> &'s Scalar<'a> {
        if matches!(a, Scalar::Absent) {
            b
        } else {
            a
        }
    }
    let either = |a, b| ts_of(a).or_else(|| ts_of(b));
    Some(Sprint {
        id: SprintId(u64_of(&raw.id)?),
        name: raw.name.as_str().unwrap_or_default().to_owned(),
        state: raw.state.as_str().and_then(SprintState::from_jira).unwrap_or(SprintState::Future),
        board: u64_of(first(&raw.origin_board_id, &raw.board_id))
            .or_else(|| u64_of(&raw.rapid_view_id))
            .map(BoardId),
        start: either(&raw.iso_start_date, &raw.start_date),
        end: either(&raw.iso_end_date, &raw.end_date),
        complete: either(&raw.iso_complete_date, &raw.complete_date),
        goal: raw.goal.as_str().filter(|g| !g.is_empty()).map(str::to_owned),
    })
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
    use proptest::prelude::*;

    /// What the general reader makes of a sprint field's text.
    fn by_value(raw: &str) -> Option<Vec<Option<Sprint>>> {
        match crate::ingest::pruned::from_str(raw, false).ok()? {
            Value::Array(list) => Some(list.iter().map(sprint_from_value).collect()),
            _ => None,
        }
    }

    #[test]
    fn typed_sprint_entries_read_as_the_general_reader_reads_them() {
        let usual = r#"[{"boardId": 1, "completeDate": "2025-04-07T06:03:00.523Z", "endDate": "2025-04-07T09:00:00.000Z",
            "goal": "Ship audit log", "id": 2, "name": "Alpha Sprint 2", "startDate": "2025-03-24T09:00:00.000Z", "state": "closed"},
            {"id": "7", "name": "Beta \"7\"", "state": "ACTIVE", "originBoardId": null, "boardId": 4, "rapidViewId": 9,
             "isoStartDate": "2025-03-24T09:00:00+0200", "startDate": 1742806800000, "goal": "", "self": "http://x"},
            {"id": -3, "name": "neg"}, {"id": 1.5}, {"id": " 12 ", "state": "nonsense", "endDate": 1742806800,
             "completeDate": null, "isoCompleteDate": "not a date", "rapidViewId": "5"}, {}]"#;
        let typed = field_sprints(usual).expect("scalar members read typed");
        assert_eq!(Some(typed.clone()), by_value(usual));
        assert_eq!(typed.iter().filter(|s| s.is_some()).count(), 3);
        // Shapes the typed reader leaves to the general one.
        for other in [
            r#"["com.atlassian.greenhopper.service.sprint.Sprint@1[id=2,state=CLOSED,name=S]"]"#,
            r#"[{"id": 2, "goal": {"text": "nested"}}]"#,
            r#"[{"id": 2, "id": 3}]"#,
            r#"{"id": 2}"#,
        ] {
            assert_eq!(field_sprints(other), None, "{other}");
        }
    }

    fn scalar() -> impl Strategy<Value = serde_json::Value> {
        prop_oneof![
            Just(serde_json::Value::Null),
            any::<bool>().prop_map(serde_json::Value::from),
            any::<i64>().prop_map(serde_json::Value::from),
            (0u64..3_000_000_000_000).prop_map(serde_json::Value::from),
            (-1e13f64..1e13).prop_map(serde_json::Value::from),
            "[0-9 ]{0,4}".prop_map(serde_json::Value::from),
            "(active|closed|future|x)".prop_map(serde_json::Value::from),
            "20[0-9]{2}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-5][0-9]\\.[0-9]{3}(Z|\\+0000|-05:00)"
                .prop_map(serde_json::Value::from),
        ]
    }

    proptest! {
        #[test]
        fn typed_and_general_sprint_readers_agree_on_any_scalar_members(
            entries in prop::collection::vec(
                prop::collection::btree_map(
                    prop::sample::select(vec!["id", "name", "state", "originBoardId", "boardId", "rapidViewId",
                        "isoStartDate", "startDate", "isoEndDate", "endDate", "isoCompleteDate", "completeDate",
                        "goal", "sequence"]),
                    scalar(), 0..10),
                0..4)
        ) {
            let raw = serde_json::to_string(&entries).unwrap();
            prop_assert_eq!(field_sprints(&raw), by_value(&raw));
        }
    }

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
