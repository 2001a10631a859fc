//! Markdown to HTML, per file and independent of every other file.
//!
//! Rendering depends only on the file itself, so the loader runs it in parallel as soon as a file
//! is read. The one thing that needs the whole site, the URL behind an internal link
//! `@/reports/a.md#anchor`, is left as a numbered placeholder and filled in by the resolve stage
//! ([`Rendered::links`] says what each placeholder points to and where it was written).
//!
//! Heading ids follow the site's slug rule (pinyin for Chinese, `一、主要工作` → `yi-zhu-yao-gong-zuo`),
//! are unique on the page (`-1`, `-2`… for repeats) and can be set with `## 标题 {#my-id}`.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};

use comrak::adapters::{HeadingAdapter, HeadingMeta};
use comrak::nodes::{AstNode, NodeValue, Sourcepos};
use comrak::{Arena, Options, options::Plugins};
use serde::Serialize;

use crate::config::{MarkdownConfig, RawHtml};
use crate::diagnostics::Problem;
use crate::slug::{is_valid_slug_component, slugify};

/// Marks the end of a summary in a page's Markdown.
pub const MORE_MARKER: &str = "<!-- more -->";

/// Prefix of the placeholder written where an internal link's URL will go.
pub const LINK_PLACEHOLDER: &str = "gongkai-link:";

/// One heading, for the table of contents; nested by level.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Heading {
    /// 1 to 6.
    pub level: u8,
    /// The anchor, unique on the page.
    pub id: String,
    /// The heading's plain text.
    pub title: String,
    /// Headings of lower rank that follow it.
    pub children: Vec<Heading>,
}

/// An `@/` link found in a file, to be resolved once all URLs are known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InternalLink {
    /// Content-relative path of the target file, percent-decoded (`reports/a.md`).
    pub target: String,
    /// The part after `#`, if any.
    pub anchor: Option<String>,
    /// 1-based line in the Markdown body.
    pub line: usize,
    /// 1-based column (characters) in that line.
    pub column: usize,
    /// The line as written (its first [`MAX_SNIPPET_CHARS`] characters), so that a broken link
    /// is shown without reading the file again.
    pub source_line: String,
}

/// Longest source line kept for a message: a line of 100,000 links must not be copied, and
/// printed, once per link.
pub const MAX_SNIPPET_CHARS: usize = 1000;

/// A problem in the Markdown itself, positioned in the body.
#[derive(Debug, Clone)]
pub struct MarkdownProblem {
    /// 1-based line in the body.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// What is wrong.
    pub problem: Problem,
    /// The line as written, cut like [`InternalLink::source_line`].
    pub source_line: String,
}

/// Rendered HTML, held as the template engine's safe string, so that `{{ page.content }}`
/// hands a template these very bytes. minijinja makes a safe string only out of a `String`:
/// kept as an `Arc<str>`, a 7 MB body was copied on every read of `page.content`, work that
/// no fuel counts.
#[derive(Debug, Clone, PartialEq)]
pub struct Html(minijinja::Value);

impl Html {
    /// The HTML as a template value, without a copy.
    pub fn to_value(&self) -> minijinja::Value {
        self.0.clone()
    }
}

impl From<String> for Html {
    fn from(html: String) -> Html {
        Html(minijinja::Value::from_safe_string(html))
    }
}

impl Default for Html {
    fn default() -> Html {
        Html::from(String::new())
    }
}

impl std::ops::Deref for Html {
    type Target = str;

    fn deref(&self) -> &str {
        // Always a string: `From<String>` is the only way to make one.
        self.0.as_str().unwrap_or_default()
    }
}

impl std::fmt::Display for Html {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self)
    }
}

