//! Templates: loading the site's and the theme's, and the functions and filters they may call.
//!
//! Names and variables mirror Zola's so that templates port between the two. Templates are looked
//! up in the site's `templates/` first, then in the theme's, so a site overrides one file of a
//! theme by writing its own. All templates are parsed up front so that every syntax error of the
//! build is reported at once, with its file and line.

pub mod views;

use std::cell::Cell;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::{Arc, OnceLock};

use minijinja::value::{Kwargs, Value};
use minijinja::{Environment, Error, ErrorKind, UndefinedBehavior};

use crate::config::Config;
use crate::content::Library;
use crate::content::load::{MAX_MARKDOWN_BYTES, is_ignored, shown, skipped_diagnostics};
use crate::diagnostics::{Diagnostic, Location, Problem, TemplateLimit};
use crate::slug::slugify;
use views::{SiteData, page_value, section_value, taxonomy_value};

/// Work one render may do, in minijinja fuel (about one instruction, or 64 bytes of data the
/// template creates), before any page is counted: a template that would loop on for minutes
/// stops within a second with an error at its line. The default theme's heaviest page on the
/// demo site, its site map, uses 6,000; a page or a paginated listing at most 4,000.
pub const BASE_FUEL: u64 = 10_000_000;

/// Fuel added for each page and section of the site, since a listing or a site map does work
/// for every page it shows. The default theme's site map, the most work per page, uses about
/// 275 per page: on 100,000 pages it needs 27.9 million of the 110 million each render gets.
pub const FUEL_PER_PAGE: u64 = 1_000;

/// Largest output of one render (256 MiB). A site map of 100,000 pages is about 35 MB; a
/// template that prints without end stops here instead of exhausting memory.
pub const MAX_OUTPUT_BYTES: usize = 256 << 20;

/// Fuel the `markdown` filter costs per byte of its text, beyond what minijinja charges for the
/// strings themselves (a 64th of a step a byte): rendering Markdown takes from 5 ns a byte (plain
/// paragraphs) to 400 ns (lists of dense inline markup), where a step is about 20 ns. At 4 a byte
/// a render's 10 million steps allow 2.5 MB of Markdown, a second or two at worst.
pub const MARKDOWN_FUEL_PER_BYTE: u64 = 4;

/// Fuel `slugify` costs per byte of its text (pinyin for Chinese takes about 15 ns a byte).
pub const SLUGIFY_FUEL_PER_BYTE: u64 = 1;

/// Charges the fuel of work on `bytes` bytes at `per_byte` a byte: work a filter or function does
/// that minijinja cannot see, so that fuel bounds a render's time again.
fn charge(state: &minijinja::State, bytes: usize, per_byte: u64) -> Result<(), Error> {
    state.consume_fuel(per_byte.saturating_mul(bytes as u64))
}

/// The fuel of each render on a site of `pages` pages and sections.
pub fn fuel_for(pages: usize) -> u64 {
    BASE_FUEL.saturating_add(FUEL_PER_PAGE.saturating_mul(pages as u64))
}

/// Work all renders of one build may do together, before any page is counted (about a second
/// of work): a small site uses a few hundred thousand steps.
pub const TOTAL_BASE_FUEL: u64 = 20_000_000;

/// Work all renders may do together, for each page and section: the default theme spends about
/// 4,000 on a page or listing (its site map 275 per page listed), so a real site uses a tenth of
/// this, while a template that spends its whole per-render allowance on every page stops after
/// a number of steps that grows with the site, not with its square.
pub const TOTAL_FUEL_PER_PAGE: u64 = 50_000;

/// The fuel of a whole build of a site of `pages` pages and sections.
pub fn total_fuel_for(pages: usize) -> u64 {
    TOTAL_BASE_FUEL.saturating_add(TOTAL_FUEL_PER_PAGE.saturating_mul(pages as u64))
}

