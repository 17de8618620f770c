//! The browser flows, each a sentence about what a director sees.

use std::time::Duration;

use anyhow::{bail, ensure, Context};
use fantoccini::Locator;

use crate::page::{self, testid};
use crate::Ctx;

/// The demo organisation's teams.
const DEMO_TEAMS: [&str; 6] = ["Alpha", "Bravo", "Charlie", "Delta", "Echo", "Foxtrot"];

/// Every route, by the name its screenshots carry.
const VIEWS: [(&str, &str); 8] = [
    ("overview", "/"),
    ("team", "/team/Alpha"),
    ("forecast", "/forecast"),
    ("risks", "/risks"),
    ("alerts", "/alerts"),
    ("summary", "/summary"),
    ("ask", "/ask"),
    ("settings", "/settings"),
];

const LOAD: Duration = Duration::from_secs(60);

async fn team_names(ctx: &Ctx) -> anyhow::Result<Vec<String>> {
    let mut names = page::texts(ctx, &format!("{} h2", testid("team-card"))).await?;
    names.sort();
    Ok(names)
}

pub(crate) async fn overview_lists_the_six_demo_teams(ctx: &Ctx) -> anyhow::Result<()> {
    page::resize(ctx, 1280, 800).await?;
    page::goto(ctx, "/").await?;
    page::wait_for_count(ctx, &testid("team-card"), DEMO_TEAMS.len(), LOAD).await?;
    let names = team_names(ctx).await?;
    ensure!(names == DEMO_TEAMS, "team cards show {names:?}, expected {DEMO_TEAMS:?}");
    // Issue counts arrive with the first delta.
    page::wait_for("issue counts on every card", LOAD, || async {
        let counts = page::texts(ctx, &testid("team-issue-count")).await?;
        Ok((counts.len() == DEMO_TEAMS.len()
            && counts.iter().all(|count| count.parse::<u64>().is_ok_and(|n| n > 0)))
        .then_some(()))
    })
    .await?;
    let age = ctx.client.find(Locator::Css(&testid("data-age"))).await?.text().await?;
    ensure!(age.starts_with("data as of"), "data-age reads {age:?}");
    page::screenshot(ctx, "overview-first-load").await
}

pub(crate) async fn reload_renders_the_overview_from_the_cache(ctx: &Ctx) -> anyhow::Result<()> {
    page::goto(ctx, "/").await?;
    page::wait_for_count(ctx, &testid("team-card"), DEMO_TEAMS.len(), LOAD).await?;
    let timing = page::eval(
        ctx,
        "const mark = performance.getEntriesByName('cd-first-render')[0];\
         return mark ? mark.startTime : null;",
    )
    .await?;
    let first_render_ms = timing.as_f64().context("the page set no cd-first-render mark")?;
    println!("    first render from IndexedDB: {first_render_ms:.0} ms after navigation");
    let names = team_names(ctx).await?;
    ensure!(names == DEMO_TEAMS, "after reload the cards show {names:?}");
    Ok(())
}

pub(crate) async fn team_page_opens_from_a_deep_link(ctx: &Ctx) -> anyhow::Result<()> {
    page::goto(ctx, "/team/Bravo").await?;
    let heading = page::wait_for("the team heading", LOAD, || async {
        let texts = page::texts(ctx, "main h1").await?;
        Ok(texts.into_iter().find(|text| text.contains("Bravo")))
    })
    .await?;
    ensure!(heading == "Team Bravo", "heading reads {heading:?}");
    // Throughput, velocity, cycle-time scatter, aging work and cumulative flow.
    let charts = page::wait_for_count(ctx, "main svg.chart", 5, LOAD).await?;
    let dots = page::find_all(ctx, "main svg.chart circle").await?.len();
    ensure!(charts >= 5 && dots > 0, "the team page drew {charts} charts with {dots} points");
    Ok(())
}

