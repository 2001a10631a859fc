//! Front matter: splitting it from the body, then reading it into checked, typed metadata.
//!
//! Two stages, as in Zola: the raw serde structs mirror exactly what a webmaster may write (and
//! reject anything else, with a suggestion); [`PageMeta`] and [`SectionMeta`] are what the site
//! means, with dates parsed in the site's timezone and taxonomies gathered.

use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::config::Config;
use crate::dates::Date;
use crate::diagnostics::{Diagnostic, Location, Problem};
use crate::fields::{Document, Format};

/// The taxonomy every site has, whether or not `site.toml` declares it.
pub const DEFAULT_TAXONOMY: &str = "tags";

/// A file split into its front matter and its Markdown body.
#[derive(Debug)]
pub struct Split<'a> {
    /// The front matter, ready to parse.
    pub document: Document<'a>,
    /// The Markdown after the closing delimiter.
    pub body: &'a str,
    /// Lines before the body, added to body line numbers to get file line numbers.
    pub body_line_offset: usize,
}

/// Splits `text` (already without a BOM) into front matter and body.
pub fn split<'a>(file: &'a Path, text: &'a str) -> Result<Split<'a>, Diagnostic> {
    let first_line_end = text.find('\n').map_or(text.len(), |i| i + 1);
    let first = text[..first_line_end].trim_end();
    let (delimiter, format) = match first {
        "+++" => ("+++", Format::Toml),
        "---" => ("---", Format::Yaml),
        _ if text.trim().is_empty() => {
            return Err(Diagnostic::error(Location::file(file), Problem::EmptyFile));
        }
        _ => {
            return Err(Diagnostic::error(
                Location::in_text(file, text, 1, 1),
                Problem::MissingFrontMatter,
            ));
        }
    };
    let mut offset = first_line_end;
    for (lines, line) in (2..).zip(text[first_line_end..].split_inclusive('\n')) {
        if line.trim_end() == delimiter {
            let data = &text[first_line_end..offset];
            let body_start = offset + line.len();
            return Ok(Split {
                document: Document {
                    file,
                    file_text: text,
                    data_offset: first_line_end,
                    data,
                    format,
                },
                body: &text[body_start..],
                body_line_offset: lines,
            });
        }
        offset += line.len();
    }
    Err(Diagnostic::error(
        Location::in_text(file, text, 1, 1),
        Problem::UnclosedFrontMatter { delimiter },
    ))
}

/// What a page's front matter may say. Taxonomy keys are taken out before this is read.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PageFrontMatter {
    title: String,
    date: Option<String>,
    updated: Option<String>,
    expires: Option<String>,
    #[serde(default)]
    draft: bool,
    slug: Option<String>,
    path: Option<String>,
    summary: Option<String>,
    weight: Option<i64>,
    template: Option<String>,
    #[serde(default)]
    aliases: Vec<String>,
    source: Option<String>,
    publisher: Option<String>,
    index_number: Option<String>,
    doc_number: Option<String>,
    written: Option<String>,
    validity: Option<Validity>,
    #[serde(default)]
    pinned: bool,
    video: Option<VideoFrontMatter>,
    #[serde(default)]
    extra: Map<String, Value>,
}

/// `[video]` of a 普法视频 page.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct VideoFrontMatter {
    file: String,
    poster: Option<String>,
    captions: Option<String>,
    duration: Option<String>,
}

/// 有效性 of a disclosed document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
pub enum Validity {
    /// 有效: in force.
    #[serde(rename = "有效", alias = "valid")]
    Valid,
    /// 已修订: replaced by a newer version.
    #[serde(rename = "已修订", alias = "amended")]
    Amended,
    /// 废止: repealed, no longer in force.
    #[serde(rename = "废止", alias = "repealed")]
    Repealed,
}

impl Validity {
    /// The label shown to citizens.
    pub fn label(self) -> &'static str {
        match self {
            Validity::Valid => "有效",
            Validity::Amended => "已修订",
            Validity::Repealed => "废止",
        }
    }
}

/// A page's video, with file names relative to its bundle.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Video {
    /// The video file.
    pub file: String,
    /// Poster image.
    pub poster: Option<String>,
    /// WebVTT captions.
    pub captions: Option<String>,
    /// Running time as written, `MM:SS` or `HH:MM:SS`.
    pub duration: Option<String>,
    /// Running time in seconds, for `<meta>` and sorting.
    pub duration_seconds: Option<u64>,
}