/// The templates of a site, ready to render.
pub struct Templates {
    env: Environment<'static>,
    /// Template name → (path shown in messages, source), to point errors at lines.
    sources: HashMap<String, (PathBuf, Arc<str>)>,
    /// The fuel each render gets.
    fuel: u64,
    /// The fuel all renders of a build get together (0: no limit, as in the preview, which
    /// renders a page again after every edit), and what they have spent of it.
    total_fuel: std::sync::atomic::AtomicU64,
    spent: std::sync::atomic::AtomicU64,
    /// Pages and sections of the site, for the total.
    pages: usize,
    /// The first render that ran past a limit: every later render fails with it at once, so a
    /// runaway `page.html` costs one page's worth of time, not 100,000.
    limit_hit: OnceLock<Diagnostic>,
    /// What the views show, for the views each render shares.
    site: Arc<SiteData>,
}

thread_local! {
    /// Set once the render on this thread has outgrown [`MAX_OUTPUT_BYTES`]; the formatter then
    /// fails at the next `{{ … }}`, so that the error points at a line of the template.
    static OUTPUT_FULL: Cell<bool> = const { Cell::new(false) };
}

/// What a render writes into: keeps up to [`MAX_OUTPUT_BYTES`], then drops the rest and says so.
#[derive(Default)]
struct CappedOutput {
    bytes: Vec<u8>,
    full: bool,
}

impl std::io::Write for CappedOutput {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.full || self.bytes.len() + buf.len() > MAX_OUTPUT_BYTES {
            self.full = true;
            OUTPUT_FULL.set(true);
        } else {
            self.bytes.extend_from_slice(buf);
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The detail of the error the formatter raises once the output is full.
const OUTPUT_FULL_DETAIL: &str = "the output is too large";

impl Templates {
    /// Loads every template, site first then theme, and wires in the library's functions.
    pub fn load(config: &Config, site: Arc<SiteData>) -> Result<Templates, Vec<Diagnostic>> {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Chainable);
        env.set_formatter(minimal_escape_formatter);
        let fuel = fuel_for(site.library.pages.len() + site.library.sections.len());
        env.set_fuel(Some(fuel));
        // minijinja's default recursion limit (500 levels of macros, includes and blocks) is
        // kept: it already ends runaway recursion with an error at its line.
        register_filters(&mut env, &site);
        register_functions(&mut env, &site);

        let mut sources: HashMap<String, (PathBuf, Arc<str>)> = HashMap::new();
        let mut problems = Vec::new();
        let root = &config.sources;
        // The theme first, so that the site's own templates replace it by name.
        for dir in config.template_dirs().iter().rev() {
            if !dir.is_dir() {
                continue;
            }
            let walked = root.walk(dir, is_ignored);
            problems.extend(skipped_diagnostics(config, walked.skipped));
            for entry in walked.entries {
                if !entry.file_type().is_file() {
                    continue;
                }
                let Ok(rel) = entry.path().strip_prefix(dir) else {
                    continue;
                };
                let name = rel.to_string_lossy().replace('\\', "/");
                let shown_path = shown(config, entry.path());
                let text = config.sources.read(entry.path()).and_then(|bytes| {
                    String::from_utf8(bytes)
                        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))
                });
                match text {
                    Ok(source) => {
                        sources.insert(name, (shown_path, source.into()));
                    }
                    Err(e) => problems.push(Diagnostic::error(
                        Location::file(&shown_path),
                        Problem::Io {
                            action: "read this template",
                            detail: e.to_string(),
                        },
                    )),
                }
            }
        }
        let mut names: Vec<&String> = sources.keys().collect();
        names.sort();
        for name in names {
            let (_, source) = &sources[name];
            if let Err(error) = env.add_template_owned(name.clone(), source.to_string()) {
                problems.push(template_diagnostic(&sources, &error, None));
            }
        }
        if problems.is_empty() {
            Ok(Templates {
                env,
                sources,
                fuel,
                total_fuel: Default::default(),
                spent: Default::default(),
                pages: site.library.pages.len() + site.library.sections.len(),
                limit_hit: OnceLock::new(),
                site,
            })
        } else {
            Err(problems)
        }
    }

    /// Bounds the work of all renders from now on together ([`total_fuel_for`]): a build
    /// renders each page once, so its work is bounded by the size of the site.
    pub fn limit_total_work(&self) {
        self.spent.store(0, Relaxed);
        self.total_fuel.store(total_fuel_for(self.pages), Relaxed);
    }

    /// Whether a template of that name exists.
    pub fn has(&self, name: &str) -> bool {
        self.sources.contains_key(name)
    }

    /// Every template by name with its source, as loaded (the site's hiding the theme's): what
    /// the preview server reads to learn which templates use which, without reading them again.
    pub fn sources(&self) -> impl Iterator<Item = (&str, &str)> {
        self.sources
            .iter()
            .map(|(name, (_, source))| (name.as_str(), &**source))
    }

    /// Renders `name` with `context`; `what` names the page being rendered, for messages.
    pub fn render(&self, name: &str, context: Value, what: &str) -> Result<String, Diagnostic> {
        if let Some(first) = self.limit_hit.get() {
            return Err(first.clone());
        }
        let template = self
            .env
            .get_template(name)
            .map_err(|e| template_diagnostic(&self.sources, &e, Some(what)))?;
        OUTPUT_FULL.set(false);
        let mut out = CappedOutput::default();
        let result = views::with_shared_views(&self.site, || {
            template
                .render_captured_to(context, &mut out)
                .map(|captured| captured.state().fuel_levels().map_or(0, |(used, _)| used))
        });
        OUTPUT_FULL.set(false);
        let used = match &result {
            Ok(used) => *used,
            Err(e) if innermost(e).kind() == ErrorKind::OutOfFuel => self.fuel,
            Err(_) => 0,
        };
        let spent = self.spent.fetch_add(used, Relaxed) + used;
        let total_fuel = self.total_fuel.load(Relaxed);
        let limit = match &result {
            Err(e) if innermost(e).kind() == ErrorKind::OutOfFuel => {
                Some(TemplateLimit::Fuel(self.fuel))
            }
            _ if out.full => Some(TemplateLimit::Output(MAX_OUTPUT_BYTES)),
            _ if total_fuel > 0 && spent > total_fuel => Some(TemplateLimit::TotalFuel(total_fuel)),
            _ => None,
        };
        let result = result.map(drop);
        let Some(limit) = limit else {
            return match result {
                Ok(()) => Ok(String::from_utf8(out.bytes)
                    .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())),
                Err(e) => Err(template_diagnostic(&self.sources, &e, Some(what))),
            };
        };
        let location = match &result {
            Err(e) => template_diagnostic(&self.sources, e, Some(what)).location,
            // Output that ended with raw text rather than a `{{ … }}`: the file is all we know.
            Ok(()) => match self.sources.get(name) {
                Some((path, _)) => Location::file(path),
                None => Location::file(name),
            },
        };
        let diagnostic = Diagnostic::error(
            location,
            Problem::TemplateLimit {
                limit,
                while_rendering: Some(what.to_string()),
            },
        );
        let _ = self.limit_hit.set(diagnostic.clone());
        Err(diagnostic)
    }
}

