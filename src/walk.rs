//! Walking the site's folders without ever leaving the site.
//!
//! `content/`, `static/`, `templates/` and themes may hold symbolic links, and links inside the
//! site are useful (one image shared by two page bundles). But a site repository is edited by
//! many hands and built by a CI that holds secrets: `ln -s /proc/self/environ static/env.txt`
//! must not publish the CI's environment. So every walk and every single-file read of sources
//! goes through here: a link is followed only when its target, with every link resolved, lies
//! inside the site root; any other link is reported and skipped, never read.

use std::path::{Path, PathBuf};

use walkdir::{DirEntry, WalkDir};

/// A source folder's entries, and what could not be walked.
#[derive(Debug, Default)]
pub struct Walked {
    /// Entries in file-name order (folders and files; links already resolved and checked).
    pub entries: Vec<DirEntry>,
    /// Paths that were skipped, with why.
    pub skipped: Vec<(PathBuf, Skipped)>,
}

/// Why a path was left out of a walk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Skipped {
    /// A symbolic link whose target lies outside the site root.
    Outside { target: PathBuf },
    /// A symbolic link that leads back to one of its own parents.
    Loop,
    /// It could not be read.
    Io(String),
}

/// The site root as links resolve it, to compare link targets with. The default holds
/// nothing: every path is outside it.
#[derive(Debug, Clone, Default)]
pub struct SiteRoot {
    real: PathBuf,
}

/// A hidden folder that sites publish on purpose (`security.txt`, ACME challenges).
pub const WELL_KNOWN: &str = ".well-known";

/// The file that marks a build output (see `output::OUTPUT_MARKER`; kept here too so that this
/// low-level module does not depend on the writer).
const OUTPUT_MARKER: &str = ".gongkai-output";

/// Opens `path` for reading if it is a plain file, without blocking (`O_NONBLOCK`, plus any
/// `flags` such as `O_NOFOLLOW`): a named pipe, a device or a folder is an error at once, not a
/// read that waits forever.
pub fn open_plain_file(path: &Path, flags: i32) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | flags)
        .open(path)?;
    if file.metadata()?.is_file() {
        Ok(file)
    } else {
        Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "it is not a plain file (a named pipe, a device or a folder)",
        ))
    }
}

impl SiteRoot {
    /// The root at `root` (resolved once; a root that cannot be resolved contains nothing).
    pub fn new(root: &Path) -> SiteRoot {
        SiteRoot {
            real: std::fs::canonicalize(root).unwrap_or_default(),
        }
    }

    /// Where `path` really is, if the site may read it; `Err` with the real target if not.
    pub fn locate(&self, path: &Path) -> Result<PathBuf, PathBuf> {
        match std::fs::canonicalize(path) {
            Ok(real) if self.allows_real(&real) => Ok(real),
            Ok(real) => Err(real),
            // A link that does not resolve may still be opened (`/proc/self/fd/7` names a
            // deleted file): refuse it. A plain path that vanished reads nothing.
            Err(_) if is_link(path) => Err(path.to_path_buf()),
            Err(_) => Ok(path.to_path_buf()),
        }
    }

    /// Opens `path` for reading, then checks where the opened file really is: a link swapped
    /// between a walk and the read (a race run by another process) cannot make the build read
    /// a file outside the site. Only plain files are opened, without blocking: a file swapped
    /// for a named pipe (or a link to one) is an error, not a build that waits forever.
    pub fn open(&self, path: &Path) -> std::io::Result<std::fs::File> {
        let file = open_plain_file(path, 0)?;
        if self.allows_open(&file, path) {
            Ok(file)
        } else {
            Err(std::io::Error::new(
                std::io::ErrorKind::PermissionDenied,
                "it now leads outside the site's sources (a symbolic link changed)",
            ))
        }
    }

    /// Reads `path` whole, through [`SiteRoot::open`].
    pub fn read(&self, path: &Path) -> std::io::Result<Vec<u8>> {
        use std::io::Read;
        let mut bytes = Vec::new();
        self.open(path)?.read_to_end(&mut bytes)?;
        Ok(bytes)
    }

