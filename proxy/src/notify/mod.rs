//! Sends alerts, escalations and the weekly executive summary out: Slack
//! incoming webhooks, email over SMTP, and a generic JSON webhook (ntfy, a
//! mobile push gateway). Which severities go where is configured.
//!
//! Every message goes through a durable outbox in the store: it is written
//! first and delivered by a worker that retries with exponential backoff and
//! jitter, so a Slack outage delays an alert but never drops it, and a
//! restart resumes where it stopped. One message per (alert, channel) key, so
//! a retried evaluation never sends twice. Quiet hours hold back everything
//! but critical alerts until they end.

pub mod email;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use director_core::alerts::{Alert, Severity};
use serde::{Deserialize, Serialize};

use crate::clock::Clock;
use crate::config::Secret;
use crate::store::{AlertStore, OutboxRow};

/// Notification settings are unusable.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A channel names an environment variable that is not set.
    #[error("notify channel {channel}: environment variable {var} is not set")]
    MissingSecret {
        /// Channel name.
        channel: String,
        /// Variable.
        var: String,
    },
    /// A channel lacks a setting its kind needs.
    #[error("notify channel {channel}: {message}")]
    Invalid {
        /// Channel name.
        channel: String,
        /// What is wrong.
        message: String,
    },
    /// Routing names a channel that does not exist.
    #[error("notify routing names unknown channel {0}")]
    UnknownChannel(String),
    /// Quiet hours are not `HH:MM-HH:MM`.
    #[error("notify.quiet_hours must look like 22:00-07:00")]
    QuietHours,
}

/// Kind of channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChannelKind {
    /// Slack incoming webhook.
    Slack,
    /// Email over SMTP.
    Email,
    /// A generic JSON POST.
    Webhook,
}

/// `[[notify.channel]]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChannelConfig {
    /// Name used by routing.
    pub name: String,
    /// `slack`, `email` or `webhook`.
    pub kind: ChannelKind,
    /// URL of a Slack or generic webhook (prefer `url_env`: Slack URLs are secrets).
    #[serde(default)]
    pub url: Option<String>,
    /// Environment variable holding the URL.
    #[serde(default)]
    pub url_env: Option<String>,
    /// SMTP host.
    #[serde(default)]
    pub smtp_host: Option<String>,
    /// SMTP port (587 by default).
    #[serde(default)]
    pub smtp_port: Option<u16>,
    /// `none`, `starttls` or `tls`.
    #[serde(default)]
    pub tls: email::Tls,
    /// Sender address.
    #[serde(default)]
    pub from: Option<String>,
    /// Recipients.
    #[serde(default)]
    pub to: Vec<String>,
    /// Environment variable with the SMTP user name.
    #[serde(default)]
    pub username_env: Option<String>,
    /// Environment variable with the SMTP password.
    #[serde(default)]
    pub password_env: Option<String>,
}

/// `[notify]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NotifyConfig {
    /// The channels.
    #[serde(rename = "channel")]
    pub channels: Vec<ChannelConfig>,
    /// Severity (`critical`, `high`, `medium`, `low`) → channel names.
    /// Default: critical and high to every channel, the rest to the dashboard only.
    pub route: BTreeMap<String, Vec<String>>,
    /// Channels escalations go to (default: every channel).
    pub escalate_to: Option<Vec<String>>,
    /// `HH:MM-HH:MM` in the organisation's time zone; only critical alerts go out then.
    pub quiet_hours: Option<String>,
    /// Recipients of the Monday executive summary.
    pub summary_to: Vec<String>,
    /// When the summary is sent, as cron in the organisation's time zone.
    pub summary_cron: String,
    /// First retry delay; doubles per attempt.
    #[serde(deserialize_with = "de_duration")]
    pub retry_base: Duration,
    /// Longest retry delay.
    #[serde(deserialize_with = "de_duration")]
    pub retry_max: Duration,
    /// Per-request timeout of a channel.
    #[serde(deserialize_with = "de_duration")]
    pub timeout: Duration,
    /// Base URL of the dashboard, for links in messages.
    pub dashboard_url: Option<String>,
}

