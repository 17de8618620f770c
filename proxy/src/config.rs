//! The proxy's configuration: one TOML file (site, auth mode, sync policy,
//! teams, schedules, thresholds) plus secrets taken only from the environment.
//!
//! Parsing is strict (unknown keys are errors) so a typo does not silently
//! fall back to a default; validation checks what TOML cannot (time zones,
//! cron expressions, durations, team names and JQL).

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono_tz::Tz;
use serde::Deserialize;

use crate::schedule::Cron;

/// Configuration could not be read or is invalid.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The file could not be read.
    #[error("cannot read config file {path}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The TOML is malformed or has unknown keys.
    #[error("config is not valid: {0}")]
    Parse(#[from] toml::de::Error),
    /// A value is out of range or inconsistent.
    #[error("config key `{key}`: {message}")]
    Invalid {
        /// The offending key.
        key: String,
        /// What is wrong.
        message: String,
    },
    /// A secret the auth mode needs is not in the environment.
    #[error("environment variable {0} is not set (needed by the configured jira.auth)")]
    MissingSecret(&'static str),
}

fn invalid(key: impl Into<String>, message: impl Into<String>) -> Error {
    Error::Invalid { key: key.into(), message: message.into() }
}

/// A secret whose `Debug` and `Display` never show the value.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The secret itself; call only where it is put on the wire.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// Which JIRA product the site runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Flavor {
    /// Jira Cloud: `/rest/api/3/search/jql`, token paging.
    Cloud,
    /// Jira Data Center / Server: `/rest/api/2/search`, `startAt` paging.
    Datacenter,
}

/// How the proxy authenticates to JIRA.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AuthMode {
    /// `email:api_token` from `JIRA_EMAIL` and `JIRA_API_TOKEN`.
    Basic,
    /// A personal access token from `JIRA_PAT`.
    Bearer,
}

/// Credentials, from the environment only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credentials {
    /// Basic auth with an API token.
    Basic {
        /// Account email.
        email: String,
        /// API token.
        token: Secret,
    },
    /// Bearer personal access token.
    Bearer {
        /// The token.
        token: Secret,
    },
}

impl Credentials {
    /// Reads the credentials `mode` needs from the environment.
    pub fn from_env(mode: AuthMode) -> Result<Credentials, Error> {
        let var = |name: &'static str| {
            std::env::var(name).ok().filter(|v| !v.is_empty()).ok_or(Error::MissingSecret(name))
        };
        match mode {
            AuthMode::Basic => Ok(Credentials::Basic {
                email: var("JIRA_EMAIL")?,
                token: Secret::new(var("JIRA_API_TOKEN")?),
            }),
            AuthMode::Bearer => Ok(Credentials::Bearer { token: Secret::new(var("JIRA_PAT")?) }),
        }
    }
}

/// The whole configuration.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The JIRA site.
    pub jira: JiraConfig,
    /// Sync policy.
    #[serde(default)]
    pub sync: SyncConfig,
    /// Organisation-wide settings.
    #[serde(default)]
    pub org: OrgConfig,
    /// The HTTP server.
    #[serde(default)]
    pub server: ServerConfig,
    /// Alert and risk thresholds.
    #[serde(default)]
    pub thresholds: Thresholds,
    /// Webhook intake: limits, batching, what is critical.
    #[serde(default)]
    pub webhooks: crate::webhooks::WebhookConfig,
    /// Sign-in: users, sessions, CORS.
    #[serde(default)]
    pub auth: crate::auth::AuthConfig,
    /// Notification channels, routing, quiet hours, the Monday summary.
    #[serde(default)]
    pub notify: crate::notify::NotifyConfig,
    /// Teams: each a name and the JQL that selects its issues.
    #[serde(default, rename = "team")]
    pub teams: Vec<TeamConfig>,
}

/// `[jira]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JiraConfig {
    /// Base URL of the site; http is allowed for local use.
    pub url: String,
    /// `cloud` or `datacenter`.
    #[serde(default = "default_flavor")]
    pub flavor: Flavor,
    /// `basic` or `bearer`.
    #[serde(default = "default_auth")]
    pub auth: AuthMode,
    /// Outgoing calls per second (token bucket refill rate).
    #[serde(default = "default_rate")]
    pub requests_per_second: f64,
    /// Calls allowed in flight at once.
    #[serde(default = "default_concurrency")]
    pub concurrency: usize,
    /// Issues per detailed search page.
    #[serde(default = "default_page_size")]
    pub page_size: u32,
    /// Issues per ids-only search page.
    #[serde(default = "default_id_page_size")]
    pub id_page_size: u32,
    /// Per-request timeout.
    #[serde(default = "default_timeout", deserialize_with = "de_duration")]
    pub timeout: Duration,
    /// Retries of one call on 429/5xx/timeouts before the run fails.
    #[serde(default = "default_retries")]
    pub max_retries: u32,
    /// Longest single backoff wait.
    #[serde(default = "default_max_backoff", deserialize_with = "de_duration")]
    pub max_backoff: Duration,
}

