//! The SQLite [`Store`]: one file under the data folder, WAL journal so
//! readers never wait for the sync writer, schema migrations keyed on
//! `PRAGMA user_version`.
//!
//! One connection writes (behind a mutex, since SQLite has one writer
//! anyway); a small pool of connections serves reads so concurrent API
//! clients do not queue behind each other.

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use rusqlite::{params, Connection, OptionalExtension, Transaction};

use super::{
    AlertMark, AlertRow, Batch, DeltaRows, Error, Purpose, Result, Store, StoredVersion, SyncRun,
    TeamCount, WebhookEventRow, WriteOutcome,
};

/// Schema steps, applied in order; `user_version` says how many ran.
const MIGRATIONS: &[&str] = &[
    // 1: everything the first release needs.
    r#"
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE issues (
        id TEXT PRIMARY KEY,
        key TEXT NOT NULL,
        team TEXT,
        updated TEXT NOT NULL,
        updated_at TEXT,
        category TEXT,
        raw TEXT NOT NULL,
        issue TEXT,
        seq INTEGER NOT NULL
    );
    CREATE INDEX issues_seq ON issues(seq);
    CREATE INDEX issues_team ON issues(team);
    CREATE TABLE changelogs (issue_id TEXT PRIMARY KEY, histories TEXT NOT NULL);
    CREATE TABLE tombstones (id TEXT PRIMARY KEY, seq INTEGER NOT NULL, deleted TEXT NOT NULL);
    CREATE INDEX tombstones_seq ON tombstones(seq);
    CREATE TABLE boards (id INTEGER PRIMARY KEY, raw TEXT NOT NULL, configuration TEXT);
    CREATE TABLE sprints (id INTEGER PRIMARY KEY, board INTEGER NOT NULL, sprint TEXT NOT NULL);
    CREATE TABLE sync_runs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        started TEXT NOT NULL,
        finished TEXT,
        purpose TEXT NOT NULL,
        full INTEGER NOT NULL,
        ok INTEGER NOT NULL DEFAULT 0,
        error TEXT,
        changed INTEGER NOT NULL DEFAULT 0,
        deleted INTEGER NOT NULL DEFAULT 0,
        calls INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE calls (day TEXT NOT NULL, purpose TEXT NOT NULL, count INTEGER NOT NULL,
        PRIMARY KEY (day, purpose));
    CREATE TABLE alerts (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        dedupe_key TEXT NOT NULL,
        severity TEXT NOT NULL,
        body TEXT NOT NULL,
        created TEXT NOT NULL,
        acknowledged TEXT,
        escalated TEXT,
        resolved TEXT
    );
    CREATE INDEX alerts_open ON alerts(dedupe_key, resolved);
    CREATE TABLE webhook_events (
        identifier TEXT PRIMARY KEY,
        event TEXT NOT NULL,
        received TEXT NOT NULL,
        body TEXT NOT NULL,
        processed TEXT
    );
    CREATE INDEX webhook_events_pending ON webhook_events(processed, received);
    "#,
    // 2: per-user API tokens expire and remember their last use. Stores of
    // the previous release created `api_tokens` on open, outside these
    // steps, so it is created here in that first shape when missing and then
    // extended; tokens made before this step keep working and never expire.
    r#"
    CREATE TABLE IF NOT EXISTS api_tokens (
        id TEXT PRIMARY KEY,
        digest TEXT NOT NULL UNIQUE,
        user TEXT NOT NULL,
        created TEXT NOT NULL,
        revoked TEXT
    );
    ALTER TABLE api_tokens ADD COLUMN expires TEXT;
    ALTER TABLE api_tokens ADD COLUMN last_used TEXT;
    "#,
];

const READERS: usize = 4;

/// SQLite-backed store.
#[derive(Debug)]
pub struct SqliteStore {
    writer: Mutex<Connection>,
    readers: Vec<Mutex<Connection>>,
    next_reader: AtomicUsize,
    epoch: std::sync::OnceLock<String>,
    /// The change sequence as last read or written here, and when: API
    /// reads within [`SEQ_TTL`] skip the database; another process writing
    /// the same file is seen once the entry is older.
    seq_cache: Mutex<Option<(std::time::Instant, i64)>>,
}

