//! What templates see of the library: light views created on demand.
//!
//! A view holds an `Arc` of the library and an index, and builds each attribute only when a
//! template reads it. A listing of 10,000 pages therefore copies nothing, and a page's body is
//! never touched by the templates of the pages that merely link to it. This is where most of a
//! generator's speed and memory is won or lost.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use minijinja::value::{Enumerator, Object, ObjectRepr, Serde, Value};
use serde::Serialize;

use crate::config::Config;
use crate::content::{Asset, Library, PageId, SectionId};

/// Everything views need, shared by all of them.
#[derive(Debug)]
pub struct SiteData {
    /// The site's configuration.
    pub config: Arc<Config>,
    /// The resolved library.
    pub library: Arc<Library>,
    /// `config` as a template value, built once.
    pub config_value: Value,
    /// Each page's index in its section's order, for `lower`/`higher` without a search.
    position_in_section: Vec<usize>,
    /// Each section's pages split by expiry, made the first time a template asks: every listing
    /// page of a section reads it, so splitting anew made 40,000 listing pages quadratic.
    by_expiry: Box<[OnceLock<ByExpiry>]>,
    /// Content-hashed names of the theme's assets, which `get_url` answers with (empty in the
    /// preview).
    pub fingerprints: crate::assets::Fingerprints,
    /// Problems found while a template read something (a page body rendered again from a file
    /// that changed since loading), collected by the render stage after its jobs.
    late: std::sync::Mutex<Vec<crate::diagnostics::Diagnostic>>,
}

impl SiteData {
    /// The same, with `get_url` answering with the hashed names of `fingerprints`.
    pub fn with_fingerprints(mut self, fingerprints: crate::assets::Fingerprints) -> SiteData {
        self.fingerprints = fingerprints;
        self
    }

    /// Bundles config and library for the views.
    pub fn new(config: Arc<Config>, library: Arc<Library>) -> SiteData {
        let config_value = Value::from(Serde(&*config));
        let mut position_in_section = vec![0; library.pages.len()];
        for section in &library.sections {
            for (position, &page) in section.pages.iter().enumerate() {
                position_in_section[page] = position;
            }
        }
        let by_expiry = library.sections.iter().map(|_| OnceLock::new()).collect();
        SiteData {
            config,
            library,
            config_value,
            position_in_section,
            by_expiry,
            fingerprints: Default::default(),
            late: Default::default(),
        }
    }

    /// Records a problem found while a template read a value.
    pub fn late_problem(&self, problem: crate::diagnostics::Diagnostic) {
        if let Ok(mut late) = self.late.lock() {
            late.push(problem);
        }
    }

    /// The problems recorded since the last call.
    pub fn take_late_problems(&self) -> Vec<crate::diagnostics::Diagnostic> {
        self.late
            .lock()
            .map(|mut late| std::mem::take(&mut *late))
            .unwrap_or_default()
    }

    /// Section `id`'s pages split by expiry.
    fn by_expiry(&self, id: SectionId) -> &ByExpiry {
        self.by_expiry[id].get_or_init(|| {
            let (expired, current): (Vec<PageId>, Vec<PageId>) = self.library.sections[id]
                .pages
                .iter()
                .partition(|&&page| self.library.pages[page].expired);
            ByExpiry {
                current: current.into(),
                expired: expired.into(),
            }
        })
    }

    fn date(&self, date: &Option<crate::dates::Date>) -> Value {
        date.as_ref()
            .map_or(Value::from(()), |d| Value::from(d.rfc3339(&self.config.tz)))
    }
}

/// A section's pages, those still current and those past their `expires`, each in the
/// section's order: notices past `expires` move to an archive list.
#[derive(Debug)]
struct ByExpiry {
    current: Arc<[PageId]>,
    expired: Arc<[PageId]>,
}

/// What a view shows, and the key of the one view of it a render shares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Shown {
    Page(PageId),
    Section(SectionId),
    Taxonomy(usize),
    Term(usize, usize),
}

thread_local! {
    /// The views of the render running on this thread, one per page, section, taxonomy and
    /// term, so that what a view builds is built once per render however a template reaches
    /// it (`section.pages[0].toc` in a loop, `get_page(…)` called again and again).
    static RENDER_VIEWS: RefCell<Option<RenderViews>> = const { RefCell::new(None) };
}

