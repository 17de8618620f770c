//! Parsing JSON straight into a [`Value`] without the parts ingest never
//! reads: user objects' avatars, changelog authors, rich-text descriptions,
//! comments, worklogs, attachments. On a Cloud export these are most of the
//! bytes, and skipping them while parsing (instead of building and dropping
//! them) is what keeps ingest fast.

use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

/// Object keys whose values ingest never reads, at any depth.
fn skipped(key: &str) -> bool {
    matches!(
        key,
        "author"
            | "avatarUrls"
            | "description"
            | "comment"
            | "worklog"
            | "attachment"
            | "creator"
            | "reporter"
            | "watches"
            | "votes"
            | "renderedFields"
            | "transitions"
            | "operations"
            | "editmeta"
            | "versionedRepresentations"
            | "schema"
    )
}

/// Keys also skipped inside issues of a streamed search page, where no URL
/// or display detail is read (elsewhere `self` can name a changelog's issue).
fn skipped_in_issue(key: &str) -> bool {
    matches!(
        key,
        "self"
            | "iconUrl"
            | "avatarId"
            | "expand"
            | "accountId"
            | "accountType"
            | "timeZone"
            | "colorName"
            | "components"
            | "fixVersions"
            | "versions"
            | "subtasks"
            | "timetracking"
            | "progress"
            | "aggregateprogress"
            | "lastViewed"
            | "issuerestriction"
            | "statuscategorychangedate"
            | "resolution"
            | "environment"
            | "security"
            | "workratio"
            | "timeestimate"
            | "timeoriginalestimate"
            | "timespent"
            | "aggregatetimeestimate"
            | "aggregatetimeoriginalestimate"
            | "aggregatetimespent"
    )
}

/// Parses `input` like `serde_json::from_str::<Value>`, minus [`skipped`] keys.
///
/// `schema` is kept at the top level of a field list (an array), where it
/// tells custom field types; only object members named `schema` are skipped,
/// and field lists are arrays of objects whose `schema` matters, so callers
/// that need field lists parse them with [`keep_schema`] set.
pub(crate) fn from_str(input: &str, keep_schema: bool) -> serde_json::Result<Value> {
    let mut de = serde_json::Deserializer::from_str(input);
    let value = Pruned { keep_schema, lean: false }.deserialize(&mut de)?;
    de.end()?;
    Ok(value)
}

/// True for keys a streamed issue skips at any depth.
pub(crate) fn skipped_in_lean_issue(key: &str) -> bool {
    skipped(key) || skipped_in_issue(key)
}

/// The seed that parses one value the pruned way.
pub(crate) fn seed() -> Pruned {
    Pruned { keep_schema: false, lean: true }
}

#[derive(Clone, Copy)]
pub(crate) struct Pruned {
    keep_schema: bool,
    lean: bool,
}

impl<'de> DeserializeSeed<'de> for Pruned {
    type Value = Value;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Pruned {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Number::from_f64(v).map_or(Value::Null, Value::Number))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(v) = seq.next_element_seed(self)? {
            out.push(v);
        }
        Ok(Value::Array(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(super::typed::Text(key)) = map.next_key::<super::typed::Text<'de>>()? {
            let skip = (skipped(&key) && !(self.keep_schema && key == "schema"))
                || (self.lean && skipped_in_issue(&key));
            if skip {
                map.next_value::<IgnoredAny>()?;
            } else {
                let value = map.next_value_seed(self)?;
                out.insert(key.into_owned(), value);
            }
        }
        Ok(Value::Object(out))
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn skipped_keys_vanish_at_any_depth_and_the_rest_is_intact() {
        let input = r#"{"a": 1, "author": {"x": 1}, "b": [{"avatarUrls": {}, "c": "d\u00e9"}], "e": -2.5, "f": null, "schema": {"custom": "x"}}"#;
        let pruned = from_str(input, false).unwrap();
        assert_eq!(pruned, serde_json::json!({"a": 1, "b": [{"c": "dé"}], "e": -2.5, "f": null}));
        let kept = from_str(input, true).unwrap();
        assert_eq!(kept["schema"]["custom"], "x");
        assert!(from_str("{\"a\": }", false).is_err());
        assert!(from_str("{} x", false).is_err());
    }
}