/// The output of rendering one file's Markdown.
#[derive(Debug, Clone, Default)]
pub struct Rendered {
    /// HTML, with internal-link placeholders.
    pub content: Html,
    /// HTML before `<!-- more -->`, when the file has one.
    pub summary: Option<Html>,
    /// Top-level headings with their sub-headings.
    pub toc: Vec<Heading>,
    /// Every id an `#anchor` may point to: headings and footnotes.
    pub anchors: HashSet<String>,
    /// `@/` links in document order; placeholder `N` is `links[N]`.
    pub links: Vec<InternalLink>,
    /// Words, counting each Chinese character as one.
    pub word_count: usize,
    /// Minutes to read, at least 1.
    pub reading_time: usize,
    /// The opening of the text, up to about 120 characters, for `<meta name="description">`.
    pub description: String,
    /// Problems found while rendering.
    pub problems: Vec<MarkdownProblem>,
}

/// Chinese characters read per minute and Latin words per minute.
const CJK_CHARS_PER_MINUTE: usize = 400;
const WORDS_PER_MINUTE: usize = 200;
const DESCRIPTION_CHARS: usize = 120;

/// Replaces each `gongkai-link:N"` with `urls[N]"`.
pub fn replace_placeholders(html: &str, urls: &[String]) -> String {
    let mut out = String::with_capacity(html.len() + 64);
    let mut rest = html;
    while let Some(start) = rest.find(LINK_PLACEHOLDER) {
        out.push_str(&rest[..start]);
        let after = &rest[start + LINK_PLACEHOLDER.len()..];
        let digits = after.bytes().take_while(u8::is_ascii_digit).count();
        match after[..digits]
            .parse::<usize>()
            .ok()
            .and_then(|n| urls.get(n))
        {
            Some(url) if after[digits..].starts_with('"') => {
                out.push_str(&escape_html(url));
                rest = &after[digits..];
            }
            _ => {
                out.push_str(LINK_PLACEHOLDER);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Builds comrak's options from `[markdown]`; done once per build.
pub fn comrak_options(config: &MarkdownConfig) -> Options<'static> {
    let mut options = Options::default();
    options.extension.strikethrough = true;
    options.extension.table = true;
    options.extension.autolink = true;
    options.extension.tasklist = true;
    options.extension.footnotes = true;
    options.extension.cjk_friendly_emphasis = true;
    options.parse.smart = config.smart_punctuation;
    match config.raw_html {
        RawHtml::Escape => options.render.escape = true,
        RawHtml::Sanitize | RawHtml::Trust => options.render.r#unsafe = true,
    }
    options
}

/// Renders one file's Markdown body.
pub fn render(body: &str, options: &Options, raw_html: RawHtml) -> Rendered {
    let arena = Arena::new();
    let root = comrak::parse_document(&arena, body, options);
    let mut out = Rendered::default();
    let mut ids = HeadingIds::default();
    let lines = LineIndex::new(body);
    // The last node inside the heading being walked: text up to it is heading text.
    let mut heading_end: Option<&AstNode> = None;
    let mut has_raw_html = false;
    let mut more_marker = None;
    let mut overlong_autolinks = Vec::new();
    let mut headings: Vec<(u8, String, String)> = Vec::new();
    let mut text = TextStats::default();

    for node in root.descendants() {
        let pos = node.data().sourcepos;
        let in_heading = heading_end.is_some();
        let mut data = node.data_mut();
        match &mut data.value {
            NodeValue::Heading(heading) => {
                let level = heading.level;
                drop(data);
                let mut last = node;
                while let Some(child) = last.last_child() {
                    last = child;
                }
                heading_end = Some(last);
                let explicit = take_explicit_id(node);
                let title = plain_text(node);
                let id = match explicit {
                    Some(id) if !is_valid_slug_component(&id) => {
                        out.problems.push(problem_at(
                            &lines,
                            pos,
                            Problem::InvalidValue {
                                field: "heading id".into(),
                                detail: format!("`{{#{id}}}` has characters an anchor cannot have"),
                                expected: "letters a-z, digits, `-`, `_` or `.`".into(),
                            },
                        ));
                        ids.unique(&slugify(&title))
                    }
                    Some(id) if ids.seen.contains(&id) => {
                        out.problems.push(problem_at(
                            &lines,
                            pos,
                            Problem::DuplicateHeadingId { id: id.clone() },
                        ));
                        ids.unique(&id)
                    }
                    Some(id) => ids.unique(&id),
                    None => ids.unique(&slugify(&title)),
                };
                headings.push((level, id, title));
            }
            NodeValue::Link(link) | NodeValue::Image(link) => {
                if let Some(rest) = link.url.strip_prefix("@/") {
                    let (target, anchor) = match rest.split_once('#') {
                        Some((t, a)) => (t, Some(percent_decode(a))),
                        None => (rest, None),
                    };
                    out.links.push(InternalLink {
                        target: percent_decode(target),
                        anchor,
                        line: pos.start.line,
                        column: lines.char_column(pos.start.line, pos.start.column),
                        source_line: lines.snippet(pos.start.line),
                    });
                    link.url = format!("{LINK_PLACEHOLDER}{}", out.links.len() - 1);
                } else if raw_html == RawHtml::Sanitize && is_dangerous_url(&link.url) {
                    link.url.clear();
                }
                if !link.url.is_ascii() && is_autolink(node, &link.url) {
                    overlong_autolinks.push(node);
                }
            }
            NodeValue::HtmlBlock(block) => {
                if block.literal.trim() == MORE_MARKER
                    && node.parent().is_some_and(|p| p.same_node(root))
                {
                    more_marker = Some(node);
                } else {
                    has_raw_html = true;
                }
            }
            NodeValue::HtmlInline(_) => has_raw_html = true,
            NodeValue::FootnoteDefinition(footnote) => {
                out.anchors.insert(format!("fn-{}", footnote.name));
            }
            NodeValue::Text(t) => text.add(t, !in_heading),
            NodeValue::Code(code) => text.add(&code.literal, false),
            _ => {}
        }
        if heading_end.is_some_and(|end| end.same_node(node)) {
            heading_end = None;
        }
    }

    for link in overlong_autolinks {
        trim_autolink(&arena, link);
    }
    out.toc = nest_headings(&headings);
    out.anchors
        .extend(headings.iter().map(|(_, id, _)| id.clone()));
    let adapter = HeadingRenderer {
        ids: headings.iter().map(|(_, id, _)| id.clone()).collect(),
        next: AtomicUsize::new(0),
    };
    let mut plugins = Plugins::default();
    plugins.render.heading_adapter = Some(&adapter);
    let sanitize = raw_html == RawHtml::Sanitize && has_raw_html;

    if let Some(marker) = more_marker {
        // Render the part before the marker alone: detach what follows, render, put it back.
        let rest: Vec<_> = marker.following_siblings().skip(1).collect();
        marker.detach();
        for node in &rest {
            node.detach();
        }
        let (summary, _) = finish(html_of(root, options, &plugins), sanitize);
        out.summary = Some(summary.into());
        root.extend(rest);
        adapter.next.store(0, Ordering::Relaxed);
    }
    let (content, too_deep) = finish(html_of(root, options, &plugins), sanitize);
    out.content = content.into();
    if too_deep {
        out.problems.push(MarkdownProblem {
            line: 1,
            column: 1,
            problem: Problem::HtmlTooDeep {
                limit: MAX_HTML_DEPTH,
            },
            source_line: body
                .lines()
                .next()
                .unwrap_or_default()
                .chars()
                .take(1000)
                .collect(),
        });
    }
    out.word_count = text.words + text.cjk_chars;
    let minutes = text.cjk_chars as f64 / CJK_CHARS_PER_MINUTE as f64
        + text.words as f64 / WORDS_PER_MINUTE as f64;
    out.reading_time = (minutes.ceil() as usize).max(1);
    out.description = text.description;
    out.description.shrink_to_fit();
    out
}

fn problem_at(lines: &LineIndex, pos: Sourcepos, problem: Problem) -> MarkdownProblem {
    MarkdownProblem {
        line: pos.start.line,
        column: lines.char_column(pos.start.line, pos.start.column),
        problem,
        source_line: lines.snippet(pos.start.line),
    }
}

/// Where each line of a body starts, so that the line of a link or a problem is found without
/// reading the body from its start again: a page of 100,000 links is linear, not quadratic.
/// Lines are those of [`str::lines`].
struct LineIndex<'a> {
    text: &'a str,
    starts: Vec<usize>,
    /// (line, byte, characters before it) of the last column asked for: links come in document
    /// order, so counting on from there keeps a line of 100,000 links linear too.
    cursor: std::cell::Cell<(usize, usize, usize)>,
}

impl<'a> LineIndex<'a> {
    fn new(text: &'a str) -> Self {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        LineIndex {
            text,
            starts,
            cursor: std::cell::Cell::new((0, 0, 0)),
        }
    }

    /// Line `line` (1-based), without its line break; empty past the end.
    fn line(&self, line: usize) -> &'a str {
        let Some(&start) = line.checked_sub(1).and_then(|i| self.starts.get(i)) else {
            return "";
        };
        let end = self
            .starts
            .get(line)
            .map_or(self.text.len(), |next| next - 1);
        let text = &self.text[start..end];
        text.strip_suffix('\r').unwrap_or(text)
    }

    /// The start of a line, for messages.
    fn snippet(&self, line: usize) -> String {
        self.line(line).chars().take(MAX_SNIPPET_CHARS).collect()
    }

    /// comrak counts columns in bytes; people count characters.
    fn char_column(&self, line: usize, byte_column: usize) -> usize {
        if line == 0 || line > self.starts.len() {
            return byte_column;
        }
        let text = self.line(line);
        let mut end = byte_column.saturating_sub(1).min(text.len());
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        let (from, before) = match self.cursor.get() {
            (at_line, byte, chars) if at_line == line && byte <= end => (byte, chars),
            _ => (0, 0),
        };
        let chars = before + text[from..end].chars().count();
        self.cursor.set((line, end, chars));
        chars + 1
    }
}

