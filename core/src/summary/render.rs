//! The executive summary as Markdown, as self-contained print-friendly HTML
//! (inline CSS, no scripts, every piece of JIRA text escaped) and as JSON.

use std::fmt::Write as _;

use super::ExecutiveSummary;

/// Output formats of the summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// GitHub-flavoured Markdown.
    Markdown,
    /// One HTML page, styled for screen and print.
    Html,
    /// Pretty-printed JSON of [`ExecutiveSummary`].
    Json,
}

impl std::str::FromStr for Format {
    type Err = String;

    fn from_str(s: &str) -> Result<Format, String> {
        match s.to_ascii_lowercase().as_str() {
            "md" | "markdown" => Ok(Format::Markdown),
            "html" => Ok(Format::Html),
            "json" => Ok(Format::Json),
            other => Err(format!("unknown format `{other}` (expected md, html or json)")),
        }
    }
}

/// Renders `summary` in `format`.
pub fn render(summary: &ExecutiveSummary, format: Format) -> String {
    match format {
        Format::Markdown => markdown(summary),
        Format::Html => html(summary),
        Format::Json => serde_json::to_string_pretty(summary)
            .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}")),
    }
}

fn odds(value: Option<f64>) -> String {
    value.map_or_else(|| "–".to_owned(), |o| format!("{:.0}%", o * 100.0))
}

fn date(value: Option<chrono::NaiveDate>) -> String {
    value.map_or_else(|| "–".to_owned(), |d| d.to_string())
}

fn moved(value: Option<i64>) -> String {
    match value {
        Some(d) if d > 0 => format!("+{d} d"),
        Some(d) if d < 0 => format!("{d} d"),
        Some(_) => "±0".to_owned(),
        None => "–".to_owned(),
    }
}

/// Markdown cells cannot hold a pipe or a newline.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace(['\n', '\r'], " ")
}

/// Markdown: one page, headings per section, a table for the epics.
pub fn markdown(s: &ExecutiveSummary) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# Executive summary, week {} ({} to {})\n", s.week, s.from, s.to);
    for sentence in &s.headline {
        let _ = writeln!(out, "{sentence}");
    }
    let _ = writeln!(out, "\n## Teams\n");
    for team in &s.teams {
        let _ = writeln!(
            out,
            "**{}** ({}, {}): {}\n",
            team.team,
            team.level,
            team.score,
            team.sentences.join(" ")
        );
    }
    if !s.epics.is_empty() {
        let _ = writeln!(out, "## Epics\n");
        let _ = writeln!(out, "| Epic | Team | Left | Due | Odds | 50% | 85% | Moved |");
        let _ = writeln!(out, "|---|---|---:|---|---:|---|---|---:|");
        for e in &s.epics {
            let _ = writeln!(
                out,
                "| {} {} | {} | {} | {} | {} | {} | {} | {} |",
                e.epic,
                cell(&e.summary),
                e.team.as_ref().map_or("–", |t| t.0.as_str()),
                e.remaining,
                date(e.due),
                odds(e.odds),
                date(e.p50),
                date(e.p85),
                moved(e.moved_days)
            );
        }
        let _ = writeln!(out);
        for e in &s.epics {
            let _ = writeln!(out, "- {}", e.sentence);
        }
        let _ = writeln!(out);
    }
    let _ = writeln!(out, "## Top risks\n");
    if s.risks.is_empty() {
        let _ = writeln!(out, "Nothing is amber or red.");
    }
    for r in &s.risks {
        let _ = writeln!(out, "- **{}** ({}, {}): {}", r.subject, r.level, r.score, r.reason);
    }
    let _ = writeln!(out, "\n## Alerts this week\n");
    if s.alerts.is_empty() {
        let _ = writeln!(out, "No alerts.");
    }
    for a in &s.alerts {
        let team = a.team.as_ref().map_or_else(String::new, |t| format!(" ({t})"));
        let _ = writeln!(out, "- {}{team}: {}", a.severity, a.title);
    }
    let _ = writeln!(out, "\n## Shipped\n");
    for shipped in &s.shipped {
        let _ = writeln!(out, "- {}", shipped.sentence);
    }
    let _ = writeln!(out, "\n_Numbers as of {}._", as_of_utc(s.as_of));
    out
}

/// `at` as `2026-11-28 23:45 UTC`. Written out by hand: chrono's strftime
/// formatter would otherwise ship in the dashboard's bundle for this one line.
fn as_of_utc(at: chrono::DateTime<chrono::Utc>) -> String {
    use chrono::Timelike as _;
    format!("{} {:02}:{:02} UTC", at.date_naive(), at.hour(), at.minute())
}

