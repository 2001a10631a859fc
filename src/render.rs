//! Rendering: turning the resolved library into files, in parallel.
//!
//! The stage first lists every output file as a [`Job`] (cheap), then renders and writes them on
//! all cores. A job's HTML goes straight to disk and is dropped, so memory stays proportional to
//! the library, not to the size of the output. Jobs are also what the preview server re-runs
//! selectively after a change.

use std::sync::Arc;

use minijinja::value::Value;
use rayon::prelude::*;

use crate::config::Config;
use crate::content::{Library, PageId, SectionId};
use crate::diagnostics::{Diagnostic, Location, Problem};
use crate::output::{WriteError, Writer};
use crate::pagination::{pager_count, pager_path, pager_window};
use crate::templates::Templates;
use crate::templates::views::{
    SiteData, page_value, pages_value, section_value, taxonomy_value, term_value,
};
use crate::urlpath::output_file;

/// One output file to produce.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Job {
    /// A page.
    Page(PageId),
    /// One listing page of a section (`pager` 1 is the section itself).
    Section { id: SectionId, pager: usize },
    /// `/<taxonomy>/`, the list of terms.
    TaxonomyList(usize),
    /// One listing page of a term.
    Term {
        taxonomy: usize,
        term: usize,
        pager: usize,
    },
    /// A redirect from `from` (a URL path) to `to`.
    Redirect { from: String, to: String },
    /// `404.html`.
    NotFound,
}

/// All jobs of a site, in a stable order.
pub fn plan(library: &Library, templates: &Templates) -> Vec<Job> {
    let mut jobs: Vec<Job> = (0..library.pages.len()).map(Job::Page).collect();
    for (id, section) in library.sections.iter().enumerate() {
        let pagers = pager_count(section.pages.len(), section.meta.paginate_by);
        jobs.extend((1..=pagers).map(|pager| Job::Section { id, pager }));
        if pagers > 1 {
            jobs.push(Job::Redirect {
                from: format!("{}page/1/", section.path),
                to: section.path.clone(),
            });
        }
    }
    for (t, taxonomy) in library.taxonomies.iter().enumerate() {
        if taxonomy.terms.is_empty() || taxonomy_templates(templates, &taxonomy.name).is_none() {
            continue;
        }
        jobs.push(Job::TaxonomyList(t));
        for (term_index, term) in taxonomy.terms.iter().enumerate() {
            let pagers = pager_count(term.pages.len(), taxonomy.paginate_by);
            jobs.extend((1..=pagers).map(|pager| Job::Term {
                taxonomy: t,
                term: term_index,
                pager,
            }));
            if pagers > 1 {
                jobs.push(Job::Redirect {
                    from: format!("{}page/1/", term.path),
                    to: term.path.clone(),
                });
            }
        }
    }
    for page in &library.pages {
        for from in &page.alias_paths {
            jobs.push(Job::Redirect {
                from: from.clone(),
                to: page.path.clone(),
            });
        }
    }
    if templates.has("404.html") {
        jobs.push(Job::NotFound);
    }
    jobs
}

/// The list and single templates of a taxonomy, Zola's names first.
fn taxonomy_templates(templates: &Templates, name: &str) -> Option<(String, String)> {
    let list = [
        format!("{name}/list.html"),
        "taxonomy_list.html".to_string(),
    ];
    let single = [
        format!("{name}/single.html"),
        "taxonomy_single.html".to_string(),
    ];
    let list = list.into_iter().find(|t| templates.has(t))?;
    let single = single.into_iter().find(|t| templates.has(t))?;
    Some((list, single))
}

/// The URL path a job produces, known without rendering it: the preview server keeps the
/// output of the jobs a change does not touch, and finds it by this path.
pub fn output_path(config: &Config, library: &Library, job: &Job) -> String {
    match job {
        Job::Page(id) => library.pages[*id].path.clone(),
        Job::Section { id, pager } => pager_path(&library.sections[*id].path, *pager),
        Job::TaxonomyList(t) => library.taxonomies[*t].path.clone(),
        Job::Term {
            taxonomy,
            term,
            pager,
        } => pager_path(&library.taxonomies[*taxonomy].terms[*term].path, *pager),
        Job::Redirect { from, .. } => from.clone(),
        Job::NotFound => format!("{}404.html", config.base_path),
    }
}