#[derive(Debug)]
struct RenderViews {
    site: Arc<SiteData>,
    views: HashMap<Shown, Value>,
}

/// Runs `render` with its views shared, as [`RENDER_VIEWS`] says; they are dropped when it
/// returns, so a render's views cost memory only while it runs.
pub fn with_shared_views<R>(site: &Arc<SiteData>, render: impl FnOnce() -> R) -> R {
    /// Puts back the views of an enclosing render, even if `render` panics.
    struct Restore(Option<RenderViews>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let ours = RENDER_VIEWS.replace(self.0.take());
            drop(ours);
        }
    }
    let _restore = Restore(RENDER_VIEWS.replace(Some(RenderViews {
        site: site.clone(),
        views: HashMap::new(),
    })));
    render()
}

/// The render's view of `shown`, made by `make` the first time; outside a render (or for
/// another site), a new one.
fn shared_view(site: &Arc<SiteData>, shown: Shown, make: impl FnOnce() -> Value) -> Value {
    RENDER_VIEWS.with_borrow_mut(|render| match render {
        Some(render) if Arc::ptr_eq(&render.site, site) => {
            render.views.entry(shown).or_insert_with(make).clone()
        }
        _ => make(),
    })
}

/// The attributes a view has built, so that each is built once however often a template reads
/// it: reading `page.toc` or `page.taxonomies` built them anew from the library every time,
/// work no fuel counts. Never holds a view, only data and lists of ids.
#[derive(Debug, Default)]
struct Memo(Mutex<Vec<(usize, Value)>>);

impl Memo {
    /// Attribute `slot` (its index in the view's key list), built by `build` the first time.
    fn get(&self, slot: usize, build: impl FnOnce() -> Value) -> Value {
        let built = |memo: &[(usize, Value)]| {
            memo.iter()
                .find(|(s, _)| *s == slot)
                .map(|(_, value)| value.clone())
        };
        if let Some(value) = built(&self.0.lock().unwrap_or_else(PoisonError::into_inner)) {
            return value;
        }
        // Built without the lock: building may make other views, never this one's attribute.
        let value = build();
        let mut memo = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        match built(&memo) {
            Some(first) => first,
            None => {
                memo.push((slot, value.clone()));
                value
            }
        }
    }
}

/// The index of `key` in `keys`, a view's attribute names.
fn slot(keys: &[&str], key: &Value) -> Option<usize> {
    let key = key.as_str()?;
    keys.iter().position(|k| *k == key)
}

/// A page as templates see it.
pub fn page_value(site: &Arc<SiteData>, id: PageId) -> Value {
    shared_view(site, Shown::Page(id), || {
        Value::from_object(PageView {
            site: site.clone(),
            id,
            memo: Memo::default(),
        })
    })
}

/// A section as templates see it.
pub fn section_value(site: &Arc<SiteData>, id: SectionId) -> Value {
    shared_view(site, Shown::Section(id), || {
        Value::from_object(SectionView {
            site: site.clone(),
            id,
            memo: Memo::default(),
        })
    })
}

/// A list of pages given by value (a paginator's slice), built lazily.
pub fn pages_value(site: &Arc<SiteData>, ids: Arc<[PageId]>) -> Value {
    list_value(site, PageIds::Owned(ids))
}

fn list_value(site: &Arc<SiteData>, ids: PageIds) -> Value {
    Value::from_object(PageList {
        site: site.clone(),
        ids,
    })
}

/// A taxonomy with its terms, built lazily: a term page of a 100,000-page site must not build
/// every other term's list.
pub fn taxonomy_value(site: &Arc<SiteData>, index: usize) -> Value {
    shared_view(site, Shown::Taxonomy(index), || {
        Value::from_object(TaxonomyView {
            site: site.clone(),
            index,
            memo: Memo::default(),
        })
    })
}

/// One term of a taxonomy, with its pages.
pub fn term_value(site: &Arc<SiteData>, taxonomy: usize, term: usize) -> Value {
    shared_view(site, Shown::Term(taxonomy, term), || {
        Value::from_object(TermView {
            site: site.clone(),
            taxonomy,
            term,
            memo: Memo::default(),
        })
    })
}

#[derive(Debug)]
struct TaxonomyView {
    site: Arc<SiteData>,
    index: usize,
    memo: Memo,
}