fn html_of<'a>(root: &'a AstNode<'a>, options: &Options, plugins: &Plugins) -> String {
    let mut html = String::new();
    // Writing into a String cannot fail.
    let _ = comrak::format_html_with_plugins(root, options, &mut html, plugins);
    html
}

/// Deepest nesting of raw HTML elements the sanitizer is given. Its HTML parser does work in
/// proportion to the depth for every element, so 80,000 nested `<div>`s took 11 s and the
/// 8 MB a file may hold about an hour; 512 levels take a millisecond, and no real page comes
/// near them.
pub const MAX_HTML_DEPTH: usize = 512;

/// Sanitises when needed, then wraps tables so that wide ones scroll on a 320 px phone while
/// staying reachable by keyboard (a focusable, labelled region). HTML nested past
/// [`MAX_HTML_DEPTH`] is escaped instead of sanitised (shown as text, never run), and the
/// second value says so.
fn finish(html: String, sanitize: bool) -> (String, bool) {
    let too_deep = sanitize && html_depth(&html) > MAX_HTML_DEPTH;
    let html = if too_deep {
        escape_html(&html)
    } else if sanitize {
        sanitizer().clean(&html).to_string()
    } else {
        html
    };
    (finish_tables(html), too_deep)
}

fn finish_tables(html: String) -> String {
    if !html.contains("<table") {
        return html;
    }
    rewrite_tables(&html)
}

