//! A byte-level reader for one issue of a streamed search page, producing
//! the same [`RawIssue`] as its serde derive but without serde's per-value
//! dispatch: members ingest never reads (changelog authors, avatars, rich
//! text, most of a Cloud export's bytes) are passed over by a validating
//! skipper that finds string ends with `memchr2`, and only the members
//! ingest reads are decoded.
//!
//! The reader is conservative: it gives up (`None`) on anything it is not
//! sure to read exactly as serde would — an escaped member name, a
//! duplicate member in a record serde derives, a value of an unexpected
//! type, nesting deeper than [`MAX_DEPTH`] — and the caller then reads the
//! same bytes with serde, so the outcome on odd input is serde's. It never
//! accepts what serde would reject: skipped values are checked against the
//! JSON grammar as serde checks the values it ignores (control characters
//! in strings, escapes, numbers, literals, commas).

use std::borrow::Cow;

use serde::de::{DeserializeSeed, IgnoredAny};
use serde_json::Value;

use super::changelog::{RawChangelog, RawHistory, RawItem};
use super::pruned;
use super::typed::{Fields, Named, Parent, ParentFields, RawIssue, Scalar};

/// Deeper nesting than this is left to serde, whose own limit is 128 levels
/// from wherever a value's parsing starts.
const MAX_DEPTH: usize = 100;

/// One issue object starting at `pos` (its `{`), and the offset just after
/// it; `None` to let serde read it instead.
///
/// `clean` carries what is known about control characters from one issue
/// to the next of the same input, so each byte is checked about once.
pub(crate) fn raw_issue<'a>(
    input: &'a str,
    pos: usize,
    clean: &mut Clean,
) -> Option<(RawIssue<'a>, usize)> {
    let mut cursor =
        Cursor { input, bytes: input.as_bytes(), pos, clean_from: clean.0, clean_to: clean.1 };
    let issue = cursor.issue();
    *clean = Clean(cursor.clean_from, cursor.clean_to);
    Some((issue?, cursor.pos))
}

/// A window of an input known to hold no control character.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Clean(usize, usize);

struct Cursor<'a> {
    input: &'a str,
    bytes: &'a [u8],
    pos: usize,
    /// A window of the input known to hold no control character.
    clean_from: usize,
    clean_to: usize,
}

fn special(b: u8) -> bool {
    b == b'"' || b == b'\\' || b < 0x20
}

/// The first quote, backslash or control character (which JSON strings may
/// not hold) in `bytes`, eight bytes at a time: a byte below 0x20 or equal
/// to one of the two sets its top bit after subtracting (Mycroft's zero-byte
/// test).
fn find_special(bytes: &[u8]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let mut chunks = bytes.chunks_exact(8);
    let mut offset = 0;
    for chunk in chunks.by_ref() {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let v = u64::from_le_bytes(word);
        let control = v.wrapping_sub(ONES * 0x20) & !v;
        let q = v ^ (ONES * u64::from(b'"'));
        let quote = q.wrapping_sub(ONES) & !q;
        let s = v ^ (ONES * u64::from(b'\\'));
        let slash = s.wrapping_sub(ONES) & !s;
        let found = (control | quote | slash) & HIGH;
        if found != 0 {
            return Some(offset + found.trailing_zeros() as usize / 8);
        }
        offset += 8;
    }
    chunks.remainder().iter().position(|&b| special(b)).map(|p| offset + p)
}

/// How far ahead long strings check the input for control characters.
const CLEAN_WINDOW: usize = 16 << 10;

/// The smallest byte (0xFF for none), in a form the compiler vectorises.
fn lowest(bytes: &[u8]) -> u8 {
    bytes.chunks(64).map(|c| c.iter().fold(0xFF, |m: u8, &b| m.min(b))).min().unwrap_or(0xFF)
}

/// A set of member names seen in a record, to refuse duplicates as serde's
/// derive does.
#[derive(Default)]
struct Seen(u32);

impl Seen {
    fn first(&mut self, bit: u32) -> Option<()> {
        let fresh = self.0 & (1 << bit) == 0;
        self.0 |= 1 << bit;
        fresh.then_some(())
    }
}