const TAXONOMY_KEYS: &[&str] = &["name", "title", "path", "permalink", "paginate_by", "terms"];

impl Object for TaxonomyView {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Map
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Str(TAXONOMY_KEYS)
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let slot = slot(TAXONOMY_KEYS, key)?;
        Some(self.memo.get(slot, || self.build(TAXONOMY_KEYS[slot])))
    }
}

impl TaxonomyView {
    fn build(&self, key: &str) -> Value {
        let taxonomy = &self.site.library.taxonomies[self.index];
        match key {
            "name" => Value::from(taxonomy.name.as_str()),
            "title" => Value::from(taxonomy.title.as_str()),
            "path" => Value::from(taxonomy.path.as_str()),
            "permalink" => Value::from(taxonomy.permalink.as_str()),
            "paginate_by" => Value::from(taxonomy.paginate_by),
            "terms" => Value::from_object(TermList {
                site: self.site.clone(),
                taxonomy: self.index,
            }),
            _ => Value::UNDEFINED,
        }
    }
}

#[derive(Debug)]
struct TermList {
    site: Arc<SiteData>,
    taxonomy: usize,
}

impl Object for TermList {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Seq
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let len = self.site.library.taxonomies[self.taxonomy].terms.len();
        let index = seq_index(key, len)?;
        Some(term_value(&self.site, self.taxonomy, index))
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Seq(self.site.library.taxonomies[self.taxonomy].terms.len())
    }
}

#[derive(Debug)]
struct TermView {
    site: Arc<SiteData>,
    taxonomy: usize,
    term: usize,
    memo: Memo,
}

const TERM_KEYS: &[&str] = &["name", "slug", "path", "permalink", "page_count", "pages"];

impl Object for TermView {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Map
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Str(TERM_KEYS)
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let slot = slot(TERM_KEYS, key)?;
        Some(self.memo.get(slot, || self.build(TERM_KEYS[slot])))
    }
}

impl TermView {
    fn build(&self, key: &str) -> Value {
        let t = &self.site.library.taxonomies[self.taxonomy].terms[self.term];
        match key {
            "name" => Value::from(t.name.as_str()),
            "slug" => Value::from(t.slug.as_str()),
            "path" => Value::from(t.path.as_str()),
            "permalink" => Value::from(t.permalink.as_str()),
            "page_count" => Value::from(t.pages.len()),
            "pages" => list_value(&self.site, PageIds::Term(self.taxonomy, self.term)),
            _ => Value::UNDEFINED,
        }
    }
}

/// `list[i]` and `list[-i]` on a sequence of `len` items.
fn seq_index(key: &Value, len: usize) -> Option<usize> {
    let index = key.as_i64()?;
    if index < 0 {
        len.checked_sub(index.unsigned_abs() as usize)
    } else {
        Some(index as usize).filter(|i| *i < len)
    }
}

#[derive(Debug)]
struct PageView {
    site: Arc<SiteData>,
    id: PageId,
    memo: Memo,
}

const PAGE_KEYS: &[&str] = &[
    "title",
    "date",
    "updated",
    "expires",
    "expired",
    "draft",
    "content",
    "summary",
    "description",
    "toc",
    "permalink",
    "path",
    "slug",
    "assets",
    "taxonomies",
    "extra",
    "word_count",
    "reading_time",
    "source",
    "publisher",
    "index_number",
    "doc_number",
    "written",
    "validity",
    "pinned",
    "video",
    "section",
    "ancestors",
    "relative_path",
    "lower",
    "higher",
    "weight",
    "aliases",
    "attachments",
];

impl Object for PageView {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Map
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Str(PAGE_KEYS)
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let slot = slot(PAGE_KEYS, key)?;
        let site = &self.site;
        let page = &site.library.pages[self.id];
        // Views of other pages and sections are not kept in the memo: `lower` and `higher` would
        // then hold each other, and with them the whole site, after the render. They cost a
        // lookup in the render's views.
        Some(match PAGE_KEYS[slot] {
            "section" => section_value(site, page.section),
            key @ ("lower" | "higher") => {
                let siblings = &site.library.sections[page.section].pages;
                let index = site.position_in_section[self.id];
                let neighbour = if key == "lower" {
                    index.checked_add(1)
                } else {
                    index.checked_sub(1)
                };
                match neighbour.and_then(|i| siblings.get(i)) {
                    Some(&id) => page_value(site, id),
                    None => Value::from(()),
                }
            }
            key => self.memo.get(slot, || self.build(key)),
        })
    }
}

