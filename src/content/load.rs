//! Reading `content/` into a [`Library`]: walk the tree, then parse every Markdown file in parallel.
//!
//! The walk is sequential and cheap (names and sizes only); reading, front matter and Markdown,
//! the costly part, runs on all cores with rayon. Every problem is collected: a broken file is
//! left out of the library and reported, and the rest of the site is still loaded so that all of
//! its problems can be reported in the same run.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use jiff::Timestamp;
use rayon::prelude::*;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::frontmatter::{self, SortBy};
use super::{
    Asset, Library, Page, PageContent, PageMeta, Section, SectionMeta, StaticFile, Target,
    Upcoming, UpcomingEvent,
};
use crate::config::{Config, io_detail};
use crate::diagnostics::{Diagnostic, Diagnostics, Location, Problem};
use crate::markdown::{self, Rendered};
use crate::slug::slugify;
use crate::walk::{SiteRoot, Skipped};

/// Largest Markdown file read: 8 MB, a hundred times a long annual report.
pub const MAX_MARKDOWN_BYTES: u64 = 8 * 1024 * 1024;

/// Front-matter keys that are checked after loading (against the bundle or the whole site),
/// with their paths in the front matter.
const LATE_CHECKED_KEYS: &[(&str, &[&str])] = &[
    ("path", &["path"]),
    ("aliases", &["aliases"]),
    ("video.file", &["video", "file"]),
    ("video.poster", &["video", "poster"]),
    ("video.captions", &["video", "captions"]),
];

/// Which pages a build publishes.
#[derive(Debug, Clone)]
pub struct LoadOptions {
    /// Include `draft = true` pages.
    pub drafts: bool,
    /// Include pages dated in the future.
    pub future: bool,
    /// The build's notion of now, for scheduling and expiry.
    pub now: Timestamp,
    /// How many bytes of page bodies to hold in memory; the rest are rendered again when a
    /// template reads them (see [`crate::content::PageContent`]). The preview holds them all.
    pub held_html_bytes: usize,
}

/// Page bodies held by a build: every body of a site of 10,000 pages (about 40 MB of HTML in
/// the benchmark corpus), a tenth of one of 100,000.
pub const DEFAULT_HELD_HTML_BYTES: usize = 64 << 20;

/// The environment variable that fixes the build's "now" (RFC 3339, e.g.
/// `2026-11-27T12:00:00+08:00`), so that scheduled and expiring pages build the same way on every
/// day: for tests, and for rebuilding an old release exactly.
pub const NOW_VARIABLE: &str = "GONGKAI_NOW";

impl LoadOptions {
    /// The build's "now": `GONGKAI_NOW` when set, else the clock. A malformed value is an error
    /// rather than silently the clock, since it decides which notices are published.
    pub fn build_time() -> Result<Timestamp, String> {
        match std::env::var(NOW_VARIABLE) {
            Ok(value) => value.trim().parse::<Timestamp>().map_err(|e| {
                format!("{NOW_VARIABLE}=`{value}` is not an RFC 3339 time such as 2026-11-27T12:00:00+08:00 ({e})")
            }),
            Err(_) => Ok(Timestamp::now()),
        }
    }
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            drafts: false,
            future: false,
            now: Timestamp::now(),
            held_html_bytes: DEFAULT_HELD_HTML_BYTES,
        }
    }
}

/// A file found by the walk.
#[derive(Debug)]
struct Found {
    rel: String,
    abs: PathBuf,
    size: u64,
}

/// What one Markdown file turned into.
enum Loaded {
    Page(Box<Page>),
    Section(Box<Section>),
}