/// Escapes text for HTML element content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{font:15px/1.5 Georgia,'Times New Roman',serif;color:#111;max-width:46em;margin:2em auto;padding:0 1em}\
h1{font-size:1.5em;margin-bottom:.2em}h2{font-size:1.15em;border-bottom:1px solid #999;margin-top:1.6em}\
table{border-collapse:collapse;width:100%;font-size:.9em}th,td{border-bottom:1px solid #ccc;padding:.25em .4em;text-align:left}\
td.n{text-align:right}.level{font-weight:bold;padding:0 .3em;border:1px solid}.green{color:#1b5e20}.amber{color:#8a5300}.red{color:#b71c1c}\
.meta{color:#555;font-size:.85em}@media print{body{margin:0;max-width:none;font-size:11pt}h2{break-after:avoid}table,li,p{break-inside:avoid}}";

/// Self-contained HTML: inline CSS, no scripts, no external resources.
pub fn html(s: &ExecutiveSummary) -> String {
    let e = escape;
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Executive summary {}</title><style>{STYLE}</style></head><body>\n",
        s.week
    );
    let _ = writeln!(
        out,
        "<h1>Executive summary, week {}</h1><p class=\"meta\">{} to {}</p>",
        s.week, s.from, s.to
    );
    for sentence in &s.headline {
        let _ = writeln!(out, "<p>{}</p>", e(sentence));
    }
    let _ = writeln!(out, "<h2>Teams</h2>");
    for team in &s.teams {
        let _ = writeln!(
            out,
            "<p><strong>{}</strong> <span class=\"level {lvl}\">{lvl} {}</span> {}</p>",
            e(&team.team.0),
            team.score,
            e(&team.sentences.join(" ")),
            lvl = team.level
        );
    }
    if !s.epics.is_empty() {
        let _ = writeln!(out, "<h2>Epics</h2><table><thead><tr><th>Epic</th><th>Team</th><th>Left</th><th>Due</th><th>Odds</th><th>50%</th><th>85%</th><th>Moved</th></tr></thead><tbody>");
        for ep in &s.epics {
            let _ = writeln!(
                out,
                "<tr><td>{} {}</td><td>{}</td><td class=\"n\">{}</td><td>{}</td><td class=\"n\">{}</td><td>{}</td><td>{}</td><td class=\"n\">{}</td></tr>",
                e(ep.epic.as_str()),
                e(&ep.summary),
                e(ep.team.as_ref().map_or("–", |t| t.0.as_str())),
                ep.remaining,
                date(ep.due),
                odds(ep.odds),
                date(ep.p50),
                date(ep.p85),
                moved(ep.moved_days)
            );
        }
        let _ = writeln!(out, "</tbody></table><ul>");
        for ep in &s.epics {
            let _ = writeln!(out, "<li>{}</li>", e(&ep.sentence));
        }
        let _ = writeln!(out, "</ul>");
    }
    let _ = writeln!(out, "<h2>Top risks</h2>");
    if s.risks.is_empty() {
        let _ = writeln!(out, "<p>Nothing is amber or red.</p>");
    } else {
        let _ = writeln!(out, "<ul>");
        for r in &s.risks {
            let _ = writeln!(
                out,
                "<li><strong>{}</strong> <span class=\"level {lvl}\">{lvl} {}</span> {}</li>",
                e(&r.subject),
                r.score,
                e(&r.reason),
                lvl = r.level
            );
        }
        let _ = writeln!(out, "</ul>");
    }
    let _ = writeln!(out, "<h2>Alerts this week</h2>");
    if s.alerts.is_empty() {
        let _ = writeln!(out, "<p>No alerts.</p>");
    } else {
        let _ = writeln!(out, "<ul>");
        for a in &s.alerts {
            let team = a.team.as_ref().map_or_else(String::new, |t| format!(" ({})", e(&t.0)));
            let _ = writeln!(out, "<li>{}{team}: {}</li>", a.severity, e(&a.title));
        }
        let _ = writeln!(out, "</ul>");
    }
    let _ = writeln!(out, "<h2>Shipped</h2><ul>");
    for shipped in &s.shipped {
        let _ = writeln!(out, "<li>{}</li>", e(&shipped.sentence));
    }
    let _ = writeln!(
        out,
        "</ul><p class=\"meta\">Numbers as of {}.</p>\n</body></html>",
        as_of_utc(s.as_of)
    );
    out
}
