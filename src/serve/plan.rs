//! The rebuild planner: what a set of changed files touches, decided without rendering anything.
//!
//! Two questions, both answered from the model the last good build left behind:
//!
//! - [`classify`]: which kind of rebuild a batch of changed paths needs, from cheapest to
//!   dearest: refresh the map of static files ([`Plan::Files`]), re-read edited pages
//!   ([`Plan::Pages`]), reload templates ([`Plan::Templates`]), or load everything again
//!   ([`Plan::Full`]: `site.toml`, new or deleted content, sections, anything unusual). Paths that
//!   are gone and were never known (an editor's temporary file renamed into place) change nothing.
//! - Which output jobs show an edited page ([`PageEdits`]) or use an edited template
//!   ([`TemplateIndex::users_of`]).
//!
//! The planner errs on the side of re-rendering, and what it cannot see (a "latest news" box on
//! every page, filled by `get_section`) is caught afterwards: the rebuild loop re-renders, in idle
//! time, the jobs whose templates look up other pages ([`TemplateIndex::looks_elsewhere`]) and
//! publishes any page that differs.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};

use crate::content::{Library, PageId, SectionId, Target};
use crate::render::Job;
use crate::slug::slugify;
use crate::templates::Templates;

/// The kind of rebuild a change needs. [`Plan::merge`] combines the plans of several changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Plan {
    /// Nothing the site uses changed.
    Nothing,
    /// Only files served as they are; `css_only` lets browsers swap stylesheets in place.
    Files {
        /// Every changed file is a stylesheet.
        css_only: bool,
    },
    /// Markdown pages edited in place, by content-relative source (`reports/a.md`).
    Pages(BTreeSet<String>),
    /// Templates edited, by name (`partials/header.html`); `None` when templates were added or
    /// removed, which may change which template any page uses.
    Templates(Option<BTreeSet<String>>),
    /// Load and render everything.
    Full,
}

impl Plan {
    /// The plan that covers both.
    pub fn merge(self, other: Plan) -> Plan {
        use Plan::*;
        match (self, other) {
            (Nothing, plan) | (plan, Nothing) => plan,
            (Full, _) | (_, Full) => Full,
            (Files { css_only: a }, Files { css_only: b }) => Files { css_only: a && b },
            // Every rebuild refreshes the file map, so files ride along with any rendering.
            (Files { .. }, plan) | (plan, Files { .. }) => plan,
            (Pages(mut a), Pages(b)) => {
                a.extend(b);
                Pages(a)
            }
            (Templates(Some(mut a)), Templates(Some(b))) => {
                a.extend(b);
                Templates(Some(a))
            }
            (Templates(_), Templates(_)) => Templates(None),
            (Pages(_), Templates(_)) | (Templates(_), Pages(_)) => Full,
        }
    }
}

/// What the last good build knows, to tell edits from additions and from passing temp files.
pub struct Known<'a> {
    /// The site root (absolute, as the watcher reports paths under it).
    pub root: &'a Path,
    /// The active theme, if any.
    pub theme: Option<&'a str>,
    /// The content.
    pub library: &'a Library,
    /// The templates.
    pub templates: &'a TemplateIndex,
    /// Source files served as they are (static files and assets).
    pub files: &'a HashSet<PathBuf>,
}

/// The plan for a batch of changed paths, relative to the site root.
pub fn classify<'p>(known: &Known<'_>, changed: impl IntoIterator<Item = &'p PathBuf>) -> Plan {
    let mut plan = Plan::Nothing;
    for path in changed {
        plan = plan.merge(classify_one(known, path));
        if plan == Plan::Full {
            break;
        }
    }
    plan
}