/// The template a job renders with (`None` for redirects, which need none), so that the preview
/// server can re-render only the jobs that use an edited template.
pub fn job_template(library: &Library, templates: &Templates, job: &Job) -> Option<String> {
    match job {
        Job::Page(id) => Some(page_template(library, *id)),
        Job::Section { id, .. } => Some(
            library.sections[*id]
                .meta
                .template
                .clone()
                .unwrap_or_else(|| {
                    if *id == Library::HOME {
                        "index.html".into()
                    } else {
                        "section.html".into()
                    }
                }),
        ),
        Job::TaxonomyList(t) => {
            taxonomy_templates(templates, &library.taxonomies[*t].name).map(|(list, _)| list)
        }
        Job::Term { taxonomy, .. } => {
            taxonomy_templates(templates, &library.taxonomies[*taxonomy].name)
                .map(|(_, single)| single)
        }
        Job::Redirect { .. } => None,
        Job::NotFound => Some("404.html".into()),
    }
}

/// Renders `jobs` into `out_dir`, returning every template problem and every file that could
/// not be written (kept apart: a full disk fails every file, and is said once).
pub fn render_jobs(
    site: &Arc<SiteData>,
    templates: &Templates,
    jobs: &[Job],
    writer: &Writer,
) -> (Vec<Diagnostic>, Vec<WriteError>) {
    let (mut problems, failures): (Vec<Diagnostic>, Vec<WriteError>) = jobs
        .par_iter()
        .filter_map(|job| {
            let (path, html) = match render_job(site, templates, job) {
                Ok(rendered) => rendered,
                Err(diagnostic) => return Some(Err(diagnostic)),
            };
            let file = output_file(&site.config.base_path, &path);
            writer.write(&file, html.as_bytes()).err().map(Ok)
        })
        .partition_map(|failure| match failure {
            Err(diagnostic) => rayon::iter::Either::Left(diagnostic),
            Ok(write_error) => rayon::iter::Either::Right(write_error),
        });
    // Said once per file, however many jobs read it.
    let mut late = site.take_late_problems();
    late.sort_by(|a, b| a.location.file.cmp(&b.location.file));
    late.dedup_by(|a, b| a.location.file == b.location.file);
    problems.extend(late);
    (problems, failures)
}

/// Renders one job to (URL path or file path, HTML).
pub fn render_job(
    site: &Arc<SiteData>,
    templates: &Templates,
    job: &Job,
) -> Result<(String, String), Diagnostic> {
    let library = &site.library;
    let config = &site.config;
    let path = output_path(config, library, job);
    if let Job::Redirect { to, .. } = job {
        return Ok((path, redirect_html(to, &config.permalink(to))));
    }
    let what = job_owner(library, job);
    // Only redirects have no template; `plan` makes taxonomy jobs only when theirs exist.
    let template =
        job_template(library, templates, job).unwrap_or_else(|| "taxonomy_list.html".into());
    need(templates, &template, &what)?;
    let vars: Vec<(&str, Value)> = match job {
        Job::Page(id) => vec![("page", page_value(site, *id))],
        Job::Section { id, pager } => {
            let section = &library.sections[*id];
            let pages = &section.pages;
            let paginator = paginator(site, pages, section.meta.paginate_by, *pager, &section.path);
            vec![
                ("section", section_value(site, *id)),
                ("paginator", paginator),
            ]
        }
        Job::TaxonomyList(t) => {
            let value = taxonomy_value(site, *t);
            let terms = value.get_attr("terms").unwrap_or_default();
            vec![("taxonomy", value), ("terms", terms)]
        }
        Job::Term {
            taxonomy: t,
            term,
            pager,
        } => {
            let taxonomy = &library.taxonomies[*t];
            let term_data = &taxonomy.terms[*term];
            let paginator = paginator(
                site,
                &term_data.pages,
                taxonomy.paginate_by,
                *pager,
                &term_data.path,
            );
            vec![
                ("taxonomy", taxonomy_value(site, *t)),
                ("term", term_value(site, *t, *term)),
                ("paginator", paginator),
            ]
        }
        Job::Redirect { .. } | Job::NotFound => Vec::new(),
    };
    let mut context = vec![
        ("config", site.config_value.clone()),
        ("current_path", Value::from(path.as_str())),
        ("current_url", Value::from(config.permalink(&path))),
    ];
    context.extend(vars);
    let html = templates.render(&template, Value::from_pairs(context), &what)?;
    Ok((path, html))
}

