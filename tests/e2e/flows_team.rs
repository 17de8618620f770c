//! Browser flows for the team page, settings, the open-time data flow,
//! keyboard use and start-up time.

use std::time::Duration;

use anyhow::{bail, ensure, Context};
use fantoccini::key::Key;
use fantoccini::Locator;

use crate::page::{self, testid};
use crate::Ctx;

const LOAD: Duration = Duration::from_secs(60);

/// Pages in the navigation bar: (link text, path).
const NAV: [(&str, &str); 7] = [
    ("Overview", "/"),
    ("Forecast", "/forecast"),
    ("Risks", "/risks"),
    ("Alerts", "/alerts"),
    ("Summary", "/summary"),
    ("Ask", "/ask"),
    ("Settings", "/settings"),
];

pub(crate) async fn the_team_burn_up_draws_a_forecast_cone(ctx: &Ctx) -> anyhow::Result<()> {
    for (width, height) in [(1280, 800), (375, 667)] {
        page::resize(ctx, width, height).await?;
        page::goto(ctx, "/team/Alpha").await?;
        page::wait_for_count(ctx, &testid("burnup"), 1, LOAD).await?;
        for part in ["burnup-scope", "burnup-done"] {
            let d = attr(ctx, &testid(part), "d").await?;
            ensure!(d.matches('L').count() >= 1, "{part} has no line: {d:?}");
        }
        page::wait_for_count(ctx, &format!("{} path", testid("burnup-cone")), 4, LOAD)
            .await
            .context("the burn-up has no forecast cone")?;
        let cone = attr(ctx, &format!("{} path", testid("burnup-cone")), "d").await?;
        ensure!(cone.ends_with('Z') && cone.matches('L').count() >= 3, "cone outline {cone:?}");
        let odds = page::texts(ctx, &testid("sprint-odds")).await?.join(" ");
        ensure!(odds.contains("likely to finish"), "sprint odds read {odds:?}");
        // The demo's stories carry estimates, so the burn-up is in points.
        let unit = attr(ctx, &testid("burnup"), "data-unit").await?;
        ensure!(unit == "points", "the burn-up counts {unit:?}, not points");
        ensure!(odds.contains(" points done ("), "sprint odds read {odds:?}");
        page::check_no_horizontal_scroll(ctx, &format!("/team/Alpha at {width}×{height}")).await?;
        page::screenshot(ctx, &format!("team-burnup-{width}x{height}")).await?;
    }
    page::resize(ctx, 1280, 800).await
}

pub(crate) async fn team_lists_link_each_issue_to_jira(ctx: &Ctx) -> anyhow::Result<()> {
    page::goto(ctx, "/team/Bravo").await?;
    page::wait_for_count(ctx, &testid("jira-link"), 1, LOAD).await?;
    let links = page::find_all(ctx, &testid("jira-link")).await?;
    for link in &links {
        let href = link.attr("href").await?.unwrap_or_default();
        let key = link.text().await?;
        ensure!(
            href.starts_with("http://") || href.starts_with("https://"),
            "{key} links to {href:?}"
        );
        ensure!(href.ends_with(&format!("/browse/{key}")), "{key} links to {href:?}");
        ensure!(!href.starts_with(&ctx.base_url), "{key} links to the dashboard, not JIRA: {href}");
        ensure!(link.attr("target").await?.as_deref() == Some("_blank"), "{key} opens in place");
        let rel = link.attr("rel").await?.unwrap_or_default();
        ensure!(rel.split_whitespace().any(|word| word == "noopener"), "{key} rel={rel:?}");
    }
    let href = links[0].attr("href").await?.unwrap_or_default();
    println!("    {} JIRA links on /team/Bravo, e.g. {href}", links.len());
    Ok(())
}

async fn attr(ctx: &Ctx, css: &str, name: &str) -> anyhow::Result<String> {
    let element = ctx.client.find(Locator::Css(css)).await?;
    Ok(element.attr(name).await?.unwrap_or_default())
}

async fn text_of(ctx: &Ctx, id: &str) -> anyhow::Result<String> {
    Ok(page::texts(ctx, &testid(id)).await?.join(" "))
}

async fn set_fresh_for(ctx: &Ctx, minutes: &str) -> anyhow::Result<()> {
    let input = ctx.client.find(Locator::Css(&testid("fresh-for-input"))).await?;
    input.clear().await?;
    input.send_keys(minutes).await?;
    ctx.client.find(Locator::Css(&testid("fresh-for-save"))).await?.click().await?;
    Ok(())
}

