//! The watcher: file-system events in, one batch of changed paths per edit out.
//!
//! Editors save in many ways: writing in place (several events per save), writing a temporary
//! file and renaming it over the original (the temporary name comes and goes), keeping backup
//! (`a.md~`) and swap files (`.a.md.swp`, `4913`), and `git checkout` touches hundreds of files
//! at once. So events are filtered (only `content/`, `templates/`, `static/`, `themes/` and
//! `site.toml` count; hidden files and editor leftovers never do) and debounced: a batch closes
//! after a short quiet period, or after a maximum wait during a long burst, and carries the set of
//! paths touched. Whether a path is a new, edited or deleted file is for the planner to find out
//! when the batch is processed, by which time a rename has landed.
//!
//! The native backend (inotify, FSEvents, ReadDirectoryChangesW) is used where it works; when it
//! cannot be set up (too many folders for the inotify limit, say) or `GONGKAI_WATCH=poll` is set
//! (network and container mounts often deliver no events), the same interface polls instead.
//!
//! A backend can lose events: the kernel queue overflows when hundreds of thousands arrive at
//! once (a checkout, or the preview's own reading of 100,000 files, since inotify also reports
//! files being opened). Then the watcher compares a [`Fingerprint`] (size and modification time
//! of every file) taken before with one taken now, and reports exactly the files that differ, so
//! a lost event costs a directory walk rather than a full rebuild.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;
use std::time::{Duration, Instant};

use notify::event::{AccessKind, AccessMode, ModifyKind, RenameMode};
use notify::{Event, EventKind, RecursiveMode};

use crate::content::load::is_ignored;
use crate::walk::SiteRoot;

/// The folders of a site root that are watched, recursively.
pub const WATCHED_DIRS: [&str; 4] = ["content", "templates", "static", "themes"];
/// The configuration file, watched through the root folder (editors replace it by renaming).
pub use crate::config::CONFIG_FILE;

/// How long to wait for an edit to settle.
#[derive(Debug, Clone, Copy)]
pub struct Timing {
    /// A batch closes once no event came for this long…
    pub quiet: Duration,
    /// … or this long after an event that ends a save (a file closed after writing, a file
    /// renamed into place), when the backend reports those.
    pub settled: Duration,
    /// … or this long after its first event, however busy the disk is.
    pub max_wait: Duration,
}

impl Default for Timing {
    /// One save of any editor is a handful of events within a few milliseconds; the end of a
    /// save is usually recognisable, and then a few milliseconds more are enough.
    fn default() -> Self {
        Timing {
            quiet: Duration::from_millis(30),
            settled: Duration::from_millis(8),
            max_wait: Duration::from_millis(500),
        }
    }
}

/// The paths one edit (or one burst of edits) touched.
#[derive(Debug, Clone)]
pub struct Batch {
    /// Paths relative to the site root.
    pub paths: BTreeSet<PathBuf>,
    /// The backend lost events and the files could not be compared: everything must be read
    /// again.
    pub rescan: bool,
    /// When the first event of the batch arrived, to measure the latency of a rebuild.
    pub first_event: Instant,
}

type Backend = Arc<Mutex<Box<dyn notify::Watcher + Send>>>;

/// A running watcher; dropping it stops watching.
pub struct Watcher {
    batches: Receiver<Batch>,
    _backend: Backend,
    polling: bool,
}