const SEQ_TTL: std::time::Duration = std::time::Duration::from_millis(500);

fn ts(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn parse_ts(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text).ok().map(|at| at.with_timezone(&Utc))
}

fn purpose_from(text: &str) -> Purpose {
    Purpose::ALL.into_iter().find(|purpose| purpose.as_str() == text).unwrap_or(Purpose::Manual)
}

fn configure(conn: &Connection) -> Result<()> {
    conn.pragma_update(None, "journal_mode", "WAL")?;
    // FULL: a committed page survives power loss, not only a process kill.
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    Ok(())
}

impl SqliteStore {
    /// Opens (creating and migrating) `claudedirector.sqlite3` under `dir`.
    pub fn open_dir(dir: &Path) -> Result<SqliteStore> {
        std::fs::create_dir_all(dir)
            .map_err(|source| Error::Folder { path: dir.to_owned(), source })?;
        SqliteStore::open(&dir.join("claudedirector.sqlite3"))
    }

    /// Opens (creating and migrating) the database file at `path`.
    pub fn open(path: &Path) -> Result<SqliteStore> {
        let mut writer = Connection::open(path)?;
        configure(&writer)?;
        migrate(&mut writer)?;
        writer.execute_batch(super::alerts::SCHEMA)?;
        writer.execute_batch(super::auth::SCHEMA)?;
        let mut readers = Vec::with_capacity(READERS);
        for _ in 0..READERS {
            let reader = Connection::open(path)?;
            configure(&reader)?;
            readers.push(Mutex::new(reader));
        }
        Ok(SqliteStore {
            writer: Mutex::new(writer),
            readers,
            next_reader: AtomicUsize::new(0),
            epoch: std::sync::OnceLock::new(),
            seq_cache: Mutex::new(None),
        })
    }

    pub(super) fn write_conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave a half-written
        // transaction (SQLite rolls it back), so a poisoned lock is usable.
        self.writer.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub(super) fn read_conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        let start = self.next_reader.fetch_add(1, Ordering::Relaxed);
        for offset in 0..self.readers.len() {
            if let Ok(conn) = self.readers[(start + offset) % self.readers.len()].try_lock() {
                return conn;
            }
        }
        self.readers[start % self.readers.len()]
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The schema version of the open database.
    pub fn schema_version(&self) -> Result<i64> {
        Ok(self.read_conn().pragma_query_value(None, "user_version", |row| row.get(0))?)
    }
}

fn migrate(conn: &mut Connection) -> Result<()> {
    let version: i64 = conn.pragma_query_value(None, "user_version", |row| row.get(0))?;
    let known = MIGRATIONS.len() as i64;
    if version > known {
        return Err(Error::TooNew { found: version, known });
    }
    for (idx, step) in MIGRATIONS.iter().enumerate().skip(version as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(step)?;
        tx.pragma_update(None, "user_version", idx as i64 + 1)?;
        if idx == 0 {
            let epoch = format!("{:016x}", fastrand::u64(..));
            tx.execute("INSERT INTO meta(key, value) VALUES ('epoch', ?1)", [epoch])?;
            tx.execute("INSERT INTO meta(key, value) VALUES ('seq', '0')", [])?;
        }
        tx.commit()?;
    }
    Ok(())
}

fn next_seq(tx: &Transaction<'_>) -> Result<i64> {
    let seq: i64 =
        tx.query_row("SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'seq'", [], |row| {
            row.get(0)
        })?;
    let seq = seq + 1;
    tx.execute("UPDATE meta SET value = ?1 WHERE key = 'seq'", [seq.to_string()])?;
    Ok(seq)
}

impl Store for SqliteStore {
    fn versions(&self, ids: &[String]) -> Result<HashMap<String, StoredVersion>> {
        let conn = self.read_conn();
        let mut stmt = conn.prepare_cached("SELECT updated, team FROM issues WHERE id = ?1")?;
        let mut res = HashMap::new();
        for id in ids {
            let row = stmt
                .query_row([id], |row| {
                    Ok(StoredVersion { updated: row.get(0)?, team: row.get(1)? })
                })
                .optional()?;
            if let Some(version) = row {
                res.insert(id.clone(), version);
            }
        }
        Ok(res)
    }