/// Requests the page made to `/api/v1/issues` in its first 3 s: the open-time
/// decision's. Later ones follow live events (the demo's issues keep
/// changing), which wait 3 s to be fetched together.
async fn delta_requests(ctx: &Ctx) -> anyhow::Result<usize> {
    let value = page::eval(
        ctx,
        "return performance.getEntriesByType('resource')\
           .filter(e => e.name.includes('/api/v1/issues') && e.startTime < 3000).length;",
    )
    .await?;
    value.as_u64().map(|n| n as usize).context("resource timing gave no count")
}

/// Moves the cache's `fetched_at` and `data_as_of` back by `hours`, as if the
/// tab had been closed that long.
async fn age_the_cache(ctx: &Ctx, hours: i64) -> anyhow::Result<()> {
    let done = ctx
        .client
        .execute_async(
            "const done = arguments[arguments.length - 1]; const hours = arguments[0]; \
             const open = indexedDB.open('claudedirector'); \
             open.onerror = () => done('open failed'); \
             open.onsuccess = () => { const db = open.result; \
               const tx = db.transaction(['meta'], 'readwrite'); \
               const at = new Date(Date.now() - hours * 3600 * 1000).toISOString(); \
               tx.objectStore('meta').put(at, 'fetched_at'); \
               tx.objectStore('meta').put(at, 'data_as_of'); \
               tx.oncomplete = () => { db.close(); done('ok'); }; \
               tx.onerror = () => done('write failed'); };",
            vec![serde_json::json!(hours)],
        )
        .await?;
    ensure!(done.as_str() == Some("ok"), "ageing the cache: {done}");
    Ok(())
}

pub(crate) async fn settings_set_the_freshness_threshold_and_show_the_sign_in_state(
    ctx: &Ctx,
) -> anyhow::Result<()> {
    page::resize(ctx, 1280, 800).await?;
    page::goto(ctx, "/settings").await?;
    let state = page::wait_for("the sign-in state", LOAD, || async {
        let text = text_of(ctx, "sign-in-state").await?;
        Ok((!text.is_empty() && !text.contains("Checking")).then_some(text))
    })
    .await?;
    ensure!(state.contains("No sign-in"), "the loopback demo shows {state:?}");
    ensure!(
        page::find_all(ctx, &testid("sign-out")).await?.is_empty(),
        "no sign-out button without a session"
    );
    ensure!(text_of(ctx, "fresh-for").await? == "2 h", "default threshold");

    set_fresh_for(ctx, "3").await?;
    let error = page::wait_for("a validation message", Duration::from_secs(5), || async {
        let text = text_of(ctx, "fresh-for-error").await?;
        Ok((!text.is_empty()).then_some(text))
    })
    .await?;
    ensure!(error.contains("at least 5 minutes"), "error reads {error:?}");
    ensure!(text_of(ctx, "fresh-for").await? == "2 h", "a refused value changed the threshold");

    set_fresh_for(ctx, "90").await?;
    page::wait_for("the new threshold", Duration::from_secs(5), || async {
        Ok((text_of(ctx, "fresh-for").await? == "1 h 30 min").then_some(()))
    })
    .await?;
    page::screenshot(ctx, "settings-1280x800").await?;
    page::resize(ctx, 375, 667).await?;
    page::check_no_horizontal_scroll(ctx, "/settings at 375×667").await?;
    page::screenshot(ctx, "settings-375x667").await?;
    page::resize(ctx, 1280, 800).await?;

    // Kept across visits.
    page::goto(ctx, "/settings").await?;
    page::wait_for("the threshold after a reload", Duration::from_secs(20), || async {
        Ok((text_of(ctx, "fresh-for").await? == "1 h 30 min").then_some(()))
    })
    .await?;

    // Opening with a cache younger than the threshold asks for no delta ...
    page::goto(ctx, "/").await?;
    page::wait_for_count(ctx, &testid("team-card"), 6, LOAD).await?;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let fresh_requests = delta_requests(ctx).await?;
    // ... and one older than it does.
    age_the_cache(ctx, 2).await?;
    page::goto(ctx, "/").await?;
    page::wait_for_count(ctx, &testid("team-card"), 6, LOAD).await?;
    let stale_requests = page::wait_for("a delta request", Duration::from_secs(20), || async {
        let n = delta_requests(ctx).await?;
        Ok((n > 0).then_some(n))
    })
    .await?;
    println!(
        "    /api/v1/issues requests on open: {fresh_requests} with a fresh cache, {stale_requests} with one 2 h old (threshold 90 min)"
    );
    ensure!(fresh_requests == 0, "a fresh cache still asked for the delta {fresh_requests} times");

    // Back to the default for the other flows.
    page::goto(ctx, "/settings").await?;
    page::wait_for_count(ctx, &testid("fresh-for-input"), 1, LOAD).await?;
    set_fresh_for(ctx, "120").await?;
    page::wait_for("the default threshold", Duration::from_secs(5), || async {
        Ok((text_of(ctx, "fresh-for").await? == "2 h").then_some(()))
    })
    .await
}

