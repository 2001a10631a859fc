//! `site.toml`: the one file that says what a site is and how it is built.
//!
//! Read once per build into [`Config`], a resolved form in which defaults are filled in and the
//! timezone and base URL are already checked, so later stages never re-validate them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::diagnostics::{Diagnostic, Location, Problem};
use crate::fields::{Document, Format};
use crate::walk::SiteRoot;

/// The name of the config file in a site root.
pub const CONFIG_FILE: &str = "site.toml";

/// What the webmaster wrote in `site.toml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    base_url: String,
    title: String,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    language: Option<String>,
    #[serde(default)]
    timezone: Option<String>,
    #[serde(default)]
    theme: Option<String>,
    #[serde(default)]
    taxonomies: BTreeMap<String, TaxonomyConfig>,
    #[serde(default)]
    markdown: MarkdownConfig,
    #[serde(default)]
    gov: GovConfig,
    #[serde(default)]
    extra: serde_json::Map<String, serde_json::Value>,
}

/// How raw HTML inside Markdown is treated.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RawHtml {
    /// Shown as text: `<b>` appears literally.
    Escape,
    /// Kept, minus scripts, event handlers and dangerous URLs (ammonia). The safe default.
    #[default]
    Sanitize,
    /// Kept as written. Only for sites whose every author is trusted.
    Trust,
}

/// `[markdown]` in `site.toml`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct MarkdownConfig {
    /// See [`RawHtml`].
    #[serde(default)]
    pub raw_html: RawHtml,
    /// Turn straight quotes and dashes into typographic ones.
    #[serde(default)]
    pub smart_punctuation: bool,
}

/// One taxonomy, e.g. `[taxonomies.department]`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TaxonomyConfig {
    /// Human name shown on its pages, e.g. 发布机构.
    #[serde(default)]
    pub title: Option<String>,
    /// Pages per listing page of one term; 0 or absent means one page.
    #[serde(default)]
    pub paginate_by: Option<usize>,
    /// Derive terms from page data instead of front matter: `from = "year"` files every dated
    /// page under its year (按年份), so a webmaster never types it.
    #[serde(default)]
    pub from: Option<DerivedTerms>,
}

/// Where a derived taxonomy takes its terms from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DerivedTerms {
    /// The year of the page's `date`, in the site's timezone.
    Year,
}

/// `[gov]`: the identity a government site must show (政府网站发展指引).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct GovConfig {
    /// 网站标识码.
    pub site_code: Option<String>,
    /// 主办单位.
    pub organizer: Option<String>,
    /// 承办单位.
    pub operator: Option<String>,
    /// 联系电话.
    pub phone: Option<String>,
    /// 地址.
    pub address: Option<String>,
    /// 电子邮箱.
    pub email: Option<String>,
    /// ICP备案号.
    pub icp: Option<String>,
    /// Link for the ICP number.
    pub icp_url: Option<String>,
    /// 公安机关备案号.
    pub police: Option<String>,
    /// Link for the police record number.
    pub police_url: Option<String>,
    /// Show the 网站支持IPv6 badge.
    #[serde(default)]
    pub ipv6: bool,
    /// Path (under static/) of the 党政机关网站标识 image, when the site has one.
    pub dzjg_logo: Option<String>,
    /// Link target of the 党政机关网站标识.
    pub dzjg_url: Option<String>,
}

/// The resolved configuration every later stage reads.
#[derive(Debug, Clone, Serialize)]
pub struct Config {
    /// Absolute URL of the site root, always ending in `/`.
    pub base_url: String,
    /// The path part of `base_url` (`/` or `/sub/`), prefixed to every internal URL.
    #[serde(skip)]
    pub base_path: String,
    /// Site name.
    pub title: String,
    /// Site description for search engines and feeds.
    pub description: Option<String>,
    /// BCP 47 language tag for `<html lang>`.
    pub language: String,
    /// IANA timezone name.
    pub timezone: String,
    /// The timezone itself, for dates written without an offset.
    #[serde(skip)]
    pub tz: jiff::tz::TimeZone,
    /// Theme folder name under `themes/`.
    pub theme: Option<String>,
    /// Taxonomies by name, in name order.
    pub taxonomies: BTreeMap<String, TaxonomyConfig>,
    /// Markdown options.
    pub markdown: MarkdownConfig,
    /// Government-site identity.
    pub gov: GovConfig,
    /// Free data for templates.
    pub extra: serde_json::Map<String, serde_json::Value>,
    /// Where the site lives.
    #[serde(skip)]
    pub root: PathBuf,
    /// The root as links resolve it: what every read of sources is checked against.
    #[serde(skip)]
    pub sources: SiteRoot,
}

