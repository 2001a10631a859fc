//! The rebuild loop's state: the last good site, and how each kind of change is applied to it.
//!
//! [`Preview`] keeps the last good [`Site`] (configuration, library, templates) and the
//! [`Snapshot`] rendered from it. A batch of changed files is classified by the planner, then:
//!
//! - an edited page is re-read alone ([`reload_page`]) and patched into the library in place;
//!   when its front matter or `@/` links changed the library is resolved again (no I/O, no
//!   Markdown), and only the jobs that show the page are re-rendered;
//! - an edited template reloads the templates and re-renders the jobs whose template uses it;
//! - a static file refreshes the file map, and nothing is rendered;
//! - anything else (`site.toml`, new or deleted content) loads and renders everything.
//!
//! Output of untouched jobs is shared with the previous snapshot. Every rendered page is compared
//! (by hash) with what was served, so browsers are told about the pages that really changed.
//! After a page edit, the untouched jobs whose templates look up other pages (`get_section`, a
//! "latest news" box on every page…) are re-rendered in idle time, in small steps that yield to
//! the next edit ([`Preview::verify_step`]); a page that differs is published then. So the
//! snapshot converges on what a full build would produce.
//!
//! A failed rebuild changes nothing: the last good snapshot stays served, and its plan is kept
//! and merged into the next one, so that fixing the file retries everything that failed.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rayon::prelude::*;

use super::plan::{self, Known, PageEdits, Placement, Plan, TemplateIndex};
use super::reload::Message;
use super::snapshot::{Output, Snapshot, hash};
use crate::config::Config;
use crate::content::LoadOptions;
use crate::content::load::reload_page;
use crate::content::{Library, Page, PageId, Target};
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::render::{self, Job};
use crate::site::{BuildOptions, Site};
use crate::templates::Templates;
use crate::templates::views::SiteData;

/// Above this many changed pages, browsers are simply told that everything changed.
const MAX_LISTED_PATHS: usize = 500;

/// What kind of rebuild ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Everything loaded and rendered.
    Full,
    /// Edited pages re-read; the jobs showing them re-rendered.
    Pages,
    /// Templates reloaded; the jobs using them re-rendered.
    Templates,
    /// The static file map refreshed; nothing rendered.
    Files,
    /// The idle-time pass found pages the partial rebuild did not know it changed.
    Verify,
}

/// What a successful rebuild did.
#[derive(Debug)]
pub struct Report {
    /// The build number now served.
    pub build: u64,
    /// Its kind.
    pub kind: Kind,
    /// Jobs rendered.
    pub rendered: usize,
    /// Jobs in the site.
    pub total: usize,
    /// URL paths whose HTML changed or disappeared, sorted.
    pub changed: Vec<String>,
    /// Only stylesheets changed.
    pub css_only: bool,
    /// From the start of the rebuild until the new snapshot was ready.
    pub elapsed: Duration,
    /// Warnings of the files that were read.
    pub warnings: Vec<Diagnostic>,
}

impl Report {
    /// What browsers are told about it.
    pub fn message(&self) -> Message {
        if self.css_only {
            return Message::Css { build: self.build };
        }
        let listed = self.kind != Kind::Files && self.changed.len() <= MAX_LISTED_PATHS;
        Message::Reload {
            build: self.build,
            paths: listed.then(|| self.changed.clone()),
        }
    }
}

/// The result of applying a change.
#[derive(Debug)]
pub enum Outcome {
    /// A new snapshot is ready.
    Built(Report),
    /// The sources have errors; the previous snapshot is still the current one.
    Failed(Vec<Diagnostic>),
    /// Nothing to do (or, for [`Preview::verify_step`], nothing to publish yet).
    Nothing,
}

enum Failure {
    /// The change cannot be applied piecemeal.
    NeedFull,
    /// The sources have errors.
    Problems(Vec<Diagnostic>),
}

struct Current {
    site: Site,
    index: TemplateIndex,
    /// Source files served as they are.
    files: HashSet<PathBuf>,
}

/// What a partial rebuild needs to put back if it fails.
struct Undo {
    replaced: Vec<(PageId, Box<Page>)>,
    resolve: bool,
    index: TemplateIndex,
    files: HashSet<PathBuf>,
}

/// The library of `site`, owned: dropping the templates and views leaves it unshared (a copy is
/// made only if something else still holds it).
fn unshare(site: Site) -> Library {
    let Site {
        library,
        templates,
        data,
        ..
    } = site;
    drop(templates);
    drop(data);
    unshare_library(library)
}

fn unshare_library(library: Arc<Library>) -> Library {
    Arc::try_unwrap(library).unwrap_or_else(|shared| (*shared).clone())
}