impl Watcher {
    /// Watches the site at `root` (an absolute path).
    pub fn start(root: &Path, timing: Timing) -> Result<Watcher, String> {
        let (events, raw) = mpsc::channel::<notify::Result<Event>>();
        let force_poll = std::env::var("GONGKAI_WATCH").is_ok_and(|v| v == "poll");
        let native = if force_poll {
            Err("GONGKAI_WATCH=poll is set".to_string())
        } else {
            notify::recommended_watcher(events.clone())
                .map_err(|e| e.to_string())
                .and_then(|w| watch_site(Box::new(w), root))
        };
        let (backend, polling) = match native {
            Ok(backend) => (backend, false),
            Err(_) => {
                let config =
                    notify::Config::default().with_poll_interval(Duration::from_millis(500));
                let poller = notify::PollWatcher::new(events, config).map_err(|e| e.to_string())?;
                (watch_site(Box::new(poller), root)?, true)
            }
        };
        let backend: Backend = Arc::new(Mutex::new(backend));
        let (batches_in, batches) = mpsc::channel();
        let root = root.to_path_buf();
        let shared = backend.clone();
        // Taken now, before the first build reads anything.
        let mut fingerprint = Fingerprint::scan(&root).unwrap_or_default();
        std::thread::Builder::new()
            .name("gongkai-watch".into())
            .spawn(move || {
                let rewatch = |dir: &Path| {
                    let mut backend = shared.lock().unwrap_or_else(|e| e.into_inner());
                    backend.watch(dir, RecursiveMode::Recursive).is_ok()
                };
                debounce(&raw, &batches_in, timing, &root, &mut fingerprint, rewatch);
            })
            .map_err(|e| e.to_string())?;
        Ok(Watcher {
            batches,
            _backend: backend,
            polling,
        })
    }

    /// Whether the polling backend is in use (events arrive up to half a second late).
    pub fn polling(&self) -> bool {
        self.polling
    }

    /// The next batch, waiting at most `timeout`.
    pub fn recv_timeout(&self, timeout: Duration) -> Result<Batch, RecvTimeoutError> {
        self.batches.recv_timeout(timeout)
    }

    /// The next batch if one is ready.
    pub fn try_recv(&self) -> Option<Batch> {
        self.batches.try_recv().ok()
    }
}

fn watch_site(
    mut backend: Box<dyn notify::Watcher + Send>,
    root: &Path,
) -> Result<Box<dyn notify::Watcher + Send>, String> {
    let failed = |e: notify::Error, path: &Path| format!("cannot watch {}: {e}", path.display());
    backend
        .watch(root, RecursiveMode::NonRecursive)
        .map_err(|e| failed(e, root))?;
    for dir in WATCHED_DIRS {
        let dir = root.join(dir);
        if dir.is_dir() {
            backend
                .watch(&dir, RecursiveMode::Recursive)
                .map_err(|e| failed(e, &dir))?;
        }
    }
    Ok(backend)
}

/// Turns raw events into batches until either channel closes. `rewatch` is called for a watched
/// top-level folder that appears (created, or replaced by a checkout); when it fails, the batch
/// asks for a rescan. `fingerprint` is the state of the files as last reported; when events were
/// lost, the files that differ from it are reported instead.
pub fn debounce(
    raw: &Receiver<notify::Result<Event>>,
    batches: &Sender<Batch>,
    timing: Timing,
    root: &Path,
    fingerprint: &mut Fingerprint,
    rewatch: impl Fn(&Path) -> bool,
) {
    loop {
        let mut batch = Batch {
            paths: BTreeSet::new(),
            rescan: false,
            first_event: Instant::now(),
        };
        let mut settled = loop {
            let Ok(event) = raw.recv() else { return };
            if let Some(settled) = absorb(&mut batch, event, root, &rewatch) {
                break settled;
            }
        };
        batch.first_event = Instant::now();
        let mut last = batch.first_event;
        loop {
            let quiet = if settled {
                timing.settled
            } else {
                timing.quiet
            };
            let deadline = (last + quiet).min(batch.first_event + timing.max_wait);
            let Some(wait) = deadline.checked_duration_since(Instant::now()) else {
                break;
            };
            match raw.recv_timeout(wait) {
                Ok(event) => {
                    if let Some(now_settled) = absorb(&mut batch, event, root, &rewatch) {
                        settled = now_settled;
                        last = Instant::now();
                    }
                }
                Err(RecvTimeoutError::Timeout) => break,
                Err(RecvTimeoutError::Disconnected) => {
                    let _ = batches.send(batch);
                    return;
                }
            }
        }
        if batch.rescan {
            if let Some(now) = Fingerprint::scan(root) {
                batch.paths.extend(fingerprint.changes(&now));
                *fingerprint = now;
                batch.rescan = false;
            }
        } else {
            for path in &batch.paths {
                fingerprint.update(root, path);
            }
        }
        if batch.paths.is_empty() && !batch.rescan {
            continue; // Events were lost, but nothing changed (the preview's own reading).
        }
        if batches.send(batch).is_err() {
            return;
        }
    }
}