/// A value as text the way Zola (Tera) prints it: nothing for none, `true`/`false` for booleans.
/// minijinja follows Jinja2 (`None`, `True`), which would print "来源：None" for a page without a
/// source in templates ported from Zola.
fn display_text(value: &Value) -> std::borrow::Cow<'_, str> {
    if value.is_none() || value.is_undefined() {
        std::borrow::Cow::Borrowed("")
    } else if value.kind() == minijinja::value::ValueKind::Bool {
        std::borrow::Cow::Borrowed(if value.is_true() { "true" } else { "false" })
    } else {
        match value.as_str() {
            Some(s) => std::borrow::Cow::Borrowed(s),
            None => std::borrow::Cow::Owned(value.to_string()),
        }
    }
}

/// Escapes only what HTML needs (`& < > " '`), leaving URLs such as `/reports/` readable in
/// the output; minijinja's default also escapes `/`. None and booleans print as in Zola.
fn minimal_escape_formatter(
    out: &mut minijinja::Output,
    state: &mut minijinja::State,
    value: &Value,
) -> Result<(), Error> {
    if OUTPUT_FULL.get() {
        return Err(Error::new(ErrorKind::InvalidOperation, OUTPUT_FULL_DETAIL));
    }
    let escape = state.auto_escape().clone();
    let plain = matches!(
        escape,
        minijinja::AutoEscape::Html | minijinja::AutoEscape::None
    );
    if plain
        && (value.is_none()
            || value.is_undefined()
            || value.kind() == minijinja::value::ValueKind::Bool)
    {
        return out.write_str(&display_text(value)).map_err(Error::from);
    }
    if escape != minijinja::AutoEscape::Html || value.is_safe() {
        return minijinja::escape_formatter(out, state, value);
    }
    let text = display_text(value);
    let mut last = 0;
    for (i, c) in text.char_indices() {
        let escaped = match c {
            '&' => "&amp;",
            '<' => "&lt;",
            '>' => "&gt;",
            '"' => "&quot;",
            '\'' => "&#39;",
            _ => continue,
        };
        out.write_str(&text[last..i]).map_err(Error::from)?;
        out.write_str(escaped).map_err(Error::from)?;
        last = i + 1;
    }
    out.write_str(&text[last..]).map_err(Error::from)
}