fn classify_one(known: &Known<'_>, rel: &Path) -> Plan {
    let abs = known.root.join(rel);
    let rel = rel.to_string_lossy().replace('\\', "/");
    let exists = abs.exists();
    if rel == "site.toml" {
        return Plan::Full;
    }
    if let Some(source) = rel.strip_prefix("content/") {
        if source.ends_with(".md") && abs.is_file() {
            return match known.library.by_source.get(source) {
                Some(Target::Page(_)) => Plan::Pages(BTreeSet::from([source.to_string()])),
                _ => Plan::Full,
            };
        }
        let library = known.library;
        let under = format!("{source}/");
        let was_known = library
            .by_source
            .keys()
            .chain(library.unpublished.keys())
            .any(|k| k == source || k.starts_with(&under))
            || known.files.iter().any(|f| f.starts_with(&abs));
        return if exists || was_known {
            Plan::Full
        } else {
            Plan::Nothing
        };
    }
    let theme_dir = known.theme.map(|t| format!("themes/{t}/"));
    let in_theme = |sub: &str| {
        theme_dir
            .as_ref()
            .and_then(|dir| rel.strip_prefix(dir.as_str()))
            .and_then(|rest| rest.strip_prefix(sub))
    };
    if let Some(name) = rel
        .strip_prefix("templates/")
        .or_else(|| in_theme("templates/"))
    {
        let templates = known.templates;
        if templates.names.contains(name) && abs.is_file() {
            return Plan::Templates(Some(BTreeSet::from([name.to_string()])));
        }
        let under = format!("{name}/");
        let was_known = templates
            .names
            .iter()
            .any(|n| n == name || n.starts_with(&under));
        return if exists || was_known {
            Plan::Templates(None)
        } else {
            Plan::Nothing
        };
    }
    if rel.starts_with("static/") || in_theme("static/").is_some() {
        let was_known = known.files.iter().any(|f| f.starts_with(&abs));
        if !exists && !was_known {
            return Plan::Nothing;
        }
        let css = abs.is_file() && rel.to_ascii_lowercase().ends_with(".css");
        return Plan::Files { css_only: css };
    }
    if let Some(other) = rel.strip_prefix("themes/") {
        let theme = other.split('/').next().unwrap_or_default();
        return if known.theme == Some(theme) || other.is_empty() {
            Plan::Full
        } else {
            Plan::Nothing
        };
    }
    if ["content", "templates", "static", "themes"].contains(&rel.as_str()) {
        return Plan::Full;
    }
    Plan::Nothing
}

/// Where a page appears in the listings: its place in its section and in each of its terms.
/// Taken before and after an edit, two placements tell which listing pages the edit moves.
#[derive(Debug, Clone)]
pub struct Placement {
    id: PageId,
    section: SectionId,
    /// Index in the section's ordered pages.
    position: Option<usize>,
    /// The pages before and after it there (they link to it by title).
    neighbours: Vec<PageId>,
    /// (taxonomy, term slug) → index in the term's pages; a map, since a page may have tens of
    /// thousands of terms and an edit compares them before and after.
    terms: BTreeMap<(String, String), usize>,
}

impl Placement {
    /// Where page `id` appears in `library`.
    pub fn of(library: &Library, id: PageId) -> Placement {
        let page = &library.pages[id];
        let siblings = &library.sections[page.section].pages;
        let position = siblings.iter().position(|&p| p == id);
        let neighbours = position
            .map(|at| {
                let before = at.checked_sub(1).and_then(|i| siblings.get(i));
                before
                    .into_iter()
                    .chain(siblings.get(at + 1))
                    .copied()
                    .collect()
            })
            .unwrap_or_default();
        let mut terms = BTreeMap::new();
        for (name, values) in &page.meta.taxonomies {
            let Some(taxonomy) = library.taxonomies.get(name) else {
                continue;
            };
            for value in values {
                let slug = slugify(value);
                let term = taxonomy.terms.get(&slug);
                if let Some(at) = term.and_then(|t| t.pages.iter().position(|&p| p == id)) {
                    terms.insert((name.clone(), slug), at);
                }
            }
        }
        Placement {
            id,
            section: page.section,
            position,
            neighbours,
            terms,
        }
    }
}

/// The jobs that show a page whose file was edited in place: the page, its neighbours (old and
/// new: they link to it by title), the listing pages where it appears or appeared (sorting may
/// move it), the first listing page of its section and of every section above it (they list
/// the newest pages), the taxonomy lists and the 404 page. Other pages that show it through
/// `get_section` or `get_page` are caught by the idle-time pass.
#[derive(Debug, Default)]
pub struct PageEdits {
    pages: HashSet<PageId>,
    /// Sections whose first listing page is re-rendered.
    first_pages: HashSet<SectionId>,
    /// Section → range of listing pages (1-based, inclusive) to re-render.
    section_pagers: HashMap<SectionId, (usize, usize)>,
    /// (taxonomy, term slug) → range of listing pages, `None` for all of them.
    terms: HashMap<(String, String), Option<(usize, usize)>>,
}

