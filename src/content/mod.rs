//! The content model: every page and section of a site, owned in one place.
//!
//! A [`Library`] is built by [`load`] and completed by [`crate::resolve`]; everything after that
//! (templates, feeds, search, the audit, the preview server) only reads it. Pages and sections live
//! in two vectors and refer to each other by index ([`PageId`], [`SectionId`]), so the model is
//! cheap to share across threads and to patch when one file changes.

pub mod frontmatter;
pub mod load;

use std::collections::HashMap;
use std::path::PathBuf;

pub use frontmatter::{Disclosure, PageMeta, SectionMeta, SortBy, Validity, Video};
pub use load::{LoadOptions, load};

use crate::diagnostics::Location;
use crate::markdown::Rendered;

/// Index of a page in [`Library::pages`].
pub type PageId = usize;
/// Index of a section in [`Library::sections`].
pub type SectionId = usize;

/// A file that travels with a page or section (an image, a PDF, a video, its captions).
#[derive(Debug, Clone)]
pub struct Asset {
    /// Name relative to the page's folder, with `/` separators (`images/chart.png`).
    pub name: String,
    /// Where it is on disk.
    pub source: PathBuf,
    /// Its size, for the attachment list.
    pub size: u64,
}

/// A file copied to the output as it is.
#[derive(Debug, Clone)]
pub struct StaticFile {
    /// Where it is on disk.
    pub source: PathBuf,
    /// Where it goes, relative to the output root, with `/` separators.
    pub output: String,
}