/// The fields of a disclosed government document (政府信息公开).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Disclosure {
    /// 来源.
    pub source: Option<String>,
    /// 发布机构.
    pub publisher: Option<String>,
    /// 索引号.
    pub index_number: Option<String>,
    /// 发文字号.
    pub doc_number: Option<String>,
    /// 成文日期.
    pub written: Option<Date>,
    /// 有效性.
    pub validity: Option<Validity>,
}

/// A page's metadata, checked and resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct PageMeta {
    /// Always present: a page without a title is an error.
    pub title: String,
    /// Publication date.
    pub date: Option<Date>,
    /// Last update.
    pub updated: Option<Date>,
    /// After this the page is shown as expired (never removed).
    pub expires: Option<Date>,
    /// Left out of builds without `--drafts`.
    pub draft: bool,
    /// Overrides the last URL component.
    pub slug: Option<String>,
    /// Overrides the whole URL path.
    pub path: Option<String>,
    /// A summary written by hand, in Markdown.
    pub summary: Option<String>,
    /// Order under `sort_by = "weight"`.
    pub weight: Option<i64>,
    /// Template instead of the section's `page_template` or `page.html`.
    pub template: Option<String>,
    /// Old URLs that redirect here.
    pub aliases: Vec<String>,
    /// Taxonomy name → terms, e.g. `department` → [示例区司法局].
    pub taxonomies: PageTerms,
    /// Disclosure fields.
    pub disclosure: Disclosure,
    /// Listed first in its section.
    pub pinned: bool,
    /// The video of a 普法视频 page.
    pub video: Option<Video>,
    /// Free data for templates.
    pub extra: Extra,
}

/// How a section orders its pages.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SortBy {
    /// Newest first; undated pages last.
    #[default]
    Date,
    /// Lowest weight first.
    Weight,
    /// By title, in pinyin order.
    Title,
}

/// What a section's `_index.md` may say.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SectionMeta {
    /// Shown in navigation and headings.
    pub title: String,
    /// Order of the section's pages.
    #[serde(default)]
    pub sort_by: SortBy,
    /// Pages per listing page; absent or 0 means all on one.
    pub paginate_by: Option<usize>,
    /// Template instead of `section.html`.
    pub template: Option<String>,
    /// Template for the section's pages instead of `page.html`.
    pub page_template: Option<String>,
    /// Order among sibling sections.
    pub weight: Option<i64>,
    /// Free data for templates.
    #[serde(default)]
    pub extra: Map<String, Value>,
}

/// A small map from names to values, kept as a list sorted by name. Most pages have two or three
/// taxonomies and one or two `[extra]` keys, and a `BTreeMap` node costs half a kilobyte per
/// page (67 MB for the terms of 100,000 pages). Templates see a map, as before.
#[derive(Debug, Clone, PartialEq)]
pub struct ShortMap<V>(Vec<(String, V)>);

/// A page's terms by taxonomy (`department` → [示例区司法局]).
pub type PageTerms = ShortMap<Vec<String>>;

/// A page's `[extra]` table.
pub type Extra = ShortMap<Value>;

impl<V> Default for ShortMap<V> {
    fn default() -> Self {
        ShortMap(Vec::new())
    }
}

impl<V> ShortMap<V> {
    /// The value of `name`.
    pub fn get(&self, name: &str) -> Option<&V> {
        self.0.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }

    /// Each name with its value, in name order.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &V)> {
        self.0.iter().map(|(name, value)| (name, value))
    }

    fn sort(&mut self) {
        self.0.sort_by(|a, b| a.0.cmp(&b.0));
        self.0.shrink_to_fit();
    }
}

impl<'a, V> IntoIterator for &'a ShortMap<V> {
    type Item = (&'a String, &'a V);
    type IntoIter = Box<dyn Iterator<Item = Self::Item> + 'a>;
    fn into_iter(self) -> Self::IntoIter {
        Box::new(self.iter())
    }
}

impl<V> std::ops::Index<&str> for ShortMap<V> {
    type Output = V;
    fn index(&self, name: &str) -> &V {
        self.get(name).unwrap_or_else(|| panic!("no `{name}`"))
    }
}

impl From<Map<String, Value>> for Extra {
    fn from(map: Map<String, Value>) -> Extra {
        // `Map` iterates in key order.
        ShortMap(map.into_iter().collect())
    }
}

impl<V: Serialize> Serialize for ShortMap<V> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (name, value) in &self.0 {
            map.serialize_entry(name, value)?;
        }
        map.end()
    }
}

/// Names that are taxonomies on this site.
pub fn taxonomy_names(config: &Config) -> Vec<&str> {
    let mut names: Vec<&str> = config.taxonomies.keys().map(String::as_str).collect();
    if !names.contains(&DEFAULT_TAXONOMY) {
        names.push(DEFAULT_TAXONOMY);
    }
    names
}

