//! Browser flows checking chart drawings as laid out on the page: the
//! forecast histogram follows its frame's width, and the dependency graph's
//! arrows run around the boxes.

use std::time::Duration;

use anyhow::{ensure, Context};
use serde_json::Value;

use crate::page::{self, testid};
use crate::Ctx;

const LOAD: Duration = Duration::from_secs(60);

/// (viewBox width, drawn width in CSS px, right edge of the rightmost bar
/// in drawing units) of the histogram.
async fn histogram_size(ctx: &Ctx) -> anyhow::Result<(f64, f64, f64)> {
    let value = page::eval(
        ctx,
        &format!(
            "const svg = document.querySelector('{}'); if (!svg) return null; \
             const right = Math.max(0, ...[...svg.querySelectorAll('rect.hist-bar')] \
               .map(r => Number(r.getAttribute('x')) + Number(r.getAttribute('width')))); \
             return [svg.viewBox.baseVal.width, svg.getBoundingClientRect().width, right];",
            testid("forecast-histogram")
        ),
    )
    .await?;
    let numbers: Vec<f64> = value
        .as_array()
        .map(|xs| xs.iter().filter_map(Value::as_f64).collect())
        .unwrap_or_default();
    match numbers[..] {
        [view_box, drawn, right] => Ok((view_box, drawn, right)),
        _ => anyhow::bail!("no histogram to measure: {value}"),
    }
}

pub(crate) async fn the_histogram_follows_its_frame_from_phone_to_projector(
    ctx: &Ctx,
) -> anyhow::Result<()> {
    page::resize(ctx, 1280, 800).await?;
    page::goto(ctx, "/forecast?team=Alpha").await?;
    page::wait_for_count(ctx, &format!("{} rect.hist-bar", testid("forecast-histogram")), 1, LOAD)
        .await?;
    let mut sizes = Vec::new();
    // Resized in place, without a reload: the drawing must follow.
    for (width, height) in [(1280, 800), (375, 667), (1280, 800)] {
        page::resize(ctx, width, height).await?;
        let (view_box, drawn, right) =
            page::wait_for("the histogram to fit its frame", Duration::from_secs(10), || async {
                let (view_box, drawn, right) = histogram_size(ctx).await?;
                // One drawing unit per CSS pixel (give or take the border).
                Ok(((view_box - drawn).abs() <= 3.0).then_some((view_box, drawn, right)))
            })
            .await
            .with_context(|| format!("at {width}×{height}"))?;
        ensure!(
            right <= view_box,
            "bars run past the drawing at {width}×{height}: {right} > {view_box}"
        );
        page::check_no_horizontal_scroll(ctx, &format!("/forecast at {width}×{height}")).await?;
        page::screenshot(ctx, &format!("histogram-fits-{width}x{height}")).await?;
        sizes.push((width, view_box, drawn));
    }
    let phone = sizes[1].1;
    let laptop = sizes[0].1;
    ensure!(phone < 375.0, "the phone drawing is {phone} units wide");
    ensure!(laptop > 600.0, "the laptop drawing is only {laptop} units wide");
    ensure!(
        sizes[2].1 == laptop,
        "back on the laptop the drawing is {} wide, not {laptop}",
        sizes[2].1
    );
    println!(
        "    histogram drawing width: {laptop:.0} at 1280 px, {phone:.0} at 375 px, {:.0} after resizing back",
        sizes[2].1
    );
    Ok(())
}

pub(crate) async fn graph_arrows_run_around_the_boxes(ctx: &Ctx) -> anyhow::Result<()> {
    for (width, height) in [(1280, 800), (375, 667)] {
        page::resize(ctx, width, height).await?;
        page::goto(ctx, "/risks").await?;
        page::wait_for_count(ctx, &testid("graph-edge"), 1, LOAD).await?;
        // Every visible arrow, followed every 2 px along the path as the
        // browser draws it, stays out of every box (1.5 px inside its edge:
        // arrows start and end on box sides).
        let report = page::eval(
            ctx,
            &format!(
                "let edges = 0, samples = 0; const hits = []; \
                 for (const svg of document.querySelectorAll('{graph}')) {{ \
                   if (svg.getBoundingClientRect().width === 0) continue; \
                   const boxes = [...svg.querySelectorAll('.graph-node rect')].map(r => [ \
                     r.x.baseVal.value + 1.5, r.y.baseVal.value + 1.5, \
                     r.x.baseVal.value + r.width.baseVal.value - 1.5, \
                     r.y.baseVal.value + r.height.baseVal.value - 1.5]); \
                   for (const edge of svg.querySelectorAll('path.graph-edge')) {{ \
                     edges++; const length = edge.getTotalLength(); \
                     for (let at = 0; at <= length; at += 2) {{ \
                       samples++; const p = edge.getPointAtLength(at); \
                       const inside = boxes.findIndex(b => p.x > b[0] && p.x < b[2] && p.y > b[1] && p.y < b[3]); \
                       if (inside >= 0) {{ hits.push(svg.dataset.layout + ': ' + edge.getAttribute('aria-label')); break; }} \
                     }} \
                   }} \
                 }} \
                 return {{ edges, samples, hits }};",
                graph = testid("dependency-graph"),
            ),
        )
        .await?;
        let edges = report["edges"].as_u64().unwrap_or(0);
        let hits: Vec<String> = report["hits"]
            .as_array()
            .map(|items| items.iter().filter_map(|item| item.as_str().map(str::to_owned)).collect())
            .unwrap_or_default();
        ensure!(edges > 0, "no visible arrows at {width}×{height}");
        ensure!(hits.is_empty(), "arrows through boxes at {width}×{height}: {hits:?}");
        page::check_no_horizontal_scroll(ctx, &format!("/risks at {width}×{height}")).await?;
        page::screenshot(ctx, &format!("graph-routed-{width}x{height}")).await?;
        println!(
            "    {width}×{height}: {edges} arrows, {} points checked, none inside a box",
            report["samples"]
        );
    }
    page::resize(ctx, 1280, 800).await
}