/// One Markdown file that becomes one HTML page.
#[derive(Debug, Clone)]
pub struct Page {
    /// Content-relative source path with `/` separators (`reports/a.md`, `videos/x/index.md`).
    pub source: String,
    /// Absolute file path.
    pub file: PathBuf,
    /// Whether it is a bundle (`name/index.md`) whose folder holds its assets.
    pub is_bundle: bool,
    /// The nearest section above it.
    pub section: SectionId,
    /// The slugs of the folders between that section and the page (usually none).
    pub folder_slugs: Vec<String>,
    /// Checked front matter.
    pub meta: PageMeta,
    /// Last URL component.
    pub slug: String,
    /// URL path from the server root, with the base path, ending in `/` (`/reports/a/`).
    pub path: String,
    /// Absolute URL.
    pub permalink: String,
    /// Files of its bundle.
    pub assets: Vec<Asset>,
    /// Rendered Markdown, except its HTML, which is [`Page::content`]; link placeholders are
    /// filled in by the resolve stage.
    pub markdown: Rendered,
    /// The body's HTML, held in memory or rendered again when a template reads it.
    pub content: PageContent,
    /// The URL of each `@/` link of the body, by placeholder number, set by `resolve` for a body
    /// that is rendered again ([`PageContent::OnDisk`]).
    pub link_urls: Vec<String>,
    /// The front matter summary, rendered; link placeholders are filled in by the resolve stage.
    pub summary_html: Option<crate::markdown::Html>,
    /// `@/` links of the front matter summary, positioned at its `summary` key (file lines, not
    /// body lines: the summary has no lines of its own in the body).
    pub summary_links: Vec<crate::markdown::InternalLink>,
    /// Lines of front matter before the body (body line + this = file line).
    pub body_line_offset: usize,
    /// Where the front-matter keys checked after loading (`aliases`, `video.*`) are, so that
    /// later stages point at them without reading the file again.
    pub key_locations: Vec<(&'static str, Location)>,
    /// URL paths of its `aliases`, set by `resolve`: what the duplicate check reserves and the
    /// redirects are written to, computed once so the two cannot disagree.
    pub alias_paths: Vec<String>,
    /// Whether `expires` is in the past at build time.
    pub expired: bool,
}

/// A folder with an `_index.md`: a listing of pages and subsections.
#[derive(Debug, Clone)]
pub struct Section {
    /// Content-relative source (`reports/_index.md`; `_index.md` for the home page).
    pub source: String,
    /// Absolute path of `_index.md` (it may not exist for an implicit home section).
    pub file: PathBuf,
    /// Content-relative folder with `/` separators, empty for the home page.
    pub dir: String,
    /// Checked front matter.
    pub meta: SectionMeta,
    /// URL path, ending in `/`.
    pub path: String,
    /// Absolute URL.
    pub permalink: String,
    /// Parent section; `None` for the home page.
    pub parent: Option<SectionId>,
    /// Child sections, ordered by weight then title.
    pub subsections: Vec<SectionId>,
    /// Pages directly in it, in the section's sort order (pinned first).
    pub pages: Vec<PageId>,
    /// Files beside `_index.md`.
    pub assets: Vec<Asset>,
    /// Rendered Markdown of `_index.md`.
    pub markdown: Rendered,
    /// Lines of front matter before the body.
    pub body_line_offset: usize,
}

impl Section {
    /// A section as loaded from its `_index.md`, before `resolve` gives it a URL, a parent and
    /// its pages.
    pub fn loaded(
        source: String,
        file: PathBuf,
        dir: String,
        meta: SectionMeta,
        markdown: Rendered,
        body_line_offset: usize,
    ) -> Section {
        Section {
            source,
            file,
            dir,
            meta,
            path: String::new(),
            permalink: String::new(),
            parent: None,
            subsections: Vec::new(),
            pages: Vec::new(),
            assets: Vec::new(),
            markdown,
            body_line_offset,
        }
    }
}

/// A page's rendered body. Bodies are held in memory until the build's budget for them
/// ([`LoadOptions::held_html_bytes`]) is spent; beyond it a body is dropped once loaded and
/// rendered again from its file when a template reads `page.content`, so that a site of a
/// million pages builds in bounded memory while a site of ten thousand renders each body once.
#[derive(Debug, Clone)]
pub enum PageContent {
    /// The HTML, links filled in.
    Held(crate::markdown::Html),
    /// Rendered again from the file, which must still be what was loaded.
    OnDisk {
        /// BLAKE3 of the file's text as loaded: a file edited during the build is an error,
        /// not a page that disagrees with the links checked against it.
        hash: [u8; 32],
    },
}

impl Page {
    /// The body's HTML: the held one, or the file rendered again with the resolved links.
    pub fn content_html(
        &self,
        config: &crate::config::Config,
    ) -> Result<crate::markdown::Html, crate::diagnostics::Diagnostic> {
        match &self.content {
            PageContent::Held(html) => Ok(html.clone()),
            PageContent::OnDisk { hash } => load::render_again(config, self, hash),
        }
    }
    /// Where front-matter key `key` (as listed in [`Page::key_locations`]) is; the file itself
    /// when it is not recorded.
    pub fn key_location(&self, key: &str, shown_file: &std::path::Path) -> Location {
        self.key_locations
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, location)| location.clone())
            .unwrap_or_else(|| Location::file(shown_file))
    }
}

/// What a content path names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Target {
    /// A page.
    Page(PageId),
    /// A section.
    Section(SectionId),
}

/// One value of a taxonomy, e.g. 示例区司法局 of `department`.
#[derive(Debug, Clone)]
pub struct Term {
    /// As written in front matter.
    pub name: String,
    /// Its URL component.
    pub slug: String,
    /// URL path of its listing.
    pub path: String,
    /// Absolute URL.
    pub permalink: String,
    /// Pages with this term, newest first.
    pub pages: Vec<PageId>,
}

/// A classification of pages (tags, 发布机构, 主题分类).
#[derive(Debug, Clone)]
pub struct Taxonomy {
    /// Its key in front matter and its URL component.
    pub name: String,
    /// Human title, e.g. 发布机构.
    pub title: String,
    /// URL path of the list of terms.
    pub path: String,
    /// Absolute URL.
    pub permalink: String,
    /// Pages per listing page of a term.
    pub paginate_by: Option<usize>,
    /// Its terms, in order of their slugs (the pinyin of their names).
    pub terms: Terms,
}

/// A taxonomy's terms in order of their slugs, so that a term is found by binary search: a
/// template asks for one term's URL per term of a page, and a page may have tens of thousands.
#[derive(Debug, Clone, Default)]
pub struct Terms(Vec<Term>);