/// Reads a page's front matter. All problems found are returned, not only the first.
pub fn page_meta(doc: &Document, config: &Config) -> Result<PageMeta, Vec<Diagnostic>> {
    let mut map = doc.parse().map_err(|d| vec![d])?;
    let taxonomy_keys = taxonomy_names(config);
    let mut problems = Vec::new();
    let mut taxonomies = PageTerms::default();
    for name in &taxonomy_keys {
        if let Some(value) = map.remove(*name) {
            match string_list(value) {
                Some(terms) if !terms.is_empty() => {
                    taxonomies.0.push((name.to_string(), terms));
                }
                Some(_) => {}
                None => problems.push(Diagnostic::error(
                    doc.location_of_key(&[name]),
                    Problem::InvalidValue {
                        field: name.to_string(),
                        detail: "terms must be text".into(),
                        expected: format!("a list such as {name} = [\"…\", \"…\"]"),
                    },
                )),
            }
        }
    }
    problems.extend(doc.reject_unknown_keys::<PageFrontMatter>(&mut map, &taxonomy_keys));
    let raw: PageFrontMatter = match doc.deserialize(map) {
        Ok(raw) => raw,
        Err(d) => {
            problems.push(d);
            return Err(problems);
        }
    };
    if raw.title.trim().is_empty() {
        problems.push(Diagnostic::error(
            doc.location_of_key(&["title"]),
            Problem::InvalidValue {
                field: "title".into(),
                detail: "the title is empty".into(),
                expected: "the page's title".into(),
            },
        ));
    }
    let mut date = |field: &str, value: Option<String>| -> Option<Date> {
        let value = value?;
        let parsed = Date::parse(&value, &config.tz);
        if parsed.is_none() {
            problems.push(Diagnostic::error(
                doc.location_of_key(&[field]),
                Problem::InvalidDate {
                    field: field.to_string(),
                    value,
                },
            ));
        }
        parsed
    };
    let meta_date = date("date", raw.date);
    let updated = date("updated", raw.updated);
    let expires = date("expires", raw.expires);
    let written = date("written", raw.written);
    let video = raw.video.map(|v| {
        let duration_seconds = v.duration.as_deref().and_then(parse_duration);
        if v.duration.is_some() && duration_seconds.is_none() {
            problems.push(Diagnostic::error(
                doc.location_of_key(&["video", "duration"]),
                Problem::InvalidValue {
                    field: "video.duration".into(),
                    detail: format!(
                        "`{}` is not a running time",
                        v.duration.clone().unwrap_or_default()
                    ),
                    expected: "MM:SS or HH:MM:SS, e.g. \"03:25\"".into(),
                },
            ));
        }
        Video {
            file: v.file,
            poster: v.poster,
            captions: v.captions,
            duration: v.duration,
            duration_seconds,
        }
    });
    if let Some(slug) = &raw.slug
        && !crate::slug::is_valid_slug_component(slug)
    {
        problems.push(Diagnostic::error(
            doc.location_of_key(&["slug"]),
            Problem::InvalidValue {
                field: "slug".into(),
                detail: format!("`{slug}` is not usable as one URL component"),
                expected: "ASCII letters, digits, `-`, `_` or `.`, e.g. \"2023-annual-report\""
                    .into(),
            },
        ));
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(PageMeta {
        title: raw.title.trim().to_string(),
        date: meta_date,
        updated,
        expires,
        draft: raw.draft,
        slug: raw.slug,
        path: raw.path,
        summary: raw.summary,
        weight: raw.weight,
        template: raw.template,
        aliases: raw.aliases,
        taxonomies: {
            let mut taxonomies = taxonomies;
            taxonomies.sort();
            taxonomies
        },
        disclosure: Disclosure {
            source: raw.source,
            publisher: raw.publisher,
            index_number: raw.index_number,
            doc_number: raw.doc_number,
            written,
            validity: raw.validity,
        },
        pinned: raw.pinned,
        video,
        extra: Extra::from(raw.extra),
    })
}

/// Reads a section's front matter.
pub fn section_meta(doc: &Document) -> Result<SectionMeta, Vec<Diagnostic>> {
    let mut map = doc.parse().map_err(|d| vec![d])?;
    let mut problems = doc.reject_unknown_keys::<SectionMeta>(&mut map, &[]);
    match doc.deserialize::<SectionMeta>(map) {
        Ok(meta) if problems.is_empty() => Ok(meta),
        Ok(_) => Err(problems),
        Err(d) => {
            problems.push(d);
            Err(problems)
        }
    }
}

fn string_list(value: Value) -> Option<Vec<String>> {
    match value {
        Value::String(s) => Some(vec![s.trim().to_string()]),
        Value::Array(items) => items
            .into_iter()
            .map(|v| match v {
                Value::String(s) => Some(s.trim().to_string()),
                _ => None,
            })
            .collect(),
        _ => None,
    }
}

/// `MM:SS` or `HH:MM:SS` to seconds.
fn parse_duration(text: &str) -> Option<u64> {
    let parts: Vec<u64> = text
        .trim()
        .split(':')
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    // Checked arithmetic: an absurd duration is an error for the webmaster, not a panic.
    match parts.as_slice() {
        [m, s] if *s < 60 => m.checked_mul(60)?.checked_add(*s),
        [h, m, s] if *m < 60 && *s < 60 => h.checked_mul(3600)?.checked_add(m * 60 + s),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> Config {
        Config::parse(
            Path::new("/none"),
            Path::new("site.toml"),
            "base_url = \"https://a.gov.cn\"\ntitle = \"t\"\n[taxonomies.department]\n",
        )
        .unwrap()
    }

    fn meta(text: &str) -> Result<PageMeta, Vec<Diagnostic>> {
        let file = Path::new("content/a.md");
        let split = split(file, text).map_err(|d| vec![d])?;
        page_meta(&split.document, &config())
    }

    #[test]
    fn toml_and_yaml_front_matter_both_work() {
        let toml =
            meta("+++\ntitle = \"报告\"\ndate = 2024-03-28\ndepartment = \"司法局\"\n+++\n正文\n")
                .unwrap();
        assert_eq!(toml.title, "报告");
        assert_eq!(toml.taxonomies["department"], vec!["司法局"]);
        let yaml =
            meta("---\ntitle: 报告\ndate: 2024-03-28 15:46\ntags: [a, b]\nvalidity: 废止\n---\n")
                .unwrap();
        assert!(yaml.date.unwrap().has_time);
        assert_eq!(yaml.taxonomies["tags"], vec!["a", "b"]);
        assert_eq!(yaml.disclosure.validity, Some(Validity::Repealed));
    }

    #[test]
    fn taxonomies_may_not_shadow_any_page_field() {
        for field in crate::fields::struct_fields::<PageFrontMatter>() {
            assert!(
                crate::config::RESERVED_PAGE_KEYS.contains(field),
                "config::RESERVED_PAGE_KEYS lacks the page field `{field}`"
            );
        }
    }

    #[test]
    fn body_line_offset_counts_front_matter_lines() {
        let text = "+++\ntitle = \"a\"\n+++\nbody\n";
        let split = split(Path::new("a.md"), text).unwrap();
        assert_eq!(split.body, "body\n");
        assert_eq!(split.body_line_offset, 3);
    }

    #[test]
    fn all_problems_of_a_file_are_reported_at_their_lines() {
        let errors = meta("+++\ntitel = \"报告\"\ndate = \"昨天\"\n+++\n").unwrap_err();
        let text: Vec<String> = errors.iter().map(|d| d.to_string()).collect();
        assert!(
            text.iter()
                .any(|t| t.contains("unknown field `titel`") && t.contains("content/a.md:2:1")),
            "{text:?}"
        );
        assert!(
            text.iter()
                .any(|t| t.contains("missing required field `title`")),
            "{text:?}"
        );
    }

    #[test]
    fn bad_dates_and_durations_are_errors_with_lines() {
        let errors = meta("+++\ntitle = \"a\"\ndate = \"2024-02-30\"\n[video]\nfile = \"a.mp4\"\nduration = \"3分\"\n+++\n").unwrap_err();
        let text: Vec<String> = errors.iter().map(|d| d.to_string()).collect();
        assert!(
            text.iter()
                .any(|t| t.contains("content/a.md:3:1") && t.contains("2024-02-30")),
            "{text:?}"
        );
        assert!(
            text.iter()
                .any(|t| t.contains("content/a.md:6:1") && t.contains("video.duration")),
            "{text:?}"
        );
    }

    #[test]
    fn unclosed_and_missing_front_matter() {
        assert!(matches!(
            *meta("+++\ntitle = \"a\"\n").unwrap_err()[0].problem,
            Problem::UnclosedFrontMatter { .. }
        ));
        assert!(matches!(
            *meta("# 标题\n").unwrap_err()[0].problem,
            Problem::MissingFrontMatter
        ));
        assert!(matches!(
            *meta("  \n").unwrap_err()[0].problem,
            Problem::EmptyFile
        ));
    }
}
