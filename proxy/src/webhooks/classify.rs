//! Priority routing. JIRA cannot filter webhooks by priority (its webhook JQL
//! knows only project, type, status, assignee, reporter and a few more), so
//! every delivery is classified here: critical ones are applied and evaluated
//! at once, the rest wait for the next batch.

use director_core::model::Priority;
use serde_json::Value;

/// Which path a delivery takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Class {
    /// Applied and evaluated at once; the reason is logged.
    Critical(String),
    /// Applied with the next batch.
    Routine,
}

impl Class {
    /// True for [`Class::Critical`].
    pub fn is_critical(&self) -> bool {
        matches!(self, Class::Critical(_))
    }
}

/// What makes an issue event critical.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CriticalRules {
    /// JIRA priority names that are critical whatever they map to.
    pub priority_names: Vec<String>,
    /// Status names that mean blocked.
    pub statuses: Vec<String>,
    /// Labels that always page.
    pub labels: Vec<String>,
}

impl Default for CriticalRules {
    fn default() -> Self {
        CriticalRules {
            priority_names: vec!["Highest".into(), "Critical".into(), "Blocker".into()],
            statuses: vec!["Blocked".into()],
            labels: vec!["security".into(), "exec-blocker".into(), "compliance".into()],
        }
    }
}

fn flagged(fields: &Value) -> bool {
    // The Flagged custom field's id differs per site; its value is a list of
    // options such as `[{"value": "Impediment"}]` under any customfield id.
    fields.as_object().is_some_and(|object| {
        object.iter().any(|(id, value)| {
            id.starts_with("customfield_")
                && value.as_array().is_some_and(|options| {
                    options.iter().any(|option| {
                        option
                            .get("value")
                            .and_then(Value::as_str)
                            .is_some_and(|v| v.eq_ignore_ascii_case("impediment"))
                    })
                })
        })
    }) || fields.get("flagged").and_then(Value::as_bool).unwrap_or(false)
}

/// Classifies one webhook body.
pub fn classify(body: &Value, rules: &CriticalRules) -> Class {
    let event = body.get("webhookEvent").and_then(Value::as_str).unwrap_or("");
    if !matches!(event, "jira:issue_created" | "jira:issue_updated") {
        return Class::Routine;
    }
    let Some(fields) = body.pointer("/issue/fields") else { return Class::Routine };
    let key = body.pointer("/issue/key").and_then(Value::as_str).unwrap_or("?");
    if let Some(name) = fields.pointer("/priority/name").and_then(Value::as_str) {
        let named = rules.priority_names.iter().any(|p| p.eq_ignore_ascii_case(name.trim()));
        let mapped = Priority::from_jira_name(name).is_some_and(Priority::is_high);
        if named || mapped {
            return Class::Critical(format!("{key} has priority {name}"));
        }
    }
    if let Some(status) = fields.pointer("/status/name").and_then(Value::as_str) {
        if rules.statuses.iter().any(|s| s.eq_ignore_ascii_case(status.trim())) {
            return Class::Critical(format!("{key} is {status}"));
        }
    }
    if flagged(fields) {
        return Class::Critical(format!("{key} is flagged"));
    }
    // A flag raised right now shows in the changelog even when the site's
    // field id is unknown.
    let flag_item =
        body.pointer("/changelog/items").and_then(Value::as_array).into_iter().flatten().any(
            |item| {
                item.get("field")
                    .and_then(Value::as_str)
                    .is_some_and(|f| f.eq_ignore_ascii_case("flagged"))
                    && item
                        .get("toString")
                        .and_then(Value::as_str)
                        .is_some_and(|to| !to.trim().is_empty())
            },
        );
    if flag_item {
        return Class::Critical(format!("{key} was flagged"));
    }
    let labels = fields
        .get("labels")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str);
    for label in labels {
        if rules.labels.iter().any(|l| l.eq_ignore_ascii_case(label)) {
            return Class::Critical(format!("{key} carries the {label} label"));
        }
    }
    Class::Routine
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn issue_event(fields: Value) -> Value {
        json!({"webhookEvent": "jira:issue_updated", "issue": {"id": "1", "key": "A-1", "fields": fields}})
    }

    #[test]
    fn high_priorities_blocked_flagged_and_sensitive_labels_are_critical() {
        let rules = CriticalRules::default();
        for fields in [
            json!({"priority": {"name": "Highest"}}),
            json!({"priority": {"name": "Critical"}}),
            json!({"priority": {"name": "High"}}),
            json!({"priority": {"name": "P1"}}),
            json!({"status": {"name": "Blocked"}}),
            json!({"customfield_10021": [{"value": "Impediment"}]}),
            json!({"labels": ["frontend", "Security"]}),
            json!({"labels": ["exec-blocker"]}),
            json!({"labels": ["compliance"]}),
        ] {
            assert!(classify(&issue_event(fields.clone()), &rules).is_critical(), "{fields}");
        }
    }

    #[test]
    fn ordinary_changes_comments_and_sprints_are_routine() {
        let rules = CriticalRules::default();
        let ordinary = issue_event(
            json!({"priority": {"name": "Medium"}, "status": {"name": "In Progress"}, "labels": ["ui"]}),
        );
        assert_eq!(classify(&ordinary, &rules), Class::Routine);
        let comment = json!({"webhookEvent": "comment_created", "issue": {"key": "A-1", "fields": {"priority": {"name": "Highest"}}}});
        assert_eq!(classify(&comment, &rules), Class::Routine);
        assert_eq!(classify(&json!({"webhookEvent": "sprint_started"}), &rules), Class::Routine);
    }

    #[test]
    fn a_flag_raised_in_the_changelog_is_critical() {
        let mut body = issue_event(json!({"priority": {"name": "Low"}}));
        body["changelog"] = json!({"id": "9", "items": [{"field": "Flagged", "fromString": null, "toString": "Impediment"}]});
        assert!(classify(&body, &CriticalRules::default()).is_critical());
    }
}
