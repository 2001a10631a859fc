//! Atomic, incremental output: a build is prepared beside `public/` and swapped in only when it
//! is complete, writing only the files that changed.
//!
//! The web server (or the preview) must never see half a site, and a failed or killed build must
//! leave the last good `public/` exactly as it was. So a build writes into a hidden staging folder
//! next to the output (same file system, so renaming is atomic), and [`Staging::commit`] swaps the
//! two with one `renameat2(RENAME_EXCHANGE)` call on Linux. Where that is not available it falls
//! back to two renames.
//!
//! Blue/green: the build that was replaced is not deleted but kept beside the output as
//! `.public.gongkai-spare`, and the next build starts from it, so that on an everyday build
//! (one new notice) almost every file is already there with the right bytes. The
//! [`manifest`] of each tree says what it holds; the [`Writer`] keeps what is unchanged, rewrites
//! the rest and removes what is gone. The spare is used only if the live output's manifest names
//! it (its inode and token): a folder of that name checked out of a repository is deleted, not
//! trusted. Staging folders left by a killed build are removed by the next build.

use std::collections::HashMap;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

pub mod manifest;
mod writer;

pub use manifest::{Entry, MANIFEST_FILE, Manifest};
pub use writer::{COMPRESS_MIN_BYTES, WriteCounts, Writer, compressible};

/// Marks folders gongkai owns beside the output, so leftovers can be found and removed safely.
const MARKER: &str = ".gongkai-";

/// The file every build leaves in its output, so the next build knows the folder is its own to
/// replace. A folder without it that holds anything is somebody else's and is never deleted.
pub const OUTPUT_MARKER: &str = ".gongkai-output";

const OUTPUT_MARKER_TEXT: &str = "This folder is written by `gongkai build`. Each build replaces it whole, \
starting from the build before it (kept beside it as a hidden `.NAME.gongkai-spare` folder).\n";

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

/// What a staging folder holds when a build starts, for the [`Writer`].
#[derive(Debug, Default)]
pub struct Base {
    /// The files and folders of the earlier build in it, checked (empty for a fresh folder).
    pub previous: Manifest,
    /// The live output's files that differ from `previous` (all of them for a fresh folder), so
    /// that a file rewritten with the bytes it has in the live output keeps the live file's time.
    pub live: HashMap<Box<str>, Entry>,
}

/// A folder being filled by a build, removed again unless committed.
#[derive(Debug)]
pub struct Staging {
    output: PathBuf,
    dir: PathBuf,
    base: Option<Base>,
    done: bool,
}

