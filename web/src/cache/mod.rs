//! The dashboard's IndexedDB cache: the last [`Snapshot`] and the sync cursor,
//! so the page renders at once (and offline) before asking the proxy for what
//! changed.
//!
//! No IndexedDB or `web_sys` type leaves this module: callers see `Cache`,
//! `Snapshot` and [`Error`]. Stored values are serde-encoded core types (JSON
//! strings) under a format version; a wiped, corrupted or outdated cache is
//! cleared by [`Cache::load_or_reset`] and the caller refetches everything.

mod idb;
pub mod schema;

use chrono::{DateTime, Utc};
use director_core::api::IssuesDelta;
use director_core::model::{Sprint, Team};
use serde::de::DeserializeOwned;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{IdbDatabase, IdbKeyRange, IdbObjectStore, IdbTransaction, IdbTransactionMode};

use crate::error::Error;
use crate::snapshot::Snapshot;

/// An open cache database.
#[derive(Debug, Clone)]
pub struct Cache {
    db: IdbDatabase,
}

impl Cache {
    /// Opens the dashboard's database, creating or upgrading it.
    pub async fn open() -> Result<Cache, Error> {
        Cache::open_named(schema::DB_NAME).await
    }

    /// Opens the database `name` at the current schema version (tests use
    /// their own names so they never share state).
    pub async fn open_named(name: &str) -> Result<Cache, Error> {
        Cache::open_at_version(name, schema::DB_VERSION).await
    }

    /// Opens `name` at an older schema `version`, as an older release would;
    /// used to test the upgrade steps.
    pub async fn open_at_version(name: &str, version: u32) -> Result<Cache, Error> {
        let db = idb::open(name, version, schema::upgrade).await?;
        Ok(Cache { db })
    }

    /// Deletes the database `name` entirely.
    pub async fn delete(name: &str) -> Result<(), Error> {
        idb::delete(name).await
    }

    /// Closes the connection (so the database can be upgraded or deleted).
    pub fn close(&self) {
        self.db.close();
    }

    /// The schema version of the open database.
    pub fn version(&self) -> u32 {
        self.db.version() as u32
    }

    /// Names of the object stores in the open database, sorted.
    pub fn store_names(&self) -> Vec<String> {
        let names = self.db.object_store_names();
        let mut res: Vec<String> = (0..names.length()).filter_map(|idx| names.get(idx)).collect();
        director_core::sort::stable(&mut res);
        res
    }