/// Presses `key` in whatever has focus.
async fn press(ctx: &Ctx, key: Key) -> anyhow::Result<()> {
    let focused = ctx.client.active_element().await?;
    focused.send_keys(&char::from(key).to_string()).await?;
    Ok(())
}

async fn focused_text(ctx: &Ctx) -> anyhow::Result<String> {
    let value = page::eval(
        ctx,
        "const el = document.activeElement; return el ? (el.innerText || el.getAttribute('aria-label') || el.tagName) : '';",
    )
    .await?;
    Ok(value.as_str().unwrap_or_default().trim().to_owned())
}

async fn current_path(ctx: &Ctx) -> anyhow::Result<String> {
    Ok(ctx.client.current_url().await?.path().to_owned())
}

/// Tabs (or, `backwards`, Shift+Tabs) from the focused element until one whose
/// text is `text` has focus; returns the presses.
async fn tab_to(ctx: &Ctx, text: &str, limit: usize, backwards: bool) -> anyhow::Result<usize> {
    let keys = if backwards {
        format!("{}{}", char::from(Key::Shift), char::from(Key::Tab))
    } else {
        char::from(Key::Tab).to_string()
    };
    for presses in 1..=limit {
        ctx.client.active_element().await?.send_keys(&keys).await?;
        if focused_text(ctx).await? == text {
            return Ok(presses);
        }
    }
    bail!("{limit} presses never reached {text:?} (last: {:?})", focused_text(ctx).await?)
}

async fn enter_and_arrive(ctx: &Ctx, path: &str) -> anyhow::Result<()> {
    press(ctx, Key::Enter).await?;
    page::wait_for(&format!("{path} after Enter"), LOAD, || async {
        Ok((current_path(ctx).await? == path).then_some(()))
    })
    .await?;
    page::wait_for_count(ctx, "main h1", 1, LOAD).await?;
    Ok(())
}

pub(crate) async fn the_keyboard_alone_reaches_every_view(ctx: &Ctx) -> anyhow::Result<()> {
    page::resize(ctx, 1280, 800).await?;
    page::goto(ctx, "/").await?;
    page::wait_for_count(ctx, &testid("team-card"), 6, LOAD).await?;
    // The first Tab lands on the skip link, and Enter moves focus to the page.
    page::eval(ctx, "document.activeElement && document.activeElement.blur(); return 0;").await?;
    press(ctx, Key::Tab).await?;
    let first = focused_text(ctx).await?;
    ensure!(first == "Skip to content", "the first Tab focused {first:?}");
    press(ctx, Key::Enter).await?;
    let focused_id = page::eval(ctx, "return document.activeElement.id;").await?;
    ensure!(focused_id.as_str() == Some("main"), "the skip link focused {focused_id}");

    // Through the navigation in order, each link opened with Enter; focus
    // stays on the link, so the next one is a Tab away.
    page::eval(ctx, "document.activeElement && document.activeElement.blur(); return 0;").await?;
    let mut report = Vec::new();
    for (title, path) in NAV.iter().skip(1) {
        let presses = tab_to(ctx, title, 30, false).await?;
        enter_and_arrive(ctx, path).await?;
        report.push(format!("{title} {presses}"));
    }
    let (title, path) = NAV[0];
    let presses = tab_to(ctx, title, 30, true).await?;
    enter_and_arrive(ctx, path).await?;
    report.push(format!("{title} {presses} back"));
    // A team page, from its card on the overview.
    page::wait_for_count(ctx, &testid("team-card"), 6, LOAD).await?;
    let presses = tab_to(ctx, "Alpha", 40, false).await?;
    enter_and_arrive(ctx, "/team/Alpha").await?;
    report.push(format!("Team Alpha {presses}"));
    // Focus is visible: the focused link draws an outline.
    page::eval(ctx, "document.activeElement && document.activeElement.blur(); return 0;").await?;
    page::eval(ctx, "window.scrollTo(0, 0); return 0;").await?;
    let outline = page::eval(
        ctx,
        "const link = document.querySelector('[data-testid=skip-link]'); link.focus(); \
         const s = getComputedStyle(link); return s.outlineStyle + ' ' + s.outlineWidth;",
    )
    .await?;
    let outline = outline.as_str().unwrap_or_default().to_owned();
    ensure!(outline.starts_with("solid"), "the focused skip link has outline {outline:?}");
    page::screenshot(ctx, "keyboard-focus").await?;
    println!("    Tab presses from the previous stop: {}", report.join(", "));
    Ok(())
}