fn need(templates: &Templates, name: &str, what: &str) -> Result<(), Diagnostic> {
    if templates.has(name) {
        Ok(())
    } else {
        Err(Diagnostic::error(
            Location::file(what),
            Problem::MissingTemplate {
                name: name.to_string(),
                needed_by: what.to_string(),
            },
        ))
    }
}

/// A page's template: its own, else the nearest section's `page_template`, else `page.html`.
pub fn page_template(library: &Library, id: PageId) -> String {
    let page = &library.pages[id];
    if let Some(template) = &page.meta.template {
        return template.clone();
    }
    let mut section = Some(page.section);
    while let Some(s) = section {
        if let Some(template) = &library.sections[s].meta.page_template {
            return template.clone();
        }
        section = library.sections[s].parent;
    }
    "page.html".to_string()
}

/// Zola's paginator, plus `pagers` (every page's number and URL) for numbered navigation.
fn paginator(
    site: &Arc<SiteData>,
    ids: &[PageId],
    paginate_by: Option<usize>,
    pager: usize,
    base: &str,
) -> Value {
    let per = paginate_by.filter(|p| *p > 0).unwrap_or(ids.len().max(1));
    let count = pager_count(ids.len(), paginate_by);
    let start = ((pager - 1) * per).min(ids.len());
    let end = (start + per).min(ids.len());
    let page_ids: Arc<[PageId]> = ids[start..end].to_vec().into();
    let link = |n: usize| Value::from(pager_path(base, n));
    let pagers: Vec<Value> = pager_window(pager, count)
        .into_iter()
        .map(|n| match n {
            Some(n) => Value::from_pairs([
                ("index", Value::from(n)),
                ("path", link(n)),
                (
                    "permalink",
                    Value::from(site.config.permalink(&pager_path(base, n))),
                ),
                ("current", Value::from(n == pager)),
                ("ellipsis", Value::from(false)),
            ]),
            None => Value::from_pairs([("ellipsis", Value::from(true))]),
        })
        .collect();
    Value::from_pairs([
        ("pages", pages_value(site, page_ids)),
        ("current_index", Value::from(pager)),
        ("number_pagers", Value::from(count)),
        ("paginate_by", Value::from(per)),
        ("total_pages", Value::from(ids.len())),
        ("first", link(1)),
        ("last", link(count)),
        (
            "previous",
            if pager > 1 {
                link(pager - 1)
            } else {
                Value::from(())
            },
        ),
        (
            "next",
            if pager < count {
                link(pager + 1)
            } else {
                Value::from(())
            },
        ),
        ("base_url", Value::from(base)),
        ("pagers", Value::from(pagers)),
    ])
}

/// A redirect page that needs no script (so it passes a strict CSP) and tells humans too.
fn redirect_html(path: &str, permalink: &str) -> String {
    let escape = crate::markdown::escape_html;
    let (to, canonical) = (escape(path), escape(permalink));
    format!(
        "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n<title>页面已迁移</title>\n\
<link rel=\"canonical\" href=\"{canonical}\">\n<meta http-equiv=\"refresh\" content=\"0; url={to}\">\n\
<meta name=\"robots\" content=\"noindex\">\n</head>\n<body>\n<p>本页面已迁移至 <a href=\"{to}\">{to}</a>。</p>\n</body>\n</html>\n"
    )
}

/// Writes `bytes` at URL path `path` (a folder path gets `index.html`) under `out_dir`.
/// Who asked for a job, for messages: its content file, or the taxonomy in `site.toml`.
pub fn job_owner(library: &Library, job: &Job) -> String {
    match job {
        Job::Page(id) => format!("content/{}", library.pages[*id].source),
        Job::Section { id, .. } => format!("content/{}", library.sections[*id].source),
        Job::TaxonomyList(t) => format!("the `{}` taxonomy", library.taxonomies[*t].name),
        Job::Term { taxonomy, term, .. } => {
            let taxonomy = &library.taxonomies[*taxonomy];
            format!(
                "the `{}` term {}",
                taxonomy.name, taxonomy.terms[*term].name
            )
        }
        Job::Redirect { to, .. } => format!("the redirect to {to}"),
        Job::NotFound => "404.html".to_string(),
    }
}
