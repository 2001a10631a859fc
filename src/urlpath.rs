//! URL paths and the output files they become: the one place that decides which file a URL is
//! written to, which paths a content author may ask for, and which outputs collide.
//!
//! Front matter (`path`, `aliases`) is written by many hands, so a path from it is a claim on
//! the web server's folder. [`check_authored`] accepts only paths that stay inside the output
//! and mean the same to every browser and server; [`output_file`] maps a URL path to its file;
//! [`confined`] refuses, as a last line of defence, any file that is not plainly below the
//! output folder; and [`Claims`] compares output *files* (not URL strings), so that
//! `/index.html` and `/`, or a file and a folder of the same name, are seen to collide.

use std::collections::HashMap;
use std::io;
use std::path::{Component, Path, PathBuf};

/// The file, relative to the output root with `/` separators, that URL path `path` is written
/// to: `/reports/a/` → `reports/a/index.html`; `/old/art_1.html` → `old/art_1.html`.
pub fn output_file(base_path: &str, path: &str) -> String {
    let relative = path
        .strip_prefix(base_path)
        .unwrap_or(path.trim_start_matches('/'));
    if relative.is_empty() || relative.ends_with('/') {
        format!("{relative}index.html")
    } else {
        relative.to_string()
    }
}

/// The URL path that `file` (from [`output_file`]) answers: `a/index.html` → `/a/`.
pub fn url_of(base_path: &str, file: &str) -> String {
    match file.strip_suffix("index.html") {
        Some(folder) if folder.is_empty() || folder.ends_with('/') => {
            format!("{base_path}{folder}")
        }
        _ => format!("{base_path}{file}"),
    }
}

/// Longest path segment: the file-name limit of ext4, NTFS and most others.
pub const MAX_SEGMENT_BYTES: usize = 255;

/// Why a path written in front matter cannot be used, in words for the error message. The
/// rules keep a path inside the output and make it mean one thing to every browser, web server
/// and file system the site may be copied to (Windows and macOS included).
pub fn check_authored(value: &str) -> Result<(), String> {
    if let Some(c) = value.chars().find(|&c| crate::diagnostics::is_deceptive(c)) {
        return Err(format!(
            "it contains the invisible or control character U+{:04X}",
            u32::from(c)
        ));
    }
    if value.contains('\\') {
        return Err(
            "it contains a backslash, which browsers read as `/` (`/\\host` is another site)"
                .into(),
        );
    }
    if let Some(c) = value.chars().find(|c| matches!(c, '?' | '#')) {
        return Err(format!(
            "it contains `{c}`, which ends the path part of a URL"
        ));
    }
    if value.contains('%') {
        return Err("it contains `%`; write the characters themselves, not %-escapes".into());
    }
    if let Some(c) = value
        .chars()
        .find(|c| matches!(c, ':' | '<' | '>' | '"' | '|' | '*'))
    {
        return Err(format!(
            "it contains `{c}`, which is not allowed in file names on Windows"
        ));
    }
    let inner = value.strip_prefix('/').unwrap_or(value);
    let inner = inner.strip_suffix('/').unwrap_or(inner);
    if inner.is_empty() {
        return Ok(());
    }
    for segment in inner.split('/') {
        match segment {
            "" => return Err("it has an empty segment (`//`)".into()),
            "." | ".." => return Err(format!("it has a `{segment}` segment")),
            _ if segment.starts_with('.') => {
                return Err(format!(
                    "the segment `{segment}` starts with a dot (hidden files are not served)"
                ));
            }
            _ if segment.ends_with(['.', ' ']) || segment.starts_with(' ') => {
                return Err(format!(
                    "the segment `{segment}` starts or ends with a space or ends with a dot, which Windows drops"
                ));
            }
            _ if segment.len() > MAX_SEGMENT_BYTES => {
                return Err(format!(
                    "a segment is {} bytes long, over the {MAX_SEGMENT_BYTES}-byte limit of file names",
                    segment.len()
                ));
            }
            _ if is_device_name(segment) => {
                return Err(format!(
                    "`{segment}` is a device name on Windows (CON, NUL, COM1, …)"
                ));
            }
            _ => {}
        }
    }
    Ok(())
}

