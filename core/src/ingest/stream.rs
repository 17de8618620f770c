//! A single search page (`{"issues": [...], ...}`) read without building a
//! JSON tree: the page's own members are walked here, and each issue is
//! parsed into a typed, borrowed [`RawIssue`] and converted at once.
//!
//! Parsing the issues is most of ingest's time, and each issue parses on its
//! own, so natively the `issues` array is cut into ranges parsed on several
//! threads. Where a range starts is guessed (an object after a comma that
//! reads as an issue) and then checked: the range before it must end exactly
//! there, issue by issue, and the field roles known at its start (learned
//! from earlier changelogs) must be the ones the range assumed; otherwise
//! it is parsed again on the calling thread. Accepted ranges are joined in
//! input order by the calling thread while the workers read on, so the
//! dataset and diagnostics do not depend on the number of threads.

use std::collections::BTreeMap;

use serde::de::IgnoredAny;
use serde::Deserialize;
use serde_json::Value;

use super::fields::{fields_from_value, Roles};
use super::input::{Chunk, Joined};
use super::typed::{self, RawIssue};
use super::IngestOptions;

/// What a streamed page yields.
pub(crate) struct Streamed {
    pub(crate) names: Option<Value>,
    /// The issues, joined in input order.
    pub(crate) issues: Joined,
}

/// Page keys that carry no data ingest reads.
const PAGE_METADATA: [&str; 9] = [
    "expand",
    "startAt",
    "maxResults",
    "total",
    "isLast",
    "nextPageToken",
    "schema",
    "warningMessages",
    "self",
];

/// How to cut the issues array: threads, and the fewest bytes of issues
/// worth a range of their own (below a few MB threads cost more than they
/// save).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Split {
    pub(crate) threads: usize,
    pub(crate) min_bytes: usize,
}

impl Split {
    /// Every core natively, one thread in WASM.
    pub(crate) fn native() -> Split {
        Split { threads: crate::par::threads(), min_bytes: 4 << 20 }
    }
}

/// Reads `input` as one search page; `None` when it is anything else (or
/// holds members other than issues, `names` and paging metadata), for the
/// general path to handle.
pub(crate) fn search_page(input: &str, options: &IngestOptions, split: Split) -> Option<Streamed> {
    let bytes = input.as_bytes();
    let mut pos = skip_ws(bytes, 0);
    if bytes.get(pos) != Some(&b'{') {
        return None;
    }
    pos = skip_ws(bytes, pos + 1);
    let mut roles = Roles::resolve(options, &options.fields);
    let mut names: Option<Value> = None;
    let mut issues = Joined::new(false);
    let mut saw_issues = false;
    if bytes.get(pos) == Some(&b'}') {
        pos += 1;
    } else {
        loop {
            let (typed::Text(key), next) = one::<typed::Text<'_>>(input, pos)?;
            pos = skip_ws(bytes, next);
            if bytes.get(pos) != Some(&b':') {
                return None;
            }
            pos = skip_ws(bytes, pos + 1);
            match key.as_ref() {
                "issues" => {
                    saw_issues = true;
                    let mut reader = Reader::joining(options, &mut roles, &mut issues);
                    pos = issue_array(input, pos, split, &mut reader)?;
                    reader.settle();
                }
                "names" => {
                    let (value, next) = one::<Value>(input, pos)?;
                    pos = next;
                    let mut catalog = options.fields.clone();
                    catalog.merge(&fields_from_value(&value));
                    let learned = std::mem::take(&mut roles);
                    roles = Roles::resolve(options, &catalog);
                    for id in learned.points {
                        if !roles.points.contains(&id) {
                            roles.points.push(id);
                        }
                    }
                    names = Some(value);
                }
                k if PAGE_METADATA.contains(&k) => {
                    pos = one::<IgnoredAny>(input, pos)?.1;
                }
                // Pages that also carry sprints, changelogs or reports go the general way.
                _ => return None,
            }
            pos = skip_ws(bytes, pos);
            match bytes.get(pos) {
                Some(b',') => pos = skip_ws(bytes, pos + 1),
                Some(b'}') => {
                    pos += 1;
                    break;
                }
                _ => return None,
            }
        }
    }
    (skip_ws(bytes, pos) == bytes.len() && saw_issues).then_some(Streamed { names, issues })
}

fn skip_ws(bytes: &[u8], mut pos: usize) -> usize {
    while let Some(b' ' | b'\n' | b'\r' | b'\t') = bytes.get(pos) {
        pos += 1;
    }
    pos
}