/// Points a minijinja error at its template file, line and column.
fn template_diagnostic(
    sources: &HashMap<String, (PathBuf, Arc<str>)>,
    error: &Error,
    what: Option<&str>,
) -> Diagnostic {
    let innermost = innermost(error);
    let detail = match innermost.detail() {
        Some(detail) => format!("{}: {detail}", innermost.kind()),
        None => innermost.kind().to_string(),
    };
    let problem = Problem::Template {
        detail,
        while_rendering: what.map(str::to_string),
    };
    let location = match innermost.name().and_then(|n| sources.get(n)) {
        Some((path, source)) => match (innermost.range(), innermost.line()) {
            (Some(range), _) => Location::at_offset(path, source, range.start),
            (None, Some(line)) => Location::in_text(path, source, line, 0),
            _ => Location::file(path),
        },
        None => Location::file(innermost.name().unwrap_or("templates")),
    };
    Diagnostic::error(location, problem)
}

/// The innermost error names the template where things went wrong (an include, a macro…).
fn innermost(error: &Error) -> &Error {
    let mut innermost: &Error = error;
    while let Some(source) =
        std::error::Error::source(innermost).and_then(|s| s.downcast_ref::<Error>())
    {
        innermost = source;
    }
    innermost
}

fn register_filters(env: &mut Environment<'static>, site: &Arc<SiteData>) {
    let tz = site.config.tz.clone();
    env.add_filter(
        "date",
        move |value: Value, kwargs: Kwargs| -> Result<String, Error> {
            let format: Option<String> = kwargs.get("format")?;
            kwargs.assert_all_used()?;
            let text = value.as_str().ok_or_else(|| {
                Error::new(ErrorKind::InvalidOperation, "date expects a date string")
            })?;
            let date = crate::dates::Date::parse(text, &tz).ok_or_else(|| {
                Error::new(
                    ErrorKind::InvalidOperation,
                    format!("`{text}` is not a date"),
                )
            })?;
            let format = format.as_deref().unwrap_or("%Y-%m-%d");
            let zoned = date.zoned(&tz);
            let mut out = String::new();
            std::fmt::Write::write_fmt(&mut out, format_args!("{}", zoned.strftime(format)))
                .map_err(|_| {
                    Error::new(
                        ErrorKind::InvalidOperation,
                        format!("bad date format `{format}`"),
                    )
                })?;
            Ok(out)
        },
    );
    let md_config = site.config.markdown.clone();
    let options = crate::markdown::comrak_options(&md_config);
    let s = site.clone();
    env.add_filter(
        "markdown",
        move |state: &minijinja::State, text: &str, kwargs: Kwargs| -> Result<Value, Error> {
            let inline: Option<bool> = kwargs.get("inline")?;
            kwargs.assert_all_used()?;
            // What a content file may hold, so that one call costs no more memory than a page.
            if text.len() as u64 > MAX_MARKDOWN_BYTES {
                return Err(Error::new(
                    ErrorKind::InvalidOperation,
                    format!(
                        "markdown: the text is {} bytes, more than a Markdown file may hold ({MAX_MARKDOWN_BYTES})",
                        text.len()
                    ),
                ));
            }
            charge(state, text.len(), MARKDOWN_FUEL_PER_BYTE)?;
            let rendered = crate::markdown::render(text, &options, md_config.raw_html);
            // `@/` links resolve here as in content, rather than staying placeholders.
            let urls = rendered
                .links
                .iter()
                .map(|link| internal_url(&s.library, &link.target, link.anchor.as_deref()))
                .collect::<Result<Vec<String>, Error>>()?;
            let html = crate::markdown::replace_placeholders(&rendered.content, &urls);
            let html = match inline {
                Some(true) => html
                    .trim()
                    .strip_prefix("<p>")
                    .and_then(|h| h.strip_suffix("</p>"))
                    .map(str::to_string)
                    .unwrap_or(html),
                _ => html,
            };
            Ok(Value::from_safe_string(html))
        },
    );
    // `{{ page.summary | safe }}` on a page without one prints nothing, as in Zola, not "None".
    env.add_filter("safe", |value: Value| {
        Value::from_safe_string(display_text(&value).into_owned())
    });
    env.add_filter(
        "slugify",
        |state: &minijinja::State, text: &str| -> Result<String, Error> {
            charge(state, text.len(), SLUGIFY_FUEL_PER_BYTE)?;
            Ok(slugify(text))
        },
    );
    env.add_filter(
        "filesizeformat",
        |bytes: Value, kwargs: Kwargs| -> Result<String, Error> {
            let binary: Option<bool> = kwargs.get("binary")?;
            kwargs.assert_all_used()?;
            let bytes = f64::try_from(bytes).map_err(|_| {
                Error::new(
                    ErrorKind::InvalidOperation,
                    "filesizeformat expects a number",
                )
            })?;
            Ok(file_size(bytes, binary.unwrap_or(false)))
        },
    );
}

