//! The JQL subset the product sends, parsed and evaluated against the
//! organisation: `project`, `key`/`issuekey`, `updated`/`created` comparisons
//! (read in the caller's time zone at minute granularity, like JIRA),
//! `status`, `statusCategory`, `issuetype`, `priority`, `labels`, `resolution`
//! and `sprint` (ids, names, `openSprints()`, `closedSprints()`,
//! `futureSprints()`; `is [not] EMPTY` for these three), `AND`/`OR`/
//! `NOT`/parentheses and `ORDER BY`. Anything else is rejected with the
//! message JIRA gives, so a client cannot rely on the site accepting JQL that
//! real JIRA would refuse.

use std::cmp::Ordering;

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

use crate::org::{Issue, Org, SprintState, PRIORITIES, STATUSES};

/// Why a query was refused; the message is JIRA's `errorMessages` text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub(crate) struct JqlError(pub String);

fn err<T>(msg: impl Into<String>) -> Result<T, JqlError> {
    Err(JqlError(msg.into()))
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Word(String),
    Quoted(String),
    Op(&'static str),
    LParen,
    RParen,
    Comma,
}

fn tokenize(input: &str) -> Result<Vec<Token>, JqlError> {
    let chars: Vec<char> = input.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            c if c.is_whitespace() => i += 1,
            '(' => {
                out.push(Token::LParen);
                i += 1;
            }
            ')' => {
                out.push(Token::RParen);
                i += 1;
            }
            ',' => {
                out.push(Token::Comma);
                i += 1;
            }
            '"' | '\'' => {
                let mut s = String::new();
                i += 1;
                loop {
                    match chars.get(i) {
                        None => return err(format!("Error in the JQL Query: The quoted string '{s}' has not been completed.")),
                        Some('\\') => {
                            if let Some(n) = chars.get(i + 1) {
                                s.push(*n);
                            }
                            i += 2;
                        }
                        Some(q) if *q == c => {
                            i += 1;
                            break;
                        }
                        Some(x) => {
                            s.push(*x);
                            i += 1;
                        }
                    }
                }
                out.push(Token::Quoted(s));
            }
            '>' | '<' | '!' | '=' | '~' => {
                let two: String = chars[i..(i + 2).min(chars.len())].iter().collect();
                let op = match two.as_str() {
                    ">=" => ">=",
                    "<=" => "<=",
                    "!=" => "!=",
                    "!~" => "!~",
                    _ => match c {
                        '>' => ">",
                        '<' => "<",
                        '=' => "=",
                        '~' => "~",
                        _ => return err(format!("Error in the JQL Query: The character '{c}' is a reserved JQL character.")),
                    },
                };
                i += op.len();
                out.push(Token::Op(op));
            }
            _ => {
                let mut s = String::new();
                while let Some(&x) = chars.get(i) {
                    if x.is_whitespace() || "()=,<>!~\"'".contains(x) {
                        break;
                    }
                    s.push(x);
                    i += 1;
                }
                out.push(Token::Word(s));
            }
        }
    }
    Ok(out)
}

/// A field the site can search on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Project,
    Key,
    Updated,
    Created,
    Status,
    StatusCategory,
    IssueType,
    Priority,
    Labels,
    Resolution,
    Sprint,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
    In,
    NotIn,
}

#[derive(Debug, Clone, PartialEq)]
enum Value {
    Text(String),
    Instant(DateTime<Utc>),
}

#[derive(Debug, Clone, PartialEq)]
enum Expr {
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    Clause { field: Field, op: Op, values: Vec<Value> },
}

/// A sort key of `ORDER BY`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SortField {
    Updated,
    Created,
    Key,
    Id,
    Priority,
    Rank,
}

/// A parsed query, ready to evaluate.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Query {
    filter: Option<Expr>,
    order: Vec<(SortField, bool)>,
}

/// What evaluation needs besides the issue: the caller's time zone and `now`
/// (for relative dates such as `-5d`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct JqlContext {
    pub(crate) tz: Tz,
    pub(crate) now: DateTime<Utc>,
}

