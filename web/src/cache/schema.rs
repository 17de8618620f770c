//! The IndexedDB layout: database name, schema version, object stores and the
//! upgrade steps that take any older database to the current version.
//!
//! IndexedDB runs `onupgradeneeded` with the version the browser holds; each
//! step below brings the schema from `version - 1` to `version`, so a browser
//! that skipped releases replays every step it missed. The *encoding* of
//! stored values has its own [`FORMAT_VERSION`], checked on load: an outdated
//! format is cleared and refetched rather than migrated, since the proxy can
//! always resend.

use web_sys::{IdbDatabase, IdbTransaction};

use crate::error::Error;

/// The database every dashboard tab shares.
pub const DB_NAME: &str = "claudedirector";

/// Current schema version (the IndexedDB version number).
pub const DB_VERSION: u32 = 2;

/// Version of the serde encoding of stored values; bump when a core type's
/// serialised shape changes.
pub const FORMAT_VERSION: u32 = 1;

/// Issues, keyed by JIRA's issue id; values are JSON-encoded `Issue`s.
pub const ISSUES: &str = "issues";
/// Sprints, keyed by sprint id; values are JSON-encoded `Sprint`s.
pub const SPRINTS: &str = "sprints";
/// Small values keyed by name (see the `META_*` keys).
pub const META: &str = "meta";

/// Meta key: encoding version of everything stored.
pub const META_FORMAT: &str = "format";
/// Meta key: the proxy's delta cursor.
pub const META_CURSOR: &str = "cursor";
/// Meta key: when this browser last received a delta (RFC 3339).
pub const META_FETCHED_AT: &str = "fetched_at";
/// Meta key: when the proxy last synced with JIRA (RFC 3339).
pub const META_DATA_AS_OF: &str = "data_as_of";
/// Meta key: JSON-encoded team list.
pub const META_TEAMS: &str = "teams";
/// Meta key: base URL of the JIRA site, for issue links.
pub const META_JIRA_URL: &str = "jira_url";

/// `localStorage` key of the freshness threshold in minutes. A preference of
/// this browser rather than cached data, so clearing the cache keeps it.
pub const FRESH_FOR_KEY: &str = "claudedirector.fresh_for_minutes";

/// Every store of the current schema.
pub const STORES: [&str; 3] = [ISSUES, SPRINTS, META];

/// Applies every upgrade step after `old_version` up to `new_version`.
pub(super) fn upgrade(
    db: &IdbDatabase,
    _tx: &IdbTransaction,
    old_version: u32,
    new_version: u32,
) -> Result<(), Error> {
    for version in (old_version + 1)..=new_version {
        match version {
            // First release: issues and the meta store.
            1 => {
                create_store(db, ISSUES)?;
                create_store(db, META)?;
            }
            // Sprints got their own store so burn-ups and velocity work offline.
            2 => create_store(db, SPRINTS)?,
            _ => {}
        }
    }
    Ok(())
}

fn create_store(db: &IdbDatabase, name: &str) -> Result<(), Error> {
    if db.object_store_names().contains(name) {
        return Ok(());
    }
    db.create_object_store(name)
        .map(|_| ())
        .map_err(|err| Error::Cache(format!("could not create store {name}: {err:?}")))
}