    /// Whether the site may read `real`, a path with every link already resolved: it must lie
    /// inside the root, not in a hidden folder there (`.git/config` holds a CI's token, `.env`
    /// its secrets; `.well-known` excepted), and not in a build output (a link to `public/`
    /// would republish the last build into the next, growing each time).
    pub fn allows_real(&self, real: &Path) -> bool {
        if self.real.as_os_str().is_empty() {
            return false;
        }
        let Ok(below) = real.strip_prefix(&self.real) else {
            return false;
        };
        if has_hidden_part(below) {
            return false;
        }
        let mut folder = real.to_path_buf();
        loop {
            if folder.join(OUTPUT_MARKER).is_file() {
                return false;
            }
            if folder == self.real || !folder.pop() {
                return true;
            }
        }
    }

    /// Whether reading `path` stays inside the site (for reads outside a walk, e.g. the
    /// preview server re-reading one edited file).
    pub fn contains(&self, path: &Path) -> bool {
        self.locate(path).is_ok()
    }

    /// Whether an open file may be served: judged by where the open file really is (Linux:
    /// `/proc/self/fd`), so a link swapped after the site was loaded cannot leak its target.
    pub fn allows_open(&self, file: &std::fs::File, path: &Path) -> bool {
        #[cfg(target_os = "linux")]
        {
            use std::os::fd::AsRawFd;
            let fd = std::path::PathBuf::from(format!("/proc/self/fd/{}", file.as_raw_fd()));
            if let Ok(real) = std::fs::read_link(fd) {
                return self.allows_opened(&real, path);
            }
        }
        let _ = file;
        std::fs::canonicalize(path).is_ok_and(|real| self.allows_opened(&real, path))
    }

    /// [`SiteRoot::allows_real`] for a file opened by `path`. Where no link was on the way (the
    /// real path is the path asked for), the folders were vetted by the walk that found it, and
    /// only the path's own names are checked: no look for build outputs up the tree per file.
    fn allows_opened(&self, real: &Path, path: &Path) -> bool {
        let direct = std::path::absolute(path).is_ok_and(|asked| asked == real);
        match real.strip_prefix(&self.real) {
            Ok(below) if direct => !has_hidden_part(below),
            _ => self.allows_real(real),
        }
    }

    /// Walks `dir`, following links only into the site, leaving out entries whose name
    /// `ignore` matches (and everything below an ignored folder).
    pub fn walk(&self, dir: &Path, ignore: impl Fn(&str) -> bool) -> Walked {
        let mut walked = Walked::default();
        // The folder itself may lie behind a link further up (`themes/t -> /elsewhere`, then
        // `themes/t/static` is walked): walkdir checks only links below its start.
        if let Err(target) = self.locate(dir) {
            walked
                .skipped
                .push((dir.to_path_buf(), Skipped::Outside { target }));
            return walked;
        }
        let mut entries = WalkDir::new(dir)
            .follow_links(true)
            .sort_by_file_name()
            .into_iter();
        while let Some(entry) = entries.next() {
            let entry = match entry {
                Ok(entry) => entry,
                Err(error) => {
                    let path = error.path().unwrap_or(dir).to_path_buf();
                    let why = if let Err(target) = self.locate(&path) {
                        // A link to a folder above the site is a loop too, but the outside is
                        // what matters.
                        Skipped::Outside { target }
                    } else if error.loop_ancestor().is_some() {
                        Skipped::Loop
                    } else {
                        Skipped::Io(error.to_string())
                    };
                    walked.skipped.push((path, why));
                    continue;
                }
            };
            let skip = (entry.depth() > 0 && ignore(&entry.file_name().to_string_lossy()))
                || (entry.path_is_symlink() && !self.link_allowed(&entry, &mut walked))
                || (entry.file_type().is_dir() && self.is_output(&entry, &mut walked));
            if skip {
                if entry.file_type().is_dir() {
                    entries.skip_current_dir();
                }
                continue;
            }
            walked.entries.push(entry);
        }
        walked
    }

