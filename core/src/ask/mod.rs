//! Questions in plain words: "How is Team Alpha doing?", "When will Payments
//! revamp land?", "What changed since last week?".
//!
//! [`ask`] finds the intent (status, risks, forecast, blockers, changes) from
//! keywords and the subject (a team, an epic or the whole organisation) by
//! fuzzy matching of names, then answers in two or three sentences from the
//! same numbers as the dashboard (risk, alerts, summary). A question it cannot
//! place gets the list of what can be asked, with the teams' names.

mod fuzzy;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::model::{Dataset, IssueKey, Priority, TeamId};
use crate::risk::signals::{self, Index};
use crate::risk::{self, FactorKind, RiskConfig, RiskReport, RiskScore};

/// What the question is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Intent {
    /// "How is X doing?"
    Status,
    /// "What should I worry about?"
    Risks,
    /// "When will X land?"
    Forecast,
    /// "What is blocked?"
    Blockers,
    /// "What changed since last week?"
    Changes,
    /// Not understood: the answer lists what can be asked.
    Help,
}

/// Who or what the question is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum Subject {
    /// The whole organisation.
    Organisation,
    /// One team.
    Team(TeamId),
    /// One epic.
    Epic(IssueKey),
}

/// The answer to a question.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Answer {
    /// The understood intent.
    pub intent: Intent,
    /// The understood subject.
    pub subject: Subject,
    /// Two or three sentences.
    pub text: String,
    /// Issues the answer names.
    pub issues: Vec<IssueKey>,
    /// Questions to try next.
    pub suggestions: Vec<String>,
}

const KEYWORDS: &[(Intent, &[&str])] = &[
    (
        Intent::Changes,
        &["changed", "change", "changes", "new", "since", "different", "difference", "moved"],
    ),
    (
        Intent::Forecast,
        &[
            "when", "land", "ship", "finish", "forecast", "eta", "deliver", "deliver", "complete",
            "date",
        ],
    ),
    (
        Intent::Blockers,
        &[
            "block",
            "blocked",
            "blocker",
            "blockers",
            "blocking",
            "stuck",
            "waiting",
            "depend",
            "dependencies",
        ],
    ),
    (
        Intent::Risks,
        &["risk", "risks", "risky", "worry", "worried", "concern", "concerns", "trouble", "danger"],
    ),
    (
        Intent::Status,
        &["how", "status", "doing", "health", "going", "update", "overview", "summary"],
    ),
];

fn intent_of(words: &[String]) -> Option<Intent> {
    KEYWORDS
        .iter()
        .find(|(_, keys)| words.iter().any(|w| keys.contains(&w.as_str())))
        .map(|(intent, _)| *intent)
}

/// Options of [`ask_with_options`].
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct AskOptions {
    /// Risk weights and thresholds.
    pub risk: RiskConfig,
}

/// Answers `question` about `dataset` as of `as_of`, with default options.
pub fn ask(question: &str, dataset: &Dataset, as_of: DateTime<Utc>) -> Answer {
    ask_with_options(question, dataset, as_of, &AskOptions::default())
}

fn help_text(dataset: &Dataset, prefix: &str) -> (String, Vec<String>) {
    let teams: Vec<&str> = dataset.teams.iter().map(|t| t.id.0.as_str()).collect();
    let example = teams.first().copied().unwrap_or("Alpha");
    let suggestions = vec![
        format!("How is Team {example} doing?"),
        "What should I worry about?".to_owned(),
        "When will <epic name or key> land?".to_owned(),
        format!("What is blocking {example}?"),
        "What changed since last week?".to_owned(),
    ];
    let mut text = prefix.to_owned();
    text.push_str("Ask about a team's status, risks, blockers or forecast, when an epic will land, or what changed since last week");
    if teams.is_empty() {
        text.push('.');
    } else {
        text.push_str(&format!("; the teams are {}.", teams.join(", ")));
    }
    (text, suggestions)
}

