//! The whole pipeline: load → resolve → render → write, and the atomic swap at the end.
//!
//! [`Site::load`] does everything that can fail because of the site's sources and reports all of
//! it at once; [`Site::write`] produces the files. `build` strings them together around a
//! [`Staging`] folder, so a failed build never touches the last good output.

use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::assets::Fingerprints;
use crate::config::{Config, io_detail};
use crate::content::load::{is_ignored, shown, skipped_diagnostics};
use crate::content::{self, Library, LoadOptions};
use crate::diagnostics::{Diagnostic, Diagnostics, Location, Problem, WriteCause};
use crate::output::{self, Guard, Leftover, Staging, WriteError, Writer};
use crate::render::{self, Job};
use crate::templates::Templates;
use crate::templates::views::SiteData;
use crate::urlpath::{Claims, output_file, url_of};
use crate::walk::WELL_KNOWN;

/// What a build is asked to do.
#[derive(Debug, Clone)]
pub struct BuildOptions {
    /// The site root (holding `site.toml`).
    pub root: PathBuf,
    /// The output folder; `<root>/public` unless given.
    pub output: Option<PathBuf>,
    /// Replaces `base_url` of `site.toml` (for previews and staging servers).
    pub base_url: Option<String>,
    /// Which pages to publish.
    pub load: LoadOptions,
    /// Replace an output folder that is not empty and was not written by gongkai.
    pub force: bool,
    /// Also write `.gz` and `.br` beside each text file, for `gzip_static` / `brotli_static`.
    pub compress: bool,
    /// Give the theme's assets content-hashed names (see [`crate::assets`]); off in the preview.
    pub fingerprint_assets: bool,
}

impl BuildOptions {
    /// Options for the site at `root` with every default.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        BuildOptions {
            root: root.into(),
            output: None,
            base_url: None,
            load: LoadOptions::default(),
            force: false,
            compress: false,
            fingerprint_assets: true,
        }
    }

    /// The output folder.
    pub fn output_dir(&self) -> PathBuf {
        let output = (self.output.clone()).unwrap_or_else(|| self.root.join("public"));
        // `public/.` and `public/` name `public`; a path that ends in `..` stays as it is and
        // is refused (it names a parent of something).
        output.components().collect()
    }

    /// What the output folder may not be, for this site.
    fn guard(&self, config: &Config) -> Guard {
        let mut sources = vec![
            config.content_dir(),
            config.root.join("themes"),
            config.root.join(".git"),
        ];
        sources.extend(config.template_dirs());
        sources.extend(config.static_dirs());
        Guard {
            root: self.root.clone(),
            sources,
            force: self.force,
        }
    }
}

/// A site loaded, resolved and ready to render.
pub struct Site {
    /// Its configuration.
    pub config: Arc<Config>,
    /// Its content.
    pub library: Arc<Library>,
    /// Its templates, bound to the library.
    pub templates: Templates,
    /// What the templates see.
    pub data: Arc<SiteData>,
}