impl Default for NotifyConfig {
    fn default() -> Self {
        NotifyConfig {
            channels: Vec::new(),
            route: BTreeMap::new(),
            escalate_to: None,
            quiet_hours: None,
            summary_to: Vec::new(),
            summary_cron: "0 7 * * MON".into(),
            retry_base: Duration::from_secs(2),
            retry_max: Duration::from_secs(600),
            timeout: Duration::from_secs(10),
            dashboard_url: None,
        }
    }
}

fn de_duration<'de, D: serde::Deserializer<'de>>(de: D) -> Result<Duration, D::Error> {
    let text = String::deserialize(de)?;
    crate::config::parse_duration(&text).map_err(serde::de::Error::custom)
}

/// What a message is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageKind {
    /// A new alert.
    Alert,
    /// An alert nobody acknowledged in time.
    Escalation,
    /// The weekly executive summary.
    Summary,
}

/// One message, as stored in the outbox and posted by the generic webhook.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    /// What it is about.
    pub kind: MessageKind,
    /// Severity of the alert.
    pub severity: Option<Severity>,
    /// One line.
    pub subject: String,
    /// Plain text.
    pub text: String,
    /// The alert's id.
    pub alert_id: Option<String>,
    /// When it was raised.
    pub at: DateTime<Utc>,
    /// Email recipients overriding the channel's (summary).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub to: Vec<String>,
}

#[derive(Debug, Clone)]
enum Target {
    Http { url: Secret, slack: bool },
    Email { smtp: email::Smtp, to: Vec<String> },
}

#[derive(Debug, Clone)]
struct Channel {
    name: String,
    target: Target,
}

struct Inner {
    channels: Vec<Channel>,
    route: BTreeMap<Severity, Vec<String>>,
    escalate_to: Vec<String>,
    quiet: Option<(NaiveTime, NaiveTime)>,
    summary_channel: Option<String>,
    config: NotifyConfig,
    tz: Tz,
    store: Arc<dyn AlertStore>,
    clock: Clock,
    http: reqwest::Client,
    wake: tokio::sync::Notify,
}

/// The notifier (cheap to clone).
#[derive(Clone)]
pub struct Notifier {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Notifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.inner.channels.iter().map(|c| c.name.as_str()).collect();
        f.debug_struct("Notifier").field("channels", &names).finish_non_exhaustive()
    }
}

fn parse_quiet(text: &str) -> Result<(NaiveTime, NaiveTime), Error> {
    let (start, end) = text.split_once('-').ok_or(Error::QuietHours)?;
    let parse =
        |t: &str| NaiveTime::parse_from_str(t.trim(), "%H:%M").map_err(|_| Error::QuietHours);
    Ok((parse(start)?, parse(end)?))
}

const SEVERITIES: [Severity; 4] =
    [Severity::Critical, Severity::High, Severity::Medium, Severity::Low];

