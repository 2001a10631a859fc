//! The rendered site in memory, as one immutable value swapped whole.
//!
//! The preview never writes `public/`: every rendered page lives in a [`Snapshot`] (URL path →
//! HTML) beside a map of the files served as they are (URL path → source file). A rebuild makes
//! a new snapshot, sharing the output of every page it did not touch, and [`Store::swap`]s it in
//! with one pointer write. A request holds the snapshot it started with until it is answered, so
//! it sees either the old site or the new one, never half of each, and browsers are told to
//! reload only after the swap.
//!
//! Each page carries the number of the build that last changed it, written into the injected
//! script tag, so a browser that connects late (or to a restarted server) can ask whether the
//! page it shows is still current.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

/// URL prefix reserved for the preview's own files; no site page can live under it.
pub const RESERVED: &str = "/__gongkai/";
/// The live-reload script, loaded by every page the preview serves.
pub const SCRIPT_PATH: &str = "/__gongkai/livereload.js";
/// The shared worker that holds one event connection for all tabs.
pub const WORKER_PATH: &str = "/__gongkai/livereload-worker.js";
/// The server-sent events stream.
pub const EVENTS_PATH: &str = "/__gongkai/events";
/// Whether a page is current, and the errors of the last build, as JSON.
pub const STATUS_PATH: &str = "/__gongkai/status";

/// One rendered page.
#[derive(Debug, Clone)]
pub struct Output {
    /// The HTML as served, with the live-reload script tag.
    pub html: Arc<[u8]>,
    /// The build that last changed it.
    pub build: u64,
    /// Hash of the HTML as rendered (before the script tag), to tell a changed page.
    pub hash: u64,
}

impl Output {
    /// Wraps freshly rendered HTML, stamped with `build` of server `server`.
    pub fn new(html: &str, server: &str, build: u64) -> Output {
        Output {
            html: inject(html, server, build).into(),
            build,
            hash: hash(html),
        }
    }
}

/// The site as served at one moment.
#[derive(Debug, Clone)]
pub struct Snapshot {
    /// This server run, so that pages from an earlier run are known to be stale.
    pub server: Arc<str>,
    /// The build this snapshot is; 0 before the first successful build.
    pub build: u64,
    /// Rendered pages by URL path (`/reports/a/`, `/404.html`); shared keys make a copy of the
    /// map, patched by a rebuild, cheap.
    pub pages: Arc<HashMap<Arc<str>, Output>>,
    /// Files served as they are, by URL path (`/css/site.css`), to their source.
    pub files: Arc<HashMap<String, PathBuf>>,
}

/// What a URL path names in a snapshot.
#[derive(Debug)]
pub enum Lookup<'a> {
    /// A rendered page.
    Page(&'a Output),
    /// A file served from disk.
    File(&'a Path),
    /// A folder asked for without its trailing slash: redirect to it.
    AddSlash,
    /// Nothing.
    NotFound,
}

impl Snapshot {
    /// Nothing built yet.
    pub fn empty(server: Arc<str>) -> Snapshot {
        Snapshot {
            server,
            build: 0,
            pages: Arc::default(),
            files: Arc::default(),
        }
    }

    /// Finds what `path` (decoded and checked, see `http::safe_path`) names. Folders answer with
    /// their page; `/a/index.html` is the page `/a/`; `/a` is redirected to `/a/`.
    pub fn lookup(&self, path: &str) -> Lookup<'_> {
        if let Some(output) = self.pages.get(path) {
            return Lookup::Page(output);
        }
        if let Some(file) = self.files.get(path) {
            return Lookup::File(file);
        }
        if path.ends_with('/') {
            return match self.files.get(&format!("{path}index.html")) {
                Some(file) => Lookup::File(file),
                None => Lookup::NotFound,
            };
        }
        if let Some(folder) = path.strip_suffix("index.html")
            && folder.ends_with('/')
            && let Some(output) = self.pages.get(folder)
        {
            return Lookup::Page(output);
        }
        let folder = format!("{path}/");
        if self.pages.contains_key(folder.as_str())
            || self.files.contains_key(&format!("{folder}index.html"))
        {
            return Lookup::AddSlash;
        }
        Lookup::NotFound
    }

    /// The theme's 404 page, when it has one.
    pub fn not_found_page(&self) -> Option<&Output> {
        self.pages.get("/404.html")
    }

    /// Whether a page rendered by build `build` of server `server` and shown at `path` is out of
    /// date: it comes from another server run, or a later build changed or removed it.
    pub fn is_stale(&self, server: &str, build: u64, path: &str) -> bool {
        if server != &*self.server {
            return true;
        }
        let page = match self.lookup(path) {
            Lookup::Page(output) => Some(output),
            _ => None,
        };
        match page {
            Some(output) => output.build > build,
            None => self.build > build,
        }
    }
}