/// What a successful build did.
#[derive(Debug)]
pub struct BuildReport {
    /// Pages rendered.
    pub pages: usize,
    /// Sections rendered.
    pub sections: usize,
    /// Listing, taxonomy, redirect and 404 pages.
    pub other_pages: usize,
    /// Files copied (assets and static files).
    pub files: usize,
    /// How many files of the output were written, kept as they were, and removed.
    pub written: output::WriteCounts,
    /// Wall time.
    pub elapsed: Duration,
    /// Wall time of each stage, in order (`gongkai build --timings`).
    pub phases: Vec<(&'static str, Duration)>,
    /// Warnings, sorted.
    pub warnings: Vec<Diagnostic>,
    /// When the next rebuild is due, if a scheduled page or an expiring notice needs one, with
    /// the moment in the site's timezone.
    pub next_change: Option<(crate::content::Upcoming, jiff::ZonedDateTime)>,
}

impl Site {
    /// Loads and resolves everything; on any error returns all diagnostics, sorted.
    pub fn load(options: &BuildOptions) -> Result<(Site, Diagnostics), Vec<Diagnostic>> {
        let mut config = Config::load(&options.root)?;
        if let Some(base_url) = &options.base_url {
            config.set_base_url(base_url).map_err(|detail| {
                vec![Diagnostic::error(
                    Location::file("--base-url"),
                    Problem::InvalidValue {
                        field: "--base-url".into(),
                        detail,
                        expected: "an absolute http(s) URL".into(),
                    },
                )]
            })?;
        }
        let config = Arc::new(config);
        let (mut library, mut diagnostics) = content::load(&config, &options.load);
        crate::resolve::resolve(&config, &mut library, &mut diagnostics);
        let library = Arc::new(library);
        let mut data = SiteData::new(config.clone(), library.clone());
        if let Some(theme) = config.theme_dir().filter(|_| options.fingerprint_assets) {
            let (statics, _) = static_files(&config);
            data = data.with_fingerprints(Fingerprints::of(&statics, &theme.join("static")));
        }
        let data = Arc::new(data);
        let templates = match Templates::load(&config, data.clone()) {
            Ok(templates) => Some(templates),
            Err(problems) => {
                diagnostics.extend(problems);
                None
            }
        };
        let Some(templates) = templates else {
            diagnostics.extend(static_files(&config).1);
            return Err(diagnostics.sorted());
        };
        let site = Site {
            config,
            library,
            templates,
            data,
        };
        // With URL clashes already reported by `resolve`, comparing every output again would
        // only say the same twice.
        let compare_jobs = !diagnostics.has_errors();
        diagnostics.extend(site.output_problems(compare_jobs, options.compress));
        if diagnostics.has_errors() {
            Err(diagnostics.sorted())
        } else {
            Ok((site, diagnostics))
        }
    }

    /// Every output job.
    pub fn jobs(&self) -> Vec<Job> {
        render::plan(&self.library, &self.templates)
    }

    /// Writes the whole site through `writer` (which keeps what an earlier build in its folder
    /// already holds), returning the number of jobs and of copied files.
    pub fn write(&self, writer: &Writer) -> Result<(usize, usize), Vec<Diagnostic>> {
        let copies = self.files_to_copy();
        let jobs = self.jobs();
        self.templates.limit_total_work();
        let mut failed: Vec<WriteError> = copies
            .par_iter()
            .filter_map(|(dest, source)| writer.copy(dest, source).err())
            .collect();
        let (template_problems, write_failures) =
            render::render_jobs(&self.data, &self.templates, &jobs, writer);
        failed.extend(write_failures);
        let mut diagnostics = Diagnostics::new();
        diagnostics.extend(template_problems);
        diagnostics.extend(write_failure(failed));
        if diagnostics.has_errors() {
            Err(diagnostics.sorted())
        } else {
            Ok((jobs.len(), copies.len()))
        }
    }

    /// Every pair of outputs that cannot both be written: one file from two sources (an alias
    /// `/index.html` and the home page), or a file where another needs a folder (`path =
    /// "404.html"` and the 404 page). Compared as files, after every URL is mapped to one.
    /// Also reports what the static folders' walk left out, and files copied onto each other.
    /// Run by [`Site::load`], so the preview server hears of every clash the build would.
    fn output_problems(&self, compare_jobs: bool, compress: bool) -> Vec<Diagnostic> {
        let (copies, mut problems) = self.collect_copies();
        if !compare_jobs {
            return problems;
        }
        let jobs = self.jobs();
        let files: Vec<String> = jobs
            .iter()
            .map(|job| {
                let path = render::output_path(&self.config, &self.library, job);
                output_file(&self.config.base_path, &path)
            })
            .collect();
        // A redirect is owned by the file that asked for it: the page with the alias.
        let source_of: HashMap<&str, &Path> = (self.library.pages.iter())
            .map(|page| (page.path.as_str(), page.file.as_path()))
            .chain(
                (self.library.sections.iter())
                    .map(|section| (section.path.as_str(), section.file.as_path())),
            )
            .collect();
        let mut claims = Claims::default();
        // With --compress, `a.css` also writes `a.css.gz` and `a.css.br`, which a static file of
        // that name must not silently replace.
        let mut claim = |file: String, owner: PathBuf| {
            if compress && output::compressible(&file) {
                claims.claim(format!("{file}.gz"), owner.clone());
                claims.claim(format!("{file}.br"), owner.clone());
            }
            claims.claim(file, owner);
        };
        for (job, file) in jobs.iter().zip(files) {
            let owner = match job {
                Job::Redirect { to, .. } if source_of.contains_key(to.as_str()) => {
                    shown(&self.config, source_of[to.as_str()])
                }
                _ => PathBuf::from(render::job_owner(&self.library, job)),
            };
            claim(file, owner);
        }
        for (file, source) in copies {
            claim(file, shown(&self.config, &source));
        }
        problems.extend(
            (claims.clashes().into_iter()).map(|clash| clash.diagnostic(&self.config.base_path)),
        );
        problems
    }