impl PageView {
    /// Attribute `key`, other than `section`, `lower` and `higher`.
    fn build(&self, key: &str) -> Value {
        let site = &self.site;
        let page = &site.library.pages[self.id];
        let meta = &page.meta;
        let d = &meta.disclosure;
        let text = |s: &Option<String>| s.as_deref().map_or(Value::from(()), Value::from);
        match key {
            "title" => Value::from(meta.title.as_str()),
            "date" => site.date(&meta.date),
            "updated" => site.date(&meta.updated),
            "expires" => site.date(&meta.expires),
            "expired" => Value::from(page.expired),
            "draft" => Value::from(meta.draft),
            "content" => match page.content_html(&site.config) {
                Ok(html) => html.to_value(),
                Err(problem) => {
                    site.late_problem(problem);
                    Value::UNDEFINED
                }
            },
            "summary" => match (&page.summary_html, &page.markdown.summary) {
                (Some(html), _) | (None, Some(html)) => html.to_value(),
                (None, None) => Value::from(()),
            },
            "description" => Value::from(match &meta.summary {
                Some(summary) => summary.trim().to_string(),
                None => page.markdown.description.clone(),
            }),
            "toc" => Value::from(Serde(&page.markdown.toc)),
            "permalink" => Value::from(page.permalink.as_str()),
            "path" => Value::from(page.path.as_str()),
            "slug" => Value::from(page.slug.as_str()),
            "relative_path" => Value::from(page.source.as_str()),
            "assets" => assets_value(&page.path, &page.assets),
            "attachments" => attachments_value(&page.path, &page.assets),
            "taxonomies" => Value::from(Serde(&meta.taxonomies)),
            "extra" => Value::from(Serde(&meta.extra)),
            "word_count" => Value::from(page.markdown.word_count),
            "reading_time" => Value::from(page.markdown.reading_time),
            "source" => text(&d.source),
            "publisher" => text(&d.publisher),
            "index_number" => text(&d.index_number),
            "doc_number" => text(&d.doc_number),
            "written" => site.date(&d.written),
            "validity" => d
                .validity
                .map_or(Value::from(()), |v| Value::from(v.label())),
            "pinned" => Value::from(meta.pinned),
            "weight" => Value::from(meta.weight),
            "aliases" => Value::from(Serde(&meta.aliases)),
            "video" => match &meta.video {
                Some(video) => {
                    let url = |name: &Option<String>| {
                        name.as_ref().map_or(Value::from(()), |n| {
                            Value::from(format!("{}{n}", page.path))
                        })
                    };
                    let size = page
                        .assets
                        .iter()
                        .find(|a| a.name == video.file)
                        .map(|a| a.size);
                    let captions_size = video
                        .captions
                        .as_ref()
                        .and_then(|c| page.assets.iter().find(|a| &a.name == c))
                        .map(|a| a.size);
                    Value::from_pairs([
                        ("file", Value::from(video.file.as_str())),
                        ("url", Value::from(format!("{}{}", page.path, video.file))),
                        ("size", Value::from(size)),
                        ("poster", url(&video.poster)),
                        ("captions", url(&video.captions)),
                        ("captions_size", Value::from(captions_size)),
                        ("duration", text(&video.duration)),
                        ("duration_seconds", Value::from(video.duration_seconds)),
                        ("mime", Value::from(mime_of(&video.file))),
                    ])
                }
                None => Value::from(()),
            },
            "ancestors" => ancestors_value(site, Some(page.section)),
            _ => Value::UNDEFINED,
        }
    }
}

#[derive(Debug)]
struct SectionView {
    site: Arc<SiteData>,
    id: SectionId,
    memo: Memo,
}

const SECTION_KEYS: &[&str] = &[
    "title",
    "content",
    "description",
    "pages",
    "current_pages",
    "expired_pages",
    "subsections",
    "permalink",
    "path",
    "extra",
    "ancestors",
    "assets",
    "relative_path",
    "paginate_by",
    "sort_by",
    "word_count",
    "reading_time",
    "toc",
    "page_count",
];

impl Object for SectionView {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Map
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Str(SECTION_KEYS)
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let slot = slot(SECTION_KEYS, key)?;
        Some(self.memo.get(slot, || self.build(SECTION_KEYS[slot])))
    }
}

