//! Page helpers for the flows, split the usual way: `find` (locate by
//! `data-testid`), `action` (navigate, resize, wait) and `check`
//! (assertions with messages naming what was expected).

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};

use crate::harness::Browser;
use crate::Ctx;

/// Opens a headless Chromium session with a fresh profile.
pub(crate) async fn connect(
    webdriver_url: &str,
    browser: &Browser,
    profile: &Path,
) -> anyhow::Result<Client> {
    let args = vec![
        "--headless=new".to_owned(),
        "--no-sandbox".to_owned(),
        "--disable-dev-shm-usage".to_owned(),
        "--disable-gpu".to_owned(),
        "--disable-quic".to_owned(),
        "--no-first-run".to_owned(),
        "--disable-background-networking".to_owned(),
        "--disable-component-update".to_owned(),
        "--disable-sync".to_owned(),
        "--window-size=1280,800".to_owned(),
        format!("--user-data-dir={}", profile.display()),
    ];
    let mut capabilities = serde_json::Map::new();
    capabilities.insert(
        "goog:chromeOptions".to_owned(),
        json!({ "binary": browser.chromium.display().to_string(), "args": args }),
    );
    ClientBuilder::native()
        .capabilities(capabilities)
        .connect(webdriver_url)
        .await
        .context("opening a chromium session through chromedriver")
}

/// Selector for a `data-testid`.
pub(crate) fn testid(id: &str) -> String {
    format!("[data-testid=\"{id}\"]")
}

/// All elements matching `css`.
pub(crate) async fn find_all(
    ctx: &Ctx,
    css: &str,
) -> anyhow::Result<Vec<fantoccini::elements::Element>> {
    Ok(ctx.client.find_all(Locator::Css(css)).await?)
}

/// Texts of all elements matching `css`.
pub(crate) async fn texts(ctx: &Ctx, css: &str) -> anyhow::Result<Vec<String>> {
    let mut res = Vec::new();
    for element in find_all(ctx, css).await? {
        res.push(element.text().await?);
    }
    Ok(res)
}

/// Navigates to `path` on the dashboard.
pub(crate) async fn goto(ctx: &Ctx, path: &str) -> anyhow::Result<()> {
    ctx.client
        .goto(&format!("{}{path}", ctx.base_url))
        .await
        .with_context(|| format!("loading {path}"))
}

/// Resizes the window.
pub(crate) async fn resize(ctx: &Ctx, width: u32, height: u32) -> anyhow::Result<()> {
    Ok(ctx.client.set_window_size(width, height).await?)
}

/// Runs `script` in the page and returns its value.
pub(crate) async fn eval(ctx: &Ctx, script: &str) -> anyhow::Result<Value> {
    Ok(ctx.client.execute(script, Vec::new()).await?)
}

/// Polls `probe` until it returns `Some`, or fails after `timeout` naming `what`.
pub(crate) async fn wait_for<T, F, Fut>(
    what: &str,
    timeout: Duration,
    mut probe: F,
) -> anyhow::Result<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<Option<T>>>,
{
    let deadline = Instant::now() + timeout;
    let mut last_err = None;
    loop {
        match probe().await {
            Ok(Some(value)) => return Ok(value),
            Ok(None) => {}
            Err(err) => last_err = Some(err),
        }
        if Instant::now() > deadline {
            match last_err {
                Some(err) => bail!("timed out after {timeout:?} waiting for {what}: {err:#}"),
                None => bail!("timed out after {timeout:?} waiting for {what}"),
            }
        }
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
}

/// Waits until at least `n` elements match `css` and returns their count.
pub(crate) async fn wait_for_count(
    ctx: &Ctx,
    css: &str,
    n: usize,
    timeout: Duration,
) -> anyhow::Result<usize> {
    wait_for(&format!("{n} × {css}"), timeout, || async {
        let count = find_all(ctx, css).await?.len();
        Ok((count >= n).then_some(count))
    })
    .await
}

/// Saves a PNG screenshot as `<artifacts>/<name>.png`.
pub(crate) async fn screenshot(ctx: &Ctx, name: &str) -> anyhow::Result<()> {
    let png = ctx.client.screenshot().await?;
    let path = ctx.artifacts.join(format!("{name}.png"));
    std::fs::write(&path, png).with_context(|| format!("writing {}", path.display()))
}

/// Fails unless the page fits the viewport without horizontal scrolling.
pub(crate) async fn check_no_horizontal_scroll(ctx: &Ctx, what: &str) -> anyhow::Result<()> {
    let value = eval(
        ctx,
        "return [document.documentElement.scrollWidth, window.innerWidth, document.body.scrollWidth];",
    )
    .await?;
    let numbers: Vec<i64> = value
        .as_array()
        .map(|items| items.iter().filter_map(Value::as_i64).collect())
        .unwrap_or_default();
    let [document_width, viewport, body_width] = numbers[..] else {
        bail!("unexpected layout probe result {value}")
    };
    if document_width > viewport || body_width > viewport {
        bail!("{what} scrolls horizontally: content {document_width}/{body_width} px in a {viewport} px viewport");
    }
    Ok(())
}

/// Grows the dashboard's IndexedDB cache to `target` issues by copying cached
/// ones under new ids and keys, as a larger organisation's cache would hold;
/// answers how many issues the cache holds afterwards.
pub(crate) async fn grow_cache(ctx: &Ctx, target: usize) -> anyhow::Result<Value> {
    Ok(ctx
        .client
        .execute_async(
            "const done = arguments[arguments.length - 1]; const target = arguments[0]; \
             const open = indexedDB.open('claudedirector'); \
             open.onerror = () => done('open failed'); \
             open.onsuccess = () => { const db = open.result; \
               const tx = db.transaction(['issues'], 'readwrite'); const store = tx.objectStore('issues'); \
               let n = 0; const all = store.getAll(); \
               all.onsuccess = () => { const issues = all.result; n = issues.length; let i = 0; \
                 while (n < target) { const issue = JSON.parse(issues[i % issues.length]); \
                   issue.id = 'perf-' + n; issue.key = issue.key + 'P' + n; \
                   store.put(JSON.stringify(issue), issue.id); n++; i++; } }; \
               tx.oncomplete = () => { db.close(); done(n); }; \
               tx.onerror = () => done('write failed: ' + tx.error); };",
            vec![serde_json::json!(target)],
        )
        .await?)
}
