//! What sign-in keeps: dashboard sessions (so a restart signs nobody out)
//! and per-user API tokens for the CLI. Only SHA-256 digests of session ids
//! and tokens are stored: both are 256 random bits, so a digest cannot be
//! turned back into a working credential by whoever reads the file.
//!
//! The sessions table is created with `IF NOT EXISTS` when the store opens,
//! so it does not depend on the numbering of the main schema's migrations;
//! `api_tokens` belongs to migration 2, which gave tokens an expiry and a
//! last use.

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{params, OptionalExtension};

use super::{Result, SqliteStore};

/// Tables of this module; safe to run on every open.
pub(super) const SCHEMA: &str = r#"
    CREATE TABLE IF NOT EXISTS auth_sessions (
        digest TEXT PRIMARY KEY,
        user TEXT NOT NULL,
        created TEXT NOT NULL,
        expires TEXT NOT NULL,
        revoked TEXT
    );
    CREATE INDEX IF NOT EXISTS auth_sessions_expires ON auth_sessions(expires);
"#;

/// A per-user API token as stored (its digest stays inside the store).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TokenRow {
    /// Public id, shown by `token list` and used by `token revoke`.
    pub id: String,
    /// The user the token acts as.
    pub user: String,
    /// Created.
    pub created: DateTime<Utc>,
    /// When it stops working; `None` never (chosen at creation, or a token
    /// made before tokens had an expiry).
    pub expires: Option<DateTime<Utc>>,
    /// When a request with it was last accepted, to the minute (the server
    /// records a token's use at most once a minute).
    pub last_used: Option<DateTime<Utc>>,
    /// Revoked, if it was.
    pub revoked: Option<DateTime<Utc>>,
}

/// Whether a token still opens the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenState {
    /// Works.
    Active,
    /// Its expiry has passed.
    Expired,
    /// Revoked (whether or not it has also expired).
    Revoked,
}

impl TokenRow {
    /// The token's state at `now`.
    pub fn state(&self, now: DateTime<Utc>) -> TokenState {
        if self.revoked.is_some() {
            TokenState::Revoked
        } else if self.expires.is_some_and(|expires| expires <= now) {
            TokenState::Expired
        } else {
            TokenState::Active
        }
    }
}

/// What a request's token is checked against: an unrevoked token found by
/// its digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenGrant {
    /// Public id (the key its last use is recorded under).
    pub id: String,
    /// The user it acts as.
    pub user: String,
    /// When it stops working; `None` never.
    pub expires: Option<DateTime<Utc>>,
}

/// Store operations of sign-in.
pub trait AuthStore: Send + Sync + 'static {
    /// Records a session by the digest of its id.
    fn create_session(
        &self,
        digest: &str,
        user: &str,
        created: DateTime<Utc>,
        expires: DateTime<Utc>,
    ) -> Result<()>;
    /// The user of a session that is neither expired at `now` nor revoked.
    fn session_user(&self, digest: &str, now: DateTime<Utc>) -> Result<Option<String>>;
    /// Revokes a session (sign-out); false when there was none.
    fn revoke_session(&self, digest: &str, at: DateTime<Utc>) -> Result<bool>;
    /// Removes sessions that expired or were revoked before `before`.
    fn purge_sessions(&self, before: DateTime<Utc>) -> Result<u64>;
    /// Records a token by its digest; `expires: None` never expires.
    fn create_token(
        &self,
        id: &str,
        digest: &str,
        user: &str,
        at: DateTime<Utc>,
        expires: Option<DateTime<Utc>>,
    ) -> Result<()>;
    /// The unrevoked token with this digest, expired or not: telling the two
    /// apart is the caller's (it answers an expired token differently).
    fn token_grant(&self, digest: &str) -> Result<Option<TokenGrant>>;
    /// Records that token `id` was accepted at `at` (an older time never
    /// replaces a newer one).
    fn touch_token(&self, id: &str, at: DateTime<Utc>) -> Result<()>;
    /// Every token, oldest first.
    fn tokens(&self) -> Result<Vec<TokenRow>>;
    /// Revokes a token by id; false when no unrevoked token has it.
    fn revoke_token(&self, id: &str, at: DateTime<Utc>) -> Result<bool>;
}

