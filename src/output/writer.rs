//! Writing a build's files into its staging folder, touching only those whose bytes changed.
//!
//! The staging folder usually holds an earlier build (see [`super::Staging`]). For every file the
//! build produces, the writer hashes the new bytes: when the earlier build left the same bytes,
//! and the file on disk still has the size and time the manifest recorded, it is kept (no write,
//! and its time stays, so `rsync -a` sends nothing). Otherwise the file is written anew, never
//! through a link. A page whose HTML did not change is not compressed again either. When the build
//! is complete, [`Writer::finish`] removes what the earlier build had and this one does not, and
//! returns the new [`Manifest`].

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::fs;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use rayon::prelude::*;

use super::manifest::{self, Entry, Hash, Manifest, SourceStamp, Stamp};
use super::{Base, WriteError, remove_any, replace_file_with};
use crate::urlpath::confined;

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

/// How many files a build wrote, kept and removed: what the command line reports.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WriteCounts {
    /// Files written because they are new or their bytes changed.
    pub written: usize,
    /// Files left as the earlier build wrote them.
    pub kept: usize,
    /// Files of the earlier build that this one does not have.
    pub removed: usize,
}

/// Where a build writes its files: below one output folder, creating each folder once, and, when
/// asked, with compressed copies beside each text file.
#[derive(Debug)]
pub struct Writer {
    out_dir: PathBuf,
    compress: bool,
    sources: crate::walk::SiteRoot,
    /// Folders known to exist: the earlier build's (checked) and those made by this build.
    created: Mutex<HashSet<PathBuf>>,
    /// What the folder held when the build started.
    previous: Manifest,
    /// The live output's entries that differ from `previous`: a file rewritten with the bytes
    /// the live output has is given the live file's time.
    live: HashMap<Box<str>, Entry>,
    /// What this build leaves, for its manifest.
    recorded: Mutex<Vec<(Box<str>, Entry)>>,
    /// Files the manifest cannot name (a line break in the name): their folders are read again
    /// by the next build, which finds them as files nobody recorded.
    unrecorded: Mutex<HashSet<String>>,
    written: AtomicUsize,
    kept: AtomicUsize,
}

impl Writer {
    /// A writer into `out_dir`, which holds what `base` describes. `compress` adds `.gz` and
    /// `.br` beside every text file of at least [`COMPRESS_MIN_BYTES`], for `gzip_static` and
    /// `brotli_static`. Copied files are read through `sources`, which refuses a file that is no
    /// longer inside the site when it is opened.
    pub fn new(out_dir: &Path, compress: bool, sources: crate::walk::SiteRoot, base: Base) -> Self {
        let created = (base.previous.dirs.keys())
            .map(|dir| out_dir.join(&**dir))
            .chain([out_dir.to_path_buf()])
            .collect();
        Writer {
            out_dir: out_dir.to_path_buf(),
            compress,
            sources,
            created: Mutex::new(created),
            previous: base.previous,
            live: base.live,
            recorded: Mutex::default(),
            unrecorded: Mutex::default(),
            written: AtomicUsize::new(0),
            kept: AtomicUsize::new(0),
        }
    }

    /// Writes `bytes` to `file` (relative, `/`-separated), unless it already holds them.
    pub fn write(&self, file: &str, bytes: &[u8]) -> Result<(), WriteError> {
        let target = self.place(file)?;
        let hash = manifest::hash(bytes);
        if !self.keep(file, &target, hash, None) {
            self.replace(file, &target, hash, None, |out| out.write_all(bytes))?;
        }
        let size = bytes.len();
        let bytes = || Ok(Cow::Borrowed(bytes));
        self.compressed_copies(file, &target, hash, Effort::Page, size, bytes)
    }

