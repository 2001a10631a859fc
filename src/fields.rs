//! Structured data (front matter and `site.toml`) parsed with exact locations and helpful errors.
//!
//! serde alone stops at the first problem and knows nothing of lines. Here a document is first
//! parsed into a generic value (TOML or YAML, errors carry a byte offset), then its top-level keys
//! are checked against the fields of the target struct, found by asking serde for them
//! ([`struct_fields`]), so that *every* unknown key is reported, each with "did you mean". Only
//! then is the value deserialised, and a type error is pointed at the line of its key.

use std::path::Path;

use serde::de::{self, DeserializeOwned, Visitor};
use serde_json::{Map, Value};

use crate::diagnostics::{Diagnostic, Location, Problem};

/// The two front-matter languages (and `site.toml`, which is TOML).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Between `+++` lines.
    Toml,
    /// Between `---` lines.
    Yaml,
}

impl Format {
    /// The name users know the format by.
    pub fn name(self) -> &'static str {
        match self {
            Format::Toml => "TOML",
            Format::Yaml => "YAML",
        }
    }
}

/// A block of structured data inside a file, with what is needed to point into it.
#[derive(Debug, Clone, Copy)]
pub struct Document<'a> {
    /// Path shown in messages.
    pub file: &'a Path,
    /// Whole file text, for snippets.
    pub file_text: &'a str,
    /// Byte offset of `data` inside `file_text`.
    pub data_offset: usize,
    /// The structured data itself.
    pub data: &'a str,
    /// Its language.
    pub format: Format,
}

impl<'a> Document<'a> {
    /// Location of byte `offset` inside `data`.
    pub fn location_at(&self, offset: usize) -> Location {
        Location::at_offset(self.file, self.file_text, self.data_offset + offset)
    }

    /// Location of the key `path` (dotted for nested tables), or of the data's start.
    pub fn location_of_key(&self, path: &[&str]) -> Location {
        match find_key(self.data, self.format, path) {
            Some(offset) => self.location_at(offset),
            None => self.location_at(0),
        }
    }

    /// Whether the key at `path` is written in the data.
    pub fn has_key(&self, path: &[&str]) -> bool {
        find_key(self.data, self.format, path).is_some()
    }

    /// Parses the data into a generic map. TOML dates become strings in their written form.
    pub fn parse(&self) -> Result<Map<String, Value>, Diagnostic> {
        let syntax = |offset: usize, detail: String| {
            Diagnostic::error(
                self.location_at(offset),
                Problem::Syntax {
                    format: self.format.name(),
                    detail,
                },
            )
        };
        let value = match self.format {
            Format::Toml => {
                let table: toml::Table = toml::from_str(self.data).map_err(|e| {
                    let offset = e.span().map_or(0, |s| s.start);
                    syntax(offset, e.message().trim().to_string())
                })?;
                toml_to_json(toml::Value::Table(table))
            }
            Format::Yaml => {
                if self.data.trim().is_empty() {
                    Value::Object(Map::new())
                } else {
                    serde_yaml_ng::from_str::<Value>(self.data).map_err(|e| {
                        let offset = e.location().map_or(0, |l| l.index());
                        let detail = e.to_string();
                        // serde_yaml appends " at line X column Y"; we show that ourselves.
                        let detail = match detail.find(" at line ") {
                            Some(i) => detail[..i].to_string(),
                            None => detail,
                        };
                        syntax(offset, detail)
                    })?
                }
            }
        };
        match value {
            Value::Object(map) => Ok(map),
            Value::Null => Ok(Map::new()),
            other => Err(syntax(
                0,
                format!("expected key/value pairs, found {}", kind_of(&other)),
            )),
        }
    }