impl<'a> Cursor<'a> {
    /// Whether `bytes[from..to]` is free of control characters, checking
    /// ahead in windows: a clean window lets later strings skip the check.
    fn clean(&mut self, from: usize, to: usize) -> bool {
        if from >= self.clean_from && to <= self.clean_to {
            return true;
        }
        // Grow the window when `from` lies in it, else start a new one at `from`.
        let start =
            if (self.clean_from..=self.clean_to).contains(&from) { self.clean_to } else { from };
        let end = to.max(start + CLEAN_WINDOW).min(self.bytes.len());
        if lowest(&self.bytes[start..end]) >= 0x20 {
            if start != self.clean_to {
                self.clean_from = start;
            }
            self.clean_to = end;
            return true;
        }
        lowest(&self.bytes[from..to]) >= 0x20
    }

    fn ws(&mut self) {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.bytes.get(self.pos) {
            self.pos += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn eat(&mut self, byte: u8) -> Option<()> {
        (self.peek()? == byte).then(|| self.pos += 1)
    }

    fn literal(&mut self, word: &[u8]) -> Option<()> {
        (self.bytes.get(self.pos..self.pos + word.len())? == word).then(|| self.pos += word.len())
    }

    /// Passes over a string (the cursor at its opening quote): the span of
    /// its contents and whether it holds escapes.
    fn string_span(&mut self) -> Option<(usize, usize, bool)> {
        self.eat(b'"')?;
        let start = self.pos;
        let mut escaped = false;
        loop {
            let rest = self.bytes.get(self.pos..)?;
            let head = rest.len().min(16);
            let at = match find_special(&rest[..head]) {
                Some(at) => at,
                None => {
                    // A long string (avatar and self URLs): `memchr2` finds its end,
                    // and control characters are looked for once per window of input.
                    let tail = &rest[head..];
                    let at = head + memchr::memchr2(b'"', b'\\', tail)?;
                    if !self.clean(self.pos + head, self.pos + at) {
                        head + find_special(tail)?
                    } else {
                        at
                    }
                }
            };
            self.pos += at;
            if rest[at] < 0x20 {
                return None;
            }
            if rest[at] == b'"' {
                let end = self.pos;
                self.pos += 1;
                return Some((start, end, escaped));
            }
            escaped = true;
            match *self.bytes.get(self.pos + 1)? {
                b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => self.pos += 2,
                b'u' => {
                    let hex = self.bytes.get(self.pos + 2..self.pos + 6)?;
                    if !hex.iter().all(u8::is_ascii_hexdigit) {
                        return None;
                    }
                    self.pos += 6;
                }
                _ => return None,
            }
        }
    }

    /// A string value, borrowed unless it holds escapes (decoded by serde,
    /// which also refuses lone surrogates).
    fn string(&mut self) -> Option<Cow<'a, str>> {
        let (start, end, escaped) = self.string_span()?;
        if escaped {
            serde_json::from_str::<String>(self.input.get(start - 1..end + 1)?).ok().map(Cow::Owned)
        } else {
            self.input.get(start..end).map(Cow::Borrowed)
        }
    }

    /// A member name; escaped names are left to serde.
    fn name(&mut self) -> Option<&'a [u8]> {
        let (start, end, escaped) = self.string_span()?;
        if escaped {
            return None;
        }
        self.ws();
        self.eat(b':')?;
        self.ws();
        self.bytes.get(start..end)
    }