/// Loads the whole content tree.
pub fn load(config: &Config, options: &LoadOptions) -> (Library, Diagnostics) {
    let mut diagnostics = Diagnostics::new();
    let content_dir = config.content_dir();
    let files = walk(config, &content_dir, &mut diagnostics);

    // `content/index.md` would make the whole site one page bundle: it is the home page's
    // `_index.md` misnamed, and reported below.
    let bundle_dirs: HashSet<&str> = files
        .iter()
        .filter(|f| file_name(&f.rel) == "index.md")
        .map(|f| parent_dir(&f.rel))
        .filter(|dir| !dir.is_empty())
        .collect();
    if files.iter().any(|f| f.rel == "index.md") {
        diagnostics.push(Diagnostic::error(
            Location::file(shown(config, &content_dir.join("index.md"))),
            Problem::InvalidValue {
                field: "index.md".into(),
                detail: "content/index.md would make the whole site one page".into(),
                expected: "the home page as content/_index.md".into(),
            },
        ));
    }
    let section_dirs: HashSet<&str> = files
        .iter()
        .filter(|f| file_name(&f.rel) == "_index.md")
        .map(|f| parent_dir(&f.rel))
        .collect();

    for dir in bundle_dirs.intersection(&section_dirs) {
        diagnostics.push(Diagnostic::error(
            Location::file(shown(config, &content_dir.join(dir).join("index.md"))),
            Problem::InvalidValue {
                field: "index.md".into(),
                detail: format!(
                    "the folder content/{dir} has both index.md (a page) and _index.md (a section)"
                ),
                expected: "one of the two".into(),
            },
        ));
    }

    let mut markdown_files = Vec::new();
    let mut bundle_assets: HashMap<&str, Vec<Asset>> = HashMap::new();
    let mut loose_files = Vec::new();
    for file in &files {
        let owner = ancestors(parent_dir(&file.rel)).find(|d| bundle_dirs.contains(d));
        let name = file_name(&file.rel);
        match owner {
            Some(bundle) if name == "index.md" && parent_dir(&file.rel) == bundle => {
                markdown_files.push(file)
            }
            Some(bundle) if name.ends_with(".md") => {
                // Neither a page nor a file to publish: say so rather than drop it silently.
                diagnostics.push(Diagnostic::warning(
                    Location::file(shown(config, &file.abs)),
                    Problem::MarkdownInBundle {
                        bundle: format!("content/{bundle}/"),
                    },
                ));
            }
            Some(bundle) => {
                let asset_name = file.rel[bundle.len()..].trim_start_matches('/').to_string();
                bundle_assets.entry(bundle).or_default().push(Asset {
                    name: asset_name,
                    source: file.abs.clone(),
                    size: file.size,
                });
            }
            None if name.ends_with(".md") => markdown_files.push(file),
            None => loose_files.push(file),
        }
    }

    let md_options = markdown::comrak_options(&config.markdown);
    let budget = AtomicUsize::new(options.held_html_bytes);
    let results: Vec<Result<Loaded, Vec<Diagnostic>>> = markdown_files
        .par_iter()
        .map(|file| load_markdown(config, &md_options, file, &budget))
        .collect();

    let mut library = Library::default();
    let mut pages = Vec::new();
    let mut sections = Vec::new();
    for result in results {
        match result {
            Ok(Loaded::Page(page)) => pages.push(page),
            Ok(Loaded::Section(section)) => sections.push(*section),
            Err(problems) => diagnostics.extend(problems),
        }
    }

    // Sections: the home page first, then in folder order; parents before children.
    sections.sort_by(|a, b| a.dir.cmp(&b.dir));
    if sections.first().is_none_or(|s| !s.dir.is_empty()) {
        sections.insert(0, implicit_home(config));
    }
    let section_of_dir: HashMap<String, usize> = sections
        .iter()
        .enumerate()
        .map(|(i, s)| (s.dir.clone(), i))
        .collect();
    for (id, section) in sections.iter_mut().enumerate().skip(1) {
        section.parent =
            ancestors(parent_dir(&section.dir)).find_map(|d| section_of_dir.get(d).copied());
        debug_assert!(section.parent.is_some_and(|p| p != id));
    }
    // Files beside an `_index.md` are that section's assets; grouped by folder once.
    let mut loose_by_dir: HashMap<&str, Vec<Asset>> = HashMap::new();
    for f in &loose_files {
        loose_by_dir
            .entry(parent_dir(&f.rel))
            .or_default()
            .push(Asset {
                name: file_name(&f.rel).to_string(),
                source: f.abs.clone(),
                size: f.size,
            });
    }
    for (id, section) in sections.iter_mut().enumerate() {
        section.assets = loose_by_dir
            .remove(section.dir.as_str())
            .unwrap_or_default();
        library
            .by_source
            .insert(section.source.clone(), Target::Section(id));
    }

    pages.sort_by(|a, b| a.source.cmp(&b.source));
    library.next_change = pages
        .iter()
        .filter_map(|page| upcoming(page, options))
        .min_by(|a, b| (a.at, &a.source).cmp(&(b.at, &b.source)));
    for mut page in pages {
        match publication(&page.meta, options) {
            Ok(expired) => page.expired = expired,
            Err(reason) => {
                library.unpublished.insert(page.source.clone(), reason);
                continue;
            }
        }
        // The folder the page sits in: a bundle's folder is the page itself, so look one up.
        let own_dir = parent_dir(&page.source);
        let page_dir = if page.is_bundle {
            parent_dir(own_dir)
        } else {
            own_dir
        };
        let (section_dir, section_id) = ancestors(page_dir)
            .find_map(|d| section_of_dir.get(d).map(|id| (d, *id)))
            .unwrap_or(("", Library::HOME));
        page.section = section_id;
        page.folder_slugs = page_dir[section_dir.len()..]
            .split('/')
            .filter(|c| !c.is_empty())
            .map(slugify)
            .collect();
        if page.is_bundle {
            let bundle = parent_dir(&page.source);
            page.assets = bundle_assets.remove(bundle).unwrap_or_default();
        }
        check_video_assets(config, &page, &mut diagnostics);
        let id = library.pages.len();
        library
            .by_source
            .insert(page.source.clone(), Target::Page(id));
        library.pages.push(page);
    }
    library.sections = sections;
    library.static_files = loose_files
        .iter()
        .map(|f| StaticFile {
            source: f.abs.clone(),
            output: slugged_dir_path(&f.rel),
        })
        .collect();
    (library, diagnostics)
}