struct Verify {
    /// The build being verified; a newer snapshot makes the pass moot.
    build: u64,
    jobs: Jobs,
    next: usize,
    /// Jobs rendered so far.
    rendered: usize,
    /// When the pass began.
    started: Instant,
    found: Vec<(String, Output)>,
    problems: Vec<Diagnostic>,
}

/// Jobs with the URL path each produces.
type Jobs = Vec<(Job, String)>;

struct Rendered {
    /// The build the new outputs are stamped with.
    build: u64,
    pages: HashMap<Arc<str>, Output>,
    rendered: usize,
    total: usize,
    changed: Vec<String>,
    untouched: Jobs,
}

/// The preview's site and snapshot between rebuilds.
pub struct Preview {
    options: BuildOptions,
    server: Arc<str>,
    current: Option<Current>,
    snapshot: Arc<Snapshot>,
    pending: Option<Plan>,
    verify: Option<Verify>,
}

impl Preview {
    /// A preview of the site `options` describe, for server run `server`; nothing built yet.
    pub fn new(options: BuildOptions, server: Arc<str>) -> Preview {
        Preview {
            options,
            snapshot: Arc::new(Snapshot::empty(server.clone())),
            server,
            current: None,
            pending: None,
            verify: None,
        }
    }

    /// The snapshot to serve.
    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.snapshot.clone()
    }

    /// The last good site, if any build succeeded.
    pub fn site(&self) -> Option<&Site> {
        self.current.as_ref().map(|c| &c.site)
    }

    /// Builds everything (at start).
    pub fn build_all(&mut self) -> Outcome {
        self.apply(&BTreeSet::new(), true)
    }

    /// Applies a batch of changed paths (relative to the site root); `rescan` when the watcher
    /// lost track and everything must be read again.
    pub fn apply(&mut self, changed: &BTreeSet<PathBuf>, rescan: bool) -> Outcome {
        let started = Instant::now();
        let plan = match &self.current {
            Some(current) if !rescan => plan::classify(
                &Known {
                    root: &self.options.root,
                    theme: current.site.config.theme.as_deref(),
                    library: &current.site.library,
                    templates: &current.index,
                    files: &current.files,
                },
                changed,
            ),
            _ => Plan::Full,
        };
        let plan = match self.pending.take() {
            Some(pending) => pending.merge(plan),
            None => plan,
        };
        if plan == Plan::Nothing {
            return Outcome::Nothing;
        }
        if !matches!(plan, Plan::Files { .. }) {
            self.verify = None;
        }
        let statics = changed
            .iter()
            .any(|p| p.starts_with("static") || p.starts_with("themes"));
        let result = match &plan {
            Plan::Nothing => unreachable!("returned above"),
            Plan::Files { css_only } => self.files(*css_only),
            Plan::Pages(sources) => self.pages(sources, statics),
            Plan::Templates(names) => self.templates(names.as_ref()),
            Plan::Full => Err(Failure::NeedFull),
        };
        let (result, attempted) = match result {
            Err(Failure::NeedFull) => (self.full(), Plan::Full),
            other => (other, plan),
        };
        match result {
            Ok(mut report) => {
                report.elapsed = started.elapsed();
                Outcome::Built(report)
            }
            Err(Failure::Problems(problems)) => {
                self.pending = Some(attempted);
                Outcome::Failed(problems)
            }
            Err(Failure::NeedFull) => unreachable!("a full build never asks for a full build"),
        }
    }

    fn full(&mut self) -> Result<Report, Failure> {
        // Scheduled pages become due while the preview runs (unless GONGKAI_NOW fixes "now").
        if let Ok(now) = LoadOptions::build_time() {
            self.options.load.now = now;
        }
        let (site, warnings) = Site::load(&self.options).map_err(Failure::Problems)?;
        let index = TemplateIndex::of(&site.templates);
        let build = self.snapshot.build + 1;
        let rendered = render_jobs(&site, |_| true, &self.snapshot, build)?;
        Ok(self.commit(site, index, rendered, Kind::Full, warnings.sorted(), None))
    }

    fn pages(&mut self, sources: &BTreeSet<String>, statics: bool) -> Result<Report, Failure> {
        let current = self.current.as_ref().ok_or(Failure::NeedFull)?;
        let config = current.site.config.clone();
        let old = &current.site.library;
        let mut ids = Vec::new();
        for source in sources {
            match old.by_source.get(source) {
                Some(Target::Page(id)) => ids.push(*id),
                _ => return Err(Failure::NeedFull),
            }
        }
        // Re-read the files first: a file that does not load changes nothing.
        let mut diagnostics = Diagnostics::new();
        let mut fresh = Vec::new();
        for &id in &ids {
            match reload_page(
                &config,
                &self.options.load,
                &old.pages[id],
                &mut diagnostics,
            ) {
                Some(page) => fresh.push(page),
                None if diagnostics.has_errors() => {}
                None => return Err(Failure::NeedFull),
            }
        }
        if diagnostics.has_errors() {
            return Err(Failure::Problems(diagnostics.sorted()));
        }
        // The same front matter and no `@/` links: URL, order and terms stay, nothing to resolve.
        let resolve = ids.iter().zip(&fresh).any(|(&id, page)| {
            !page.markdown.links.is_empty()
                || !page.summary_links.is_empty()
                || page.meta != old.pages[id].meta
        });
        let before: Vec<Placement> = ids.iter().map(|&id| Placement::of(old, id)).collect();
        let anchors: Vec<HashSet<String>> = ids
            .iter()
            .map(|&id| old.pages[id].markdown.anchors.clone())
            .collect();

        // Patch the library in place: once the templates and views sharing it are dropped, it
        // is ours alone (copying 10,000 pages would cost more than the whole rest).
        let Some(Current { site, index, files }) = self.current.take() else {
            return Err(Failure::NeedFull);
        };
        let mut library = unshare(site);
        let mut replaced = Vec::new();
        for (&id, mut page) in ids.iter().zip(fresh) {
            if !resolve {
                page.path = library.pages[id].path.clone();
                page.permalink = library.pages[id].permalink.clone();
                page.alias_paths = library.pages[id].alias_paths.clone();
            }
            replaced.push((
                id,
                std::mem::replace(&mut library.pages[id], Box::new(page)),
            ));
        }
        if resolve {
            crate::resolve::resolve(&config, &mut library, &mut diagnostics);
        }
        // Other pages have this page's URL and anchors baked into their links.
        let moved = replaced
            .iter()
            .any(|(id, old)| old.path != library.pages[*id].path);
        if moved
            || ids
                .iter()
                .zip(&anchors)
                .any(|(&id, before)| plan::removed_anchor_is_linked(&library, id, before))
        {
            return Err(Failure::NeedFull);
        }
        let undo = Undo {
            replaced,
            resolve,
            index,
            files,
        };
        if diagnostics.has_errors() {
            self.restore(config, library, undo);
            return Err(Failure::Problems(diagnostics.sorted()));
        }
        let after: Vec<Placement> = ids.iter().map(|&id| Placement::of(&library, id)).collect();
        let edits = PageEdits::new(&library, &before, &after);
        let library = Arc::new(library);
        let data = Arc::new(SiteData::new(config.clone(), library.clone()));
        let templates = match Templates::load(&config, data.clone()) {
            Ok(templates) => templates,
            Err(list) => {
                drop(data);
                self.restore(config, unshare_library(library), undo);
                return Err(problems(list));
            }
        };
        let site = Site {
            config,
            library,
            templates,
            data,
        };
        let build = self.snapshot.build + 1;
        let touches = |job: &Job| edits.touches(&site.library, job);
        let rendered = match render_jobs(&site, touches, &self.snapshot, build) {
            Ok(rendered) => rendered,
            Err(failure) => {
                let config = site.config.clone();
                self.restore(config, unshare(site), undo);
                return Err(failure);
            }
        };
        let Undo { index, files, .. } = undo;
        let files = (!statics).then_some(files);
        let warnings = diagnostics.sorted();
        Ok(self.commit(site, index, rendered, Kind::Pages, warnings, files))
    }

    /// Puts the pages an edit replaced back, so the last good site is current again.
    fn restore(&mut self, config: Arc<Config>, mut library: Library, undo: Undo) {
        for (id, page) in undo.replaced {
            library.pages[id] = page;
        }
        if undo.resolve {
            crate::resolve::resolve(&config, &mut library, &mut Diagnostics::new());
        }
        let library = Arc::new(library);
        let data = Arc::new(SiteData::new(config.clone(), library.clone()));
        // Should the templates on disk no longer load, the next change rebuilds everything.
        self.current = Templates::load(&config, data.clone())
            .ok()
            .map(|templates| Current {
                site: Site {
                    config,
                    library,
                    templates,
                    data,
                },
                index: undo.index,
                files: undo.files,
            });
    }

    fn templates(&mut self, names: Option<&BTreeSet<String>>) -> Result<Report, Failure> {
        let current = self.current.as_ref().ok_or(Failure::NeedFull)?;
        let config = current.site.config.clone();
        let data = current.site.data.clone();
        let templates = Templates::load(&config, data.clone()).map_err(problems)?;
        let index = TemplateIndex::of(&templates);
        let users = match names {
            Some(names) if index.names == current.index.names => index.users_of(names),
            _ => None,
        };
        let site = Site {
            library: current.site.library.clone(),
            config,
            templates,
            data,
        };
        let build = self.snapshot.build + 1;
        let touches = |job: &Job| match &users {
            None => true,
            Some(users) => render::job_template(&site.library, &site.templates, job)
                .is_some_and(|template| users.contains(&template)),
        };
        let rendered = render_jobs(&site, touches, &self.snapshot, build)?;
        Ok(self.commit(site, index, rendered, Kind::Templates, Vec::new(), None))
    }

    fn files(&mut self, css_only: bool) -> Result<Report, Failure> {
        let current = self.current.as_mut().ok_or(Failure::NeedFull)?;
        let refused = current.site.copy_problems();
        if !refused.is_empty() {
            return Err(problems(refused));
        }
        let files = files_of(&current.site);
        current.files = files.values().cloned().collect();
        let build = self.snapshot.build + 1;
        self.snapshot = Arc::new(Snapshot {
            build,
            files: Arc::new(files),
            ..(*self.snapshot).clone()
        });
        if let Some(verify) = &mut self.verify {
            // Pages found so far carry the old build's stamp: start the pass again.
            verify.build = build;
            verify.next = 0;
            verify.rendered = 0;
            verify.found.clear();
            verify.problems.clear();
            verify.started = Instant::now();
        }
        Ok(Report {
            build,
            kind: Kind::Files,
            rendered: 0,
            total: self.snapshot.pages.len(),
            changed: Vec::new(),
            css_only,
            elapsed: Duration::ZERO,
            warnings: Vec::new(),
        })
    }

    fn commit(
        &mut self,
        site: Site,
        index: TemplateIndex,
        rendered: Rendered,
        kind: Kind,
        warnings: Vec<Diagnostic>,
        known_files: Option<HashSet<PathBuf>>,
    ) -> Report {
        let build = rendered.build;
        let (files, known_files) = match known_files {
            Some(known) => (self.snapshot.files.clone(), known),
            None => {
                let files = files_of(&site);
                let known = files.values().cloned().collect();
                (Arc::new(files), known)
            }
        };
        self.current = Some(Current {
            files: known_files,
            site,
            index,
        });
        self.snapshot = Arc::new(Snapshot {
            server: self.server.clone(),
            build,
            pages: Arc::new(rendered.pages),
            files,
        });
        self.pending = None;
        // After a page edit, the untouched jobs whose templates look up other pages are checked
        // in idle time (a template edit changes only the jobs using it, all of them rendered).
        let verify = match kind {
            Kind::Pages => rendered.untouched,
            _ => Vec::new(),
        };
        self.verify = (!verify.is_empty()).then(|| Verify {
            build,
            jobs: verify,
            next: 0,
            rendered: 0,
            started: Instant::now(),
            found: Vec::new(),
            problems: Vec::new(),
        });
        Report {
            build,
            kind,
            rendered: rendered.rendered,
            total: rendered.total,
            changed: rendered.changed,
            css_only: false,
            elapsed: Duration::ZERO,
            warnings,
        }
    }

    /// Whether an idle-time verification pass is under way.
    pub fn verifying(&self) -> bool {
        self.verify.is_some()
    }

    /// Re-renders up to `budget` more of the jobs the last partial rebuild left alone. When the
    /// pass is complete, returns the pages that differ as a new build, or the errors it met
    /// (the next change then rebuilds everything).
    pub fn verify_step(&mut self, budget: usize) -> Outcome {
        let Preview {
            verify: Some(verify),
            current: Some(current),
            snapshot,
            server,
            ..
        } = self
        else {
            return Outcome::Nothing;
        };
        if verify.build != snapshot.build {
            self.verify = None;
            return Outcome::Nothing;
        }
        // Only jobs whose templates look elsewhere can have changed; picking them is cheap.
        let site = &current.site;
        let mut chosen = Vec::with_capacity(budget);
        let mut end = verify.next;
        while end < verify.jobs.len() && chosen.len() < budget {
            let job = &verify.jobs[end].0;
            if render::job_template(&site.library, &site.templates, job)
                .is_some_and(|t| current.index.looks_elsewhere(&t))
            {
                chosen.push(job);
            }
            end += 1;
        }
        verify.rendered += chosen.len();
        let next_build = snapshot.build + 1;
        let results: Vec<Result<Option<(String, Output)>, Diagnostic>> = chosen
            .par_iter()
            .map(|job| {
                let (path, html) = render::render_job(&site.data, &site.templates, job)?;
                let same = snapshot
                    .pages
                    .get(path.as_str())
                    .is_some_and(|o| o.hash == hash(&html));
                Ok((!same).then(|| {
                    let output = Output::new(&html, server, next_build);
                    (path, output)
                }))
            })
            .collect();
        for result in results {
            match result {
                Ok(found) => verify.found.extend(found),
                Err(problem) => verify.problems.push(problem),
            }
        }
        verify.next = end;
        if end < verify.jobs.len() {
            return Outcome::Nothing;
        }
        let Some(verify) = self.verify.take() else {
            return Outcome::Nothing;
        };
        if !verify.problems.is_empty() {
            self.pending = Some(Plan::Full);
            let mut problems = Diagnostics::new();
            problems.extend(verify.problems);
            return Outcome::Failed(problems.sorted());
        }
        if verify.found.is_empty() {
            return Outcome::Nothing;
        }
        let mut pages = (*self.snapshot.pages).clone();
        let mut changed = Vec::new();
        for (path, output) in verify.found {
            pages.insert(path.as_str().into(), output);
            changed.push(path);
        }
        changed.sort();
        self.snapshot = Arc::new(Snapshot {
            build: next_build,
            pages: Arc::new(pages),
            ..(*self.snapshot).clone()
        });
        Outcome::Built(Report {
            build: next_build,
            kind: Kind::Verify,
            rendered: verify.rendered,
            total: self.snapshot.pages.len(),
            changed,
            css_only: false,
            elapsed: verify.started.elapsed(),
            warnings: Vec::new(),
        })
    }
}