/// Wraps each table in a labelled, focusable scroll region and turns `align="…"` on cells into
/// `class="align-…"`, in one pass over the HTML. `align` is obsolete in HTML5, and a `style`
/// attribute would break a strict CSP: a class lets the theme's stylesheet align the column.
fn rewrite_tables(html: &str) -> String {
    const OPEN: &str =
        "<div class=\"table-scroll\" role=\"region\" aria-label=\"表格\" tabindex=\"0\">\n<table>";
    let mut out = String::with_capacity(html.len() + 256);
    let mut rest = html;
    while let Some(at) = rest.find('<') {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        if let Some(after) = tail.strip_prefix("<table>") {
            out.push_str(OPEN);
            rest = after;
        } else if let Some(after) = tail.strip_prefix("</table>") {
            out.push_str("</table>\n</div>");
            rest = after;
        } else if let Some((tag, value, after)) = aligned_cell(tail) {
            out.push_str(tag);
            out.push_str(" class=\"align-");
            out.push_str(value);
            out.push('"');
            rest = after;
        } else {
            out.push('<');
            rest = &tail[1..];
        }
    }
    out.push_str(rest);
    out
}

/// Splits `<td align="right"…` into (`<td`, `right`, the rest after the closing quote).
fn aligned_cell(tail: &str) -> Option<(&str, &str, &str)> {
    let tag = ["<td", "<th"].into_iter().find(|t| tail.starts_with(t))?;
    let after_attr = tail[tag.len()..].strip_prefix(" align=\"")?;
    let end = after_attr.find('"')?;
    Some((tag, &after_attr[..end], &after_attr[end + 1..]))
}