/// Windows' reserved names, with or without an extension (`nul.txt` too).
fn is_device_name(segment: &str) -> bool {
    let stem = segment
        .split('.')
        .next()
        .unwrap_or(segment)
        .to_ascii_uppercase();
    matches!(stem.as_str(), "CON" | "PRN" | "AUX" | "NUL")
        || ((stem.starts_with("COM") || stem.starts_with("LPT"))
            && stem.len() == 4
            && stem.as_bytes()[3].is_ascii_digit())
}

/// The name as a case-insensitive, normalizing file system sees it.
fn fold(file: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    file.nfc()
        .collect::<String>()
        .to_lowercase()
        .replace('ς', "σ")
}

/// `out_dir/file`, refused unless `file` is a plain relative path (no `..`, no root, no drive),
/// so that no path, however it was made, can write outside the output.
pub fn confined(out_dir: &Path, file: &str) -> io::Result<PathBuf> {
    let relative = Path::new(file);
    let plain = !file.is_empty()
        && !file.contains('\\')
        && relative
            .components()
            .all(|c| matches!(c, Component::Normal(_)));
    if plain {
        Ok(out_dir.join(relative))
    } else {
        Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "`{}` is not a path inside the output folder",
                file.escape_debug()
            ),
        ))
    }
}

/// Two claims on the output that cannot both be written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clash<O> {
    /// The file the later claim writes.
    pub file: String,
    /// Who wants it.
    pub owner: O,
    /// The file of the other claim: the same file (perhaps spelled differently), or one inside
    /// a folder named `file`.
    pub other_file: String,
    /// Who else wants it.
    pub other: O,
    /// Whether both claim one file (rather than one needing the other as a folder).
    pub same_file: bool,
}

impl Clash<PathBuf> {
    /// The error for this clash, at the later claim's source and naming the other.
    pub fn diagnostic(self, base_path: &str) -> crate::diagnostics::Diagnostic {
        use crate::diagnostics::{Diagnostic, Location, Problem};
        let problem = if self.same_file {
            Problem::DuplicateUrl {
                url: url_of(base_path, &self.file),
                other: self.other,
            }
        } else {
            Problem::FileFolderClash {
                file: self.file,
                other: self.other,
                inside: self.other_file,
            }
        };
        Diagnostic::error(Location::file(self.owner), problem)
    }
}

/// Output files and who writes each, to find every pair that collides. Names are compared the
/// way the Windows and macOS disks a site may be copied to compare them: without regard to
/// case (`Reports/a.html` is `reports/a.html`, `ς` is `σ`) or Unicode normalization (`é` as one
/// character or as `e` and an accent).
#[derive(Debug)]
pub struct Claims<O> {
    /// Lower-cased file → (file as written, owner).
    files: HashMap<String, (String, O)>,
    clashes: Vec<Clash<O>>,
}

impl<O> Default for Claims<O> {
    fn default() -> Self {
        Claims {
            files: HashMap::new(),
            clashes: Vec::new(),
        }
    }
}

impl<O: Clone + PartialEq> Claims<O> {
    /// Records that `owner` writes `file`; a second owner of the same file is a clash (the
    /// same owner twice is not: a pager and its section come from one file).
    pub fn claim(&mut self, file: String, owner: O) {
        let key = fold(&file);
        match self.files.get(&key) {
            Some((other_file, other)) if *other != owner => self.clashes.push(Clash {
                other_file: other_file.clone(),
                file,
                owner,
                other: other.clone(),
                same_file: true,
            }),
            Some(_) => {}
            None => {
                self.files.insert(key, (file, owner));
            }
        }
    }