fn problems(list: Vec<Diagnostic>) -> Failure {
    let mut diagnostics = Diagnostics::new();
    diagnostics.extend(list);
    Failure::Problems(diagnostics.sorted())
}

/// URL path → source of every file served as it is.
fn files_of(site: &Site) -> HashMap<String, PathBuf> {
    site.files_to_copy()
        .into_iter()
        .map(|(path, source)| (format!("/{path}"), source))
        .collect()
}

/// Renders the jobs of `site` that `touches` selects, plus any whose output `old` lacks, in
/// parallel; shares the rest with `old`. Pages whose HTML is unchanged keep their old output
/// (and build stamp).
fn render_jobs(
    site: &Site,
    touches: impl Fn(&Job) -> bool + Sync,
    old: &Snapshot,
    build: u64,
) -> Result<Rendered, Failure> {
    let jobs: Jobs = site
        .jobs()
        .into_iter()
        .map(|job| {
            let path = render::output_path(&site.config, &site.library, &job);
            (job, path)
        })
        .collect();
    let total = jobs.len();
    let (todo, untouched): (Jobs, Jobs) = jobs
        .into_iter()
        .partition(|(job, path)| touches(job) || !old.pages.contains_key(path.as_str()));
    let server = &old.server;
    let results: Vec<Result<(String, Output, bool), Diagnostic>> = todo
        .par_iter()
        .map(|(job, _)| {
            let (path, html) = render::render_job(&site.data, &site.templates, job)?;
            Ok(match old.pages.get(path.as_str()) {
                Some(output) if output.hash == hash(&html) => (path, output.clone(), false),
                _ => {
                    let output = Output::new(&html, server, build);
                    (path, output, true)
                }
            })
        })
        .collect();
    let mut problems = Diagnostics::new();
    let mut rendered = Vec::with_capacity(results.len());
    for result in results {
        match result {
            Ok(output) => rendered.push(output),
            Err(problem) => problems.push(problem),
        }
    }
    if problems.has_errors() {
        return Err(Failure::Problems(problems.sorted()));
    }
    // Start from the last snapshot (a cheap copy: keys and pages are shared) and patch it.
    let mut pages = (*old.pages).clone();
    let mut changed = Vec::new();
    for (path, output, is_new) in rendered {
        let path: Arc<str> = path.into();
        if is_new {
            changed.push(path.to_string());
        }
        pages.insert(path, output);
    }
    if pages.len() != total {
        // Outputs that no job produces any more.
        let live: HashSet<&str> = todo
            .iter()
            .chain(&untouched)
            .map(|(_, p)| p.as_str())
            .collect();
        pages.retain(|path, _| {
            let keep = live.contains(&**path);
            if !keep {
                changed.push(path.to_string());
            }
            keep
        });
    }
    changed.sort();
    Ok(Rendered {
        build,
        pages,
        rendered: todo.len(),
        total,
        changed,
        untouched,
    })
}