impl SectionView {
    fn build(&self, key: &str) -> Value {
        let site = &self.site;
        let section = &site.library.sections[self.id];
        match key {
            "title" => Value::from(section.meta.title.as_str()),
            "content" => section.markdown.content.to_value(),
            "description" => Value::from(section.markdown.description.as_str()),
            "pages" => list_value(site, PageIds::Section(self.id)),
            "current_pages" => pages_value(site, site.by_expiry(self.id).current.clone()),
            "expired_pages" => pages_value(site, site.by_expiry(self.id).expired.clone()),
            "page_count" => Value::from(section.pages.len()),
            "subsections" => sections_value(site, SectionIds::Subsections(self.id)),
            "permalink" => Value::from(section.permalink.as_str()),
            "path" => Value::from(section.path.as_str()),
            "relative_path" => Value::from(section.source.as_str()),
            "extra" => Value::from(Serde(&section.meta.extra)),
            "ancestors" => ancestors_value(site, section.parent),
            "assets" => assets_value(&section.path, &section.assets),
            "paginate_by" => Value::from(section.meta.paginate_by),
            "sort_by" => Value::from(Serde(section.meta.sort_by)),
            "word_count" => Value::from(section.markdown.word_count),
            "reading_time" => Value::from(section.markdown.reading_time),
            "toc" => Value::from(Serde(&section.markdown.toc)),
            _ => Value::UNDEFINED,
        }
    }
}

/// Sections from the home page down to `from`, for breadcrumbs.
fn ancestors_value(site: &Arc<SiteData>, from: Option<SectionId>) -> Value {
    let mut chain = Vec::new();
    let mut current = from;
    while let Some(id) = current {
        chain.push(id);
        current = site.library.sections[id].parent;
    }
    chain.reverse();
    sections_value(site, SectionIds::Owned(chain.into()))
}

/// Where a section list's ids live, like [`PageIds`].
#[derive(Debug)]
enum SectionIds {
    Subsections(SectionId),
    Owned(Arc<[SectionId]>),
}

/// A list of sections, each built when read: a column's subsections, a page's ancestors.
#[derive(Debug)]
struct SectionList {
    site: Arc<SiteData>,
    ids: SectionIds,
}

fn sections_value(site: &Arc<SiteData>, ids: SectionIds) -> Value {
    Value::from_object(SectionList {
        site: site.clone(),
        ids,
    })
}

impl SectionList {
    fn ids(&self) -> &[SectionId] {
        match &self.ids {
            SectionIds::Subsections(id) => &self.site.library.sections[*id].subsections,
            SectionIds::Owned(ids) => ids,
        }
    }
}

impl Object for SectionList {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Seq
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let ids = self.ids();
        let index = seq_index(key, ids.len())?;
        Some(section_value(&self.site, ids[index]))
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Seq(self.ids().len())
    }
}

/// Where a page list's ids live: borrowed from the library where possible, so handing a
/// 10,000-page section to a template copies nothing.
#[derive(Debug)]
enum PageIds {
    Section(SectionId),
    Term(usize, usize),
    Owned(Arc<[PageId]>),
}

#[derive(Debug)]
struct PageList {
    site: Arc<SiteData>,
    ids: PageIds,
}

impl PageList {
    fn ids(&self) -> &[PageId] {
        let library = &self.site.library;
        match &self.ids {
            PageIds::Section(id) => &library.sections[*id].pages,
            PageIds::Term(t, term) => &library.taxonomies[*t].terms[*term].pages,
            PageIds::Owned(ids) => ids,
        }
    }
}

impl Object for PageList {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Seq
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let ids = self.ids();
        let index = seq_index(key, ids.len())?;
        Some(page_value(&self.site, ids[index]))
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Seq(self.ids().len())
    }
}

#[derive(Serialize)]
struct AssetView<'a> {
    name: &'a str,
    path: String,
    size: u64,
    extension: String,
    mime: &'static str,
    kind: &'static str,
}

fn asset_views<'a>(base: &str, assets: &'a [Asset]) -> impl Iterator<Item = AssetView<'a>> {
    assets.iter().map(move |a| {
        let extension = a
            .name
            .rsplit_once('.')
            .map(|(_, e)| e.to_ascii_lowercase())
            .unwrap_or_default();
        AssetView {
            name: &a.name,
            path: format!("{base}{}", a.name),
            size: a.size,
            mime: mime_of(&a.name),
            kind: kind_of(&extension),
            extension,
        }
    })
}

