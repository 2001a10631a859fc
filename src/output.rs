//! Atomic output: a build is written beside `public/` and swapped in only when it is complete.
//!
//! The web server (or the preview) must never see half a site, and a failed or killed build must
//! leave the last good `public/` exactly as it was. So a build writes into a hidden staging folder
//! next to the output (same file system, so renaming is atomic), and [`Staging::commit`] swaps the
//! two with one `renameat2(RENAME_EXCHANGE)` call on Linux. Where that is not available it falls
//! back to two renames. Staging folders and old builds left by a killed build are removed by the
//! next build.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// Where a build writes its files: below one output folder, creating each folder once (the
/// thousands of files written into them cost one `mkdir` per folder rather than one per file; on
/// a busy disk each costs a fraction of a ms), and, when asked, with compressed copies beside
/// each text file.
#[derive(Debug)]
pub struct Writer {
    out_dir: PathBuf,
    compress: bool,
    sources: crate::walk::SiteRoot,
    created: std::sync::Mutex<std::collections::HashSet<PathBuf>>,
}

/// Smallest text file worth compressing: below this the gzip header and a request's own
/// overhead eat the saving (nginx's `gzip_min_length` is a similar threshold).
pub const COMPRESS_MIN_BYTES: usize = 512;

/// Whether a file of this name gets `.gz` and `.br` copies under `--compress`: text formats a
/// browser asks for compressed (`Accept-Encoding`), not images or video, which are already.
pub fn compressible(file: &str) -> bool {
    let extension = file.rsplit_once('.').map_or("", |(_, ext)| ext);
    matches!(
        extension.to_ascii_lowercase().as_str(),
        "html"
            | "htm"
            | "css"
            | "js"
            | "mjs"
            | "json"
            | "xml"
            | "svg"
            | "txt"
            | "vtt"
            | "map"
            | "webmanifest"
            | "ico"
            | "csv"
            | "md"
    )
}

impl Writer {
    /// A writer into `out_dir`; `compress` adds `.gz` and `.br` beside every text file of at
    /// least [`COMPRESS_MIN_BYTES`], for `gzip_static` and `brotli_static`.
    /// Copied files are read through `sources`, which refuses a file that is no longer inside
    /// the site when it is opened.
    pub fn new(out_dir: &Path, compress: bool, sources: crate::walk::SiteRoot) -> Writer {
        Writer {
            out_dir: out_dir.to_path_buf(),
            compress,
            sources,
            created: Default::default(),
        }
    }

    /// Writes `bytes` to `file` (relative, `/`-separated).
    pub fn write(&self, file: &str, bytes: &[u8]) -> Result<(), WriteError> {
        let target = self.place(file)?;
        fs::write(&target, bytes).map_err(|error| failed(file, error))?;
        self.compressed_copies(file, &target, bytes, Effort::Page)
    }

    /// Copies `source` to `file` (relative, `/`-separated). The copy is a plain readable file,
    /// whatever the source's mode: a site's `static/` must not put programs on the server.
    pub fn copy(&self, file: &str, source: &Path) -> Result<(), WriteError> {
        let target = self.place(file)?;
        let mut from = self.sources.open(source).map_err(|e| failed(file, e))?;
        if self.compress && compressible(file) {
            let mut bytes = Vec::new();
            io::Read::read_to_end(&mut from, &mut bytes).map_err(|e| failed(file, e))?;
            fs::write(&target, &bytes).map_err(|error| failed(file, error))?;
            return self.compressed_copies(file, &target, &bytes, Effort::Asset);
        }
        let mut to = fs::File::create(&target).map_err(|e| failed(file, e))?;
        io::copy(&mut from, &mut to)
            .map(|_| ())
            .map_err(|error| failed(file, error))
    }

    /// The checked path of `file`, with its folder made.
    fn place(&self, file: &str) -> Result<PathBuf, WriteError> {
        let target = crate::urlpath::confined(&self.out_dir, file).map_err(|e| failed(file, e))?;
        if let Some(dir) = target.parent() {
            self.ensure(dir).map_err(|e| failed(file, e))?;
        }
        Ok(target)
    }

