//! The record each build leaves in its output: every file with its size, modification time and
//! content hash, and every folder with its modification time.
//!
//! The next build does not start from an empty folder: it takes the build before the live one
//! (kept beside it, see [`super::Staging`]) and brings it up to date. The manifest is what makes
//! that safe and cheap. A file whose new bytes hash to what the manifest records, and whose size
//! and time on disk are still the recorded ones, is kept as it is; anything else (a file edited
//! or damaged by hand, a folder with files nobody wrote) is detected and rewritten or removed.
//! Sizes and times are the same test `rsync` and `make` trust: a file changed by hand to the
//! same size with its old time put back is not detected.

use std::collections::HashMap;
use std::fs;
use std::io::{self, BufRead, Write};
use std::path::Path;
use std::time::SystemTime;

/// The manifest's file name, at the top of every build's output (a hidden file, which
/// `deploy/nginx.conf` does not serve).
pub const MANIFEST_FILE: &str = ".gongkai-manifest";

/// First line of a manifest. Raise the number when the format changes, or when the same page
/// would be compressed differently (a changed `.gz` or `.br` setting): an older manifest is then
/// ignored and the next build rewrites every file once.
const HEADER: &str = "gongkai-manifest 2";

/// Largest manifest read. A million pages with compressed copies need about 300 MB; anything
/// larger is not ours (the live output may be a folder committed by anybody).
const MAX_BYTES: u64 = 1 << 30;

/// A content hash: the first 16 bytes of BLAKE3, plenty to tell two versions of a file apart.
pub type Hash = [u8; 16];

/// Hashes `bytes` for the manifest.
pub fn hash(bytes: &[u8]) -> Hash {
    truncate(blake3::hash(bytes))
}

/// The manifest's hash from a finished BLAKE3 hasher (for files hashed while being copied).
pub fn truncate(hash: blake3::Hash) -> Hash {
    let mut short = [0; 16];
    short.copy_from_slice(&hash.as_bytes()[..16]);
    short
}

/// A file's size and modification time (nanoseconds since 1970), which change when anything
/// rewrites it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    /// Bytes.
    pub size: u64,
    /// Modification time in nanoseconds since the Unix epoch.
    pub mtime: i64,
}

/// A source file's identity and state when it was copied: its size and modification time, and
/// the two that nobody can set, the inode and the change time (`ctime`). Sources whose times
/// are fixed (a Nix store, a reproducible tarball, `touch -d`) still differ in these, so a
/// changed source is never taken for the one copied before.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SourceStamp {
    /// Size and modification time.
    pub stamp: Stamp,
    /// Change time in nanoseconds since the Unix epoch.
    pub ctime: i64,
    /// Inode number.
    pub ino: u64,
}

impl SourceStamp {
    /// The stamp of an opened source.
    pub fn of(metadata: &fs::Metadata) -> Option<SourceStamp> {
        use std::os::unix::fs::MetadataExt;
        let ctime = metadata
            .ctime()
            .checked_mul(1_000_000_000)?
            .checked_add(metadata.ctime_nsec())?;
        Some(SourceStamp {
            stamp: Stamp::of(metadata)?,
            ctime,
            ino: metadata.ino(),
        })
    }
}

impl Stamp {
    /// The stamp of a file as `metadata` describes it; `None` for a time before 1970 or after
    /// 2262, which is then never taken for unchanged.
    pub fn of(metadata: &fs::Metadata) -> Option<Stamp> {
        Some(Stamp {
            size: metadata.len(),
            mtime: nanos(metadata.modified().ok()?)?,
        })
    }
}

/// A time as the manifest records it.
pub fn nanos(time: SystemTime) -> Option<i64> {
    let since = time.duration_since(SystemTime::UNIX_EPOCH).ok()?;
    i64::try_from(since.as_nanos()).ok()
}

/// The time a manifest recorded.
pub fn time_of(nanos: i64) -> SystemTime {
    SystemTime::UNIX_EPOCH + std::time::Duration::from_nanos(nanos.max(0) as u64)
}

