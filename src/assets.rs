//! Content-hashed names for the theme's assets, so that a web server can let browsers keep them
//! for a year.
//!
//! A stylesheet or script whose name never changes has to be re-validated on every visit (or is
//! served stale after an update). So `gongkai build` also writes each of the theme's assets under
//! a name that carries a hash of its bytes (`css/base.css` → `css/base.3f2a9c1b0d.css`), and
//! `get_url(path="css/base.css")` answers with that name. A changed file gets a new name, so the
//! name can be cached `immutable` (see `deploy/nginx.conf`). The plain name is written too, so
//! a link written by hand, or a page a browser cached before, keeps working.
//!
//! Only the names the theme ships are hashed (a site's own `static/` may replace their bytes);
//! a site's photos and documents keep just their names. The preview server does not hash at all:
//! it reloads stylesheets in place and caches nothing.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

/// Hex digits of the hash in a name: 40 bits, so that two versions of one file colliding is
/// as good as impossible, yet the name stays short.
pub const HASH_HEX_DIGITS: usize = 10;

/// Asset path (as in `get_url`, `/`-separated, no leading `/`) → hashed path and the source.
#[derive(Debug, Default, Clone)]
pub struct Fingerprints {
    by_path: HashMap<String, (String, PathBuf)>,
}

impl Fingerprints {
    /// Hashes every file of `files` (output path → source, the static folders after the site
    /// replaced the theme's files) whose path the theme ships in `theme_static` and whose kind
    /// browsers cache.
    pub fn of(files: &BTreeMap<String, PathBuf>, theme_static: &Path) -> Fingerprints {
        let by_path = files
            .iter()
            .filter(|(path, _)| is_asset(path) && theme_static.join(path).is_file())
            .filter_map(|(path, source)| {
                let bytes = std::fs::read(source).ok()?;
                Some((path.clone(), (hashed_name(path, &bytes), source.clone())))
            })
            .collect();
        Fingerprints { by_path }
    }

    /// The hashed path for an asset path, if it has one.
    pub fn get(&self, path: &str) -> Option<&str> {
        self.by_path.get(path).map(|(hashed, _)| hashed.as_str())
    }

    /// Every hashed path with its source, for copying.
    pub fn files(&self) -> impl Iterator<Item = (&str, &Path)> {
        self.by_path
            .values()
            .map(|(hashed, source)| (hashed.as_str(), source.as_path()))
    }
}

/// Kinds of file a browser caches and a page refers to by URL.
fn is_asset(path: &str) -> bool {
    let extension = path.rsplit_once('.').map_or("", |(_, ext)| ext);
    matches!(
        extension.to_ascii_lowercase().as_str(),
        "css"
            | "js"
            | "mjs"
            | "svg"
            | "png"
            | "jpg"
            | "jpeg"
            | "gif"
            | "webp"
            | "avif"
            | "ico"
            | "woff"
            | "woff2"
    )
}

/// `css/base.css` with the bytes' hash before the extension: `css/base.3f2a9c1b0d.css`.
pub fn hashed_name(path: &str, bytes: &[u8]) -> String {
    let digest = blake3::hash(bytes).to_hex();
    let digest = digest.as_str();
    // The first run of digits that holds a letter: the web server tells a hashed name from a
    // date-like one (`photo.2024031501.jpg`) by that letter, so an all-digit run is skipped.
    let hash = (0..=digest.len() - HASH_HEX_DIGITS)
        .map(|start| &digest[start..start + HASH_HEX_DIGITS])
        .find(|run| run.bytes().any(|b| b.is_ascii_alphabetic()))
        .unwrap_or(&digest[..HASH_HEX_DIGITS]);
    let (folder, name) = path.rsplit_once('/').map_or(("", path), |(f, n)| (f, n));
    let name = match name.rsplit_once('.') {
        Some((stem, extension)) if !stem.is_empty() => format!("{stem}.{hash}.{extension}"),
        _ => format!("{name}.{hash}"),
    };
    match folder {
        "" => name,
        folder => format!("{folder}/{name}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hash_goes_before_the_extension_and_follows_the_bytes() {
        let a = hashed_name("css/base.css", b"body{}");
        assert!(a.starts_with("css/base.") && a.ends_with(".css"), "{a}");
        assert_eq!(a.len(), "css/base..css".len() + HASH_HEX_DIGITS);
        assert_eq!(a, hashed_name("css/base.css", b"body{}"));
        assert_ne!(a, hashed_name("css/base.css", b"body{ }"));
        assert!(hashed_name("favicon.ico", b"x").starts_with("favicon."));
        // Every hash holds a letter, so that deploy/nginx.conf caches it for a year.
        for n in 0..2000u32 {
            let name = hashed_name("a.css", &n.to_le_bytes());
            let hash = &name["a.".len()..name.len() - ".css".len()];
            assert!(hash.bytes().any(|b| b.is_ascii_alphabetic()), "{name}");
        }
    }

    #[test]
    fn only_the_themes_assets_are_hashed() {
        let theme = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(theme.path().join("css")).unwrap();
        std::fs::write(theme.path().join("css/base.css"), "body{}").unwrap();
        std::fs::write(theme.path().join("notes.txt"), "text").unwrap();
        let site = tempfile::tempdir().unwrap();
        std::fs::write(site.path().join("photo.png"), "png").unwrap();
        let files = BTreeMap::from([
            (
                "css/base.css".to_string(),
                theme.path().join("css/base.css"),
            ),
            ("notes.txt".to_string(), theme.path().join("notes.txt")),
            ("photo.png".to_string(), site.path().join("photo.png")),
        ]);
        let fingerprints = Fingerprints::of(&files, theme.path());
        assert!(fingerprints.get("css/base.css").is_some());
        assert_eq!(fingerprints.get("notes.txt"), None);
        assert_eq!(fingerprints.get("photo.png"), None);
    }
}
