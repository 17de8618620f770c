//! Ingest tests over real JIRA payloads (`core/testdata/jira/`) and small
//! hand-written shapes.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use super::*;
use crate::model::{LinkKind, SprintId};

#[test]
fn a_minimal_issue_gets_a_creation_entry() {
    let value = serde_json::json!({"key": "A-1", "id": "1", "fields": {
        "created": "2026-01-01T00:00:00Z", "status": {"name": "Open", "statusCategory": {"key": "new"}}}});
    let (issue, diags) = issue_from_value(&value, &IngestOptions::default()).unwrap();
    assert_eq!(issue.status_history.len(), 1);
    assert_eq!(issue.status_history[0].to, "Open");
    assert!(diags.is_empty(), "{diags:?}");
}

#[test]
fn issues_without_key_or_fields_are_diagnostics_not_panics() {
    let err = issue_from_value(&serde_json::json!({"fields": {}}), &IngestOptions::default())
        .unwrap_err();
    assert_eq!(err.field.as_deref(), Some("key"));
    let err = issue_from_value(&serde_json::json!({"key": "A-2"}), &IngestOptions::default())
        .unwrap_err();
    assert_eq!(err.issue, Some(IssueKey::from("A-2")));
}

#[test]
fn not_json_and_wrong_shape_are_errors() {
    assert!(matches!(dataset_from_str("nope", &IngestOptions::default()), Err(Error::NotJson(_))));
    assert!(matches!(
        dataset_from_str("{\"hello\": 1}", &IngestOptions::default()),
        Err(Error::Shape(_))
    ));
    assert!(matches!(dataset_from_str("42", &IngestOptions::default()), Err(Error::Shape(_))));
}

#[test]
fn links_flags_and_epics_are_read() {
    let value = serde_json::json!({"key": "A-3", "id": "3", "fields": {
    "created": "2026-01-01T00:00:00Z",
    "status": {"name": "Doing", "statusCategory": {"key": "indeterminate"}},
    "customfield_10021": [{"value": "Impediment"}],
    "parent": {"key": "A-1", "fields": {"issuetype": {"name": "Epic"}}},
    "priority": {"name": "Highest"},
    "issuelinks": [
        {"type": {"name": "Blocks", "inward": "is blocked by", "outward": "blocks"},
         "inwardIssue": {"key": "B-1", "fields": {"status": {"statusCategory": {"key": "indeterminate"}}}}},
        {"type": {"name": "Relates", "inward": "relates to", "outward": "relates to"}, "outwardIssue": {"key": "B-2"}}
    ]}});
    let (issue, _) = issue_from_value(&value, &IngestOptions::default()).unwrap();
    assert!(issue.flagged);
    assert_eq!(issue.epic, Some(IssueKey::from("A-1")));
    assert_eq!(issue.parent, None);
    assert_eq!(issue.priority, crate::model::Priority::P0);
    assert_eq!(issue.links[0].kind, LinkKind::IsBlockedBy);
    assert_eq!(issue.links[0].other_category, Some(StatusCategory::InProgress));
    assert_eq!(issue.links[1].kind, LinkKind::Other("relates to".into()));
}

#[test]
fn paged_changelogs_merge_without_duplicates() {
    let value = serde_json::json!({"key": "A-4", "id": "4", "fields": {
        "created": "2026-01-01T00:00:00Z", "status": {"name": "Done", "statusCategory": {"key": "done"}}},
        "changelog": {"total": 2, "histories": [
            {"id": "2", "created": "2026-01-03T00:00:00Z", "items": [{"field": "status", "fromString": "Doing", "toString": "Done"}]}]}});
    let (mut issue, diags) = issue_from_value(&value, &IngestOptions::default()).unwrap();
    assert!(diags.iter().any(|d| d.message.contains("1 of 2")));
    assert_eq!(issue.status_history[0].to, "Doing");
    let page = serde_json::json!({"isLast": true, "values": [
        {"id": "1", "created": "2026-01-02T00:00:00Z", "items": [{"field": "status", "fromString": "Open", "toString": "Doing"}]},
        {"id": "2", "created": "2026-01-03T00:00:00Z", "items": [{"field": "status", "fromString": "Doing", "toString": "Done"}]}]});
    merge_changelog(&mut issue, &page, &IngestOptions::default());
    merge_changelog(&mut issue, &page, &IngestOptions::default());
    let path: Vec<&str> = issue.status_history.iter().map(|c| c.to.as_str()).collect();
    assert_eq!(path, ["Open", "Doing", "Done"]);
}