/// What the manifest knows of one file of the output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    /// The file as it was left on disk.
    pub stamp: Stamp,
    /// The hash of its bytes; for a `.gz` or `.br` copy, the hash of the file it compresses
    /// (so an unchanged page is not compressed again).
    pub hash: Hash,
    /// For a file copied from the sources, the source's stamp when it was copied: an unchanged
    /// source is not even read again (a video may be hundreds of megabytes).
    pub source: Option<SourceStamp>,
}

/// Which build a manifest belongs to, so the next build trusts only the folder it left.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Partner {
    /// Device of the folder.
    pub dev: u64,
    /// Inode of the folder: a folder checked out of a repository under the same name cannot
    /// have it.
    pub ino: u64,
    /// The token of its manifest.
    pub token: u128,
}

/// Every file and folder of one build's output.
#[derive(Debug, Default)]
pub struct Manifest {
    /// A random number naming this build's tree.
    pub token: u128,
    /// The device and inode of the folder the manifest was written into. A folder checked out
    /// of a repository (a committed `public/` with a manifest in it) has another inode, which
    /// its author cannot know in advance: such a folder is never vouched for.
    pub home: Option<(u64, u64)>,
    /// The tree the next build may start from (the build this one replaces), if known.
    pub partner: Option<Partner>,
    /// Files by `/`-separated path relative to the output.
    pub files: HashMap<Box<str>, Entry>,
    /// Folders (not the top one) with their modification times: a folder whose time changed
    /// may hold files nobody wrote, so it is read again.
    pub dirs: HashMap<Box<str>, i64>,
}

impl Manifest {
    /// A new, empty manifest with a fresh token.
    pub fn new() -> Manifest {
        Manifest {
            token: fresh_token(),
            ..Manifest::default()
        }
    }

    /// Reads the manifest of `tree`, if it has one that this version of gongkai wrote. A
    /// missing, damaged or foreign manifest is `None`: the tree is then not trusted and the next
    /// build writes every file.
    pub fn read(tree: &Path) -> Option<Manifest> {
        let mut manifest = Manifest::default();
        read_lines(tree, |line| manifest.parse_line(line))?;
        Some(manifest).filter(|m| m.token != 0)
    }

    /// Reads only the token and the entries of `tree`'s manifest that `keep` accepts (the live
    /// output's manifest is read for the few files that differ from the tree being updated).
    pub fn read_filtered(tree: &Path, keep: impl Fn(&str, &Entry) -> bool) -> Option<Manifest> {
        let mut manifest = Manifest::default();
        read_lines(tree, |line| {
            let mut whole = Manifest::default();
            let fine = whole.parse_line(line);
            manifest.token = manifest.token.max(whole.token);
            manifest.partner = manifest.partner.or(whole.partner);
            for (path, entry) in whole.files {
                if keep(&path, &entry) {
                    manifest.files.insert(path, entry);
                }
            }
            fine
        })?;
        Some(manifest).filter(|m| m.token != 0)
    }

    /// The token, home and partner lines, which come first.
    pub fn read_head(tree: &Path) -> Option<Manifest> {
        let mut head = Manifest::default();
        let mut seen = 0;
        let _ = read_lines(tree, |line| {
            seen += 1;
            // Stop (as if rejected) after the two lines that matter.
            seen <= 3
                && ["token ", "home ", "partner "]
                    .iter()
                    .any(|kind| line.starts_with(kind))
                && head.parse_line(line)
        });
        Some(head).filter(|head| head.token != 0)
    }

