//! Everything that needs the whole site: URLs, internal links, ordering and taxonomies.
//!
//! Runs after loading and before rendering. Afterwards every page and section knows its URL, its
//! `@/` links point at real URLs (or were reported), sections list their pages in order, and the
//! taxonomies are built. The stage is cheap (no I/O, no Markdown) and is rerun whole by the
//! preview server after every change.

use std::collections::BTreeMap;

use crate::config::{Config, DerivedTerms};
use crate::content::PageContent;
use crate::content::frontmatter::{DEFAULT_TAXONOMY, SortBy};
use crate::content::load::shown;
use crate::content::{Library, PageId, Taxonomy, Term, Terms};
use crate::diagnostics::{Diagnostic, Diagnostics, Location, Problem};
use crate::markdown::{InternalLink, replace_placeholders};
use crate::pagination::{extra_pager_paths, pager_count};
use crate::slug::slugify;
use crate::urlpath::{Claims, check_authored, output_file};

/// Resolves the library in place, reporting problems into `diagnostics`.
pub fn resolve(config: &Config, library: &mut Library, diagnostics: &mut Diagnostics) {
    assign_urls(config, library, diagnostics);
    build_hierarchy(library);
    build_taxonomies(config, library);
    check_unique_urls(config, library, diagnostics);
    resolve_links(config, library, diagnostics);
}

fn assign_urls(config: &Config, library: &mut Library, diagnostics: &mut Diagnostics) {
    for section in &mut library.sections {
        let slugs: Vec<String> = section
            .dir
            .split('/')
            .filter(|c| !c.is_empty())
            .map(slugify)
            .collect();
        section.path = join_path(&config.base_path, &slugs);
        section.permalink = config.permalink(&section.path);
    }
    for page in &mut library.pages {
        check_authored_paths(config, page, diagnostics);
        page.path = match &page.meta.path {
            Some(custom) if check_authored(custom).is_ok() => {
                let parts: Vec<String> = custom
                    .split('/')
                    .filter(|c| !c.is_empty())
                    .map(str::to_string)
                    .collect();
                join_path(&config.base_path, &parts)
            }
            _ => {
                let mut path = library.sections[page.section].path.clone();
                for folder in &page.folder_slugs {
                    path.push_str(folder);
                    path.push('/');
                }
                path.push_str(&page.slug);
                path.push('/');
                path
            }
        };
        page.permalink = config.permalink(&page.path);
        page.alias_paths = page
            .meta
            .aliases
            .iter()
            .map(|alias| alias_path(&config.base_path, alias))
            .collect();
    }
}

/// `path` and `aliases` name files in the web server's folder: each must stay inside the
/// output and mean the same to every browser and server ([`check_authored`]).
fn check_authored_paths(
    config: &Config,
    page: &crate::content::Page,
    diagnostics: &mut Diagnostics,
) {
    let authored = page
        .meta
        .path
        .iter()
        .map(|path| ("path", path))
        .chain(page.meta.aliases.iter().map(|alias| ("aliases", alias)));
    for (key, value) in authored {
        if let Err(detail) = check_authored(value) {
            diagnostics.push(Diagnostic::error(
                page.key_location(key, &shown(config, &page.file)),
                Problem::InvalidValue {
                    field: key.into(),
                    detail: format!("`{}`: {detail}", value.escape_debug()),
                    expected:
                        "a URL path inside the site, such as `/xxgk/2023/` or `old/art_1105.html`"
                            .into(),
                },
            ));
        }
    }
}

/// The URL path of an old address that redirects to a page. As in Zola, an alias naming an
/// `.html` file (common on sites moving over, `art/2024/art_1105.html`) gets that very file; any
/// other becomes a folder with `index.html`.
pub fn alias_path(base_path: &str, alias: &str) -> String {
    let joined = alias
        .split('/')
        .filter(|c| !c.is_empty())
        .collect::<Vec<_>>()
        .join("/");
    if joined.is_empty() {
        base_path.to_string()
    } else if joined.ends_with(".html") {
        format!("{base_path}{joined}")
    } else {
        format!("{base_path}{joined}/")
    }
}