/// Size and modification time of every file the site uses (relative path → stamp).
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Fingerprint {
    files: HashMap<PathBuf, (Option<SystemTime>, u64)>,
}

impl Fingerprint {
    /// Walks the watched folders and `site.toml` of `root`; `None` if `root` cannot be read.
    pub fn scan(root: &Path) -> Option<Fingerprint> {
        if !root.is_dir() {
            return None;
        }
        let site = SiteRoot::new(root);
        let mut files = HashMap::new();
        let roots = WATCHED_DIRS
            .iter()
            .chain([&CONFIG_FILE])
            .map(|name| root.join(name));
        for top in roots {
            // Links out of the site are not followed: `ln -s / content/all` must not make every
            // poll walk the whole disk (the build reports such links).
            for entry in site.walk(&top, |_| false).entries {
                if !entry.file_type().is_file() {
                    continue;
                }
                if let (Some(rel), Ok(metadata)) = (relevant(root, entry.path()), entry.metadata())
                {
                    files.insert(rel, (metadata.modified().ok(), metadata.len()));
                }
            }
        }
        Some(Fingerprint { files })
    }

    /// Files added, removed or changed in `newer`.
    pub fn changes(&self, newer: &Fingerprint) -> BTreeSet<PathBuf> {
        let changed = newer
            .files
            .iter()
            .filter(|(path, stamp)| self.files.get(*path) != Some(stamp))
            .map(|(path, _)| path.clone());
        let removed = self
            .files
            .keys()
            .filter(|p| !newer.files.contains_key(*p))
            .cloned();
        changed.chain(removed).collect()
    }

    /// Records the current state of `rel` (a file, or gone).
    pub fn update(&mut self, root: &Path, rel: &Path) {
        match std::fs::metadata(root.join(rel)) {
            Ok(metadata) if metadata.is_file() => {
                self.files.insert(
                    rel.to_path_buf(),
                    (metadata.modified().ok(), metadata.len()),
                );
            }
            Ok(_) => {}
            Err(_) => {
                self.files.remove(rel);
            }
        }
    }
}

/// Adds an event's relevant paths to the batch. `None` when it had none; otherwise whether the
/// event ends a save.
fn absorb(
    batch: &mut Batch,
    event: notify::Result<Event>,
    root: &Path,
    rewatch: &impl Fn(&Path) -> bool,
) -> Option<bool> {
    let event = match event {
        Ok(event) if !event.need_rescan() => event,
        _ => {
            batch.rescan = true;
            return Some(false);
        }
    };
    let ends_a_save = match event.kind {
        // Reads are not changes, but "closed after writing" marks the end of a save.
        EventKind::Access(AccessKind::Close(AccessMode::Write)) => true,
        EventKind::Access(_) => return None,
        EventKind::Modify(ModifyKind::Name(RenameMode::To | RenameMode::Both)) => true,
        _ => false,
    };
    let mut any = false;
    for path in &event.paths {
        let Some(rel) = relevant(root, path) else {
            continue;
        };
        let top_level = rel.components().count() == 1;
        if top_level
            && WATCHED_DIRS.iter().any(|d| rel == Path::new(d))
            && path.is_dir()
            && !rewatch(path)
        {
            batch.rescan = true;
        }
        batch.paths.insert(rel);
        any = true;
    }
    any.then_some(ends_a_save)
}