/// The URL of `@/target#anchor`, the anchor given as a heading id or as the heading's text.
fn internal_url(library: &Library, target: &str, anchor: Option<&str>) -> Result<String, Error> {
    let found = library.lookup(target).ok_or_else(|| {
        Error::new(
            ErrorKind::InvalidOperation,
            format!("markdown: link `@/{target}` points to no page or section"),
        )
    })?;
    let path = library.path_of(found);
    let Some(anchor) = anchor else {
        return Ok(path.to_string());
    };
    let id = library.resolve_anchor(found, anchor).ok_or_else(|| {
        Error::new(
            ErrorKind::InvalidOperation,
            format!("markdown: `@/{target}` has no heading with the anchor `#{anchor}`"),
        )
    })?;
    Ok(format!("{path}#{id}"))
}

/// `1.2 MB`, as Jinja2's `filesizeformat`.
pub fn file_size(bytes: f64, binary: bool) -> String {
    let (base, units): (f64, [&str; 5]) = if binary {
        (1024.0, ["Bytes", "KiB", "MiB", "GiB", "TiB"])
    } else {
        (1000.0, ["Bytes", "kB", "MB", "GB", "TB"])
    };
    if bytes < base {
        return if bytes == 1.0 {
            "1 Byte".into()
        } else {
            format!("{bytes:.0} Bytes")
        };
    }
    let mut value = bytes;
    let mut unit = 0;
    while value >= base && unit < units.len() - 1 {
        value /= base;
        unit += 1;
    }
    format!("{value:.1} {}", units[unit])
}