impl PageEdits {
    /// What the edits touch, from the placements of the edited pages before and after, in the
    /// same order, and the library after. Files were edited, not added or removed, so ids and
    /// sections stay the same.
    pub fn new(library: &Library, before: &[Placement], after: &[Placement]) -> PageEdits {
        let mut edits = PageEdits::default();
        for (old, new) in before.iter().zip(after) {
            edits.pages.insert(new.id);
            edits
                .pages
                .extend(old.neighbours.iter().chain(&new.neighbours));
            let mut section = Some(new.section);
            while let Some(id) = section {
                edits.first_pages.insert(id);
                section = library.sections[id].parent;
            }
            let positions: Vec<usize> = old.position.into_iter().chain(new.position).collect();
            let per = library.sections[new.section].meta.paginate_by;
            if let Some(range) = pager_range(&positions, per) {
                let entry = edits.section_pagers.entry(new.section).or_insert(range);
                *entry = (entry.0.min(range.0), entry.1.max(range.1));
            }
            let keys: BTreeSet<&(String, String)> =
                old.terms.keys().chain(new.terms.keys()).collect();
            for key in keys {
                let per = library.taxonomies.get(&key.0).and_then(|t| t.paginate_by);
                let range = match (old.terms.get(key), new.terms.get(key)) {
                    (Some(&a), Some(&b)) => pager_range(&[a, b], per),
                    // The page joined or left the term: every listing page of it moves.
                    _ => None,
                };
                let key = key.clone();
                let merged = match (edits.terms.get(&key), range) {
                    (Some(None), _) | (_, None) => None,
                    (Some(Some(a)), Some(b)) => Some((a.0.min(b.0), a.1.max(b.1))),
                    (None, Some(b)) => Some(b),
                };
                edits.terms.insert(key, merged);
            }
        }
        edits
    }

    /// Whether `job` (of the library after the edit) must be rendered again.
    pub fn touches(&self, library: &Library, job: &Job) -> bool {
        let within = |range: &(usize, usize), pager: &usize| range.0 <= *pager && *pager <= range.1;
        match job {
            Job::Page(id) => self.pages.contains(id),
            Job::Section { id, pager } => {
                (*pager == 1 && self.first_pages.contains(id))
                    || self
                        .section_pagers
                        .get(id)
                        .is_some_and(|r| within(r, pager))
            }
            Job::Term {
                taxonomy,
                term,
                pager,
            } => {
                let taxonomy = &library.taxonomies[*taxonomy];
                let key = (taxonomy.name.clone(), taxonomy.terms[*term].slug.clone());
                match self.terms.get(&key) {
                    None => false,
                    Some(None) => true,
                    Some(Some(range)) => within(range, pager),
                }
            }
            Job::TaxonomyList(_) | Job::NotFound => true,
            // Redirects depend on URLs only, which an in-place edit keeps (a new alias is a
            // new output, rendered because the last snapshot lacks it).
            Job::Redirect { .. } => false,
        }
    }
}

/// Whether another page links to an anchor of page `id` that an edit removed (`before` are
/// its anchors before the edit). Links are checked by the resolve stage, which a partial rebuild
/// skips for the pages that link here, so such a link would go unreported: load the site again.
pub fn removed_anchor_is_linked(library: &Library, id: PageId, before: &HashSet<String>) -> bool {
    let page = &library.pages[id];
    let escape = crate::markdown::escape_html;
    let needles: Vec<String> = before
        .iter()
        .filter(|anchor| !page.markdown.anchors.contains(*anchor))
        .map(|anchor| format!("\"{}#{}\"", escape(&page.path), escape(anchor)))
        .collect();
    if needles.is_empty() {
        return false;
    }
    let pages = library
        .pages
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != id)
        .flat_map(|(_, p)| [held(p), p.summary_html.as_deref()]);
    let sections = library.sections.iter().map(|s| Some(&*s.markdown.content));
    pages
        .chain(sections)
        .flatten()
        .any(|html| needles.iter().any(|needle| html.contains(needle.as_str())))
}

