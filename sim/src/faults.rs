//! Fault injection: rules that make matching requests fail the way JIRA
//! fails (429 with its headers and HTML body, 5xx, slow responses, a body cut
//! short, an issue changing while a search is being paged). Tests push rules
//! through `Sim::faults()`; the `claudedirector sim` command can also run a
//! schedule (every Nth request).

use std::sync::Mutex;
use std::time::Duration;

/// What goes wrong.
#[derive(Debug, Clone, PartialEq)]
pub enum Fault {
    /// 429 with `Retry-After`, `X-RateLimit-*`, `RateLimit-Reason` and JIRA's HTML body.
    RateLimited { retry_after_secs: u64 },
    /// A 5xx (or any status) with JIRA's error body.
    ServerError(u16),
    /// The response is delayed by this long.
    Slow(Duration),
    /// The response body is cut in half (still a 200, with a matching `Content-Length`).
    Truncated,
    /// After a search page is served, its first issue is updated, so a
    /// client paging by `updated` sees the rest of the result shift under it.
    MutateDuringPaging,
    /// A normal response carrying `X-RateLimit-NearLimit: true`.
    NearLimit,
}

/// Which requests a rule applies to.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Matcher {
    /// Path prefix, e.g. `/rest/api/3/search/jql`; empty matches every path.
    pub path_prefix: String,
    /// HTTP method (`GET`, `POST`); `None` matches any.
    pub method: Option<String>,
}

impl Matcher {
    /// Matches every request whose path starts with `prefix`.
    pub fn path(prefix: impl Into<String>) -> Matcher {
        Matcher { path_prefix: prefix.into(), method: None }
    }

    /// Also requires the method.
    pub fn method(mut self, method: impl Into<String>) -> Matcher {
        self.method = Some(method.into().to_ascii_uppercase());
        self
    }

    fn matches(&self, method: &str, path: &str) -> bool {
        path.starts_with(&self.path_prefix)
            && self.method.as_deref().is_none_or(|m| m.eq_ignore_ascii_case(method))
    }
}

/// One rule: for requests matching `matcher`, skip the first `skip`, then
/// apply `fault` to every `every`-th one, `count` times in all.
#[derive(Debug, Clone, PartialEq)]
pub struct FaultRule {
    pub matcher: Matcher,
    pub fault: Fault,
    /// How many times the fault fires; `u32::MAX` for a standing schedule.
    pub count: u32,
    /// Matching requests let through before the first fault.
    pub skip: u32,
    /// Fire on every `every`-th matching request (1 = each one).
    pub every: u32,
}

impl FaultRule {
    /// A rule firing once on the next matching request.
    pub fn new(matcher: Matcher, fault: Fault) -> FaultRule {
        FaultRule { matcher, fault, count: 1, skip: 0, every: 1 }
    }

    /// Fire `n` times.
    pub fn times(mut self, n: u32) -> FaultRule {
        self.count = n;
        self
    }

    /// Let `n` matching requests through first.
    pub fn after(mut self, n: u32) -> FaultRule {
        self.skip = n;
        self
    }

    /// Fire on every `n`-th matching request, forever (a schedule).
    pub fn every(mut self, n: u32) -> FaultRule {
        self.every = n.max(1);
        self.count = u32::MAX;
        self
    }
}

#[derive(Debug)]
struct Slot {
    rule: FaultRule,
    seen: u32,
    fired: u32,
}

/// The site's fault rules; shared by every request.
#[derive(Debug, Default)]
pub struct Faults {
    rules: Mutex<Vec<Slot>>,
}

impl Faults {
    /// Adds a rule; rules are checked in the order they were pushed.
    pub fn push(&self, rule: FaultRule) {
        self.lock().push(Slot { rule, seen: 0, fired: 0 });
    }

    /// Removes every rule.
    pub fn clear(&self) {
        self.lock().clear();
    }