/// Loads one page again after its file changed in place, so that the preview server re-reads
/// one file instead of the whole tree. What the walk gave the page (its section, folder slugs and
/// bundle assets) is kept from `old`. Returns `None` when the file no longer loads (its problems
/// are pushed to `diagnostics`) or is now a draft or scheduled (no problems pushed): either way
/// the caller should not patch the library with it, and in the second case should load it whole.
pub fn reload_page(
    config: &Config,
    options: &LoadOptions,
    old: &Page,
    diagnostics: &mut Diagnostics,
) -> Option<Page> {
    if !config.sources.contains(&old.file) {
        // Now a link out of the site: the full load that follows reports it.
        return None;
    }
    let size = match std::fs::metadata(&old.file) {
        Ok(metadata) => metadata.len(),
        Err(e) => {
            diagnostics.push(Diagnostic::error(
                Location::file(shown(config, &old.file)),
                Problem::Io {
                    action: "read this file",
                    detail: io_detail(&e, &old.file),
                },
            ));
            return None;
        }
    };
    let found = Found {
        rel: old.source.clone(),
        abs: old.file.clone(),
        size,
    };
    let md_options = markdown::comrak_options(&config.markdown);
    // The preview holds every body.
    let budget = AtomicUsize::new(usize::MAX);
    let mut page = match load_markdown(config, &md_options, &found, &budget) {
        Ok(Loaded::Page(page)) => *page,
        Ok(Loaded::Section(_)) => return None,
        Err(problems) => {
            diagnostics.extend(problems);
            return None;
        }
    };
    page.expired = publication(&page.meta, options).ok()?;
    page.section = old.section;
    page.folder_slugs = old.folder_slugs.clone();
    page.assets = old.assets.clone();
    {
        let errors_before = diagnostics.error_count();
        check_video_assets(config, &page, diagnostics);
        if diagnostics.error_count() > errors_before {
            return None;
        }
    }
    Some(page)
}

/// When this page will next build differently, if it will: a scheduled page goes live at its
/// date, a published notice expires at its `expires`. Drafts never change by themselves.
fn upcoming(page: &Page, options: &LoadOptions) -> Option<Upcoming> {
    let meta = &page.meta;
    if meta.draft && !options.drafts {
        return None;
    }
    let live_at = meta.date.as_ref().map(|d| d.timestamp);
    let (at, event) = match live_at {
        Some(at) if at > options.now && !options.future => (at, UpcomingEvent::GoesLive),
        _ => (meta.expires.as_ref()?.timestamp, UpcomingEvent::Expires),
    };
    (at > options.now).then(|| Upcoming {
        at,
        source: page.source.clone(),
        event,
    })
}

/// Whether this build publishes a page: `Ok(expired)` if it does, else why not (a draft, or
/// scheduled for later), in words that also suit a link to it.
fn publication(meta: &PageMeta, options: &LoadOptions) -> Result<bool, &'static str> {
    if meta.draft && !options.drafts {
        return Err("a draft (build with --drafts to include it)");
    }
    if meta
        .date
        .as_ref()
        .is_some_and(|d| d.timestamp > options.now)
        && !options.future
    {
        return Err("scheduled for a future date (build with --future to include it)");
    }
    Ok(meta
        .expires
        .as_ref()
        .is_some_and(|e| e.timestamp <= options.now))
}