    /// Output path (relative, `/`-separated) → source of every file copied as it is: theme
    /// static, site static (replacing the theme's by name), loose content files, then section and
    /// page assets. Links out of the site are left out (and reported by [`Site::load`]).
    pub fn files_to_copy(&self) -> BTreeMap<String, PathBuf> {
        self.collect_copies().0
    }

    /// The problems of [`Site::files_to_copy`] alone, for the preview server when only static
    /// files changed (a link out of the site added while it runs).
    pub fn copy_problems(&self) -> Vec<Diagnostic> {
        self.collect_copies().1
    }

    /// [`Site::files_to_copy`], and its problems: what the static walk left out, and two
    /// sources for one file (only the site's static folder may replace the theme's).
    fn collect_copies(&self) -> (BTreeMap<String, PathBuf>, Vec<Diagnostic>) {
        let (mut files, mut problems) = static_files(&self.config);
        let base = self.config.base_path.as_str();
        // A static file may not take the hashed name of a theme asset (it would be served in
        // its place, cached for a year).
        for (hashed, source) in self.data.fingerprints.files() {
            if let Some(other) = files.insert(hashed.to_string(), source.to_path_buf()) {
                problems.push(Diagnostic::error(
                    Location::file(shown(&self.config, &other)),
                    Problem::DuplicateUrl {
                        url: url_of(base, hashed),
                        other: shown(&self.config, source),
                    },
                ));
            }
        }
        let local = |path: &str| path.strip_prefix(base).unwrap_or(path).to_string();
        let loose = (self.library.static_files.iter()).map(|f| (f.output.clone(), &f.source));
        let section_assets = self.library.sections.iter().flat_map(|section| {
            (section.assets.iter()).map(|asset| {
                (
                    format!("{}{}", local(&section.path), asset.name),
                    &asset.source,
                )
            })
        });
        let page_assets = self.library.pages.iter().flat_map(|page| {
            (page.assets.iter()).map(|asset| {
                (
                    format!("{}{}", local(&page.path), asset.name),
                    &asset.source,
                )
            })
        });
        for (file, source) in loose.chain(section_assets).chain(page_assets) {
            match files.get(&file) {
                // A file beside a section's `_index.md` is a loose file and a section asset.
                Some(other) if other == source => {}
                Some(other) => problems.push(Diagnostic::error(
                    Location::file(shown(&self.config, source)),
                    Problem::DuplicateUrl {
                        url: url_of(base, &file),
                        other: shown(&self.config, other),
                    },
                )),
                None => {
                    files.insert(file, source.clone());
                }
            }
        }
        (files, problems)
    }
}

/// The files of the static folders by output path, and what their walk left out.
fn static_files(config: &Config) -> (BTreeMap<String, PathBuf>, Vec<Diagnostic>) {
    let mut files = BTreeMap::new();
    let mut problems = Vec::new();
    let root = &config.sources;
    for dir in config.static_dirs() {
        if !dir.exists() && fs::symlink_metadata(&dir).is_err() {
            continue;
        }
        // Hidden folders are never published (`static/vendor/.git/config`), but `.well-known`
        // is meant to be (`security.txt`).
        let walked = root.walk(&dir, |name| name.starts_with('.') && name != WELL_KNOWN);
        problems.extend(skipped_diagnostics(config, walked.skipped));
        for entry in walked.entries {
            if !entry.file_type().is_file() || is_ignored(&entry.file_name().to_string_lossy()) {
                continue;
            }
            let Ok(rel) = entry.path().strip_prefix(&dir) else {
                continue;
            };
            match rel.to_str() {
                Some(rel) if !rel.contains('\\') => {
                    files.insert(rel.to_string(), entry.path().to_path_buf());
                }
                _ => problems.push(Diagnostic::error(
                    Location::file(shown(config, entry.path())),
                    Problem::Io {
                        action: "use this file name",
                        detail:
                            "a name that is not valid UTF-8 or holds a backslash cannot be a URL"
                                .into(),
                    },
                )),
            }
        }
    }
    (files, problems)
}

/// Builds the site into its output folder, atomically.
pub fn build(options: &BuildOptions) -> Result<BuildReport, Vec<Diagnostic>> {
    let started = Instant::now();
    let mut phases = Vec::new();
    let mut lap = started;
    let mut phase = |name: &'static str| {
        let now = Instant::now();
        phases.push((name, now - lap));
        lap = now;
    };
    let (site, warnings) = Site::load(options)?;
    phase("load, resolve and check");
    let output = options.output_dir();
    let refused = |problem| vec![Diagnostic::error(Location::file(&output), problem)];
    options
        .guard(&site.config)
        .check(&output)
        .map_err(|refusal| refused(Problem::OutputRefused { refusal }))?;
    let (mut staging, mut leftovers) = Staging::create(&output).map_err(|e| {
        refused(Problem::Io {
            action: "prepare the output folder",
            detail: io_detail(&e, &output),
        })
    })?;
    let base = staging.take_base();
    let writer = Writer::new(
        staging.path(),
        options.compress,
        site.config.sources.clone(),
        base,
    );
    phase("prepare the output");
    let (jobs, files) = site.write(&writer)?;
    phase("render and write");
    let (manifest, written) = writer.finish().map_err(write_failure)?;
    phase("remove what is gone");
    let committed = staging.commit(manifest).map_err(|e| {
        refused(Problem::Io {
            action: "replace the output folder",
            detail: io_detail(&e, &output),
        })
    })?;
    phase("swap");
    leftovers.extend(committed);
    let mut warnings = warnings;
    warnings.extend(leftovers.into_iter().map(leftover_warning));
    let pages = site.library.pages.len();
    let sections = site.library.sections.len();
    Ok(BuildReport {
        pages,
        sections,
        other_pages: jobs.saturating_sub(pages + sections),
        files,
        written,
        elapsed: started.elapsed(),
        phases,
        warnings: warnings.sorted(),
        next_change: (site.library.next_change.clone()).map(|next| {
            (
                next.clone(),
                next.at.to_zoned_datetime(site.config.tz.clone()),
            )
        }),
    })
}

fn leftover_warning(leftover: Leftover) -> Diagnostic {
    Diagnostic::warning(
        Location::file(&leftover.path),
        Problem::LeftoverNotRemoved {
            what: leftover.what,
            detail: leftover.error.to_string(),
        },
    )
}

/// Files that could not be written, as one error per cause: when the disk is full every file
/// fails, and one message with the count says it better than thousands, while a name too long
/// for the disk is not hidden among them.
fn write_failure(mut failed: Vec<WriteError>) -> Vec<Diagnostic> {
    failed.sort_by(|a, b| a.file.cmp(&b.file));
    let mut by_cause: BTreeMap<String, (WriteError, usize)> = BTreeMap::new();
    for failure in failed {
        let cause = format!("{:?}", failure.error.kind());
        by_cause
            .entry(cause)
            .and_modify(|(_, others)| *others += 1)
            .or_insert((failure, 0));
    }
    by_cause
        .into_values()
        .map(|(first, others)| {
            Diagnostic::error(
                Location::file(&first.file),
                Problem::WriteOutput {
                    detail: first.error.to_string(),
                    cause: WriteCause::of(first.error.kind()),
                    file: first.file,
                    others,
                },
            )
        })
        .collect()
}