/// Issues in the cache for the start-up measurement.
const PERF_ISSUES: usize = 10_000;
/// Copies seeded beyond the 10k: the demo's live site deletes an issue now and
/// then, and a delta applied during the loads must not drop the cache below 10k.
const PERF_MARGIN: usize = 100;
/// Loads measured.
const PERF_LOADS: usize = 7;
/// The target for the first render from navigation.
const FIRST_RENDER_BUDGET_MS: f64 = 500.0;

async fn mark(ctx: &Ctx, name: &str) -> anyhow::Result<Option<f64>> {
    let value = page::eval(
        ctx,
        &format!(
            "const mark = performance.getEntriesByName('{name}')[0]; return mark ? mark.startTime : null;"
        ),
    )
    .await?;
    Ok(value.as_f64())
}

pub(crate) async fn every_load_of_10k_cached_issues_renders_within_500ms(
    ctx: &Ctx,
) -> anyhow::Result<()> {
    page::resize(ctx, 1280, 800).await?;
    page::goto(ctx, "/").await?;
    page::wait_for_count(ctx, &testid("team-card"), 6, LOAD).await?;
    // Let the first visit's fetch settle so it does not write over the seed.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let stored = page::grow_cache(ctx, PERF_ISSUES + PERF_MARGIN).await?;
    ensure!(
        stored.as_u64() >= Some((PERF_ISSUES + PERF_MARGIN) as u64),
        "seeding the cache gave {stored}"
    );
    let mut first_renders = Vec::new();
    let mut rows = Vec::new();
    for _ in 0..PERF_LOADS {
        page::goto(ctx, "/").await?;
        page::wait_for_count(ctx, &testid("team-card"), 6, LOAD).await?;
        let first = page::wait_for("the cd-first-render mark", Duration::from_secs(10), || async {
            mark(ctx, "cd-first-render").await
        })
        .await?;
        let mut row = Vec::new();
        for name in ["cd-app-start", "cd-cache-keys", "cd-cache-loaded", "cd-first-render"] {
            if let Some(ms) = mark(ctx, name).await? {
                row.push(format!("{}={ms:.0}", name.trim_start_matches("cd-")));
            }
        }
        rows.push(row.join(" "));
        first_renders.push(first);
    }
    let total: u64 = page::texts(ctx, &testid("team-issue-count"))
        .await?
        .iter()
        .filter_map(|count| count.parse::<u64>().ok())
        .sum();
    ensure!(total >= PERF_ISSUES as u64, "the overview counts {total} issues");
    let mut sorted = first_renders.clone();
    sorted.sort_by(f64::total_cmp);
    let median = sorted[sorted.len() / 2];
    let max = sorted[sorted.len() - 1];
    println!(
        "    first render with {total} cached issues, {PERF_LOADS} loads: median {median:.0} ms, max {max:.0} ms (all: {:?})",
        first_renders.iter().map(|ms| ms.round() as i64).collect::<Vec<_>>()
    );
    for row in rows {
        println!("      ms after navigation: {row}");
    }
    ensure!(
        max <= FIRST_RENDER_BUDGET_MS,
        "the slowest load rendered at {max:.0} ms, over the {FIRST_RENDER_BUDGET_MS} ms budget"
    );
    Ok(())
}