#[test]
fn sprint_and_estimate_histories_come_from_the_changelog() {
    let value = serde_json::json!({"key": "A-5", "id": "5", "fields": {
        "created": "2026-01-01T00:00:00Z", "status": {"name": "Open", "statusCategory": {"key": "new"}},
        "customfield_10020": [{"id": 7, "name": "S7", "state": "active", "boardId": 3}],
        "customfield_10016": 5},
        "changelog": {"histories": [
            {"id": "2", "created": "2026-01-03T00:00:00Z", "items": [
                {"field": "Sprint", "fieldId": "customfield_10020", "from": "", "to": "7", "fromString": "", "toString": "S7"},
                {"field": "Story point estimate", "fieldId": "customfield_10016", "fromString": "3", "toString": "5"}]}]}});
    let (issue, _) = issue_from_value(&value, &IngestOptions::default()).unwrap();
    assert_eq!(issue.sprints, vec![SprintId(7)]);
    assert_eq!(issue.sprint_history[0].to, vec![SprintId(7)]);
    assert_eq!(issue.estimate_history[0].from.map(|p| p.0), Some(3.0));
}

#[cfg(not(target_arch = "wasm32"))]
fn fixture(name: &str) -> String {
    let path = format!("{}/testdata/jira/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("fixture {path}: {e}"))
}

#[cfg(not(target_arch = "wasm32"))]
mod fixtures {
    use super::*;

    #[test]
    fn real_cloud_agile_issues_keep_every_issue_and_their_histories() {
        let input = fixture("devlake-real-cloud-agile-board-issues-with-changelog.json");
        let (dataset, diags) = dataset_from_str(&input, &IngestOptions::default()).unwrap();
        assert_eq!(dataset.issues.len(), 33);
        let ee1 = dataset.issue(&IssueKey::from("EE-1")).unwrap();
        assert_eq!(ee1.sprints, vec![SprintId(7)]);
        assert_eq!(ee1.labels, ["frontEnd", "Saas"]);
        assert!(ee1.status_history.len() > 1);
        assert!(ee1.status_history.windows(2).all(|w| w[0].at <= w[1].at));
        // Sprints named by the issues are known, with their boards and dates.
        let s7 = dataset.sprint(SprintId(7)).unwrap();
        assert_eq!(s7.board, Some(crate::model::BoardId(8)));
        assert!(s7.start.is_some() && s7.complete.is_some());
        // `已完成` is listed both as To Do and Done by this site: reported, not hidden.
        assert!(diags.iter().any(|d| d.message.contains("several categories")), "{diags:?}");
        assert_eq!(dataset.statuses.get("已完成"), Some(&StatusCategory::Done));
    }

    #[test]
    fn paged_changelog_rows_merge_into_the_issues_without_duplicates() {
        let issues = fixture("devlake-real-cloud-agile-board-issues-with-changelog.json");
        let (alone, _) = dataset_from_str(&issues, &IngestOptions::default()).unwrap();
        let pages = fixture("devlake-real-cloud-issue-changelog-values.json");
        let both = format!("[{issues}, {pages}]");
        let (merged, diags) = dataset_from_str(&both, &IngestOptions::default()).unwrap();
        assert_eq!(merged.issues.len(), alone.issues.len());
        // The embedded changelogs were complete, so the pages add nothing new.
        for (a, b) in alone.issues.iter().zip(&merged.issues) {
            assert_eq!(a.status_history, b.status_history, "{}", a.key);
        }
        assert!(!diags.iter().any(|d| d.message.contains("not JSON")));
    }

    #[test]
    fn link_changes_of_a_real_changelog_become_the_link_history() {
        let rows: Value =
            serde_json::from_str(&fixture("devlake-real-cloud-issue-changelog-values.json"))
                .unwrap();
        let entry = |id: &str| {
            rows.as_array()
                .unwrap()
                .iter()
                .filter(|r| r["request_url"].as_str().unwrap().contains(&format!("/issue/{id}/")))
                .map(|r| r["changelog_entry"].clone())
                .collect::<Vec<Value>>()
        };
        let issue = |key: &str, id: &str| {
            let value = serde_json::json!({"key": key, "id": id, "fields": {
                "created": "2021-01-01T00:00:00.000+0800",
                "status": {"name": "To Do", "statusCategory": {"key": "new"}}}});
            issue_from_value(&value, &IngestOptions::default()).unwrap().0
        };
        let mut blocked = issue("EE-2871", "13383");
        let diags =
            merge_changelog(&mut blocked, &Value::Array(entry("13383")), &IngestOptions::default());
        assert!(diags.is_empty(), "{diags:?}");
        assert_eq!(blocked.link_history.len(), 1);
        let change = &blocked.link_history[0];
        assert_eq!(change.kind, LinkKind::IsBlockedBy);
        assert_eq!(change.other.as_str(), "EE-2880");
        assert!(change.added);
        assert_eq!(change.at.to_rfc3339(), "2021-01-25T03:55:29.086+00:00");
        // Other link types are kept under their description.
        let mut related = issue("EE-3000", "13954");
        merge_changelog(&mut related, &Value::Array(entry("13954")), &IngestOptions::default());
        let kinds: Vec<&LinkKind> = related.link_history.iter().map(|c| &c.kind).collect();
        assert_eq!(
            kinds,
            [
                &LinkKind::Other("relates to".into()),
                &LinkKind::Other("causes".into()),
                &LinkKind::Other("relates to".into())
            ]
        );
    }

    #[test]
    fn sprint_pages_and_sprint_reports_are_read() {
        let (dataset, _) = dataset_from_str(
            &fixture("devlake-real-cloud-board-sprints.json"),
            &IngestOptions::default(),
        )
        .unwrap();
        assert_eq!(dataset.sprints.len(), 30);
        let (dataset, _) = dataset_from_str(
            &fixture("real-cloud-board-sprint-list-page.json"),
            &IngestOptions::default(),
        )
        .unwrap();
        assert!(dataset.sprints.iter().all(|s| s.board == Some(crate::model::BoardId(1))));
        let ingested =
            ingest_str(&fixture("real-cloud-sprintreport.json"), &IngestOptions::default())
                .unwrap();
        let report = &ingested.sprint_reports[0];
        assert_eq!(report.sprint.id, SprintId(1));
        let added: Vec<&str> =
            report.issues.iter().filter(|i| i.added).map(|i| i.key.as_str()).collect();
        assert_eq!(added, ["POW-2"]);
    }

    #[test]
    fn documented_search_pages_and_webhooks_are_read() {
        for name in [
            "cloud-v3-search-jql-page.openapi-example.json",
            "server-v2-search-page-docs-example.json",
            "mattermost-webhook-issue-updated-sprint.json",
            "mattermost-webhook-server-issue-updated-closed.json",
            "mattermost-webhook-cloud-issue-created-many-fields.json",
        ] {
            let (dataset, _) = dataset_from_str(&fixture(name), &IngestOptions::default()).unwrap();
            assert_eq!(dataset.issues.len(), 1, "{name}");
        }
    }

    #[test]
    fn status_lists_and_field_lists_inform_ingest() {
        let (dataset, _) =
            dataset_from_str(&fixture("devlake-real-statuses.json"), &IngestOptions::default())
                .unwrap();
        assert!(dataset.statuses.len() > 20);
        let catalog = fields_from_value(
            &serde_json::from_str(&fixture("cloud-v3-field-list.openapi-example.json")).unwrap(),
        );
        assert_eq!(catalog.name("summary"), Some("Summary"));
    }

    #[test]
    fn json_lines_hold_one_document_per_line() {
        let issue = serde_json::from_str::<serde_json::Value>(&fixture(
            "devlake-real-cloud-issue-EE-1-with-embedded-changelog.json",
        ))
        .unwrap();
        let mut other = issue.clone();
        other["key"] = "EE-1000".into();
        other["id"] = "99999".into();
        let lines = format!("{issue}\n{other}\nnot json\n");
        let (dataset, diags) = dataset_from_str(&lines, &IngestOptions::default()).unwrap();
        assert_eq!(dataset.issues.len(), 2);
        assert!(diags.iter().any(|d| d.message.contains("line 3")));
    }
}

mod never_panics {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use proptest::prelude::*;
    use serde_json::{json, Value};

    use super::*;

    fn arb_json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(|n| json!(n)),
            (-1e12f64..1e12).prop_map(|f| json!(f)),
            "[a-zA-Z0-9 :.+\\-_@\\[\\]=,]{0,30}".prop_map(Value::String),
            prop_oneof![
                Just("2026-01-02T03:04:05.000+0000"),
                Just("status"),
                Just("Sprint"),
                Just("com.atlassian.greenhopper.service.sprint.Sprint@1[id=x,state=,name=]"),
                Just("customfield_10016"),
            ]
            .prop_map(|s| Value::String(s.to_owned())),
        ];
        let keys = prop_oneof![
            Just("key"),
            Just("id"),
            Just("fields"),
            Just("issues"),
            Just("changelog"),
            Just("histories"),
            Just("items"),
            Just("field"),
            Just("fieldId"),
            Just("from"),
            Just("to"),
            Just("fromString"),
            Just("toString"),
            Just("created"),
            Just("updated"),
            Just("status"),
            Just("statusCategory"),
            Just("name"),
            Just("values"),
            Just("state"),
            Just("customfield_10020"),
            Just("customfield_10016"),
            Just("issuelinks"),
            Just("parent"),
            Just("sprint"),
            Just("contents"),
            Just("issueChangeLogs"),
            Just("changeHistories"),
            Just("issue"),
            Just("names"),
            Just("total"),
            Just("priority"),
        ];
        leaf.prop_recursive(5, 64, 6, move |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::vec((keys.clone(), inner), 0..8).prop_map(|kv| {
                    Value::Object(kv.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
                }),
            ]
        })
    }

    proptest! {
        #[test]
        fn ingest_never_panics_on_arbitrary_json(value in arb_json()) {
            let text = value.to_string();
            let options = IngestOptions::default();
            let _ = dataset_from_str(&text, &options);
            let _ = issue_from_value(&value, &options);
            let _ = sprints_from_value(&value);
            let _ = sprint_report_from_value(&value);
            let _ = fields_from_value(&value);
            if let Ok((mut issue, _)) = issue_from_value(&json!({"key": "A-1", "fields": {"created": "2026-01-01T00:00:00Z"}}), &options) {
                let _ = merge_changelog(&mut issue, &value, &options);
            }
        }

        #[test]
        fn ingest_never_panics_on_arbitrary_text(text in "\\PC{0,200}") {
            let _ = dataset_from_str(&text, &IngestOptions::default());
        }

        #[test]
        fn every_issue_is_kept_or_reported(n in 1usize..20, broken in prop::collection::vec(any::<bool>(), 20)) {
            let issues: Vec<Value> = (0..n).map(|i| if broken[i] {
                json!({"key": format!("B-{i}"), "fields": 7})
            } else {
                json!({"key": format!("B-{i}"), "id": i.to_string(), "fields": {"created": "2026-01-01T00:00:00Z", "status": {"name": "Open"}}})
            }).collect();
            let text = json!({"issues": issues}).to_string();
            let (dataset, diags) = dataset_from_str(&text, &IngestOptions::default()).unwrap();
            let broken_count = broken[..n].iter().filter(|b| **b).count();
            prop_assert_eq!(dataset.issues.len(), n - broken_count);
            let skipped = diags.iter().filter(|d| d.message.contains("skipped") && d.issue.is_some()).count();
            prop_assert_eq!(skipped, broken_count);
        }
    }
}