fn assets_value(base: &str, assets: &[Asset]) -> Value {
    Value::from(Serde(asset_views(base, assets).collect::<Vec<_>>()))
}

/// Documents a citizen downloads (PDF, Word, Excel, archives), as opposed to media on the page.
fn attachments_value(base: &str, assets: &[Asset]) -> Value {
    Value::from(Serde(
        asset_views(base, assets)
            .filter(|a| a.kind == "document")
            .collect::<Vec<_>>(),
    ))
}

/// What an attachment is, for its label (文档, 图片, 视频…).
fn kind_of(extension: &str) -> &'static str {
    match extension {
        "pdf" | "doc" | "docx" | "xls" | "xlsx" | "ppt" | "pptx" | "odt" | "ods" | "wps"
        | "ofd" | "txt" | "csv" | "zip" | "rar" | "7z" => "document",
        "png" | "jpg" | "jpeg" | "gif" | "webp" | "svg" | "avif" => "image",
        "mp4" | "webm" | "ogv" | "mov" => "video",
        "mp3" | "ogg" | "wav" | "m4a" => "audio",
        "vtt" | "srt" => "captions",
        _ => "other",
    }
}

/// MIME type by extension: the one table used by the build and the preview server.
pub fn mime_of(name: &str) -> &'static str {
    let extension = name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    match extension.as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        "xml" => "application/xml; charset=utf-8",
        "txt" => "text/plain; charset=utf-8",
        "vtt" => "text/vtt; charset=utf-8",
        "srt" => "application/x-subrip",
        "csv" => "text/csv; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "avif" => "image/avif",
        "ico" => "image/x-icon",
        "mp4" => "video/mp4",
        "webm" => "video/webm",
        "ogv" => "video/ogg",
        "mp3" => "audio/mpeg",
        "ogg" => "audio/ogg",
        "wav" => "audio/wav",
        "m4a" => "audio/mp4",
        "pdf" => "application/pdf",
        "doc" => "application/msword",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xls" => "application/vnd.ms-excel",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "ppt" => "application/vnd.ms-powerpoint",
        "pptx" => "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "zip" => "application/zip",
        "woff2" => "font/woff2",
        "woff" => "font/woff",
        "wasm" => "application/wasm",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::Target;
    use crate::templates::Templates;

    /// A site of `files`, loaded and resolved; `grow` may change its library before the views
    /// are made.
    fn site_of(
        files: &[(&str, &str)],
        grow: impl FnOnce(&mut Library),
    ) -> (tempfile::TempDir, Arc<SiteData>, Templates) {
        let root = tempfile::tempdir().unwrap();
        let base = [
            (
                "site.toml",
                "base_url = \"https://a.gov.cn\"\ntitle = \"t\"\n",
            ),
            ("content/_index.md", "+++\ntitle = \"首页\"\n+++\n"),
        ];
        for (name, text) in base.iter().chain(files) {
            let path = root.path().join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        let config = Arc::new(Config::load(root.path()).unwrap());
        let (mut library, mut diagnostics) =
            crate::content::load(&config, &crate::content::LoadOptions::default());
        crate::resolve::resolve(&config, &mut library, &mut diagnostics);
        assert!(!diagnostics.has_errors(), "{:?}", diagnostics.sorted());
        grow(&mut library);
        let site = Arc::new(SiteData::new(config.clone(), Arc::new(library)));
        let templates = Templates::load(&config, site.clone()).unwrap();
        (root, site, templates)
    }

    fn section_id(library: &Library, source: &str) -> SectionId {
        match library.lookup(source) {
            Some(Target::Section(id)) => id,
            other => panic!("{source}: {other:?}"),
        }
    }

    #[test]
    fn every_key_of_a_view_is_built() {
        let (_root, site, _) = site_of(
            &[
                ("content/reports/_index.md", "+++\ntitle = \"报告\"\n+++\n"),
                ("content/reports/a.md", "+++\ntitle = \"甲\"\n+++\n"),
            ],
            |_| {},
        );
        let page = page_value(&site, 0);
        for key in PAGE_KEYS {
            assert!(!page.get_attr(key).unwrap().is_undefined(), "page.{key}");
        }
        let section = section_value(&site, Library::HOME);
        for key in SECTION_KEYS {
            assert!(
                !section.get_attr(key).unwrap().is_undefined(),
                "section.{key}"
            );
        }
    }

    #[test]
    fn a_render_shares_one_view_per_page_and_builds_each_attribute_once() {
        let (_root, site, _) = site_of(
            &[
                ("content/reports/_index.md", "+++\ntitle = \"报告\"\n+++\n"),
                ("content/reports/a.md", "+++\ntitle = \"甲\"\n+++\n## 一\n"),
            ],
            |_| {},
        );
        let toc = |page: &Value| page.get_attr("toc").unwrap();
        let list = |value: &Value| value.downcast_object_ref::<Vec<Value>>().unwrap() as *const _;
        with_shared_views(&site, || {
            let (first, again) = (page_value(&site, 0), page_value(&site, 0));
            assert!(std::ptr::eq(
                first.downcast_object_ref::<PageView>().unwrap(),
                again.downcast_object_ref::<PageView>().unwrap(),
            ));
            assert_eq!(list(&toc(&first)), list(&toc(&again)));
        });
        // Outside a render, each view is its own.
        let (first, again) = (page_value(&site, 0), page_value(&site, 0));
        assert_ne!(list(&toc(&first)), list(&toc(&again)));
    }

    #[test]
    fn views_let_go_of_the_site_when_the_render_ends() {
        let pages: Vec<(String, String)> = (0..3)
            .map(|i| {
                (
                    format!("content/reports/p{i}.md"),
                    format!("+++\ntitle = \"页{i}\"\ndate = 2024-01-0{}\n+++\n", i + 1),
                )
            })
            .collect();
        let mut files: Vec<(&str, &str)> = pages.iter().map(|(p, t)| (&**p, &**t)).collect();
        files.push(("content/reports/_index.md", "+++\ntitle = \"报告\"\n+++\n"));
        files.push((
            "templates/page.html",
            "{{ page.lower.higher.title }}{{ page.higher.lower.title }}\
             {% for a in page.ancestors %}{{ a.title }}{{ a.subsections | length }}{% endfor %}\
             {{ page.section.pages | length }}{{ page.section.current_pages[0].section.title }}",
        ));
        let (_root, site, templates) = site_of(&files, |_| {});
        let before = Arc::strong_count(&site);
        let html = templates
            .render(
                "page.html",
                Value::from_pairs([("page", page_value(&site, 1))]),
                "p1",
            )
            .unwrap();
        assert_eq!(html, "页1页1首页1报告03报告");
        assert_eq!(
            Arc::strong_count(&site),
            before,
            "a view outlived its render"
        );
    }

    #[test]
    fn forty_thousand_listing_pages_split_their_section_by_expiry_once() {
        // With `paginate_by = 1`, splitting the section's pages anew for every listing page
        // was quadratic: 13 s of CPU for 40,000 pages.
        let n = 40_000;
        let (_root, site, templates) = site_of(
            &[
                (
                    "content/notices/_index.md",
                    "+++\ntitle = \"通知\"\npaginate_by = 1\n+++\n",
                ),
                ("content/notices/a.md", "+++\ntitle = \"现行\"\n+++\n"),
                (
                    "content/notices/b.md",
                    "+++\ntitle = \"过期\"\nexpires = 2020-01-01\n+++\n",
                ),
                (
                    "templates/section.html",
                    "{{ section.current_pages | length }}/{{ section.expired_pages | length }}",
                ),
            ],
            |library| {
                let notices = section_id(library, "notices/_index.md");
                let two = std::mem::take(&mut library.pages);
                library.pages = (0..n).map(|i| two[i % 2].clone()).collect();
                library.sections[notices].pages = (0..n).collect();
            },
        );
        let notices = section_id(&site.library, "notices/_index.md");
        let start = std::time::Instant::now();
        for pager in 1..=n {
            let job = crate::render::Job::Section { id: notices, pager };
            let (_, html) = crate::render::render_job(&site, &templates, &job).unwrap();
            assert_eq!(html, "20000/20000");
        }
        assert!(
            start.elapsed() < std::time::Duration::from_secs(20),
            "{:?}",
            start.elapsed()
        );
    }
}