/// A page's body as held in memory; the preview holds every one (see `serve::run`).
fn held(page: &crate::content::Page) -> Option<&str> {
    match &page.content {
        crate::content::PageContent::Held(html) => Some(html),
        crate::content::PageContent::OnDisk { .. } => None,
    }
}

/// Listing pages (1-based, inclusive) spanning items at `positions`, `per` to a page.
fn pager_range(positions: &[usize], per: Option<usize>) -> Option<(usize, usize)> {
    let (low, high) = (positions.iter().min()?, positions.iter().max()?);
    Some(match per.filter(|p| *p > 0) {
        Some(per) => (low / per + 1, high / per + 1),
        None => (1, 1),
    })
}

/// Which template refers to which (`extends`, `include`, `import`, `from … import`), read from
/// the template files, so that an edited partial re-renders only the pages that use it.
#[derive(Debug, Default, Clone)]
pub struct TemplateIndex {
    /// Every template name, the site's and the theme's.
    pub names: BTreeSet<String>,
    /// Template → the templates it names.
    refs: HashMap<String, Vec<String>>,
    /// Some template names another by an expression (`{% include page.extra.box %}`), so any
    /// template may be used by any page.
    dynamic: bool,
    /// Templates (with what they extend, include or import) that may show pages other than
    /// the one they render and its listing: [`LOOKS_ELSEWHERE`].
    looks_elsewhere: HashSet<String>,
}

/// What in a template can show pages the planner does not connect to it: the library lookups
/// (`get_page`, `get_section`, `get_taxonomy` but not `get_taxonomy_url`), subsections, and any
/// list of pages (`page.section.pages`, `section.expired_pages`, even `paginator.pages`, which
/// the planner does follow: checking too much costs idle time only).
const LOOKS_ELSEWHERE: &[&str] = &[
    "get_page",
    "get_section",
    "get_taxonomy(",
    "subsections",
    "pages",
];

impl TemplateIndex {
    /// Indexes the templates as loaded (the site's templates hide the theme's).
    pub fn of(templates: &Templates) -> TemplateIndex {
        let mut index = TemplateIndex::default();
        let mut direct = BTreeSet::new();
        for (name, source) in templates.sources() {
            let name = name.to_string();
            let (refs, dynamic) = references(source);
            index.dynamic |= dynamic;
            if LOOKS_ELSEWHERE.iter().any(|needle| source.contains(needle)) {
                direct.insert(name.clone());
            }
            index.refs.insert(name.clone(), refs);
            index.names.insert(name);
        }
        index.looks_elsewhere = match index.users_of(&direct) {
            Some(users) => users,
            None => index.names.iter().cloned().collect(),
        };
        index
    }

    /// Whether a job rendered with `template` may show pages other than its own and its listing
    /// (so an edit elsewhere may change it, unseen by the planner).
    pub fn looks_elsewhere(&self, template: &str) -> bool {
        self.looks_elsewhere.contains(template)
    }

    /// The templates whose output may change when `changed` change: themselves and every
    /// template that extends, includes or imports them, directly or not. `None`: all of them.
    pub fn users_of(&self, changed: &BTreeSet<String>) -> Option<HashSet<String>> {
        if self.dynamic {
            return None;
        }
        let mut users: HashSet<String> = changed.iter().cloned().collect();
        loop {
            let more: Vec<String> = self
                .refs
                .iter()
                .filter(|(name, refs)| {
                    !users.contains(*name) && refs.iter().any(|r| users.contains(r))
                })
                .map(|(name, _)| name.clone())
                .collect();
            if more.is_empty() {
                return Some(users);
            }
            users.extend(more);
        }
    }
}

