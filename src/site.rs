//! The whole pipeline: load → resolve → render → write, and the atomic swap at the end.
//!
//! [`Site::load`] does everything that can fail because of the site's sources and reports all of
//! it at once; [`Site::write`] produces the files. `build` strings them together around a
//! [`Staging`] folder, so a failed build never touches the last good output.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rayon::prelude::*;
use walkdir::WalkDir;

use crate::config::{Config, io_detail};
use crate::content::load::is_ignored;
use crate::content::{self, Library, LoadOptions};
use crate::diagnostics::{Diagnostic, Diagnostics, Location, Problem};
use crate::output::{Folders, Staging};
use crate::render::{self, Job};
use crate::templates::Templates;
use crate::templates::views::SiteData;

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
}

impl BuildOptions {
    /// Options for the site at `root` with every default.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        BuildOptions {
            root: root.into(),
            output: None,
            base_url: None,
            load: LoadOptions::default(),
        }
    }

    /// The output folder.
    pub fn output_dir(&self) -> PathBuf {
        self.output
            .clone()
            .unwrap_or_else(|| self.root.join("public"))
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
    /// Wall time.
    pub elapsed: Duration,
    /// Warnings, sorted.
    pub warnings: Vec<Diagnostic>,
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
        let data = Arc::new(SiteData::new(config.clone(), library.clone()));
        let templates = match Templates::load(&config, data.clone()) {
            Ok(templates) => Some(templates),
            Err(problems) => {
                diagnostics.extend(problems);
                None
            }
        };
        match templates {
            Some(templates) if !diagnostics.has_errors() => Ok((
                Site {
                    config,
                    library,
                    templates,
                    data,
                },
                diagnostics,
            )),
            _ => Err(diagnostics.sorted()),
        }
    }

    /// Every output job.
    pub fn jobs(&self) -> Vec<Job> {
        render::plan(&self.library, &self.templates)
    }

    /// Writes the whole site into `out_dir` (which should be empty).
    pub fn write(&self, out_dir: &Path) -> Result<(usize, usize), Vec<Diagnostic>> {
        let copies = self.files_to_copy();
        let jobs = self.jobs();
        // A copied file and a rendered page at the same place: one would silently replace the
        // other, so say so instead.
        let rendered: HashMap<String, &Job> = jobs
            .iter()
            .map(|job| {
                let path = render::output_path(&self.config, &self.library, job);
                (render::output_file(&self.config, &path), job)
            })
            .collect();
        let clashes: Vec<Diagnostic> = copies
            .iter()
            .filter_map(|(dest, source)| {
                let job = rendered.get(dest.as_str())?;
                Some(Diagnostic::error(
                    Location::file(crate::content::load::shown(&self.config, source)),
                    Problem::DuplicateUrl {
                        url: format!("{}{dest}", self.config.base_path),
                        other: PathBuf::from(render::job_owner(&self.library, job)),
                    },
                ))
            })
            .collect();
        if !clashes.is_empty() {
            let mut diagnostics = Diagnostics::new();
            diagnostics.extend(clashes);
            return Err(diagnostics.sorted());
        }
        let folders = Folders::default();
        let mut problems: Vec<Diagnostic> = copies
            .par_iter()
            .filter_map(|(dest, source)| copy_file(source, &out_dir.join(dest), &folders).err())
            .collect();
        problems.extend(render::render_jobs(
            &self.data,
            &self.templates,
            &jobs,
            out_dir,
            &folders,
        ));
        if problems.is_empty() {
            Ok((jobs.len(), copies.len()))
        } else {
            let mut diagnostics = Diagnostics::new();
            diagnostics.extend(problems);
            Err(diagnostics.sorted())
        }
    }

    /// Output path (relative, `/`-separated) → source, later sources winning: theme static,
    /// site static, loose content files, then section and page assets.
    pub fn files_to_copy(&self) -> BTreeMap<String, PathBuf> {
        let mut files = BTreeMap::new();
        for dir in self.config.static_dirs() {
            for entry in WalkDir::new(&dir)
                .follow_links(true)
                .into_iter()
                .filter_map(Result::ok)
            {
                if entry.file_type().is_file()
                    && !is_ignored(&entry.file_name().to_string_lossy())
                    && let Ok(rel) = entry.path().strip_prefix(&dir)
                {
                    files.insert(
                        rel.to_string_lossy().replace('\\', "/"),
                        entry.path().to_path_buf(),
                    );
                }
            }
        }
        let base = self.config.base_path.as_str();
        let local = |path: &str| path.strip_prefix(base).unwrap_or(path).to_string();
        for file in &self.library.static_files {
            files.insert(file.output.clone(), file.source.clone());
        }
        for section in &self.library.sections {
            for asset in &section.assets {
                files.insert(
                    format!("{}{}", local(&section.path), asset.name),
                    asset.source.clone(),
                );
            }
        }
        for page in &self.library.pages {
            for asset in &page.assets {
                files.insert(
                    format!("{}{}", local(&page.path), asset.name),
                    asset.source.clone(),
                );
            }
        }
        files
    }
}

/// Builds the site into its output folder, atomically.
pub fn build(options: &BuildOptions) -> Result<BuildReport, Vec<Diagnostic>> {
    let started = Instant::now();
    let (site, warnings) = Site::load(options)?;
    let output = options.output_dir();
    let staging = Staging::create(&output).map_err(|e| {
        vec![Diagnostic::error(
            Location::file(&output),
            Problem::Io {
                action: "prepare the output folder",
                detail: io_detail(&e, &output),
            },
        )]
    })?;
    let (jobs, files) = site.write(staging.path())?;
    staging.commit().map_err(|e| {
        vec![Diagnostic::error(
            Location::file(&output),
            Problem::Io {
                action: "replace the output folder",
                detail: io_detail(&e, &output),
            },
        )]
    })?;
    let pages = site.library.pages.len();
    let sections = site.library.sections.len();
    Ok(BuildReport {
        pages,
        sections,
        other_pages: jobs.saturating_sub(pages + sections),
        files,
        elapsed: started.elapsed(),
        warnings: warnings.sorted(),
    })
}

fn copy_file(source: &Path, dest: &Path, folders: &Folders) -> Result<(), Diagnostic> {
    let io_error = |e: std::io::Error| {
        Diagnostic::error(
            Location::file(source),
            Problem::Io {
                action: "copy this file",
                detail: io_detail(&e, dest),
            },
        )
    };
    if let Some(dir) = dest.parent() {
        folders.ensure(dir).map_err(io_error)?;
    }
    std::fs::copy(source, dest).map(|_| ()).map_err(io_error)
}