pub(crate) async fn every_view_fits_a_laptop_and_a_phone(ctx: &Ctx) -> anyhow::Result<()> {
    let mut problems = Vec::new();
    for (width, height) in [(1280, 800), (375, 667)] {
        page::resize(ctx, width, height).await?;
        for (name, path) in VIEWS {
            let started = std::time::Instant::now();
            page::goto(ctx, path).await?;
            page::wait_for_count(ctx, "main h1", 1, LOAD).await?;
            // Let the cached data and charts lay out before measuring.
            tokio::time::sleep(Duration::from_millis(400)).await;
            if let Err(err) =
                page::check_no_horizontal_scroll(ctx, &format!("{path} at {width}×{height}")).await
            {
                problems.push(format!("{err:#}"));
            }
            page::screenshot(ctx, &format!("{name}-{width}x{height}")).await?;
            println!("    {path} at {width}×{height}: {:.1} s", started.elapsed().as_secs_f64());
        }
    }
    page::resize(ctx, 1280, 800).await?;
    if !problems.is_empty() {
        bail!("{}", problems.join("; "));
    }
    Ok(())
}

pub(crate) async fn a_stopped_server_leaves_cached_data_and_a_stale_banner(
    ctx: &Ctx,
) -> anyhow::Result<()> {
    page::goto(ctx, "/").await?;
    page::wait_for_count(ctx, &testid("team-card"), DEMO_TEAMS.len(), LOAD).await?;
    ensure!(
        page::find_all(ctx, &testid("stale-banner")).await?.is_empty(),
        "a stale banner shows while the server is up"
    );

    ctx.server.lock().await.stop();
    page::wait_for_count(ctx, &testid("stale-banner"), 1, Duration::from_secs(90)).await?;
    let banner = page::texts(ctx, &testid("stale-banner")).await?.join(" ");
    ensure!(banner.contains("unreachable"), "banner reads {banner:?}");
    let names = team_names(ctx).await?;
    ensure!(names == DEMO_TEAMS, "with the server down the cards show {names:?}");
    page::screenshot(ctx, "server-stopped").await?;

    // Opening the dashboard afresh while the server is down: the shell comes
    // from the service worker, the data from IndexedDB.
    page::goto(ctx, "/").await?;
    page::wait_for_count(ctx, &testid("team-card"), DEMO_TEAMS.len(), Duration::from_secs(30))
        .await
        .context("reopening the dashboard with the server down")?;
    page::wait_for_count(ctx, &testid("stale-banner"), 1, Duration::from_secs(30)).await?;
    page::screenshot(ctx, "server-stopped-reopened").await?;

    ctx.server.lock().await.start()?;
    page::wait_for(
        "the stale banner to clear after the restart",
        Duration::from_secs(120),
        || async {
            Ok(page::find_all(ctx, &testid("stale-banner")).await?.is_empty().then_some(()))
        },
    )
    .await?;
    let names = team_names(ctx).await?;
    ensure!(names == DEMO_TEAMS, "after the restart the cards show {names:?}");
    Ok(())
}

pub(crate) async fn overview_and_risks_show_a_risk_score_per_team(ctx: &Ctx) -> anyhow::Result<()> {
    page::goto(ctx, "/").await?;
    page::wait_for_count(ctx, &testid("risk-score"), DEMO_TEAMS.len(), LOAD).await?;
    page::goto(ctx, "/risks").await?;
    page::wait_for_count(ctx, &testid("risk-score"), DEMO_TEAMS.len(), LOAD).await?;
    for score in page::texts(ctx, &testid("risk-score")).await? {
        let value: u32 =
            score.parse().with_context(|| format!("risk score {score:?} is not a number"))?;
        ensure!(value <= 100, "risk score {value} is above 100");
    }
    Ok(())
}

/// Sets a range input's value as a drag would and fires its `input` event.
async fn drag_slider(ctx: &Ctx, test_id: &str, value: i32) -> anyhow::Result<()> {
    let script = format!(
        "const el = document.querySelector('{}'); el.value = '{value}';\
         el.dispatchEvent(new Event('input', {{ bubbles: true }})); return el.value;",
        testid(test_id).replace('\'', "\\'")
    );
    page::eval(ctx, &script).await?;
    Ok(())
}

