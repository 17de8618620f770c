//! One issue and its changelog: `GET /issue/{key}` (all fields by default,
//! embedded changelog up to 100 newest histories on Cloud, all of them on
//! Data Center), the oldest-first changelog
//! pages (`startAt`/`maxResults` <= 100/`total`/`isLast`/`nextPage`), and
//! Cloud's `POST /changelog/bulkfetch` (token pages over many issues).

use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::Engine;
use serde::Deserialize;
use serde_json::{json, Value};

use super::search::FULL_CHANGELOG_CAP;
use super::{
    api_version, ctx, error, issue_not_found, number, ok, param, params, Params, SiteState,
};
use crate::org::Change;
use crate::render::FieldSelection;
use crate::Flavor;

pub(crate) async fn get_issue(
    State(site): SiteState,
    uri: Uri,
    Path(key): Path<String>,
    p: Params,
) -> Response {
    let org = site.read();
    let Some(idx) = org.find(&key) else { return issue_not_found() };
    let sel = FieldSelection::parse(&params(&p, "fields"), "*all");
    let changelog =
        param(&p, "expand").is_some_and(|e| e.split(',').any(|x| x.trim() == "changelog"));
    let c = ctx(&site, &org, api_version(uri.path()));
    // Data Center has no changelog resource: its GET issue expands the whole
    // change history, the only way to read histories past what search embeds.
    let cap = match site.flavor() {
        Flavor::Cloud => FULL_CHANGELOG_CAP,
        Flavor::DataCenter => usize::MAX,
    };
    let mut v = c.issue(&org.issues[idx], &sel, changelog.then_some(cap), false);
    if v.get("fields").is_none() {
        v["fields"] = json!({});
    }
    ok(&v)
}

pub(crate) async fn changelog(
    State(site): SiteState,
    uri: Uri,
    Path(key): Path<String>,
    p: Params,
) -> Response {
    if site.flavor() == Flavor::DataCenter {
        return error(StatusCode::NOT_FOUND, "null for uri");
    }
    let start = match number(&p, "startAt", 0) {
        Ok(s) => s.max(0) as usize,
        Err(r) => return r.into_response(),
    };
    let max = match number(&p, "maxResults", 100) {
        Ok(m) => m.clamp(1, 100) as usize,
        Err(r) => return r.into_response(),
    };
    let org = site.read();
    let Some(idx) = org.find(&key) else { return issue_not_found() };
    let issue = &org.issues[idx];
    let c = ctx(&site, &org, api_version(uri.path()));
    let total = issue.histories.len();
    let end = (start + max).min(total);
    let values: Vec<Value> = issue
        .histories
        .get(start.min(end)..end)
        .unwrap_or_default()
        .iter()
        .map(|h| c.history(h))
        .collect();
    let page_url =
        |at: usize| format!("{}{}?maxResults={max}&startAt={at}", site.base_url, uri.path());
    let mut body = json!({
        "self": page_url(start),
        "maxResults": max,
        "startAt": start,
        "total": total,
        "isLast": end >= total,
        "values": values,
    });
    if end < total {
        body["nextPage"] = json!(page_url(end));
    }
    ok(&body)
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct BulkRequest {
    issue_ids_or_keys: Vec<String>,
    #[serde(default)]
    field_ids: Vec<String>,
    #[serde(default)]
    max_results: Option<i64>,
    #[serde(default)]
    next_page_token: Option<String>,
}

fn change_field_id(org: &crate::org::Org, c: &Change) -> Option<String> {
    Some(match c {
        Change::Status { .. } => "status".into(),
        Change::Resolution { .. } => "resolution".into(),
        Change::Sprint { .. } => org.fields.sprint.into(),
        Change::Points { .. } => org.fields.story_points.clone(),
        Change::Flagged { .. } => org.fields.flagged.into(),
        Change::Assignee { .. } => "assignee".into(),
        Change::Priority { .. } => "priority".into(),
        Change::Rank { .. } => org.fields.rank.into(),
        Change::Workflow | Change::Link { .. } => return None,
    })
}

pub(crate) async fn bulkfetch(
    State(site): SiteState,
    uri: Uri,
    body: Result<Json<BulkRequest>, axum::extract::rejection::JsonRejection>,
) -> Response {
    if site.flavor() == Flavor::DataCenter {
        return error(StatusCode::NOT_FOUND, "null for uri");
    }
    let req = match body {
        Ok(Json(r)) => r,
        Err(e) => {
            return error(
                StatusCode::BAD_REQUEST,
                &format!("Invalid request payload. ({})", e.body_text()),
            )
        }
    };
    if req.issue_ids_or_keys.is_empty() || req.issue_ids_or_keys.len() > 1000 {
        return error(
            StatusCode::BAD_REQUEST,
            "issueIdsOrKeys must contain between 1 and 1000 issues.",
        );
    }
    if req.field_ids.len() > 10 {
        return error(StatusCode::BAD_REQUEST, "fieldIds must contain at most 10 fields.");
    }
    let max = req.max_results.unwrap_or(1000).clamp(1, 10000) as usize;
    let offset = match req.next_page_token.as_deref().filter(|t| !t.is_empty()) {
        None => 0,
        Some(t) => match base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(t)
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .and_then(|s| s.strip_prefix("bulk:").and_then(|n| n.parse::<usize>().ok()))
        {
            Some(o) => o,
            None => {
                return error(
                    StatusCode::BAD_REQUEST,
                    "The provided next page token is invalid or expired.",
                )
            }
        },
    };
    let org = site.read();
    let c = ctx(&site, &org, api_version(uri.path()));
    let mut wanted: Vec<usize> = req.issue_ids_or_keys.iter().filter_map(|k| org.find(k)).collect();
    wanted.sort_unstable();
    wanted.dedup();
    // Every (history, issue) pair, oldest first, then by issue id.
    let mut entries: Vec<(chrono::DateTime<chrono::Utc>, u64, usize, usize)> = Vec::new();
    for &n in &wanted {
        let issue = &org.issues[n];
        for (h, hist) in issue.histories.iter().enumerate() {
            let keep = req.field_ids.is_empty()
                || hist.items.iter().any(|c| {
                    change_field_id(&org, c).is_some_and(|id| req.field_ids.contains(&id))
                });
            if keep {
                entries.push((hist.at, issue.id, n, h));
            }
        }
    }
    entries.sort_by_key(|e| (e.0, e.1));
    let end = (offset + max).min(entries.len());
    let mut logs: Vec<(u64, Vec<Value>)> = Vec::new();
    for &(_, id, n, h) in entries.get(offset.min(end)..end).unwrap_or_default() {
        let hist = &org.issues[n].histories[h];
        let mut v = c.history(hist);
        if !req.field_ids.is_empty() {
            let items: Vec<Value> = hist
                .items
                .iter()
                .filter(|ch| {
                    change_field_id(&org, ch).is_some_and(|fid| req.field_ids.contains(&fid))
                })
                .map(|ch| c.change(ch))
                .collect();
            v["items"] = Value::Array(items);
        }
        match logs.last_mut() {
            Some((last, list)) if *last == id => list.push(v),
            _ => logs.push((id, vec![v])),
        }
    }
    let mut body = json!({
        "issueChangeLogs": logs.into_iter().map(|(id, h)| json!({"issueId": id.to_string(), "changeHistories": h})).collect::<Vec<_>>(),
    });
    if end < entries.len() {
        body["nextPageToken"] =
            json!(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("bulk:{end}")));
    }
    ok(&body)
}