    fn parse_line(&mut self, line: &str) -> bool {
        let mut fields = line.splitn(2, ' ');
        let (Some(kind), Some(rest)) = (fields.next(), fields.next()) else {
            return false;
        };
        match kind {
            "token" => match u128::from_str_radix(rest, 16) {
                Ok(token) => {
                    self.token = token;
                    true
                }
                Err(_) => false,
            },
            "home" => match rest.split_once(' ') {
                Some((dev, ino)) => match (dev.parse(), ino.parse()) {
                    (Ok(dev), Ok(ino)) => {
                        self.home = Some((dev, ino));
                        true
                    }
                    _ => false,
                },
                None => false,
            },
            "partner" => {
                let parts: Vec<&str> = rest.split(' ').collect();
                let partner = match parts.as_slice() {
                    [dev, ino, token] => (|| {
                        Some(Partner {
                            dev: dev.parse().ok()?,
                            ino: ino.parse().ok()?,
                            token: u128::from_str_radix(token, 16).ok()?,
                        })
                    })(),
                    _ => None,
                };
                self.partner = partner;
                partner.is_some()
            }
            "d" => match rest.split_once(' ') {
                Some((mtime, path)) if is_plain(path) => match mtime.parse() {
                    Ok(mtime) => {
                        self.dirs.insert(path.into(), mtime);
                        true
                    }
                    Err(_) => false,
                },
                _ => false,
            },
            "f" => {
                let parts: Vec<&str> = rest.splitn(5, ' ').collect();
                let [size, mtime, hash, source, path] = parts.as_slice() else {
                    return false;
                };
                if !is_plain(path) {
                    return false;
                }
                let entry = (|| {
                    let stamp = Stamp {
                        size: size.parse().ok()?,
                        mtime: mtime.parse().ok()?,
                    };
                    let source = match source.split(':').collect::<Vec<_>>().as_slice() {
                        ["-"] => None,
                        [size, mtime, ctime, ino] => Some(SourceStamp {
                            stamp: Stamp {
                                size: size.parse().ok()?,
                                mtime: mtime.parse().ok()?,
                            },
                            ctime: ctime.parse().ok()?,
                            ino: ino.parse().ok()?,
                        }),
                        _ => return None,
                    };
                    Some(Entry {
                        stamp,
                        hash: parse_hash(hash)?,
                        source,
                    })
                })();
                match entry {
                    Some(entry) => {
                        self.files.insert((*path).into(), entry);
                        true
                    }
                    None => false,
                }
            }
            _ => false,
        }
    }

    /// Writes the manifest into `tree`, replacing any file or link of its name.
    pub fn write(&self, tree: &Path) -> io::Result<()> {
        let mut out = Vec::with_capacity(64 + self.files.len() * 96 + self.dirs.len() * 48);
        writeln!(out, "{HEADER}")?;
        writeln!(out, "token {:032x}", self.token)?;
        if let Some((dev, ino)) = self.home {
            writeln!(out, "home {dev} {ino}")?;
        }
        if let Some(p) = &self.partner {
            writeln!(out, "partner {} {} {:032x}", p.dev, p.ino, p.token)?;
        }
        let mut dirs: Vec<_> = self.dirs.iter().collect();
        dirs.sort_unstable();
        for (path, mtime) in dirs {
            writeln!(out, "d {mtime} {path}")?;
        }
        let mut files: Vec<_> = self.files.iter().collect();
        files.sort_unstable_by(|a, b| a.0.cmp(b.0));
        for (path, entry) in files {
            write!(out, "f {} {} ", entry.stamp.size, entry.stamp.mtime)?;
            for byte in entry.hash {
                write!(out, "{byte:02x}")?;
            }
            match entry.source {
                Some(s) => {
                    let (size, mtime) = (s.stamp.size, s.stamp.mtime);
                    writeln!(out, " {size}:{mtime}:{}:{} {path}", s.ctime, s.ino)?
                }
                None => writeln!(out, " - {path}")?,
            }
        }
        super::replace_file(&tree.join(MANIFEST_FILE), &out).map(|_| ())
    }

    /// Whether `path` can be recorded: a name with a line break cannot (such a file is simply
    /// rewritten by every build, and its folder read again).
    pub fn can_record(path: &str) -> bool {
        !path.contains(['\n', '\r']) && is_plain(path)
    }

    /// Whether this manifest was written into the folder at `path`, as it is now (not a copy
    /// of it, a folder checked out under its name, or one it was moved beside).
    pub fn is_home(&self, path: &Path) -> bool {
        use std::os::unix::fs::MetadataExt;
        fs::symlink_metadata(path)
            .is_ok_and(|meta| meta.is_dir() && self.home == Some((meta.dev(), meta.ino())))
    }
}