async fn text_of(ctx: &Ctx, test_id: &str) -> anyhow::Result<String> {
    Ok(page::texts(ctx, &testid(test_id)).await?.join(" "))
}

pub(crate) async fn a_what_if_slider_moves_the_85_percent_date(ctx: &Ctx) -> anyhow::Result<()> {
    page::goto(ctx, "/forecast").await?;
    let before = page::wait_for("a forecast", LOAD, || async {
        let text = text_of(ctx, "forecast-p85").await?;
        Ok((!text.trim().is_empty()).then_some(text))
    })
    .await?;
    for level in ["forecast-p50", "forecast-p95"] {
        ensure!(!text_of(ctx, level).await?.trim().is_empty(), "{level} is empty");
    }
    drag_slider(ctx, "whatif-scope", 100).await?;
    let after = page::wait_for("the 85% date to move", Duration::from_secs(10), || async {
        let text = text_of(ctx, "forecast-p85").await?;
        Ok((text != before).then_some(text))
    })
    .await?;
    ensure!(
        after.contains("(+"),
        "adding scope should make the 85% date later: {before:?} → {after:?}"
    );
    let timing = text_of(ctx, "whatif-ms").await?;
    println!("    what-if: {before} → {after}; {timing}");
    // A drag is a run of input events: time each from the event until the
    // page has applied the scenario (all microtasks and effects done).
    let timings = ctx
        .client
        .execute_async(
            &format!(
                "const done = arguments[arguments.length - 1]; \
                 const el = document.querySelector('{}'); const times = []; \
                 (async () => {{ for (let v = -50; v <= 100; v += 5) {{ \
                   const t0 = performance.now(); el.value = String(v); \
                   el.dispatchEvent(new Event('input', {{ bubbles: true }})); \
                   await new Promise(r => setTimeout(r, 0)); \
                   times.push(performance.now() - t0); }} done(times); }})();",
                testid("whatif-scope")
            ),
            Vec::new(),
        )
        .await?;
    let mut times: Vec<f64> = timings
        .as_array()
        .map(|items| items.iter().filter_map(|t| t.as_f64()).collect())
        .unwrap_or_default();
    ensure!(!times.is_empty(), "no what-if timings came back: {timings}");
    times.sort_by(f64::total_cmp);
    println!(
        "    what-if per slider move (event to applied, {} moves): median {:.1} ms, max {:.1} ms",
        times.len(),
        times[times.len() / 2],
        times[times.len() - 1]
    );
    page::screenshot(ctx, "forecast-what-if").await
}

async fn alert_ids(ctx: &Ctx) -> anyhow::Result<Vec<String>> {
    let mut res = Vec::new();
    for element in page::find_all(ctx, &testid("alert-item")).await? {
        if let Some(id) = element.attr("data-alert-id").await? {
            res.push(id);
        }
    }
    Ok(res)
}

pub(crate) async fn a_live_alert_appears_and_can_be_acknowledged(ctx: &Ctx) -> anyhow::Result<()> {
    page::goto(ctx, "/alerts").await?;
    page::wait_for_count(ctx, "main h1", 1, LOAD).await?;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let initial = alert_ids(ctx).await?;
    // The live simulation raises incidents as simulated time passes; the new
    // alert must arrive through the event stream, with no reload.
    let new_id = page::wait_for("a new alert to arrive live", Duration::from_secs(150), || async {
        let now = alert_ids(ctx).await?;
        Ok(now.into_iter().find(|id| !initial.contains(id)))
    })
    .await?;
    let item = ctx.client.find(Locator::Css(&format!("[data-alert-id=\"{new_id}\"]"))).await?;
    item.find(Locator::Css(&testid("alert-ack"))).await?.click().await?;
    page::wait_for("the alert to show as acknowledged", Duration::from_secs(15), || async {
        let item = ctx.client.find(Locator::Css(&format!("[data-alert-id=\"{new_id}\"]"))).await?;
        Ok(item.find_all(Locator::Css(&testid("alert-acknowledged"))).await?.first().map(|_| ()))
    })
    .await?;
    page::screenshot(ctx, "alert-acknowledged").await
}