    fn compressed_copies(
        &self,
        file: &str,
        target: &Path,
        bytes: &[u8],
        effort: Effort,
    ) -> Result<(), WriteError> {
        if !self.compress || bytes.len() < COMPRESS_MIN_BYTES || !compressible(file) {
            return Ok(());
        }
        let with = |extension: &str| {
            let mut name = target.as_os_str().to_owned();
            name.push(extension);
            PathBuf::from(name)
        };
        let gz = format!("{file}.gz");
        let effort = match effort {
            Effort::Asset if bytes.len() > MAX_BEST_EFFORT_BYTES => Effort::Page,
            effort => effort,
        };
        fs::write(with(".gz"), gzip(bytes, effort)).map_err(|e| failed(&gz, e))?;
        let br = format!("{file}.br");
        fs::write(with(".br"), brotli(bytes, effort)).map_err(|e| failed(&br, e))
    }

    /// Creates `dir` and its parents unless this build already did.
    fn ensure(&self, dir: &Path) -> io::Result<()> {
        let known = |dir: &Path| {
            self.created
                .lock()
                .map(|set| set.contains(dir))
                .unwrap_or(false)
        };
        if known(dir) {
            return Ok(());
        }
        fs::create_dir_all(dir)?;
        if let Ok(mut set) = self.created.lock() {
            set.insert(dir.to_path_buf());
        }
        Ok(())
    }
}

fn failed(file: &str, error: io::Error) -> WriteError {
    WriteError {
        file: file.to_string(),
        error,
    }
}

/// How hard to compress. Measured on the default theme's pages (docs/BENCHMARKS.md), with this
/// crate: brotli quality 5 with a small window makes a page 24.5% of its size at about 35 MB/s
/// a core, gzip 6 28% at 40 MB/s; quality 9 and up run at 1–2 MB/s for a few points more, and
/// gzip 9 is no smaller than gzip 6. So pages, which are many and rebuilt often, get the fast
/// settings, and the few static files (stylesheets and scripts, cached for a year) the best.
#[derive(Debug, Clone, Copy)]
enum Effort {
    /// Rendered pages: thousands per build.
    Page,
    /// Copied text files, up to [`MAX_BEST_EFFORT_BYTES`].
    Asset,
}

/// Largest file compressed with [`Effort::Asset`]: brotli's best quality runs at about 1 MB/s.
const MAX_BEST_EFFORT_BYTES: usize = 1 << 20;

fn gzip(bytes: &[u8], effort: Effort) -> Vec<u8> {
    use std::io::Write;
    let level = match effort {
        Effort::Page => flate2::Compression::default(),
        Effort::Asset => flate2::Compression::best(),
    };
    let mut encoder = flate2::write::GzEncoder::new(Vec::with_capacity(bytes.len() / 3), level);
    // Writing into a Vec cannot fail.
    let _ = encoder.write_all(bytes);
    encoder.finish().unwrap_or_default()
}

fn brotli(bytes: &[u8], effort: Effort) -> Vec<u8> {
    use std::io::Write;
    let quality = match effort {
        Effort::Page => 5,
        Effort::Asset => 11,
    };
    // A window as large as the file and no larger (brotli's default is 4 MiB): a page of 12 KB
    // compresses as well with 32 KiB, twice as fast. The writer sets the encoder up for the
    // quality asked (filling in `BrotliEncoderParams` by hand keeps the hash tables of quality
    // 11, megabytes per file, whatever quality is set).
    let window = (usize::BITS - bytes.len().leading_zeros()).clamp(16, 22);
    let mut out = Vec::with_capacity(bytes.len() / 3);
    {
        let mut writer = brotli::CompressorWriter::new(&mut out, 4096, quality, window);
        // Writing into a Vec cannot fail.
        let _ = writer.write_all(bytes);
    }
    out
}

/// Marks folders gongkai owns beside the output, so leftovers can be found and removed safely.
const MARKER: &str = ".gongkai-";

