//! What the real-time path keeps beyond [`super::Store`]: webhook deliveries
//! written in groups (one fsync for many concurrent deliveries), the state an
//! incoming webhook is compared against, single alerts, and the notification
//! outbox that makes a channel outage delay a message but never drop it.
//!
//! Its tables are created with `IF NOT EXISTS` when the store opens, so they
//! do not depend on the numbering of the main schema's migrations.

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{params, OptionalExtension};

use super::{AlertRow, Result, SqliteStore, WebhookEventRow};

/// Tables of this module; safe to run on every open.
pub(super) const SCHEMA: &str = r#"
    CREATE TABLE IF NOT EXISTS outbox (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        dedupe_key TEXT NOT NULL UNIQUE,
        channel TEXT NOT NULL,
        payload TEXT NOT NULL,
        created TEXT NOT NULL,
        next_attempt TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        last_error TEXT,
        sent TEXT
    );
    CREATE INDEX IF NOT EXISTS outbox_due ON outbox(sent, next_attempt);
"#;

/// A message waiting in (or delivered from) the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxRow {
    /// Row id.
    pub id: i64,
    /// One message per key: enqueuing the same key twice is a no-op.
    pub dedupe_key: String,
    /// Name of the configured channel.
    pub channel: String,
    /// The message as JSON (its shape belongs to `notify`).
    pub payload: String,
    /// Enqueued.
    pub created: DateTime<Utc>,
    /// Not to be tried before this.
    pub next_attempt: DateTime<Utc>,
    /// Failed attempts so far.
    pub attempts: u32,
    /// The last failure.
    pub last_error: Option<String>,
    /// Delivered.
    pub sent: Option<DateTime<Utc>>,
}

/// The stored state of one issue a webhook is compared against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssueState {
    /// Team.
    pub team: Option<String>,
    /// `updated` as JIRA sent it.
    pub updated: String,
    /// `updated` parsed.
    pub updated_at: Option<DateTime<Utc>>,
    /// Complete changelog histories as a JSON array.
    pub changelog: String,
    /// Normalised issue JSON.
    pub issue: Option<String>,
}

/// Store operations of webhooks, alerts and notifications.
pub trait AlertStore: Send + Sync + 'static {
    /// Stores deliveries in one transaction; per row, false when its
    /// identifier was seen before.
    fn insert_webhook_events(&self, events: &[WebhookEventRow]) -> Result<Vec<bool>>;
    /// Number of stored deliveries.
    fn webhook_event_count(&self) -> Result<u64>;
    /// Marks deliveries applied, in one transaction.
    fn mark_webhooks_processed(&self, identifiers: &[String], at: DateTime<Utc>) -> Result<()>;
    /// The stored state of an issue.
    fn issue_state(&self, id: &str) -> Result<Option<IssueState>>;
    /// When an issue was deleted, if it was.
    fn deleted_at(&self, id: &str) -> Result<Option<DateTime<Utc>>>;
    /// One alert.
    fn alert(&self, id: i64) -> Result<Option<AlertRow>>;
    /// Enqueues a message, not to be sent before `not_before`, unless one
    /// with the same key exists; true when new.
    fn enqueue(
        &self,
        dedupe_key: &str,
        channel: &str,
        payload: &str,
        at: DateTime<Utc>,
        not_before: DateTime<Utc>,
    ) -> Result<bool>;
    /// Replaces an alert's severity and body (its condition was seen again).
    fn update_alert(&self, id: i64, severity: &str, body: &str) -> Result<()>;
    /// Undelivered messages due at `now`, oldest first.
    fn due_messages(&self, now: DateTime<Utc>, limit: usize) -> Result<Vec<OutboxRow>>;
    /// The earliest `next_attempt` of an undelivered message.
    fn next_due(&self) -> Result<Option<DateTime<Utc>>>;
    /// Marks a message delivered.
    fn mark_sent(&self, id: i64, at: DateTime<Utc>) -> Result<()>;
    /// Records a failed attempt and when to try again.
    fn mark_failed(&self, id: i64, error: &str, retry_at: DateTime<Utc>) -> Result<()>;
    /// Every message, oldest first (for status and tests).
    fn outbox(&self) -> Result<Vec<OutboxRow>>;
}