impl Staging {
    /// Prepares a staging folder beside `output`: the spare left by the build before the live
    /// one when it can be trusted, checked and repaired, else a fresh folder. Cleans up after
    /// killed builds first, and returns what could not be cleaned up, for warnings: it never
    /// stops a build.
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
        // The first lines of the live output's manifest, read once: whether a build wrote it in
        // place, and which folder it names as the next build's starting point.
        let live_head = genuine_head(output);
        let partner = live_head.as_ref().and_then(|head| head.partner);
        let mut leftovers = recover(parent, &name, output, partner)?;
        let dir = parent.join(unique_name(&name, "tmp"));
        let previous = match claim_spare(output, &dir, partner) {
            Ok(previous) => previous,
            Err(leftover) => {
                leftovers.extend(leftover);
                None
            }
        };
        if previous.is_none() {
            fs::create_dir(&dir)?;
        }
        let mut staging = Staging {
            output: output.to_path_buf(),
            dir,
            base: None,
            done: false,
        };
        let marker = staging.dir.join(OUTPUT_MARKER);
        let mut text = String::new();
        let intact = open_plain(&marker)
            .and_then(|mut file| io::Read::read_to_string(&mut file, &mut text))
            .is_ok_and(|_| text == OUTPUT_MARKER_TEXT);
        // Like every unchanged file, the marker keeps the live output's time (for `rsync -a`).
        let live_time = open_plain(&output.join(OUTPUT_MARKER))
            .and_then(|file| file.metadata()?.modified())
            .ok();
        let file = if intact {
            open_plain(&marker)
                .ok()
                .filter(|file| file.metadata().and_then(|m| m.modified()).ok() != live_time)
        } else {
            Some(replace_file(&marker, OUTPUT_MARKER_TEXT.as_bytes())?)
        };
        if let (Some(file), Some(time)) = (file, live_time) {
            // A read-only descriptor may set times on a file we own (`futimens`).
            let _ = file.set_modified(time);
        }
        let previous = previous.unwrap_or_default();
        // Only what differs from the tree being updated matters (usually a handful of files).
        let genuine = live_head.is_some();
        let live = Manifest::read_filtered(output, |path, entry| {
            previous
                .files
                .get(path)
                .is_none_or(|old| old.hash != entry.hash)
        })
        .filter(|_| genuine)
        .map(|m| m.files)
        .unwrap_or_default();
        staging.base = Some(Base { previous, live });
        Ok((staging, leftovers))
    }

    /// Where to write.
    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// What the folder holds, for the [`Writer`] (once; empty afterwards).
    pub fn take_base(&mut self) -> Base {
        self.base.take().unwrap_or_default()
    }

    /// Makes the staged build the output, atomically where the platform allows, with
    /// `manifest` (from [`Writer::finish`]) saying what it holds. The build it replaces is kept
    /// as the spare for the next build. Once the new build is in place the commit has succeeded:
    /// a previous build that can neither be kept nor deleted is returned as a [`Leftover`], not
    /// as an error.
    pub fn commit(mut self, mut manifest: Manifest) -> io::Result<Option<Leftover>> {
        use std::os::unix::fs::MetadataExt;
        // Renames keep the inode: this folder is the output's from now on.
        let home = fs::symlink_metadata(&self.dir)?;
        manifest.home = Some((home.dev(), home.ino()));
        manifest.partner = partner_of(&self.output);
        manifest.write(&self.dir)?;
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
        // Keep the replaced build for the next one to start from. A spare already there was
        // left by a build running at the same time; it is replaced.
        let spare = spare_path(&self.output);
        if fs::symlink_metadata(&spare).is_ok() {
            let _ = remove_any(&spare);
        }
        if fs::rename(&previous, &spare).is_ok() {
            return Ok(None);
        }
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

/// Where the build before the live one is kept: `.public.gongkai-spare` beside `public`.
fn spare_path(output: &Path) -> PathBuf {
    beside(output, "spare")
}

/// `.NAME.gongkai-KIND` beside the output `NAME`: a folder gongkai owns.
fn beside(output: &Path, kind: &str) -> PathBuf {
    let name = output
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    output.with_file_name(format!(".{name}{MARKER}{kind}"))
}

/// The live output's identity and token, which its successor records as its partner: the only
/// folder the build after that may start from. Only an output a build wrote in place (its
/// manifest's home is the folder itself) is vouched for: a `public/` committed to the
/// repository, manifest and all, is replaced and then deleted, never reused.
fn partner_of(output: &Path) -> Option<manifest::Partner> {
    use std::os::unix::fs::MetadataExt;
    let meta = fs::symlink_metadata(output).ok().filter(|m| m.is_dir())?;
    let head = genuine_head(output)?;
    Some(manifest::Partner {
        dev: meta.dev(),
        ino: meta.ino(),
        token: head.token,
    })
}

/// The first lines of `tree`'s manifest, if a build wrote it into this very folder.
fn genuine_head(tree: &Path) -> Option<Manifest> {
    Manifest::read_head(tree).filter(|head| head.is_home(tree))
}

/// Moves the spare to `dir` and returns its checked manifest, if the live output's manifest
/// names it; a spare it does not name (a folder checked out under that name, or one whose
/// manifest is lost) is deleted. `Err` holds what could not be deleted.
fn claim_spare(
    output: &Path,
    dir: &Path,
    partner: Option<manifest::Partner>,
) -> Result<Option<Manifest>, Option<Leftover>> {
    use std::os::unix::fs::MetadataExt;
    let spare = spare_path(output);
    let Ok(meta) = fs::symlink_metadata(&spare) else {
        return Ok(None);
    };
    let trusted = meta.is_dir()
        && partner.is_some_and(|partner| partner.dev == meta.dev() && partner.ino == meta.ino());
    let claimed = trusted && fs::rename(&spare, dir).is_ok();
    let manifest = if claimed {
        Manifest::read(dir).filter(|manifest| {
            manifest.is_home(dir) && partner.is_some_and(|p| p.token == manifest.token)
        })
    } else {
        None
    };
    let path = if claimed { dir.to_path_buf() } else { spare };
    let Some(manifest) = manifest else {
        return match remove_any(&path) {
            Ok(()) => Ok(None),
            Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(error) => Err(Some(Leftover {
                path,
                what: "a spare build no manifest vouches for",
                error,
            })),
        };
    };
    match repair(dir, manifest) {
        Ok(manifest) => Ok(Some(manifest)),
        // A file that cannot be removed from it would be published: start afresh instead, and
        // name the folder that holds it.
        Err(_) => Err(remove_previous(output, path)),
    }
}

/// Brings a claimed spare back to what its manifest says, for the parts a build relies on:
/// every recorded folder is a real folder (a link or file in its place is removed, with what the
/// manifest recorded below it), and a folder whose time changed since it was recorded, like the
/// top folder, holds nothing the manifest does not name. Files are checked one by one when the
/// build reaches them (see [`Writer`]). Fails if something it must remove cannot be removed.
fn repair(tree: &Path, mut manifest: Manifest) -> io::Result<Manifest> {
    let mut dirs: Vec<(Box<str>, i64)> = manifest.dirs.drain().collect();
    dirs.sort_unstable_by(|a, b| a.0.len().cmp(&b.0.len()).then_with(|| a.0.cmp(&b.0)));
    let known_dirs: std::collections::HashSet<Box<str>> =
        dirs.iter().map(|(dir, _)| dir.clone()).collect();
    let is_known = |path: &str| manifest.files.contains_key(path) || known_dirs.contains(path);
    let mut gone: std::collections::HashSet<Box<str>> = Default::default();
    let under_gone = |path: &str, gone: &std::collections::HashSet<Box<str>>| {
        let mut rest = path;
        while let Some((dir, _)) = rest.rsplit_once('/') {
            if gone.contains(dir) {
                return true;
            }
            rest = dir;
        }
        false
    };
    prune_strangers(tree, "", &is_known)?;
    let mut verified = HashMap::with_capacity(dirs.len());
    for (dir, mtime) in dirs {
        if under_gone(&dir, &gone) {
            gone.insert(dir);
            continue;
        }
        let Ok(path) = crate::urlpath::confined(tree, &dir) else {
            gone.insert(dir);
            continue;
        };
        match fs::symlink_metadata(&path) {
            Ok(meta) if meta.is_dir() => {
                if meta.modified().ok().and_then(manifest::nanos) != Some(mtime) {
                    prune_strangers(tree, &dir, &is_known)?;
                }
                verified.insert(dir, mtime);
            }
            Ok(_) => {
                remove_any(&path)?;
                gone.insert(dir);
            }
            Err(_) => {
                gone.insert(dir);
            }
        }
    }
    manifest.files.retain(|path, _| !under_gone(path, &gone));
    manifest.dirs = verified;
    Ok(manifest)
}

/// Removes every entry of `dir` (relative to `tree`) that `is_known` does not name.
fn prune_strangers(tree: &Path, dir: &str, is_known: &dyn Fn(&str) -> bool) -> io::Result<()> {
    let folder = match dir {
        "" => tree.to_path_buf(),
        dir => crate::urlpath::confined(tree, dir)?,
    };
    for entry in fs::read_dir(folder)? {
        let entry = entry?;
        let name = entry.file_name();
        let known = name.to_str().is_some_and(|name| {
            if dir.is_empty() {
                name == OUTPUT_MARKER || name == MANIFEST_FILE || is_known(name)
            } else {
                is_known(&format!("{dir}/{name}"))
            }
        });
        if !known {
            remove_any(&entry.path())?;
        }
    }
    Ok(())
}

/// Removes whatever is at `path`: a file, a link (not what it points to) or a whole folder.
pub(crate) fn remove_any(path: &Path) -> io::Result<()> {
    if fs::symlink_metadata(path)?.is_dir() {
        fs::remove_dir_all(path)
    } else {
        fs::remove_file(path)
    }
}

/// Writes a new plain file at `path` with what `fill` writes, first removing whatever was there
/// (a file, a link, a folder), so nothing is ever written through a link or into a file that has
/// another name too. Returns the open file, for its time and size.
pub(crate) fn replace_file_with(
    path: &Path,
    fill: impl FnOnce(&mut fs::File) -> io::Result<()>,
) -> io::Result<fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    let create = || {
        fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o644)
            .open(path)
    };
    let mut file = match create() {
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
            remove_any(path)?;
            create()?
        }
        other => other?,
    };
    fill(&mut file)?;
    Ok(file)
}