/// The file every build leaves in its output, so the next build knows the folder is its own to
/// replace. A folder without it that holds anything is somebody else's and is never deleted.
pub const OUTPUT_MARKER: &str = ".gongkai-output";

const OUTPUT_MARKER_TEXT: &str =
    "This folder is written by `gongkai build` and replaced whole by the next build.\n";

/// Why a build refuses to use an output folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The output is the site root or one of its parents: replacing it would delete the sources.
    HoldsTheSite { root: PathBuf },
    /// The output lies inside a folder of sources, so the next build would publish it again.
    InsideSources { sources: PathBuf },
    /// A folder with files that no gongkai build wrote.
    NotABuild { entries: usize },
    /// The output is named inside the site but a symbolic link takes it elsewhere (a committed
    /// `public -> /usr/local/sbin`), to a folder no gongkai build has marked.
    LeadsOutOfTheSite { target: PathBuf },
    /// A file, not a folder.
    NotAFolder,
}

impl Refusal {
    /// Whether `--force` may override it (only for a folder that is merely not marked).
    pub fn forceable(&self) -> bool {
        matches!(
            self,
            Refusal::NotABuild { .. } | Refusal::LeadsOutOfTheSite { .. }
        )
    }
}

/// What the output folder must not be: the site root, its parents, and its source folders.
#[derive(Debug, Clone)]
pub struct Guard {
    /// The site root.
    pub root: PathBuf,
    /// Folders whose contents are sources (`content/`, `static/`, `templates/`, `themes/`).
    pub sources: Vec<PathBuf>,
    /// Replace a non-empty folder that carries no marker.
    pub force: bool,
}

impl Guard {
    /// Refuses an output that would destroy or republish the sources, or another program's
    /// files. Paths are compared after resolving symbolic links, so `public -> ..` is caught.
    pub fn check(&self, output: &Path) -> Result<(), Refusal> {
        let named = std::path::absolute(output).unwrap_or_else(|_| output.to_path_buf());
        let named_root = std::path::absolute(&self.root).unwrap_or_else(|_| self.root.clone());
        let output = real_path(output);
        let root = real_path(&self.root);
        let marked = output.join(OUTPUT_MARKER).is_file();
        if named.starts_with(&named_root) && !output.starts_with(&root) && !marked && !self.force {
            return Err(Refusal::LeadsOutOfTheSite { target: output });
        }
        if root.starts_with(&output) {
            return Err(Refusal::HoldsTheSite { root });
        }
        if let Some(sources) = self
            .sources
            .iter()
            .map(|dir| real_path(dir))
            .find(|dir| output.starts_with(dir))
        {
            return Err(Refusal::InsideSources { sources });
        }
        match fs::symlink_metadata(&output) {
            Err(_) => Ok(()),
            Ok(meta) if !meta.is_dir() => Err(Refusal::NotAFolder),
            Ok(_) if marked || self.force => Ok(()),
            Ok(_) => match fs::read_dir(&output).map(Iterator::count) {
                Ok(0) => Ok(()),
                Ok(entries) => Err(Refusal::NotABuild { entries }),
                // Unreadable: certainly not known to be ours.
                Err(_) => Err(Refusal::NotABuild { entries: 0 }),
            },
        }
    }
}

/// `path` made absolute with symbolic links resolved, as far as it exists; the part that does
/// not exist yet is appended lexically (it cannot hold links).
fn real_path(path: &Path) -> PathBuf {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut existing = absolute.as_path();
    let mut missing = Vec::new();
    loop {
        if let Ok(real) = fs::canonicalize(existing) {
            let mut real = real;
            for part in missing.iter().rev() {
                match part {
                    std::path::Component::ParentDir => {
                        real.pop();
                    }
                    std::path::Component::Normal(name) => real.push(name),
                    _ => {}
                }
            }
            return real;
        }
        match (existing.parent(), existing.components().next_back()) {
            (Some(parent), Some(last)) => {
                missing.push(last);
                existing = parent;
            }
            _ => return absolute,
        }
    }
}