/// Loads one Markdown file; also used by the preview server when a single file changes.
fn load_markdown(
    config: &Config,
    md_options: &comrak::Options,
    file: &Found,
    budget: &AtomicUsize,
) -> Result<Loaded, Vec<Diagnostic>> {
    let shown_path = shown(config, &file.abs);
    let text = read_text(&config.sources, &file.abs, &shown_path, file.size)?;
    let split = frontmatter::split(&shown_path, &text).map_err(|d| vec![d])?;
    let mut rendered = markdown::render(split.body, md_options, config.markdown.raw_html);
    let mut problems: Vec<Diagnostic> = rendered
        .problems
        .iter()
        .map(|p| {
            // Not `Location::in_text`: finding the line again in the text for every problem
            // would be quadratic on a page of many problems.
            let location = Location {
                file: shown_path.clone(),
                line: p.line + split.body_line_offset,
                column: p.column,
                source_line: Some(p.source_line.clone()),
            };
            Diagnostic::error(location, p.problem.clone())
        })
        .collect();
    let name = file_name(&file.rel);
    if name == "_index.md" {
        let meta = frontmatter::section_meta(&split.document);
        return match meta {
            Ok(meta) if problems.is_empty() => Ok(Loaded::Section(Box::new(Section::loaded(
                file.rel.clone(),
                file.abs.clone(),
                parent_dir(&file.rel).to_string(),
                meta,
                rendered,
                split.body_line_offset,
            )))),
            Ok(_) => Err(problems),
            Err(more) => {
                problems.extend(more);
                Err(problems)
            }
        };
    }
    let meta = match frontmatter::page_meta(&split.document, config) {
        Ok(meta) => meta,
        Err(more) => {
            problems.extend(more);
            return Err(problems);
        }
    };
    if !problems.is_empty() {
        return Err(problems);
    }
    let is_bundle = name == "index.md";
    let stem = if is_bundle {
        file_name(parent_dir(&file.rel))
    } else {
        name.strip_suffix(".md").unwrap_or(name)
    };
    let slug = meta.slug.clone().unwrap_or_else(|| slugify(stem));
    let key_locations: Vec<(&'static str, Location)> = LATE_CHECKED_KEYS
        .iter()
        .filter(|(_, path)| split.document.has_key(path))
        .map(|(name, path)| (*name, split.document.location_of_key(path)))
        .collect();
    let (summary_html, summary_links) = match meta.summary.as_deref() {
        Some(summary) => {
            let rendered = markdown::render(summary, md_options, config.markdown.raw_html);
            let at = split.document.location_of_key(&["summary"]);
            let links = rendered
                .links
                .iter()
                .map(|link| markdown::InternalLink {
                    line: at.line,
                    column: at.column,
                    source_line: at.source_line.clone().unwrap_or_default(),
                    ..link.clone()
                })
                .collect();
            (Some(rendered.content), links)
        }
        None => (None, Vec::new()),
    };
    let html = std::mem::take(&mut rendered.content);
    let held = budget
        .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |left| {
            left.checked_sub(html.len())
        })
        .is_ok();
    let content = if held {
        PageContent::Held(html)
    } else {
        PageContent::OnDisk {
            hash: *blake3::hash(text.as_bytes()).as_bytes(),
        }
    };
    Ok(Loaded::Page(Box::new(Page {
        source: file.rel.clone(),
        file: file.abs.clone(),
        is_bundle,
        section: Library::HOME,
        folder_slugs: Vec::new(),
        meta,
        slug,
        path: String::new(),
        permalink: String::new(),
        assets: Vec::new(),
        markdown: rendered,
        content,
        link_urls: Vec::new(),
        summary_html,
        summary_links,
        key_locations,
        alias_paths: Vec::new(),
        body_line_offset: split.body_line_offset,
        expired: false,
    })))
}

