//! Per-user API tokens: a configured user gets their own bearer token for
//! the CLI and scripts (`claudedirector token create --user NAME`), which
//! can be revoked alone, unlike the shared `CLAUDEDIRECTOR_TOKEN`.
//!
//! A token is `cdt_` and 64 hex digits (256 random bits). It is shown once,
//! at creation; the store keeps its SHA-256 digest, which is enough for such
//! a token (nothing to guess, so no slow hash is needed) and lets each
//! request be checked with one indexed lookup.
//!
//! A token lasts [`DEFAULT_LIFETIME`] unless created with another lifetime
//! or `never`; an expired token is answered 401 `token_expired`, which only
//! its holder can provoke. The server records when a token was last
//! accepted at most once a minute per token, off the request's path.

use argon2::password_hash::rand_core::{OsRng, RngCore};
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use super::{AuthConfig, Error};
use crate::config::Secret;
use crate::store::{AuthStore, TokenRow};

/// What every per-user token starts with, so it is recognisable in a
/// secret scanner and told apart from the shared token without a lookup.
pub const PREFIX: &str = "cdt_";

/// SHA-256 of `secret` in hex: what the store keeps of session ids and tokens.
pub fn digest(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// True when `candidate` has the shape of a per-user token.
pub fn looks_like_token(candidate: &str) -> bool {
    candidate
        .strip_prefix(PREFIX)
        .is_some_and(|rest| rest.len() == 64 && rest.bytes().all(|byte| byte.is_ascii_hexdigit()))
}

/// How long a token lasts unless `--expires-in` says otherwise: a quarter,
/// so a forgotten token stops working on its own.
pub const DEFAULT_LIFETIME: Lifetime = Lifetime::For(chrono::TimeDelta::days(90));

/// How long a new token works.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lifetime {
    /// Until revoked.
    Never,
    /// For this long after creation.
    For(chrono::TimeDelta),
}

impl std::str::FromStr for Lifetime {
    type Err = String;

    /// `never`, or a duration such as `90d`, `12h`, `1d 12h` (units s, m, h, d).
    fn from_str(text: &str) -> Result<Lifetime, String> {
        if text.trim().eq_ignore_ascii_case("never") {
            return Ok(Lifetime::Never);
        }
        let duration = crate::config::parse_duration(text)?;
        if duration.is_zero() {
            return Err("a token must last longer than zero; use `never` for no expiry".into());
        }
        chrono::TimeDelta::from_std(duration)
            .ok()
            .filter(|delta| *delta <= chrono::TimeDelta::days(100 * 366))
            .map(Lifetime::For)
            .ok_or_else(|| format!("{text:?} is too long; use `never` for no expiry"))
    }
}

impl Lifetime {
    /// When a token made at `at` expires.
    pub fn expires(self, at: DateTime<Utc>) -> Option<DateTime<Utc>> {
        match self {
            Lifetime::Never => None,
            Lifetime::For(delta) => Some(at + delta),
        }
    }
}

fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    OsRng.fill_bytes(&mut buf);
    hex::encode(buf)
}

/// A token just created: its public id and the secret, shown once.
#[derive(Debug)]
pub struct Created {
    /// Public id (for `token list` and `token revoke`).
    pub id: String,
    /// The bearer token.
    pub token: Secret,
    /// When it stops working; `None` never.
    pub expires: Option<DateTime<Utc>>,
}

/// Creates a token for configured user `user`, working for `lifetime` from `at`.
pub fn create(
    store: &dyn AuthStore,
    config: &AuthConfig,
    user: &str,
    at: DateTime<Utc>,
    lifetime: Lifetime,
) -> Result<Created, Error> {
    if !config.users.iter().any(|configured| configured.name == user) {
        return Err(Error::UnknownUser(user.to_owned()));
    }
    let id = random_hex(6);
    let token = format!("{PREFIX}{}", random_hex(32));
    let expires = lifetime.expires(at);
    store
        .create_token(&id, &digest(&token), user, at, expires)
        .map_err(|err| Error::Store(err.to_string()))?;
    Ok(Created { id, token: Secret::new(token), expires })
}

/// Every token ever created, oldest first (revoked ones included).
pub fn list(store: &dyn AuthStore) -> Result<Vec<TokenRow>, Error> {
    store.tokens().map_err(|err| Error::Store(err.to_string()))
}