impl Terms {
    /// The index of the term whose slug is `slug`.
    pub fn position(&self, slug: &str) -> Option<usize> {
        self.0.binary_search_by(|t| t.slug.as_str().cmp(slug)).ok()
    }

    /// The term whose slug is `slug`.
    pub fn get(&self, slug: &str) -> Option<&Term> {
        self.position(slug).map(|i| &self.0[i])
    }
}

impl FromIterator<Term> for Terms {
    /// Sorts by slug; of terms with the same slug, the first is kept.
    fn from_iter<I: IntoIterator<Item = Term>>(terms: I) -> Terms {
        let mut terms: Vec<Term> = terms.into_iter().collect();
        terms.sort_by(|a, b| a.slug.cmp(&b.slug));
        terms.dedup_by(|later, first| later.slug == first.slug);
        Terms(terms)
    }
}

impl std::ops::Deref for Terms {
    type Target = [Term];

    fn deref(&self) -> &[Term] {
        &self.0
    }
}

impl<'a> IntoIterator for &'a Terms {
    type Item = &'a Term;
    type IntoIter = std::slice::Iter<'a, Term>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

/// The taxonomies of a site in order of their names, so that a template's
/// `get_taxonomy(kind=…)` is a binary search, not a walk through every taxonomy.
#[derive(Debug, Clone, Default)]
pub struct Taxonomies(Vec<Taxonomy>);

impl Taxonomies {
    /// The index of the taxonomy named `name`.
    pub fn position(&self, name: &str) -> Option<usize> {
        self.0.binary_search_by(|t| t.name.as_str().cmp(name)).ok()
    }

    /// The taxonomy named `name`.
    pub fn get(&self, name: &str) -> Option<&Taxonomy> {
        self.position(name).map(|i| &self.0[i])
    }
}

impl FromIterator<Taxonomy> for Taxonomies {
    /// Sorts by name; of taxonomies with the same name, the first is kept.
    fn from_iter<I: IntoIterator<Item = Taxonomy>>(taxonomies: I) -> Taxonomies {
        let mut taxonomies: Vec<Taxonomy> = taxonomies.into_iter().collect();
        taxonomies.sort_by(|a, b| a.name.cmp(&b.name));
        taxonomies.dedup_by(|later, first| later.name == first.name);
        Taxonomies(taxonomies)
    }
}

impl std::ops::Deref for Taxonomies {
    type Target = [Taxonomy];

    fn deref(&self) -> &[Taxonomy] {
        &self.0
    }
}

impl<'a> IntoIterator for &'a Taxonomies {
    type Item = &'a Taxonomy;
    type IntoIter = std::slice::Iter<'a, Taxonomy>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

/// Every page and section of a site, and the indexes over them.
#[derive(Debug, Default, Clone)]
pub struct Library {
    /// All published pages.
    pub pages: Vec<Box<Page>>,
    /// All sections; index 0 is the home page.
    pub sections: Vec<Section>,
    /// Content-relative source path → page or section.
    pub by_source: HashMap<String, Target>,
    /// Sources left out because they are drafts or scheduled, so links to them can say so.
    pub unpublished: HashMap<String, &'static str>,
    /// Files copied as they are (assets outside bundles).
    pub static_files: Vec<StaticFile>,
    /// Taxonomies, filled in by the resolve stage.
    pub taxonomies: Taxonomies,
    /// The first moment after this build at which the site would build differently: a
    /// scheduled page going live or a notice expiring. A static site changes only when it is
    /// rebuilt, so the office needs to know when the next rebuild is due.
    pub next_change: Option<Upcoming>,
}

/// A change that a rebuild at `at` or later will publish.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upcoming {
    /// When.
    pub at: jiff::Timestamp,
    /// The content file, relative to `content/`.
    pub source: String,
    /// What happens then.
    pub event: UpcomingEvent,
}

/// What happens to a page at its [`Upcoming`] moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpcomingEvent {
    /// A page dated in the future is published.
    GoesLive,
    /// A notice is marked expired (已过期).
    Expires,
}