/// `path` relative to `root` when it is one the site uses: under a watched folder or
/// `site.toml`, and neither hidden nor an editor's leftover at any level.
pub fn relevant(root: &Path, path: &Path) -> Option<PathBuf> {
    let rel = path.strip_prefix(root).ok()?;
    let mut names = Vec::new();
    for component in rel.components() {
        let std::path::Component::Normal(name) = component else {
            return None;
        };
        let name = name.to_str()?;
        if is_ignored(name) || is_editor_temp(name) {
            return None;
        }
        names.push(name);
    }
    match names.as_slice() {
        [] => None,
        [CONFIG_FILE] => Some(rel.to_path_buf()),
        [first, ..] if WATCHED_DIRS.contains(first) => Some(rel.to_path_buf()),
        _ => None,
    }
}

/// Temporary files of editors' "safe write" that [`is_ignored`] does not already cover.
fn is_editor_temp(name: &str) -> bool {
    ["___jb_tmp___", "___jb_old___", ".kate-swp", ".crswap"]
        .iter()
        .any(|suffix| name.ends_with(suffix))
}

#[cfg(test)]
mod tests {
    use super::*;
    use notify::event::{CreateKind, DataChange};

    fn event(kind: EventKind, paths: &[&str]) -> notify::Result<Event> {
        let mut event = Event::new(kind);
        for path in paths {
            event = event.add_path(PathBuf::from(path));
        }
        Ok(event)
    }

    #[test]
    fn only_site_sources_are_relevant() {
        let root = Path::new("/site");
        let rel = |p: &str| relevant(root, Path::new(p));
        assert_eq!(
            rel("/site/content/a.md"),
            Some(PathBuf::from("content/a.md"))
        );
        assert_eq!(rel("/site/site.toml"), Some(PathBuf::from("site.toml")));
        assert_eq!(
            rel("/site/themes/t/static/x.css"),
            Some(PathBuf::from("themes/t/static/x.css"))
        );
        for ignored in [
            "/site/public/index.html",
            "/site/content/.a.md.swp",
            "/site/content/a.md~",
            "/site/content/4913",
            "/site/content/.git/index",
            "/site/content/a.md___jb_tmp___",
            "/site/content/#a.md#",
            "/site/.site.toml.swp",
            "/site",
            "/elsewhere/content/a.md",
        ] {
            assert_eq!(rel(ignored), None, "{ignored}");
        }
    }

    #[test]
    fn a_burst_is_one_batch_and_temp_files_are_left_out() {
        let (tx, rx) = mpsc::channel();
        let (out_tx, out_rx) = mpsc::channel();
        let timing = Timing {
            quiet: Duration::from_millis(40),
            settled: Duration::from_millis(40),
            max_wait: Duration::from_secs(2),
        };
        let worker = std::thread::spawn(move || {
            let mut fingerprint = Fingerprint::default();
            debounce(
                &rx,
                &out_tx,
                timing,
                Path::new("/site"),
                &mut fingerprint,
                |_| true,
            );
        });
        // An atomic save: temp file written, renamed over the original; plus a vim probe.
        let modify = EventKind::Modify(ModifyKind::Data(DataChange::Any));
        tx.send(event(
            EventKind::Create(CreateKind::File),
            &["/site/content/4913"],
        ))
        .unwrap();
        tx.send(event(modify, &["/site/content/.a.md.tmp"]))
            .unwrap();
        tx.send(event(
            EventKind::Modify(ModifyKind::Name(RenameMode::Both)),
            &["/site/content/.a.md.tmp", "/site/content/a.md"],
        ))
        .unwrap();
        tx.send(event(
            EventKind::Access(AccessKind::Read),
            &["/site/content/b.md"],
        ))
        .unwrap();
        for i in 0..100 {
            tx.send(event(modify, &[&format!("/site/content/n{i}.md")]))
                .unwrap();
        }
        let batch = out_rx.recv_timeout(Duration::from_secs(5)).unwrap();
        assert_eq!(batch.paths.len(), 101);
        assert!(batch.paths.contains(Path::new("content/a.md")));
        assert!(
            !batch.paths.contains(Path::new("content/b.md")),
            "reads are not changes"
        );
        assert!(!batch.rescan);
        assert!(
            out_rx.recv_timeout(Duration::from_millis(200)).is_err(),
            "one batch only"
        );

        tx.send(Err(notify::Error::generic("queue overflow")))
            .unwrap();
        assert!(out_rx.recv_timeout(Duration::from_secs(5)).unwrap().rescan);
        drop(tx);
        worker.join().unwrap();
    }