    /// How many rules still have faults left to fire.
    pub fn pending(&self) -> usize {
        self.lock().iter().filter(|s| s.fired < s.rule.count).count()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Slot>> {
        // A poisoned lock only means a test panicked mid-push; the rules are still usable.
        self.rules.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The faults to apply to this request (at most one per rule).
    pub(crate) fn check(&self, method: &str, path: &str) -> Vec<Fault> {
        let mut out = Vec::new();
        let mut rules = self.lock();
        for slot in rules.iter_mut() {
            if slot.fired >= slot.rule.count || !slot.rule.matcher.matches(method, path) {
                continue;
            }
            slot.seen += 1;
            if slot.seen <= slot.rule.skip {
                continue;
            }
            if (slot.seen - slot.rule.skip - 1) % slot.rule.every != 0 {
                continue;
            }
            slot.fired += 1;
            out.push(slot.rule.fault.clone());
        }
        rules.retain(|s| s.fired < s.rule.count);
        out
    }
}

/// JIRA Cloud's HTML 429 page.
pub(crate) const CLOUD_429_HTML: &str = concat!(
    "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta http-equiv=\"X-UA-Compatible\" content=\"IE=edge\">",
    "<title>Oops - an error has occurred</title><link type='text/css' rel='stylesheet' href='/static-assets/metal-all.css' media='all'>",
    "<script src='/static-assets/metal-all.js'></script><meta name=\"decorator\" content=\"none\" /></head>",
    "<body class=\" error-page error429\"><script type=\"text/javascript\">document.body.className += \" js-enabled\";</script>",
    "<div id=\"page\"><header id=\"header\" role=\"banner\"></header><section id=\"content\" role=\"main\"><div class=\"aui-page-panel\">",
    "<div class=\"aui-page-panel-inner\"><section class=\"aui-page-panel-content lowerContent\"><div id=\"error-state\">",
    "<span class=\"error-type\"></span><h1>Something went wrong</h1><p>Try reloading the page, then check our ",
    "<a href=\"https://status.atlassian.com\">Statuspage</a> for any current outages. If there are no outages, wait a moment and try again.</p>",
    "</div></section></div></div></section></div></body></html>"
);

/// JIRA Data Center's Tomcat 429 page.
pub(crate) const DC_429_HTML: &str = concat!(
    "<!doctype html><html lang=\"en\"><head><title>HTTP Status 429 – Too Many Requests</title><style type=\"text/css\">",
    "body {font-family:Tahoma,Arial,sans-serif;} h1, h2, h3, b {color:white;background-color:#525D76;} h1 {font-size:22px;} ",
    "h2 {font-size:16px;} h3 {font-size:14px;} p {font-size:12px;} a {color:black;} .line {height:1px;background-color:#525D76;border:none;}",
    "</style></head><body><h1>HTTP Status 429 – Too Many Requests</h1><hr class=\"line\" /><p><b>Type</b> Status Report</p>",
    "<p><b>Message</b> Rate limit exceeded.</p><p><b>Description</b> The user has sent too many requests in a given amount of time ",
    "(\"rate limiting\").</p><hr class=\"line\" /><h3>Apache Tomcat/9.0.95</h3></body></html>"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rule_fires_its_count_after_skipping_and_then_retires() {
        let f = Faults::default();
        f.push(
            FaultRule::new(Matcher::path("/rest/api/3/search"), Fault::ServerError(503))
                .times(2)
                .after(1),
        );
        assert!(f.check("GET", "/rest/api/3/search/jql").is_empty());
        assert_eq!(f.check("GET", "/rest/api/3/search/jql"), vec![Fault::ServerError(503)]);
        assert!(f.check("GET", "/rest/api/3/myself").is_empty());
        assert_eq!(f.check("POST", "/rest/api/3/search/jql"), vec![Fault::ServerError(503)]);
        assert!(f.check("GET", "/rest/api/3/search/jql").is_empty());
        assert_eq!(f.pending(), 0);
    }

    #[test]
    fn a_schedule_fires_every_nth_matching_request() {
        let f = Faults::default();
        f.push(FaultRule::new(Matcher::path("").method("GET"), Fault::NearLimit).every(3));
        let fired: Vec<bool> = (0..7).map(|_| !f.check("GET", "/x").is_empty()).collect();
        assert_eq!(fired, [true, false, false, true, false, false, true]);
        assert!(f.check("POST", "/x").is_empty());
    }
}