/// [`replace_file_with`] for bytes at hand.
pub(crate) fn replace_file(path: &Path, bytes: &[u8]) -> io::Result<fs::File> {
    replace_file_with(path, |file| file.write_all(bytes))
}

/// Opens `path` for reading only if it is a plain file (not a link, a pipe or a device), so a
/// manifest planted in an output folder cannot make a build read elsewhere or hang.
pub(crate) fn open_plain(path: &Path) -> io::Result<fs::File> {
    crate::walk::open_plain_file(path, libc::O_NOFOLLOW)
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
    beside(output, "old")
}

/// Restores an output lost between the two renames of the fallback, and removes old staging
/// folders and previous builds; what cannot be removed is returned, so the build goes on.
fn recover(
    parent: &Path,
    name: &str,
    output: &Path,
    partner: Option<manifest::Partner>,
) -> io::Result<Vec<Leftover>> {
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
        // A killed build was updating the spare: it becomes the spare again, and the next
        // build's check of it (files by size and time, folders by time) finds what the killed
        // build had changed, instead of writing the whole site anew.
        if what != "the previous build" && is_partner(partner, &entry.path()) {
            let spare = spare_path(output);
            if fs::symlink_metadata(&spare).is_err() && fs::rename(entry.path(), &spare).is_ok() {
                continue;
            }
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

/// Whether `folder` is `partner`, the one the live output's (genuine) manifest names.
fn is_partner(partner: Option<manifest::Partner>, folder: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    let Some(partner) = partner else {
        return false;
    };
    fs::symlink_metadata(folder)
        .is_ok_and(|meta| meta.is_dir() && (meta.dev(), meta.ino()) == (partner.dev, partner.ino))
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
        let mut manifest = Manifest::new();
        manifest.home = {
            use std::os::unix::fs::MetadataExt;
            let meta = fs::metadata(&output).unwrap();
            Some((meta.dev(), meta.ino()))
        };
        manifest.write(&output).unwrap();

        let (staging, _) = Staging::create(&output).unwrap();
        fs::write(staging.path().join("new.html"), "new").unwrap();
        drop(staging);
        assert!(
            output.join("old.html").exists(),
            "an uncommitted build must not touch the output"
        );

        let (staging, _) = Staging::create(&output).unwrap();
        fs::write(staging.path().join("new.html"), "new").unwrap();
        staging.commit(Manifest::new()).unwrap();
        assert!(output.join("new.html").exists() && !output.join("old.html").exists());
        let mut beside: Vec<_> = fs::read_dir(root.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        beside.sort();
        assert_eq!(beside, [".public.gongkai-spare", "public"]);
        // The replaced build is kept as the spare, and the new one names it.
        let spare = root.path().join(".public.gongkai-spare");
        assert!(spare.join("old.html").exists());
        let partner = Manifest::read_head(&output).unwrap().partner.unwrap();
        assert_eq!(partner.ino, {
            use std::os::unix::fs::MetadataExt;
            fs::metadata(&spare).unwrap().ino()
        });
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