fn default_flavor() -> Flavor {
    Flavor::Cloud
}
fn default_auth() -> AuthMode {
    AuthMode::Basic
}
fn default_rate() -> f64 {
    10.0
}
fn default_concurrency() -> usize {
    4
}
fn default_page_size() -> u32 {
    100
}
fn default_id_page_size() -> u32 {
    // JIRA Cloud's ceiling for ids-only pages.
    5000
}
fn default_timeout() -> Duration {
    Duration::from_secs(30)
}
fn default_retries() -> u32 {
    6
}
fn default_max_backoff() -> Duration {
    Duration::from_secs(60)
}

/// `[sync]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SyncConfig {
    /// Data younger than this is served without syncing first.
    #[serde(default = "default_fresh_for", deserialize_with = "de_duration")]
    pub fresh_for: Duration,
    /// JIRA calls allowed per day (organisation time zone).
    #[serde(default = "default_budget")]
    pub daily_budget: u64,
    /// How far before the cursor an incremental query starts; JQL has
    /// minute granularity and JIRA's index lags a little behind writes.
    #[serde(default = "default_overlap", deserialize_with = "de_duration")]
    pub overlap: Duration,
    /// Windows wider than this are read ids-first (ids + `updated`, then
    /// details of what changed); narrower ones in one detailed page, since
    /// an ids call would cost as much as the page it saves.
    #[serde(default = "default_ids_first", deserialize_with = "de_duration")]
    pub ids_first_after: Duration,
    /// The full reconcile (deletions, missed events), as cron.
    #[serde(default = "default_reconcile")]
    pub reconcile: String,
    /// Monday report preparation, as cron (empty to disable).
    #[serde(default = "default_monday_report")]
    pub monday_report: String,
    /// Board meeting time, as cron; a refresh runs two hours before.
    #[serde(default)]
    pub board_meeting: Option<String>,
    /// Quarterly planning, as cron (empty to disable).
    #[serde(default = "default_quarterly")]
    pub quarterly_planning: String,
    /// Ready-made operational schedules to switch on: `business-hours-15m`, `every-2h`.
    #[serde(default)]
    pub presets: Vec<String>,
    /// Further schedules.
    #[serde(default, rename = "schedule")]
    pub schedules: Vec<ScheduleConfig>,
}

impl Default for SyncConfig {
    fn default() -> Self {
        SyncConfig {
            fresh_for: default_fresh_for(),
            daily_budget: default_budget(),
            overlap: default_overlap(),
            ids_first_after: default_ids_first(),
            reconcile: default_reconcile(),
            monday_report: default_monday_report(),
            board_meeting: None,
            quarterly_planning: default_quarterly(),
            presets: Vec::new(),
            schedules: Vec::new(),
        }
    }
}

fn default_fresh_for() -> Duration {
    Duration::from_secs(2 * 3600)
}
fn default_budget() -> u64 {
    500
}
fn default_overlap() -> Duration {
    Duration::from_secs(120)
}
fn default_ids_first() -> Duration {
    Duration::from_secs(12 * 3600)
}
fn default_reconcile() -> String {
    "0 2 * * *".into()
}
fn default_monday_report() -> String {
    "0 7 * * MON".into()
}
fn default_quarterly() -> String {
    "0 6 1 1,4,7,10 *".into()
}

/// The operational presets the `presets` key can switch on.
pub const PRESETS: &[(&str, &str)] =
    &[("business-hours-15m", "*/15 8-17 * * MON-FRI"), ("every-2h", "0 */2 * * *")];

/// `[[sync.schedule]]`: an extra scheduled sync.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScheduleConfig {
    /// Shown in status and logs.
    pub name: String,
    /// Five-field cron in the organisation's time zone.
    pub cron: String,
    /// Run a full reconcile rather than an incremental sync.
    #[serde(default)]
    pub full: bool,
}

/// `[org]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrgConfig {
    /// IANA time zone of schedules and day boundaries.
    #[serde(default = "default_tz", deserialize_with = "de_tz")]
    pub time_zone: Tz,
}

impl Default for OrgConfig {
    fn default() -> Self {
        OrgConfig { time_zone: default_tz() }
    }
}