struct Parser<'a> {
    tokens: Vec<Token>,
    pos: usize,
    ctx: JqlContext,
    org: &'a Org,
}

fn is_kw(t: Option<&Token>, kw: &str) -> bool {
    matches!(t, Some(Token::Word(w)) if w.eq_ignore_ascii_case(kw))
}

/// Parses `jql` for `org`, checking projects and keys exist as JIRA does.
pub(crate) fn parse(jql: &str, org: &Org, ctx: JqlContext) -> Result<Query, JqlError> {
    let tokens = tokenize(jql)?;
    let mut p = Parser { tokens, pos: 0, ctx, org };
    let filter =
        if p.peek().is_none() || is_kw(p.peek(), "order") { None } else { Some(p.or_expr()?) };
    let mut order = Vec::new();
    if is_kw(p.peek(), "order") {
        p.pos += 1;
        if !is_kw(p.peek(), "by") {
            return err("Error in the JQL Query: Expecting 'by' after 'order'.");
        }
        p.pos += 1;
        loop {
            let name = match p.next() {
                Some(Token::Word(w)) | Some(Token::Quoted(w)) => w,
                _ => {
                    return err("Error in the JQL Query: Expecting a field name after 'order by'.")
                }
            };
            let field = match name.to_ascii_lowercase().as_str() {
                "updated" | "updateddate" => SortField::Updated,
                "created" | "createddate" => SortField::Created,
                "key" | "issuekey" => SortField::Key,
                "id" => SortField::Id,
                "priority" => SortField::Priority,
                "rank" => SortField::Rank,
                _ => {
                    return err(format!(
                        "Field '{name}' does not exist or you do not have permission to view it."
                    ))
                }
            };
            let mut asc = field != SortField::Updated && field != SortField::Created;
            if is_kw(p.peek(), "asc") {
                asc = true;
                p.pos += 1;
            } else if is_kw(p.peek(), "desc") {
                asc = false;
                p.pos += 1;
            }
            order.push((field, asc));
            if p.peek() == Some(&Token::Comma) {
                p.pos += 1;
                continue;
            }
            break;
        }
        if order.len() > 7 {
            return err("The ORDER BY clause can contain at most 7 fields.");
        }
    }
    if let Some(t) = p.peek() {
        return err(format!(
            "Error in the JQL Query: Expecting either 'OR' or 'AND' but got '{}'.",
            show(t)
        ));
    }
    Ok(Query { filter, order })
}