/// A page body that was not held, rendered again from its file ([`PageContent::OnDisk`]): read
/// through the site's checked open, compared with what was loaded, and given the links that
/// `resolve` found for it.
pub(crate) fn render_again(
    config: &Config,
    page: &Page,
    hash: &[u8; 32],
) -> Result<markdown::Html, Diagnostic> {
    let shown_path = shown(config, &page.file);
    let first = |mut problems: Vec<Diagnostic>| problems.swap_remove(0);
    let size = std::fs::metadata(&page.file).map_or(0, |m| m.len());
    let text = read_text(&config.sources, &page.file, &shown_path, size).map_err(first)?;
    if blake3::hash(text.as_bytes()).as_bytes() != hash {
        return Err(Diagnostic::error(
            Location::file(shown_path),
            Problem::ChangedDuringBuild,
        ));
    }
    let split = frontmatter::split(&shown_path, &text)?;
    let md_options = markdown::comrak_options(&config.markdown);
    let rendered = markdown::render(split.body, &md_options, config.markdown.raw_html);
    Ok(markdown::replace_placeholders(&rendered.content, &page.link_urls).into())
}

/// Reads at most `cap` + 1 bytes of `path` through the site's checked open: the file may have
/// grown (or been swapped for a link) since the walk measured it.
fn read_capped(sources: &SiteRoot, path: &Path, cap: u64) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut bytes = Vec::new();
    sources.open(path)?.take(cap + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > cap {
        return Err(std::io::Error::new(
            std::io::ErrorKind::FileTooLarge,
            format!(
                "it grew past the {} MB limit while being read",
                cap / 1_000_000
            ),
        ));
    }
    Ok(bytes)
}

/// Reads a file as UTF-8 text, refusing huge and non-UTF-8 files with a clear message.
fn read_text(
    sources: &SiteRoot,
    path: &Path,
    shown_path: &Path,
    size: u64,
) -> Result<String, Vec<Diagnostic>> {
    if size > MAX_MARKDOWN_BYTES {
        return Err(vec![Diagnostic::error(
            Location::file(shown_path),
            Problem::TooLarge {
                bytes: size,
                limit: MAX_MARKDOWN_BYTES,
            },
        )]);
    }
    let bytes = read_capped(sources, path, MAX_MARKDOWN_BYTES).map_err(|e| {
        vec![Diagnostic::error(
            Location::file(shown_path),
            Problem::Io {
                action: "read this file",
                detail: io_detail(&e, path),
            },
        )]
    })?;
    let bytes = bytes
        .strip_prefix("\u{feff}".as_bytes())
        .map(<[u8]>::to_vec)
        .unwrap_or(bytes);
    String::from_utf8(bytes).map_err(|e| {
        let valid_up_to = e.utf8_error().valid_up_to();
        let text = String::from_utf8_lossy(e.as_bytes());
        let location = Location::at_offset(shown_path, &text, valid_up_to);
        vec![Diagnostic::error(
            location,
            Problem::NotUtf8 { valid_up_to },
        )]
    })
}

/// Walks `content/`, skipping hidden files and editor leftovers, reporting loops and I/O errors.
fn walk(config: &Config, content_dir: &Path, diagnostics: &mut Diagnostics) -> Vec<Found> {
    let mut files = Vec::new();
    if !content_dir.is_dir() {
        diagnostics.push(Diagnostic::error(
            Location::file("content"),
            Problem::Io {
                action: "find the content folder",
                detail: format!("{} is not a folder", content_dir.display()),
            },
        ));
        return files;
    }
    let walked = config.sources.walk(content_dir, is_ignored);
    diagnostics.extend(skipped_diagnostics(config, walked.skipped));
    for entry in walked.entries {
        if !entry.file_type().is_file() {
            continue;
        }
        let Ok(relative) = entry.path().strip_prefix(content_dir) else {
            continue;
        };
        let Some(rel) = relative.to_str() else {
            diagnostics.push(Diagnostic::error(
                Location::file(shown(config, entry.path())),
                Problem::Io {
                    action: "use this file name",
                    detail: "the name is not valid UTF-8".into(),
                },
            ));
            continue;
        };
        let size = entry.metadata().map(|m| m.len()).unwrap_or(0);
        files.push(Found {
            rel: rel.replace('\\', "/"),
            abs: entry.path().to_path_buf(),
            size,
        });
    }
    files
}

/// Everything a walk of the site's folders left out, as errors (see [`skipped_diagnostic`]).
pub fn skipped_diagnostics(
    config: &Config,
    skipped: Vec<(PathBuf, Skipped)>,
) -> impl Iterator<Item = Diagnostic> + '_ {
    skipped
        .into_iter()
        .map(move |(path, why)| skipped_diagnostic(config, &path, why))
}