    /// Loads the stored snapshot; `Ok(None)` when nothing was ever stored.
    ///
    /// # Errors
    /// `Error::Decode` for a record that does not decode, `Error::Cache` for
    /// an outdated format or a failing database.
    pub async fn load_snapshot(&self) -> Result<Option<Snapshot>, Error> {
        // The issue keys first, to split the issues into ranges ...
        let keys_tx = self.transaction(&[schema::ISSUES], IdbTransactionMode::Readonly)?;
        let keys_request = store(&keys_tx, schema::ISSUES)?
            .get_all_keys()
            .map_err(cache_err("reading issue keys"))?;
        let keys: js_sys::Array =
            idb::request(&keys_request, "reading issue keys").await?.unchecked_into();
        crate::state::performance_mark("cd-cache-keys");
        // ... then everything in one transaction, so it is consistent. Meta is
        // asked for first (requests complete in order), then the issues range
        // by range: each range decodes while IndexedDB reads the next, which
        // overlaps the two largest costs of opening the page.
        let tx = self.transaction(&schema::STORES, IdbTransactionMode::Readonly)?;
        let meta = store(&tx, schema::META)?;
        let mut meta_requests = Vec::new();
        for key in [
            schema::META_FORMAT,
            schema::META_CURSOR,
            schema::META_FETCHED_AT,
            schema::META_DATA_AS_OF,
            schema::META_TEAMS,
            schema::META_JIRA_URL,
        ] {
            meta_requests
                .push(meta.get(&JsValue::from_str(key)).map_err(cache_err("reading meta"))?);
        }
        let issues_store = store(&tx, schema::ISSUES)?;
        let mut chunk_requests = Vec::new();
        for range in key_ranges(&keys, ISSUE_CHUNK)? {
            let request = match &range {
                Some(range) => issues_store.get_all_with_key(range),
                None => issues_store.get_all(),
            };
            chunk_requests.push(request.map_err(cache_err("reading issues"))?);
        }
        let sprints_request =
            store(&tx, schema::SPRINTS)?.get_all().map_err(cache_err("reading sprints"))?;
        let mut meta_values = Vec::new();
        for request in &meta_requests {
            meta_values.push(idb::request(request, "reading meta").await?.as_string());
        }
        let [format, cursor, fetched_at, data_as_of, teams, jira_url]: [Option<String>; 6] =
            meta_values
                .try_into()
                .map_err(|_| Error::Cache("meta read came back short".to_owned()))?;

        let Some(format) = format else {
            if keys.length() == 0 {
                return Ok(None);
            }
            return Err(Error::Cache("stored data has no format version".to_owned()));
        };
        if format != schema::FORMAT_VERSION.to_string() {
            return Err(Error::Cache(format!(
                "stored format {format} is outdated (expected {})",
                schema::FORMAT_VERSION
            )));
        }
        let mut res = Snapshot {
            cursor,
            fetched_at: fetched_at.as_deref().map(|at| parse_time(at, "fetched_at")).transpose()?,
            data_as_of: data_as_of.as_deref().map(|at| parse_time(at, "data_as_of")).transpose()?,
            jira_url,
            ..Snapshot::default()
        };
        if let Some(teams) = teams {
            res.teams = decode::<Vec<Team>>(&teams, "the team list")?;
        }
        res.issues.reserve(keys.length() as usize);
        for request in &chunk_requests {
            let chunk: js_sys::Array =
                idb::request(request, "reading issues").await?.unchecked_into();
            decode_into(&chunk, "issue", res.issues.len(), &mut res.issues)?;
        }
        let sprints = idb::request(&sprints_request, "reading sprints").await?;
        res.sprints = decode_all::<Sprint>(&sprints.unchecked_into(), "sprint")?;
        Ok(Some(res))
    }

    /// Loads the snapshot, or clears a cache that cannot be read so the caller
    /// starts over with a full fetch. Returns the snapshot (if any) and the
    /// reason the cache was reset (if it was).
    pub async fn load_or_reset(&self) -> (Option<Snapshot>, Option<Error>) {
        match self.load_snapshot().await {
            Ok(snapshot) => (snapshot, None),
            Err(err) => {
                if let Err(clear_err) = self.clear().await {
                    web_sys::console::error_1(&clear_err.to_string().into());
                }
                (None, Some(err))
            }
        }
    }

    /// Replaces everything stored with `snapshot`.
    pub async fn save_snapshot(&self, snapshot: &Snapshot) -> Result<(), Error> {
        let tx = self.transaction(&schema::STORES, IdbTransactionMode::Readwrite)?;
        let issues = store(&tx, schema::ISSUES)?;
        issues.clear().map_err(cache_err("clearing issues"))?;
        for issue in &snapshot.issues {
            put(&issues, &issue.id.0, &encode(issue)?)?;
        }
        let sprints = store(&tx, schema::SPRINTS)?;
        sprints.clear().map_err(cache_err("clearing sprints"))?;
        for sprint in &snapshot.sprints {
            put(&sprints, &sprint.id.to_string(), &encode(sprint)?)?;
        }
        let meta = store(&tx, schema::META)?;
        put(&meta, schema::META_TEAMS, &encode(&snapshot.teams)?)?;
        if let Some(url) = &snapshot.jira_url {
            put(&meta, schema::META_JIRA_URL, url)?;
        }
        write_sync_meta(
            &meta,
            snapshot.cursor.as_deref(),
            snapshot.fetched_at,
            snapshot.data_as_of,
        )?;
        idb::commit(&tx, "saving the snapshot").await
    }

    /// Stores a delta from the proxy: upserts and deletes issues and moves the
    /// cursor in one transaction, so the cursor never runs ahead of the data.
    pub async fn apply_delta(
        &self,
        delta: &IssuesDelta,
        fetched_at: DateTime<Utc>,
    ) -> Result<(), Error> {
        let tx =
            self.transaction(&[schema::ISSUES, schema::META], IdbTransactionMode::Readwrite)?;
        let issues = store(&tx, schema::ISSUES)?;
        if delta.full {
            issues.clear().map_err(cache_err("clearing issues"))?;
        }
        for issue in &delta.issues {
            put(&issues, &issue.id.0, &encode(issue)?)?;
        }
        for id in &delta.deleted {
            issues.delete(&JsValue::from_str(&id.0)).map_err(cache_err("deleting an issue"))?;
        }
        let meta = store(&tx, schema::META)?;
        write_sync_meta(&meta, Some(&delta.cursor), Some(fetched_at), delta.data_as_of)?;
        idb::commit(&tx, "applying a delta").await
    }