    fn all_ids(&self) -> Result<HashMap<String, Option<String>>> {
        let conn = self.read_conn();
        let mut stmt = conn.prepare_cached("SELECT id, team FROM issues")?;
        let rows = stmt.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn write(&self, batch: &Batch) -> Result<WriteOutcome> {
        let mut conn = self.write_conn();
        let tx = conn.transaction()?;
        let mut outcome = WriteOutcome::default();
        {
            let mut current = tx.prepare_cached(
                "SELECT updated, team, issue IS NOT NULL, (SELECT histories FROM changelogs WHERE issue_id = issues.id) FROM issues WHERE id = ?1",
            )?;
            let mut upsert = tx.prepare_cached(
                "INSERT INTO issues(id, key, team, updated, updated_at, category, raw, issue, seq)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
                 ON CONFLICT(id) DO UPDATE SET key = excluded.key, team = excluded.team,
                   updated = excluded.updated, updated_at = excluded.updated_at,
                   category = excluded.category, raw = excluded.raw, issue = excluded.issue,
                   seq = excluded.seq",
            )?;
            let mut changelog = tx.prepare_cached(
                "INSERT INTO changelogs(issue_id, histories) VALUES (?1, ?2)
                 ON CONFLICT(issue_id) DO UPDATE SET histories = excluded.histories",
            )?;
            let mut untomb = tx.prepare_cached("DELETE FROM tombstones WHERE id = ?1")?;
            for issue in &batch.issues {
                let existing: Option<(String, Option<String>, bool, Option<String>)> = current
                    .query_row([&issue.id], |row| {
                        Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
                    })
                    .optional()?;
                // Dedupe by (id, updated): the overlap window re-reads issues
                // we already hold; they must not look changed to API clients.
                if let Some((updated, team, normalised, histories)) = &existing {
                    let same = updated == &issue.updated
                        && team == &issue.team
                        && (*normalised || issue.issue.is_none())
                        && histories.as_deref() == Some(issue.changelog.as_str());
                    if same {
                        outcome.unchanged += 1;
                        continue;
                    }
                }
                let seq = next_seq(&tx)?;
                upsert.execute(params![
                    issue.id,
                    issue.key,
                    issue.team,
                    issue.updated,
                    issue.updated_at.map(ts),
                    issue.category,
                    issue.raw,
                    issue.issue,
                    seq
                ])?;
                changelog.execute(params![issue.id, issue.changelog])?;
                untomb.execute([&issue.id])?;
                outcome.changed += 1;
            }
        }
        if !batch.deletions.is_empty() {
            let now = ts(Utc::now());
            for id in &batch.deletions {
                let removed = tx.execute("DELETE FROM issues WHERE id = ?1", [id])?;
                tx.execute("DELETE FROM changelogs WHERE issue_id = ?1", [id])?;
                if removed > 0 {
                    let seq = next_seq(&tx)?;
                    tx.execute(
                        "INSERT INTO tombstones(id, seq, deleted) VALUES (?1, ?2, ?3)
                         ON CONFLICT(id) DO UPDATE SET seq = excluded.seq, deleted = excluded.deleted",
                        params![id, seq, now],
                    )?;
                    outcome.deleted += 1;
                }
            }
        }
        for (key, value) in &batch.meta {
            tx.execute(
                "INSERT INTO meta(key, value) VALUES (?1, ?2)
                 ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                params![key, value],
            )?;
        }
        tx.commit()?;
        if outcome.changed + outcome.deleted > 0 {
            *self.seq_cache.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = None;
        }
        Ok(outcome)
    }

    fn delta(&self, since: Option<i64>, limit: usize) -> Result<DeltaRows> {
        let conn = self.read_conn();
        let since = since.unwrap_or(0);
        let limit = limit.max(1);
        // One read transaction: issues and tombstones from the same snapshot.
        conn.execute_batch("BEGIN DEFERRED")?;
        let res = (|| -> Result<DeltaRows> {
            let mut stmt = conn.prepare_cached(
                "SELECT issue, seq FROM issues WHERE seq > ?1 AND issue IS NOT NULL ORDER BY seq LIMIT ?2",
            )?;
            let mut rows = DeltaRows::default();
            let mut last_seq = since;
            let fetched = stmt.query_map(params![since, limit as i64 + 1], |row| {
                Ok((row.get::<_, String>(0)?, row.get::<_, i64>(1)?))
            })?;
            for row in fetched {
                let (issue, seq) = row?;
                if rows.issues.len() == limit {
                    rows.has_more = true;
                    break;
                }
                rows.issues.push(issue);
                last_seq = seq;
            }
            let upper = if rows.has_more {
                last_seq
            } else {
                let seq: i64 = conn.query_row(
                    "SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'seq'",
                    [],
                    |row| row.get(0),
                )?;
                seq
            };
            if since > 0 {
                let mut stmt = conn.prepare_cached(
                    "SELECT id FROM tombstones WHERE seq > ?1 AND seq <= ?2 ORDER BY seq",
                )?;
                let deleted = stmt.query_map(params![since, upper], |row| row.get(0))?;
                rows.deleted = deleted.collect::<rusqlite::Result<_>>()?;
            }
            rows.last_seq = upper;
            Ok(rows)
        })();
        conn.execute_batch("COMMIT")?;
        res
    }

    fn last_seq(&self) -> Result<i64> {
        if let Some((at, seq)) =
            *self.seq_cache.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
        {
            if at.elapsed() < SEQ_TTL {
                return Ok(seq);
            }
        }
        let seq: i64 = {
            let conn = self.read_conn();
            conn.query_row(
                "SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'seq'",
                [],
                |row| row.get(0),
            )?
        };
        *self.seq_cache.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) =
            Some((std::time::Instant::now(), seq));
        Ok(seq)
    }