/// How deep elements nest in `html`, roughly (void elements, comments and self-closing tags do
/// not count): enough to tell a page from an attack on the sanitizer.
fn html_depth(html: &str) -> usize {
    const VOID: &[&str] = &[
        "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr",
    ];
    let (mut depth, mut deepest) = (0usize, 0usize);
    let bytes = html.as_bytes();
    for (at, _) in html.match_indices('<') {
        let rest = &html[at + 1..];
        if let Some(closing) = rest.strip_prefix('/') {
            if closing.starts_with(|c: char| c.is_ascii_alphabetic()) {
                depth = depth.saturating_sub(1);
            }
            continue;
        }
        let name_len = rest
            .bytes()
            .take_while(|b| b.is_ascii_alphanumeric())
            .count();
        if name_len == 0 || !rest.as_bytes()[0].is_ascii_alphabetic() {
            continue;
        }
        let name = rest[..name_len].to_ascii_lowercase();
        let self_closing = rest
            .find('>')
            .is_some_and(|end| end > 0 && bytes[at + end] == b'/');
        if !VOID.contains(&name.as_str()) && !self_closing {
            depth += 1;
            deepest = deepest.max(depth);
        }
    }
    deepest
}

fn sanitizer() -> &'static ammonia::Builder<'static> {
    static SANITIZER: std::sync::OnceLock<ammonia::Builder<'static>> = std::sync::OnceLock::new();
    SANITIZER.get_or_init(|| {
        let mut builder = ammonia::Builder::default();
        builder
            .add_generic_attributes([
                "id",
                "class",
                "lang",
                "dir",
                "title",
                "aria-label",
                "aria-hidden",
            ])
            .add_tags([
                "video",
                "audio",
                "source",
                "track",
                "figure",
                "figcaption",
                "details",
                "summary",
                "mark",
                "section",
            ])
            .add_tag_attributes(
                "video",
                [
                    "controls",
                    "poster",
                    "preload",
                    "src",
                    "width",
                    "height",
                    "muted",
                    "playsinline",
                ],
            )
            .add_tag_attributes("audio", ["controls", "preload", "src"])
            .add_tag_attributes("source", ["src", "type"])
            .add_tag_attributes("track", ["src", "kind", "srclang", "label", "default"])
            .add_tag_attributes("ol", ["start", "type"])
            .add_tag_attributes("td", ["colspan", "rowspan", "align"])
            .add_tag_attributes("th", ["colspan", "rowspan", "align", "scope"])
            .add_tag_attributes("input", ["type", "checked", "disabled"])
            .add_tags(["input"])
            .add_url_schemes(["gongkai-link", "tel"])
            .link_rel(None);
        builder
    })
}

/// The same list of schemes comrak blanks in its safe mode.
fn is_dangerous_url(url: &str) -> bool {
    let lower: String = url
        .trim_start()
        .chars()
        .take(16)
        .collect::<String>()
        .to_ascii_lowercase();
    if lower.starts_with("data:") {
        let image = [
            "data:image/png",
            "data:image/gif",
            "data:image/jpeg",
            "data:image/webp",
        ];
        return !image.iter().any(|p| lower.starts_with(p));
    }
    ["javascript:", "vbscript:", "file:"]
        .iter()
        .any(|p| lower.starts_with(p))
}

