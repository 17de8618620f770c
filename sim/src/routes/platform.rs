//! Site metadata: `/myself` (with the time zone JQL dates are read in),
//! `/serverInfo` (Cloud or Server), `/field` (where the story-points field's
//! site-specific id is discovered), `/status`, `/priority`, `/project`.

use axum::extract::State;
use axum::http::Uri;
use axum::response::Response;
use serde_json::{json, Value};

use super::{api_version, ctx, ok, SiteState};
use crate::org::{Org, PRIORITIES, STATUSES};
use crate::render::jira_time;
use crate::Flavor;

pub(crate) async fn myself(State(site): SiteState, uri: Uri) -> Response {
    let org = site.read();
    let c = ctx(&site, &org, api_version(uri.path()));
    let mut me = c.user(org.me);
    me["emailAddress"] = json!(site.options.email);
    me["timeZone"] = json!(site.options.user_time_zone);
    me["locale"] = json!("en_US");
    me["groups"] = json!({"size": 1, "items": []});
    me["applicationRoles"] = json!({"size": 1, "items": []});
    me["expand"] = json!("groups,applicationRoles");
    ok(&me)
}

pub(crate) async fn server_info(State(site): SiteState) -> Response {
    let now = site.clock.now();
    let body = match site.flavor() {
        Flavor::Cloud => json!({
            "baseUrl": site.base_url,
            "displayUrl": site.base_url,
            "displayUrlServicedeskHelpCenter": site.base_url,
            "displayUrlConfluence": format!("{}/wiki", site.base_url),
            "version": "1001.0.0-SNAPSHOT",
            "versionNumbers": [1001, 0, 0],
            "deploymentType": "Cloud",
            "buildNumber": 100287,
            "buildDate": "2026-02-16T00:00:00.000+0000",
            "serverTime": jira_time(now, site.tz),
            "scmInfo": "57a0ca5b4a0bb0ac5f3fee4764acb1c14e4d7e71",
            "serverTitle": "Jira",
            "serverTimeZone": "Etc/UTC",
        }),
        Flavor::DataCenter => json!({
            "baseUrl": site.base_url,
            "version": "9.12.15",
            "versionNumbers": [9, 12, 15],
            "deploymentType": "Server",
            "buildNumber": 9120015,
            "buildDate": "2024-10-01T00:00:00.000+0000",
            "serverTime": jira_time(now, site.tz),
            "scmInfo": "b9ae7b1b1e4c1ed0cb2d5c0b8ae39f7d7c0a2a4c",
            "serverTitle": "Jira",
        }),
    };
    ok(&body)
}

/// (id, name) of every field the site has, for `/field` and `expand=names`.
pub(crate) fn field_names(org: &Org) -> Vec<(String, String)> {
    let f = &org.fields;
    let mut v: Vec<(String, String)> = [
        ("summary", "Summary"),
        ("status", "Status"),
        ("issuetype", "Issue Type"),
        ("project", "Project"),
        ("priority", "Priority"),
        ("labels", "Labels"),
        ("created", "Created"),
        ("updated", "Updated"),
        ("resolutiondate", "Resolved"),
        ("resolution", "Resolution"),
        ("duedate", "Due date"),
        ("assignee", "Assignee"),
        ("reporter", "Reporter"),
        ("creator", "Creator"),
        ("description", "Description"),
        ("issuelinks", "Linked Issues"),
        ("parent", "Parent"),
        ("subtasks", "Sub-tasks"),
        ("fixVersions", "Fix versions"),
        ("components", "Components"),
        ("statuscategorychangedate", "Status Category Changed"),
    ]
    .iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    v.push((f.sprint.into(), "Sprint".into()));
    v.push((f.epic_link.into(), "Epic Link".into()));
    v.push((f.rank.into(), "Rank".into()));
    v.push((f.flagged.into(), "Flagged".into()));
    v.push((f.story_point_estimate.into(), "Story point estimate".into()));
    v.push((f.story_points.clone(), "Story Points".into()));
    v
}

fn custom_schema(org: &Org, id: &str) -> Value {
    let f = &org.fields;
    let n: u64 = id.trim_start_matches("customfield_").parse().unwrap_or(0);
    let (ty, custom, items) = if id == f.sprint {
        ("array", "com.pyxis.greenhopper.jira:gh-sprint", Some("json"))
    } else if id == f.epic_link {
        ("any", "com.pyxis.greenhopper.jira:gh-epic-link", None)
    } else if id == f.rank {
        ("any", "com.pyxis.greenhopper.jira:gh-lexo-rank", None)
    } else if id == f.flagged {
        (
            "array",
            "com.atlassian.jira.plugin.system.customfieldtypes:multicheckboxes",
            Some("option"),
        )
    } else if id == f.story_point_estimate {
        ("number", "com.pyxis.greenhopper.jira:jsw-story-points", None)
    } else {
        ("number", "com.atlassian.jira.plugin.system.customfieldtypes:float", None)
    };
    let mut s = json!({"type": ty, "custom": custom, "customId": n});
    if let Some(i) = items {
        s["items"] = json!(i);
    }
    s
}

pub(crate) async fn fields(State(site): SiteState) -> Response {
    let org = site.read();
    let list: Vec<Value> = field_names(&org)
        .into_iter()
        .map(|(id, name)| {
            let custom = id.starts_with("customfield_");
            let clause = if custom {
                format!("cf[{}]", id.trim_start_matches("customfield_"))
            } else {
                id.clone()
            };
            let mut v = json!({
                "id": id,
                "key": id,
                "name": name,
                "custom": custom,
                "orderable": true,
                "navigable": true,
                "searchable": true,
                "clauseNames": if custom { json!([clause, name]) } else { json!([clause]) },
            });
            if custom {
                v["schema"] = custom_schema(&org, &id);
            } else {
                v["schema"] = json!({"type": system_type(&id), "system": id});
            }
            v
        })
        .collect();
    ok(&Value::Array(list))
}

fn system_type(id: &str) -> &'static str {
    match id {
        "labels" | "issuelinks" | "subtasks" | "fixVersions" | "components" => "array",
        "created" | "updated" | "resolutiondate" | "statuscategorychangedate" => "datetime",
        "duedate" => "date",
        "assignee" | "reporter" | "creator" => "user",
        "summary" | "description" => "string",
        other => match other {
            "status" => "status",
            "issuetype" => "issuetype",
            "project" => "project",
            "priority" => "priority",
            "resolution" => "resolution",
            _ => "issuelinks",
        },
    }
}

pub(crate) async fn statuses(State(site): SiteState, uri: Uri) -> Response {
    let org = site.read();
    let c = ctx(&site, &org, api_version(uri.path()));
    // Company-managed workflows: global statuses carry no `scope`.
    let list: Vec<Value> = (0..STATUSES.len() as u8).map(|s| c.status(s)).collect();
    ok(&Value::Array(list))
}

pub(crate) async fn priorities(State(site): SiteState) -> Response {
    let list: Vec<Value> = PRIORITIES
        .iter()
        .map(|(id, name)| {
            json!({
                "self": format!("{}/rest/api/3/priority/{id}", site.base_url),
                "iconUrl": format!("{}/images/icons/priorities/{}.svg", site.base_url, name.to_lowercase()),
                "name": name, "id": id, "statusColor": "#ffab00", "description": name,
            })
        })
        .collect();
    ok(&Value::Array(list))
}

pub(crate) async fn projects(State(site): SiteState, uri: Uri) -> Response {
    let org = site.read();
    let c = ctx(&site, &org, api_version(uri.path()));
    ok(&Value::Array((0..org.teams.len()).map(|t| c.project(t)).collect()))
}