fn show(t: &Token) -> String {
    match t {
        Token::Word(w) | Token::Quoted(w) => w.clone(),
        Token::Op(o) => (*o).to_string(),
        Token::LParen => "(".into(),
        Token::RParen => ")".into(),
        Token::Comma => ",".into(),
    }
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    fn next(&mut self) -> Option<Token> {
        let t = self.tokens.get(self.pos).cloned();
        self.pos += 1;
        t
    }

    fn or_expr(&mut self) -> Result<Expr, JqlError> {
        let mut left = self.and_expr()?;
        while is_kw(self.peek(), "or") {
            self.pos += 1;
            let right = self.and_expr()?;
            left = Expr::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn and_expr(&mut self) -> Result<Expr, JqlError> {
        let mut left = self.unary()?;
        while is_kw(self.peek(), "and") {
            self.pos += 1;
            let right = self.unary()?;
            left = Expr::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Expr, JqlError> {
        if is_kw(self.peek(), "not") {
            self.pos += 1;
            return Ok(Expr::Not(Box::new(self.unary()?)));
        }
        if self.peek() == Some(&Token::LParen) {
            self.pos += 1;
            let e = self.or_expr()?;
            if self.next() != Some(Token::RParen) {
                return err("Error in the JQL Query: Expecting ')' before the end of the query.");
            }
            return Ok(e);
        }
        self.clause()
    }

    fn clause(&mut self) -> Result<Expr, JqlError> {
        let name =
            match self.next() {
                Some(Token::Word(w)) | Some(Token::Quoted(w)) => w,
                Some(t) => {
                    return err(format!(
                        "Error in the JQL Query: Expecting a field name but got '{}'.",
                        show(&t)
                    ))
                }
                None => return err(
                    "Error in the JQL Query: Expecting a field name before the end of the query.",
                ),
            };
        let field = match name.to_ascii_lowercase().as_str() {
            "project" => Field::Project,
            "key" | "issuekey" | "issue" | "id" => Field::Key,
            "updated" | "updateddate" => Field::Updated,
            "created" | "createddate" => Field::Created,
            "status" => Field::Status,
            "statuscategory" => Field::StatusCategory,
            "issuetype" | "type" => Field::IssueType,
            "priority" => Field::Priority,
            "labels" => Field::Labels,
            "resolution" => Field::Resolution,
            "sprint" => Field::Sprint,
            _ => {
                return err(format!(
                    "Field '{name}' does not exist or you do not have permission to view it."
                ))
            }
        };
        let op = match self.next() {
            Some(Token::Op("=")) => Op::Eq,
            Some(Token::Op("!=")) => Op::Ne,
            Some(Token::Op(">")) => Op::Gt,
            Some(Token::Op(">=")) => Op::Ge,
            Some(Token::Op("<")) => Op::Lt,
            Some(Token::Op("<=")) => Op::Le,
            Some(Token::Word(w)) if w.eq_ignore_ascii_case("in") => Op::In,
            // `is [not] EMPTY`: only fields that can be empty take it.
            Some(Token::Word(w)) if w.eq_ignore_ascii_case("is") => {
                if !matches!(field, Field::Resolution | Field::Labels | Field::Sprint) {
                    return err(format!(
                        "The operator 'is' is not supported by the '{name}' field."
                    ));
                }
                let negated = is_kw(self.peek(), "not");
                if negated {
                    self.pos += 1;
                }
                if !(is_kw(self.peek(), "empty") || is_kw(self.peek(), "null")) {
                    return err(
                        "Error in the JQL Query: Expecting either 'EMPTY' or 'NULL' after 'is'.",
                    );
                }
                if negated {
                    Op::Ne
                } else {
                    Op::Eq
                }
            }
            Some(Token::Word(w)) if w.eq_ignore_ascii_case("not") && is_kw(self.peek(), "in") => {
                self.pos += 1;
                Op::NotIn
            }
            Some(t) => {
                return err(format!(
                    "The operator '{}' is not supported by the '{name}' field.",
                    show(&t)
                ))
            }
            None => {
                return err(
                    "Error in the JQL Query: Expecting operator before the end of the query.",
                )
            }
        };
        let is_date = matches!(field, Field::Updated | Field::Created);
        let ordered = matches!(op, Op::Gt | Op::Ge | Op::Lt | Op::Le);
        if ordered && !is_date && field != Field::Key {
            return err(format!(
                "The operator '{}' is not supported by the '{name}' field.",
                op_text(op)
            ));
        }
        let function = matches!(self.peek(), Some(Token::Word(_)))
            && self.tokens.get(self.pos + 1) == Some(&Token::LParen);
        let raw = if matches!(op, Op::In | Op::NotIn) && function {
            // `sprint in openSprints()` and friends.
            let Some(Token::Word(f)) = self.next() else {
                return err("Error in the JQL Query: Expecting a function.");
            };
            self.pos += 1;
            if self.next() != Some(Token::RParen) {
                return err(format!("Error in the JQL Query: Expecting ')' after '{f}('."));
            }
            let known = ["opensprints", "closedsprints", "futuresprints"];
            if field != Field::Sprint || !known.contains(&f.to_ascii_lowercase().as_str()) {
                return err(format!("Unable to find JQL function '{f}()'."));
            }
            vec![format!("{}()", f.to_ascii_lowercase())]
        } else if matches!(op, Op::In | Op::NotIn) {
            if self.next() != Some(Token::LParen) {
                return err(format!(
                    "Error in the JQL Query: Expecting '(' after '{}'.",
                    op_text(op)
                ));
            }
            let mut vs = Vec::new();
            loop {
                match self.next() {
                    Some(Token::Word(w)) | Some(Token::Quoted(w)) => vs.push(w),
                    Some(Token::RParen) if vs.is_empty() => break,
                    _ => return err("Error in the JQL Query: Expecting a value in the list."),
                }
                match self.next() {
                    Some(Token::Comma) => continue,
                    Some(Token::RParen) => break,
                    _ => return err("Error in the JQL Query: Expecting ',' or ')' in the list."),
                }
            }
            vs
        } else {
            match self.next() {
                Some(Token::Word(w)) | Some(Token::Quoted(w)) => vec![w],
                _ => {
                    return err(format!(
                        "Error in the JQL Query: Expecting a value after '{}'.",
                        op_text(op)
                    ))
                }
            }
        };
        let mut values = Vec::new();
        for v in raw {
            values.push(self.value(field, &name, v)?);
        }
        Ok(Expr::Clause { field, op, values })
    }

    fn value(&self, field: Field, name: &str, v: String) -> Result<Value, JqlError> {
        match field {
            Field::Updated | Field::Created => parse_date(&v, self.ctx).map(Value::Instant).ok_or_else(|| {
                JqlError(format!(
                    "Date value '{v}' for field '{name}' is invalid. Valid formats include: 'yyyy/MM/dd HH:mm', 'yyyy-MM-dd HH:mm', 'yyyy/MM/dd', 'yyyy-MM-dd', or a period format e.g. '-5d', '4w 2d'."
                ))
            }),
            Field::Project => {
                let found = self.org.teams.iter().any(|t| {
                    t.key.eq_ignore_ascii_case(&v) || t.name.eq_ignore_ascii_case(&v) || t.project_id.to_string() == v
                });
                if found {
                    Ok(Value::Text(v))
                } else {
                    err(format!("The value '{v}' does not exist for the field '{name}'."))
                }
            }
            Field::Key => {
                if self.org.find(&v).is_some() {
                    Ok(Value::Text(v))
                } else {
                    err(format!("An issue with key '{v}' does not exist for field '{name}'."))
                }
            }
            Field::Status => {
                if STATUSES.iter().any(|s| s.name.eq_ignore_ascii_case(&v) || s.id == v) {
                    Ok(Value::Text(v))
                } else {
                    err(format!("The value '{v}' does not exist for the field '{name}'."))
                }
            }
            Field::Resolution => {
                if ["unresolved", "empty", "null", "done", "10000"].contains(&v.to_ascii_lowercase().as_str()) {
                    Ok(Value::Text(v))
                } else {
                    err(format!("The value '{v}' does not exist for the field '{name}'."))
                }
            }
            Field::Sprint => {
                let lower = v.to_ascii_lowercase();
                let known = lower.ends_with("()")
                    || lower == "empty"
                    || lower == "null"
                    || self.org.sprints.iter().any(|s| s.id.to_string() == v || s.name.eq_ignore_ascii_case(&v));
                if known {
                    Ok(Value::Text(v))
                } else {
                    err(format!("The value '{v}' does not exist for the field '{name}'."))
                }
            }
            Field::Priority => {
                if PRIORITIES.iter().any(|p| p.1.eq_ignore_ascii_case(&v) || p.0 == v) {
                    Ok(Value::Text(v))
                } else {
                    err(format!("The value '{v}' does not exist for the field '{name}'."))
                }
            }
            _ => Ok(Value::Text(v)),
        }
    }
}

fn op_text(op: Op) -> &'static str {
    match op {
        Op::Eq => "=",
        Op::Ne => "!=",
        Op::Gt => ">",
        Op::Ge => ">=",
        Op::Lt => "<",
        Op::Le => "<=",
        Op::In => "in",
        Op::NotIn => "not in",
    }
}

/// A JQL date value as an instant: absolute formats are read in the caller's
/// time zone at minute (or day) granularity; `-5d`, `-4w 2d`, `-15m` are
/// relative to now; a bare number is milliseconds since the epoch.
pub(crate) fn parse_date(v: &str, ctx: JqlContext) -> Option<DateTime<Utc>> {
    let v = v.trim();
    for fmt in ["%Y/%m/%d %H:%M", "%Y-%m-%d %H:%M"] {
        if let Ok(naive) = NaiveDateTime::parse_from_str(v, fmt) {
            return local(naive, ctx.tz);
        }
    }
    for fmt in ["%Y/%m/%d", "%Y-%m-%d"] {
        if let Ok(d) = NaiveDate::parse_from_str(v, fmt) {
            return local(d.and_hms_opt(0, 0, 0)?, ctx.tz);
        }
    }
    if !v.is_empty() && v.chars().all(|c| c.is_ascii_digit()) && v.len() > 6 {
        return DateTime::from_timestamp_millis(v.parse().ok()?);
    }
    relative(v).map(|d| ctx.now + d)
}

fn local(naive: NaiveDateTime, tz: Tz) -> Option<DateTime<Utc>> {
    // In a DST gap the wall time does not exist; JIRA moves it forward.
    tz.from_local_datetime(&naive)
        .earliest()
        .or_else(|| tz.from_local_datetime(&(naive + Duration::hours(1))).earliest())
        .map(|t| t.with_timezone(&Utc))
}

fn relative(v: &str) -> Option<Duration> {
    let (sign, rest) = match v.strip_prefix('-') {
        Some(r) => (-1, r),
        None => (1, v.strip_prefix('+').unwrap_or(v)),
    };
    let mut total = Duration::zero();
    let mut any = false;
    for part in rest.split_whitespace() {
        let (num, unit) =
            part.split_at(part.find(|c: char| !c.is_ascii_digit()).unwrap_or(part.len()));
        let n: i64 = num.parse().ok()?;
        total += match unit {
            "w" => Duration::weeks(n),
            "d" => Duration::days(n),
            "h" => Duration::hours(n),
            "m" | "" => Duration::minutes(n),
            _ => return None,
        };
        any = true;
    }
    any.then_some(total * sign)
}

impl Query {
    /// Whether the query restricts the search (JIRA refuses unbounded ones on `/search/jql`).
    pub(crate) fn is_bounded(&self) -> bool {
        self.filter.is_some()
    }

    /// Whether `issue` matches the filter.
    pub(crate) fn matches(&self, issue: &Issue, org: &Org) -> bool {
        self.filter.as_ref().is_none_or(|f| eval(f, issue, org))
    }

    /// Compares two issues by `ORDER BY` (JIRA's default is `key DESC`-like
    /// creation order, newest first), with the id as a stable tie-breaker.
    pub(crate) fn compare(&self, a: &Issue, b: &Issue) -> Ordering {
        let default = [(SortField::Id, false)];
        let order: &[(SortField, bool)] =
            if self.order.is_empty() { &default } else { &self.order };
        for (field, asc) in order {
            let o = match field {
                SortField::Updated => a.updated.cmp(&b.updated),
                SortField::Created => a.created.cmp(&b.created),
                SortField::Key => {
                    (a.team, a.number).cmp(&(b.team, b.number)).then_with(|| a.key.cmp(&b.key))
                }
                SortField::Id => a.id.cmp(&b.id),
                // Highest first when ascending, as JIRA sorts priorities by their rank.
                SortField::Priority => a.priority.cmp(&b.priority),
                SortField::Rank => a.rank.cmp(&b.rank),
            };
            let o = if *asc { o } else { o.reverse() };
            if o != Ordering::Equal {
                return o;
            }
        }
        a.id.cmp(&b.id)
    }
}

fn eval(e: &Expr, i: &Issue, org: &Org) -> bool {
    match e {
        Expr::And(a, b) => eval(a, i, org) && eval(b, i, org),
        Expr::Or(a, b) => eval(a, i, org) || eval(b, i, org),
        Expr::Not(a) => !eval(a, i, org),
        Expr::Clause { field, op, values } => {
            let any = |f: &dyn Fn(&Value) -> bool| values.iter().any(f);
            let text = |v: &Value| match v {
                Value::Text(t) => t.clone(),
                Value::Instant(_) => String::new(),
            };
            match field {
                Field::Updated | Field::Created => {
                    let at = if *field == Field::Updated { i.updated } else { i.created };
                    let Some(Value::Instant(v)) = values.first() else { return false };
                    match op {
                        Op::Eq => at == *v,
                        Op::Ne => at != *v,
                        Op::Gt => at > *v,
                        Op::Ge => at >= *v,
                        Op::Lt => at < *v,
                        Op::Le => at <= *v,
                        Op::In => values.contains(&Value::Instant(at)),
                        Op::NotIn => !values.contains(&Value::Instant(at)),
                    }
                }
                _ => {
                    let hit = any(&|v| {
                        let t = text(v);
                        match field {
                            Field::Project => {
                                let team = &org.teams[i.team];
                                team.key.eq_ignore_ascii_case(&t)
                                    || team.name.eq_ignore_ascii_case(&t)
                                    || team.project_id.to_string() == t
                            }
                            Field::Key => i.key.eq_ignore_ascii_case(&t) || i.id.to_string() == t,
                            Field::Status => {
                                let s = STATUSES[i.status as usize];
                                s.name.eq_ignore_ascii_case(&t) || s.id == t
                            }
                            Field::StatusCategory => {
                                let c = STATUSES[i.status as usize].category;
                                c.name().eq_ignore_ascii_case(&t)
                                    || c.key().eq_ignore_ascii_case(&t)
                                    || c.id().to_string() == t
                            }
                            Field::IssueType => {
                                i.kind.name().eq_ignore_ascii_case(&t) || i.kind.id() == t
                            }
                            Field::Priority => {
                                let p = PRIORITIES[i.priority as usize];
                                p.1.eq_ignore_ascii_case(&t) || p.0 == t
                            }
                            Field::Labels if is_empty_word(&t) => i.labels.is_empty(),
                            Field::Labels => i.labels.iter().any(|l| l.eq_ignore_ascii_case(&t)),
                            Field::Resolution
                                if is_empty_word(&t) || t.eq_ignore_ascii_case("unresolved") =>
                            {
                                i.status != crate::org::DONE
                            }
                            Field::Resolution => i.status == crate::org::DONE,
                            Field::Sprint if is_empty_word(&t) => i.sprints.is_empty(),
                            Field::Sprint => {
                                let state = match t.as_str() {
                                    "opensprints()" => {
                                        Some([SprintState::Active, SprintState::Future].as_slice())
                                    }
                                    "closedsprints()" => Some([SprintState::Closed].as_slice()),
                                    "futuresprints()" => Some([SprintState::Future].as_slice()),
                                    _ => None,
                                };
                                i.sprints.iter().filter_map(|s| org.sprint(*s)).any(|s| match state
                                {
                                    Some(states) => states.contains(&s.state),
                                    None => {
                                        s.id.to_string() == t || s.name.eq_ignore_ascii_case(&t)
                                    }
                                })
                            }
                            Field::Updated | Field::Created => false,
                        }
                    });
                    match op {
                        Op::Eq | Op::In => hit,
                        Op::Ne | Op::NotIn => !hit,
                        Op::Gt | Op::Ge | Op::Lt | Op::Le => key_compare(i, org, *op, values),
                    }
                }
            }
        }
    }
}

fn is_empty_word(t: &str) -> bool {
    t.eq_ignore_ascii_case("empty") || t.eq_ignore_ascii_case("null")
}

fn key_compare(i: &Issue, org: &Org, op: Op, values: &[Value]) -> bool {
    let Some(Value::Text(t)) = values.first() else { return false };
    let Some(other) = org.find(t).map(|n| &org.issues[n]) else { return false };
    if other.team != i.team {
        return false;
    }
    let o = i.number.cmp(&other.number);
    match op {
        Op::Gt => o == Ordering::Greater,
        Op::Ge => o != Ordering::Less,
        Op::Lt => o == Ordering::Less,
        Op::Le => o != Ordering::Greater,
        _ => false,
    }
}

#[cfg(test)]
mod tests;