/// The templates a template's tags name, and whether one is named by an expression.
pub fn references(source: &str) -> (Vec<String>, bool) {
    let mut refs = Vec::new();
    let mut dynamic = false;
    let mut rest = source;
    while let Some(start) = rest.find("{%") {
        let after = &rest[start + 2..];
        let Some(end) = after.find("%}") else { break };
        let tag = after[..end].trim_matches(|c: char| c == '-' || c == '+' || c.is_whitespace());
        rest = &after[end + 2..];
        let (keyword, args) = tag.split_once(char::is_whitespace).unwrap_or((tag, ""));
        if !matches!(keyword, "extends" | "include" | "import" | "from") {
            continue;
        }
        let args = args.trim_start();
        // The names come first: one string, or a list of strings for `include`.
        let names_part = match args.strip_prefix('[') {
            Some(list) => list.split(']').next().unwrap_or_default(),
            None => args,
        };
        let literals = string_literals(names_part, !args.starts_with('['));
        if literals.is_empty() {
            dynamic = true;
        }
        refs.extend(literals);
    }
    (refs, dynamic)
}

/// String literals at the start of `text` (`"a"`, `'b'`); with `first_only`, just the first.
fn string_literals(text: &str, first_only: bool) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text.trim_start();
    while let Some(quote) = rest.chars().next().filter(|c| *c == '"' || *c == '\'') {
        let Some(close) = rest[1..].find(quote) else {
            break;
        };
        out.push(rest[1..1 + close].to_string());
        if first_only {
            break;
        }
        rest = rest[close + 2..]
            .trim_start()
            .trim_start_matches(',')
            .trim_start();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_are_read_from_tags() {
        let source = r#"{% extends "base.html" %}{%- include 'partials/a.html' ignore missing -%}
            {% import "macros.html" as m %}{% from "forms.html" import field %}
            {% include ["x.html", 'y.html'] %}{% if include %}{{ "include 'no.html'" }}{% endif %}"#;
        let (refs, dynamic) = references(source);
        assert_eq!(
            refs,
            [
                "base.html",
                "partials/a.html",
                "macros.html",
                "forms.html",
                "x.html",
                "y.html"
            ]
        );
        assert!(!dynamic);
        assert!(references("{% include page.extra.box %}").1);
    }

    #[test]
    fn users_of_follow_extends_and_includes_upwards() {
        let mut index = TemplateIndex::default();
        for (name, refs) in [
            ("base.html", vec!["partials/footer.html"]),
            ("page.html", vec!["base.html"]),
            ("section.html", vec!["base.html", "partials/pager.html"]),
            ("partials/footer.html", vec![]),
            ("partials/pager.html", vec![]),
        ] {
            index.names.insert(name.into());
            index
                .refs
                .insert(name.into(), refs.into_iter().map(String::from).collect());
        }
        let users = index
            .users_of(&BTreeSet::from(["partials/pager.html".to_string()]))
            .unwrap();
        assert_eq!(users.len(), 2);
        assert!(users.contains("section.html"));
        let users = index
            .users_of(&BTreeSet::from(["partials/footer.html".to_string()]))
            .unwrap();
        assert_eq!(users.len(), 4, "all but the pager: {users:?}");
        index.dynamic = true;
        assert!(index.users_of(&BTreeSet::new()).is_none());
    }

    #[test]
    fn plans_merge_to_the_cheapest_that_covers_both() {
        let pages = |s: &str| Plan::Pages(BTreeSet::from([s.to_string()]));
        assert_eq!(Plan::Nothing.merge(pages("a.md")), pages("a.md"));
        assert_eq!(
            pages("a.md").merge(pages("b.md")),
            Plan::Pages(BTreeSet::from(["a.md".into(), "b.md".into()]))
        );
        assert_eq!(
            Plan::Files { css_only: true }.merge(Plan::Files { css_only: false }),
            Plan::Files { css_only: false }
        );
        assert_eq!(
            Plan::Files { css_only: true }.merge(pages("a.md")),
            pages("a.md")
        );
        assert_eq!(pages("a.md").merge(Plan::Templates(None)), Plan::Full);
        assert_eq!(
            Plan::Templates(None).merge(Plan::Nothing),
            Plan::Templates(None)
        );
    }

    #[test]
    fn pager_ranges_span_old_and_new_positions() {
        assert_eq!(pager_range(&[3, 25], Some(10)), Some((1, 3)));
        assert_eq!(pager_range(&[3], None), Some((1, 1)));
        assert_eq!(pager_range(&[], Some(10)), None);
    }
}