    fn number(&mut self) -> Option<()> {
        let digits = |c: &mut Self| {
            let from = c.pos;
            while c.peek().is_some_and(|b| b.is_ascii_digit()) {
                c.pos += 1;
            }
            (c.pos > from).then_some(())
        };
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.peek()? {
            b'0' => self.pos += 1,
            b'1'..=b'9' => digits(self)?,
            _ => return None,
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            digits(self)?;
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.pos += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.pos += 1;
            }
            digits(self)?;
        }
        Some(())
    }

    /// Passes over any value, checking it is well-formed JSON.
    fn skip(&mut self, depth: usize) -> Option<()> {
        if depth > MAX_DEPTH {
            return None;
        }
        match self.peek()? {
            b'"' => self.string_span().map(drop),
            b'{' => {
                self.pos += 1;
                self.ws();
                if self.peek()? == b'}' {
                    self.pos += 1;
                    return Some(());
                }
                loop {
                    self.string_span()?;
                    self.ws();
                    self.eat(b':')?;
                    self.ws();
                    self.skip(depth + 1)?;
                    if self.next_member(b'}')? {
                        return Some(());
                    }
                }
            }
            b'[' => {
                self.pos += 1;
                self.ws();
                if self.peek()? == b']' {
                    self.pos += 1;
                    return Some(());
                }
                loop {
                    self.skip(depth + 1)?;
                    if self.next_member(b']')? {
                        return Some(());
                    }
                }
            }
            b't' => self.literal(b"true"),
            b'f' => self.literal(b"false"),
            b'n' => self.literal(b"null"),
            b'-' | b'0'..=b'9' => self.number(),
            _ => None,
        }
    }

    /// After a member or element: `Some(true)` at the closing `close`,
    /// `Some(false)` after a comma (with another member to come).
    fn next_member(&mut self, close: u8) -> Option<bool> {
        self.ws();
        match self.peek()? {
            b',' => {
                self.pos += 1;
                self.ws();
                // A trailing comma is an error for serde.
                (self.peek()? != close).then_some(false)
            }
            b if b == close => {
                self.pos += 1;
                Some(true)
            }
            _ => None,
        }
    }

    /// Walks an object's members (the cursor at its `{`), handing each
    /// member's name to `member`, which must consume the value.
    fn object(&mut self, mut member: impl FnMut(&mut Self, &'a [u8]) -> Option<()>) -> Option<()> {
        self.eat(b'{')?;
        self.ws();
        if self.peek()? == b'}' {
            self.pos += 1;
            return Some(());
        }
        loop {
            let name = self.name()?;
            member(self, name)?;
            if self.next_member(b'}')? {
                return Some(());
            }
        }
    }

    /// Walks an array's elements (the cursor at its `[`).
    fn array(&mut self, mut element: impl FnMut(&mut Self) -> Option<()>) -> Option<()> {
        self.eat(b'[')?;
        self.ws();
        if self.peek()? == b']' {
            self.pos += 1;
            return Some(());
        }
        loop {
            element(self)?;
            if self.next_member(b']')? {
                return Some(());
            }
        }
    }

    fn is_null(&self) -> bool {
        self.bytes.get(self.pos..self.pos + 4) == Some(b"null")
    }

    /// `null` as `None`, else what `read` gives, as serde reads an `Option`.
    fn option<T>(&mut self, read: impl FnOnce(&mut Self) -> Option<T>) -> Option<Option<T>> {
        if self.is_null() {
            self.pos += 4;
            return Some(None);
        }
        read(self).map(Some)
    }

    fn scalar(&mut self) -> Option<Scalar<'a>> {
        Some(match self.peek()? {
            b'"' => Scalar::Str(self.string()?),
            b'n' => {
                self.literal(b"null")?;
                Scalar::Null
            }
            b't' => {
                self.literal(b"true")?;
                Scalar::Bool(true)
            }
            b'f' => {
                self.literal(b"false")?;
                Scalar::Bool(false)
            }
            b'-' | b'0'..=b'9' => {
                // Numbers are rare in the members read; serde decides their kind.
                let start = self.pos;
                self.number()?;
                serde_json::from_str(self.input.get(start..self.pos)?).ok()?
            }
            _ => return None,
        })
    }

    /// A string or `null`, as serde reads an `Option<Cow<str>>`.
    fn opt_string(&mut self) -> Option<Option<Cow<'a, str>>> {
        self.option(Self::string)
    }

    /// Any value, parsed into a pruned [`Value`] by serde once its extent is
    /// known (these members are a few percent of the bytes).
    fn pruned(&mut self, depth: usize) -> Option<Value> {
        let start = self.pos;
        self.skip(depth)?;
        let mut de = serde_json::Deserializer::from_str(self.input.get(start..self.pos)?);
        pruned::seed().deserialize(&mut de).ok()
    }

    fn issue(&mut self) -> Option<RawIssue<'a>> {
        let mut issue = RawIssue {
            key: Scalar::Absent,
            id: Scalar::Absent,
            fields: None,
            changelog: None,
            issue: None,
        };
        let mut seen = Seen::default();
        self.object(|c, name| {
            match name {
                b"key" => {
                    seen.first(0)?;
                    issue.key = c.scalar()?;
                }
                b"id" => {
                    seen.first(1)?;
                    issue.id = c.scalar()?;
                }
                b"fields" => {
                    seen.first(2)?;
                    issue.fields = c.option(Self::fields)?;
                }
                b"changelog" => {
                    seen.first(3)?;
                    issue.changelog = c.option(Self::changelog)?;
                }
                b"issue" => {
                    seen.first(4)?;
                    issue.issue = c.option(|c| c.skip(1).map(|()| IgnoredAny))?;
                }
                _ => c.skip(1)?,
            }
            Some(())
        })?;
        Some(issue)
    }

    fn fields(&mut self) -> Option<Fields<'a>> {
        let mut out = Fields::default();
        self.object(|c, name| {
            match name {
                b"created" => out.created = c.scalar()?,
                b"updated" => out.updated = c.scalar()?,
                b"resolutiondate" => out.resolutiondate = c.scalar()?,
                b"duedate" => out.duedate = c.scalar()?,
                b"summary" => out.summary = c.scalar()?,
                b"status" => out.status = c.option(|c| c.named(2))?,
                b"priority" => out.priority = c.option(|c| c.named(2))?,
                b"issuetype" => out.issuetype = c.option(|c| c.named(2))?,
                b"project" => out.project = c.option(|c| c.named(2))?,
                b"assignee" => out.assignee = c.option(|c| c.named(2))?,
                b"epic" => out.epic = c.option(|c| c.named(2))?,
                b"parent" => out.parent = c.option(Self::parent)?,
                b"labels" => {
                    out.labels = c.option(|c| {
                        let mut labels = Vec::new();
                        c.array(|c| c.scalar().map(|s| labels.push(s)))?;
                        Some(labels)
                    })?;
                }
                _ => {
                    // Names are ASCII here: escaped ones were refused.
                    let key = std::str::from_utf8(name).ok()?;
                    if pruned::skipped_in_lean_issue(key) {
                        c.skip(2)?;
                    } else if c.is_null() {
                        // Every reader treats a null member as a missing one.
                        c.pos += 4;
                    } else {
                        let value = c.pruned(2)?;
                        out.other.0.push((Cow::Borrowed(key), value));
                    }
                }
            }
            Some(())
        })?;
        Some(out)
    }

    fn named(&mut self, depth: usize) -> Option<Named<'a>> {
        if depth > MAX_DEPTH {
            return None;
        }
        let mut out = Named::default();
        let mut seen = Seen::default();
        self.object(|c, name| {
            match name {
                b"name" => {
                    seen.first(0)?;
                    out.name = c.scalar()?;
                }
                b"key" => {
                    seen.first(1)?;
                    out.key = c.scalar()?;
                }
                b"displayName" => {
                    seen.first(2)?;
                    out.display_name = c.scalar()?;
                }
                b"hierarchyLevel" => {
                    seen.first(3)?;
                    out.hierarchy_level = c.scalar()?;
                }
                b"statusCategory" => {
                    seen.first(4)?;
                    out.status_category = c.option(|c| c.named(depth + 1).map(Box::new))?;
                }
                _ => c.skip(depth + 1)?,
            }
            Some(())
        })?;
        Some(out)
    }

    fn parent(&mut self) -> Option<Parent<'a>> {
        let mut out = Parent::default();
        let mut seen = Seen::default();
        self.object(|c, name| {
            match name {
                b"key" => {
                    seen.first(0)?;
                    out.key = c.scalar()?;
                }
                b"fields" => {
                    seen.first(1)?;
                    out.fields = c.option(|c| {
                        let mut fields = ParentFields::default();
                        let mut seen = Seen::default();
                        c.object(|c, name| {
                            if name == b"issuetype" {
                                seen.first(0)?;
                                fields.issuetype = c.option(|c| c.named(4))?;
                            } else {
                                c.skip(4)?;
                            }
                            Some(())
                        })?;
                        Some(fields)
                    })?;
                }
                _ => c.skip(3)?,
            }
            Some(())
        })?;
        Some(out)
    }

    fn changelog(&mut self) -> Option<RawChangelog<'a>> {
        let mut out = RawChangelog { histories: Vec::new(), total: None };
        let mut seen = Seen::default();
        self.object(|c, name| {
            match name {
                b"histories" => {
                    seen.first(0)?;
                    c.array(|c| {
                        let history = c.history()?;
                        out.histories.push(history);
                        Some(())
                    })?;
                }
                b"total" => {
                    seen.first(1)?;
                    out.total = c.option(Self::count)?;
                }
                _ => c.skip(2)?,
            }
            Some(())
        })?;
        Some(out)
    }

    /// A plain non-negative integer that fits a `u64`; anything else is
    /// left to serde.
    fn count(&mut self) -> Option<u64> {
        let start = self.pos;
        self.number()?;
        self.input.get(start..self.pos)?.parse().ok()
    }

    fn history(&mut self) -> Option<RawHistory<'a>> {
        let mut out = RawHistory { id: Scalar::Absent, created: Scalar::Absent, items: Vec::new() };
        let mut seen = Seen::default();
        self.object(|c, name| {
            match name {
                b"id" => {
                    seen.first(0)?;
                    out.id = c.scalar()?;
                }
                b"created" => {
                    seen.first(1)?;
                    out.created = c.scalar()?;
                }
                b"items" => {
                    seen.first(2)?;
                    c.array(|c| {
                        let item = c.item()?;
                        out.items.push(item);
                        Some(())
                    })?;
                }
                _ => c.skip(4)?,
            }
            Some(())
        })?;
        Some(out)
    }

    fn item(&mut self) -> Option<RawItem<'a>> {
        let mut out = RawItem {
            field: None,
            field_id: None,
            from: None,
            from_string: None,
            to: None,
            to_string: None,
        };
        let mut seen = Seen::default();
        self.object(|c, name| {
            let (bit, slot) = match name {
                b"field" => (0, &mut out.field),
                b"fieldId" => (1, &mut out.field_id),
                b"from" => (2, &mut out.from),
                b"fromString" => (3, &mut out.from_string),
                b"to" => (4, &mut out.to),
                b"toString" => (5, &mut out.to_string),
                _ => return c.skip(5),
            };
            seen.first(bit)?;
            *slot = c.opt_string()?;
            Some(())
        })?;
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    /// Whether the byte-level reader accepts `text` as a value, compared
    /// with serde ignoring it.
    fn skips(text: &str) -> bool {
        let mut cursor =
            Cursor { input: text, bytes: text.as_bytes(), pos: 0, clean_from: 0, clean_to: 0 };
        cursor.skip(0).is_some() && cursor.pos == text.len()
    }

    #[test]
    fn the_skipper_accepts_exactly_what_serde_accepts_on_these_values() {
        let cases = [
            r#"{"a": [1, -2.5e+3, true, false, null, "x\"y\\z\u00e9\n"], "b": {}}"#,
            r#"[]"#,
            r#"{"a":1,}"#,
            r#"[1,]"#,
            r#"[01]"#,
            r#"[1.]"#,
            r#"[.5]"#,
            r#"[-]"#,
            r#"[1e]"#,
            r#"["a\x"]"#,
            r#"["\u12G4"]"#,
            "[\"tab\there\"]",
            r#"{"a" 1}"#,
            r#"{1: 2}"#,
            r#"[tru]"#,
            r#"[nul]"#,
            r#"["unterminated]"#,
            r#"{"a": [1, 2}"#,
            r#"[1 2]"#,
            r#"{"a": 1 "b": 2}"#,
            "[\"\u{e9}\u{1F600}\"]",
        ];
        let long = "x".repeat(40);
        let long_cases = [
            // Control characters past the first sixteen bytes of a long string,
            // after a long clean string, and newlines between tokens.
            format!("[\"{long}\", \"{long}\u{1}\"]"),
            format!("[\"{long}\",\n \"{long}\"]"),
            format!("[\"{long}\",\n \"{long}\n\"]"),
            format!("[\"{long}\\\"{long}\u{1f}\"]"),
            format!("[\"{long}\\u00e9{long}\"]"),
        ];
        for case in cases.iter().copied().chain(long_cases.iter().map(String::as_str)) {
            let serde_ok = serde_json::from_str::<IgnoredAny>(case).is_ok();
            assert_eq!(skips(case), serde_ok, "{case}");
        }
        let deep = format!("{}{}", "[".repeat(MAX_DEPTH + 2), "]".repeat(MAX_DEPTH + 2));
        assert!(!skips(&deep), "deep nesting is left to serde");
    }
}