fn default_tz() -> Tz {
    Tz::UTC
}

/// `[server]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerConfig {
    /// Listen address.
    #[serde(default = "default_addr")]
    pub addr: String,
    /// Folder of the built dashboard (`trunk build` output).
    #[serde(default = "default_dist")]
    pub dist: PathBuf,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig { addr: default_addr(), dist: default_dist() }
    }
}

fn default_addr() -> String {
    "127.0.0.1:8080".into()
}
fn default_dist() -> PathBuf {
    PathBuf::from("dist")
}

/// `[thresholds]`: limits alerts and risk read.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Thresholds {
    /// Minutes before an unacknowledged alert escalates.
    #[serde(default = "default_escalate")]
    pub escalate_after_minutes: u32,
    /// Aging WIP beyond this cycle-time percentile is flagged.
    #[serde(default = "default_aging")]
    pub aging_percentile: f64,
    /// Risk score at or above which a team is shown as at risk.
    #[serde(default = "default_risk")]
    pub risk_high: u32,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            escalate_after_minutes: default_escalate(),
            aging_percentile: default_aging(),
            risk_high: default_risk(),
        }
    }
}

fn default_escalate() -> u32 {
    30
}
fn default_aging() -> f64 {
    85.0
}
fn default_risk() -> u32 {
    60
}

/// `[[team]]`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TeamConfig {
    /// Team name (its id everywhere).
    pub name: String,
    /// JQL selecting the team's issues, such as `project = ALPHA`.
    pub jql: String,
    /// The team's board, when known (sprints are read from it).
    #[serde(default)]
    pub board: Option<u64>,
    /// Head count, when known.
    #[serde(default)]
    pub size: Option<u32>,
}

impl TeamConfig {
    /// The teams of a simulated site, one per project and board, as the demo,
    /// the benchmarks and the tests configure them.
    pub fn for_sim(sim: &director_sim::Sim) -> Vec<TeamConfig> {
        sim.teams()
            .into_iter()
            .map(|team| TeamConfig {
                name: team.name,
                jql: format!("project = {}", team.project_key),
                board: Some(team.board_id),
                size: Some(team.engineers),
            })
            .collect()
    }
}

impl Config {
    /// Reads and validates a TOML file.
    pub fn load(path: &Path) -> Result<Config, Error> {
        let text = std::fs::read_to_string(path)
            .map_err(|source| Error::Read { path: path.to_owned(), source })?;
        Config::from_toml(&text)
    }

    /// Parses and validates TOML text.
    pub fn from_toml(text: &str) -> Result<Config, Error> {
        let config: Config = toml::from_str(text)?;
        config.validate()?;
        Ok(config)
    }

    /// Checks what serde cannot.
    pub fn validate(&self) -> Result<(), Error> {
        let url = self.jira.url.trim();
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(invalid("jira.url", "must start with http:// or https://"));
        }
        if self.jira.requests_per_second.is_nan() || self.jira.requests_per_second <= 0.0 {
            return Err(invalid("jira.requests_per_second", "must be above 0"));
        }
        if self.jira.concurrency == 0 {
            return Err(invalid("jira.concurrency", "must be at least 1"));
        }
        if !(1..=5000).contains(&self.jira.page_size) {
            return Err(invalid("jira.page_size", "must be between 1 and 5000"));
        }
        if !(1..=5000).contains(&self.jira.id_page_size) {
            return Err(invalid("jira.id_page_size", "must be between 1 and 5000"));
        }
        for (key, expr) in self.cron_entries() {
            Cron::parse(&expr).map_err(|err| invalid(key, err.to_string()))?;
        }
        for preset in &self.sync.presets {
            if !PRESETS.iter().any(|(name, _)| name == preset) {
                let names: Vec<&str> = PRESETS.iter().map(|(name, _)| *name).collect();
                return Err(invalid(
                    "sync.presets",
                    format!("unknown preset {preset:?} (known: {})", names.join(", ")),
                ));
            }
        }
        let mut seen = std::collections::BTreeSet::new();
        for team in &self.teams {
            if team.name.trim().is_empty() {
                return Err(invalid("team.name", "must not be empty"));
            }
            if !seen.insert(team.name.as_str()) {
                return Err(invalid("team.name", format!("team {:?} is listed twice", team.name)));
            }
            crate::jira::jql::check_team_jql(&team.jql)
                .map_err(|err| invalid(format!("team {:?} jql", team.name), err.to_string()))?;
        }
        Ok(())
    }

    /// Every cron expression with the key it came from (empty ones are off).
    fn cron_entries(&self) -> Vec<(String, String)> {
        let mut res = vec![
            ("sync.reconcile".to_owned(), self.sync.reconcile.clone()),
            ("sync.monday_report".to_owned(), self.sync.monday_report.clone()),
            ("sync.quarterly_planning".to_owned(), self.sync.quarterly_planning.clone()),
        ];
        if let Some(meeting) = &self.sync.board_meeting {
            res.push(("sync.board_meeting".to_owned(), meeting.clone()));
        }
        for schedule in &self.sync.schedules {
            res.push((format!("sync.schedule {:?}", schedule.name), schedule.cron.clone()));
        }
        res.retain(|(_, expr)| !expr.trim().is_empty());
        res
    }

    /// A config for a site at `url` with the given teams and defaults elsewhere.
    pub fn for_site(url: &str, flavor: Flavor, auth: AuthMode, teams: Vec<TeamConfig>) -> Config {
        Config {
            jira: JiraConfig {
                url: url.to_owned(),
                flavor,
                auth,
                requests_per_second: default_rate(),
                concurrency: default_concurrency(),
                page_size: default_page_size(),
                id_page_size: default_id_page_size(),
                timeout: default_timeout(),
                max_retries: default_retries(),
                max_backoff: default_max_backoff(),
            },
            sync: SyncConfig::default(),
            org: OrgConfig::default(),
            server: ServerConfig::default(),
            thresholds: Thresholds::default(),
            webhooks: Default::default(),
            auth: Default::default(),
            notify: Default::default(),
            teams,
        }
    }
}