fn join_path(base: &str, parts: &[String]) -> String {
    let mut path = base.to_string();
    for part in parts {
        path.push_str(part);
        path.push('/');
    }
    path
}

/// Subsections and section pages, each in its order.
fn build_hierarchy(library: &mut Library) {
    for section in &mut library.sections {
        section.pages.clear();
        section.subsections.clear();
    }
    for id in 1..library.sections.len() {
        if let Some(parent) = library.sections[id].parent {
            library.sections[parent].subsections.push(id);
        }
    }
    for (id, page) in library.pages.iter().enumerate() {
        library.sections[page.section].pages.push(id);
    }
    let pages = &library.pages;
    let sections_snapshot: Vec<(Option<i64>, String)> = library
        .sections
        .iter()
        .map(|s| (s.meta.weight, slugify(&s.meta.title)))
        .collect();
    // Pinyin keys for title order, worked out once per page rather than once per comparison.
    let title_keys: Vec<String> = if library
        .sections
        .iter()
        .any(|s| s.meta.sort_by == SortBy::Title)
    {
        pages.iter().map(|p| slugify(&p.meta.title)).collect()
    } else {
        Vec::new()
    };
    for section in &mut library.sections {
        let sort_by = section.meta.sort_by;
        section.pages.sort_by(|&ia, &ib| {
            let (a, b) = (&pages[ia], &pages[ib]);
            b.meta
                .pinned
                .cmp(&a.meta.pinned)
                .then_with(|| match sort_by {
                    SortBy::Date => b.meta.date.cmp(&a.meta.date),
                    SortBy::Weight => weight_key(a.meta.weight).cmp(&weight_key(b.meta.weight)),
                    SortBy::Title => title_keys[ia].cmp(&title_keys[ib]),
                })
                .then_with(|| a.meta.title.cmp(&b.meta.title))
                .then_with(|| a.source.cmp(&b.source))
        });
        section.subsections.sort_by(|&a, &b| {
            let (wa, ta) = &sections_snapshot[a];
            let (wb, tb) = &sections_snapshot[b];
            weight_key(*wa)
                .cmp(&weight_key(*wb))
                .then_with(|| ta.cmp(tb))
        });
    }
}

/// Unweighted items sort after weighted ones.
fn weight_key(weight: Option<i64>) -> (bool, i64) {
    (weight.is_none(), weight.unwrap_or(0))
}

fn build_taxonomies(config: &Config, library: &mut Library) {
    let mut names: Vec<String> = crate::content::frontmatter::taxonomy_names(config)
        .into_iter()
        .map(str::to_string)
        .collect();
    names.sort();
    library.taxonomies = names
        .into_iter()
        .map(|name| {
            let settings = config.taxonomies.get(&name);
            let mut terms: BTreeMap<String, Term> = BTreeMap::new();
            let derived = settings.and_then(|s| s.from);
            for (id, page) in library.pages.iter().enumerate() {
                let written = page.meta.taxonomies.get(&name);
                let derived_terms: std::borrow::Cow<[String]> = match (written, derived) {
                    (Some(terms), _) => terms.into(),
                    (None, Some(DerivedTerms::Year)) => page
                        .meta
                        .date
                        .as_ref()
                        .map(|d| vec![d.zoned(&config.tz).year().to_string()].into())
                        .unwrap_or_default(),
                    (None, None) => std::borrow::Cow::Borrowed(&[]),
                };
                for term in derived_terms.iter() {
                    let slug = slugify(term);
                    let entry = terms.entry(slug.clone()).or_insert_with(|| {
                        let path = format!("{}{name}/{slug}/", config.base_path);
                        Term {
                            name: term.clone(),
                            permalink: config.permalink(&path),
                            path,
                            slug,
                            pages: Vec::new(),
                        }
                    });
                    if entry.pages.last() != Some(&id) {
                        entry.pages.push(id);
                    }
                }
            }
            let terms: Terms = terms
                .into_values()
                .map(|mut term| {
                    sort_newest_first(&library.pages, &mut term.pages);
                    term
                })
                .collect();
            let path = format!("{}{name}/", config.base_path);
            let default_title = if name == DEFAULT_TAXONOMY {
                "标签".to_string()
            } else {
                name.clone()
            };
            Taxonomy {
                title: settings
                    .and_then(|s| s.title.clone())
                    .unwrap_or(default_title),
                paginate_by: settings.and_then(|s| s.paginate_by),
                permalink: config.permalink(&path),
                path,
                terms,
                name,
            }
        })
        .collect();
}