fn resolve_channel(
    config: &ChannelConfig,
    timeout: Duration,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Channel, Error> {
    let invalid = |message: &str| Error::Invalid {
        channel: config.name.clone(),
        message: message.to_owned(),
    };
    let from_env = |var: &str| {
        env(var).filter(|v| !v.is_empty()).ok_or_else(|| Error::MissingSecret {
            channel: config.name.clone(),
            var: var.to_owned(),
        })
    };
    let target = match config.kind {
        ChannelKind::Slack | ChannelKind::Webhook => {
            let url = match (&config.url_env, &config.url) {
                (Some(var), _) => from_env(var)?,
                (None, Some(url)) => url.clone(),
                (None, None) => return Err(invalid("needs url or url_env")),
            };
            if !(url.starts_with("https://") || url.starts_with("http://")) {
                return Err(invalid("url must start with http:// or https://"));
            }
            Target::Http { url: Secret::new(url), slack: config.kind == ChannelKind::Slack }
        }
        ChannelKind::Email => {
            let host = config.smtp_host.clone().ok_or_else(|| invalid("needs smtp_host"))?;
            let from = config.from.clone().ok_or_else(|| invalid("needs from"))?;
            let credentials = match (&config.username_env, &config.password_env) {
                (Some(user), Some(password)) => {
                    Some((from_env(user)?, Secret::new(from_env(password)?)))
                }
                (None, None) => None,
                _ => return Err(invalid("needs both username_env and password_env, or neither")),
            };
            let port = config.smtp_port.unwrap_or(match config.tls {
                email::Tls::Tls => 465,
                _ => 587,
            });
            Target::Email {
                smtp: email::Smtp { host, port, tls: config.tls, credentials, from, timeout },
                to: config.to.clone(),
            }
        }
    };
    Ok(Channel { name: config.name.clone(), target })
}

impl Notifier {
    /// Resolves channels (secrets from the environment) and routing.
    pub fn new(
        config: &NotifyConfig,
        tz: Tz,
        store: Arc<dyn AlertStore>,
        clock: Clock,
    ) -> Result<Notifier, Error> {
        Notifier::with_env(config, tz, store, clock, &|var| std::env::var(var).ok())
    }

    /// [`Notifier::new`] with the environment given.
    pub fn with_env(
        config: &NotifyConfig,
        tz: Tz,
        store: Arc<dyn AlertStore>,
        clock: Clock,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Notifier, Error> {
        let channels = config
            .channels
            .iter()
            .map(|c| resolve_channel(c, config.timeout, env))
            .collect::<Result<Vec<_>, _>>()?;
        let all: Vec<String> = channels.iter().map(|c| c.name.clone()).collect();
        let known = |name: &String| {
            if all.contains(name) {
                Ok(())
            } else {
                Err(Error::UnknownChannel(name.clone()))
            }
        };
        let mut route = BTreeMap::new();
        for severity in SEVERITIES {
            let names = match config.route.get(&severity.to_string()) {
                Some(names) => names.clone(),
                None if matches!(severity, Severity::Critical | Severity::High) => all.clone(),
                None => Vec::new(),
            };
            names.iter().try_for_each(known)?;
            route.insert(severity, names);
        }
        for key in config.route.keys() {
            if !SEVERITIES.iter().any(|s| &s.to_string() == key) {
                return Err(Error::Invalid {
                    channel: key.clone(),
                    message: "unknown severity in notify.route".into(),
                });
            }
        }
        let escalate_to = config.escalate_to.clone().unwrap_or_else(|| all.clone());
        escalate_to.iter().try_for_each(known)?;
        let quiet = config.quiet_hours.as_deref().map(parse_quiet).transpose()?;
        let summary_channel = channels
            .iter()
            .find(|c| matches!(c.target, Target::Email { .. }))
            .map(|c| c.name.clone());
        let http = reqwest::Client::builder().timeout(config.timeout).build().unwrap_or_default();
        Ok(Notifier {
            inner: Arc::new(Inner {
                channels,
                route,
                escalate_to,
                quiet,
                summary_channel,
                config: config.clone(),
                tz,
                store,
                clock,
                http,
                wake: tokio::sync::Notify::new(),
            }),
        })
    }

    /// When quiet hours that hold at `at` end; `None` outside them.
    fn quiet_until(&self, at: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let (start, end) = self.inner.quiet?;
        let local = at.with_timezone(&self.inner.tz);
        let time = local.time();
        let inside =
            if start <= end { time >= start && time < end } else { time >= start || time < end };
        if !inside {
            return None;
        }
        let mut day = local.date_naive();
        if time >= end {
            day = day.succ_opt()?;
        }
        let end_local = self.inner.tz.from_local_datetime(&day.and_time(end)).earliest()?;
        Some(end_local.with_timezone(&Utc))
    }

    /// Enqueues `alert` for its severity's channels (escalation targets
    /// with `escalation`) and wakes the worker.
    pub fn alert(&self, alert: &Alert, escalation: bool) {
        let now = self.inner.clock.now();
        let (kind, names, prefix) = if escalation {
            (
                MessageKind::Escalation,
                self.inner.escalate_to.clone(),
                "ESCALATED (not acknowledged): ",
            )
        } else {
            (
                MessageKind::Alert,
                self.inner.route.get(&alert.severity).cloned().unwrap_or_default(),
                "",
            )
        };
        let mut text = format!("{} alert: {}", alert.severity, alert.title);
        if let Some(team) = &alert.team {
            text.push_str(&format!("\nTeam: {}", team.0));
        }
        if let Some(url) = &self.inner.config.dashboard_url {
            text.push_str(&format!("\n{}/alerts", url.trim_end_matches('/')));
        }
        text.push_str(&format!("\nAcknowledge: claudedirector alerts ack {}", alert.id));
        let message = Message {
            kind,
            severity: Some(alert.severity),
            subject: format!("{prefix}[{}] {}", alert.severity, alert.title),
            text,
            alert_id: Some(alert.id.0.clone()),
            at: now,
            to: Vec::new(),
        };
        // Critical alerts ignore quiet hours.
        let not_before = match alert.severity {
            Severity::Critical => now,
            _ => self.quiet_until(now).unwrap_or(now),
        };
        let key = format!("{}:{}", if escalation { "escalation" } else { "alert" }, alert.id);
        self.enqueue(&key, &names, &message, not_before);
    }

    /// Enqueues the executive summary for `week` (one per week) to the
    /// configured recipients through the first email channel.
    pub fn summary(&self, week: &str, subject: &str, text: &str) -> bool {
        let Some(channel) = self.inner.summary_channel.clone() else { return false };
        if self.inner.config.summary_to.is_empty() {
            return false;
        }
        let now = self.inner.clock.now();
        let message = Message {
            kind: MessageKind::Summary,
            severity: None,
            subject: subject.to_owned(),
            text: text.to_owned(),
            alert_id: None,
            at: now,
            to: self.inner.config.summary_to.clone(),
        };
        self.enqueue(&format!("summary:{week}"), &[channel], &message, now);
        true
    }

    fn enqueue(
        &self,
        key: &str,
        channels: &[String],
        message: &Message,
        not_before: DateTime<Utc>,
    ) {
        let payload = match serde_json::to_string(message) {
            Ok(payload) => payload,
            Err(_) => return,
        };
        let now = self.inner.clock.now();
        for channel in channels {
            let key = format!("{key}:{channel}");
            if let Err(err) = self.inner.store.enqueue(&key, channel, &payload, now, not_before) {
                tracing::error!(error = %err, %channel, "cannot queue a notification");
            }
        }
        self.inner.wake.notify_one();
    }

    /// Delivers every due message once; returns how many were delivered.
    pub async fn deliver_due(&self) -> usize {
        let store = self.inner.store.clone();
        let now = self.inner.clock.now();
        let due = match tokio::task::spawn_blocking(move || store.due_messages(now, 100)).await {
            Ok(Ok(due)) => due,
            Ok(Err(err)) => {
                tracing::error!(error = %err, "cannot read the notification outbox");
                return 0;
            }
            Err(_) => return 0,
        };
        let results = futures::future::join_all(due.into_iter().map(|row| self.deliver(row))).await;
        results.into_iter().filter(|ok| *ok).count()
    }

    async fn deliver(&self, row: OutboxRow) -> bool {
        let outcome = match self.inner.channels.iter().find(|c| c.name == row.channel) {
            None => Err(format!("channel {} is no longer configured", row.channel)),
            Some(channel) => match serde_json::from_str::<Message>(&row.payload) {
                Ok(message) => self.send(channel, &message).await,
                Err(err) => Err(format!("stored message cannot be read: {err}")),
            },
        };
        let store = self.inner.store.clone();
        let now = self.inner.clock.now();
        match outcome {
            Ok(()) => {
                tracing::info!(channel = %row.channel, key = %row.dedupe_key, "notification delivered");
                let _ = tokio::task::spawn_blocking(move || store.mark_sent(row.id, now)).await;
                true
            }
            Err(error) => {
                let wait = crate::rate_limit::backoff(
                    row.attempts,
                    self.inner.config.retry_base,
                    self.inner.config.retry_max,
                );
                let retry_at = now + chrono::Duration::from_std(wait).unwrap_or_default();
                tracing::warn!(channel = %row.channel, attempts = row.attempts + 1, %error, "notification failed; will retry");
                let _ = tokio::task::spawn_blocking(move || {
                    store.mark_failed(row.id, &error, retry_at)
                })
                .await;
                false
            }
        }
    }

    async fn send(&self, channel: &Channel, message: &Message) -> Result<(), String> {
        match &channel.target {
            Target::Http { url, slack } => {
                let body = if *slack {
                    serde_json::json!({ "text": format!("*{}*\n{}", message.subject, message.text) })
                } else {
                    serde_json::to_value(message).unwrap_or_default()
                };
                // The URL is a secret: errors are described without it.
                let response =
                    self.inner.http.post(url.expose()).json(&body).send().await.map_err(|err| {
                        format!(
                            "{} request failed{}",
                            channel.name,
                            if err.is_timeout() { " (timeout)" } else { "" }
                        )
                    })?;
                if response.status().is_success() {
                    Ok(())
                } else {
                    Err(format!("{} answered {}", channel.name, response.status().as_u16()))
                }
            }
            Target::Email { smtp, to } => {
                let to = if message.to.is_empty() { to.clone() } else { message.to.clone() };
                email::send(smtp, &to, &message.subject, &message.text, message.at)
                    .await
                    .map_err(|err| format!("{err:#}"))
            }
        }
    }

    /// Runs the delivery worker: delivers due messages, then sleeps until the
    /// next is due or a new one is queued.
    pub fn spawn(&self) -> tokio::task::JoinHandle<()> {
        let notifier = self.clone();
        tokio::spawn(async move {
            loop {
                notifier.deliver_due().await;
                let store = notifier.inner.store.clone();
                let next = tokio::task::spawn_blocking(move || store.next_due())
                    .await
                    .ok()
                    .and_then(Result::ok)
                    .flatten();
                let now = notifier.inner.clock.now();
                let wait = match next {
                    Some(at) if at <= now => Duration::from_millis(50),
                    Some(at) => notifier.inner.clock.real(at - now).min(Duration::from_secs(30)),
                    None => Duration::from_secs(30),
                };
                tokio::select! {
                    () = notifier.inner.wake.notified() => {}
                    () = tokio::time::sleep(wait) => {}
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn notifier(config: NotifyConfig) -> Result<Notifier, Error> {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(crate::store::SqliteStore::open_dir(dir.path()).unwrap());
        Notifier::with_env(&config, chrono_tz::Europe::London, store, Clock::system(), &|var| {
            (var == "SLACK_URL").then(|| "https://hooks.example/T/B/x".to_owned())
        })
    }

    fn slack() -> ChannelConfig {
        ChannelConfig {
            name: "slack".into(),
            kind: ChannelKind::Slack,
            url: None,
            url_env: Some("SLACK_URL".into()),
            smtp_host: None,
            smtp_port: None,
            tls: email::Tls::Starttls,
            from: None,
            to: Vec::new(),
            username_env: None,
            password_env: None,
        }
    }

    #[test]
    fn channels_need_their_secrets_and_routes_known_names() {
        let mut config = NotifyConfig { channels: vec![slack()], ..NotifyConfig::default() };
        assert!(notifier(config.clone()).is_ok());
        config.channels[0].url_env = Some("NOT_SET".into());
        assert!(matches!(notifier(config.clone()), Err(Error::MissingSecret { .. })));
        config.channels[0].url_env = Some("SLACK_URL".into());
        config.route.insert("critical".into(), vec!["pager".into()]);
        assert!(matches!(notifier(config), Err(Error::UnknownChannel(_))));
    }

    #[test]
    fn quiet_hours_span_midnight_in_the_organisation_time_zone() {
        let config =
            NotifyConfig { quiet_hours: Some("22:00-07:00".into()), ..NotifyConfig::default() };
        let notifier = notifier(config).unwrap();
        // 23:30 London in winter is 23:30 UTC; quiet until 07:00 next day.
        let late = Utc.with_ymd_and_hms(2026, 1, 12, 23, 30, 0).unwrap();
        assert_eq!(
            notifier.quiet_until(late),
            Some(Utc.with_ymd_and_hms(2026, 1, 13, 7, 0, 0).unwrap())
        );
        let early = Utc.with_ymd_and_hms(2026, 1, 13, 6, 0, 0).unwrap();
        assert_eq!(
            notifier.quiet_until(early),
            Some(Utc.with_ymd_and_hms(2026, 1, 13, 7, 0, 0).unwrap())
        );
        let noon = Utc.with_ymd_and_hms(2026, 1, 13, 12, 0, 0).unwrap();
        assert_eq!(notifier.quiet_until(noon), None);
    }
}