    /// Stores the team list and the JIRA site's URL.
    pub async fn save_teams(&self, teams: &[Team], jira_url: Option<&str>) -> Result<(), Error> {
        let tx = self.transaction(&[schema::META], IdbTransactionMode::Readwrite)?;
        let meta = store(&tx, schema::META)?;
        put(&meta, schema::META_TEAMS, &encode(&teams)?)?;
        if let Some(url) = jira_url {
            put(&meta, schema::META_JIRA_URL, url)?;
        }
        idb::commit(&tx, "saving teams").await
    }

    /// Replaces the stored sprints.
    pub async fn save_sprints(&self, sprints: &[Sprint]) -> Result<(), Error> {
        let tx = self.transaction(&[schema::SPRINTS], IdbTransactionMode::Readwrite)?;
        let sprint_store = store(&tx, schema::SPRINTS)?;
        sprint_store.clear().map_err(cache_err("clearing sprints"))?;
        for sprint in sprints {
            put(&sprint_store, &sprint.id.to_string(), &encode(sprint)?)?;
        }
        idb::commit(&tx, "saving sprints").await
    }

    /// The stored delta cursor.
    pub async fn sync_cursor(&self) -> Result<Option<String>, Error> {
        let tx = self.transaction(&[schema::META], IdbTransactionMode::Readonly)?;
        let request = store(&tx, schema::META)?
            .get(&JsValue::from_str(schema::META_CURSOR))
            .map_err(cache_err("reading the cursor"))?;
        Ok(idb::request(&request, "reading the cursor").await?.as_string())
    }

    /// Empties every store.
    pub async fn clear(&self) -> Result<(), Error> {
        let tx = self.transaction(&schema::STORES, IdbTransactionMode::Readwrite)?;
        for name in schema::STORES {
            store(&tx, name)?.clear().map_err(cache_err("clearing the cache"))?;
        }
        idb::commit(&tx, "clearing the cache").await
    }

    /// Writes a raw string under `key` in `store_name`, bypassing encoding;
    /// tests use it to plant corrupted or outdated records.
    #[doc(hidden)]
    pub async fn put_raw(&self, store_name: &str, key: &str, value: &str) -> Result<(), Error> {
        let tx = self.transaction(&[store_name], IdbTransactionMode::Readwrite)?;
        put(&store(&tx, store_name)?, key, value)?;
        idb::commit(&tx, "writing a raw record").await
    }

    fn transaction(
        &self,
        stores: &[&str],
        mode: IdbTransactionMode,
    ) -> Result<IdbTransaction, Error> {
        let names = js_sys::Array::new();
        for name in stores {
            names.push(&JsValue::from_str(name));
        }
        self.db.transaction_with_str_sequence_and_mode(&names, mode).map_err(|err| {
            Error::Cache(format!("could not start a transaction: {}", idb::describe(&err)))
        })
    }
}

/// The freshness threshold this browser was set to, or the default.
pub fn load_fresh_for() -> chrono::Duration {
    let stored =
        local_storage().and_then(|storage| storage.get_item(schema::FRESH_FOR_KEY).ok()?);
    crate::freshness::fresh_for_or_default(stored.as_deref())
}

/// Remembers the freshness threshold for this browser.
pub fn save_fresh_for(fresh_for: chrono::Duration) -> Result<(), Error> {
    let storage =
        local_storage().ok_or_else(|| Error::Cache("local storage is unavailable".to_owned()))?;
    storage.set_item(schema::FRESH_FOR_KEY, &fresh_for.num_minutes().to_string()).map_err(|err| {
        Error::Cache(format!("could not save the threshold: {}", idb::describe(&err)))
    })
}

fn local_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

fn store(tx: &IdbTransaction, name: &str) -> Result<IdbObjectStore, Error> {
    tx.object_store(name)
        .map_err(|err| Error::Cache(format!("store {name} is missing: {}", idb::describe(&err))))
}

