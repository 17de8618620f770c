//! Per-user API tokens: a configured user gets their own bearer token for
//! the CLI and scripts (`claudedirector token create --user NAME`), which
//! can be revoked alone, unlike the shared `CLAUDEDIRECTOR_TOKEN`.
//!
//! A token is `cdt_` and 64 hex digits (256 random bits). It is shown once,
//! at creation; the store keeps its SHA-256 digest, which is enough for such
//! a token (nothing to guess, so no slow hash is needed) and lets each
//! request be checked with one indexed lookup.

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
}

/// Creates a token for configured user `user`.
pub fn create(
    store: &dyn AuthStore,
    config: &AuthConfig,
    user: &str,
    at: DateTime<Utc>,
) -> Result<Created, Error> {
    if !config.users.iter().any(|configured| configured.name == user) {
        return Err(Error::UnknownUser(user.to_owned()));
    }
    let id = random_hex(6);
    let token = format!("{PREFIX}{}", random_hex(32));
    store
        .create_token(&id, &digest(&token), user, at)
        .map_err(|err| Error::Store(err.to_string()))?;
    Ok(Created { id, token: Secret::new(token) })
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
    use crate::auth::{hash_password, Gate, Principal, UserConfig};
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
            create(store.as_ref(), &config, "mallory", Utc::now()),
            Err(Error::UnknownUser(_))
        ));
        let created = create(store.as_ref(), &config, "ann", Utc::now()).unwrap();
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
        let created = create(store.as_ref(), &before, "bob", Utc::now()).unwrap();
        let after = AuthConfig { users: vec![user("ann")], ..AuthConfig::default() };
        let gate = Gate::new(&after, None, Some(store.clone())).unwrap();
        assert_eq!(gate.principal(&bearer(created.token.expose())), None);
    }
}