fn ts(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn parse_ts(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).map(|at| at.with_timezone(&Utc)).unwrap_or_default()
}

fn outbox_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<OutboxRow> {
    Ok(OutboxRow {
        id: row.get(0)?,
        dedupe_key: row.get(1)?,
        channel: row.get(2)?,
        payload: row.get(3)?,
        created: parse_ts(&row.get::<_, String>(4)?),
        next_attempt: parse_ts(&row.get::<_, String>(5)?),
        attempts: row.get::<_, i64>(6)?.max(0) as u32,
        last_error: row.get(7)?,
        sent: row.get::<_, Option<String>>(8)?.as_deref().map(parse_ts),
    })
}

const OUTBOX_COLUMNS: &str =
    "id, dedupe_key, channel, payload, created, next_attempt, attempts, last_error, sent";

impl AlertStore for SqliteStore {
    fn insert_webhook_events(&self, events: &[WebhookEventRow]) -> Result<Vec<bool>> {
        let mut conn = self.write_conn();
        let tx = conn.transaction()?;
        let mut res = Vec::with_capacity(events.len());
        {
            let mut insert = tx.prepare_cached(
                "INSERT OR IGNORE INTO webhook_events(identifier, event, received, body, processed)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?;
            for event in events {
                let inserted = insert.execute(params![
                    event.identifier,
                    event.event,
                    ts(event.received),
                    event.body,
                    event.processed.map(ts)
                ])?;
                res.push(inserted == 1);
            }
        }
        tx.commit()?;
        Ok(res)
    }

    fn webhook_event_count(&self) -> Result<u64> {
        let conn = self.read_conn();
        let count: i64 =
            conn.query_row("SELECT COUNT(*) FROM webhook_events", [], |row| row.get(0))?;
        Ok(count as u64)
    }

    fn mark_webhooks_processed(&self, identifiers: &[String], at: DateTime<Utc>) -> Result<()> {
        let mut conn = self.write_conn();
        let tx = conn.transaction()?;
        {
            let mut update = tx
                .prepare_cached("UPDATE webhook_events SET processed = ?2 WHERE identifier = ?1")?;
            let at = ts(at);
            for identifier in identifiers {
                update.execute(params![identifier, at])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    fn issue_state(&self, id: &str) -> Result<Option<IssueState>> {
        let conn = self.read_conn();
        Ok(conn
            .query_row(
                "SELECT issues.team, issues.updated, issues.updated_at,
                        COALESCE(changelogs.histories, '[]'), issues.issue
                 FROM issues LEFT JOIN changelogs ON changelogs.issue_id = issues.id
                 WHERE issues.id = ?1",
                [id],
                |row| {
                    Ok(IssueState {
                        team: row.get(0)?,
                        updated: row.get(1)?,
                        updated_at: row.get::<_, Option<String>>(2)?.as_deref().map(parse_ts),
                        changelog: row.get(3)?,
                        issue: row.get(4)?,
                    })
                },
            )
            .optional()?)
    }

    fn deleted_at(&self, id: &str) -> Result<Option<DateTime<Utc>>> {
        let conn = self.read_conn();
        let deleted: Option<String> = conn
            .query_row("SELECT deleted FROM tombstones WHERE id = ?1", [id], |row| row.get(0))
            .optional()?;
        Ok(deleted.as_deref().map(parse_ts))
    }

    fn alert(&self, id: i64) -> Result<Option<AlertRow>> {
        let conn = self.read_conn();
        Ok(conn
            .query_row(
                "SELECT id, dedupe_key, severity, body, created, acknowledged, escalated, resolved
                 FROM alerts WHERE id = ?1",
                [id],
                |row| {
                    let opt = |text: Option<String>| text.as_deref().map(parse_ts);
                    Ok(AlertRow {
                        id: row.get(0)?,
                        dedupe_key: row.get(1)?,
                        severity: row.get(2)?,
                        body: row.get(3)?,
                        created: parse_ts(&row.get::<_, String>(4)?),
                        acknowledged: opt(row.get(5)?),
                        escalated: opt(row.get(6)?),
                        resolved: opt(row.get(7)?),
                    })
                },
            )
            .optional()?)
    }

    fn enqueue(
        &self,
        dedupe_key: &str,
        channel: &str,
        payload: &str,
        at: DateTime<Utc>,
        not_before: DateTime<Utc>,
    ) -> Result<bool> {
        let conn = self.write_conn();
        let inserted = conn.execute(
            "INSERT OR IGNORE INTO outbox(dedupe_key, channel, payload, created, next_attempt)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![dedupe_key, channel, payload, ts(at), ts(not_before)],
        )?;
        Ok(inserted == 1)
    }

    fn update_alert(&self, id: i64, severity: &str, body: &str) -> Result<()> {
        let conn = self.write_conn();
        conn.execute(
            "UPDATE alerts SET severity = ?2, body = ?3 WHERE id = ?1",
            params![id, severity, body],
        )?;
        Ok(())
    }

    fn due_messages(&self, now: DateTime<Utc>, limit: usize) -> Result<Vec<OutboxRow>> {
        let conn = self.read_conn();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {OUTBOX_COLUMNS} FROM outbox
             WHERE sent IS NULL AND next_attempt <= ?1 ORDER BY next_attempt, id LIMIT ?2"
        ))?;
        let rows = stmt.query_map(params![ts(now), limit as i64], outbox_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn next_due(&self) -> Result<Option<DateTime<Utc>>> {
        let conn = self.read_conn();
        let next: Option<String> =
            conn.query_row("SELECT MIN(next_attempt) FROM outbox WHERE sent IS NULL", [], |row| {
                row.get(0)
            })?;
        Ok(next.as_deref().map(parse_ts))
    }

    fn mark_sent(&self, id: i64, at: DateTime<Utc>) -> Result<()> {
        let conn = self.write_conn();
        conn.execute("UPDATE outbox SET sent = ?2 WHERE id = ?1", params![id, ts(at)])?;
        Ok(())
    }

    fn mark_failed(&self, id: i64, error: &str, retry_at: DateTime<Utc>) -> Result<()> {
        let conn = self.write_conn();
        conn.execute(
            "UPDATE outbox SET attempts = attempts + 1, last_error = ?2, next_attempt = ?3 WHERE id = ?1",
            params![id, error, ts(retry_at)],
        )?;
        Ok(())
    }

    fn outbox(&self) -> Result<Vec<OutboxRow>> {
        let conn = self.read_conn();
        let mut stmt =
            conn.prepare_cached(&format!("SELECT {OUTBOX_COLUMNS} FROM outbox ORDER BY id"))?;
        let rows = stmt.query_map([], outbox_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    #[test]
    fn outbox_keeps_one_message_per_key_until_sent() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open_dir(dir.path()).unwrap();
        let now = Utc::now();
        assert!(store.enqueue("alert:1:slack", "slack", "{}", now, now).unwrap());
        assert!(!store.enqueue("alert:1:slack", "slack", "{}", now, now).unwrap());
        let due = store.due_messages(now, 10).unwrap();
        assert_eq!(due.len(), 1);
        let later = now + chrono::Duration::seconds(5);
        store.mark_failed(due[0].id, "slack answered 500", later).unwrap();
        assert!(store.due_messages(now, 10).unwrap().is_empty());
        assert_eq!(
            store.next_due().unwrap().map(|at| at.timestamp_millis()),
            Some(later.timestamp_millis())
        );
        let retry = store.due_messages(later, 10).unwrap();
        assert_eq!(retry[0].attempts, 1);
        store.mark_sent(retry[0].id, later).unwrap();
        assert!(store.due_messages(later, 10).unwrap().is_empty());
        assert_eq!(store.next_due().unwrap(), None);
    }

    #[test]
    fn grouped_webhook_inserts_report_duplicates() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open_dir(dir.path()).unwrap();
        let row = |identifier: &str| WebhookEventRow {
            identifier: identifier.into(),
            event: "jira:issue_updated".into(),
            received: Utc::now(),
            body: "{}".into(),
            processed: None,
        };
        let res = store.insert_webhook_events(&[row("a"), row("b"), row("a")]).unwrap();
        assert_eq!(res, vec![true, true, false]);
        assert_eq!(store.webhook_event_count().unwrap(), 2);
        store.mark_webhooks_processed(&["a".into()], Utc::now()).unwrap();
        assert_eq!(store.pending_webhook_events(10).unwrap().len(), 1);
    }
}