impl Library {
    /// The home section.
    pub const HOME: SectionId = 0;

    /// Finds a page or section by content path, forgiving `./`, a leading `/` and a bundle's
    /// folder given without `index.md`.
    pub fn lookup(&self, source: &str) -> Option<Target> {
        Self::candidates(source).find_map(|candidate| self.by_source.get(&candidate).copied())
    }

    /// Why a content path was left out of this build (a draft, scheduled), if it was; forgiving
    /// the same spellings as [`Library::lookup`].
    pub fn unpublished_reason(&self, source: &str) -> Option<&'static str> {
        Self::candidates(source).find_map(|candidate| self.unpublished.get(&candidate).copied())
    }

    /// The source paths a link may mean: as written (without `./` or a leading `/`), then as a
    /// bundle's or section's folder.
    fn candidates(source: &str) -> impl Iterator<Item = String> {
        let source = source.trim_start_matches("./").trim_start_matches('/');
        let dir = source.trim_end_matches('/');
        let folder_forms = [format!("{dir}/index.md"), format!("{dir}/_index.md")];
        std::iter::once(source.to_string()).chain(
            folder_forms
                .into_iter()
                .map(|c| c.trim_start_matches('/').to_string()),
        )
    }

    /// Every `#anchor` a target has: its headings and footnotes.
    pub fn anchors_of(&self, target: Target) -> &std::collections::HashSet<String> {
        match target {
            Target::Page(id) => &self.pages[id].markdown.anchors,
            Target::Section(id) => &self.sections[id].markdown.anchors,
        }
    }

    /// The id an `#anchor` written in a link names on `target`: the id itself, or a heading's
    /// text (`#一、主要工作` → `yi-zhu-yao-gong-zuo`); `None` when the target has no such anchor.
    pub fn resolve_anchor(&self, target: Target, anchor: &str) -> Option<String> {
        let anchors = self.anchors_of(target);
        if anchors.contains(anchor) {
            return Some(anchor.to_string());
        }
        Some(crate::slug::slugify(anchor)).filter(|id| anchors.contains(id))
    }

    /// The URL path of a target.
    pub fn path_of(&self, target: Target) -> &str {
        match target {
            Target::Page(id) => &self.pages[id].path,
            Target::Section(id) => &self.sections[id].path,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn term(slug: &str) -> Term {
        Term {
            name: slug.to_uppercase(),
            slug: slug.to_string(),
            path: format!("/tags/{slug}/"),
            permalink: String::new(),
            pages: Vec::new(),
        }
    }

    #[test]
    fn terms_are_kept_in_slug_order_and_found_by_slug() {
        let terms: Terms = ["si-fa-ju", "a", "zhu-ti", "a", "b"]
            .into_iter()
            .map(term)
            .collect();
        let slugs: Vec<&str> = terms.iter().map(|t| t.slug.as_str()).collect();
        assert_eq!(slugs, ["a", "b", "si-fa-ju", "zhu-ti"]);
        assert_eq!(terms.position("si-fa-ju"), Some(2));
        assert_eq!(
            terms.get("zhu-ti").map(|t| t.path.as_str()),
            Some("/tags/zhu-ti/")
        );
        assert!(terms.get("c").is_none());
    }

    #[test]
    fn taxonomies_are_kept_in_name_order_and_found_by_name() {
        let taxonomy = |name: &str| Taxonomy {
            name: name.to_string(),
            title: String::new(),
            path: String::new(),
            permalink: String::new(),
            paginate_by: None,
            terms: Terms::default(),
        };
        let taxonomies: Taxonomies = ["tags", "department", "category"]
            .into_iter()
            .map(taxonomy)
            .collect();
        assert_eq!(taxonomies.position("category"), Some(0));
        assert_eq!(taxonomies.position("tags"), Some(2));
        assert_eq!(
            taxonomies.get("department").map(|t| t.name.as_str()),
            Some("department")
        );
        assert_eq!(taxonomies.position("year"), None);
    }
}