fn ts(at: DateTime<Utc>) -> String {
    // Fixed width, so text comparison in SQL is time order.
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn parse_ts(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).map(|at| at.with_timezone(&Utc)).unwrap_or_default()
}

fn parse_opt(text: Option<String>) -> Option<DateTime<Utc>> {
    text.as_deref().map(parse_ts)
}

impl AuthStore for SqliteStore {
    fn create_session(
        &self,
        digest: &str,
        user: &str,
        created: DateTime<Utc>,
        expires: DateTime<Utc>,
    ) -> Result<()> {
        let conn = self.write_conn();
        conn.execute(
            "INSERT OR REPLACE INTO auth_sessions(digest, user, created, expires, revoked)
             VALUES (?1, ?2, ?3, ?4, NULL)",
            params![digest, user, ts(created), ts(expires)],
        )?;
        Ok(())
    }

    fn session_user(&self, digest: &str, now: DateTime<Utc>) -> Result<Option<String>> {
        let conn = self.read_conn();
        let mut stmt = conn.prepare_cached(
            "SELECT user FROM auth_sessions
             WHERE digest = ?1 AND revoked IS NULL AND expires > ?2",
        )?;
        Ok(stmt.query_row(params![digest, ts(now)], |row| row.get(0)).optional()?)
    }

    fn revoke_session(&self, digest: &str, at: DateTime<Utc>) -> Result<bool> {
        let conn = self.write_conn();
        let changed = conn.execute(
            "UPDATE auth_sessions SET revoked = ?2 WHERE digest = ?1 AND revoked IS NULL",
            params![digest, ts(at)],
        )?;
        Ok(changed == 1)
    }

    fn purge_sessions(&self, before: DateTime<Utc>) -> Result<u64> {
        let conn = self.write_conn();
        let removed = conn.execute(
            "DELETE FROM auth_sessions WHERE expires <= ?1 OR revoked <= ?1",
            params![ts(before)],
        )?;
        Ok(removed as u64)
    }

    fn create_token(
        &self,
        id: &str,
        digest: &str,
        user: &str,
        at: DateTime<Utc>,
        expires: Option<DateTime<Utc>>,
    ) -> Result<()> {
        let conn = self.write_conn();
        conn.execute(
            "INSERT INTO api_tokens(id, digest, user, created, expires) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![id, digest, user, ts(at), expires.map(ts)],
        )?;
        Ok(())
    }

    fn token_grant(&self, digest: &str) -> Result<Option<TokenGrant>> {
        let conn = self.read_conn();
        let mut stmt = conn.prepare_cached(
            "SELECT id, user, expires FROM api_tokens WHERE digest = ?1 AND revoked IS NULL",
        )?;
        Ok(stmt
            .query_row([digest], |row| {
                Ok(TokenGrant {
                    id: row.get(0)?,
                    user: row.get(1)?,
                    expires: parse_opt(row.get(2)?),
                })
            })
            .optional()?)
    }

    fn touch_token(&self, id: &str, at: DateTime<Utc>) -> Result<()> {
        let conn = self.write_conn();
        conn.execute(
            "UPDATE api_tokens SET last_used = ?2
             WHERE id = ?1 AND (last_used IS NULL OR last_used < ?2)",
            params![id, ts(at)],
        )?;
        Ok(())
    }