/// A file of the output that could not be written.
#[derive(Debug)]
pub struct WriteError {
    /// The file, relative to the output (never the hidden staging folder's name).
    pub file: String,
    /// Why.
    pub error: io::Error,
}

/// Something gongkai made beside the output that it could not remove: named, never hidden.
#[derive(Debug)]
pub struct Leftover {
    /// Where it is.
    pub path: PathBuf,
    /// What it holds, in words ("the previous build", "a killed build's staging folder").
    pub what: &'static str,
    /// Why it could not be removed.
    pub error: io::Error,
}

/// A folder being filled by a build, removed again unless committed.
#[derive(Debug)]
pub struct Staging {
    output: PathBuf,
    dir: PathBuf,
    done: bool,
}

impl Staging {
    /// Creates a fresh staging folder beside `output`, first cleaning up after killed builds.
    /// Returns what could not be cleaned up, for warnings: it never stops a build.
    pub fn create(output: &Path) -> io::Result<(Staging, Vec<Leftover>)> {
        // `public` may be a symbolic link to the web server's folder: stage beside the folder it
        // points to and swap that one, so the link goes on serving the new build (swapping the
        // link itself would leave the web server's folder at the old build forever).
        let resolved = match fs::symlink_metadata(output) {
            Ok(meta) if meta.file_type().is_symlink() => Some(fs::canonicalize(output)?),
            _ => None,
        };
        let output = resolved.as_deref().unwrap_or(output);
        let parent = output
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        fs::create_dir_all(parent)?;
        let name = output
            .file_name()
            .ok_or_else(|| {
                io::Error::new(
                    io::ErrorKind::InvalidInput,
                    "the output folder needs a name",
                )
            })?
            .to_string_lossy()
            .into_owned();
        if output.exists() && !output.is_dir() {
            return Err(io::Error::new(
                io::ErrorKind::AlreadyExists,
                format!("{} exists and is not a folder", output.display()),
            ));
        }
        let leftovers = recover(parent, &name, output)?;
        let dir = parent.join(unique_name(&name, "tmp"));
        fs::create_dir(&dir)?;
        let staging = Staging {
            output: output.to_path_buf(),
            dir,
            done: false,
        };
        fs::write(staging.dir.join(OUTPUT_MARKER), OUTPUT_MARKER_TEXT)?;
        Ok((staging, leftovers))
    }

    /// Where to write.
    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// Makes the staged build the output, atomically where the platform allows. Once the new
    /// build is in place the commit has succeeded: a previous build that cannot be deleted
    /// afterwards is returned as a [`Leftover`], not as an error.
    pub fn commit(mut self) -> io::Result<Option<Leftover>> {
        if !self.output.exists() {
            fs::rename(&self.dir, &self.output)?;
            self.done = true;
            return Ok(None);
        }
        let previous = if exchange(&self.dir, &self.output).is_ok() {
            // `self.dir` now holds the previous build.
            self.dir.clone()
        } else {
            let old = old_path(&self.output);
            fs::rename(&self.output, &old)?;
            fs::rename(&self.dir, &self.output)?;
            old
        };
        self.done = true;
        Ok(remove_previous(&self.output, previous))
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.done {
            let _ = fs::remove_dir_all(&self.dir);
        }
    }
}

/// Deletes the previous build; if that fails, renames what remains so it is named as what it is
/// (and is not mistaken for a killed build's staging) and reports it.
fn remove_previous(output: &Path, previous: PathBuf) -> Option<Leftover> {
    let error = fs::remove_dir_all(&previous).err()?;
    let name = output
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let trash = output.with_file_name(unique_name(&name, "previous"));
    let path = if fs::rename(&previous, &trash).is_ok() {
        trash
    } else {
        previous
    };
    Some(Leftover {
        path,
        what: "the previous build",
        error,
    })
}

fn unique_name(output_name: &str, kind: &str) -> String {
    format!(
        ".{output_name}{MARKER}{kind}-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos())
    )
}

#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> io::Result<()> {
    use rustix::fs::{CWD, RenameFlags, renameat_with};
    renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE).map_err(io::Error::from)
}

