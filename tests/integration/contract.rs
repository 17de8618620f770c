//! Contract tests: every response shape the simulated JIRA serves is validated
//! against Atlassian's own OpenAPI documents (platform v3 and agile), so the
//! site cannot drift from what real JIRA promises. Schemas come from
//! `shared/jira/openapi/` (override with `JIRA_OPENAPI_DIR`); `$ref`s resolve
//! within each document.
//!
//! Two deliberate relaxations, both matching how real JIRA answers:
//! - JIRA's spec never marks a property `nullable`, yet JIRA returns `null` for
//!   unset values (`resolutiondate`, changelog `from`/`to`, see the captured
//!   samples), so every typed schema also accepts `null` here.
//! - `format` is not checked: JIRA's `date-time` values carry an offset without
//!   a colon (`+0000`), which RFC 3339 rejects.
//!
//! Where a schema contradicts Atlassian's own example in the same document,
//! the example wins; `patch_known_spec_errors` lists each case.
//!
//! Run with `cargo test -p director-tests --test integration contract`.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};

use chrono::{TimeZone, Utc};
use director_sim::{Flavor, Preset, Sim, SimOptions};
use serde_json::{json, Value};

fn openapi_dir() -> PathBuf {
    std::env::var_os("JIRA_OPENAPI_DIR").map(PathBuf::from).unwrap_or_else(|| {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/jira/openapi")
    })
}

/// Makes every `"type": "x"` also accept `null` (see the module doc).
fn allow_nulls(v: &mut Value) {
    match v {
        Value::Object(map) => {
            if let Some(Value::String(t)) = map.get("type").cloned() {
                map.insert("type".into(), json!([t, "null"]));
            }
            map.values_mut().for_each(allow_nulls);
        }
        Value::Array(items) => items.iter_mut().for_each(allow_nulls),
        _ => {}
    }
}

struct Spec {
    doc: Value,
    /// Compiled validators by pointer: compiling against a 2 MB document is the slow part.
    validators: Mutex<HashMap<String, Arc<jsonschema::Validator>>>,
}

fn load(file: &str) -> Spec {
    let path = openapi_dir().join(file);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let mut doc: Value = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()));
    allow_nulls(&mut doc);
    patch_known_spec_errors(&mut doc);
    Spec { doc, validators: Mutex::new(HashMap::new()) }
}

/// Schema mistakes that Atlassian's own examples (and real responses) disprove.
fn patch_known_spec_errors(doc: &mut Value) {
    // `IssueLink` is shared with the create-link request, hence `required:
    // [inwardIssue, outwardIssue]`; on an issue each link carries one side only
    // (the GET issue example's `issuelinks`).
    if let Some(link) = doc.pointer_mut("/components/schemas/IssueLink") {
        if let Some(o) = link.as_object_mut() {
            o.remove("required");
        }
    }
    // The board configuration's `location` schema lists `projectKeyOrId`, but
    // the example beside it (and go-jira's captured mock) return `key`, `id`,
    // `self` and `name`.
    let location = "/paths/~1rest~1agile~11.0~1board~1{boardId}~1configuration/get/responses/200/content/application~1json/schema/properties/location/properties";
    if let Some(Value::Object(props)) = doc.pointer_mut(location) {
        for key in ["key", "id", "self", "name"] {
            props.insert(key.into(), json!({"type": ["string", "null"]}));
        }
    }
}

fn platform() -> &'static Spec {
    static SPEC: OnceLock<Spec> = OnceLock::new();
    SPEC.get_or_init(|| load("jira-platform-rest-v3.swagger-v3.v3.json"))
}

fn agile() -> &'static Spec {
    static SPEC: OnceLock<Spec> = OnceLock::new();
    SPEC.get_or_init(|| load("jira-software-agile-rest.swagger.v3.json"))
}

impl Spec {
    /// Validates `instance` against the schema at JSON pointer `pointer` of the document.
    fn check(&self, pointer: &str, instance: &Value, what: &str) {
        let validator = self.validator(pointer);
        let errors: Vec<String> = validator
            .iter_errors(instance)
            .map(|e| format!("  at {}: {e}", e.instance_path))
            .take(10)
            .collect();
        assert!(errors.is_empty(), "{what} does not match {pointer}:\n{}", errors.join("\n"));
    }