    /// Removes top-level keys that are neither fields of `T` nor in `also_allowed`, returning one
    /// diagnostic for each, with a suggestion when a known key is close.
    pub fn reject_unknown_keys<T: DeserializeOwned>(
        &self,
        map: &mut Map<String, Value>,
        also_allowed: &[&str],
    ) -> Vec<Diagnostic> {
        let fields = struct_fields::<T>();
        let unknown: Vec<String> = map
            .keys()
            .filter(|k| !fields.contains(&k.as_str()) && !also_allowed.contains(&k.as_str()))
            .cloned()
            .collect();
        unknown
            .into_iter()
            .map(|key| {
                map.remove(&key);
                let candidates = fields.iter().copied().chain(also_allowed.iter().copied());
                let suggestion = did_you_mean(&key, candidates);
                Diagnostic::error(
                    self.location_of_key(&[&key]),
                    Problem::UnknownField {
                        suggestion,
                        allowed: if fields.len() <= 12 {
                            fields.iter().map(|f| f.to_string()).collect()
                        } else {
                            Vec::new()
                        },
                        field: key,
                    },
                )
            })
            .collect()
    }

    /// Deserialises `map` into `T`, turning serde's message into a located diagnostic.
    pub fn deserialize<T: DeserializeOwned>(
        &self,
        map: Map<String, Value>,
    ) -> Result<T, Diagnostic> {
        serde_path_to_error::deserialize::<_, T>(Value::Object(map)).map_err(|error| {
            let path: Vec<String> = error
                .path()
                .iter()
                .filter_map(|segment| match segment {
                    serde_path_to_error::Segment::Map { key } => Some(key.clone()),
                    _ => None,
                })
                .collect();
            let message = error.inner().to_string();
            let keys: Vec<&str> = path.iter().map(String::as_str).collect();
            self.value_error(&keys, &message)
        })
    }

    /// Maps a serde message to the most precise [`Problem`] we can name.
    fn value_error(&self, path: &[&str], message: &str) -> Diagnostic {
        if let Some(field) = between(message, "missing field `", "`") {
            let mut full: Vec<&str> = path.to_vec();
            full.push(field);
            let field = full.join(".");
            let example = if field.ends_with("title") {
                "\"…\""
            } else {
                "…"
            };
            let location = if path.is_empty() {
                self.location_at(0)
            } else {
                self.location_of_key(path)
            };
            return Diagnostic::error(location, Problem::MissingField { field, example });
        }
        if let Some(field) = between(message, "unknown field `", "`") {
            let allowed: Vec<String> = message
                .split('`')
                .skip(3)
                .step_by(2)
                .map(str::to_string)
                .collect();
            let suggestion = did_you_mean(field, allowed.iter().map(String::as_str));
            let mut full: Vec<&str> = path.to_vec();
            if full.last() != Some(&field) {
                full.push(field);
            }
            return Diagnostic::error(
                self.location_of_key(&full),
                Problem::UnknownField {
                    field: full.join("."),
                    suggestion,
                    allowed,
                },
            );
        }
        let (detail, expected) = match message.split_once(", expected ") {
            Some((detail, expected)) => (detail.to_string(), expected.to_string()),
            None => (message.to_string(), "a valid value".to_string()),
        };
        Diagnostic::error(
            self.location_of_key(path),
            Problem::InvalidValue {
                field: path.join("."),
                detail,
                expected,
            },
        )
    }
}

/// The text between `start` and the next `end` in `s`.
fn between<'s>(s: &'s str, start: &str, end: &str) -> Option<&'s str> {
    let from = s.find(start)? + start.len();
    let len = s[from..].find(end)?;
    Some(&s[from..from + len])
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "nothing",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a table",
    }
}

fn toml_to_json(value: toml::Value) -> Value {
    match value {
        toml::Value::String(s) => Value::String(s),
        toml::Value::Integer(i) => Value::from(i),
        toml::Value::Float(f) => Value::from(f),
        toml::Value::Boolean(b) => Value::Bool(b),
        toml::Value::Datetime(d) => Value::String(d.to_string()),
        toml::Value::Array(items) => Value::Array(items.into_iter().map(toml_to_json).collect()),
        toml::Value::Table(table) => Value::Object(
            table
                .into_iter()
                .map(|(k, v)| (k, toml_to_json(v)))
                .collect(),
        ),
    }
}

/// The closest candidate to `input` by edit distance, if it is close enough to be a typo.
pub fn did_you_mean<'c>(
    input: &str,
    candidates: impl IntoIterator<Item = &'c str>,
) -> Option<String> {
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(input, c), c))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c.to_string())
}

