//! Which JIRA field holds what: story points, sprint, epic link, flagged.
//!
//! Custom field ids differ per site (`customfield_10016` here,
//! `customfield_10026` there), so ingest finds them by name: from JIRA's field
//! list (`GET /rest/api/3/field`), from a page's `names` map (`expand=names`),
//! or from changelog items, which always carry the field's name. Well-known
//! Cloud ids are the last resort, and an explicit override beats everything.

use std::collections::BTreeMap;

use serde_json::Value;

use super::IngestOptions;

/// Names JIRA gives the story-points field (Cloud company-managed and
/// team-managed projects).
pub(crate) const POINTS_NAMES: [&str; 2] = ["story points", "story point estimate"];
const POINTS_TYPE: &str = "com.pyxis.greenhopper.jira:jsw-story-points";
const SPRINT_TYPE: &str = "com.pyxis.greenhopper.jira:gh-sprint";
const EPIC_LINK_TYPE: &str = "com.pyxis.greenhopper.jira:gh-epic-link";

/// One field of JIRA's field list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldInfo {
    /// Field id, such as `customfield_10016` or `status`.
    pub id: String,
    /// Display name, such as `Story point estimate`.
    pub name: String,
    /// `schema.custom` for custom fields, such as
    /// `com.pyxis.greenhopper.jira:gh-sprint`.
    pub custom_type: Option<String>,
}

/// Field id ↔ name, as JIRA's field list or a `names` map gives it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FieldCatalog {
    fields: BTreeMap<String, FieldInfo>,
}

impl FieldCatalog {
    /// An empty catalog.
    pub fn new() -> FieldCatalog {
        FieldCatalog::default()
    }

    /// Adds (or replaces) a field.
    pub fn insert(
        &mut self,
        id: impl Into<String>,
        name: impl Into<String>,
        custom_type: Option<String>,
    ) {
        let id = id.into();
        let name = name.into();
        match self.fields.get_mut(&id) {
            // A `names` map knows no custom type; keep one learnt from the field list.
            Some(existing) => {
                existing.name = name;
                if custom_type.is_some() {
                    existing.custom_type = custom_type;
                }
            }
            None => {
                self.fields.insert(id.clone(), FieldInfo { id, name, custom_type });
            }
        }
    }

    /// Adds every field of `other`.
    pub fn merge(&mut self, other: &FieldCatalog) {
        for field in other.fields.values() {
            self.insert(field.id.clone(), field.name.clone(), field.custom_type.clone());
        }
    }

    /// The display name of a field id.
    pub fn name(&self, id: &str) -> Option<&str> {
        self.fields.get(id).map(|f| f.name.as_str())
    }

    /// Ids of fields with this name (case-insensitive); several fields may share a name.
    pub fn ids_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.fields
            .values()
            .filter(move |f| f.name.eq_ignore_ascii_case(name))
            .map(|f| f.id.as_str())
    }

    /// Ids of fields of this custom type.
    pub fn ids_of_type<'a>(&'a self, custom_type: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.fields
            .values()
            .filter(move |f| f.custom_type.as_deref() == Some(custom_type))
            .map(|f| f.id.as_str())
    }

    /// Number of fields known.
    pub fn len(&self) -> usize {
        self.fields.len()
    }

    /// True when no field is known.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }
}

/// Reads a field catalog from JIRA's field list (`GET /rest/api/3/field`, an
/// array of `{id, name, schema}`), a `names` map (`{"customfield_10016":
/// "Story point estimate"}`), or a search page carrying `names`. Anything else
/// gives an empty catalog.
pub fn fields_from_value(value: &Value) -> FieldCatalog {
    let mut catalog = FieldCatalog::new();
    match value {
        Value::Array(items) => {
            for item in items {
                let (Some(id), Some(name)) = (
                    item.get("id").and_then(Value::as_str),
                    item.get("name").and_then(Value::as_str),
                ) else {
                    continue;
                };
                let custom_type =
                    item.pointer("/schema/custom").and_then(Value::as_str).map(str::to_owned);
                catalog.insert(id, name, custom_type);
            }
        }
        Value::Object(map) => {
            let names = map.get("names").and_then(Value::as_object).unwrap_or(map);
            for (id, name) in names {
                if let Some(name) = name.as_str() {
                    catalog.insert(id.clone(), name, None);
                }
            }
        }
        _ => {}
    }
    catalog
}

/// The field ids ingest reads each role from, in order of preference.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Roles {
    pub(crate) points: Vec<String>,
    pub(crate) sprint: Vec<String>,
    pub(crate) epic_link: Vec<String>,
    pub(crate) flagged: Vec<String>,
    /// True when the sprint field came from a catalog, so a shape scan is not needed.
    pub(crate) sprint_known: bool,
}

fn push_unique(list: &mut Vec<String>, id: &str) {
    if !list.iter().any(|x| x == id) {
        list.push(id.to_owned());
    }
}