impl Config {
    /// Reads and checks `<root>/site.toml`, returning every problem in it.
    pub fn load(root: &Path) -> Result<Config, Vec<Diagnostic>> {
        let path = root.join(CONFIG_FILE);
        let shown = PathBuf::from(CONFIG_FILE);
        if let Err(target) = SiteRoot::new(root).locate(&path) {
            return Err(vec![Diagnostic::error(
                Location::file(&shown),
                Problem::SymlinkOutsideSite { target },
            )]);
        }
        let text = SiteRoot::new(root).read(&path).map_err(|e| {
            vec![Diagnostic::error(
                Location::file(&shown),
                Problem::Io {
                    action: "read the site configuration",
                    detail: io_detail(&e, &path),
                },
            )]
        })?;
        let text = String::from_utf8(text).map_err(|e| {
            vec![Diagnostic::error(
                Location::file(&shown),
                Problem::NotUtf8 {
                    valid_up_to: e.utf8_error().valid_up_to(),
                },
            )]
        })?;
        Self::parse(root, &shown, &text)
    }

    /// Parses config text; `shown` is the path used in messages.
    pub fn parse(root: &Path, shown: &Path, text: &str) -> Result<Config, Vec<Diagnostic>> {
        let doc = Document {
            file: shown,
            file_text: text,
            data_offset: 0,
            data: text,
            format: Format::Toml,
        };
        let mut map = doc.parse().map_err(|d| vec![d])?;
        let mut problems = doc.reject_unknown_keys::<RawConfig>(&mut map, &[]);
        let raw: RawConfig = match doc.deserialize(map) {
            Ok(raw) => raw,
            Err(d) => {
                problems.push(d);
                return Err(problems);
            }
        };

        let timezone = raw.timezone.unwrap_or_else(|| "Asia/Shanghai".to_string());
        let tz = match jiff::tz::TimeZone::get(&timezone) {
            Ok(tz) => Some(tz),
            Err(_) => {
                problems.push(Diagnostic::error(
                    doc.location_of_key(&["timezone"]),
                    Problem::UnknownTimezone {
                        name: timezone.clone(),
                    },
                ));
                None
            }
        };
        let base_url = match normalize_base_url(&raw.base_url) {
            Ok(url) => Some(url),
            Err(detail) => {
                problems.push(Diagnostic::error(
                    doc.location_of_key(&["base_url"]),
                    Problem::InvalidValue {
                        field: "base_url".into(),
                        detail,
                        expected: "an absolute URL such as \"https://www.example.gov.cn/\"".into(),
                    },
                ));
                None
            }
        };
        if let Some(theme) = &raw.theme {
            let dir = root.join("themes").join(theme);
            if !crate::slug::is_valid_slug_component(theme) {
                problems.push(Diagnostic::error(
                    doc.location_of_key(&["theme"]),
                    Problem::InvalidValue {
                        field: "theme".into(),
                        detail: format!("`{}` is not a folder name", theme.escape_debug()),
                        expected: "the name of a folder in themes/, such as \"gongkai\"".into(),
                    },
                ));
            } else if !dir.is_dir() {
                problems.push(Diagnostic::error(
                    doc.location_of_key(&["theme"]),
                    Problem::MissingTheme {
                        name: theme.clone(),
                        searched: PathBuf::from("themes").join(theme),
                    },
                ));
            }
        }
        for name in raw.taxonomies.keys() {
            if RESERVED_PAGE_KEYS.contains(&name.as_str()) || crate::slug::slugify(name) != *name {
                problems.push(Diagnostic::error(
                    doc.location_of_key(&["taxonomies", name]),
                    Problem::InvalidValue {
                        field: format!("taxonomies.{name}"),
                        detail: "a taxonomy name is also its URL and a front-matter key".into(),
                        expected:
                            "a lowercase ASCII name that is not a page field, e.g. `department`"
                                .into(),
                    },
                ));
            }
        }
        match (tz, base_url) {
            (Some(tz), Some(base_url)) if problems.is_empty() => {
                let base_path = base_path_of(&base_url);
                Ok(Config {
                    base_url,
                    base_path,
                    title: raw.title,
                    description: raw.description,
                    language: raw.language.unwrap_or_else(|| "zh-CN".to_string()),
                    timezone,
                    tz,
                    theme: raw.theme,
                    taxonomies: raw.taxonomies,
                    markdown: raw.markdown,
                    gov: raw.gov,
                    extra: raw.extra,
                    root: root.to_path_buf(),
                    sources: SiteRoot::new(root),
                })
            }
            _ => Err(problems),
        }
    }

    /// Replaces the base URL (from `--base-url` or the preview server).
    pub fn set_base_url(&mut self, url: &str) -> Result<(), String> {
        self.base_url = normalize_base_url(url)?;
        self.base_path = base_path_of(&self.base_url);
        Ok(())
    }

    /// `<root>/content`.
    pub fn content_dir(&self) -> PathBuf {
        self.root.join("content")
    }

    /// Template folders, most specific first: the site's, then the theme's.
    pub fn template_dirs(&self) -> Vec<PathBuf> {
        let mut dirs = vec![self.root.join("templates")];
        if let Some(theme) = self.theme_dir() {
            dirs.push(theme.join("templates"));
        }
        dirs
    }