/// Parses durations such as `90s`, `15m`, `2h`, `1d` or `1h30m`.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("empty duration".into());
    }
    let mut total = 0u64;
    let mut digits = String::new();
    for ch in text.chars() {
        if ch.is_ascii_digit() {
            digits.push(ch);
            continue;
        }
        let unit = match ch {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            ' ' => continue,
            _ => return Err(format!("unknown unit {ch:?} in duration {text:?} (use s, m, h, d)")),
        };
        let value: u64 = digits
            .parse()
            .map_err(|_| format!("duration {text:?} needs a number before {ch:?}"))?;
        total = total.saturating_add(value.saturating_mul(unit));
        digits.clear();
    }
    if !digits.is_empty() {
        return Err(format!("duration {text:?} needs a unit after {digits} (s, m, h, d)"));
    }
    Ok(Duration::from_secs(total))
}

fn de_duration<'de, D: serde::Deserializer<'de>>(de: D) -> Result<Duration, D::Error> {
    let text = String::deserialize(de)?;
    parse_duration(&text).map_err(serde::de::Error::custom)
}

fn de_tz<'de, D: serde::Deserializer<'de>>(de: D) -> Result<Tz, D::Error> {
    let text = String::deserialize(de)?;
    text.parse::<Tz>().map_err(|_| serde::de::Error::custom(format!("unknown time zone {text:?}")))
}

/// The commented sample printed by `claudedirector config example`.
pub const EXAMPLE: &str = r#"# ClaudeDirector configuration. Secrets never go here: set JIRA_EMAIL and
# JIRA_API_TOKEN (auth = "basic") or JIRA_PAT (auth = "bearer") in the environment.

[jira]
url = "https://example.atlassian.net"   # any base URL, http allowed for local use
flavor = "cloud"                        # or "datacenter"
auth = "basic"                          # JIRA_EMAIL + JIRA_API_TOKEN; "bearer" uses JIRA_PAT
# requests_per_second = 10              # token bucket on outgoing calls
# concurrency = 4                       # calls in flight at once
# timeout = "30s"
# max_retries = 6                       # per call, on 429 / 5xx / timeouts
# max_backoff = "60s"

[sync]
fresh_for = "2h"                        # older data is refreshed when someone looks
daily_budget = 500                      # JIRA calls per day
# overlap = "2m"                        # incremental window starts this far before the cursor
# reconcile = "0 2 * * *"               # full reconcile (finds deleted issues), cron
# monday_report = "0 7 * * MON"         # report preparation; "" to disable
# quarterly_planning = "0 6 1 1,4,7,10 *"
# board_meeting = "0 10 * * THU"        # a refresh runs two hours before
# presets = ["business-hours-15m"]      # or "every-2h": the operational polling presets

# [[sync.schedule]]
# name = "before standup"
# cron = "45 8 * * MON-FRI"
# full = false

[org]
time_zone = "Europe/London"             # schedules and day boundaries

[server]
addr = "127.0.0.1:8080"
dist = "dist"                           # the built dashboard (trunk build)