fn sort_newest_first(pages: &[Box<crate::content::Page>], ids: &mut [PageId]) {
    ids.sort_by(|&a, &b| {
        pages[b]
            .meta
            .date
            .cmp(&pages[a].meta.date)
            .then_with(|| pages[a].source.cmp(&pages[b].source))
    });
}

/// Two sources claiming one URL is an error naming both.
fn check_unique_urls(config: &Config, library: &Library, diagnostics: &mut Diagnostics) {
    let mut claims: Vec<(String, std::path::PathBuf)> = Vec::new();
    for section in &library.sections {
        let file = shown(config, &section.file);
        let count = pager_count(section.pages.len(), section.meta.paginate_by);
        for path in extra_pager_paths(&section.path, count) {
            claims.push((path, file.clone()));
        }
        claims.push((section.path.clone(), file));
    }
    for page in &library.pages {
        claims.push((page.path.clone(), shown(config, &page.file)));
        for (alias, url) in page.meta.aliases.iter().zip(&page.alias_paths) {
            if *url == page.path {
                // Its redirect would overwrite the page itself with a redirect to itself.
                diagnostics.push(Diagnostic::error(
                    page.key_location("aliases", &shown(config, &page.file)),
                    Problem::InvalidValue {
                        field: "aliases".into(),
                        detail: format!("`{alias}` is this page's own URL"),
                        expected: "old URLs that should redirect to this page".into(),
                    },
                ));
                continue;
            }
            claims.push((url.clone(), shown(config, &page.file)));
        }
    }
    // A taxonomy claims its URL only when it has pages: an unused `tags` must not forbid a
    // section at content/tags/.
    for taxonomy in library.taxonomies.iter().filter(|t| !t.terms.is_empty()) {
        let owner = std::path::PathBuf::from(format!("site.toml (taxonomy `{}`)", taxonomy.name));
        claims.push((taxonomy.path.clone(), owner.clone()));
        for term in &taxonomy.terms {
            let count = pager_count(term.pages.len(), taxonomy.paginate_by);
            claims.extend(extra_pager_paths(&term.path, count).map(|p| (p, owner.clone())));
            claims.push((term.path.clone(), owner.clone()));
        }
    }
    claims.sort_by(|a, b| a.1.cmp(&b.1));
    // Compared as output files, not URL strings: `/index.html` is the home page's file, and
    // `/404.html/` needs a folder where the file `404.html` is.
    let mut files = Claims::default();
    for (url, owner) in claims {
        files.claim(output_file(&config.base_path, &url), owner);
    }
    for clash in files.clashes() {
        diagnostics.push(clash.diagnostic(&config.base_path));
    }
}

/// Broken links of one build that get a "did you mean" (each compares with every page).
const MAX_SUGGESTIONS: usize = 200;

/// How many of a page's anchors a missing-anchor hint lists.
const ANCHORS_IN_HINT: usize = 8;

/// The anchors a missing-anchor hint lists: the first few in order, footnotes left out.
fn first_anchors<'a>(anchors: impl IntoIterator<Item = &'a String>) -> Vec<String> {
    let mut first: Vec<&String> = (anchors.into_iter())
        .filter(|a| !a.starts_with("fn-"))
        .collect();
    if first.len() > ANCHORS_IN_HINT {
        first.select_nth_unstable(ANCHORS_IN_HINT);
        first.truncate(ANCHORS_IN_HINT);
    }
    first.sort();
    first.into_iter().cloned().collect()
}

