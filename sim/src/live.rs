//! Live mode: the simulated clock runs `time_factor` times real time and, at
//! each tick, moves work along (starts, reviews, finishes, new issues, now and
//! then a Highest-priority incident or a blocked and flagged item, sprints
//! closing and starting at their boundaries). Every change goes out as a
//! JIRA-shaped webhook: `issue` in the REST v2 shape, `changelog.items`,
//! a unique `X-Atlassian-Webhook-Identifier`, `X-Hub-Signature` when a secret
//! is set, and retries (with `X-Atlassian-Webhook-Retry`) on 408, 409, 425,
//! 429, 5xx and connection errors, as JIRA Cloud delivers them.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;
use tokio::sync::mpsc;

use crate::org::{Change, Mutation, Org, SprintState, BLOCKED, DONE, IN_PROGRESS, IN_REVIEW, TODO};
use crate::random::Rng;
use crate::render::{Ctx, FieldSelection};
use crate::site::Site;
use crate::LiveOptions;

/// Delivery attempts per webhook (the first plus retries).
const ATTEMPTS: u32 = 6;

/// Aborts the webhook emitter when live mode stops.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Installs the channel changes are announced on, so nothing done right after
/// `start` returns can be missed; `run` drains it.
pub(crate) fn listen(site: &Site) -> mpsc::UnboundedReceiver<Mutation> {
    let (tx, rx) = mpsc::unbounded_channel();
    *site.events.lock().unwrap_or_else(|e| e.into_inner()) = Some(tx);
    rx
}

/// Runs live mode until the future is dropped.
pub(crate) async fn run(
    site: Arc<Site>,
    options: LiveOptions,
    rx: mpsc::UnboundedReceiver<Mutation>,
) {
    let _emitter = AbortOnDrop(tokio::spawn(emit(site.clone(), rx, options.clone())));
    let mut rng = Rng::new(site.options.seed ^ 0x5EED_11FE);
    let mut last = site.clock.now();
    let mut ticker = tokio::time::interval(options.tick.max(Duration::from_millis(10)));
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticker.tick().await;
        let now = site.clock.now();
        let days = (now - last).num_milliseconds() as f64 / 86_400_000.0;
        last = now;
        if days <= 0.0 {
            continue;
        }
        let changes = {
            let mut org = site.write();
            step(&mut org, &mut rng, now, days)
        };
        for m in changes {
            site.emit(m);
        }
    }
}

/// Number of events of a Poisson process with `rate` per day over `days`.
fn poisson(rng: &mut Rng, rate: f64, days: f64) -> u32 {
    let mut n = 0;
    let mut t = rng.exponential(1.0);
    let mean = rate * days;
    while t < mean && n < 10_000 {
        n += 1;
        t += rng.exponential(1.0);
    }
    n
}

/// One tick of simulated work for `days` of simulated time ending at `now`.
pub(crate) fn step(org: &mut Org, rng: &mut Rng, now: DateTime<Utc>, days: f64) -> Vec<Mutation> {
    let mut out = org.roll_sprints(now);
    for team in 0..org.teams.len() {
        let people = org.teams[team].members.len() as f64;
        let throughput = people * 0.25;
        for _ in 0..poisson(rng, throughput, days) {
            let idx = org.create(team, now, false);
            out.push(Mutation::Created(idx));
            if rng.chance(0.3) {
                out.extend(org.add_to_active_sprint(idx, now));
            }
        }
        if poisson(rng, 0.02, days) > 0 {
            let idx = org.create(team, now, true);
            out.push(Mutation::Created(idx));
            out.push(org.transition(idx, IN_PROGRESS, now));
        }
        // About three transitions per finished item.
        let moves = poisson(rng, throughput * 3.0, days);
        if moves == 0 && poisson(rng, 0.1, days) == 0 {
            continue;
        }
        let open: Vec<usize> = org
            .live_issues()
            .filter(|(_, i)| i.team == team && i.status != DONE && i.kind != crate::org::Kind::Epic)
            .filter(|(_, i)| i.status != TODO || active_sprint_holds(org, i))
            .map(|(n, _)| n)
            .collect();
        if open.is_empty() {
            continue;
        }
        for _ in 0..moves {
            let idx = *rng.pick(&open);
            if org.issues[idx].status == DONE {
                continue;
            }
            out.push(org.advance(idx, now));
        }
        if poisson(rng, 0.2, days) > 0 {
            let idx = *rng.pick(&open);
            if let Some(p) = org.issues[idx].points {
                out.push(org.estimate(idx, if p >= 5.0 { p + 3.0 } else { p + 1.0 }, now));
            }
        }
        if poisson(rng, 0.15, days) > 0 {
            let idx = *rng.pick(&open);
            let on = !org.issues[idx].flagged;
            if org.issues[idx].status != BLOCKED {
                out.push(org.flag(idx, on, now));
            }
        }
        if poisson(rng, 0.1, days) > 0 {
            let working: Vec<usize> = open
                .iter()
                .copied()
                .filter(|&n| matches!(org.issues[n].status, IN_PROGRESS | IN_REVIEW))
                .collect();
            if !working.is_empty() {
                let idx = *rng.pick(&working);
                out.push(org.block(idx, now));
            }
        }
    }
    out
}