/// Byte offset of the key at `path` in `data`, found line by line. Good enough for the flat
/// documents users write: TOML tables (`[a]`, `[a.b]`) and YAML nested by indentation.
fn find_key(data: &str, format: Format, path: &[&str]) -> Option<usize> {
    let (last, parents) = path.split_last()?;
    let mut offset = 0;
    // TOML: the current table header; YAML: the stack of (indent, key).
    let mut table: Vec<String> = Vec::new();
    let mut yaml_stack: Vec<(usize, String)> = Vec::new();
    for line in data.split_inclusive('\n') {
        let line_start = offset;
        offset += line.len();
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        match format {
            Format::Toml => {
                if let Some(header) = trimmed.strip_prefix('[') {
                    let header = header.trim_start_matches('[');
                    if let Some(end) = header.find(']') {
                        table = header[..end]
                            .split('.')
                            .map(|s| unquote(s.trim()))
                            .collect();
                        continue;
                    }
                }
                if let Some((key, _)) = trimmed.split_once('=') {
                    let mut full = table.clone();
                    full.extend(key.split('.').map(|s| unquote(s.trim())));
                    if full.len() == path.len() && full.iter().zip(path).all(|(a, b)| a == b) {
                        let in_key = key
                            .find(|c: char| !c.is_whitespace() && c != '"')
                            .unwrap_or(0);
                        return Some(line_start + indent + in_key);
                    }
                }
            }
            Format::Yaml => {
                let key = trimmed.trim_start_matches("- ");
                if let Some((key, _)) = key.split_once(':') {
                    let key = unquote(key.trim());
                    while yaml_stack.last().is_some_and(|(i, _)| *i >= indent) {
                        yaml_stack.pop();
                    }
                    let matches_parents = yaml_stack.len() == parents.len()
                        && yaml_stack.iter().zip(parents).all(|((_, k), p)| k == p);
                    if matches_parents && key == *last {
                        return Some(line_start + indent);
                    }
                    yaml_stack.push((indent, key));
                }
            }
        }
    }
    None
}

fn unquote(s: &str) -> String {
    s.trim_matches(|c| c == '"' || c == '\'').to_string()
}

/// The field names serde expects for struct `T`, read from its `Deserialize` impl, so the list of
/// allowed keys can never drift from the struct.
pub fn struct_fields<T: DeserializeOwned>() -> &'static [&'static str] {
    struct FieldProbe<'f>(&'f mut &'static [&'static str]);

    #[derive(Debug)]
    struct Stop;
    impl std::fmt::Display for Stop {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("field probe")
        }
    }
    impl std::error::Error for Stop {}
    impl de::Error for Stop {
        fn custom<M: std::fmt::Display>(_: M) -> Self {
            Stop
        }
    }

    impl<'de> de::Deserializer<'de> for FieldProbe<'_> {
        type Error = Stop;
        fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Stop> {
            Err(Stop)
        }
        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _: &'static str,
            fields: &'static [&'static str],
            _: V,
        ) -> Result<V::Value, Stop> {
            *self.0 = fields;
            Err(Stop)
        }
        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
            option unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier
            ignored_any
        }
    }

    let mut fields: &'static [&'static str] = &[];
    let _ = T::deserialize(FieldProbe(&mut fields));
    fields
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize)]
    #[allow(dead_code)]
    struct Sample {
        title: String,
        weight: Option<i64>,
    }

    #[test]
    fn struct_fields_reads_the_serde_field_list() {
        assert_eq!(struct_fields::<Sample>(), &["title", "weight"]);
    }

    #[test]
    fn did_you_mean_finds_typos_only() {
        assert_eq!(
            did_you_mean("titel", ["title", "date"]).as_deref(),
            Some("title")
        );
        assert_eq!(did_you_mean("colour", ["title", "date"]), None);
    }

    #[test]
    fn find_key_handles_toml_tables_and_yaml_nesting() {
        let toml = "title = \"a\"\n[markdown]\nraw_html = \"x\"\n";
        assert_eq!(
            find_key(toml, Format::Toml, &["markdown", "raw_html"]),
            Some(23)
        );
        let yaml = "title: a\nvideo:\n  file: x.mp4\n";
        assert_eq!(find_key(yaml, Format::Yaml, &["video", "file"]), Some(18));
        assert_eq!(find_key(yaml, Format::Yaml, &["file"]), None);
    }
}