pub(crate) async fn summary_and_ask_answer_from_the_cached_data(ctx: &Ctx) -> anyhow::Result<()> {
    page::goto(ctx, "/summary").await?;
    let summary = page::wait_for("the executive summary", LOAD, || async {
        let text = text_of(ctx, "summary").await?;
        Ok((!text.trim().is_empty()).then_some(text))
    })
    .await?;
    ensure!(
        summary.contains("Executive summary"),
        "summary reads {:?}",
        &summary[..summary.len().min(200)]
    );
    page::goto(ctx, "/ask").await?;
    let input = page::wait_for("the question box", LOAD, || async {
        Ok(page::find_all(ctx, &testid("ask-input")).await?.into_iter().next())
    })
    .await?;
    input.send_keys("How is Team Alpha doing?").await?;
    ctx.client.find(Locator::Css(&testid("ask-submit"))).await?.click().await?;
    let answer = page::wait_for("an answer", Duration::from_secs(10), || async {
        let text = text_of(ctx, "ask-answer").await?;
        Ok((!text.trim().is_empty()).then_some(text))
    })
    .await?;
    ensure!(answer.contains("Alpha"), "the answer does not mention Alpha: {answer:?}");
    Ok(())
}

/// Issues in the cache for the start-up measurement.
const PERF_ISSUES: usize = 10_000;

pub(crate) async fn the_overview_renders_10k_cached_issues_quickly(
    ctx: &Ctx,
) -> anyhow::Result<()> {
    page::resize(ctx, 1280, 800).await?;
    page::goto(ctx, "/").await?;
    page::wait_for_count(ctx, &testid("team-card"), DEMO_TEAMS.len(), LOAD).await?;
    // Grow the cache to 10k issues by copying cached ones under new ids, as
    // a larger organisation's cache would hold.
    let stored = page::grow_cache(ctx, PERF_ISSUES).await?;
    ensure!(stored.as_u64() == Some(PERF_ISSUES as u64), "seeding the cache gave {stored}");
    let mut first_renders = Vec::new();
    let mut cache_loads = Vec::new();
    for _ in 0..3 {
        page::goto(ctx, "/").await?;
        page::wait_for_count(ctx, &testid("team-card"), DEMO_TEAMS.len(), LOAD).await?;
        let mark = page::wait_for("the cd-first-render mark", Duration::from_secs(10), || async {
            let value = page::eval(
                ctx,
                "const mark = performance.getEntriesByName('cd-first-render')[0]; return mark ? mark.startTime : null;",
            )
            .await?;
            Ok(value.as_f64())
        })
        .await?;
        first_renders.push(mark);
        let loaded = page::eval(
            ctx,
            "const mark = performance.getEntriesByName('cd-cache-loaded')[0]; return mark ? mark.startTime : null;",
        )
        .await?;
        cache_loads.extend(loaded.as_f64().map(|ms| ms.round() as i64));
    }
    let total: u64 = page::texts(ctx, &testid("team-issue-count"))
        .await?
        .iter()
        .filter_map(|count| count.parse::<u64>().ok())
        .sum();
    ensure!(
        total >= PERF_ISSUES as u64,
        "the overview counts {total} issues, expected at least {PERF_ISSUES}"
    );
    first_renders.sort_by(f64::total_cmp);
    println!(
        "    first render of the overview from IndexedDB with {total} issues: {:.0} ms median of {:?} ms after navigation",
        first_renders[first_renders.len() / 2],
        first_renders.iter().map(|ms| ms.round() as i64).collect::<Vec<_>>()
    );
    println!("    of which IndexedDB read and decode finished at {cache_loads:?} ms");
    Ok(())
}