    /// A build output met inside a source folder (through a link to a folder that holds it,
    /// say) is never a source: it would republish the last build into the next.
    fn is_output(&self, entry: &DirEntry, walked: &mut Walked) -> bool {
        let marked = entry.path().join(OUTPUT_MARKER).is_file();
        if marked {
            let target = std::fs::canonicalize(entry.path()).unwrap_or(entry.path().to_path_buf());
            walked
                .skipped
                .push((entry.path().to_path_buf(), Skipped::Outside { target }));
        }
        marked
    }

    fn link_allowed(&self, entry: &DirEntry, walked: &mut Walked) -> bool {
        match self.locate(entry.path()) {
            Ok(_) => true,
            Err(target) => {
                walked
                    .skipped
                    .push((entry.path().to_path_buf(), Skipped::Outside { target }));
                false
            }
        }
    }
}

fn is_link(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink())
}

/// Whether a path below the root passes through a hidden name (`.git`, `.env`), other than
/// `.well-known`.
fn has_hidden_part(below: &Path) -> bool {
    below.components().any(|part| {
        let name = part.as_os_str().to_string_lossy();
        name.starts_with('.') && name != WELL_KNOWN
    })
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    #[test]
    fn links_inside_are_followed_and_links_outside_are_skipped() {
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("secret.txt"), "secret").unwrap();
        std::fs::create_dir(outside.path().join("dir")).unwrap();
        std::fs::write(outside.path().join("dir/x.md"), "x").unwrap();
        let site = tempfile::tempdir().unwrap();
        let content = site.path().join("content");
        std::fs::create_dir_all(content.join("shared")).unwrap();
        std::fs::write(content.join("shared/a.png"), "png").unwrap();
        symlink(content.join("shared/a.png"), content.join("b.png")).unwrap();
        symlink(outside.path().join("secret.txt"), content.join("leak.txt")).unwrap();
        symlink(outside.path().join("dir"), content.join("leakdir")).unwrap();
        symlink("../../..", content.join("up")).unwrap();

        let root = SiteRoot::new(site.path());
        let walked = root.walk(&content, |_| false);
        let names: Vec<String> = walked
            .entries
            .iter()
            .filter(|e| e.file_type().is_file())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["b.png", "a.png"]);
        let skipped: Vec<String> = walked
            .skipped
            .iter()
            .map(|(p, _)| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(skipped, ["leak.txt", "leakdir", "up"]);
        assert!(!root.contains(&content.join("leak.txt")));
        assert!(root.contains(&content.join("b.png")));
    }

    #[test]
    fn a_link_re_pointed_after_the_walk_is_refused_when_opened() {
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("secret.txt"), "secret").unwrap();
        let site = tempfile::tempdir().unwrap();
        std::fs::write(site.path().join("ok.txt"), "ok").unwrap();
        let link = site.path().join("x.txt");
        symlink("ok.txt", &link).unwrap();
        let root = SiteRoot::new(site.path());
        assert_eq!(root.read(&link).unwrap(), b"ok");
        std::fs::remove_file(&link).unwrap();
        symlink(outside.path().join("secret.txt"), &link).unwrap();
        assert!(root.read(&link).is_err(), "the re-pointed link was read");
        // A link that resolves to nothing a path can name (a deleted file held open).
        let held = std::fs::File::open(outside.path().join("secret.txt")).unwrap();
        std::fs::remove_file(outside.path().join("secret.txt")).unwrap();
        use std::os::fd::AsRawFd;
        let fd_link = site.path().join("fd.txt");
        symlink(format!("/proc/self/fd/{}", held.as_raw_fd()), &fd_link).unwrap();
        assert!(root.locate(&fd_link).is_err());
        assert!(root.read(&fd_link).is_err());
    }

    #[test]
    fn a_linked_top_folder_outside_the_site_is_not_walked() {
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("passwd"), "root:x:0:0").unwrap();
        let site = tempfile::tempdir().unwrap();
        symlink(outside.path(), site.path().join("static")).unwrap();
        let walked = SiteRoot::new(site.path()).walk(&site.path().join("static"), |_| false);
        assert!(walked.entries.is_empty(), "{:?}", walked.entries);
        assert_eq!(walked.skipped.len(), 1);
    }
}
