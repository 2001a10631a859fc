//! Structured data (front matter and `site.toml`) parsed with exact locations and helpful errors.
//!
//! serde alone stops at the first problem and knows nothing of lines. Here a document is first
//! parsed into a generic value (TOML or YAML, errors carry a byte offset), then its top-level keys
//! are checked against the fields of the target struct, found by asking serde for them
//! ([`struct_fields`]), so that *every* unknown key is reported, each with "did you mean". Only
//! then is the value deserialised, and a type error is pointed at the line of its key.

mod yaml_depth;

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::Path;

use serde::de::{self, DeserializeOwned, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

use crate::diagnostics::{Diagnostic, Location, Problem};

/// Deepest nesting of YAML flow lists and tables (`[…]`, `{…}`) accepted. Real front matter
/// nests two or three deep; the cap keeps libyaml's quadratic scan of deeper text short.
pub const MAX_YAML_FLOW_DEPTH: usize = 64;

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
                    self.parse_yaml()?
                }
            }
        };
        if let Some((path, character)) = control_character(&value) {
            return Err(self.control_character_error(&path, character));
        }
        match value {
            Value::Object(map) => Ok(map),
            Value::Null => Ok(Map::new()),
            other => Err(syntax(
                0,
                format!("expected key/value pairs, found {}", kind_of(&other)),
            )),
        }
    }

    /// YAML to a generic value: nesting checked first, keys given twice refused (serde_json's
    /// own visitor would keep the last silently, while TOML calls it an error).
    fn parse_yaml(&self) -> Result<Value, Diagnostic> {
        if let Some(offset) = yaml_depth::too_deep(self.data, MAX_YAML_FLOW_DEPTH) {
            return Err(Diagnostic::error(
                self.location_at(offset),
                Problem::TooDeeplyNested {
                    limit: MAX_YAML_FLOW_DEPTH,
                },
            ));
        }
        let path = RefCell::new(Vec::new());
        let duplicate = RefCell::new(None);
        let seed = JsonSeed {
            path: &path,
            duplicate: &duplicate,
        };
        let deserializer = serde_yaml_ng::Deserializer::from_str(self.data);
        seed.deserialize(deserializer).map_err(|e| {
            let offset = e.location().map_or(0, |l| l.index());
            if let Some(path) = duplicate.take() {
                let keys: Vec<&str> = path.iter().map(String::as_str).collect();
                let location = match find_key_nth(self.data, self.format, &keys, 1) {
                    Some(at) => self.location_at(at),
                    None => self.location_at(offset),
                };
                return Diagnostic::error(
                    location,
                    Problem::DuplicateKey {
                        key: shown_key(&path),
                    },
                );
            }
            let detail = e.to_string();
            // serde_yaml appends " at line X column Y"; we show that ourselves.
            let detail = match detail.find(" at line ") {
                Some(i) => detail[..i].to_string(),
                None => detail,
            };
            Diagnostic::error(
                self.location_at(offset),
                Problem::Syntax {
                    format: self.format.name(),
                    detail,
                },
            )
        })
    }

    /// Points at the deepest key of `path` that can be found in the text.
    fn control_character_error(&self, path: &[String], character: char) -> Diagnostic {
        let keys: Vec<&str> = path.iter().map(String::as_str).collect();
        let location = (1..=keys.len())
            .rev()
            .find_map(|n| find_key(self.data, self.format, &keys[..n]))
            .map_or_else(|| self.location_at(0), |at| self.location_at(at));
        Diagnostic::error(
            location,
            Problem::ControlCharacter {
                field: shown_key(path),
                code: character as u32,
            },
        )
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
        if unknown.is_empty() {
            return Vec::new();
        }
        let keys = top_level_keys(self.data, self.format);
        let lines = LineStarts::new(self.file_text);
        unknown
            .into_iter()
            .map(|key| {
                map.remove(&key);
                let candidates = fields.iter().copied().chain(also_allowed.iter().copied());
                let suggestion = did_you_mean(&key, candidates);
                let offset = keys.get(&key).copied().unwrap_or(0);
                Diagnostic::error(
                    lines.location(self.file, self.data_offset + offset),
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
    find_key_nth(data, format, path, 0)
}

/// Like [`find_key`], for the key's occurrence after `skip` others (a key given twice).
fn find_key_nth(data: &str, format: Format, path: &[&str], mut skip: usize) -> Option<usize> {
    let mut found = None;
    scan_keys(data, format, |full, offset| {
        if full.len() == path.len() && full.iter().zip(path).all(|(a, b)| a == b) {
            if skip == 0 {
                found = Some(offset);
                return true;
            }
            skip -= 1;
        }
        false
    });
    found
}

/// Where each top-level key is first written, in one pass: a file of 100,000 unknown keys must
/// not be searched again for each of them.
fn top_level_keys(data: &str, format: Format) -> HashMap<String, usize> {
    let mut keys = HashMap::new();
    scan_keys(data, format, |full, offset| {
        if let [key] = full {
            keys.entry(key.clone()).or_insert(offset);
        }
        false
    });
    keys
}

/// Calls `visit` with the full path and byte offset of every key written in `data`, line by
/// line, until it returns `true`.
fn scan_keys(data: &str, format: Format, mut visit: impl FnMut(&[String], usize) -> bool) {
    let mut offset = 0;
    // TOML: the current table header; YAML: the stack of (indent, key).
    let mut table: Vec<String> = Vec::new();
    let mut yaml_stack: Vec<(usize, String)> = Vec::new();
    let mut full: Vec<String> = Vec::new();
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
                    full.clone_from(&table);
                    full.extend(key.split('.').map(|s| unquote(s.trim())));
                    let in_key = key
                        .find(|c: char| !c.is_whitespace() && c != '"')
                        .unwrap_or(0);
                    if visit(&full, line_start + indent + in_key) {
                        return;
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
                    full.clear();
                    full.extend(yaml_stack.iter().map(|(_, k)| k.clone()));
                    full.push(key.clone());
                    if visit(&full, line_start + indent) {
                        return;
                    }
                    yaml_stack.push((indent, key));
                }
            }
        }
    }
}