fn put(store: &IdbObjectStore, key: &str, value: &str) -> Result<(), Error> {
    store
        .put_with_key(&JsValue::from_str(value), &JsValue::from_str(key))
        .map(|_| ())
        .map_err(|err| Error::Cache(format!("could not write {key}: {}", idb::describe(&err))))
}

fn write_sync_meta(
    meta: &IdbObjectStore,
    cursor: Option<&str>,
    fetched_at: Option<DateTime<Utc>>,
    data_as_of: Option<DateTime<Utc>>,
) -> Result<(), Error> {
    put(meta, schema::META_FORMAT, &schema::FORMAT_VERSION.to_string())?;
    if let Some(cursor) = cursor {
        put(meta, schema::META_CURSOR, cursor)?;
    }
    if let Some(at) = fetched_at {
        put(meta, schema::META_FETCHED_AT, &at.to_rfc3339())?;
    }
    if let Some(at) = data_as_of {
        put(meta, schema::META_DATA_AS_OF, &at.to_rfc3339())?;
    }
    Ok(())
}

fn cache_err(what: &'static str) -> impl Fn(JsValue) -> Error {
    move |err| Error::Cache(format!("{what} failed: {}", idb::describe(&err)))
}

fn encode<T: serde::Serialize>(value: &T) -> Result<String, Error> {
    serde_json::to_string(value).map_err(|err| Error::Decode {
        what: "a value to cache".to_owned(),
        message: err.to_string(),
    })
}

fn decode<T: DeserializeOwned>(text: &str, what: &str) -> Result<T, Error> {
    serde_json::from_str(text)
        .map_err(|err| Error::Decode { what: what.to_owned(), message: err.to_string() })
}

/// Issues read per IndexedDB request when opening the page.
const ISSUE_CHUNK: u32 = 2000;

/// Key ranges splitting sorted `keys` into runs of `chunk`, together covering
/// every possible key (the first is open below, the last open above), so keys
/// written after `keys` was read are not missed. `[None]` (everything) for a
/// single run.
fn key_ranges(keys: &js_sys::Array, chunk: u32) -> Result<Vec<Option<IdbKeyRange>>, Error> {
    let n = keys.length();
    if n <= chunk {
        return Ok(vec![None]);
    }
    let range_err = cache_err("building a key range");
    let mut res = Vec::new();
    let mut start = 0;
    while start < n {
        let next = start + chunk;
        let range = if start == 0 {
            IdbKeyRange::upper_bound_with_open(&keys.get(next), true)
        } else if next >= n {
            IdbKeyRange::lower_bound(&keys.get(start))
        } else {
            IdbKeyRange::bound_with_lower_open_and_upper_open(
                &keys.get(start),
                &keys.get(next),
                false,
                true,
            )
        };
        res.push(Some(range.map_err(&range_err)?));
        start = next;
    }
    Ok(res)
}

fn decode_all<T: DeserializeOwned>(values: &js_sys::Array, what: &str) -> Result<Vec<T>, Error> {
    let mut res = Vec::with_capacity(values.length() as usize);
    decode_into(values, what, 0, &mut res)?;
    Ok(res)
}

/// Decodes JSON strings onto `res`; `first` numbers them in error messages.
fn decode_into<T: DeserializeOwned>(
    values: &js_sys::Array,
    what: &str,
    first: usize,
    res: &mut Vec<T>,
) -> Result<(), Error> {
    for (offset, value) in values.iter().enumerate() {
        let idx = first + offset;
        let text = value.as_string().ok_or_else(|| Error::Decode {
            what: format!("cached {what} #{idx}"),
            message: "record is not a string".to_owned(),
        })?;
        // The label is built only on failure: this loop runs per cached issue.
        let value = serde_json::from_str(&text).map_err(|err| Error::Decode {
            what: format!("cached {what} #{idx}"),
            message: err.to_string(),
        })?;
        res.push(value);
    }
    Ok(())
}

fn parse_time(text: &str, what: &str) -> Result<DateTime<Utc>, Error> {
    DateTime::parse_from_rfc3339(text)
        .map(|at| at.with_timezone(&Utc))
        .map_err(|err| Error::Decode { what: format!("cached {what}"), message: err.to_string() })
}