/// What a walk of the site's folders left out, as an error: a link out of the site stops the
/// build (rather than quietly publishing a site without the file), naming the link and where
/// it points; its target is never read.
pub fn skipped_diagnostic(config: &Config, path: &Path, why: Skipped) -> Diagnostic {
    let location = Location::file(shown(config, path));
    match why {
        Skipped::Outside { target } => {
            Diagnostic::error(location, Problem::SymlinkOutsideSite { target })
        }
        Skipped::Loop => Diagnostic::error(location, Problem::SymlinkLoop),
        Skipped::Io(detail) => Diagnostic::error(
            location,
            Problem::Io {
                action: "read this path",
                detail,
            },
        ),
    }
}

/// Hidden files, editor swap and backup files: never content.
pub fn is_ignored(name: &str) -> bool {
    name.starts_with('.')
        || name.ends_with('~')
        || (name.starts_with('#') && name.ends_with('#'))
        || [".swp", ".swo", ".swx", ".tmp", ".bak", ".crdownload"]
            .iter()
            .any(|ext| name.ends_with(ext))
        || name == "4913" // vim's write-permission probe
}

fn check_video_assets(config: &Config, page: &Page, diagnostics: &mut Diagnostics) {
    let Some(video) = &page.meta.video else {
        return;
    };
    let shown_path = shown(config, &page.file);
    let has = |name: &str| page.assets.iter().any(|a| a.name == name);
    let named = [
        ("video.file", Some(&video.file)),
        ("video.poster", video.poster.as_ref()),
        ("video.captions", video.captions.as_ref()),
    ];
    for (field, name) in named {
        if let Some(name) = name
            && !has(name)
        {
            diagnostics.push(Diagnostic::error(
                page.key_location(field, &shown_path),
                Problem::MissingAsset {
                    field,
                    name: name.clone(),
                },
            ));
        }
    }
    if video.captions.is_none() {
        diagnostics.push(Diagnostic::warning(
            Location::file(shown_path),
            Problem::VideoWithoutCaptions,
        ));
    }
}

/// The home page of a site without `content/_index.md`: titled after the site.
fn implicit_home(config: &Config) -> Section {
    let meta = SectionMeta {
        title: config.title.clone(),
        sort_by: SortBy::Date,
        paginate_by: None,
        template: None,
        page_template: None,
        weight: None,
        extra: Default::default(),
    };
    let file = config.content_dir().join("_index.md");
    Section::loaded(
        "_index.md".into(),
        file,
        String::new(),
        meta,
        Rendered::default(),
        0,
    )
}

/// The path shown in messages: relative to the site root.
pub fn shown(config: &Config, path: &Path) -> PathBuf {
    crate::diagnostics::display_path(&config.root, path)
}

fn file_name(rel: &str) -> &str {
    rel.rsplit('/').next().unwrap_or(rel)
}

/// `a/b/c.md` → `a/b`; `c.md` → ``.
fn parent_dir(rel: &str) -> &str {
    rel.rfind('/').map_or("", |i| &rel[..i])
}

/// `a/b/c`, `a/b`, `a`, `` — a folder and all folders above it.
fn ancestors(dir: &str) -> impl Iterator<Item = &str> {
    let mut next = Some(dir);
    std::iter::from_fn(move || {
        let current = next?;
        next = if current.is_empty() {
            None
        } else {
            Some(parent_dir(current))
        };
        Some(current)
    })
}

/// Output path of a loose file: its folders slugified as pages' are, its own name kept.
fn slugged_dir_path(rel: &str) -> String {
    let dir = parent_dir(rel);
    let mut out: Vec<String> = dir
        .split('/')
        .filter(|c| !c.is_empty())
        .map(slugify)
        .collect();
    out.push(file_name(rel).to_string());
    out.join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ancestors_walk_up_to_the_root() {
        assert_eq!(ancestors("a/b").collect::<Vec<_>>(), vec!["a/b", "a", ""]);
        assert_eq!(ancestors("").collect::<Vec<_>>(), vec![""]);
    }

    #[test]
    fn editor_leftovers_are_ignored() {
        for name in [
            ".a.md.swp",
            "a.md~",
            "#a.md#",
            ".DS_Store",
            "4913",
            "a.md.tmp",
        ] {
            assert!(is_ignored(name), "{name}");
        }
        assert!(!is_ignored("a.md"));
    }
}
