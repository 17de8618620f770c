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
    Ok(())
}

pub(crate) async fn every_view_fits_a_laptop_and_a_phone(ctx: &Ctx) -> anyhow::Result<()> {
    let mut problems = Vec::new();
    for (width, height) in [(1280, 800), (375, 667)] {
        page::resize(ctx, width, height).await?;
        for (name, path) in VIEWS {
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