/// The live-reload tag for a page of build `build`: an external, deferred script, so it passes a
/// strict Content Security Policy (`script-src 'self'`) that forbids inline scripts.
pub fn script_tag(server: &str, build: u64) -> String {
    format!(
        "<script src=\"{SCRIPT_PATH}\" data-server=\"{server}\" data-build=\"{build}\" defer></script>"
    )
}

/// Adds the live-reload tag just before the last `</body>` (or at the end when there is none).
pub fn inject(html: &str, server: &str, build: u64) -> Vec<u8> {
    let tag = script_tag(server, build);
    let at = rfind_ascii_case_insensitive(html, "</body>").unwrap_or(html.len());
    let mut out = Vec::with_capacity(html.len() + tag.len() + 1);
    out.extend_from_slice(&html.as_bytes()[..at]);
    out.extend_from_slice(tag.as_bytes());
    out.push(b'\n');
    out.extend_from_slice(&html.as_bytes()[at..]);
    out
}

fn rfind_ascii_case_insensitive(haystack: &str, needle: &str) -> Option<usize> {
    let (hay, needle) = (haystack.as_bytes(), needle.as_bytes());
    (0..=hay.len().checked_sub(needle.len())?)
        .rev()
        .find(|&i| hay[i..i + needle.len()].eq_ignore_ascii_case(needle))
}

/// A hash of rendered HTML, to find the pages a rebuild really changed.
pub fn hash(html: &str) -> u64 {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    html.hash(&mut hasher);
    hasher.finish()
}

/// The current snapshot, shared by the HTTP workers and replaced by the rebuild loop.
#[derive(Debug)]
pub struct Store {
    current: RwLock<Arc<Snapshot>>,
}

impl Store {
    /// A store holding `snapshot`.
    pub fn new(snapshot: Arc<Snapshot>) -> Store {
        Store {
            current: RwLock::new(snapshot),
        }
    }

    /// The snapshot to answer one request from; the lock is held only to clone an `Arc`.
    pub fn get(&self) -> Arc<Snapshot> {
        self.current
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Makes `snapshot` the one served from now on.
    pub fn swap(&self, snapshot: Arc<Snapshot>) {
        *self.current.write().unwrap_or_else(|e| e.into_inner()) = snapshot;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snapshot() -> Snapshot {
        let server: Arc<str> = "s1".into();
        let mut pages = HashMap::new();
        pages.insert("/".into(), Output::new("<body>home</body>", &server, 1));
        pages.insert("/a/".into(), Output::new("<body>a</body>", &server, 3));
        pages.insert(
            "/404.html".into(),
            Output::new("<body>404</body>", &server, 1),
        );
        let mut files = HashMap::new();
        files.insert("/css/site.css".to_string(), PathBuf::from("/x/site.css"));
        files.insert(
            "/docs/index.html".to_string(),
            PathBuf::from("/x/docs.html"),
        );
        Snapshot {
            server,
            build: 3,
            pages: Arc::new(pages),
            files: Arc::new(files),
        }
    }

    #[test]
    fn lookup_serves_folders_pages_and_files() {
        let s = snapshot();
        assert!(matches!(s.lookup("/a/"), Lookup::Page(_)));
        assert!(matches!(s.lookup("/a/index.html"), Lookup::Page(_)));
        assert!(matches!(s.lookup("/a"), Lookup::AddSlash));
        assert!(matches!(s.lookup("/css/site.css"), Lookup::File(_)));
        assert!(matches!(s.lookup("/docs/"), Lookup::File(_)));
        assert!(matches!(s.lookup("/docs"), Lookup::AddSlash));
        assert!(matches!(s.lookup("/css/"), Lookup::NotFound));
        assert!(matches!(s.lookup("/nothing"), Lookup::NotFound));
    }

    #[test]
    fn staleness_follows_the_build_that_changed_the_page() {
        let s = snapshot();
        assert!(!s.is_stale("s1", 3, "/a/"));
        assert!(s.is_stale("s1", 2, "/a/"));
        assert!(!s.is_stale("s1", 1, "/"));
        assert!(s.is_stale("s0", 3, "/a/"), "a page of another server run");
        assert!(s.is_stale("s1", 2, "/gone/"), "a page removed since");
    }

    #[test]
    fn the_script_goes_before_the_last_body_end_tag() {
        let html = String::from_utf8(inject("<p>&lt;/body&gt;</p></BODY></html>", "s", 7)).unwrap();
        assert_eq!(
            html,
            "<p>&lt;/body&gt;</p><script src=\"/__gongkai/livereload.js\" data-server=\"s\" \
             data-build=\"7\" defer></script>\n</BODY></html>"
        );
        let bare = String::from_utf8(inject("text", "s", 1)).unwrap();
        assert!(bare.starts_with("text<script"));
    }
}