/// Revokes the token with public id `id`.
pub fn revoke(store: &dyn AuthStore, id: &str, at: DateTime<Utc>) -> Result<(), Error> {
    match store.revoke_token(id, at) {
        Ok(true) => Ok(()),
        Ok(false) => Err(Error::UnknownToken(id.to_owned())),
        Err(err) => Err(Error::Store(err.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use axum::http::{header, HeaderMap, HeaderValue};

    use super::*;
    use crate::auth::{hash_password, Gate, Principal, Refusal, UserConfig};
    use crate::store::SqliteStore;

    fn bearer(token: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::AUTHORIZATION,
            HeaderValue::from_str(&format!("Bearer {token}")).unwrap(),
        );
        headers
    }

    #[test]
    fn a_users_token_works_until_revoked_and_only_its_digest_is_stored() {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(SqliteStore::open_dir(dir.path()).unwrap());
        let config = AuthConfig {
            users: vec![UserConfig {
                name: "ann".into(),
                password_hash: hash_password("correct horse").unwrap(),
            }],
            ..AuthConfig::default()
        };
        let gate = Gate::new(&config, None, Some(store.clone())).unwrap();
        assert!(matches!(
            create(store.as_ref(), &config, "mallory", Utc::now(), DEFAULT_LIFETIME),
            Err(Error::UnknownUser(_))
        ));
        let created = create(store.as_ref(), &config, "ann", Utc::now(), DEFAULT_LIFETIME).unwrap();
        let token = created.token.expose().to_owned();
        assert!(looks_like_token(&token));
        assert_eq!(gate.principal(&bearer(&token)), Some(Principal::User("ann".into())));
        // One digit off is refused.
        let last = token.chars().last().unwrap();
        let other = format!("{}{}", &token[..token.len() - 1], if last == '0' { '1' } else { '0' });
        assert_eq!(gate.principal(&bearer(&other)), None);

        let listed = list(store.as_ref()).unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].id, created.id);
        let file = std::fs::read(dir.path().join("claudedirector.sqlite3")).unwrap();
        let wal = std::fs::read(dir.path().join("claudedirector.sqlite3-wal")).unwrap_or_default();
        for bytes in [&file, &wal] {
            assert!(!bytes.windows(token.len()).any(|window| window == token.as_bytes()));
        }

        revoke(store.as_ref(), &created.id, Utc::now()).unwrap();
        assert_eq!(gate.principal(&bearer(&token)), None);
        assert!(matches!(
            revoke(store.as_ref(), &created.id, Utc::now()),
            Err(Error::UnknownToken(_))
        ));
    }

    #[test]
    fn a_token_of_a_user_no_longer_in_the_config_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(SqliteStore::open_dir(dir.path()).unwrap());
        let user = |name: &str| UserConfig {
            name: name.into(),
            password_hash: hash_password("pw").unwrap(),
        };
        let before = AuthConfig { users: vec![user("ann"), user("bob")], ..AuthConfig::default() };
        let created = create(store.as_ref(), &before, "bob", Utc::now(), Lifetime::Never).unwrap();
        let after = AuthConfig { users: vec![user("ann")], ..AuthConfig::default() };
        let gate = Gate::new(&after, None, Some(store.clone())).unwrap();
        assert_eq!(gate.principal(&bearer(created.token.expose())), None);
    }

    fn ann() -> AuthConfig {
        AuthConfig {
            users: vec![UserConfig {
                name: "ann".into(),
                password_hash: hash_password("pw").unwrap(),
            }],
            ..AuthConfig::default()
        }
    }

    #[test]
    fn lifetimes_default_to_ninety_days_and_never_is_explicit() {
        let at = DateTime::parse_from_rfc3339("2026-11-28T12:00:00Z").unwrap().to_utc();
        assert_eq!(DEFAULT_LIFETIME.expires(at), Some(at + chrono::TimeDelta::days(90)));
        assert_eq!("never".parse::<Lifetime>(), Ok(Lifetime::Never));
        assert_eq!("Never".parse::<Lifetime>(), Ok(Lifetime::Never));
        assert_eq!("30d".parse::<Lifetime>(), Ok(Lifetime::For(chrono::TimeDelta::days(30))));
        assert_eq!("1d 12h".parse::<Lifetime>(), Ok(Lifetime::For(chrono::TimeDelta::hours(36))));
        for bad in ["0d", "", "soon", "90", "-1d", "100000d"] {
            assert!(bad.parse::<Lifetime>().is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn an_expired_token_is_refused_as_expired_and_others_as_unknown() {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(SqliteStore::open_dir(dir.path()).unwrap());
        let config = ann();
        let gate = Gate::new(&config, None, Some(store.clone())).unwrap();
        let long_ago = Utc::now() - chrono::TimeDelta::days(91);
        let old = create(store.as_ref(), &config, "ann", long_ago, DEFAULT_LIFETIME).unwrap();
        assert_eq!(gate.check(&bearer(old.token.expose())), Err(Refusal::TokenExpired));
        let kept = create(store.as_ref(), &config, "ann", long_ago, Lifetime::Never).unwrap();
        assert_eq!(gate.check(&bearer(kept.token.expose())), Ok(Principal::User("ann".into())));
        let unknown = format!("{PREFIX}{}", "ab".repeat(32));
        assert_eq!(gate.check(&bearer(&unknown)), Err(Refusal::Unauthenticated));
        // Revoking an expired token makes it look like any unknown one.
        revoke(store.as_ref(), &old.id, Utc::now()).unwrap();
        assert_eq!(gate.check(&bearer(old.token.expose())), Err(Refusal::Unauthenticated));
        let listed = list(store.as_ref()).unwrap();
        let row = |id: &str| listed.iter().find(|row| row.id == id).unwrap().clone();
        assert_eq!(row(&old.id).last_used, None, "a refused token was not used");
        assert!(row(&kept.id).last_used.is_some());
    }

    #[test]
    fn last_use_is_written_once_a_minute_at_most() {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(SqliteStore::open_dir(dir.path()).unwrap());
        let config = ann();
        let gate = Gate::new(&config, None, Some(store.clone())).unwrap();
        let created = create(store.as_ref(), &config, "ann", Utc::now(), DEFAULT_LIFETIME).unwrap();
        assert_eq!(list(store.as_ref()).unwrap()[0].last_used, None);
        let before = Utc::now();
        assert!(gate.principal(&bearer(created.token.expose())).is_some());
        let first = list(store.as_ref()).unwrap()[0].last_used.expect("the first use is written");
        assert!(first >= before - chrono::TimeDelta::milliseconds(1), "{first} {before}");
        std::thread::sleep(std::time::Duration::from_millis(20));
        for _ in 0..50 {
            assert!(gate.principal(&bearer(created.token.expose())).is_some());
        }
        assert_eq!(
            list(store.as_ref()).unwrap()[0].last_used,
            Some(first),
            "later uses within the minute are not written"
        );
    }
}