/// One JSON value of type `T` starting at `pos`, and the offset just after it.
fn one<'a, T: Deserialize<'a>>(input: &'a str, pos: usize) -> Option<(T, usize)> {
    let mut stream = serde_json::Deserializer::from_str(input.get(pos..)?).into_iter::<T>();
    let value = stream.next()?.ok()?;
    Some((value, pos + stream.byte_offset()))
}

/// How a range of the issues array ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum End {
    /// At the start of the next element, at or past the range's limit.
    Next(usize),
    /// After the array's closing bracket.
    Closed(usize),
}

/// Converts issues in input order, learning field roles from their changelogs.
struct Reader<'r> {
    options: &'r IngestOptions,
    roles: &'r mut Roles,
    /// Issues read here and not yet joined.
    chunk: Chunk,
    /// Where the main thread joins what it and the workers read; `None` in a worker.
    joined: Option<&'r mut Joined>,
}

impl<'r> Reader<'r> {
    fn joining(options: &'r IngestOptions, roles: &'r mut Roles, joined: &'r mut Joined) -> Self {
        Reader { options, roles, chunk: Chunk::default(), joined: Some(joined) }
    }

    /// Joins what was read here so far.
    fn settle(&mut self) {
        if let Some(joined) = self.joined.as_deref_mut() {
            joined.add(std::mem::take(&mut self.chunk));
        }
    }

    /// Joins a worker's range, which follows what was read here.
    #[cfg(not(target_arch = "wasm32"))]
    fn add(&mut self, chunk: Chunk) {
        self.settle();
        match self.joined.as_deref_mut() {
            Some(joined) => joined.add(chunk),
            // Not joining: the range follows what this reader holds.
            None => {
                self.chunk.issues.extend(chunk.issues);
                self.chunk.tally.merge(chunk.tally);
            }
        }
    }

    /// `None` when the page must go to the general reader.
    fn read(&mut self, raw: &RawIssue<'_>) -> Option<()> {
        if raw.needs_general_reader() {
            return None;
        }
        self.chunk.push(typed::parse(raw, self.options, self.roles, &BTreeMap::new()));
        Some(())
    }
}

/// Reads the elements from `pos` (an element's first byte) on, until an
/// element starts at or past `limit` or the array closes; `None` when an
/// element is not an issue the typed reader can read.
fn parse_range(input: &str, mut pos: usize, limit: usize, reader: &mut Reader<'_>) -> Option<End> {
    let bytes = input.as_bytes();
    loop {
        let (raw, next) = one::<RawIssue<'_>>(input, pos)?;
        reader.read(&raw)?;
        pos = skip_ws(bytes, next);
        match bytes.get(pos) {
            Some(b',') => {
                pos = skip_ws(bytes, pos + 1);
                if pos >= limit {
                    return Some(End::Next(pos));
                }
            }
            Some(b']') => return Some(End::Closed(pos + 1)),
            _ => return None,
        }
    }
}