/// The byte-level reader against serde's: on real payloads, sim exports and
/// mutated inputs, every issue it accepts reads exactly as serde reads it,
/// and whole pages stream to the same issues and diagnostics either way.
#[cfg(all(test, not(target_arch = "wasm32")))]
mod equivalence {
    use std::path::Path;

    use proptest::prelude::*;

    use super::*;
    use crate::ingest::stream::{search_page, Split};
    use crate::ingest::{ingest_str, IngestOptions};

    /// Serde's reading of the issue at `pos`, as the stream reads it.
    fn serde_issue(input: &str, pos: usize) -> Option<(RawIssue<'_>, usize)> {
        let mut stream = serde_json::Deserializer::from_str(input.get(pos..)?).into_iter();
        let raw: RawIssue<'_> = stream.next()?.ok()?;
        Some((raw, pos + stream.byte_offset()))
    }

    /// Whenever the byte-level reader accepts the issue at `pos`, serde
    /// reads the same record ending at the same offset.
    fn agrees_at(input: &str, pos: usize) -> Result<bool, TestCaseError> {
        let Some((raw, end)) = raw_issue(input, pos, &mut Clean::default()) else {
            return Ok(false);
        };
        let Some((expected, expected_end)) = serde_issue(input, pos) else {
            return Err(TestCaseError::fail(format!("accepted what serde refuses at {pos}")));
        };
        prop_assert_eq!(format!("{raw:?}"), format!("{expected:?}"));
        prop_assert_eq!(end, expected_end);
        Ok(true)
    }