[thresholds]
escalate_after_minutes = 30
aging_percentile = 85.0
risk_high = 60

# Webhooks: point a JIRA admin webhook at https://<this host>/webhooks/jira
# and give it a secret; set the same secret in JIRA_WEBHOOK_SECRET.
# [webhooks]
# max_body_bytes = 1048576
# batch_interval = "5s"                 # non-critical deliveries are applied in batches
# critical_labels = ["security", "exec-blocker", "compliance"]

# Sign-in: the shared access token comes from CLAUDEDIRECTOR_TOKEN (also the
# CLI's bearer token); users sign in with argon2 password hashes.
# [auth]
# session_ttl = "12h"
# attempts_per_minute = 5
# cors_origins = []                     # no CORS unless listed
# [[auth.user]]
# name = "ann"
# password_hash = "$argon2id$v=19$m=19456,t=2,p=1$..."
# A user's own CLI token: `claudedirector token create --user ann` (shown
# once; `token list`, `token revoke ID`). Sessions survive restarts.

# Notifications: critical and high alerts go to every channel by default.
# [notify]
# quiet_hours = "22:00-07:00"           # only critical alerts go out then
# summary_to = ["cto@example.com"]      # Monday 07:00 executive summary
# escalate_to = ["slack", "pager"]
# [notify.route]
# medium = ["slack"]
# [[notify.channel]]
# name = "slack"
# kind = "slack"
# url_env = "SLACK_WEBHOOK_URL"
# [[notify.channel]]
# name = "pager"
# kind = "webhook"                      # generic JSON POST (ntfy, a push gateway)
# url_env = "PUSH_URL"
# [[notify.channel]]
# name = "email"
# kind = "email"
# smtp_host = "smtp.example.com"
# tls = "starttls"                      # or "tls" (port 465) or "none"
# from = "claudedirector@example.com"
# to = ["director@example.com"]
# username_env = "SMTP_USERNAME"
# password_env = "SMTP_PASSWORD"

[[team]]
name = "Alpha"
jql = "project = ALPHA"                 # or: project = "ALPHA", board = 12

[[team]]
name = "Bravo"
jql = "project in (BRAVO, OPS)"
board = 12
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn example_config_parses_and_validates() {
        let config = Config::from_toml(EXAMPLE).expect("example parses");
        assert_eq!(config.teams.len(), 2);
        assert_eq!(config.sync.fresh_for, Duration::from_secs(7200));
        assert_eq!(config.sync.daily_budget, 500);
        assert_eq!(config.jira.flavor, Flavor::Cloud);
        assert_eq!(config.org.time_zone, chrono_tz::Europe::London);
        assert_eq!(config.teams[1].board, Some(12));
    }

    #[test]
    fn unknown_keys_are_rejected() {
        let err =
            Config::from_toml("[jira]\nurl = \"http://x\"\nflavour = \"cloud\"\n").unwrap_err();
        assert!(matches!(err, Error::Parse(_)), "{err:?}");
    }

    #[test]
    fn bad_values_name_the_key() {
        let err = Config::from_toml("[jira]\nurl = \"ftp://x\"\n").unwrap_err();
        assert!(err.to_string().contains("jira.url"), "{err}");
        let err =
            Config::from_toml("[jira]\nurl = \"http://x\"\n[sync]\nreconcile = \"61 * * * *\"\n")
                .unwrap_err();
        assert!(err.to_string().contains("sync.reconcile"), "{err}");
        let err =
            Config::from_toml("[jira]\nurl = \"http://x\"\n[org]\ntime_zone = \"Mars/Olympus\"\n")
                .unwrap_err();
        assert!(err.to_string().contains("Mars/Olympus"), "{err}");
        let err = Config::from_toml(
            "[jira]\nurl = \"http://x\"\n[[team]]\nname = \"A\"\njql = \"project = A\"\n[[team]]\nname = \"A\"\njql = \"project = B\"\n",
        )
        .unwrap_err();
        assert!(err.to_string().contains("twice"), "{err}");
    }

    #[test]
    fn durations_parse_in_common_units() {
        assert_eq!(parse_duration("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("1h30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_duration("2d"), Ok(Duration::from_secs(172_800)));
        assert!(parse_duration("5").is_err());
        assert!(parse_duration("5w").is_err());
        assert!(parse_duration("").is_err());
    }

    #[test]
    fn secrets_never_print() {
        let creds = Credentials::Basic { email: "a@b.c".into(), token: Secret::new("hunter2") };
        let shown = format!("{creds:?} {}", Secret::new("hunter2"));
        assert!(!shown.contains("hunter2"), "{shown}");
    }
}