    /// Copies `source` to `file` (relative, `/`-separated), unless the copy is already there.
    /// The copy is a plain readable file, whatever the source's mode: a site's `static/` must not
    /// put programs on the server.
    pub fn copy(&self, file: &str, source: &Path) -> Result<(), WriteError> {
        let target = self.place(file)?;
        let mut from = self.sources.open(source).map_err(|e| failed(file, e))?;
        let stamp = from.metadata().ok().and_then(|m| SourceStamp::of(&m));
        let read_again = || {
            let mut bytes = Vec::new();
            let mut from = self.sources.open(source).map_err(|e| failed(file, e))?;
            from.read_to_end(&mut bytes).map_err(|e| failed(file, e))?;
            Ok(Cow::Owned(bytes))
        };
        // An unchanged source (same size and time) is not read at all.
        if let (Some(stamp), Some(entry)) = (stamp, self.previous.files.get(file))
            && entry.source == Some(stamp)
            && self.keep(file, &target, entry.hash, Some(stamp))
        {
            let size = usize::try_from(stamp.stamp.size).unwrap_or(usize::MAX);
            return self.compressed_copies(
                file,
                &target,
                entry.hash,
                Effort::Asset,
                size,
                read_again,
            );
        }
        if self.compress && compressible(file) {
            let mut bytes = Vec::new();
            from.read_to_end(&mut bytes).map_err(|e| failed(file, e))?;
            let hash = manifest::hash(&bytes);
            if !self.keep(file, &target, hash, stamp) {
                self.replace(file, &target, hash, stamp, |out| out.write_all(&bytes))?;
            }
            let size = bytes.len();
            let bytes = || Ok(Cow::Borrowed(bytes.as_slice()));
            return self.compressed_copies(file, &target, hash, Effort::Asset, size, bytes);
        }
        // Anything else is streamed (a video need not fit in memory) and hashed on the way.
        let mut hasher = blake3::Hasher::new();
        let mut buffer = vec![0; 1 << 16];
        let mut out = replace_file_with(&target, |out| {
            loop {
                let n = from.read(&mut buffer)?;
                if n == 0 {
                    return Ok(());
                }
                hasher.update(&buffer[..n]);
                out.write_all(&buffer[..n])?;
            }
        })
        .map_err(|e| failed(file, e))?;
        self.finish_file(file, &mut out, manifest::truncate(hasher.finalize()), stamp)
    }

    /// Whether `file` can stay as the earlier build left it: same bytes (by hash), and still the
    /// size and time recorded, as a plain file with no other name. Records it if so.
    fn keep(&self, file: &str, target: &Path, hash: Hash, source: Option<SourceStamp>) -> bool {
        let Some(entry) = self.previous.files.get(file) else {
            return false;
        };
        if entry.hash != hash || !intact(target, entry.stamp) {
            return false;
        }
        self.record(
            file,
            Entry {
                source: source.or(entry.source),
                ..*entry
            },
        );
        self.kept.fetch_add(1, Ordering::Relaxed);
        true
    }

    /// Writes `file` anew with what `fill` writes, replacing whatever is at `target`.
    fn replace(
        &self,
        file: &str,
        target: &Path,
        hash: Hash,
        source: Option<SourceStamp>,
        fill: impl FnOnce(&mut fs::File) -> io::Result<()>,
    ) -> Result<(), WriteError> {
        let mut out = replace_file_with(target, fill).map_err(|e| failed(file, e))?;
        self.finish_file(file, &mut out, hash, source)
    }

    /// Gives a freshly written file the live output's time when it has the live output's bytes,
    /// and records it.
    fn finish_file(
        &self,
        file: &str,
        out: &mut fs::File,
        hash: Hash,
        source: Option<SourceStamp>,
    ) -> Result<(), WriteError> {
        if let Some(live) = self.live.get(file).filter(|live| live.hash == hash) {
            out.set_modified(manifest::time_of(live.stamp.mtime))
                .map_err(|e| failed(file, e))?;
        }
        let metadata = out.metadata().map_err(|e| failed(file, e))?;
        self.written.fetch_add(1, Ordering::Relaxed);
        if let Some(stamp) = Stamp::of(&metadata) {
            self.record(
                file,
                Entry {
                    stamp,
                    hash,
                    source,
                },
            );
        }
        Ok(())
    }