/// Line starts of a whole file, to turn many byte offsets into locations in linear time
/// ([`Location::at_offset`] counts lines from the start each time).
struct LineStarts<'t> {
    text: &'t str,
    starts: Vec<usize>,
}

impl<'t> LineStarts<'t> {
    fn new(text: &'t str) -> Self {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        LineStarts { text, starts }
    }

    /// The location of byte `offset`, as [`Location::at_offset`] gives it, with the source line
    /// cut at [`MAX_SNIPPET_CHARS`](crate::markdown::MAX_SNIPPET_CHARS) characters.
    fn location(&self, file: &Path, offset: usize) -> Location {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let index = self.starts.partition_point(|&start| start <= offset) - 1;
        let start = self.starts[index];
        let end = self
            .starts
            .get(index + 1)
            .map_or(self.text.len(), |next| next - 1);
        let line = &self.text[start..end];
        let snippet = line
            .trim_end_matches('\r')
            .chars()
            .take(crate::markdown::MAX_SNIPPET_CHARS)
            .collect();
        Location {
            file: file.to_path_buf(),
            line: index + 1,
            column: self.text[start..offset].chars().count() + 1,
            source_line: Some(snippet),
        }
    }
}

/// A key path as shown in messages: dotted, with control characters escaped so that a key
/// cannot write to the terminal.
fn shown_key(path: &[String]) -> String {
    path.iter()
        .map(|k| k.escape_debug().to_string())
        .collect::<Vec<_>>()
        .join(".")
}

/// Whether a character must not reach a page: C0 controls other than tab and line breaks, and
/// DEL. NUL and ESC in a title would be written raw into the HTML (and ESC into terminals).
fn is_forbidden_control(c: char) -> bool {
    // C0, DEL and C1 (U+0080–U+009F: `\u{9b}` is a terminal's escape introducer too).
    c.is_control() && !matches!(c, '\t' | '\n' | '\r')
}