    fn split(fast: bool) -> Split {
        Split { threads: 1, min_bytes: usize::MAX, fast }
    }

    /// A streamed page reads the same with and without the byte-level
    /// reader (issues, diagnostics, `names`), including when neither streams.
    fn same_stream(text: &str) -> Result<(), TestCaseError> {
        let options = IngestOptions::default();
        let fast = search_page(text, &options, split(true)).map(|s| (s.issues, s.names));
        let serde = search_page(text, &options, split(false)).map(|s| (s.issues, s.names));
        prop_assert_eq!(fast, serde);
        Ok(())
    }

    /// Every object with `key` and `fields`, at any depth.
    fn issue_objects(value: &Value, out: &mut Vec<Value>) {
        match value {
            Value::Object(map) => {
                if map.contains_key("key") && map.contains_key("fields") {
                    out.push(value.clone());
                }
                map.values().for_each(|v| issue_objects(v, out));
            }
            Value::Array(items) => items.iter().for_each(|v| issue_objects(v, out)),
            _ => {}
        }
    }

    fn json_files(dir: &Path, out: &mut Vec<String>) {
        let Ok(entries) = std::fs::read_dir(dir) else { return };
        let mut paths: Vec<_> = entries.flatten().map(|e| e.path()).collect();
        paths.sort();
        for path in paths {
            if path.is_dir() {
                json_files(&path, out);
            } else if path.extension().is_some_and(|e| e == "json") {
                out.extend(std::fs::read_to_string(&path).ok());
            }
        }
    }