    fn tokens(&self) -> Result<Vec<TokenRow>> {
        let conn = self.read_conn();
        let mut stmt = conn.prepare_cached(
            "SELECT id, user, created, expires, last_used, revoked FROM api_tokens
             ORDER BY created, id",
        )?;
        let rows = stmt.query_map([], |row| {
            Ok(TokenRow {
                id: row.get(0)?,
                user: row.get(1)?,
                created: parse_ts(&row.get::<_, String>(2)?),
                expires: parse_opt(row.get(3)?),
                last_used: parse_opt(row.get(4)?),
                revoked: parse_opt(row.get(5)?),
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn revoke_token(&self, id: &str, at: DateTime<Utc>) -> Result<bool> {
        let conn = self.write_conn();
        let changed = conn.execute(
            "UPDATE api_tokens SET revoked = ?2 WHERE id = ?1 AND revoked IS NULL",
            params![id, ts(at)],
        )?;
        Ok(changed == 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sessions_end_at_expiry_or_revocation_and_survive_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let now = Utc::now();
        let later = now + chrono::Duration::hours(1);
        {
            let store = SqliteStore::open_dir(dir.path()).unwrap();
            store.create_session("d1", "ann", now, later).unwrap();
            store.create_session("d2", "bob", now, later).unwrap();
        }
        let store = SqliteStore::open_dir(dir.path()).unwrap();
        assert_eq!(store.session_user("d1", now).unwrap().as_deref(), Some("ann"));
        assert_eq!(store.session_user("d1", later).unwrap(), None, "expired");
        assert_eq!(store.session_user("nope", now).unwrap(), None);
        assert!(store.revoke_session("d2", now).unwrap());
        assert!(!store.revoke_session("d2", now).unwrap());
        assert_eq!(store.session_user("d2", now).unwrap(), None, "revoked");
        assert_eq!(store.purge_sessions(later).unwrap(), 2);
    }

    #[test]
    fn revoked_tokens_stop_working_and_listing_keeps_them() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open_dir(dir.path()).unwrap();
        let now = Utc::now();
        store.create_token("t1", "digest-1", "ann", now, None).unwrap();
        let grant = store.token_grant("digest-1").unwrap().unwrap();
        assert_eq!((grant.id.as_str(), grant.user.as_str(), grant.expires), ("t1", "ann", None));
        assert!(store.revoke_token("t1", now).unwrap());
        assert!(!store.revoke_token("t1", now).unwrap());
        assert_eq!(store.token_grant("digest-1").unwrap(), None);
        let listed = store.tokens().unwrap();
        assert_eq!(listed.len(), 1);
        assert!(listed[0].revoked.is_some());
        assert_eq!(listed[0].state(now), TokenState::Revoked);
    }

    #[test]
    fn expiry_and_last_use_are_kept_and_last_use_only_moves_forward() {
        let dir = tempfile::tempdir().unwrap();
        let now = DateTime::parse_from_rfc3339("2026-11-28T12:00:00Z").unwrap().to_utc();
        let expires = now + chrono::Duration::days(90);
        {
            let store = SqliteStore::open_dir(dir.path()).unwrap();
            store.create_token("t1", "digest-1", "ann", now, Some(expires)).unwrap();
            store.create_token("t2", "digest-2", "bob", now, None).unwrap();
            let later = now + chrono::Duration::minutes(5);
            store.touch_token("t1", later).unwrap();
            store.touch_token("t1", now).unwrap();
        }
        let store = SqliteStore::open_dir(dir.path()).unwrap();
        assert_eq!(store.token_grant("digest-1").unwrap().unwrap().expires, Some(expires));
        let listed = store.tokens().unwrap();
        assert_eq!(listed[0].last_used, Some(now + chrono::Duration::minutes(5)));
        assert_eq!(listed[1].last_used, None);
        assert_eq!(listed[0].state(now), TokenState::Active);
        assert_eq!(listed[0].state(expires), TokenState::Expired, "expiry is exclusive");
        assert_eq!(listed[1].state(expires + chrono::Duration::days(3650)), TokenState::Active);
    }
}