/// Fills in the `@/` link placeholders, or reports each broken link at its line.
fn resolve_links(config: &Config, library: &mut Library, diagnostics: &mut Diagnostics) {
    let suggestions = std::cell::Cell::new(0usize);
    let anchor_hints: std::cell::RefCell<
        std::collections::HashMap<crate::content::Target, Vec<String>>,
    > = Default::default();
    let lookup = |links: &[InternalLink],
                  file: &std::path::Path,
                  offset: usize,
                  diagnostics: &mut Diagnostics|
     -> Vec<String> {
        let shown_file = shown(config, file);
        links
            .iter()
            .map(|link| {
                let at = |d: &mut Diagnostics, problem| {
                    d.push(Diagnostic::error(
                        Location {
                            file: shown_file.clone(),
                            line: link.line + offset,
                            column: link.column,
                            source_line: Some(link.source_line.clone()),
                        },
                        problem,
                    ));
                };
                let Some(target) = library.lookup(&link.target) else {
                    // A suggestion compares the target with every page: worth it for the first
                    // broken links of a build, not for a hundred thousand of them.
                    let suggestion = (suggestions.get() < MAX_SUGGESTIONS)
                        .then(|| {
                            suggestions.set(suggestions.get() + 1);
                            suggest_source(
                                &link.target,
                                library.by_source.keys().map(String::as_str),
                            )
                        })
                        .flatten();
                    let problem = match library.unpublished_reason(&link.target) {
                        Some(reason) => Problem::LinkToUnpublished {
                            target: link.target.clone(),
                            reason,
                        },
                        None => Problem::BrokenInternalLink {
                            target: link.target.clone(),
                            suggestion,
                        },
                    };
                    at(diagnostics, problem);
                    return "#".to_string();
                };
                let path = library.path_of(target).to_string();
                let Some(anchor) = &link.anchor else {
                    return path;
                };
                match library.resolve_anchor(target, anchor) {
                    Some(id) => format!("{path}#{id}"),
                    None => {
                        // Once per target page, however many links miss its anchors.
                        let available = anchor_hints
                            .borrow_mut()
                            .entry(target)
                            .or_insert_with(|| first_anchors(library.anchors_of(target)))
                            .clone();
                        at(
                            diagnostics,
                            Problem::MissingAnchor {
                                target: link.target.clone(),
                                anchor: anchor.clone(),
                                available,
                            },
                        );
                        path
                    }
                }
            })
            .collect()
    };
    let page_urls: Vec<Vec<String>> = library
        .pages
        .iter()
        .map(|p| {
            if p.markdown.links.is_empty() {
                Vec::new()
            } else {
                lookup(&p.markdown.links, &p.file, p.body_line_offset, diagnostics)
            }
        })
        .collect();
    let section_urls: Vec<Vec<String>> = library
        .sections
        .iter()
        .map(|s| {
            if s.markdown.links.is_empty() {
                Vec::new()
            } else {
                lookup(&s.markdown.links, &s.file, s.body_line_offset, diagnostics)
            }
        })
        .collect();
    // Links of a front matter summary are positioned in the file itself: no body offset.
    let summary_urls: Vec<Vec<String>> = library
        .pages
        .iter()
        .map(|p| {
            if p.summary_links.is_empty() {
                Vec::new()
            } else {
                lookup(&p.summary_links, &p.file, 0, diagnostics)
            }
        })
        .collect();
    for ((page, urls), summary_urls) in library.pages.iter_mut().zip(page_urls).zip(summary_urls) {
        if !urls.is_empty() {
            fill_placeholders(&mut page.markdown, &urls);
            match &page.content {
                PageContent::Held(html) => {
                    page.content = PageContent::Held(replace_placeholders(html, &urls).into());
                }
                // Rendered again when a template reads it, with these.
                PageContent::OnDisk { .. } => page.link_urls = urls,
            }
        }
        if let Some(summary) = &page.summary_html
            && !summary_urls.is_empty()
        {
            page.summary_html = Some(replace_placeholders(summary, &summary_urls).into());
            page.summary_links.clear();
        }
    }
    for (section, urls) in library.sections.iter_mut().zip(section_urls) {
        if !urls.is_empty() {
            fill_placeholders(&mut section.markdown, &urls);
        }
    }
}