/// The subject named by the question, if any, and whether a team was named but not found.
fn subject_of(
    ix: &Index<'_>,
    words: &[String],
    intent: Option<Intent>,
) -> (Option<Subject>, Option<String>) {
    let team = ix.by_team.keys().find(|team| fuzzy::name_score(words, &team.0) >= 1.0).cloned();
    let mut best: Option<(f64, usize)> = None;
    for &epic in &ix.epics {
        let issue = ix.issue(epic);
        let score = fuzzy::epic_score(words, issue.key.as_str(), &issue.summary);
        if score >= 0.5
            && best.is_none_or(|(s, e)| score > s || (score == s && issue.key < ix.issue(e).key))
        {
            best = Some((score, epic));
        }
    }
    let epic = best.map(|(score, e)| (score, ix.issue(e).key.clone()));
    let subject = match (team, epic) {
        (_, Some((score, key))) if score >= 1.0 => Some(Subject::Epic(key)),
        (Some(team), Some((_, key))) => {
            if intent == Some(Intent::Forecast) {
                Some(Subject::Epic(key))
            } else {
                Some(Subject::Team(team))
            }
        }
        (Some(team), None) => Some(Subject::Team(team)),
        (None, Some((_, key))) => Some(Subject::Epic(key)),
        (None, None) => None,
    };
    // "team X" with no such team: say so rather than answer for everyone.
    let missing = if subject.is_none() {
        words.windows(2).find(|w| w[0] == "team").map(|w| w[1].clone())
    } else {
        None
    };
    (subject, missing)
}

/// Answers `question` about `dataset` as of `as_of`.
pub fn ask_with_options(
    question: &str,
    dataset: &Dataset,
    as_of: DateTime<Utc>,
    opts: &AskOptions,
) -> Answer {
    let words = fuzzy::words(question);
    let ix = Index::new(dataset, &opts.risk.blocked_statuses, signals::horizon(as_of));
    let intent = intent_of(&words);
    let (subject, missing) = subject_of(&ix, &words, intent);
    if let Some(name) = missing {
        let (text, suggestions) =
            help_text(dataset, &format!("There is no team called \"{name}\". "));
        return Answer {
            intent: Intent::Help,
            subject: Subject::Organisation,
            text,
            issues: Vec::new(),
            suggestions,
        };
    }
    let intent = match (intent, &subject) {
        (Some(intent), _) => intent,
        (None, Some(_)) => Intent::Status,
        (None, None) => {
            let (text, suggestions) =
                help_text(dataset, "That question is not one this can answer yet. ");
            return Answer {
                intent: Intent::Help,
                subject: Subject::Organisation,
                text,
                issues: Vec::new(),
                suggestions,
            };
        }
    };
    let subject = subject.unwrap_or(Subject::Organisation);
    let report = risk::report_in(&ix, as_of, &opts.risk);
    let ctx = Context { ix: &ix, report: &report, as_of, opts };
    let (text, issues) = match intent {
        Intent::Status => ctx.status(&subject),
        Intent::Risks => ctx.risks(&subject),
        Intent::Forecast => ctx.forecast(&subject),
        Intent::Blockers => ctx.blockers(&subject),
        Intent::Changes => ctx.changes(&subject),
        Intent::Help => (String::new(), Vec::new()),
    };
    let (_, suggestions) = help_text(dataset, "");
    Answer { intent, subject, text, issues, suggestions }
}

struct Context<'c> {
    ix: &'c Index<'c>,
    report: &'c RiskReport,
    as_of: DateTime<Utc>,
    opts: &'c AskOptions,
}

fn trend_words(score: &RiskScore) -> String {
    match score.trend.delta {
        Some(d) if d > 0 => format!("up {d} from last week"),
        Some(d) if d < 0 => format!("down {} from last week", -d),
        Some(_) => "unchanged from last week".to_owned(),
        None => "new this week".to_owned(),
    }
}