fn active_sprint_holds(org: &Org, issue: &crate::org::Issue) -> bool {
    issue
        .sprints
        .last()
        .and_then(|s| org.sprint(*s))
        .is_some_and(|s| s.state == SprintState::Active)
}

/// Turns changes into webhook bodies and delivers them in order.
async fn emit(site: Arc<Site>, mut rx: mpsc::UnboundedReceiver<Mutation>, options: LiveOptions) {
    let client =
        reqwest::Client::builder().timeout(Duration::from_secs(10)).build().unwrap_or_default();
    let mut counter: u64 = 0;
    // Identifiers must stay unique across restarts, since receivers dedupe on them durably.
    let run = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    while let Some(m) = rx.recv().await {
        let Some(url) = options.webhook_url.as_deref() else { continue };
        let body = {
            let org = site.read();
            payload(&site, &org, &m)
        };
        let Some(body) = body else { continue };
        counter += 1;
        let id = format!("{run:x}-{counter}");
        let bytes = serde_json::to_vec(&body).unwrap_or_default();
        deliver(&client, url, &bytes, &id, options.webhook_secret.as_deref()).await;
    }
}

/// `sha256=<hex HMAC-SHA256 of body>`, as JIRA signs admin webhooks with a secret.
pub(crate) fn signature(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap_or_else(|_| {
        // HMAC accepts keys of any length; this branch cannot be reached.
        Hmac::<Sha256>::new_from_slice(b"").unwrap_or_else(|_| unreachable!())
    });
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

fn retryable(status: u16) -> bool {
    matches!(status, 408 | 409 | 425 | 429) || status >= 500
}

async fn deliver(client: &reqwest::Client, url: &str, body: &[u8], id: &str, secret: Option<&str>) {
    for attempt in 0..ATTEMPTS {
        let mut req = client
            .post(url)
            .header("Content-Type", "application/json; charset=utf-8")
            .header("User-Agent", "Atlassian Webhook HTTP Client")
            .header("X-Atlassian-Webhook-Identifier", id)
            .header("X-Atlassian-Webhook-Flow", "Primary")
            .body(body.to_vec());
        if attempt > 0 {
            req = req.header("X-Atlassian-Webhook-Retry", attempt.to_string());
        }
        if let Some(secret) = secret {
            req = req.header("X-Hub-Signature", signature(secret, body));
        }
        match req.send().await {
            Ok(res) if !retryable(res.status().as_u16()) => return,
            Ok(res) => tracing::debug!(
                status = res.status().as_u16(),
                attempt,
                "webhook delivery will be retried"
            ),
            Err(e) => tracing::debug!(error = %e, attempt, "webhook delivery failed; will retry"),
        }
        // JIRA spreads retries over minutes; the site compresses that to seconds.
        tokio::time::sleep(Duration::from_millis(200 * (1 << attempt.min(5)))).await;
    }
    tracing::warn!(id, "webhook dropped after {ATTEMPTS} attempts");
}

/// The webhook body for a change; `None` when there is nothing to say.
pub(crate) fn payload(site: &Site, org: &Org, m: &Mutation) -> Option<Value> {
    let plain = Ctx {
        org,
        base: &site.base_url,
        tz: site.tz,
        api: 2,
        flavor: site.flavor(),
        catalog: None,
    };
    let c = Ctx { catalog: Some(site.catalog.parts(plain)), ..plain };
    let all = FieldSelection::parse(&["*all"], "*all");
    let timestamp = site.clock.now().timestamp_millis();
    let issue_body = |n: usize| {
        let mut v = c.issue(&org.issues[n], &all, None, false);
        if let Some(o) = v.as_object_mut() {
            o.remove("expand");
        }
        v
    };
    let actor = |n: usize| {
        let i = &org.issues[n];
        c.user(i.assignee.unwrap_or(i.reporter))
    };
    Some(match m {
        Mutation::Created(n) => {
            let i = &org.issues[*n];
            let (pid, pname) = crate::org::PRIORITIES[i.priority as usize];
            json!({
                "timestamp": timestamp,
                "webhookEvent": "jira:issue_created",
                "issue_event_type_name": "issue_created",
                "user": c.user(i.reporter),
                "issue": issue_body(*n),
                "changelog": {"id": (i.histories.first().map_or(org.next_history_id, |h| h.id)).to_string(), "items": [
                    {"field": "priority", "fieldtype": "jira", "fieldId": "priority", "from": null, "fromString": null, "to": pid, "toString": pname},
                    {"field": "Status", "fieldtype": "jira", "fieldId": "status", "from": null, "fromString": null, "to": "10000", "toString": "To Do"},
                ]},
            })
        }
        Mutation::Updated { issue, history } => {
            let items: Vec<Value> = history
                .items
                .iter()
                .map(|ch| {
                    let mut v = c.change(ch);
                    if let Change::Assignee { from, to } = ch {
                        let id = |u: &Option<u32>| {
                            u.and_then(|u| org.users.get(u as usize)).map(|u| u.account_id.clone())
                        };
                        v["tmpFromAccountId"] = json!(id(from));
                        v["tmpToAccountId"] = json!(id(to));
                    }
                    v
                })
                .collect();
            let kind = if history.items.iter().any(|ch| matches!(ch, Change::Status { .. })) {
                "issue_generic"
            } else if history.items.iter().any(|ch| matches!(ch, Change::Assignee { .. })) {
                "issue_assigned"
            } else {
                "issue_updated"
            };
            json!({
                "timestamp": timestamp,
                "webhookEvent": "jira:issue_updated",
                "issue_event_type_name": kind,
                "user": c.user(history.author),
                "issue": issue_body(*issue),
                "changelog": {"id": history.id.to_string(), "items": items},
            })
        }
        Mutation::Deleted(n) => json!({
            "timestamp": timestamp,
            "webhookEvent": "jira:issue_deleted",
            "user": actor(*n),
            "issue": issue_body(*n),
        }),
        Mutation::SprintStarted(id) | Mutation::SprintClosed(id) => {
            let sprint = org.sprint(*id)?;
            let event = if matches!(m, Mutation::SprintStarted(_)) {
                "sprint_started"
            } else {
                "sprint_closed"
            };
            json!({"timestamp": timestamp, "webhookEvent": event, "sprint": c.sprint_agile(sprint)})
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::org::{generate, Preset};
    use chrono::{Duration as ChronoDuration, TimeZone};

    #[test]
    fn signature_is_the_hex_hmac_of_the_body() {
        // RFC 4231 test case 2.
        let s = signature("Jefe", b"what do ya want for nothing?");
        assert_eq!(s, "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    }

    #[test]
    fn a_simulated_week_moves_work_creates_issues_and_rolls_sprints() {
        let start = Utc.with_ymd_and_hms(2026, 1, 5, 10, 0, 0).unwrap();
        let mut org = generate(3, Preset::Tiny, start);
        let before = org.issues.len();
        let mut rng = Rng::new(1);
        let mut all = Vec::new();
        for h in 1..=(24 * 15) {
            all.extend(step(&mut org, &mut rng, start + ChronoDuration::hours(h), 1.0 / 24.0));
        }
        assert!(org.issues.len() > before, "no issue was created");
        assert!(all.iter().any(|m| matches!(m, Mutation::SprintClosed(_))));
        assert!(all.iter().any(|m| matches!(m, Mutation::SprintStarted(_))));
        let done_moves = all
            .iter()
            .filter(|m| matches!(m, Mutation::Updated { history, .. } if history.items.iter().any(|c| matches!(c, Change::Status { to: DONE, .. }))))
            .count();
        assert!(done_moves > 3, "only {done_moves} issues finished in two weeks");
        assert!(org.issues.iter().all(|i| i.updated <= start + ChronoDuration::hours(24 * 15)));
    }
}