fn fill_placeholders(rendered: &mut crate::markdown::Rendered, urls: &[String]) {
    rendered.content = replace_placeholders(&rendered.content, urls).into();
    if let Some(summary) = &rendered.summary {
        rendered.summary = Some(replace_placeholders(summary, urls).into());
    }
    // Links are resolved; a second resolve (in the preview server) must not find them again.
    rendered.links.clear();
}

/// The content file a mistyped `@/` link most likely meant. Names are compared, not whole paths
/// (files of one folder share most of their path, which would make every sibling look close),
/// and a file in the folder the link names wins over one elsewhere.
fn suggest_source<'s>(target: &str, sources: impl Iterator<Item = &'s str>) -> Option<String> {
    /// A page's name: its file stem, or its folder for `index.md` / `_index.md`.
    fn split(source: &str) -> (&str, &str) {
        let source = source.trim_start_matches('/');
        let (dir, file) = source.rsplit_once('/').unwrap_or(("", source));
        match file {
            "index.md" | "_index.md" | "" => {
                let (parent, name) = dir.rsplit_once('/').unwrap_or(("", dir));
                (parent, name)
            }
            _ => (dir, file.strip_suffix(".md").unwrap_or(file)),
        }
    }
    let (want_dir, want_name) = split(target);
    sources
        .filter_map(|source| {
            let (dir, name) = split(source);
            let mut score = strsim::normalized_levenshtein(want_name, name);
            // One typo in a short name (`aa` for `a`) is close whatever the ratio says.
            let one_typo = strsim::levenshtein(want_name, name) <= 1;
            if dir != want_dir {
                score -= 0.15;
            }
            (score >= 0.6 || (one_typo && score > 0.0)).then_some((score, source))
        })
        .max_by(|a, b| a.0.total_cmp(&b.0).then_with(|| b.1.cmp(a.1)))
        .map(|(_, source)| source.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases_keep_html_file_names_and_the_base_path() {
        assert_eq!(alias_path("/", "/old/a/"), "/old/a/");
        assert_eq!(
            alias_path("/", "art/2024//art_1105.html"),
            "/art/2024/art_1105.html"
        );
        assert_eq!(alias_path("/xxgk/", "old"), "/xxgk/old/");
    }

    #[test]
    fn link_suggestions_compare_names_not_whole_paths() {
        let sources = [
            "reports/bom.md",
            "reports/2023-annual/index.md",
            "notices/annual.md",
        ];
        let suggest = |t: &str| suggest_source(t, sources.iter().copied());
        assert_eq!(suggest("reports/nope.md"), None);
        assert_eq!(suggest("reports/bo.md").as_deref(), Some("reports/bom.md"));
        assert_eq!(
            suggest("reports/2023-anual/index.md").as_deref(),
            Some("reports/2023-annual/index.md")
        );
        assert_eq!(suggest("reports/bon.md").as_deref(), Some("reports/bom.md"));
        assert_eq!(
            suggest("notice/annual.md").as_deref(),
            Some("notices/annual.md")
        );
    }

    #[test]
    fn placeholders_are_replaced_only_where_complete() {
        let html =
            r#"<a href="gongkai-link:0">a</a> gongkai-link:9 <a href="gongkai-link:1">b</a>"#;
        let out = replace_placeholders(html, &["/a/".into(), "/b/#x".into()]);
        assert_eq!(
            out,
            r#"<a href="/a/">a</a> gongkai-link:9 <a href="/b/#x">b</a>"#
        );
    }
}