    fn record(&self, file: &str, entry: Entry) {
        if Manifest::can_record(file) {
            if let Ok(mut recorded) = self.recorded.lock() {
                recorded.push((file.into(), entry));
            }
        } else if let Ok(mut unrecorded) = self.unrecorded.lock() {
            unrecorded.insert(file.to_string());
        }
    }

    /// The checked path of `file`, with its folder made.
    fn place(&self, file: &str) -> Result<PathBuf, WriteError> {
        let target = crate::urlpath::confined(&self.out_dir, file).map_err(|e| failed(file, e))?;
        if let Some(dir) = target.parent() {
            self.ensure(dir).map_err(|e| failed(file, e))?;
        }
        Ok(target)
    }

    /// The `.gz` and `.br` copies of `file`, kept when the earlier build made them from the same
    /// bytes (`hash`), else compressed from `bytes()`, which is called at most once.
    fn compressed_copies<'a>(
        &self,
        file: &str,
        target: &Path,
        hash: Hash,
        effort: Effort,
        size: usize,
        bytes: impl FnOnce() -> Result<Cow<'a, [u8]>, WriteError>,
    ) -> Result<(), WriteError> {
        if !self.compress || size < COMPRESS_MIN_BYTES || !compressible(file) {
            return Ok(());
        }
        let effort = match effort {
            Effort::Asset if size > MAX_BEST_EFFORT_BYTES => Effort::Page,
            effort => effort,
        };
        let copies = [
            (".gz", gzip as fn(&[u8], Effort) -> Vec<u8>),
            (".br", brotli),
        ];
        let mut missing = Vec::new();
        for (extension, compress) in copies {
            let name = format!("{file}{extension}");
            let path = with_extension(target, extension);
            if !self.keep(&name, &path, hash, None) {
                missing.push((name, path, compress));
            }
        }
        if missing.is_empty() {
            return Ok(());
        }
        let bytes = bytes()?;
        for (name, path, compress) in missing {
            let packed = compress(&bytes, effort);
            self.replace(&name, &path, hash, None, |out| out.write_all(&packed))?;
        }
        Ok(())
    }

    /// Creates `dir` and its parents unless this build already did; a file or link where a
    /// folder is needed (left by an earlier build) is removed first.
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
        if let Some(parent) = dir.parent().filter(|p| p.starts_with(&self.out_dir)) {
            self.ensure(parent)?;
        }
        match fs::create_dir(dir) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                if !fs::symlink_metadata(dir)?.is_dir() {
                    remove_any(dir)?;
                    fs::create_dir(dir)?;
                }
            }
            Err(e) => return Err(e),
        }
        if let Ok(mut set) = self.created.lock() {
            set.insert(dir.to_path_buf());
        }
        Ok(())
    }

    /// Removes what the earlier build had and this one does not, and returns this build's
    /// manifest with what was done.
    pub fn finish(self) -> Result<(Manifest, WriteCounts), Vec<WriteError>> {
        let recorded = self
            .recorded
            .into_inner()
            .unwrap_or_else(|e| e.into_inner());
        let unrecorded = self
            .unrecorded
            .into_inner()
            .unwrap_or_else(|e| e.into_inner());
        let mut manifest = Manifest::new();
        manifest.files = recorded.into_iter().collect();
        // Every folder holding a file of this build.
        let mut dirs: HashSet<&str> = HashSet::new();
        let written = manifest.files.keys().map(|p| &**p);
        for path in written.chain(unrecorded.iter().map(|p| &**p)) {
            for dir in ancestors(path) {
                if !dirs.insert(dir) {
                    break;
                }
            }
        }
        // The folders of files the manifest cannot name are read again by the next build; a
        // folder it cannot name is not recorded at all, and the nearest one it can is read again.
        let mut reread: HashSet<&str> = HashSet::new();
        for path in &unrecorded {
            let nearest = ancestors(path).find(|dir| Manifest::can_record(dir));
            reread.extend(nearest);
        }
        let ours = |path: &str| {
            manifest.files.contains_key(path) || dirs.contains(path) || unrecorded.contains(path)
        };

        let mut failures = Vec::new();
        let mut removed = 0;
        // Gone already: a file this build wrote where the earlier build had a folder.
        let gone_with_folder = |e: &io::Error| {
            matches!(
                e.kind(),
                io::ErrorKind::NotFound | io::ErrorKind::NotADirectory
            )
        };
        for path in self.previous.files.keys() {
            if ours(path) || ancestors(path).any(|dir| manifest.files.contains_key(dir)) {
                continue;
            }
            match confined(&self.out_dir, path).and_then(|file| remove_any(&file)) {
                Ok(()) => removed += 1,
                Err(e) if gone_with_folder(&e) => {}
                Err(e) => failures.push(failed(path, e)),
            }
        }
        let mut stale: Vec<&str> = (self.previous.dirs.keys())
            .map(|d| &**d)
            .filter(|d| !ours(d))
            .collect();
        stale.sort_unstable_by_key(|d| d.len());
        let mut gone: HashSet<&str> = HashSet::new();
        for dir in stale {
            if ancestors(dir).any(|a| gone.contains(a) || manifest.files.contains_key(a)) {
                continue;
            }
            match confined(&self.out_dir, dir).and_then(|folder| remove_any(&folder)) {
                Ok(()) => {}
                Err(e) if gone_with_folder(&e) => {}
                Err(e) => failures.push(failed(dir, e)),
            }
            gone.insert(dir);
        }

        // One `lstat` per folder, on all cores (1.35 million folders at a million pages).
        let dirs: Vec<&str> = dirs.into_iter().collect();
        manifest.dirs = dirs
            .par_iter()
            // The top folder is not recorded: every build reads it again.
            .filter(|dir| !dir.is_empty() && Manifest::can_record(dir))
            .map(|&dir| {
                let mtime = if reread.contains(dir) {
                    -1 // never matches: the next build reads the folder again
                } else {
                    fs::symlink_metadata(self.out_dir.join(dir))
                        .ok()
                        .and_then(|meta| meta.modified().ok())
                        .and_then(manifest::nanos)
                        .unwrap_or(-1)
                };
                (Box::<str>::from(dir), mtime)
            })
            .collect();
        if !failures.is_empty() {
            return Err(failures);
        }
        let counts = WriteCounts {
            written: self.written.into_inner(),
            kept: self.kept.into_inner(),
            removed,
        };
        Ok((manifest, counts))
    }
}

/// The folders above `path`, nearest first (`a/b/c` → `a/b`, `a`).
fn ancestors(path: &str) -> impl Iterator<Item = &str> {
    let mut rest = path;
    std::iter::from_fn(move || {
        let (dir, _) = rest.rsplit_once('/')?;
        rest = dir;
        Some(dir)
    })
}

/// Whether the file at `target` is still what the manifest recorded: a plain file (not a link,
/// not a folder), with no second name, of the recorded size and time.
fn intact(target: &Path, stamp: Stamp) -> bool {
    use std::os::unix::fs::MetadataExt;
    match fs::symlink_metadata(target) {
        Ok(meta) => meta.is_file() && meta.nlink() == 1 && Stamp::of(&meta) == Some(stamp),
        Err(_) => false,
    }
}

fn with_extension(target: &Path, extension: &str) -> PathBuf {
    let mut name = target.as_os_str().to_owned();
    name.push(extension);
    PathBuf::from(name)
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