    #[test]
    fn lost_events_are_recovered_by_comparing_fingerprints() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().to_path_buf();
        std::fs::create_dir_all(root.join("content/a")).unwrap();
        std::fs::write(root.join("content/a/kept.md"), "kept").unwrap();
        std::fs::write(root.join("content/a/edited.md"), "old").unwrap();
        std::fs::write(root.join("content/gone.md"), "gone").unwrap();
        std::fs::write(root.join("content/.hidden.swp"), "swap").unwrap();
        let before = Fingerprint::scan(&root).unwrap();
        assert_eq!(before.files.len(), 3, "{before:?}");

        let (tx, rx) = mpsc::channel();
        let (out_tx, out_rx) = mpsc::channel();
        let timing = Timing::default();
        let watched = root.clone();
        std::thread::spawn(move || {
            let mut fingerprint = before;
            debounce(&rx, &out_tx, timing, &watched, &mut fingerprint, |_| true);
        });
        // The preview reads everything; the queue overflows; nothing changed.
        tx.send(Err(notify::Error::generic("queue overflow")))
            .unwrap();
        assert!(
            out_rx.recv_timeout(Duration::from_millis(500)).is_err(),
            "no batch for nothing"
        );

        std::fs::write(root.join("content/a/edited.md"), "new text").unwrap();
        std::fs::remove_file(root.join("content/gone.md")).unwrap();
        std::fs::write(root.join("site.toml"), "title = \"x\"").unwrap();
        tx.send(Err(notify::Error::generic("queue overflow")))
            .unwrap();
        let batch = out_rx.recv_timeout(Duration::from_secs(5)).unwrap();
        assert!(!batch.rescan);
        let expected: BTreeSet<PathBuf> = ["content/a/edited.md", "content/gone.md", "site.toml"]
            .iter()
            .map(PathBuf::from)
            .collect();
        assert_eq!(batch.paths, expected);
    }

    #[test]
    fn a_never_ending_burst_is_cut_at_the_maximum_wait() {
        let (tx, rx) = mpsc::channel();
        let (out_tx, out_rx) = mpsc::channel();
        let timing = Timing {
            quiet: Duration::from_millis(50),
            settled: Duration::from_millis(50),
            max_wait: Duration::from_millis(150),
        };
        std::thread::spawn(move || {
            let mut fingerprint = Fingerprint::default();
            debounce(
                &rx,
                &out_tx,
                timing,
                Path::new("/s"),
                &mut fingerprint,
                |_| true,
            )
        });
        let started = Instant::now();
        let feeder = std::thread::spawn(move || {
            for i in 0..60 {
                let kind = EventKind::Create(CreateKind::File);
                if tx
                    .send(event(kind, &[&format!("/s/content/{i}.md")]))
                    .is_err()
                {
                    return;
                }
                std::thread::sleep(Duration::from_millis(10));
            }
        });
        let first = out_rx.recv_timeout(Duration::from_secs(5)).unwrap();
        assert!(
            started.elapsed() < Duration::from_millis(450),
            "{:?}",
            started.elapsed()
        );
        assert!(!first.paths.is_empty());
        feeder.join().unwrap();
    }
}