    fn epoch(&self) -> Result<String> {
        if let Some(epoch) = self.epoch.get() {
            return Ok(epoch.clone());
        }
        let epoch = self.meta("epoch")?.unwrap_or_default();
        Ok(self.epoch.get_or_init(|| epoch).clone())
    }

    fn team_counts(&self) -> Result<Vec<TeamCount>> {
        let conn = self.read_conn();
        let mut stmt = conn.prepare_cached(
            "SELECT team, COUNT(*),
                SUM(category = 'to_do'), SUM(category = 'in_progress'), SUM(category = 'done')
             FROM issues WHERE team IS NOT NULL GROUP BY team ORDER BY team",
        )?;
        let rows = stmt.query_map([], |row| {
            Ok(TeamCount {
                team: row.get(0)?,
                issues: row.get::<_, i64>(1)? as u64,
                to_do: row.get::<_, Option<i64>>(2)?.unwrap_or(0) as u64,
                in_progress: row.get::<_, Option<i64>>(3)?.unwrap_or(0) as u64,
                done: row.get::<_, Option<i64>>(4)?.unwrap_or(0) as u64,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn issues_json(&self) -> Result<Vec<String>> {
        let conn = self.read_conn();
        let mut stmt =
            conn.prepare_cached("SELECT issue FROM issues WHERE issue IS NOT NULL ORDER BY seq")?;
        let rows = stmt.query_map([], |row| row.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn raw_issues(&self) -> Result<Vec<super::RawIssue>> {
        let conn = self.read_conn();
        let mut stmt = conn.prepare_cached(
            "SELECT issues.id, issues.team, issues.raw, COALESCE(changelogs.histories, '[]')
             FROM issues LEFT JOIN changelogs ON changelogs.issue_id = issues.id",
        )?;
        let rows =
            stmt.query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn issue_count(&self) -> Result<u64> {
        let conn = self.read_conn();
        let count: i64 = conn.query_row("SELECT COUNT(*) FROM issues", [], |row| row.get(0))?;
        Ok(count as u64)
    }

    fn put_sprints(&self, board: u64, sprints: &[(u64, String)]) -> Result<()> {
        let mut conn = self.write_conn();
        let tx = conn.transaction()?;
        for (id, sprint) in sprints {
            tx.execute(
                "INSERT INTO sprints(id, board, sprint) VALUES (?1, ?2, ?3)
                 ON CONFLICT(id) DO UPDATE SET board = excluded.board, sprint = excluded.sprint",
                params![*id as i64, board as i64, sprint],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    fn sprints_json(&self) -> Result<Vec<String>> {
        let conn = self.read_conn();
        let mut stmt = conn.prepare_cached("SELECT sprint FROM sprints ORDER BY board, id")?;
        let rows = stmt.query_map([], |row| row.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn put_board(&self, board: u64, raw: &str, configuration: Option<&str>) -> Result<()> {
        let conn = self.write_conn();
        conn.execute(
            "INSERT INTO boards(id, raw, configuration) VALUES (?1, ?2, ?3)
             ON CONFLICT(id) DO UPDATE SET raw = excluded.raw,
               configuration = COALESCE(excluded.configuration, boards.configuration)",
            params![board as i64, raw, configuration],
        )?;
        Ok(())
    }

    fn meta(&self, key: &str) -> Result<Option<String>> {
        let conn = self.read_conn();
        Ok(conn
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |row| row.get(0))
            .optional()?)
    }

    fn set_meta(&self, key: &str, value: &str) -> Result<()> {
        let conn = self.write_conn();
        conn.execute(
            "INSERT INTO meta(key, value) VALUES (?1, ?2)
             ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            params![key, value],
        )?;
        Ok(())
    }

    fn begin_run(&self, started: DateTime<Utc>, purpose: Purpose, full: bool) -> Result<i64> {
        let conn = self.write_conn();
        conn.execute(
            "INSERT INTO sync_runs(started, purpose, full) VALUES (?1, ?2, ?3)",
            params![ts(started), purpose.as_str(), full],
        )?;
        Ok(conn.last_insert_rowid())
    }

    fn finish_run(&self, run: &SyncRun) -> Result<()> {
        let conn = self.write_conn();
        conn.execute(
            "UPDATE sync_runs SET finished = ?2, ok = ?3, error = ?4, changed = ?5, deleted = ?6, calls = ?7
             WHERE id = ?1",
            params![
                run.id,
                run.finished.map(ts),
                run.ok,
                run.error,
                run.changed as i64,
                run.deleted as i64,
                run.calls as i64
            ],
        )?;
        Ok(())
    }

    fn runs(&self, limit: usize) -> Result<Vec<SyncRun>> {
        let conn = self.read_conn();
        let mut stmt = conn.prepare_cached(
            "SELECT id, started, finished, purpose, full, ok, error, changed, deleted, calls
             FROM sync_runs ORDER BY id DESC LIMIT ?1",
        )?;
        let rows = stmt.query_map([limit as i64], run_from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn last_success(&self) -> Result<Option<SyncRun>> {
        let conn = self.read_conn();
        Ok(conn
            .query_row(
                "SELECT id, started, finished, purpose, full, ok, error, changed, deleted, calls
                 FROM sync_runs WHERE ok = 1 ORDER BY id DESC LIMIT 1",
                [],
                run_from_row,
            )
            .optional()?)
    }

    fn record_call(&self, day: NaiveDate, purpose: Purpose) -> Result<()> {
        let conn = self.write_conn();
        conn.execute(
            "INSERT INTO calls(day, purpose, count) VALUES (?1, ?2, 1)
             ON CONFLICT(day, purpose) DO UPDATE SET count = count + 1",
            params![day.to_string(), purpose.as_str()],
        )?;
        Ok(())
    }

    fn calls_on(&self, day: NaiveDate) -> Result<Vec<(Purpose, u64)>> {
        let conn = self.read_conn();
        let mut stmt = conn.prepare_cached("SELECT purpose, count FROM calls WHERE day = ?1")?;
        let rows = stmt.query_map([day.to_string()], |row| {
            Ok((purpose_from(&row.get::<_, String>(0)?), row.get::<_, i64>(1)? as u64))
        })?;
        let mut res: Vec<(Purpose, u64)> = rows.collect::<rusqlite::Result<_>>()?;
        res.sort();
        Ok(res)
    }

    fn insert_webhook_event(&self, event: &WebhookEventRow) -> Result<bool> {
        let conn = self.write_conn();
        let inserted = conn.execute(
            "INSERT OR IGNORE INTO webhook_events(identifier, event, received, body, processed)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                event.identifier,
                event.event,
                ts(event.received),
                event.body,
                event.processed.map(ts)
            ],
        )?;
        Ok(inserted == 1)
    }

    fn pending_webhook_events(&self, limit: usize) -> Result<Vec<WebhookEventRow>> {
        let conn = self.read_conn();
        let mut stmt = conn.prepare_cached(
            "SELECT identifier, event, received, body, processed FROM webhook_events
             WHERE processed IS NULL ORDER BY received LIMIT ?1",
        )?;
        let rows = stmt.query_map([limit as i64], |row| {
            Ok(WebhookEventRow {
                identifier: row.get(0)?,
                event: row.get(1)?,
                received: parse_ts(&row.get::<_, String>(2)?).unwrap_or_default(),
                body: row.get(3)?,
                processed: row.get::<_, Option<String>>(4)?.as_deref().and_then(parse_ts),
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn mark_webhook_processed(&self, identifier: &str, at: DateTime<Utc>) -> Result<()> {
        let conn = self.write_conn();
        conn.execute(
            "UPDATE webhook_events SET processed = ?2 WHERE identifier = ?1",
            params![identifier, ts(at)],
        )?;
        Ok(())
    }

    fn raise_alert(
        &self,
        dedupe_key: &str,
        severity: &str,
        body: &str,
        at: DateTime<Utc>,
    ) -> Result<(i64, bool)> {
        let mut conn = self.write_conn();
        let tx = conn.transaction()?;
        let open: Option<i64> = tx
            .query_row(
                "SELECT id FROM alerts WHERE dedupe_key = ?1 AND resolved IS NULL",
                [dedupe_key],
                |row| row.get(0),
            )
            .optional()?;
        let res = match open {
            Some(id) => (id, false),
            None => {
                tx.execute(
                    "INSERT INTO alerts(dedupe_key, severity, body, created) VALUES (?1, ?2, ?3, ?4)",
                    params![dedupe_key, severity, body, ts(at)],
                )?;
                (tx.last_insert_rowid(), true)
            }
        };
        tx.commit()?;
        Ok(res)
    }

    fn alerts(&self, open_only: bool) -> Result<Vec<AlertRow>> {
        let conn = self.read_conn();
        let sql = if open_only {
            "SELECT id, dedupe_key, severity, body, created, acknowledged, escalated, resolved
             FROM alerts WHERE resolved IS NULL ORDER BY id DESC"
        } else {
            "SELECT id, dedupe_key, severity, body, created, acknowledged, escalated, resolved
             FROM alerts ORDER BY id DESC"
        };
        let mut stmt = conn.prepare_cached(sql)?;
        let opt_ts = |text: Option<String>| text.as_deref().and_then(parse_ts);
        let rows = stmt.query_map([], |row| {
            Ok(AlertRow {
                id: row.get(0)?,
                dedupe_key: row.get(1)?,
                severity: row.get(2)?,
                body: row.get(3)?,
                created: parse_ts(&row.get::<_, String>(4)?).unwrap_or_default(),
                acknowledged: opt_ts(row.get(5)?),
                escalated: opt_ts(row.get(6)?),
                resolved: opt_ts(row.get(7)?),
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn mark_alert(&self, id: i64, column: AlertMark, at: DateTime<Utc>) -> Result<bool> {
        let conn = self.write_conn();
        let sql = match column {
            AlertMark::Acknowledged => "UPDATE alerts SET acknowledged = ?2 WHERE id = ?1",
            AlertMark::Escalated => "UPDATE alerts SET escalated = ?2 WHERE id = ?1",
            AlertMark::Resolved => "UPDATE alerts SET resolved = ?2 WHERE id = ?1",
        };
        Ok(conn.execute(sql, params![id, ts(at)])? == 1)
    }
}

fn run_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<SyncRun> {
    Ok(SyncRun {
        id: row.get(0)?,
        started: parse_ts(&row.get::<_, String>(1)?).unwrap_or_default(),
        finished: row.get::<_, Option<String>>(2)?.as_deref().and_then(parse_ts),
        purpose: purpose_from(&row.get::<_, String>(3)?),
        full: row.get(4)?,
        ok: row.get(5)?,
        error: row.get(6)?,
        changed: row.get::<_, i64>(7)? as u64,
        deleted: row.get::<_, i64>(8)? as u64,
        calls: row.get::<_, i64>(9)? as u64,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_store() -> (tempfile::TempDir, SqliteStore) {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open_dir(dir.path()).unwrap();
        (dir, store)
    }

    fn write(id: &str, updated: &str, team: &str) -> IssueWriteBuilder {
        IssueWriteBuilder(super::super::IssueWrite {
            id: id.into(),
            key: format!("A-{id}"),
            team: Some(team.into()),
            updated: updated.into(),
            updated_at: None,
            raw: format!("{{\"id\":\"{id}\"}}"),
            changelog: "[]".into(),
            issue: Some(format!("{{\"id\":\"{id}\",\"updated\":\"{updated}\"}}")),
            category: Some("to_do".into()),
        })
    }

    struct IssueWriteBuilder(super::super::IssueWrite);

    #[test]
    fn migrations_run_once_and_reopen_keeps_data() {
        let dir = tempfile::tempdir().unwrap();
        {
            let store = SqliteStore::open_dir(dir.path()).unwrap();
            assert_eq!(store.schema_version().unwrap(), MIGRATIONS.len() as i64);
            let batch = Batch { issues: vec![write("1", "u1", "Alpha").0], ..Batch::default() };
            store.write(&batch).unwrap();
        }
        let store = SqliteStore::open_dir(dir.path()).unwrap();
        assert_eq!(store.schema_version().unwrap(), MIGRATIONS.len() as i64);
        assert_eq!(store.issue_count().unwrap(), 1);
        assert!(!store.epoch().unwrap().is_empty());
    }

    #[test]
    fn a_store_of_the_first_schema_upgrades_in_place_and_keeps_its_tokens() {
        use crate::store::AuthStore;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("claudedirector.sqlite3");
        {
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch(include_str!("schema-v1.sql")).unwrap();
            conn.execute(
                "INSERT INTO api_tokens(id, digest, user, created)
                 VALUES ('0123456789ab', 'digest-old', 'ann', '2026-01-05T09:00:00.000Z')",
                [],
            )
            .unwrap();
        }
        let store = SqliteStore::open(&path).unwrap();
        assert_eq!(store.schema_version().unwrap(), MIGRATIONS.len() as i64);
        assert_eq!(store.epoch().unwrap(), "00c0ffee00c0ffee");
        let grant = store.token_grant("digest-old").unwrap().expect("the old token still works");
        assert_eq!((grant.user.as_str(), grant.expires), ("ann", None), "and never expires");
        store.touch_token("0123456789ab", Utc::now()).unwrap();
        assert!(store.tokens().unwrap()[0].last_used.is_some());
        drop(store);
        // Opening again runs nothing twice.
        let store = SqliteStore::open(&path).unwrap();
        assert_eq!(store.tokens().unwrap().len(), 1);
    }

    #[test]
    fn newer_schema_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.sqlite3");
        {
            let conn = Connection::open(&path).unwrap();
            conn.pragma_update(None, "user_version", 99).unwrap();
        }
        let err = SqliteStore::open(&path).unwrap_err();
        assert!(matches!(err, Error::TooNew { found: 99, .. }), "{err:?}");
    }

    #[test]
    fn rewriting_the_same_version_is_not_a_change() {
        let (_dir, store) = temp_store();
        let batch = Batch { issues: vec![write("1", "u1", "Alpha").0], ..Batch::default() };
        assert_eq!(store.write(&batch).unwrap().changed, 1);
        let seq = store.last_seq().unwrap();
        let outcome = store.write(&batch).unwrap();
        assert_eq!((outcome.changed, outcome.unchanged), (0, 1));
        assert_eq!(store.last_seq().unwrap(), seq);
        let newer = Batch { issues: vec![write("1", "u2", "Alpha").0], ..Batch::default() };
        assert_eq!(store.write(&newer).unwrap().changed, 1);
        assert_eq!(store.issue_count().unwrap(), 1);
    }

    #[test]
    fn delta_returns_changes_and_deletions_after_the_cursor() {
        let (_dir, store) = temp_store();
        let batch = Batch {
            issues: vec![write("1", "u1", "Alpha").0, write("2", "u1", "Alpha").0],
            ..Batch::default()
        };
        store.write(&batch).unwrap();
        let first = store.delta(None, 100).unwrap();
        assert_eq!(first.issues.len(), 2);
        assert!(first.deleted.is_empty());
        store
            .write(&Batch {
                issues: vec![write("2", "u2", "Alpha").0],
                deletions: vec!["1".into()],
                ..Batch::default()
            })
            .unwrap();
        let next = store.delta(Some(first.last_seq), 100).unwrap();
        assert_eq!(next.issues, vec!["{\"id\":\"2\",\"updated\":\"u2\"}".to_owned()]);
        assert_eq!(next.deleted, vec!["1".to_owned()]);
        let empty = store.delta(Some(next.last_seq), 100).unwrap();
        assert!(empty.issues.is_empty() && empty.deleted.is_empty());
        assert_eq!(empty.last_seq, next.last_seq);
    }

    #[test]
    fn delta_pages_with_has_more() {
        let (_dir, store) = temp_store();
        let issues = (0..5).map(|n| write(&n.to_string(), "u", "Alpha").0).collect();
        store.write(&Batch { issues, ..Batch::default() }).unwrap();
        let page = store.delta(None, 2).unwrap();
        assert_eq!(page.issues.len(), 2);
        assert!(page.has_more);
        let rest = store.delta(Some(page.last_seq), 10).unwrap();
        assert_eq!(rest.issues.len(), 3);
        assert!(!rest.has_more);
    }

    #[test]
    fn calls_are_counted_by_day_and_purpose() {
        let (_dir, store) = temp_store();
        let day = NaiveDate::from_ymd_opt(2026, 3, 10).unwrap();
        store.record_call(day, Purpose::OnDemand).unwrap();
        store.record_call(day, Purpose::OnDemand).unwrap();
        store.record_call(day, Purpose::Reconcile).unwrap();
        store.record_call(day.succ_opt().unwrap(), Purpose::Manual).unwrap();
        assert_eq!(
            store.calls_on(day).unwrap(),
            vec![(Purpose::OnDemand, 2), (Purpose::Reconcile, 1)]
        );
    }

    #[test]
    fn webhook_events_dedupe_by_identifier_and_alerts_by_key() {
        let (_dir, store) = temp_store();
        let event = WebhookEventRow {
            identifier: "abc".into(),
            event: "jira:issue_updated".into(),
            received: Utc::now(),
            body: "{}".into(),
            processed: None,
        };
        assert!(store.insert_webhook_event(&event).unwrap());
        assert!(!store.insert_webhook_event(&event).unwrap());
        assert_eq!(store.pending_webhook_events(10).unwrap().len(), 1);
        store.mark_webhook_processed("abc", Utc::now()).unwrap();
        assert!(store.pending_webhook_events(10).unwrap().is_empty());
        let (id, new) = store.raise_alert("p0:A-1", "critical", "{}", Utc::now()).unwrap();
        assert!(new);
        assert_eq!(store.raise_alert("p0:A-1", "critical", "{}", Utc::now()).unwrap(), (id, false));
        assert!(store.mark_alert(id, AlertMark::Resolved, Utc::now()).unwrap());
        assert!(store.alerts(true).unwrap().is_empty());
        assert!(store.raise_alert("p0:A-1", "critical", "{}", Utc::now()).unwrap().1);
    }
}
