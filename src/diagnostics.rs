//! Build diagnostics: every problem gongkai finds in a site, with where it is and what to do.
//!
//! A build never stops at the first problem. Each stage collects [`Diagnostic`]s and the build
//! reports all of them at once, sorted by file and line, so a webmaster fixes a whole batch per
//! run. The kind of each problem is a typed enum ([`Problem`]); the message and the hint are
//! worded in exactly one place ([`Problem::message`], [`Problem::hint`]), like rustc's errors.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::output::{OUTPUT_MARKER, Refusal};

/// Where a problem is: a file and, when known, a 1-based line and column (in characters).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Location {
    /// Path as shown to the user (relative to the site root where possible).
    pub file: PathBuf,
    /// 1-based line, 0 when the problem concerns the whole file.
    pub line: usize,
    /// 1-based column in characters, 0 when unknown.
    pub column: usize,
    /// The offending source line, for the snippet under the message.
    pub source_line: Option<String>,
}

impl Location {
    /// A problem with a whole file (unreadable, not UTF-8, a clash of URLs).
    pub fn file(file: impl Into<PathBuf>) -> Self {
        Location {
            file: file.into(),
            line: 0,
            column: 0,
            source_line: None,
        }
    }

    /// A position inside `text`, the full contents of `file`; the snippet is taken from it.
    pub fn in_text(file: impl Into<PathBuf>, text: &str, line: usize, column: usize) -> Self {
        let source_line = line
            .checked_sub(1)
            .and_then(|index| text.lines().nth(index))
            .map(|l| l.trim_end_matches('\r').to_string());
        Location {
            file: file.into(),
            line,
            column,
            source_line,
        }
    }

    /// A position from a byte offset inside `text`.
    pub fn at_offset(file: impl Into<PathBuf>, text: &str, offset: usize) -> Self {
        let (line, column) = line_column(text, offset);
        Self::in_text(file, text, line, column)
    }
}

/// 1-based line and character column of byte `offset` in `text` (clamped to the text).
pub fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = text[line_start..offset].chars().count() + 1;
    (line, column)
}

/// How bad a problem is: errors fail the build, warnings are printed and the build goes on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// Fails the build; the last good output stays untouched.
    Error,
    /// Printed, but the site is still written.
    Warning,
}

