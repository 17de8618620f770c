-- The store as the release before token expiry left it (schema version 1):
-- `sqlite3 claudedirector.sqlite3 .schema` of a store where `claudedirector
-- token create` had run (without SQLite's own sqlite_sequence), and the two
-- settings every store starts with. Kept to test that such a store upgrades
-- in place and its tokens keep working.
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
CREATE TABLE outbox (
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
CREATE INDEX outbox_due ON outbox(sent, next_attempt);
CREATE TABLE auth_sessions (
        digest TEXT PRIMARY KEY,
        user TEXT NOT NULL,
        created TEXT NOT NULL,
        expires TEXT NOT NULL,
        revoked TEXT
    );
CREATE INDEX auth_sessions_expires ON auth_sessions(expires);
CREATE TABLE api_tokens (
        id TEXT PRIMARY KEY,
        digest TEXT NOT NULL UNIQUE,
        user TEXT NOT NULL,
        created TEXT NOT NULL,
        revoked TEXT
    );
INSERT INTO meta(key, value) VALUES ('epoch', '00c0ffee00c0ffee'), ('seq', '0');
PRAGMA user_version = 1;