/// Whether a link was written as a bare URL (its text is its URL).
fn is_autolink<'a>(link: &'a AstNode<'a>, url: &str) -> bool {
    let Some(child) = link.first_child() else {
        return false;
    };
    let NodeValue::Text(text) = &child.data().value else {
        return false;
    };
    child.next_sibling().is_none() && (text == url || url.strip_prefix("mailto:") == Some(text))
}

/// Ends a bare URL at the first non-ASCII character. Chinese has no spaces between words, so
/// GFM's rule (a URL runs to the next space) swallows the sentence after it:
/// `（https://example.gov.cn）为第一平台` must link only the address. The rest becomes text again.
fn trim_autolink<'a>(arena: &'a Arena<'a>, link: &'a AstNode<'a>) {
    let rest = {
        let mut data = link.data_mut();
        let NodeValue::Link(node_link) = &mut data.value else {
            return;
        };
        let Some(cut) = node_link.url.find(|c: char| !c.is_ascii()) else {
            return;
        };
        let rest = node_link.url[cut..].to_string();
        node_link.url.truncate(cut);
        rest
    };
    if let Some(child) = link.first_child()
        && let NodeValue::Text(text) = &mut child.data_mut().value
    {
        let keep = text.len().saturating_sub(rest.len());
        *text = text[..keep].to_string().into();
    }
    let tail = arena.alloc(NodeValue::Text(rest.into()).into());
    link.insert_after(tail);
}

/// Strips a trailing `{#id}` from a heading and returns the id.
fn take_explicit_id<'a>(heading: &'a AstNode<'a>) -> Option<String> {
    let last = heading.last_child()?;
    let mut data = last.data_mut();
    let NodeValue::Text(text) = &mut data.value else {
        return None;
    };
    let trimmed = text.trim_end();
    let start = trimmed.rfind("{#")?;
    if !trimmed.ends_with('}') {
        return None;
    }
    let id = trimmed[start + 2..trimmed.len() - 1].trim().to_string();
    let kept = trimmed[..start].trim_end().to_string();
    *text = kept.into();
    Some(id)
}

fn plain_text<'a>(node: &'a AstNode<'a>) -> String {
    let mut title = String::new();
    for child in node.descendants() {
        match &child.data().value {
            NodeValue::Text(t) => title.push_str(t),
            NodeValue::Code(c) => title.push_str(&c.literal),
            NodeValue::SoftBreak | NodeValue::LineBreak => title.push(' '),
            _ => {}
        }
    }
    title.trim().to_string()
}

/// Makes ids unique on a page, in document order: `x`, then `x-1`, `x-2`…
///
/// The next suffix to try is remembered per base id, so `n` repeats of a heading cost `n` steps,
/// not `n²` (20,000 repeats took 11 s when every repeat counted up from `-1` again). An id taken
/// meanwhile in its own right (a heading titled `x-1`) is skipped, so ids stay unique.
#[derive(Default)]
struct HeadingIds {
    seen: HashSet<String>,
    next_suffix: HashMap<String, usize>,
}

impl HeadingIds {
    fn unique(&mut self, base: &str) -> String {
        if self.seen.insert(base.to_string()) {
            return base.to_string();
        }
        let n = self.next_suffix.entry(base.to_string()).or_insert(1);
        // Each id skipped here is `base-k` for this base alone, and `n` only grows: linear.
        loop {
            let candidate = format!("{base}-{n}");
            *n += 1;
            if self.seen.insert(candidate.clone()) {
                return candidate;
            }
        }
    }
}

/// Writes `<hN id="…">` with the ids worked out beforehand, in document order.
struct HeadingRenderer {
    ids: Vec<String>,
    next: AtomicUsize,
}

impl HeadingAdapter for HeadingRenderer {
    fn enter(
        &self,
        output: &mut dyn std::fmt::Write,
        heading: &HeadingMeta,
        _: Option<Sourcepos>,
    ) -> std::fmt::Result {
        let index = self.next.fetch_add(1, Ordering::Relaxed);
        match self.ids.get(index) {
            Some(id) => write!(output, "<h{} id=\"{}\">", heading.level, id),
            None => write!(output, "<h{}>", heading.level),
        }
    }