impl Severity {
    /// How it is labelled in the terminal and in the browser overlay.
    pub fn label(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// Everything that can be wrong with a site, each variant carrying what the message needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// A file or folder could not be read or written.
    Io {
        action: &'static str,
        detail: String,
    },
    /// A content or config file is not valid UTF-8.
    NotUtf8 { valid_up_to: usize },
    /// A content file exceeds the size gongkai is willing to read as Markdown.
    TooLarge { bytes: u64, limit: u64 },
    /// A content file changed between loading and rendering: its page would not match the links
    /// and anchors checked against it.
    ChangedDuringBuild,
    /// A symbolic link loops back on itself.
    SymlinkLoop,
    /// A symbolic link points outside the site root, into a hidden folder (`.git`, `.env`) or
    /// into a build output; it is not followed, so nothing of that (`/etc/passwd`, a CI's
    /// token) is ever read or published.
    SymlinkOutsideSite { target: PathBuf },
    /// The output folder given cannot be replaced safely.
    OutputRefused { refusal: crate::output::Refusal },
    /// Files of the output could not be written (disk full, read-only, …): said once, with how
    /// many files it hit, not once per file.
    WriteOutput {
        file: String,
        detail: String,
        others: usize,
        cause: WriteCause,
    },
    /// A Markdown file inside a page bundle, which is neither a page nor published.
    MarkdownInBundle { bundle: String },
    /// Something gongkai made beside the output could not be deleted.
    LeftoverNotRemoved { what: &'static str, detail: String },
    /// One output file would have to be a folder for another (`404.html` and
    /// `404.html/index.html`).
    FileFolderClash {
        file: String,
        other: PathBuf,
        inside: String,
    },
    /// A `.md` file is empty, so it has no title.
    EmptyFile,
    /// Front matter opened with `+++` or `---` but never closed.
    UnclosedFrontMatter { delimiter: &'static str },
    /// A Markdown file lacks front matter altogether.
    MissingFrontMatter,
    /// The TOML or YAML of front matter or `site.toml` does not parse.
    Syntax {
        format: &'static str,
        detail: String,
    },
    /// A key the file may not have.
    UnknownField {
        field: String,
        suggestion: Option<String>,
        allowed: Vec<String>,
    },
    /// A key is missing that must be there.
    MissingField {
        field: String,
        example: &'static str,
    },
    /// A key has a value of the wrong type or out of range.
    InvalidValue {
        field: String,
        detail: String,
        expected: String,
    },
    /// A date that none of the accepted forms match.
    InvalidDate { field: String, value: String },
    /// `site.toml` names a timezone that does not exist.
    UnknownTimezone { name: String },
    /// `theme = "x"` but `themes/x/` does not exist.
    MissingTheme { name: String, searched: PathBuf },
    /// Two sources claim the same output URL.
    DuplicateUrl { url: String, other: PathBuf },
    /// `@/path.md` names no page or section.
    BrokenInternalLink {
        target: String,
        suggestion: Option<String>,
    },
    /// `@/path.md` names a draft or scheduled page, which this build leaves out.
    LinkToUnpublished {
        target: String,
        reason: &'static str,
    },
    /// `@/path.md#anchor` names a page that exists, but not the heading.
    MissingAnchor {
        target: String,
        anchor: String,
        available: Vec<String>,
    },
    /// The same heading id is given twice explicitly on one page.
    DuplicateHeadingId { id: String },
    /// A template does not parse or fails to render.
    Template {
        detail: String,
        while_rendering: Option<String>,
    },
    /// A template is needed but neither the site nor the theme has it.
    MissingTemplate { name: String, needed_by: String },
    /// A file the front matter refers to is missing from the page bundle.
    MissingAsset { field: &'static str, name: String },
    /// A video page has no captions file.
    VideoWithoutCaptions,
    // Issue 7, limits: inputs that would take unbounded time or memory.
    /// YAML lists or tables nested deeper than gongkai reads.
    TooDeeplyNested { limit: usize },
    /// Raw HTML in Markdown nests deeper than the sanitizer handles in reasonable time.
    HtmlTooDeep { limit: usize },
    /// A YAML key given twice in one table.
    DuplicateKey { key: String },
    /// A front-matter or config string holds a control character (NUL, ESC…).
    ControlCharacter { field: String, code: u32 },
    /// A template ran past one of the limits that keep every render finite.
    TemplateLimit {
        limit: TemplateLimit,
        while_rendering: Option<String>,
    },
}

impl Problem {
    /// The one-sentence message: what is wrong.
    pub fn message(&self) -> String {
        match self {
            Problem::Io { action, detail } => format!("could not {action}: {detail}"),
            Problem::NotUtf8 { valid_up_to } => {
                format!("this file is not valid UTF-8 (first bad byte at offset {valid_up_to})")
            }
            Problem::TooLarge { bytes, limit } => format!(
                "this file is {} MB, over the {} MB limit for a Markdown page",
                bytes / 1_000_000,
                limit / 1_000_000
            ),
            Problem::ChangedDuringBuild => {
                "this file changed while the site was being built".to_string()
            }
            Problem::SymlinkLoop => "this symbolic link loops back on itself".to_string(),
            Problem::SymlinkOutsideSite { target } => format!(
                "this symbolic link points outside the site's sources ({}: outside the site root, into a hidden folder such as .git, or into a build output), so it is not followed",
                target.display()
            ),
            Problem::OutputRefused { refusal } => match refusal {
                Refusal::HoldsTheSite { root } => format!(
                    "refusing to build into this folder: it holds the site itself ({}), which the build would delete",
                    root.display()
                ),
                Refusal::InsideSources { sources } => format!(
                    "refusing to build into this folder: it lies inside {}, so the next build would publish it again",
                    sources.display()
                ),
                Refusal::NotABuild { entries } => format!(
                    "refusing to replace this folder: it holds {entries} {} and no `{OUTPUT_MARKER}` file, so it is not an earlier gongkai build",
                    if *entries == 1 { "entry" } else { "entries" }
                ),
                Refusal::NotAFolder => "the output exists and is not a folder".to_string(),
                Refusal::LeadsOutOfTheSite { target } => format!(
                    "refusing to build into this folder: a symbolic link takes it out of the site, to {}, which no gongkai build has marked",
                    target.display()
                ),
            },
            Problem::WriteOutput {
                file,
                detail,
                others: 0,
                ..
            } => format!("could not write {file} in the output: {detail}"),
            Problem::WriteOutput {
                file,
                detail,
                others,
                ..
            } => format!(
                "could not write {file} in the output: {detail} ({others} more files failed too)"
            ),
            Problem::MarkdownInBundle { bundle } => format!(
                "this Markdown file is inside the page bundle {bundle}, so it is neither a page nor published"
            ),
            Problem::LeftoverNotRemoved { what, detail } => {
                format!("{what} is left here and could not be removed: {detail}")
            }
            Problem::FileFolderClash {
                file,
                other,
                inside,
            } => format!(
                "this writes the file {file}, but {} writes {inside}, which needs a folder of that name",
                other.display()
            ),
            Problem::EmptyFile => "this file is empty, so the page has no title".to_string(),
            Problem::UnclosedFrontMatter { delimiter } => {
                format!("front matter opened with `{delimiter}` is never closed")
            }
            Problem::MissingFrontMatter => {
                "this file has no front matter, so the page has no title".to_string()
            }
            Problem::Syntax { format, detail } => format!("invalid {format}: {detail}"),
            Problem::UnknownField { field, .. } => format!("unknown field `{field}`"),
            Problem::MissingField { field, .. } => format!("missing required field `{field}`"),
            Problem::InvalidValue { field, detail, expected } => {
                format!("invalid value for `{field}`: {detail}; expected {expected}")
            }
            Problem::InvalidDate { field, value } => {
                format!("`{field}` = \"{value}\" is not a date gongkai understands")
            }
            Problem::UnknownTimezone { name } => format!("unknown timezone `{name}`"),
            Problem::MissingTheme { name, searched } => {
                format!("theme `{name}` not found (looked in {})", searched.display())
            }
            Problem::DuplicateUrl { url, other } => {
                format!("the URL {url} is also produced by {}", other.display())
            }
            Problem::BrokenInternalLink { target, .. } => {
                format!("internal link `@/{target}` points to no page or section")
            }
            Problem::LinkToUnpublished { target, reason } => {
                format!("internal link `@/{target}` points to a page that is {reason}")
            }
            Problem::MissingAnchor { target, anchor, .. } => {
                format!("`@/{target}` has no heading with the anchor `#{anchor}`")
            }
            Problem::DuplicateHeadingId { id } => {
                format!("the heading id `{id}` is given to two headings on this page")
            }
            Problem::Template { detail, while_rendering } => match while_rendering {
                Some(page) => format!("template error while rendering {page}: {detail}"),
                None => format!("template error: {detail}"),
            },
            Problem::MissingTemplate { name, needed_by } => {
                format!("template `{name}` (needed by {needed_by}) exists neither in templates/ nor in the theme")
            }
            Problem::MissingAsset { field, name } => {
                format!("`{field}` names `{name}`, which is not in this page's folder")
            }
            Problem::VideoWithoutCaptions => {
                "this video has no captions file, so deaf and hard-of-hearing visitors cannot follow it".to_string()
            }
            Problem::HtmlTooDeep { limit } => format!(
                "the raw HTML of this page nests more than {limit} elements deep, so it is shown as text"
            ),
            Problem::TooDeeplyNested { limit } => {
                format!("lists and tables nest more than {limit} deep here")
            }
            Problem::DuplicateKey { key } => format!("the key `{key}` is given twice"),
            Problem::ControlCharacter { field, code } => format!(
                "`{field}` holds the control character U+{code:04X} ({})",
                control_name(*code)
            ),
            Problem::TemplateLimit {
                limit,
                while_rendering,
            } => {
                let what = match limit {
                    TemplateLimit::Fuel(fuel) => {
                        format!("the template did more than {fuel} steps of work")
                    }
                    TemplateLimit::Output(bytes) => format!(
                        "the output grew past {} MB",
                        bytes / 1_000_000
                    ),
                    TemplateLimit::TotalFuel(fuel) => format!(
                        "the templates of this build did more than {fuel} steps of work in all"
                    ),
                };
                match while_rendering {
                    Some(page) => format!("template error while rendering {page}: {what}"),
                    None => format!("template error: {what}"),
                }
            }
        }
    }

    /// One sentence on what to do next, when there is something useful to say.
    pub fn hint(&self) -> Option<String> {
        match self {
            Problem::NotUtf8 { .. } => {
                Some("save the file as UTF-8 (in most editors: Save As → Encoding → UTF-8)".into())
            }
            Problem::ChangedDuringBuild => {
                Some("build again once the file is saved; nothing was published".into())
            }
            Problem::TooLarge { .. } => Some(
                "split the text into several pages, or attach it as a file in a page bundle".into(),
            ),
            Problem::EmptyFile | Problem::MissingFrontMatter => Some(
                "start the file with front matter: a line `+++`, then `title = \"…\"`, then `+++`"
                    .into(),
            ),
            Problem::UnclosedFrontMatter { delimiter } => Some(format!(
                "add a line holding only `{delimiter}` after the last front-matter field"
            )),
            Problem::UnknownField {
                suggestion: Some(s),
                ..
            } => Some(format!("did you mean `{s}`?")),
            Problem::UnknownField { allowed, .. } if !allowed.is_empty() => Some(format!(
                "allowed fields are {}; put your own data under [extra]",
                allowed
                    .iter()
                    .map(|f| format!("`{f}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
            Problem::MissingField { field, example } => Some(format!("add `{field} = {example}`")),
            Problem::InvalidDate { .. } => Some(
                "write dates as 2024-03-28, 2024-03-28 15:46 or 2024-03-28T15:46:00+08:00".into(),
            ),
            Problem::UnknownTimezone { .. } => {
                Some("use an IANA zone name such as `Asia/Shanghai`".into())
            }
            Problem::MissingTheme { name, .. } => Some(format!(
                "create themes/{name}/templates/, or remove `theme` from site.toml"
            )),
            Problem::SymlinkOutsideSite { .. } => Some(
                "copy the file into the site, or point the link at a file inside the site root"
                    .into(),
            ),
            Problem::OutputRefused {
                refusal: Refusal::LeadsOutOfTheSite { .. },
            } => Some(
                "if the link is yours (public -> the web server's folder), build once with --force; the build then marks the folder as its own".into(),
            ),
            Problem::OutputRefused { refusal } if refusal.forceable() => Some(
                "choose an empty or new folder with --output, or, if it really is an earlier gongkai build, add --force".into(),
            ),
            Problem::OutputRefused { .. } => {
                Some("choose a folder outside the site's sources, such as public/".into())
            }
            Problem::WriteOutput { cause, .. } => Some(match cause {
                WriteCause::Space => "free some disk space, then build again; the last good output is unchanged",
                WriteCause::Permission => "let the user running gongkai write the output's folder, then build again",
                WriteCause::Name => "shorten or rename the page's `slug`, `path` or file name",
                WriteCause::Other => "fix the cause above, then build again; the last good output is unchanged",
            }.into()),
            Problem::MarkdownInBundle { .. } => Some(
                "move it out of the bundle folder, or turn the folder into a section by renaming index.md to _index.md".into(),
            ),
            Problem::LeftoverNotRemoved { .. } => Some(
                "remove it by hand (it may hold a read-only or immutable file: see lsattr and chattr -i)".into(),
            ),
            Problem::FileFolderClash { .. } => Some(
                "give one of them a different `slug`, `path` or alias".into(),
            ),
            Problem::DuplicateUrl { .. } => Some(
                "rename one of the files or give one of them a different `slug` or `path`".into(),
            ),
            Problem::BrokenInternalLink {
                suggestion: Some(s),
                ..
            } => Some(format!("did you mean `@/{s}`?")),
            Problem::BrokenInternalLink { .. } => {
                Some("internal links name a file under content/, e.g. `@/reports/2023.md`".into())
            }
            Problem::MissingAnchor { available, .. } if !available.is_empty() => Some(format!(
                "anchors on that page: {}",
                available
                    .iter()
                    .take(8)
                    .map(|a| format!("#{a}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
            Problem::MissingAnchor { .. } => Some("that page has no headings".into()),
            Problem::DuplicateHeadingId { .. } => Some("give each heading its own `{#id}`".into()),
            Problem::MissingTemplate { name, .. } => Some(format!(
                "create templates/{name}, or set `theme` in site.toml"
            )),
            Problem::MissingAsset { .. } => Some(
                "turn the page into a bundle (name/index.md) and put the file beside index.md"
                    .into(),
            ),
            Problem::VideoWithoutCaptions => {
                Some("add a WebVTT file beside the video and name it in `[video] captions`".into())
            }
            Problem::HtmlTooDeep { .. } => Some(
                "close the elements you open, or write the content in Markdown".into(),
            ),
            Problem::TooDeeplyNested { .. } => Some(
                "front matter this deep is a mistake or an attack; flatten it, or keep the data in a file of the page bundle".into(),
            ),
            Problem::DuplicateKey { .. } => Some(
                "keep one of the two: YAML, like TOML, does not allow a key twice, and the first would be lost silently".into(),
            ),
            Problem::ControlCharacter { .. } => Some(
                "delete it (often pasted in from a word processor or a terminal); write a tab or line break as such, not as an escape".into(),
            ),
            Problem::TemplateLimit { .. } => Some(
                "look for a loop or a recursive macro that runs far longer than meant (see \"Limits\" in docs/CONTENT.md)".into(),
            ),
            _ => None,
        }
    }
}

/// Why output files could not be written, for the hint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteCause {
    /// The disk or the quota is full.
    Space,
    /// Permissions, or a read-only file system.
    Permission,
    /// A name the file system does not take (too long, invalid).
    Name,
    /// Anything else.
    Other,
}

impl WriteCause {
    /// The cause behind an I/O error.
    pub fn of(kind: std::io::ErrorKind) -> WriteCause {
        use std::io::ErrorKind as K;
        match kind {
            K::StorageFull | K::QuotaExceeded | K::FileTooLarge => WriteCause::Space,
            K::PermissionDenied | K::ReadOnlyFilesystem => WriteCause::Permission,
            K::InvalidFilename | K::InvalidInput => WriteCause::Name,
            _ => WriteCause::Other,
        }
    }
}

/// One problem at one place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Whether it fails the build.
    pub severity: Severity,
    /// Where it is.
    pub location: Location,
    /// What it is (boxed: diagnostics travel in `Result`s and should stay small).
    pub problem: Box<Problem>,
}

impl Diagnostic {
    /// A problem that fails the build.
    pub fn error(location: Location, problem: Problem) -> Self {
        Diagnostic {
            severity: Severity::Error,
            location,
            problem: Box::new(problem),
        }
    }

    /// A problem worth telling, that does not fail the build.
    pub fn warning(location: Location, problem: Problem) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            location,
            problem: Box::new(problem),
        }
    }

    /// Whether this diagnostic fails the build.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    /// rustc-style: `error: message`, ` --> file:line:col`, the line with a caret, then the hint.
    /// Everything that came from the site (file names, source lines, values quoted in messages)
    /// is shown with control characters escaped, so a file cannot clear the terminal or fake a
    /// line of a CI log.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let message = self.problem.message();
        writeln!(f, "{}: {}", self.severity.label(), printable(&message))?;
        let loc = &self.location;
        let file = printable(&loc.file.to_string_lossy()).into_owned();
        match (loc.line, loc.column) {
            (0, _) => writeln!(f, "  --> {file}")?,
            (line, 0) => writeln!(f, "  --> {file}:{line}")?,
            (line, column) => writeln!(f, "  --> {file}:{line}:{column}")?,
        }
        if let Some(source) = &loc.source_line {
            let gutter = loc.line.to_string();
            let pad = " ".repeat(gutter.len());
            writeln!(f, "{pad} |")?;
            writeln!(f, "{gutter} | {}", printable_line(source))?;
            if loc.column > 0 {
                // Wide (CJK) characters take two terminal cells; keep the caret under its target.
                let width: usize = source.chars().take(loc.column - 1).map(display_width).sum();
                writeln!(f, "{pad} | {}^", " ".repeat(width))?;
            }
        }
        if let Some(hint) = self.problem.hint() {
            writeln!(f, "  = hint: {}", printable(&hint))?;
        }
        Ok(())
    }
}

/// `text` with every character escaped (`\u{1b}`) that could make a terminal or a log show
/// something else than the text: control characters (line breaks included, so a file name
/// cannot fake a line of its own), and the invisible formatting characters that reorder or hide
/// text (bidirectional overrides, zero-width characters, line and paragraph separators).
pub fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    if text.chars().any(is_deceptive) {
        text.chars()
            .map(|c| match is_deceptive(c) {
                true => c.escape_unicode().to_string(),
                false => c.to_string(),
            })
            .collect::<String>()
            .into()
    } else {
        text.into()
    }
}

/// Control characters and the invisible format characters a terminal would act on.
pub fn is_deceptive(c: char) -> bool {
    c.is_control()
        || matches!(c,
            '\u{00AD}' | '\u{061C}' | '\u{180E}' | '\u{200B}'..='\u{200F}' | '\u{2028}'..='\u{202E}'
            | '\u{2060}'..='\u{2069}' | '\u{FEFF}' | '\u{FFF9}'..='\u{FFFB}')
}

/// A source line for the snippet: like [`printable`], but tabs are kept.
fn printable_line(line: &str) -> String {
    line.chars()
        .map(|c| match c {
            '\t' => "\t".to_string(),
            c if is_deceptive(c) => c.escape_unicode().to_string(),
            c => c.to_string(),
        })
        .collect()
}

/// Terminal cells a character takes: two for East Asian wide characters, one otherwise, and
/// the length of its escape for a control character.
fn display_width(c: char) -> usize {
    let wide = matches!(c as u32,
        0x1100..=0x115F | 0x2E80..=0x303E | 0x3041..=0x33FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF
        | 0xA000..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF | 0xFE30..=0xFE4F | 0xFF00..=0xFF60
        | 0xFFE0..=0xFFE6 | 0x20000..=0x3FFFD);
    if c == '\t' {
        4
    } else if is_deceptive(c) {
        c.escape_unicode().count()
    } else if wide {
        2
    } else {
        1
    }
}

/// All the diagnostics of one build, in a stable order.
#[derive(Debug, Default, Clone)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
}

impl Diagnostics {
    /// An empty collection.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one.
    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.items.push(diagnostic);
    }

    /// Adds many.
    pub fn extend(&mut self, other: impl IntoIterator<Item = Diagnostic>) {
        self.items.extend(other);
    }

    /// Whether any of them fails the build.
    pub fn has_errors(&self) -> bool {
        self.items.iter().any(Diagnostic::is_error)
    }

    /// Number of errors.
    pub fn error_count(&self) -> usize {
        self.items.iter().filter(|d| d.is_error()).count()
    }

    /// Sorted by file, line, column, then errors before warnings: the order users read them in.
    pub fn sorted(mut self) -> Vec<Diagnostic> {
        self.items.sort_by(|a, b| {
            (
                &a.location.file,
                a.location.line,
                a.location.column,
                a.severity,
            )
                .cmp(&(
                    &b.location.file,
                    b.location.line,
                    b.location.column,
                    b.severity,
                ))
                .then_with(|| a.problem.message().cmp(&b.problem.message()))
        });
        self.items.dedup();
        self.items
    }
}

impl IntoIterator for Diagnostics {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.into_iter()
    }
}

/// Shows `path` relative to `root` when it lies inside it, so messages stay short.
pub fn display_path(root: &Path, path: &Path) -> PathBuf {
    path.strip_prefix(root)
        .map(Path::to_path_buf)
        .unwrap_or_else(|_| path.to_path_buf())
}

/// Which render limit a template hit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TemplateLimit {
    /// Steps of work (minijinja's fuel), for loops that run on and on.
    Fuel(u64),
    /// Bytes of output of one page.
    Output(usize),
    /// Steps of work of the whole build: each page may stay under its own limit, yet a template
    /// that spends it all on every page would take minutes for a few hundred pages.
    TotalFuel(u64),
}

/// The name of a C0 control character or DEL, as people look it up.
fn control_name(code: u32) -> &'static str {
    const C0: [&str; 32] = [
        "NUL", "SOH", "STX", "ETX", "EOT", "ENQ", "ACK", "BEL", "BS", "HT", "LF", "VT", "FF", "CR",
        "SO", "SI", "DLE", "DC1", "DC2", "DC3", "DC4", "NAK", "SYN", "ETB", "CAN", "EM", "SUB",
        "ESC", "FS", "GS", "RS", "US",
    ];
    match code {
        0x7f => "DEL",
        _ => C0
            .get(code as usize)
            .copied()
            .unwrap_or("control character"),
    }
}