fn register_functions(env: &mut Environment<'static>, site: &Arc<SiteData>) {
    let s = site.clone();
    env.add_function("get_page", move |kwargs: Kwargs| -> Result<Value, Error> {
        let path: String = kwargs.get("path")?;
        let required: Option<bool> = kwargs.get("required")?;
        kwargs.assert_all_used()?;
        match s.library.lookup(path.trim_start_matches("@/")) {
            Some(crate::content::Target::Page(id)) => Ok(page_value(&s, id)),
            // `required=false` lets a theme link to an optional page only when the site has it.
            _ if required == Some(false) => Ok(Value::from(())),
            _ => Err(Error::new(
                ErrorKind::InvalidOperation,
                format!("get_page: no page `{path}` in content/"),
            )),
        }
    });
    let s = site.clone();
    env.add_function(
        "get_section",
        move |kwargs: Kwargs| -> Result<Value, Error> {
            let path: String = kwargs.get("path")?;
            let required: Option<bool> = kwargs.get("required")?;
            kwargs.assert_all_used()?;
            match s.library.lookup(path.trim_start_matches("@/")) {
                Some(crate::content::Target::Section(id)) => Ok(section_value(&s, id)),
                _ if required == Some(false) => Ok(Value::from(())),
                _ => Err(Error::new(
                    ErrorKind::InvalidOperation,
                    format!("get_section: no section `{path}` in content/"),
                )),
            }
        },
    );
    let s = site.clone();
    env.add_function("get_url", move |kwargs: Kwargs| -> Result<String, Error> {
        let path: String = kwargs.get("path")?;
        kwargs.assert_all_used()?;
        if let Some(source) = path.strip_prefix("@/") {
            let (source, anchor) = source
                .split_once('#')
                .map_or((source, None), |(s, a)| (s, Some(a)));
            let target = s.library.lookup(source).ok_or_else(|| {
                Error::new(
                    ErrorKind::InvalidOperation,
                    format!("get_url: no page or section `{path}` in content/"),
                )
            })?;
            let url = s.library.path_of(target);
            return Ok(match anchor {
                // As in content links, a heading's text stands for its id (一、主要工作 →
                // yi-zhu-yao-gong-zuo); an anchor that is neither is kept as written.
                Some(anchor) => {
                    let id = s.library.resolve_anchor(target, anchor);
                    format!("{url}#{}", id.as_deref().unwrap_or(anchor))
                }
                None => url.to_string(),
            });
        }
        let path = path.trim_start_matches('/');
        let path = s.fingerprints.get(path).unwrap_or(path);
        Ok(format!("{}{path}", s.config.base_path))
    });
    let s = site.clone();
    env.add_function(
        "get_taxonomy",
        move |kwargs: Kwargs| -> Result<Value, Error> {
            let kind: String = kwargs.get("kind")?;
            kwargs.assert_all_used()?;
            let index = s.library.taxonomies.position(&kind).ok_or_else(|| {
                Error::new(
                    ErrorKind::InvalidOperation,
                    format!("get_taxonomy: no taxonomy `{kind}` in site.toml"),
                )
            })?;
            Ok(taxonomy_value(&s, index))
        },
    );
    let s = site.clone();
    env.add_function(
        "get_taxonomy_url",
        move |state: &minijinja::State, kwargs: Kwargs| -> Result<String, Error> {
            let kind: String = kwargs.get("kind")?;
            let name: String = kwargs.get("name")?;
            kwargs.assert_all_used()?;
            charge(state, name.len(), SLUGIFY_FUEL_PER_BYTE)?;
            let taxonomy = s.library.taxonomies.get(&kind).ok_or_else(|| {
                Error::new(
                    ErrorKind::InvalidOperation,
                    format!("get_taxonomy_url: no taxonomy `{kind}`"),
                )
            })?;
            let slug = slugify(&name);
            taxonomy
                .terms
                .get(&slug)
                .map(|t| t.path.clone())
                .ok_or_else(|| {
                    Error::new(
                        ErrorKind::InvalidOperation,
                        format!("get_taxonomy_url: no term `{name}` in `{kind}`"),
                    )
                })
        },
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The templates of an empty site holding `files` in its `templates/`.
    fn templates(files: &[(&str, &str)]) -> (tempfile::TempDir, Templates) {
        let root = tempfile::tempdir().unwrap();
        for (name, source) in files {
            let path = root.path().join("templates").join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, source).unwrap();
        }
        let config = Config::parse(
            root.path(),
            std::path::Path::new("site.toml"),
            "base_url = \"https://a.gov.cn\"\ntitle = \"t\"\n",
        )
        .unwrap();
        let data = SiteData::new(Arc::new(config.clone()), Arc::new(Library::default()));
        let templates = Templates::load(&config, Arc::new(data)).unwrap();
        (root, templates)
    }

    #[track_caller]
    fn limit_error(templates: &Templates, name: &str) -> (Problem, usize) {
        let start = std::time::Instant::now();
        let error = templates
            .render(name, Value::from(()), "content/a.md")
            .unwrap_err();
        assert!(
            start.elapsed() < std::time::Duration::from_secs(20),
            "{error}"
        );
        assert!(
            error.location.file.ends_with(format!("templates/{name}")),
            "{error}"
        );
        (*error.problem, error.location.line)
    }

    #[test]
    fn a_runaway_loop_runs_out_of_fuel_at_its_line() {
        let (_root, templates) = templates(&[(
            "loop.html",
            "<p>\n{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}\n",
        )]);
        let (problem, line) = limit_error(&templates, "loop.html");
        assert_eq!(line, 2);
        let Problem::TemplateLimit { limit, .. } = problem else {
            panic!("{problem:?}");
        };
        assert_eq!(limit, TemplateLimit::Fuel(BASE_FUEL));
    }

    #[test]
    fn markdown_and_slugify_pay_fuel_for_their_text() {
        // 100 KB of Markdown takes 12 ms to render and cost 6,000 steps, for its strings alone:
        // this loop ran for 20 s (a release build) within its fuel.
        for (name, source) in [
            (
                "md.html",
                "{% set t = '- *a* **b** [c](d) `e` _f_ ~g~\\n' * 2560 %}\n\
                 {% for i in range(100000) %}{% set h = t | markdown %}{% endfor %}",
            ),
            (
                "slug.html",
                "{% set t = '依法行政建设法治政府' * 3400 %}\n\
                 {% for i in range(100000) %}{% set h = t | slugify %}{% endfor %}",
            ),
        ] {
            // Each on its own: after one render runs out, the others fail at once.
            let (_root, templates) = templates(&[(name, source)]);
            let (problem, line) = limit_error(&templates, name);
            assert_eq!(line, 2, "{name}");
            assert!(
                matches!(
                    problem,
                    Problem::TemplateLimit {
                        limit: TemplateLimit::Fuel(_),
                        ..
                    }
                ),
                "{name}: {problem:?}"
            );
        }
    }

    #[test]
    fn endless_output_stops_at_the_output_limit() {
        let (_root, templates) = templates(&[(
            "big.html",
            "{% for i in range(3) %}{{ 'x' * 100000000 }}{% endfor %}\n{{ 'end' }}\n",
        )]);
        let (problem, line) = limit_error(&templates, "big.html");
        let Problem::TemplateLimit { limit, .. } = problem else {
            panic!("{problem:?}");
        };
        assert_eq!(limit, TemplateLimit::Output(MAX_OUTPUT_BYTES));
        assert_eq!(line, 2);
    }

    #[test]
    fn after_a_runaway_render_the_others_fail_at_once() {
        let (_root, templates) = templates(&[
            (
                "fan.html",
                "{% macro f(n) %}{% if n < 60 %}{{ f(n + 1) }}{{ f(n + 1) }}{% endif %}{% endmacro %}{{ f(0) }}",
            ),
            ("fine.html", "ok"),
        ]);
        assert_eq!(
            templates.render("fine.html", Value::from(()), "x").unwrap(),
            "ok"
        );
        let first = templates
            .render("fan.html", Value::from(()), "content/a.md")
            .unwrap_err();
        assert!(matches!(
            *first.problem,
            Problem::TemplateLimit {
                limit: TemplateLimit::Fuel(_),
                ..
            }
        ));
        let start = std::time::Instant::now();
        for _ in 0..100 {
            let again = templates.render("fan.html", Value::from(()), "content/b.md");
            assert_eq!(again.unwrap_err(), first);
        }
        assert!(start.elapsed() < std::time::Duration::from_millis(100));
    }

    #[test]
    fn endless_recursion_is_a_located_error() {
        let (_root, templates) = templates(&[
            (
                "macro.html",
                "\n{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}",
            ),
            ("self.html", "a\n{% include 'self.html' %}"),
        ]);
        for name in ["macro.html", "self.html"] {
            let error = templates.render(name, Value::from(()), "x").unwrap_err();
            assert!(
                error.to_string().contains("recursion limit exceeded"),
                "{error}"
            );
            assert_eq!(error.location.line, 2, "{error}");
        }
    }

    #[test]
    fn fuel_grows_with_the_site() {
        assert_eq!(fuel_for(0), BASE_FUEL);
        assert_eq!(fuel_for(100_000), 110_000_000);
    }

    #[test]
    fn file_sizes_read_naturally() {
        assert_eq!(file_size(512.0, false), "512 Bytes");
        assert_eq!(file_size(1_234_567.0, false), "1.2 MB");
        assert_eq!(file_size(2048.0, true), "2.0 KiB");
    }
}