    fn exit(&self, output: &mut dyn std::fmt::Write, heading: &HeadingMeta) -> std::fmt::Result {
        writeln!(output, "</h{}>", heading.level)
    }
}

fn nest_headings(flat: &[(u8, String, String)]) -> Vec<Heading> {
    fn build(items: &[(u8, String, String)], index: &mut usize, parent_level: u8) -> Vec<Heading> {
        let mut out = Vec::new();
        while let Some((level, id, title)) = items.get(*index) {
            if *level <= parent_level {
                break;
            }
            *index += 1;
            let children = build(items, index, *level);
            out.push(Heading {
                level: *level,
                id: id.clone(),
                title: title.clone(),
                children,
            });
        }
        out
    }
    let mut index = 0;
    let mut out = Vec::new();
    while index < flat.len() {
        out.extend(build(flat, &mut index, 0));
    }
    out
}

/// Counts words and gathers the opening text.
#[derive(Default)]
struct TextStats {
    cjk_chars: usize,
    words: usize,
    description: String,
    description_chars: usize,
}

impl TextStats {
    fn add(&mut self, text: &str, for_description: bool) {
        let mut in_word = false;
        for c in text.chars() {
            if is_cjk(c) {
                self.cjk_chars += 1;
                in_word = false;
            } else if c.is_alphanumeric() {
                if !in_word {
                    self.words += 1;
                }
                in_word = true;
            } else {
                in_word = false;
            }
        }
        if for_description && self.description_chars < DESCRIPTION_CHARS {
            for c in text.chars() {
                if self.description_chars >= DESCRIPTION_CHARS {
                    self.description.push('…');
                    break;
                }
                self.description.push(c);
                self.description_chars += 1;
            }
        }
    }
}

/// Han ideographs, kana and hangul: each counts as a word.
fn is_cjk(c: char) -> bool {
    matches!(c as u32, 0x3040..=0x30FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF | 0x20000..=0x3FFFD)
}