impl Roles {
    /// Resolves roles from the override, the catalog, then well-known ids.
    pub(crate) fn resolve(options: &IngestOptions, catalog: &FieldCatalog) -> Roles {
        let mut roles = Roles::default();
        if let Some(id) = &options.points_field {
            push_unique(&mut roles.points, id);
        }
        for id in catalog.ids_of_type(POINTS_TYPE) {
            push_unique(&mut roles.points, id);
        }
        for name in POINTS_NAMES {
            for id in catalog.ids_named(name) {
                push_unique(&mut roles.points, id);
            }
        }
        for id in catalog.ids_of_type(SPRINT_TYPE).chain(catalog.ids_named("sprint")) {
            push_unique(&mut roles.sprint, id);
        }
        roles.sprint_known = !roles.sprint.is_empty();
        for id in catalog.ids_of_type(EPIC_LINK_TYPE).chain(catalog.ids_named("epic link")) {
            push_unique(&mut roles.epic_link, id);
        }
        for id in catalog.ids_named("flagged") {
            push_unique(&mut roles.flagged, id);
        }
        // Well-known Cloud ids, used only when nothing named the role.
        if roles.points.is_empty() {
            for id in ["customfield_10016", "customfield_10026", "customfield_10028"] {
                push_unique(&mut roles.points, id);
            }
        }
        if roles.sprint.is_empty() {
            push_unique(&mut roles.sprint, "customfield_10020");
        }
        if roles.epic_link.is_empty() {
            push_unique(&mut roles.epic_link, "customfield_10014");
        }
        if roles.flagged.is_empty() {
            push_unique(&mut roles.flagged, "customfield_10021");
        }
        roles
    }

    /// Learns field ids from changelog items, which name their field.
    pub(crate) fn learn_from_item(&mut self, name: &str, id: Option<&str>) {
        let Some(id) = id else { return };
        if !id.starts_with("customfield_") {
            return;
        }
        if POINTS_NAMES.iter().any(|n| name.eq_ignore_ascii_case(n)) {
            push_unique(&mut self.points, id);
        } else if name.eq_ignore_ascii_case("sprint") {
            push_unique(&mut self.sprint, id);
        } else if name.eq_ignore_ascii_case("flagged") {
            push_unique(&mut self.flagged, id);
        } else if name.eq_ignore_ascii_case("epic link") {
            push_unique(&mut self.epic_link, id);
        }
    }

    pub(crate) fn is_points_item(&self, name: &str, id: Option<&str>) -> bool {
        match id {
            Some(id) if self.points.iter().any(|p| p == id) => true,
            _ => POINTS_NAMES.iter().any(|n| name.eq_ignore_ascii_case(n)),
        }
    }

    pub(crate) fn is_sprint_item(&self, name: &str, id: Option<&str>) -> bool {
        name.eq_ignore_ascii_case("sprint")
            || id.is_some_and(|id| self.sprint.iter().any(|s| s == id))
    }

    pub(crate) fn is_flagged_item(&self, name: &str, id: Option<&str>) -> bool {
        name.eq_ignore_ascii_case("flagged")
            || id.is_some_and(|id| self.flagged.iter().any(|s| s == id))
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn story_points_are_found_by_name_in_a_field_list() {
        let list = serde_json::json!([
            {"id": "customfield_10031", "name": "Story Points", "schema": {"type": "number", "custom": "com.atlassian.jira.plugin.system.customfieldtypes:float"}},
            {"id": "customfield_10077", "name": "Sprint", "schema": {"type": "array", "custom": "com.pyxis.greenhopper.jira:gh-sprint"}},
            {"id": "summary", "name": "Summary"}
        ]);
        let catalog = fields_from_value(&list);
        let roles = Roles::resolve(&IngestOptions::default(), &catalog);
        assert_eq!(roles.points, vec!["customfield_10031"]);
        assert_eq!(roles.sprint, vec!["customfield_10077"]);
        assert!(roles.sprint_known);
    }

    #[test]
    fn an_override_comes_first_and_well_known_ids_last() {
        let options =
            IngestOptions { points_field: Some("customfield_1".into()), ..Default::default() };
        let roles = Roles::resolve(&options, &FieldCatalog::new());
        assert_eq!(roles.points, vec!["customfield_1"]);
        let roles = Roles::resolve(&IngestOptions::default(), &FieldCatalog::new());
        assert_eq!(roles.points[0], "customfield_10016");
        assert_eq!(roles.sprint, vec!["customfield_10020"]);
    }

    #[test]
    fn a_names_map_is_a_catalog() {
        let page = serde_json::json!({"names": {"customfield_10016": "Story point estimate"}, "issues": []});
        let catalog = fields_from_value(&page);
        assert_eq!(catalog.name("customfield_10016"), Some("Story point estimate"));
    }
}
