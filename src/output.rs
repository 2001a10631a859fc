//! Atomic output: a build is written beside `public/` and swapped in only when it is complete.
//!
//! The web server (or the preview) must never see half a site, and a failed or killed build must
//! leave the last good `public/` exactly as it was. So a build writes into a hidden staging folder
//! next to the output (same file system, so renaming is atomic), and [`Staging::commit`] swaps the
//! two with one `renameat2(RENAME_EXCHANGE)` call on Linux. Where that is not available it falls
//! back to two renames, and a build that finds the output missing but an old copy present restores
//! it first. Staging folders left by a killed build are removed by the next build.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// The folders a build has created, so that the thousands of files written into them cost one
/// `mkdir` per folder rather than one per file (on a busy disk each costs a fraction of a ms).
#[derive(Debug, Default)]
pub struct Folders {
    created: std::sync::Mutex<std::collections::HashSet<PathBuf>>,
}

impl Folders {
    /// Creates `dir` and its parents unless this build already did.
    pub fn ensure(&self, dir: &Path) -> io::Result<()> {
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

/// Marks folders gongkai owns beside the output, so leftovers can be found and removed safely.
const MARKER: &str = ".gongkai-";

/// A folder being filled by a build, removed again unless committed.
#[derive(Debug)]
pub struct Staging {
    output: PathBuf,
    dir: PathBuf,
    committed: bool,
}

impl Staging {
    /// Creates a fresh staging folder beside `output`, first cleaning up after killed builds.
    pub fn create(output: &Path) -> io::Result<Staging> {
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
        recover(parent, &name, output)?;
        let unique = format!(
            ".{name}{MARKER}tmp-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos())
        );
        let dir = parent.join(unique);
        fs::create_dir(&dir)?;
        Ok(Staging {
            output: output.to_path_buf(),
            dir,
            committed: false,
        })
    }

    /// Where to write.
    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// Makes the staged build the output, atomically where the platform allows.
    pub fn commit(mut self) -> io::Result<()> {
        if self.output.exists() {
            if exchange(&self.dir, &self.output).is_ok() {
                // `self.dir` now holds the previous build.
                self.committed = true;
                return fs::remove_dir_all(&self.dir);
            }
            let old = old_path(&self.output);
            fs::rename(&self.output, &old)?;
            fs::rename(&self.dir, &self.output)?;
            self.committed = true;
            return fs::remove_dir_all(&old);
        }
        fs::rename(&self.dir, &self.output)?;
        self.committed = true;
        Ok(())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed || self.dir.exists() {
            let _ = fs::remove_dir_all(&self.dir);
        }
    }
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

/// Restores an output lost between the two renames of the fallback, and removes old staging.
fn recover(parent: &Path, name: &str, output: &Path) -> io::Result<()> {
    let old = old_path(output);
    if old.is_dir() {
        if output.exists() {
            fs::remove_dir_all(&old)?;
        } else {
            fs::rename(&old, output)?;
        }
    }
    let prefix = format!(".{name}{MARKER}tmp-");
    for entry in fs::read_dir(parent)? {
        let entry = entry?;
        if entry.file_name().to_string_lossy().starts_with(&prefix) && entry.file_type()?.is_dir() {
            let pid = entry.file_name().to_string_lossy()[prefix.len()..]
                .split('-')
                .next()
                .and_then(|p| p.parse::<u32>().ok());
            // Another live build (say, a preview server) may be writing its own staging folder.
            if pid.is_some_and(|pid| pid != std::process::id() && process_alive(pid)) {
                continue;
            }
            fs::remove_dir_all(entry.path())?;
        }
    }
    Ok(())
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

        let staging = Staging::create(&output).unwrap();
        fs::write(staging.path().join("new.html"), "new").unwrap();
        drop(staging);
        assert!(
            output.join("old.html").exists(),
            "an uncommitted build must not touch the output"
        );

        let staging = Staging::create(&output).unwrap();
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
    fn leftovers_of_a_killed_build_are_cleaned_and_a_lost_output_restored() {
        let root = tempfile::tempdir().unwrap();
        let output = root.path().join("public");
        fs::create_dir(root.path().join(".public.gongkai-tmp-999999999-1")).unwrap();
        fs::create_dir(root.path().join(".public.gongkai-old")).unwrap();
        fs::write(root.path().join(".public.gongkai-old/index.html"), "good").unwrap();
        let staging = Staging::create(&output).unwrap();
        assert_eq!(
            fs::read_to_string(output.join("index.html")).unwrap(),
            "good"
        );
        assert!(!root.path().join(".public.gongkai-tmp-999999999-1").exists());
        drop(staging);
    }
}