#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> io::Result<()> {
    Err(io::Error::new(
        io::ErrorKind::Unsupported,
        "no atomic exchange",
    ))
}

fn old_path(output: &Path) -> PathBuf {
    let name = output
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    output.with_file_name(format!(".{name}{MARKER}old"))
}

/// Restores an output lost between the two renames of the fallback, and removes old staging
/// folders and previous builds; what cannot be removed is returned, so the build goes on.
fn recover(parent: &Path, name: &str, output: &Path) -> io::Result<Vec<Leftover>> {
    let mut leftovers = Vec::new();
    // The fallback's old build is removed, never restored: a folder under that name may have
    // been committed to the repository (marker and all), and must not become the site. Only a
    // build killed between the fallback's two renames leaves the output missing until the next
    // build succeeds.
    let old = old_path(output);
    if old.is_dir()
        && let Err(error) = fs::remove_dir_all(&old)
    {
        leftovers.push(Leftover {
            path: old,
            what: "the previous build",
            error,
        });
    }
    let staging = format!(".{name}{MARKER}tmp-");
    let previous = format!(".{name}{MARKER}previous-");
    for entry in fs::read_dir(parent)? {
        let entry = entry?;
        let file_name = entry.file_name().to_string_lossy().into_owned();
        let (what, rest) = if let Some(rest) = file_name.strip_prefix(&staging) {
            ("a killed build's staging folder", rest)
        } else if let Some(rest) = file_name.strip_prefix(&previous) {
            ("the previous build", rest)
        } else {
            continue;
        };
        if !entry.file_type()?.is_dir() {
            continue;
        }
        let pid = rest.split('-').next().and_then(|p| p.parse::<u32>().ok());
        // Another live build (say, a preview server) may be writing its own staging folder.
        if what != "the previous build"
            && pid.is_some_and(|pid| pid != std::process::id() && process_alive(pid))
        {
            continue;
        }
        if let Err(error) = fs::remove_dir_all(entry.path()) {
            leftovers.push(Leftover {
                path: entry.path(),
                what,
                error,
            });
        }
    }
    Ok(leftovers)
}

fn process_alive(pid: u32) -> bool {
    Path::new("/proc").join(pid.to_string()).exists()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commit_replaces_and_drop_discards() {
        let root = tempfile::tempdir().unwrap();
        let output = root.path().join("public");
        fs::create_dir(&output).unwrap();
        fs::write(output.join("old.html"), "old").unwrap();

        let (staging, _) = Staging::create(&output).unwrap();
        fs::write(staging.path().join("new.html"), "new").unwrap();
        drop(staging);
        assert!(
            output.join("old.html").exists(),
            "an uncommitted build must not touch the output"
        );

        let (staging, _) = Staging::create(&output).unwrap();
        fs::write(staging.path().join("new.html"), "new").unwrap();
        staging.commit().unwrap();
        assert!(output.join("new.html").exists() && !output.join("old.html").exists());
        let leftovers: Vec<_> = fs::read_dir(root.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(leftovers, vec![std::ffi::OsString::from("public")]);
    }

    #[test]
    fn leftovers_of_a_killed_build_are_cleaned_and_an_old_build_never_restored() {
        let root = tempfile::tempdir().unwrap();
        let output = root.path().join("public");
        fs::create_dir(root.path().join(".public.gongkai-tmp-999999999-1")).unwrap();
        // A folder under the fallback's name, even marked, may be committed to the repository:
        // it is removed, not made the site.
        let old = root.path().join(".public.gongkai-old");
        fs::create_dir(&old).unwrap();
        fs::write(old.join("index.html"), "DEFACED").unwrap();
        fs::write(old.join(OUTPUT_MARKER), "").unwrap();
        let (staging, leftovers) = Staging::create(&output).unwrap();
        assert!(leftovers.is_empty(), "{leftovers:?}");
        assert!(!output.exists());
        assert!(!old.exists());
        assert!(!root.path().join(".public.gongkai-tmp-999999999-1").exists());
        drop(staging);
    }
}