    /// Every clash: files claimed twice, and files whose name another claim needs as a folder
    /// (`404.html` beside `404.html/index.html`), which would fail half-way through writing.
    pub fn clashes(mut self) -> Vec<Clash<O>> {
        let mut folders = Vec::new();
        for (key, (file, owner)) in &self.files {
            for (end, _) in key.match_indices('/') {
                if let Some((folder_file, other)) = self.files.get(&key[..end]) {
                    folders.push(Clash {
                        file: folder_file.clone(),
                        owner: other.clone(),
                        other_file: file.clone(),
                        other: owner.clone(),
                        same_file: false,
                    });
                }
            }
        }
        self.clashes.extend(folders);
        self.clashes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authored_paths_stay_inside_and_mean_one_thing() {
        for good in [
            "/",
            "xxgk/2023/",
            "/old/art_1105.html",
            "/信息公开/年报/",
            "a-b_c.d/e",
            "/news/2024 年/",
        ] {
            assert_eq!(check_authored(good), Ok(()), "{good}");
        }
        for bad in [
            "../../../../srv/x",
            "a/../../b",
            "./a",
            "\\evil.example/x",
            "a\\b",
            "a//b",
            "//evil.example/x",
            "C:/Windows/x",
            "a\u{1b}[2Jb",
            "a\u{202e}lmth.exe",
            "a\u{200b}b",
            "a\nb",
            "100%/a",
            "CON/x",
            "a/nul.txt",
            "a./b",
            "a /b",
            "C:x",
            "a:b",
            "a\0b",
            "a\rb",
            "/.git/config",
            "a?b=c",
            "a#b",
            "/%2e%2e/x",
        ] {
            assert!(check_authored(bad).is_err(), "{bad:?} must be refused");
        }
    }

    #[test]
    fn only_plain_relative_files_are_confined() {
        let out = Path::new("/out");
        assert_eq!(
            confined(out, "a/b/index.html").unwrap(),
            Path::new("/out/a/b/index.html")
        );
        for bad in ["../x", "/etc/passwd", "a/../../x", "", "a\\..\\x", "./a"] {
            assert!(confined(out, bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn files_and_folders_of_one_name_clash() {
        let mut claims = Claims::default();
        claims.claim("index.html".to_string(), "home");
        claims.claim("index.html".to_string(), "alias");
        claims.claim("404.html".to_string(), "not found");
        claims.claim("404.html/index.html".to_string(), "page");
        claims.claim("a/index.html".to_string(), "a");
        claims.claim("a/index.html".to_string(), "a");
        claims.claim("Reports/x.html".to_string(), "upper");
        claims.claim("reports/x.html".to_string(), "lower");
        claims.claim("caf\u{e9}/index.html".to_string(), "nfc");
        claims.claim("cafe\u{301}/index.html".to_string(), "nfd");
        let mut clashes = claims.clashes();
        clashes.sort_by(|x, y| x.file.cmp(&y.file));
        assert_eq!(clashes.len(), 4, "{clashes:?}");
        let pair = |owner: &str| {
            let clash = clashes.iter().find(|c| c.owner == owner).unwrap();
            (clash.other, clash.same_file)
        };
        assert_eq!(pair("alias"), ("home", true));
        assert_eq!(pair("not found"), ("page", false));
        assert_eq!(pair("nfd"), ("nfc", true));
        assert_eq!(pair("lower"), ("upper", true));
        let folder = clashes.iter().find(|c| !c.same_file).unwrap();
        assert_eq!(folder.file, "404.html");
        assert_eq!(folder.other_file, "404.html/index.html");
    }

    #[test]
    fn urls_map_to_files_under_the_base_path() {
        assert_eq!(output_file("/", "/"), "index.html");
        assert_eq!(output_file("/", "/a/b/"), "a/b/index.html");
        assert_eq!(output_file("/sub/", "/sub/x.html"), "x.html");
    }
}