    /// Static folders in copy order: the theme's first, so the site's files win.
    pub fn static_dirs(&self) -> Vec<PathBuf> {
        let mut dirs = Vec::new();
        if let Some(theme) = self.theme_dir() {
            dirs.push(theme.join("static"));
        }
        dirs.push(self.root.join("static"));
        dirs
    }

    /// `<root>/themes/<theme>` when a theme is set.
    pub fn theme_dir(&self) -> Option<PathBuf> {
        self.theme
            .as_ref()
            .map(|t| self.root.join("themes").join(t))
    }

    /// The absolute URL for a site path such as `/reports/a/`.
    pub fn permalink(&self, path: &str) -> String {
        let origin_end = self.base_url.len() - self.base_path.len();
        format!("{}{}", &self.base_url[..origin_end], path)
    }
}

/// Page front-matter keys that a taxonomy may not shadow.
pub const RESERVED_PAGE_KEYS: &[&str] = &[
    "title",
    "date",
    "updated",
    "expires",
    "draft",
    "slug",
    "path",
    "summary",
    "weight",
    "template",
    "aliases",
    "extra",
    "source",
    "publisher",
    "index_number",
    "doc_number",
    "written",
    "validity",
    "pinned",
    "video",
    "page",
    "section",
    "search",
    "static",
];

fn normalize_base_url(raw: &str) -> Result<String, String> {
    let trimmed = raw.trim();
    let rest = trimmed
        .strip_prefix("https://")
        .or_else(|| trimmed.strip_prefix("http://"))
        .ok_or_else(|| format!("`{trimmed}` does not start with https:// or http://"))?;
    if rest.is_empty() || rest.starts_with('/') {
        return Err(format!("`{trimmed}` has no host"));
    }
    if trimmed.contains(['?', '#', ' ']) {
        return Err(format!("`{trimmed}` has a query, fragment or space"));
    }
    if let Some(c) = trimmed
        .chars()
        .find(|&c| crate::diagnostics::is_deceptive(c))
    {
        return Err(format!(
            "`{}` holds the control or invisible character U+{:04X}",
            trimmed.escape_debug(),
            u32::from(c)
        ));
    }
    Ok(if trimmed.ends_with('/') {
        trimmed.to_string()
    } else {
        format!("{trimmed}/")
    })
}

fn base_path_of(base_url: &str) -> String {
    let after_scheme = base_url
        .split_once("://")
        .map_or(base_url, |(_, rest)| rest);
    match after_scheme.find('/') {
        Some(i) => after_scheme[i..].to_string(),
        None => "/".to_string(),
    }
}

/// An I/O error in words, with the path.
pub fn io_detail(error: &std::io::Error, path: &Path) -> String {
    format!("{} ({})", error, path.display())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, Vec<Diagnostic>> {
        Config::parse(Path::new("/nonexistent"), Path::new("site.toml"), text)
    }

    #[test]
    fn defaults_are_filled_in() {
        let config = parse("base_url = \"https://a.gov.cn\"\ntitle = \"示例\"\n").unwrap();
        assert_eq!(config.base_url, "https://a.gov.cn/");
        assert_eq!(config.base_path, "/");
        assert_eq!(config.language, "zh-CN");
        assert_eq!(config.timezone, "Asia/Shanghai");
        assert_eq!(config.markdown.raw_html, RawHtml::Sanitize);
        assert_eq!(config.permalink("/reports/"), "https://a.gov.cn/reports/");
    }

    #[test]
    fn sub_path_base_urls_keep_their_path() {
        let config = parse("base_url = \"https://a.gov.cn/xxgk\"\ntitle = \"t\"\n").unwrap();
        assert_eq!(config.base_path, "/xxgk/");
        assert_eq!(config.permalink("/xxgk/a/"), "https://a.gov.cn/xxgk/a/");
    }

    #[test]
    fn every_unknown_key_is_reported_with_a_suggestion() {
        let errors = parse("base_url = \"https://a.gov.cn\"\ntitel = \"t\"\nlangauge = \"zh\"\n")
            .unwrap_err();
        let messages: Vec<String> = errors.iter().map(|d| d.to_string()).collect();
        assert!(messages.iter().any(|m| m.contains("unknown field `titel`") && m.contains("did you mean `title`?")));
        assert!(
            messages
                .iter()
                .any(|m| m.contains("site.toml:3:1") && m.contains("`language`"))
        );
    }

    #[test]
    fn nested_unknown_keys_point_at_their_line() {
        let errors = parse(
            "base_url = \"https://a.gov.cn\"\ntitle = \"t\"\n[markdown]\nraw_htm = \"trust\"\n",
        )
        .unwrap_err();
        let text = errors[0].to_string();
        assert!(text.contains("site.toml:4:1"), "{text}");
        assert!(text.contains("did you mean `raw_html`?"), "{text}");
    }

    #[test]
    fn bad_timezone_and_url_are_both_reported() {
        let errors = parse("base_url = \"ftp://x\"\ntitle = \"t\"\ntimezone = \"Asia/Beijing\"\n")
            .unwrap_err();
        assert_eq!(errors.len(), 2);
    }
}