/// The key path and the character of the first string (key or value) holding a forbidden
/// control character. Array items are reported at their list's key.
fn control_character(value: &Value) -> Option<(Vec<String>, char)> {
    fn walk(value: &Value, path: &mut Vec<String>) -> Option<char> {
        match value {
            Value::String(s) => s.chars().find(|c| is_forbidden_control(*c)),
            Value::Array(items) => items.iter().find_map(|item| walk(item, path)),
            Value::Object(map) => map.iter().find_map(|(key, item)| {
                path.push(key.clone());
                let found = key
                    .chars()
                    .find(|c| is_forbidden_control(*c))
                    .or_else(|| walk(item, path));
                if found.is_none() {
                    path.pop();
                }
                found
            }),
            _ => None,
        }
    }
    let mut path = Vec::new();
    walk(value, &mut path).map(|c| (path, c))
}

/// Deserialises YAML into a [`Value`] exactly as `Value`'s own `Deserialize` does, except that
/// a key given twice in one mapping is an error; its path is left in `duplicate`.
#[derive(Clone, Copy)]
struct JsonSeed<'s> {
    /// Keys from the root to the value being read.
    path: &'s RefCell<Vec<String>>,
    duplicate: &'s RefCell<Option<Vec<String>>>,
}

impl<'de> DeserializeSeed<'de> for JsonSeed<'_> {
    type Value = Value;
    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for JsonSeed<'_> {
    type Value = Value;

    fn expecting(&self, formatter: &mut std::fmt::Formatter) -> std::fmt::Result {
        formatter.write_str("any valid JSON value")
    }
    fn visit_bool<E>(self, value: bool) -> Result<Value, E> {
        Ok(Value::Bool(value))
    }
    fn visit_i64<E>(self, value: i64) -> Result<Value, E> {
        Ok(Value::Number(value.into()))
    }
    fn visit_u64<E>(self, value: u64) -> Result<Value, E> {
        Ok(Value::Number(value.into()))
    }
    fn visit_i128<E: de::Error>(self, value: i128) -> Result<Value, E> {
        serde::Deserialize::deserialize(de::value::I128Deserializer::<E>::new(value))
            .map(Value::Number)
    }
    fn visit_u128<E: de::Error>(self, value: u128) -> Result<Value, E> {
        <Number as serde::Deserialize>::deserialize(de::value::U128Deserializer::<E>::new(value))
            .map(Value::Number)
    }
    fn visit_f64<E>(self, value: f64) -> Result<Value, E> {
        Ok(Number::from_f64(value).map_or(Value::Null, Value::Number))
    }
    fn visit_str<E>(self, value: &str) -> Result<Value, E> {
        Ok(Value::String(value.to_string()))
    }
    fn visit_string<E>(self, value: String) -> Result<Value, E> {
        Ok(Value::String(value))
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        self.deserialize(deserializer)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(self)? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut values = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            self.path.borrow_mut().push(key.clone());
            if values.contains_key(&key) {
                *self.duplicate.borrow_mut() = Some(self.path.borrow().clone());
                return Err(de::Error::custom(format!("duplicate key `{key}`")));
            }
            let value = map.next_value_seed(self)?;
            self.path.borrow_mut().pop();
            values.insert(key, value);
        }
        Ok(Value::Object(values))
    }
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

    fn parse(format: Format, data: &str) -> Result<Map<String, Value>, Diagnostic> {
        let file_text = format!("---\n{data}---\n");
        let doc = Document {
            file: Path::new("content/a.md"),
            file_text: &file_text,
            data_offset: 4,
            data: &file_text[4..4 + data.len()],
            format,
        };
        doc.parse()
    }

    #[track_caller]
    fn error_at(result: Result<Map<String, Value>, Diagnostic>) -> (Problem, usize, usize) {
        let d = result.expect_err("should be an error");
        (*d.problem, d.location.line, d.location.column)
    }

    #[test]
    fn yaml_nested_too_deep_is_refused_at_the_bracket_in_no_time() {
        let deep = format!(
            "title: a\nx: {}{}\n",
            "[".repeat(100_000),
            "]".repeat(100_000)
        );
        let start = std::time::Instant::now();
        let (problem, line, column) = error_at(parse(Format::Yaml, &deep));
        assert!(start.elapsed() < std::time::Duration::from_secs(1));
        assert_eq!(problem, Problem::TooDeeplyNested { limit: 64 });
        // Line 3 of the file (after `---`), at the 65th bracket.
        assert_eq!((line, column), (3, 4 + 64));
        // Real front matter nests far less, and still parses.
        let fine = format!("x: {}1{}\n", "[".repeat(64), "]".repeat(64));
        assert!(parse(Format::Yaml, &fine).is_ok());
    }

    #[test]
    fn yaml_keys_given_twice_are_errors_at_the_second() {
        let (problem, line, column) =
            error_at(parse(Format::Yaml, "title: a\ndate: 1\ntitle: b\n"));
        assert_eq!(
            problem,
            Problem::DuplicateKey {
                key: "title".into()
            }
        );
        assert_eq!((line, column), (4, 1));
        let nested = "title: a\nextra:\n  k: 1\n  j: 2\n  k: 3\n";
        let (problem, line, column) = error_at(parse(Format::Yaml, nested));
        assert_eq!(
            problem,
            Problem::DuplicateKey {
                key: "extra.k".into()
            }
        );
        assert_eq!((line, column), (6, 3));
        // The same key in two tables is no duplicate.
        assert!(parse(Format::Yaml, "a:\n  k: 1\nb:\n  k: 2\n").is_ok());
        // Values are read as before: numbers, nulls, lists, big integers.
        let map = parse(
            Format::Yaml,
            "n: 1.5\nz: ~\nl: [1, -2]\nbig: 18446744073709551615\n",
        )
        .unwrap();
        assert_eq!(
            Value::Object(map),
            serde_json::json!({"n": 1.5, "z": null, "l": [1, -2], "big": u64::MAX})
        );
    }

    #[test]
    fn control_characters_in_strings_are_errors_at_their_key() {
        let cases = [
            (Format::Yaml, "title: \"a\\e[2Jb\"\n", "title", 0x1b, 2),
            (
                Format::Yaml,
                "title: a\nextra:\n  x: [\"ok\", \"\\0\"]\n",
                "extra.x",
                0,
                4,
            ),
            (Format::Toml, "title = \"a\\u0000\"\n", "title", 0, 2),
            (
                Format::Toml,
                "title = \"a\"\n[extra]\nk = \"\\u007f\"\n",
                "extra.k",
                0x7f,
                4,
            ),
            (
                Format::Toml,
                "title = \"a\"\n\"b\\u001b\" = 1\n",
                "b\\u{1b}",
                0x1b,
                2,
            ),
        ];
        for (format, data, field, code, line) in cases {
            let (problem, at, _) = error_at(parse(format, data));
            assert_eq!(
                problem,
                Problem::ControlCharacter {
                    field: field.into(),
                    code
                },
                "{data}"
            );
            assert_eq!(at, line, "{data}");
        }
        // Tabs and line breaks are text.
        assert!(parse(Format::Toml, "title = \"a\\tb\\r\\nc\"\n").is_ok());
    }

    /// Each unknown key searched the file for its line from the start: 100,000 took minutes.
    #[test]
    fn a_hundred_thousand_unknown_keys_are_located_in_one_pass() {
        for format in [Format::Toml, Format::Yaml] {
            let separator = if format == Format::Toml { " = " } else { ": " };
            let data: String = (0..100_000)
                .map(|i| format!("k{i}{separator}1\n"))
                .collect();
            let file_text = format!("---\n{data}---\n");
            let doc = Document {
                file: Path::new("content/a.md"),
                file_text: &file_text,
                data_offset: 4,
                data: &file_text[4..4 + data.len()],
                format,
            };
            let start = std::time::Instant::now();
            let mut map = doc.parse().unwrap();
            let problems = doc.reject_unknown_keys::<Sample>(&mut map, &[]);
            assert!(start.elapsed() < std::time::Duration::from_secs(5));
            assert_eq!(problems.len(), 100_000);
            let last = problems
                .iter()
                .find(|d| *d.problem.message() == *"unknown field `k99999`")
                .unwrap();
            assert_eq!((last.location.line, last.location.column), (100_001, 1));
            assert_eq!(
                last.location.source_line.as_deref(),
                Some(&*format!("k99999{separator}1"))
            );
        }
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