impl Context<'_> {
    fn team_score(&self, team: &TeamId) -> Option<&RiskScore> {
        self.report.teams.iter().find(|t| &t.team == team).map(|t| &t.risk)
    }

    fn epic(&self, key: &IssueKey) -> Option<usize> {
        self.ix.by_key.get(key.as_str()).copied()
    }

    fn issues_of(&self, subject: &Subject) -> Vec<usize> {
        match subject {
            Subject::Organisation => self.ix.by_team.values().flatten().copied().collect(),
            Subject::Team(team) => self.ix.by_team.get(team).cloned().unwrap_or_default(),
            Subject::Epic(key) => self.ix.children.get(key.as_str()).cloned().unwrap_or_default(),
        }
    }

    fn score_of(&self, subject: &Subject) -> Option<&RiskScore> {
        match subject {
            Subject::Organisation => Some(&self.report.organisation),
            Subject::Team(team) => self.team_score(team),
            Subject::Epic(key) => {
                self.report.epics.iter().find(|e| &e.epic == key).map(|e| &e.risk)
            }
        }
    }

    fn name(&self, subject: &Subject) -> String {
        match subject {
            Subject::Organisation => "The organisation".to_owned(),
            Subject::Team(team) => team.0.clone(),
            Subject::Epic(key) => {
                let summary =
                    self.epic(key).map_or_else(String::new, |e| self.ix.issue(e).summary.clone());
                format!("{key} \"{summary}\"")
            }
        }
    }

    fn finished_last_week(&self, issues: &[usize]) -> (usize, f64) {
        let week_start = self.as_of - Duration::days(7);
        let this = self.ix.finished_between(issues, week_start, self.as_of).len();
        let before =
            self.ix.finished_between(issues, week_start - Duration::days(28), week_start).len();
        (this, before as f64 / 4.0)
    }

    fn status(&self, subject: &Subject) -> (String, Vec<IssueKey>) {
        let name = self.name(subject);
        let issues = self.issues_of(subject);
        let (this, mean) = self.finished_last_week(&issues);
        let mut text = match self.score_of(subject) {
            Some(score) => {
                format!("{name} is {} ({}, {}).", score.level, score.score, trend_words(score))
            }
            None => format!("{name} has nothing open to score."),
        };
        text.push_str(&format!(
            " It finished {} in the last 7 days against a weekly mean of {mean:.1}.",
            crate::summary::items(this)
        ));
        let mut keys = Vec::new();
        match subject {
            Subject::Team(team) => {
                if let Some(running) = self.ix.sprint_odds(team, &issues, self.as_of) {
                    if let Some(odds) = running.odds.filter(|_| !running.remaining.is_empty()) {
                        text.push_str(&format!(
                            " {} has {:.0}% odds of finishing its {}.",
                            running.sprint.name,
                            odds * 100.0,
                            crate::summary::remaining_items(running.remaining.len())
                        ));
                    }
                }
            }
            Subject::Epic(key) => {
                if let Some(forecast) = self
                    .epic(key)
                    .and_then(|e| crate::summary::epic_forecast_at(self.ix, e, self.as_of))
                {
                    text.push(' ');
                    text.push_str(&forecast.sentence);
                    keys.push(key.clone());
                }
            }
            Subject::Organisation => {
                let red: Vec<&str> = self
                    .report
                    .teams
                    .iter()
                    .filter(|t| t.risk.level == risk::RiskLevel::Red)
                    .map(|t| t.team.0.as_str())
                    .collect();
                if !red.is_empty() {
                    text.push_str(&format!(" Red: {}.", red.join(", ")));
                }
            }
        }
        (text, keys)
    }

    fn risks(&self, subject: &Subject) -> (String, Vec<IssueKey>) {
        let name = self.name(subject);
        let Some(score) = self.score_of(subject) else {
            return (format!("{name} has nothing open to score."), Vec::new());
        };
        let mut factors: Vec<&risk::Factor> =
            score.factors.iter().filter(|f| f.points > 0).collect();
        crate::sort::stable_by(&mut factors, |a, b| {
            b.points.cmp(&a.points).then(a.name.cmp(&b.name))
        });
        let mut text =
            format!("{name}'s risk is {} ({}, {}).", score.score, score.level, trend_words(score));
        if factors.is_empty() {
            text.push_str(" Nothing stands out.");
        }
        let mut keys = Vec::new();
        for factor in factors.iter().take(2) {
            text.push_str(&format!(
                " {} ({} points): {}",
                capitalise(factor.name.label()),
                factor.points,
                factor.why
            ));
            keys.extend(factor.evidence.iter().take(3).cloned());
        }
        if *subject == Subject::Organisation {
            if let Some(worst) =
                self.report.teams.iter().max_by_key(|t| (t.risk.score, std::cmp::Reverse(&t.team)))
            {
                text.push_str(&format!(
                    " The riskiest team is {} ({}).",
                    worst.team, worst.risk.score
                ));
            }
        }
        (text, keys)
    }

    fn forecast(&self, subject: &Subject) -> (String, Vec<IssueKey>) {
        match subject {
            Subject::Epic(key) => match self
                .epic(key)
                .and_then(|e| crate::summary::epic_forecast_at(self.ix, e, self.as_of))
            {
                Some(forecast) => (forecast.sentence, vec![key.clone()]),
                None => (
                    format!("{} has no open work to forecast.", self.name(subject)),
                    vec![key.clone()],
                ),
            },
            Subject::Team(team) => {
                let issues = self.issues_of(subject);
                let mut text = String::new();
                if let Some(running) = self.ix.sprint_odds(team, &issues, self.as_of) {
                    if let Some(odds) = running.odds.filter(|_| !running.remaining.is_empty()) {
                        text.push_str(&format!(
                            "{} has {:.0}% odds of finishing its {} by {}.",
                            running.sprint.name,
                            odds * 100.0,
                            crate::summary::remaining_items(running.remaining.len()),
                            running
                                .sprint
                                .end
                                .map_or_else(String::new, |e| e.date_naive().to_string())
                        ));
                    }
                }
                let mut keys = Vec::new();
                let epics = self.report.epics.iter().filter(|e| e.team.as_ref() == Some(team));
                for epic in epics.take(2) {
                    if let Some(f) = self
                        .epic(&epic.epic)
                        .and_then(|e| crate::summary::epic_forecast_at(self.ix, e, self.as_of))
                    {
                        text.push_str(if text.is_empty() { "" } else { " " });
                        text.push_str(&f.sentence);
                        keys.push(epic.epic.clone());
                    }
                }
                if text.is_empty() {
                    text = format!("{team} has no running sprint or open epic to forecast.");
                }
                (text, keys)
            }
            Subject::Organisation => {
                // Dated epics first (soonest due), then the riskiest undated ones.
                let mut dated: Vec<&risk::EpicRisk> = self.report.epics.iter().collect();
                crate::sort::stable_by(&mut dated, |a, b| {
                    (a.due.is_none(), a.due, std::cmp::Reverse(a.risk.score), &a.epic).cmp(&(
                        b.due.is_none(),
                        b.due,
                        std::cmp::Reverse(b.risk.score),
                        &b.epic,
                    ))
                });
                let mut text = String::new();
                let mut keys = Vec::new();
                for epic in dated.iter().take(2) {
                    if let Some(f) = self
                        .epic(&epic.epic)
                        .and_then(|e| crate::summary::epic_forecast_at(self.ix, e, self.as_of))
                    {
                        text.push_str(if text.is_empty() { "" } else { " " });
                        text.push_str(&f.sentence);
                        keys.push(epic.epic.clone());
                    }
                }
                if text.is_empty() {
                    text = "No open epic has work left to forecast.".to_owned();
                }
                (text, keys)
            }
        }
    }

    fn blockers(&self, subject: &Subject) -> (String, Vec<IssueKey>) {
        let name = self.name(subject);
        let issues = self.issues_of(subject);
        let mut blocked: Vec<(usize, f64)> = issues
            .iter()
            .copied()
            .filter(|&i| self.ix.is_open_at(self.ix.issue(i), self.as_of))
            .filter_map(|i| {
                self.ix
                    .blocked_since(self.ix.issue(i), self.as_of)
                    .map(|s| (i, signals::days_between(s, self.as_of)))
            })
            .collect();
        crate::sort::stable_by(&mut blocked, |a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        let mut keys: Vec<IssueKey> = Vec::new();
        let mut text = if blocked.is_empty() {
            format!("{name} has nothing blocked or flagged.")
        } else {
            let listed: Vec<String> = blocked
                .iter()
                .take(4)
                .map(|&(i, days)| {
                    let days = days.max(0.0).floor() as usize;
                    format!(
                        "{} ({days} day{})",
                        self.ix.issue(i).key,
                        if days == 1 { "" } else { "s" }
                    )
                })
                .collect();
            keys.extend(blocked.iter().take(4).map(|&(i, _)| self.ix.issue(i).key.clone()));
            let more = if blocked.len() > 4 {
                format!(" and {} more", blocked.len() - 4)
            } else {
                String::new()
            };
            format!("{name} has {} blocked or flagged: {}{more}.", blocked.len(), listed.join(", "))
        };
        let waits = self.ix.cross_team_blockers(&issues, self.as_of);
        if !waits.is_empty() {
            let listed: Vec<String> = waits
                .iter()
                .take(3)
                .map(|&(waiting, blocker)| {
                    let other = self.ix.issue(blocker);
                    let team = other.team.as_ref().map_or_else(String::new, |t| format!(" ({t})"));
                    format!("{} on {}{team}", self.ix.issue(waiting).key, other.key)
                })
                .collect();
            for &(waiting, blocker) in waits.iter().take(3) {
                keys.push(self.ix.issue(waiting).key.clone());
                keys.push(self.ix.issue(blocker).key.clone());
            }
            text.push_str(&format!(
                " {} waiting on other teams: {}.",
                waits.len(),
                listed.join(", ")
            ));
        }
        keys.dedup();
        (text, keys)
    }

    fn changes(&self, subject: &Subject) -> (String, Vec<IssueKey>) {
        let name = self.name(subject);
        let issues = self.issues_of(subject);
        let week_ago = self.as_of - Duration::days(7);
        let mut text = String::new();
        if let Some(score) = self.score_of(subject) {
            match score.trend.previous {
                Some(previous) => {
                    text.push_str(&format!(
                        "{name}'s risk went from {previous} to {} ({}).",
                        score.score, score.level
                    ));
                    if let Some(moves) = self.factor_moves(subject, score) {
                        text.push_str(&format!(" Biggest moves: {moves}."));
                    }
                }
                None => text.push_str(&format!(
                    "{name} is new this week, at {} ({}).",
                    score.score, score.level
                )),
            }
        }
        let (finished, mean) = self.finished_last_week(&issues);
        text.push_str(&format!(
            " It finished {} in the last 7 days (weekly mean {mean:.1}).",
            crate::summary::items(finished)
        ));
        let arrived: Vec<&IssueKey> = issues
            .iter()
            .map(|&i| self.ix.issue(i))
            .filter(|i| {
                i.priority <= Priority::P1
                    && i.created > week_ago
                    && self.ix.is_open_at(i, self.as_of)
            })
            .map(|i| &i.key)
            .collect();
        if !arrived.is_empty() {
            let listed: Vec<&str> = arrived.iter().take(4).map(|k| k.as_str()).collect();
            text.push_str(&format!(" New P0/P1 items: {}.", listed.join(", ")));
        }
        (text.trim_start().to_owned(), arrived.into_iter().take(4).cloned().collect())
    }

    /// The factors that moved most since a week ago, as "open P0/P1 items +11, blocked work +6".
    fn factor_moves(&self, subject: &Subject, now: &RiskScore) -> Option<String> {
        let dataset = self.ix.dataset;
        let week_ago = self.as_of - Duration::days(7);
        let before = match subject {
            Subject::Team(team) => risk::team_risk(dataset, team, week_ago, &self.opts.risk)?,
            Subject::Epic(key) => risk::epic_risk(dataset, key, week_ago, &self.opts.risk)?,
            Subject::Organisation => {
                risk::report_in(self.ix, week_ago, &self.opts.risk).organisation
            }
        };
        let mut moves: Vec<(FactorKind, i64)> = now
            .factors
            .iter()
            .zip(&before.factors)
            .map(|(a, b)| (a.name, i64::from(a.points) - i64::from(b.points)))
            .filter(|(_, d)| *d != 0)
            .collect();
        crate::sort::stable_by(&mut moves, |a, b| b.1.abs().cmp(&a.1.abs()).then(a.0.cmp(&b.0)));
        if moves.is_empty() {
            return None;
        }
        let listed: Vec<String> =
            moves.iter().take(2).map(|(k, d)| format!("{} {d:+}", k.label())).collect();
        Some(listed.join(", "))
    }
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests;