/// Reads the issues array starting at `pos` (its `[`); the offset after it.
fn issue_array(input: &str, pos: usize, split: Split, reader: &mut Reader<'_>) -> Option<usize> {
    let bytes = input.as_bytes();
    if bytes.get(pos) != Some(&b'[') {
        return None;
    }
    let first = skip_ws(bytes, pos + 1);
    if bytes.get(first) == Some(&b']') {
        return Some(first + 1);
    }
    let span = bytes.len() - first;
    if split.threads <= 1 || span < split.min_bytes.saturating_mul(2) {
        return match parse_range(input, first, usize::MAX, reader)? {
            End::Closed(end) => Some(end),
            End::Next(_) => None,
        };
    }
    #[cfg(target_arch = "wasm32")]
    {
        None
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        parallel::issue_array(input, first, split, reader)
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod parallel {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use std::sync::mpsc;

    use super::*;

    /// Just enough of an object to tell an issue from the objects nested in one.
    #[derive(Deserialize)]
    struct Probe<'a> {
        #[serde(borrow)]
        key: Option<super::typed::Text<'a>>,
        id: Option<IgnoredAny>,
        fields: Option<IgnoredAny>,
    }

    /// The first offset at or after `from` that looks like the start of an
    /// element of the issues array: a `{` right after a comma (and
    /// whitespace) opening an object with a key, an id and fields. A wrong
    /// guess (a sub-task inside an issue) is caught when ranges are joined.
    fn guess_start(input: &str, from: usize) -> Option<usize> {
        let bytes = input.as_bytes();
        let mut at = from;
        loop {
            at += bytes.get(at..)?.iter().position(|&b| b == b'{')?;
            let before = bytes[..at].iter().rposition(|b| !b" \n\r\t".contains(b));
            if before.is_some_and(|b| bytes[b] == b',')
                && bytes.get(at + 1) == Some(&b'"')
                && one::<Probe<'_>>(input, at)
                    .is_some_and(|(p, _)| p.key.is_some() && p.id.is_some() && p.fields.is_some())
            {
                return Some(at);
            }
            at += 1;
        }
    }

    /// A range read by a worker: its issues, how it ended and the roles
    /// known after it; `None` when an element could not be read.
    type Range = Option<(Chunk, End, Roles)>;

    /// The first range is read here; the roles known after it are the
    /// guess every other range starts from, read by `split.threads`
    /// workers. Ranges are joined in order as they come in: a range counts
    /// only if the one before ended exactly where it begins and the roles
    /// known at its start are the guess; otherwise it is read again, here,
    /// from where the array really is (up to the next range, which may then
    /// be right), with the roles really known.
    pub(super) fn issue_array(
        input: &str,
        first: usize,
        split: Split,
        reader: &mut Reader<'_>,
    ) -> Option<usize> {
        let span = input.len() - first;
        let wanted = (span / split.min_bytes.max(1)).clamp(2, 4096);
        let mut starts = vec![first];
        for k in 1..wanted {
            let from = (first + span / wanted * k).max(starts[starts.len() - 1] + 1);
            match guess_start(input, from) {
                Some(s) => starts.push(s),
                None => break,
            }
        }
        let limits: Vec<usize> = starts.iter().skip(1).copied().chain([usize::MAX]).collect();
        let mut expected = match parse_range(input, first, limits[0], reader)? {
            End::Next(at) => at,
            End::Closed(end) => return Some(end),
        };
        // Issues per byte in the first range sizes the workers' lists,
        // which otherwise grow by copying every issue read so far.
        let per_issue = (expected - first) / reader.chunk.issues.len().max(1);
        // Joining starts while the workers read.
        reader.settle();
        let guess: Roles = reader.roles.clone();
        let options = reader.options;
        let next = AtomicUsize::new(1);
        let stop = AtomicBool::new(false);
        std::thread::scope(|scope| {
            let (sender, receiver) = mpsc::channel::<(usize, Range)>();
            for _ in 0..split.threads.min(starts.len() - 1) {
                let sender = sender.clone();
                let (starts, limits, next, stop, guess) = (&starts, &limits, &next, &stop, &guess);
                scope.spawn(move || loop {
                    let k = next.fetch_add(1, Ordering::Relaxed);
                    if k >= starts.len() || stop.load(Ordering::Relaxed) {
                        break;
                    }
                    let mut roles = guess.clone();
                    let mut chunk = Chunk::default();
                    let bytes = limits[k].min(input.len()) - starts[k];
                    chunk.issues.reserve(bytes / per_issue.max(1) + 1);
                    let mut reader = Reader { options, roles: &mut roles, chunk, joined: None };
                    let end = parse_range(input, starts[k], limits[k], &mut reader);
                    let chunk = reader.chunk;
                    if sender.send((k, end.map(|end| (chunk, end, roles)))).is_err() {
                        break;
                    }
                });
            }
            drop(sender);
            let mut waiting: BTreeMap<usize, Range> = BTreeMap::new();
            let joined = (1..starts.len()).find_map(|k| {
                let range = loop {
                    if let Some(range) = waiting.remove(&k) {
                        break Some(range);
                    }
                    match receiver.recv() {
                        Ok((j, range)) => {
                            waiting.insert(j, range);
                        }
                        // A worker is gone without its range: read it here.
                        Err(_) => break None,
                    }
                };
                let exact = starts[k] == expected && *reader.roles == guess;
                let end = match range {
                    Some(range) if exact => match range {
                        Some((chunk, end, roles)) => {
                            reader.add(chunk);
                            *reader.roles = roles;
                            Some(end)
                        }
                        None => None,
                    },
                    _ => parse_range(input, expected, limits[k], reader),
                };
                match end {
                    Some(End::Next(at)) => {
                        expected = at;
                        None
                    }
                    Some(End::Closed(end)) => Some(Some(end)),
                    None => Some(None),
                }
            });
            stop.store(true, Ordering::Relaxed);
            joined.flatten()
        })
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::ingest::ingest_str;

    /// A page of `n` issues, some messy; with `subtasks`, every issue holds
    /// sub-tasks (objects that look like issues), so range guesses go wrong.
    fn page(n: usize, subtasks: bool) -> String {
        let issues: Vec<Value> = (0..n)
            .map(|i| {
                let mut issue = serde_json::json!({
                    "id": (10000 + i).to_string(), "key": format!("P-{i}"),
                    "changelog": {"startAt": 0, "maxResults": 2, "total": 2, "histories": [
                        {"id": "1", "created": "2026-01-05T10:00:00.000+0000", "items": [
                            {"field": "status", "fieldtype": "jira", "fieldId": "status",
                             "fromString": "To Do", "toString": "In Progress", "from": "1", "to": "3"}]},
                        {"id": "2", "created": "2026-01-06T10:00:00.000+0000", "items": [
                            {"field": "Link", "fieldtype": "jira", "from": null, "fromString": null,
                             "to": format!("P-{}", i / 2), "toString": format!("This issue is blocked by P-{}", i / 2)}]}]},
                    "fields": {"created": "2026-01-05T09:00:00.000+0000", "updated": "2026-01-06T10:00:00.000+0000",
                        "status": {"name": "In Progress", "statusCategory": {"key": "indeterminate"}},
                        "summary": format!("Issue {i} with \"quotes\", {{\"key\": 1}}, [commas] and \\ é"),
                        "customfield_10016": (i % 8) as f64,
                        "description": {"type": "doc", "content": [{"type": "text", "text": "x".repeat(i % 300)}]}}
                });
                // From issue 1500 on the estimate sits in a field that only a changelog item
                // of issue 1500 names: later ranges must know what earlier ones learned.
                if i >= 1500 {
                    let fields = issue["fields"].as_object_mut().unwrap();
                    fields.remove("customfield_10016");
                    fields.insert("customfield_10099".into(), serde_json::json!(2.0));
                }
                if i == 1500 {
                    issue["changelog"]["histories"][0]["items"]
                        .as_array_mut()
                        .unwrap()
                        .push(serde_json::json!({"field": "Story Points", "fieldtype": "custom",
                            "fieldId": "customfield_10099", "from": null, "fromString": null,
                            "to": null, "toString": "2"}));
                }
                if subtasks {
                    issue["fields"]["subtasks"] = serde_json::json!([
                        {"id": "1", "key": "S-1", "fields": {"summary": "s"}},
                        {"id": "2", "key": "S-2", "fields": {"summary": "t"}}]);
                }
                match i % 97 {
                    // No key: a diagnostic, never a dropped page.
                    5 => drop(issue.as_object_mut().map(|o| o.remove("key"))),
                    // An estimate that is not a number and an unknown priority.
                    11 => {
                        issue["fields"]["customfield_10016"] = serde_json::json!("three");
                        issue["fields"]["priority"] = serde_json::json!({"name": "Urgent-ish"});
                    }
                    // No created date.
                    13 => drop(issue["fields"].as_object_mut().map(|o| o.remove("created"))),
                    _ => {}
                }
                issue
            })
            .collect();
        serde_json::json!({"startAt": 0, "maxResults": n, "total": n, "issues": issues}).to_string()
    }

    fn split(threads: usize) -> Split {
        Split { threads, min_bytes: 16 << 10 }
    }

    #[test]
    fn any_number_of_threads_reads_the_same_dataset_and_diagnostics() {
        let options = IngestOptions::default();
        for subtasks in [false, true] {
            let text = page(2000, subtasks);
            assert!(text.len() > 40 * split(1).min_bytes, "the page is cut into many ranges");
            let one_thread = search_page(&text, &options, split(1)).expect("a search page");
            for threads in [2, 3, 8] {
                let many = search_page(&text, &options, split(threads)).expect("a search page");
                assert_eq!(many.issues, one_thread.issues, "{threads} threads");
                assert_eq!(many.names, one_thread.names);
            }
            // The whole ingest (natively on every core) agrees with the general reader.
            let streamed = ingest_str(&text, &options).unwrap();
            let general = ingest_str(&format!("[{text}]"), &options).unwrap();
            assert_eq!(streamed.dataset, general.dataset);
            assert_eq!(streamed.diagnostics, general.diagnostics);
            assert!(general.diagnostics.iter().any(|d| d.message.contains("Urgent-ish")));
            let without_key = (0..2000).filter(|i| i % 97 == 5).count();
            assert_eq!(streamed.dataset.issues.len(), 2000 - without_key);
            assert!(streamed.dataset.issues.iter().all(|i| i.link_history.len() == 1));
            let late = streamed.dataset.issues.iter().find(|i| i.key.as_str() == "P-1999").unwrap();
            assert_eq!(late.points.map(|p| p.0), Some(2.0));
        }
    }

    #[test]
    fn changelogs_read_typed_as_the_general_reader_reads_them_or_not_at_all() {
        let page = |changelog: &str| {
            format!(
                r#"{{"issues": [{{"id": "1", "key": "P-1", "changelog": {changelog},
                "fields": {{"created": "2026-01-05T09:00:00.000+0000", "updated": "2026-01-07T09:00:00.000+0000",
                "status": {{"name": "Done", "statusCategory": {{"key": "done"}}}}}}}}]}}"#
            )
        };
        let item = |from: &str, to: &str| {
            format!(
                r#"{{"field": "status", "fieldId": "status", "fromString": "{from}", "toString": "{to}"}}"#
            )
        };
        let options = IngestOptions::default();
        let typed = [
            format!(
                r#"{{"startAt": 0, "total": 3, "extra": {{"a": [1]}}, "histories": [
                {{"id": "2", "created": "2026-01-07T09:00:00.000+0000", "items": [{}, {{"fieldId": "x"}}]}},
                {{"created": "2026-01-06T09:00:00.000+0000", "author": {{"name": "a"}}, "items": [{}]}},
                {{"id": 3, "created": "not a date", "items": []}},
                {{"id": "4", "created": "2026-01-06T10:00:00.000+0000"}}]}}"#,
                item("In Progress", "Done"),
                item("To Do", r#"In \"Progress\""#)
            ),
            r#"{"histories": []}"#.to_owned(),
            "{}".to_owned(),
        ];
        for changelog in typed {
            let text = page(&changelog);
            assert!(search_page(&text, &options, split(1)).is_some(), "{changelog}");
            let streamed = ingest_str(&text, &options).unwrap();
            let general = ingest_str(&format!("[{text}]"), &options).unwrap();
            assert_eq!(streamed.dataset, general.dataset, "{changelog}");
            assert_eq!(streamed.diagnostics, general.diagnostics, "{changelog}");
        }
        let first = ingest_str(&page(&typed_first()), &options).unwrap();
        let history = &first.dataset.issues[0].status_history;
        assert_eq!(history.len(), 3, "creation entry and two moves: {history:?}");
        // Repeated or mistyped members leave the page to the general reader.
        for changelog in [
            r#"{"histories": [], "histories": []}"#,
            r#"{"total": 1, "total": 2, "histories": []}"#,
            r#"{"total": -1, "histories": []}"#,
            r#"{"histories": [{"items": null}]}"#,
            r#"{"histories": [{"id": 1, "id": 2}]}"#,
            r#"{"histories": [{"created": {"t": 1}}]}"#,
            r#"{"histories": [{"items": [{"field": 7}]}]}"#,
            r#"{"histories": {"0": {}}}"#,
        ] {
            let text = page(changelog);
            assert!(search_page(&text, &options, split(1)).is_none(), "{changelog}");
            assert_eq!(ingest_str(&text, &options).unwrap().dataset.issues.len(), 1, "{changelog}");
        }
    }

    fn typed_first() -> String {
        r#"{"histories": [
            {"id": "2", "created": "2026-01-07T09:00:00.000+0000", "items": [{"field": "status", "fromString": "In Progress", "toString": "Done"}]},
            {"id": "1", "created": "2026-01-06T09:00:00.000+0000", "items": [{"field": "status", "fromString": "To Do", "toString": "In Progress"}]}]}"#
            .to_owned()
    }

    #[test]
    fn a_member_of_the_wrong_type_fails_the_typed_read_however_many_threads() {
        let options = IngestOptions::default();
        let text = page(2000, false);
        // Near the end, in a range a thread other than the first reads.
        let needle = "\"histories\":[";
        let last = text.rfind(needle).unwrap();
        let rest = &text[last + needle.len()..];
        let broken = format!("{}\"histories\":7,\"h\":[{rest}", &text[..last]);
        assert!(serde_json::from_str::<Value>(&broken).is_ok());
        for threads in [1, 2, 4] {
            assert!(search_page(&broken, &options, split(threads)).is_none());
        }
        // The general reader still reads the page, reporting nothing lost.
        let ingested = ingest_str(&broken, &options).unwrap();
        assert_eq!(ingested.dataset.issues.len(), 2000 - (0..2000).filter(|i| i % 97 == 5).count());
        // Not one page: trailing data, or a page with other members, is not streamed.
        assert!(search_page(&format!("{text}\n{text}"), &options, split(2)).is_none());
        let other = text.replacen("{\"issues\"", "{\"sprints\": [], \"issues\"", 1);
        assert!(search_page(&other, &options, split(2)).is_none());
    }
}