/// Escapes text for HTML content and double-quoted attributes. The one escaper for URLs written
/// into pages, so that code searching the output (the preview server) finds them as written.
pub fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Decodes `%XX` escapes (links to Chinese file names arrive encoded from some editors).
pub fn percent_decode(input: &str) -> String {
    if !input.contains('%') {
        return input.to_string();
    }
    let bytes = input.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|_| input.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn md(body: &str) -> Rendered {
        let config = MarkdownConfig::default();
        render(body, &comrak_options(&config), config.raw_html)
    }

    #[test]
    fn chinese_headings_get_pinyin_ids_and_repeats_are_numbered() {
        let out = md("## 一、主要工作\n\n### (一)坚持党的领导\n\n## 一、主要工作\n");
        assert!(
            out.content
                .contains("<h2 id=\"yi-zhu-yao-gong-zuo\">一、主要工作</h2>"),
            "{}",
            out.content
        );
        assert!(out.content.contains("<h2 id=\"yi-zhu-yao-gong-zuo-1\">"));
        assert_eq!(out.toc.len(), 2);
        assert_eq!(out.toc[0].children[0].id, "yi-jian-chi-dang-de-ling-dao");
    }

    #[test]
    fn generated_suffixes_never_collide_with_ids_of_their_own() {
        let out = md("## x\n\n## x-1\n\n## x\n\n## x\n\n## x-1\n\n## A {#x-3}\n\n## x\n");
        let ids: Vec<&str> = out.toc.iter().map(|h| h.id.as_str()).collect();
        assert_eq!(ids, ["x", "x-1", "x-2", "x-3", "x-1-1", "x-3-1", "x-4"]);
        let unique: HashSet<&str> = ids.iter().copied().collect();
        assert_eq!(unique.len(), ids.len());
    }

    /// Each of these took from seconds to forever before: repeats counted up from `-1` again,
    /// every text node looked for a heading among its ancestors, and every link searched the
    /// body for its line and copied it whole.
    #[test]
    fn huge_bodies_render_in_linear_time() {
        let cases = [
            "## 标题\n\n".repeat(30_000),
            "## x\n\n## x-1\n\n".repeat(15_000),
            format!("{}x{}\n", "*a ".repeat(30_000), "*".repeat(30_000)),
            "[a](@/b.md) ".repeat(30_000),
        ];
        for body in &cases {
            let start = std::time::Instant::now();
            let out = md(body);
            let took = start.elapsed();
            assert!(
                took < std::time::Duration::from_secs(3),
                "{took:?} for {}…",
                &body[..20]
            );
            assert!(
                out.links
                    .iter()
                    .all(|l| l.source_line.len() <= 4 * MAX_SNIPPET_CHARS)
            );
        }
        let out = md(&cases[0]);
        assert_eq!(out.toc.len(), 30_000);
        assert_eq!(out.toc[29_999].id, "biao-ti-29999");
        let out = md(&cases[3]);
        assert_eq!(out.links[29_999].column, 29_999 * 12 + 1);
    }

    #[test]
    fn explicit_ids_win() {
        let out = md("## 主要工作 {#main-work}\n");
        assert!(
            out.content.contains("<h2 id=\"main-work\">主要工作</h2>"),
            "{}",
            out.content
        );
        assert!(out.anchors.contains("main-work"));
    }

    #[test]
    fn internal_links_become_placeholders_with_positions() {
        let out = md("前文\n\n见[报告](@/reports/a.md#yi) 和 [b](@/b.md)。\n");
        assert_eq!(out.links.len(), 2);
        assert_eq!(out.links[0].target, "reports/a.md");
        assert_eq!(out.links[0].anchor.as_deref(), Some("yi"));
        assert_eq!((out.links[0].line, out.links[0].column), (3, 2));
        assert!(
            out.content.contains("href=\"gongkai-link:0\""),
            "{}",
            out.content
        );
    }

    #[test]
    fn summary_is_what_precedes_the_more_marker() {
        let out = md("第一段。\n\n<!-- more -->\n\n第二段。\n");
        assert_eq!(out.summary.as_deref(), Some("<p>第一段。</p>\n"));
        assert!(out.content.contains("第二段") && !out.content.contains("more"));
    }

    #[test]
    fn raw_html_is_sanitized_by_default() {
        let out =
            md("<script>alert(1)</script>\n\n<b onclick=\"x()\">粗</b> [x](javascript:alert(1))\n");
        assert!(
            !out.content.contains("script") && !out.content.contains("onclick"),
            "{}",
            out.content
        );
        assert!(!out.content.contains("javascript"), "{}", out.content);
        assert!(out.content.contains("<b>粗</b>"));
    }

    #[test]
    fn chinese_is_counted_by_character() {
        let out = md("法治政府建设 is good\n");
        assert_eq!(out.word_count, 6 + 2);
        assert_eq!(out.reading_time, 1);
    }

    #[test]
    fn gfm_features_and_cjk_emphasis() {
        let out = md(
            "**“法治”**建设\n\n| a | b |\n|---|--:|\n| 1 | 2 |\n\n- [x] 完成\n\n~~删~~ 脚注[^1]\n\n[^1]: 注释\n",
        );
        assert!(
            out.content.contains("<strong>“法治”</strong>"),
            "{}",
            out.content
        );
        assert!(out.content.contains("<div class=\"table-scroll\""));
        assert!(
            out.content.contains("<td class=\"align-right\">2</td>"),
            "{}",
            out.content
        );
        assert!(!out.content.contains(" align="));
        assert!(out.content.contains("<del>删</del>"));
        assert!(out.content.contains("type=\"checkbox\""));
        assert!(out.anchors.contains("fn-1"));
    }

    #[test]
    fn bare_urls_stop_at_chinese_text() {
        let out = md("网站（https://www.shiliqu.gov.cn）为第一平台。\n");
        assert!(
            out.content.contains(
                "<a href=\"https://www.shiliqu.gov.cn\">https://www.shiliqu.gov.cn</a>）为第一平台"
            ),
            "{}",
            out.content
        );
    }

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode("%E6%B3%95.md"), "法.md");
        assert_eq!(percent_decode("100%"), "100%");
    }
}