    fn sim_export() -> String {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/sim/tiny-export-16.json");
        std::fs::read_to_string(path).unwrap()
    }

    #[test]
    fn real_payloads_and_sim_exports_read_as_serde_reads_them() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut texts = Vec::new();
        json_files(&root.join("testdata"), &mut texts);
        // The shared sample set, where the checkout has it next to the workspace.
        json_files(&root.join("../../shared/jira/samples"), &mut texts);
        let mut issues = Vec::new();
        for text in &texts {
            if let Ok(value) = serde_json::from_str::<Value>(text) {
                issue_objects(&value, &mut issues);
            }
        }
        assert!(issues.len() > 30, "fixtures hold issues: {}", issues.len());
        let options = IngestOptions::default();
        let mut accepted = 0;
        for issue in &issues {
            for text in [issue.to_string(), serde_json::to_string_pretty(issue).unwrap()] {
                accepted += usize::from(agrees_at(&text, 0).unwrap());
            }
            // One page per issue: streamed (fast or not) and general agree.
            let page = format!("{{\"issues\": [{issue}]}}");
            same_stream(&page).unwrap();
            let streamed = ingest_str(&page, &options).unwrap();
            let general = ingest_str(&format!("[{page}]"), &options).unwrap();
            assert_eq!(streamed.dataset, general.dataset, "{issue}");
            assert_eq!(streamed.diagnostics, general.diagnostics, "{issue}");
        }
        assert_eq!(accepted, issues.len() * 2, "the reader takes every real issue itself");
        // A whole sim export, compact and pretty-printed.
        let export = sim_export();
        let pretty =
            serde_json::to_string_pretty(&serde_json::from_str::<Value>(&export).unwrap()).unwrap();
        for text in [&export, &pretty] {
            same_stream(text).unwrap();
            let streamed = ingest_str(text, &options).unwrap();
            let general = ingest_str(&format!("[{text}]"), &options).unwrap();
            assert_eq!(streamed.dataset, general.dataset);
            assert_eq!(streamed.diagnostics, general.diagnostics);
        }
    }

    /// Text edits that break or bend JSON where the reader has to decide.
    const EDITS: [&str; 18] = [
        "\"",
        "\\",
        "{",
        "}",
        "[",
        "]",
        ",",
        ":",
        "0",
        "-",
        "e",
        "null",
        "\u{1}",
        "\\u12",
        "\\ud800",
        " ",
        "\"key\": 1, ",
        "\"fields\": null, ",
    ];

    /// Values dropped into an issue where the reader expects something else.
    fn odd_value() -> impl Strategy<Value = Value> {
        prop_oneof![
            Just(Value::Null),
            Just(serde_json::json!(true)),
            Just(serde_json::json!(7)),
            Just(serde_json::json!(-1.5e300)),
            Just(serde_json::json!(18446744073709551615u64)),
            Just(serde_json::json!("esc\"aped \\ \u{e9} \u{1F600}")),
            Just(serde_json::json!([])),
            Just(serde_json::json!({})),
            Just(serde_json::json!([{"name": "x"}, null, 3])),
            Just(serde_json::json!({"name": "Done", "statusCategory": {"key": "done"}})),
            Just(serde_json::json!("2026-01-01T00:00:00.000+0200")),
        ]
    }

    /// Members of an issue worth replacing.
    const PATHS: [&str; 16] = [
        "/key",
        "/id",
        "/fields",
        "/fields/status",
        "/fields/status/name",
        "/fields/status/statusCategory",
        "/fields/created",
        "/fields/priority",
        "/fields/labels",
        "/fields/parent",
        "/fields/customfield_10020",
        "/fields/issuelinks",
        "/changelog",
        "/changelog/total",
        "/changelog/histories",
        "/changelog/histories/0/items/0/toString",
    ];

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(128))]

        #[test]
        fn text_edits_read_as_serde_reads_them(
            edits in prop::collection::vec((any::<prop::sample::Index>(), 0usize..EDITS.len() + 1, 1usize..6), 1..4),
        ) {
            let mut text = sim_export();
            for (at, edit, len) in edits {
                let mut at = at.index(text.len());
                while !text.is_char_boundary(at) {
                    at -= 1;
                }
                match EDITS.get(edit) {
                    Some(piece) => text.insert_str(at, piece),
                    None => {
                        let mut end = (at + len).min(text.len());
                        while !text.is_char_boundary(end) {
                            end += 1;
                        }
                        text.replace_range(at..end, "");
                    }
                }
            }
            same_stream(&text)?;
            if let Some(first) = text.find("[{") {
                agrees_at(&text, first + 1)?;
            }
            let _ = ingest_str(&text, &IngestOptions::default());
        }

        #[test]
        fn odd_members_read_as_serde_reads_them(
            changes in prop::collection::vec((0usize..16, 0usize..PATHS.len(), odd_value()), 1..4),
            duplicate in any::<bool>(),
        ) {
            let mut page: Value = serde_json::from_str(&sim_export()).unwrap();
            for (issue, path, value) in changes {
                if let Some(slot) = page["issues"].get_mut(issue).and_then(|i| i.pointer_mut(PATHS[path])) {
                    *slot = value;
                }
            }
            let mut text = page.to_string();
            if duplicate {
                // A repeated member, which serde's derive refuses and a map keeps.
                text = text.replacen("\"status\":", "\"status\":null,\"status\":", 1);
            }
            same_stream(&text)?;
            let mut stream = serde_json::Deserializer::from_str(&text).into_iter::<Value>();
            prop_assert!(stream.next().is_some_and(|v| v.is_ok()));
            let first = text.find("[{").unwrap() + 1;
            agrees_at(&text, first)?;
        }
    }
}