/// A path a manifest may name: relative, below its folder, with no empty, `.` or `..` part. A
/// manifest is read from disk, so whatever it names is checked before anything is removed.
fn is_plain(path: &str) -> bool {
    !path.is_empty()
        && !path.contains(['\0', '\n', '\r'])
        && path
            .split('/')
            .all(|part| !part.is_empty() && part != "." && part != "..")
}

/// Calls `line` for every line after the header; `None` when the file is missing, not a plain
/// file, too large, not ours, or `line` rejects a line.
fn read_lines(tree: &Path, mut line: impl FnMut(&str) -> bool) -> Option<()> {
    let file = super::open_plain(&tree.join(MANIFEST_FILE)).ok()?;
    if file.metadata().ok()?.len() > MAX_BYTES {
        return None;
    }
    let mut reader = io::BufReader::with_capacity(1 << 16, io::Read::take(file, MAX_BYTES));
    let mut text = String::new();
    reader.read_line(&mut text).ok()?;
    if text.trim_end_matches('\n') != HEADER {
        return None;
    }
    loop {
        text.clear();
        match reader.read_line(&mut text) {
            Ok(0) => return Some(()),
            Ok(_) => {
                let Some(content) = text.strip_suffix('\n') else {
                    return None; // cut off
                };
                if !line(content) {
                    return None;
                }
            }
            Err(_) => return None,
        }
    }
}

fn parse_hash(hex: &str) -> Option<Hash> {
    if hex.len() != 32 || !hex.is_ascii() {
        return None;
    }
    let mut hash = [0; 16];
    for (i, byte) in hash.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(hash)
}

/// A token no other build has: the process, the time and the standard library's per-process
/// random hash keys, hashed. Not a secret; only a name a checked-out folder cannot guess.
fn fresh_token() -> u128 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = blake3::Hasher::new();
    hasher.update(&std::process::id().to_le_bytes());
    let now = nanos(SystemTime::now()).unwrap_or_default();
    hasher.update(&now.to_le_bytes());
    let mut keyed = std::collections::hash_map::RandomState::new().build_hasher();
    keyed.write_i64(now);
    hasher.update(&keyed.finish().to_le_bytes());
    let bytes = truncate(hasher.finalize());
    u128::from_le_bytes(bytes).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manifest_reads_back_what_was_written_and_rejects_damage() {
        let tree = tempfile::tempdir().unwrap();
        let mut manifest = Manifest::new();
        manifest.partner = Some(Partner {
            dev: 3,
            ino: 77,
            token: 9,
        });
        let entry = Entry {
            stamp: Stamp {
                size: 12,
                mtime: 1_700_000_000_123_456_789,
            },
            hash: hash(b"twelve bytes"),
            source: None,
        };
        manifest.files.insert("新闻/a b/index.html".into(), entry);
        let copied = Entry {
            source: Some(SourceStamp {
                stamp: Stamp { size: 5, mtime: 4 },
                ctime: 7,
                ino: 99,
            }),
            ..entry
        };
        manifest.files.insert("css/base.css".into(), copied);
        manifest.dirs.insert("新闻/a b".into(), 42);
        manifest.write(tree.path()).unwrap();

        let back = Manifest::read(tree.path()).unwrap();
        assert_eq!(back.token, manifest.token);
        assert_eq!(back.partner, manifest.partner);
        assert_eq!(back.files, manifest.files);
        assert_eq!(back.dirs, manifest.dirs);

        let only = Manifest::read_filtered(tree.path(), |path, _| path.starts_with("css")).unwrap();
        assert_eq!(only.files.len(), 1);
        assert_eq!(only.token, manifest.token);

        let file = tree.path().join(MANIFEST_FILE);
        let text = fs::read_to_string(&file).unwrap();
        fs::write(&file, &text[..text.len() - 3]).unwrap();
        assert!(Manifest::read(tree.path()).is_none(), "a cut-off manifest");
        fs::write(&file, text.replace(HEADER, "gongkai-manifest 1")).unwrap();
        assert!(Manifest::read(tree.path()).is_none(), "another version");
        fs::write(&file, text.replace("f 12 ", "f twelve ")).unwrap();
        assert!(Manifest::read(tree.path()).is_none(), "a damaged line");
    }
}