    fn validator(&self, pointer: &str) -> Arc<jsonschema::Validator> {
        let mut cache = self.validators.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(v) = cache.get(pointer) {
            return v.clone();
        }
        let target =
            self.doc.pointer(pointer).unwrap_or_else(|| panic!("no schema at {pointer}")).clone();
        let root = json!({
            "$ref": "#/$defs/target",
            "$defs": {"target": target},
            "components": self.doc["components"],
        });
        let validator = jsonschema::options()
            .with_draft(jsonschema::Draft::Draft202012)
            .should_validate_formats(false)
            .build(&root)
            .unwrap_or_else(|e| panic!("schema {pointer} does not compile: {e}"));
        let validator = Arc::new(validator);
        cache.insert(pointer.to_string(), validator.clone());
        validator
    }

    fn component(&self, name: &str, instance: &Value, what: &str) {
        self.check(&format!("/components/schemas/{name}"), instance, what);
    }
}

/// JSON pointer to the 200 response schema of `GET path` in the agile document.
fn agile_response(path: &str) -> String {
    format!(
        "/paths/{}/get/responses/200/content/application~1json/schema",
        path.replace('~', "~0").replace('/', "~1")
    )
}

async fn site(flavor: Flavor) -> Sim {
    let options = SimOptions {
        preset: Preset::Tiny,
        flavor,
        seed: 11,
        now: Utc.with_ymd_and_hms(2026, 1, 20, 16, 0, 0).unwrap(),
        user_time_zone: "Europe/Berlin".into(),
        ..SimOptions::default()
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    director_sim::start(options, listener).await.expect("start the simulated site")
}

async fn call(sim: &Sim, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
    let url = format!("{}{path}", sim.base_url());
    let client = reqwest::Client::new();
    let req = if method == "POST" {
        client.post(&url).json(&body.unwrap_or(Value::Null))
    } else {
        client.get(&url)
    };
    // The Data Center search is the only call made with a personal access token.
    let req = if path.starts_with("/rest/api/2/search?") && sim_is_dc(sim).await {
        req.bearer_auth("demo-pat")
    } else {
        req.basic_auth("demo@example.com", Some("demo-token"))
    };
    let res = req.send().await.expect("request");
    let status = res.status().as_u16();
    (status, res.json().await.expect("a JSON body"))
}

async fn sim_is_dc(sim: &Sim) -> bool {
    let url = format!("{}/rest/api/2/serverInfo", sim.base_url());
    let info: Value =
        reqwest::get(&url).await.expect("serverInfo").json().await.expect("serverInfo JSON");
    info["deploymentType"] == "Server"
}

async fn get(sim: &Sim, path: &str) -> Value {
    let (status, body) = call(sim, "GET", path, None).await;
    assert_eq!(status, 200, "GET {path}: {body}");
    body
}

/// Checks the pieces of an issue's `fields` that have their own schemas.
fn check_fields(issue: &Value) {
    let p = platform();
    let key = issue["key"].as_str().unwrap_or("?");
    let f = &issue["fields"];
    p.component("StatusDetails", &f["status"], &format!("{key} status"));
    p.component("Priority", &f["priority"], &format!("{key} priority"));
    p.component("IssueTypeDetails", &f["issuetype"], &format!("{key} issuetype"));
    p.component("ProjectDetails", &f["project"], &format!("{key} project"));
    if !f["assignee"].is_null() {
        p.component("UserDetails", &f["assignee"], &format!("{key} assignee"));
    }
    for link in f["issuelinks"].as_array().into_iter().flatten() {
        p.component("IssueLink", link, &format!("{key} issue link"));
    }
    if !f["parent"].is_null() {
        p.component("LinkedIssue", &f["parent"], &format!("{key} parent"));
    }
}

#[tokio::test]
async fn enhanced_search_pages_match_search_and_reconcile_results() {
    let sim = site(Flavor::Cloud).await;
    let p = platform();
    let ids = get(&sim, "/rest/api/3/search/jql?jql=project%20%3D%20ALPHA%20ORDER%20BY%20updated%20ASC&maxResults=20").await;
    p.component("SearchAndReconcileResults", &ids, "an id-only search page");
    let full = get(&sim, "/rest/api/3/search/jql?jql=project%20in%20(ALPHA,BRAVO)&maxResults=60&fields=*all&expand=changelog,names").await;
    p.component("SearchAndReconcileResults", &full, "a full search page with changelog");
    let issues = full["issues"].as_array().expect("issues");
    assert!(!issues.is_empty());
    for issue in issues {
        check_fields(issue);
    }
    let (status, body) = call(
        &sim,
        "POST",
        "/rest/api/3/search/jql",
        Some(json!({"jql": "project = CHARLIE", "fields": ["summary", "status", "updated"], "maxResults": 5})),
    )
    .await;
    assert_eq!(status, 200);
    p.component("SearchAndReconcileResults", &body, "a POST search page");
    p.component(
        "SearchAndReconcileRequestBean",
        &json!({"jql": "project = CHARLIE", "fields": ["summary"], "maxResults": 5}),
        "the request we sent",
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn issue_and_changelog_shapes_match_the_platform_schemas() {
    let sim = site(Flavor::Cloud).await;
    let p = platform();
    let page = get(&sim, "/rest/api/3/search/jql?jql=project%20%3D%20ALPHA&fields=key&maxResults=50&expand=changelog").await;
    let busiest = page["issues"]
        .as_array()
        .expect("issues")
        .iter()
        .max_by_key(|i| i["changelog"]["total"].as_u64())
        .expect("an issue")
        .clone();
    let key = busiest["key"].as_str().expect("key");
    let issue = get(&sim, &format!("/rest/api/3/issue/{key}?expand=changelog")).await;
    p.component("IssueBean", &issue, "GET issue");
    check_fields(&issue);
    let v2 = get(&sim, &format!("/rest/api/2/issue/{key}")).await;
    p.component("IssueBean", &v2, "GET issue (v2)");
    let changelog = get(&sim, &format!("/rest/api/3/issue/{key}/changelog?maxResults=3")).await;
    p.component("PageBeanChangelog", &changelog, "a changelog page");
    let keys: Vec<&str> = page["issues"]
        .as_array()
        .expect("issues")
        .iter()
        .filter_map(|i| i["key"].as_str())
        .collect();
    let (status, bulk) = call(
        &sim,
        "POST",
        "/rest/api/3/changelog/bulkfetch",
        Some(json!({"issueIdsOrKeys": keys, "maxResults": 40})),
    )
    .await;
    assert_eq!(status, 200);
    p.component("BulkChangelogResponseBean", &bulk, "a bulk changelog page");
    sim.shutdown().await;
}

#[tokio::test]
async fn site_metadata_matches_the_platform_schemas() {
    let sim = site(Flavor::Cloud).await;
    let p = platform();
    p.component("User", &get(&sim, "/rest/api/3/myself").await, "myself");
    p.component("ServerInformation", &get(&sim, "/rest/api/2/serverInfo").await, "serverInfo");
    let fields = get(&sim, "/rest/api/3/field").await;
    for f in fields.as_array().expect("field list") {
        p.component("FieldDetails", f, &format!("field {}", f["id"]));
    }
    for s in get(&sim, "/rest/api/3/status").await.as_array().expect("status list") {
        p.component("StatusDetails", s, &format!("status {}", s["name"]));
    }
    for pr in get(&sim, "/rest/api/3/priority").await.as_array().expect("priority list") {
        p.component("Priority", pr, "priority");
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn error_bodies_match_the_error_collection() {
    let sim = site(Flavor::Cloud).await;
    let p = platform();
    for (path, expected) in [
        ("/rest/api/3/search/jql?jql=ORDER%20BY%20created", 400),
        ("/rest/api/3/search/jql?jql=project%20%3D%20NOPE", 400),
        ("/rest/api/3/issue/ALPHA-999999", 404),
        ("/rest/api/3/search?jql=project%20%3D%20ALPHA", 410),
        ("/rest/api/2/search?jql=project%20%3D%20ALPHA", 410),
    ] {
        let url = format!("{}{path}", sim.base_url());
        let res = reqwest::Client::new()
            .get(&url)
            .basic_auth("demo@example.com", Some("demo-token"))
            .send()
            .await
            .expect("request");
        assert_eq!(res.status().as_u16(), expected, "{path}");
        let body: Value = res.json().await.expect("JSON error body");
        p.component("ErrorCollection", &body, path);
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn data_center_search_matches_search_results() {
    let sim = site(Flavor::DataCenter).await;
    let p = platform();
    let page = get(
        &sim,
        "/rest/api/2/search?jql=project%20%3D%20ALPHA&startAt=0&maxResults=25&expand=changelog",
    )
    .await;
    p.component("SearchResults", &page, "a Data Center search page");
    for issue in page["issues"].as_array().expect("issues") {
        p.component("IssueBean", issue, "a Data Center issue");
    }
    let res = reqwest::Client::new()
        .get(format!("{}/rest/api/2/serverInfo", sim.base_url()))
        .send()
        .await
        .expect("serverInfo");
    let info: Value = res.json().await.expect("serverInfo JSON");
    assert_eq!(info["deploymentType"], "Server");
    p.component("ServerInformation", &info, "Data Center serverInfo");
    sim.shutdown().await;
}

#[tokio::test]
async fn agile_shapes_match_the_software_schemas() {
    let sim = site(Flavor::Cloud).await;
    let a = agile();
    let boards = get(&sim, "/rest/agile/1.0/board").await;
    a.check(&agile_response("/rest/agile/1.0/board"), &boards, "the board list");
    let board = sim.teams()[0].board_id;
    a.check(
        &agile_response("/rest/agile/1.0/board/{boardId}"),
        &get(&sim, &format!("/rest/agile/1.0/board/{board}")).await,
        "a board",
    );
    let config = get(&sim, &format!("/rest/agile/1.0/board/{board}/configuration")).await;
    a.check(
        &agile_response("/rest/agile/1.0/board/{boardId}/configuration"),
        &config,
        "a board configuration",
    );
    let sprints = get(&sim, &format!("/rest/agile/1.0/board/{board}/sprint")).await;
    let values = sprints["values"].as_array().expect("sprint values");
    for s in values {
        a.component("SprintBean", s, "a sprint");
    }
    let closed = values.iter().rev().find(|s| s["state"] == "closed").expect("a closed sprint");
    let sprint_id = closed["id"].as_u64().expect("sprint id");
    let issues =
        get(&sim, &format!("/rest/agile/1.0/board/{board}/sprint/{sprint_id}/issue?maxResults=10"))
            .await;
    for issue in issues["issues"].as_array().expect("sprint issues") {
        platform().component("IssueBean", issue, "a sprint issue");
        check_fields(issue);
        for s in issue["fields"]["closedSprints"].as_array().expect("closedSprints") {
            a.component("SprintBean", s, "a closed sprint of an issue");
        }
        if !issue["fields"]["sprint"].is_null() {
            a.component("SprintBean", &issue["fields"]["sprint"], "the current sprint of an issue");
        }
    }
    a.component(
        "SprintBean",
        &get(&sim, &format!("/rest/agile/1.0/sprint/{sprint_id}")).await,
        "GET sprint",
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn live_webhook_payloads_match_the_issue_and_sprint_schemas() {
    let (url, seen) = crate::sim_faults::start_receiver(0).await;
    let mut options = SimOptions {
        preset: Preset::Tiny,
        seed: 12,
        now: Utc.with_ymd_and_hms(2026, 1, 20, 16, 0, 0).unwrap(),
        ..SimOptions::default()
    };
    options.live = Some(director_sim::LiveOptions {
        time_factor: 2.0 * 86_400.0,
        webhook_url: Some(url),
        webhook_secret: None,
        tick: std::time::Duration::from_millis(50),
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let sim = director_sim::start(options, listener).await.expect("start");
    let key = sim.create_issue("BRAVO");
    sim.update_issue(&key);
    let deliveries = crate::sim_faults::wait_for(&seen, |d| {
        let names: Vec<Value> = d
            .iter()
            .filter_map(|(_, b)| serde_json::from_slice::<Value>(b).ok())
            .map(|e| e["webhookEvent"].clone())
            .collect();
        names.iter().any(|n| n == "jira:issue_updated")
            && names.iter().any(|n| n == "sprint_started")
    })
    .await;
    sim.shutdown().await;
    let (p, a) = (platform(), agile());
    let mut checked = 0;
    for (_, body) in &deliveries {
        let event: Value = serde_json::from_slice(body).expect("JSON webhook");
        if let Some(issue) = event.get("issue") {
            p.component("IssueBean", issue, "a webhook issue");
            check_fields(issue);
            p.component("UserDetails", &event["user"], "a webhook user");
            checked += 1;
        }
        for item in event["changelog"]["items"].as_array().into_iter().flatten() {
            // Webhook assignee items carry JIRA's extra `tmpFromAccountId`/`tmpToAccountId`.
            let mut item = item.clone();
            if let Some(o) = item.as_object_mut() {
                o.remove("tmpFromAccountId");
                o.remove("tmpToAccountId");
            }
            p.component("ChangeDetails", &item, "a webhook changelog item");
        }
        if let Some(sprint) = event.get("sprint") {
            a.component("SprintBean", sprint, "a sprint webhook");
        }
    }
    assert!(checked >= 2, "only {checked} issue webhooks arrived");
}
