//! Tests of the default theme (issue 3) on the repository's own demo site.
//!
//! Each test builds the demo (`site.toml`, `content/`, `themes/gongkai/`) with the real binary
//! into a temporary folder and reads the HTML: the 政府网站发展指引 metadata, the disclosure card,
//! the repealed-document marking, the video markup, and the pinned / expired / scheduled / draft
//! notice rules. The browser checks (axe-core, Nu HTML Checker) live in `tests/browser/`.
//!
//! The HTML is read with small string helpers rather than a parser: the theme's markup is regular
//! (one attribute order, double quotes), and a helper that does not find what it looks for fails
//! the test with the page's name.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_gongkai");
const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// The demo builds in well under a second; a hang fails instead of stalling the suite.
const BUILD_TIMEOUT: Duration = Duration::from_secs(120);

// Pages of the demo the tests look at.
const REPORT: &str = "reports/2023-fazhi-zhengfu-jianshe/index.html";
const REPEALED: &str = "reports/2018-xingzheng-zhifa-jiandu-shishi-yijian/index.html";
const PINNED: &str = "notices/2026-jiaoshi-zhaopin/";
const EXPIRED: &str = "notices/2025-chunjie-paiwu-danwei-yinhuan-paicha/";
const SCHEDULED: &str = "2027-yiwu-jiaoyu-zhaosheng";
const DRAFT: &str = "2026-q3-shipin-anquan-choujian";

/// The demo site built into a temporary folder.
struct Demo {
    dir: tempfile::TempDir,
    config: toml::Table,
}

impl Demo {
    fn build() -> Demo {
        let dir = tempfile::tempdir().expect("temporary folder");
        let out = dir.path().join("public");
        let mut child = Command::new(BIN)
            .args(["build", "--root", ROOT, "--output"])
            // The demo's scheduled and expiring notices are dated around this day.
            .env("GONGKAI_NOW", "2026-11-27T12:00:00+08:00")
            .arg(&out)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run gongkai");
        let started = Instant::now();
        loop {
            match child.try_wait().expect("wait for gongkai") {
                Some(_) => break,
                None if started.elapsed() > BUILD_TIMEOUT => {
                    let _ = child.kill();
                    panic!("gongkai build took more than {BUILD_TIMEOUT:?}");
                }
                None => std::thread::sleep(Duration::from_millis(20)),
            }
        }
        let output = child.wait_with_output().expect("gongkai output");
        assert!(
            output.status.success(),
            "the demo did not build:\n{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        let config = fs::read_to_string(Path::new(ROOT).join("site.toml")).expect("site.toml");
        let config = config.parse::<toml::Table>().expect("site.toml parses");
        Demo { dir, config }
    }

    fn out(&self) -> PathBuf {
        self.dir.path().join("public")
    }

    /// The HTML of an output file (`reports/` means `reports/index.html`).
    fn page(&self, path: &str) -> String {
        let mut file = self.out().join(path.trim_start_matches('/'));
        if path.is_empty() || path.ends_with('/') {
            file = file.join("index.html");
        }
        fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()))
    }

    fn exists(&self, path: &str) -> bool {
        self.out().join(path.trim_start_matches('/')).exists()
    }

    /// Every HTML page except the redirect stubs of aliases, by path relative to the output.
    fn pages(&self) -> BTreeMap<String, String> {
        let mut pages = BTreeMap::new();
        let mut dirs = vec![self.out()];
        while let Some(dir) = dirs.pop() {
            for entry in fs::read_dir(&dir).expect("read output") {
                let path = entry.expect("entry").path();
                if path.is_dir() {
                    dirs.push(path);
                } else if path.extension().is_some_and(|e| e == "html") {
                    let html = fs::read_to_string(&path).expect("read page");
                    if html.contains("http-equiv=\"refresh\"") {
                        continue;
                    }
                    let rel = path.strip_prefix(self.out()).unwrap();
                    pages.insert(rel.to_string_lossy().replace('\\', "/"), html);
                }
            }
        }
        assert!(pages.len() > 20, "too few pages built: {}", pages.len());
        pages
    }

    fn gov(&self, key: &str) -> String {
        self.config["gov"][key].as_str().expect(key).to_string()
    }
}

// ---------------------------------------------------------------------------------------------
// HTML helpers
// ---------------------------------------------------------------------------------------------

/// Undoes the escaping the templates apply.
fn unescape(text: &str) -> String {
    text.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// Text content of an HTML fragment as a screen reader gets it: `aria-hidden` spans (icons)
/// dropped, tags removed, entities undone, whitespace trimmed.
fn text_of(fragment: &str) -> String {
    let mut shown = fragment.to_string();
    while let Some(at) = shown.find(" aria-hidden=\"true\">") {
        let start = shown[..at].rfind('<').unwrap();
        let tag = shown[start + 1..]
            .split([' ', '>'])
            .next()
            .unwrap()
            .to_string();
        let end = at + shown[at..].find(&format!("</{tag}>")).unwrap() + tag.len() + 3;
        shown.replace_range(start..end, "");
    }
    let mut text = String::new();
    let mut in_tag = false;
    for c in shown.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            _ if !in_tag => text.push(c),
            _ => {}
        }
    }
    unescape(text.trim())
}

/// The `content` of `<meta name="{name}">`, if there is exactly one.
fn meta(html: &str, name: &str) -> Option<String> {
    let start = format!("<meta name=\"{name}\" content=\"");
    let mut found = html.match_indices(&start);
    let (at, _) = found.next()?;
    assert!(found.next().is_none(), "more than one {name} meta tag");
    let rest = &html[at + start.len()..];
    Some(unescape(&rest[..rest.find('"')?]))
}

/// The inner HTML of the first element opened by `open` (e.g. `<h1`), up to `</tag>`.
fn inner<'a>(html: &'a str, open: &str) -> Option<&'a str> {
    let at = html.find(open)?;
    let tag = open.trim_start_matches('<').split([' ', '>']).next()?;
    let rest = &html[at..];
    let body = &rest[rest.find('>')? + 1..];
    Some(&body[..body.find(&format!("</{tag}>"))?])
}

/// The opening tag (`<video …>`) of the first element opened by `open`.
fn opening_tag<'a>(html: &'a str, open: &str) -> Option<&'a str> {
    let at = html.find(open)?;
    let rest = &html[at..];
    Some(&rest[..=rest.find('>')?])
}

/// The value of `attr` in an opening tag.
fn attr(tag: &str, attr: &str) -> Option<String> {
    let start = format!(" {attr}=\"");
    let at = tag.find(&start)? + start.len();
    Some(unescape(&tag[at..at + tag[at..].find('"')?]))
}

/// Whether an opening tag carries a boolean attribute.
fn has_bool_attr(tag: &str, name: &str) -> bool {
    let inside = tag
        .trim_start_matches('<')
        .trim_end_matches('>')
        .trim_end_matches('/');
    inside.split_whitespace().skip(1).any(|a| a == name)
}

/// `(dt, dd)` text pairs of the first `<dl` opened by `open`.
fn definition_list(html: &str, open: &str) -> Vec<(String, String)> {
    let list = inner(html, open).unwrap_or_else(|| panic!("no {open}"));
    list.split("<dt")
        .skip(1)
        .map(|item| {
            let dt = &item[item.find('>').unwrap() + 1..item.find("</dt>").unwrap()];
            let after = &item[item.find("</dt>").unwrap()..];
            let dd = inner(after, "<dd").expect("dd after dt");
            (text_of(dt), text_of(dd))
        })
        .collect()
}

/// The `href`s of the `<a>` elements in a fragment, in order.
fn links(fragment: &str) -> Vec<String> {
    fragment
        .split("<a ")
        .skip(1)
        .filter_map(|a| {
            attr(
                &format!("<a {}", &a[..a.find('>').unwrap_or(a.len())]),
                "href",
            )
        })
        .collect()
}

/// The `datetime` values of the `<time>` elements in a fragment, in order.
fn datetimes(fragment: &str) -> Vec<String> {
    fragment
        .split("<time ")
        .skip(1)
        .filter_map(|t| {
            attr(
                &format!("<time {}", &t[..t.find('>').unwrap_or(t.len())]),
                "datetime",
            )
        })
        .collect()
}

/// The item (`<li …>…</li>` of a document list) that links to `href`.
fn list_item<'a>(list: &'a str, href: &str) -> Option<&'a str> {
    list.split("<li class=\"gk-document-list__item")
        .skip(1)
        .find(|item| item.contains(&format!("href=\"/{href}\"")))
}

// ---------------------------------------------------------------------------------------------
// Every page
// ---------------------------------------------------------------------------------------------

#[test]
fn every_page_has_language_title_one_h1_skip_link_and_site_metadata() {
    let demo = Demo::build();
    let site_name = demo.config["title"].as_str().unwrap().to_string();
    let domain = demo.config["base_url"].as_str().unwrap();
    let domain = domain.trim_start_matches("https://").trim_end_matches('/');
    let mut titles: BTreeMap<String, String> = BTreeMap::new();
    for (path, html) in demo.pages() {
        assert!(html.contains("<html lang=\"zh-CN\">"), "{path}: lang");
        assert_eq!(html.matches("<h1").count(), 1, "{path}: exactly one h1");
        assert_eq!(
            meta(&html, "SiteName").as_deref(),
            Some(site_name.as_str()),
            "{path}: SiteName"
        );
        assert_eq!(
            meta(&html, "SiteDomain").as_deref(),
            Some(domain),
            "{path}: SiteDomain"
        );
        assert_eq!(
            meta(&html, "SiteIDCode"),
            Some(demo.gov("site_code")),
            "{path}: SiteIDCode"
        );
        assert!(
            html.contains("<meta property=\"og:title\""),
            "{path}: Open Graph title"
        );
        let body = &html[html.find("<body").expect("body")..];
        let first_link = opening_tag(body, "<a ").expect("a link");
        assert!(
            first_link.contains("class=\"gk-skip-link\" href=\"#main-content\""),
            "{path}: the first link is {first_link}"
        );
        assert!(
            html.contains("<main class=\"gk-main\" id=\"main-content\""),
            "{path}: main"
        );
        let title = text_of(inner(&html, "<title").expect("title"));
        if let Some(other) = titles.insert(title.clone(), path.clone()) {
            panic!("{path} and {other} share the title {title}");
        }
    }
}

#[test]
fn no_inline_script_or_style_and_no_third_party_resources() {
    let demo = Demo::build();
    for (path, html) in demo.pages() {
        assert!(!html.contains("<style"), "{path}: <style> element");
        assert!(!html.contains(" style=\""), "{path}: style attribute");
        for script in html.split("<script").skip(1) {
            let tag = &script[..script.find('>').unwrap()];
            assert!(
                tag.contains(" src=\"/"),
                "{path}: inline or external script <script{tag}>"
            );
        }
        for attribute in [
            " onclick=",
            " onload=",
            " onerror=",
            " onsubmit=",
            "javascript:",
        ] {
            assert!(!html.contains(attribute), "{path}: {attribute}");
        }
        for resource in [
            " src=\"http",
            " poster=\"http",
            "rel=\"stylesheet\" href=\"http",
        ] {
            assert!(
                !html.contains(resource),
                "{path}: resource from another host ({resource})"
            );
        }
        assert!(
            html.contains("http-equiv=\"Content-Security-Policy\" content=\"default-src 'self'"),
            "{path}: CSP"
        );
        let ipv4 = html
            .split(|c: char| !(c.is_ascii_digit() || c == '.'))
            .any(|word| {
                let parts: Vec<&str> = word.split('.').collect();
                parts.len() == 4
                    && parts
                        .iter()
                        .all(|p| !p.is_empty() && p.len() <= 3 && p.parse::<u8>().is_ok())
            });
        assert!(!ipv4, "{path}: IPv4 literal");
    }
}

#[test]
fn header_and_footer_follow_the_gov_settings() {
    let demo = Demo::build();
    let html = demo.page(REPORT);
    // Header: 网站支持IPv6 (ipv6 = true in the demo), a GET search form with a label, reading controls
    // rendered hidden (JavaScript reveals them) as aria-pressed buttons.
    assert!(html.contains("<span class=\"gk-ipv6-badge\">网站支持IPv6</span>"));
    let form = opening_tag(&html, "<form class=\"gk-search gk-header__search\"")
        .expect("header search form");
    assert_eq!(attr(form, "action").as_deref(), Some("/search/"));
    assert_eq!(attr(form, "method").as_deref(), Some("get"));
    assert!(html.contains("<label class=\"gk-search__label\" for=\"gk-header-search\">"));
    assert!(html.contains("id=\"gk-header-search\" name=\"q\""));
    let controls =
        opening_tag(&html, "<div class=\"gk-reading-controls\"").expect("reading controls");
    assert!(
        has_bool_attr(controls, "hidden"),
        "reading controls must be hidden without JS: {controls}"
    );
    for size in ["large", "medium", "small"] {
        assert!(
            html.contains(&format!("data-gk-font-size=\"{size}\" aria-pressed=")),
            "字体 {size}"
        );
    }
    assert!(html.contains("data-gk-contrast aria-pressed=\"false\""));
    assert!(html.contains("data-gk-read-aloud aria-pressed=\"false\" hidden"));
    // Main navigation marks the current column.
    assert!(html.contains(
        "<a class=\"gk-navigation__link\" href=\"/reports/\" aria-current=\"true\">工作报告</a>"
    ));

    // Footer.
    let footer = inner(&html, "<footer").expect("footer");
    for key in [
        "organizer",
        "operator",
        "phone",
        "address",
        "email",
        "site_code",
    ] {
        assert!(footer.contains(&demo.gov(key)), "footer lacks {key}");
    }
    let footer_links = links(footer);
    let icp = format!("href=\"{}\">{}</a>", demo.gov("icp_url"), demo.gov("icp"));
    assert!(footer.contains(&icp), "ICP link");
    let police = format!(
        "href=\"{}\">{}</a>",
        demo.gov("police_url"),
        demo.gov("police")
    );
    assert!(footer.contains(&police), "公安备案 link");
    let jiucuo = format!(
        "https://zfwzgl.www.gov.cn/exposure/jiucuo.html?site_code={}&url=https%3A%2F%2Fwww.shiliqu.gov.cn%2Freports%2F2023-fazhi-zhengfu-jianshe%2F",
        demo.gov("site_code")
    );
    assert!(
        footer_links.contains(&jiucuo),
        "我为政府网站找错: {footer_links:?}"
    );
    assert!(footer_links.contains(&"/sitemap/".to_string()), "网站地图");
    assert!(footer_links.contains(&"/contact/".to_string()), "联系我们");
    assert!(demo.exists("sitemap/index.html") && demo.exists("contact/index.html"));
}

// ---------------------------------------------------------------------------------------------
// 政府网站发展指引 metadata
// ---------------------------------------------------------------------------------------------

#[test]
fn article_title_equals_h1_and_pub_date_equals_visible_time() {
    let demo = Demo::build();
    let mut articles = 0;
    for (path, html) in demo.pages() {
        let Some(title) = meta(&html, "ArticleTitle") else {
            continue;
        };
        articles += 1;
        assert_eq!(
            title,
            text_of(inner(&html, "<h1").unwrap()),
            "{path}: ArticleTitle ≠ h1"
        );
        for name in [
            "ContentSource",
            "Author",
            "Description",
            "Url",
            "ColumnName",
        ] {
            assert!(
                meta(&html, name).is_some_and(|v| !v.is_empty()),
                "{path}: {name}"
            );
        }
        if let Some(pub_date) = meta(&html, "PubDate") {
            let visible = text_of(
                inner(&html, "<time class=\"gk-article__pubdate\"").expect("visible 发布时间"),
            );
            assert_eq!(pub_date, visible, "{path}: PubDate ≠ visible time");
            let shape: String = pub_date
                .chars()
                .map(|c| if c.is_ascii_digit() { '0' } else { c })
                .collect();
            assert_eq!(shape, "0000-00-00 00:00", "{path}: PubDate format");
        }
    }
    assert!(articles >= 15, "only {articles} article pages");

    // One page checked against its front matter.
    let html = demo.page(REPORT);
    assert_eq!(
        meta(&html, "ArticleTitle").unwrap(),
        "2023年度示例区法治政府建设工作情况的报告"
    );
    assert_eq!(meta(&html, "PubDate").unwrap(), "2024-03-26 10:30");
    assert!(html.contains("发布时间：<time class=\"gk-article__pubdate\" datetime=\"2024-03-26T10:30:00+08:00\">2024-03-26 10:30</time>"));
    assert!(html.contains("来源：示例区司法局"));
    assert_eq!(meta(&html, "ContentSource").unwrap(), "示例区司法局");
    assert_eq!(meta(&html, "Author").unwrap(), "示例区人民政府");
    assert_eq!(
        meta(&html, "Keywords").unwrap(),
        "法治政府建设,年度报告,依法行政,行政执法,2023"
    );
    assert_eq!(
        meta(&html, "Url").unwrap(),
        "https://www.shiliqu.gov.cn/reports/2023-fazhi-zhengfu-jianshe/"
    );
    assert_eq!(meta(&html, "ColumnName").unwrap(), "工作报告");
    assert!(
        meta(&html, "Description")
            .unwrap()
            .starts_with("2023年，示例区")
    );
    assert!(html.contains("<meta property=\"og:type\" content=\"article\">"));
}

#[test]
fn column_pages_carry_column_metadata() {
    let demo = Demo::build();
    let html = demo.page("reports/");
    assert_eq!(meta(&html, "ColumnName").unwrap(), "工作报告");
    assert!(
        meta(&html, "ColumnDescription")
            .unwrap()
            .starts_with("示例区人民政府及区直部门发布的")
    );
    assert!(
        meta(&html, "ColumnKeywords")
            .unwrap()
            .starts_with("工作报告,年度报告")
    );
    assert_eq!(meta(&html, "ColumnType").unwrap(), "list");
    assert!(
        meta(&html, "ArticleTitle").is_none(),
        "a column page is not an article"
    );
    assert_eq!(meta(&demo.page("videos/"), "ColumnType").unwrap(), "video");
    let term = demo.page("department/shi-li-qu-si-fa-ju/");
    assert_eq!(meta(&term, "ColumnName").unwrap(), "示例区司法局");
}

// ---------------------------------------------------------------------------------------------
// Articles: disclosure card, repealed documents, attachments, breadcrumbs and pagination
// ---------------------------------------------------------------------------------------------

#[test]
fn disclosure_card_is_a_dl_of_the_seven_fields() {
    let demo = Demo::build();
    let html = demo.page(REPORT);
    let fields = definition_list(&html, "<dl class=\"gk-summary-list\"");
    let expected = [
        ("索引号", "431200105/2024-00012"),
        ("主题分类", "法治政府"),
        ("发布机构", "示例区人民政府"),
        ("成文日期", "2024-03-20"),
        ("发文字号", "示司发〔2024〕3号"),
        ("发布日期", "2024-03-26"),
        ("有效性", "有效"),
    ];
    let fields: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(fields, expected);

    // The 索引号 is one value: never broken in the middle (the browser suite checks that it
    // still fits a 375 px phone at 字体 大).
    assert!(html.contains("<span class=\"gk-nowrap\">431200105/2024-00012</span>"));

    // Attachments with their type and size, and a table of contents for this long report.
    let attachments = inner(&html, "<section class=\"gk-attachments\"").expect("attachments");
    assert!(attachments.contains(
        "href=\"/reports/2023-fazhi-zhengfu-jianshe/fujian1-2023-zhuyao-zhibiao.pdf\" download"
    ));
    assert!(attachments.contains("PDF 文档，"), "type of the PDF");
    assert!(attachments.contains("Word 文档，"), "type of the docx");
    assert!(
        attachments.contains("&nbsp;KB</span>"),
        "sizes, in the units Chinese portals use"
    );
    assert!(!html.contains("Bytes") && !html.contains(" kB"));
    assert!(html.contains("<nav class=\"gk-toc\" aria-labelledby=\"gk-toc-title\">"));
    assert!(html.contains("href=\"#main-work\">一、2023年主要工作</a>"));
}

#[test]
fn an_empty_disclosure_field_says_not_stated_never_none() {
    // A video has an 索引号 but no 有效性 or 发文字号: "有效性 无" would read as "not valid".
    let demo = Demo::build();
    let html = demo.page("videos/minfadian-jin-shequ/");
    let fields = definition_list(&html, "<dl class=\"gk-summary-list\"");
    let value = |key: &str| {
        fields
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .unwrap_or_else(|| panic!("no {key} in {fields:?}"))
    };
    assert_eq!(value("有效性"), "未注明");
    assert_eq!(value("发文字号"), "未注明");
    assert!(fields.iter().all(|(_, v)| v != "无"), "{fields:?}");
}

#[test]
fn repealed_document_is_marked_in_words_not_only_colour() {
    let demo = Demo::build();
    let html = demo.page(REPEALED);
    let fields = definition_list(&html, "<dl class=\"gk-summary-list\"");
    assert_eq!(
        fields.last().map(|(k, v)| (k.as_str(), v.as_str())),
        Some(("有效性", "废止"))
    );
    assert!(html.contains("<strong class=\"gk-validity gk-validity--repealed\"><span class=\"gk-validity__icon\" aria-hidden=\"true\">✕</span>废止</strong>"));
    assert!(html.contains("class=\"gk-summary-card gk-summary-card--repealed\""));
    let status =
        inner(&html, "<div class=\"gk-status gk-status--repealed\"").expect("repealed notice");
    assert!(text_of(status).contains("本文件已废止"));
    assert!(text_of(status).contains("示政发〔2023〕21号"));

    // In the list, the repealed document says so; a valid one does not.
    let list = demo.page("reports/page/2/");
    let item = list_item(&list, "reports/2018-xingzheng-zhifa-jiandu-shishi-yijian/")
        .expect("repealed item in list");
    assert!(item.contains(">已废止</strong>"));
    let valid = demo.page(REPORT);
    assert!(!valid.contains("已废止") && !valid.contains("gk-validity--repealed"));
}

#[test]
fn breadcrumbs_and_pagination_are_navigable() {
    let demo = Demo::build();
    let html = demo.page(REPORT);
    let crumbs = inner(
        &html,
        "<nav class=\"gk-breadcrumbs\" aria-label=\"当前位置\"",
    )
    .expect("breadcrumbs");
    assert!(crumbs.contains("<ol class=\"gk-breadcrumbs__list\">"));
    assert_eq!(links(crumbs), ["/", "/reports/"]);
    assert!(crumbs.contains("aria-current=\"page\">2023年度示例区法治政府建设工作情况的报告</li>"));

    let first = demo.page("reports/");
    let pager = inner(&first, "<nav class=\"gk-pagination\" aria-label=\"分页\"")
        .expect("pagination on page 1");
    assert!(pager.contains("href=\"/reports/page/2/\" rel=\"next\""));
    assert!(!pager.contains("rel=\"prev\""));
    assert!(pager.contains("href=\"/reports/\" aria-current=\"page\""));
    let second = demo.page("reports/page/2/");
    let pager = inner(&second, "<nav class=\"gk-pagination\" aria-label=\"分页\"")
        .expect("pagination on page 2");
    assert!(pager.contains("href=\"/reports/\" rel=\"prev\""));
    assert!(pager.contains("href=\"/reports/page/2/\" aria-current=\"page\""));
    assert!(text_of(inner(&second, "<title").unwrap()).contains("第2页"));
    // Back to top on every page.
    assert!(html.contains("href=\"#top\"") && html.contains("<body id=\"top\""));
}

// ---------------------------------------------------------------------------------------------
// Videos
// ---------------------------------------------------------------------------------------------

#[test]
fn video_pages_have_captions_poster_downloads_and_no_autoplay() {
    let demo = Demo::build();
    let mut videos = 0;
    for (path, html) in demo.pages() {
        let Some(video) = opening_tag(&html, "<video") else {
            continue;
        };
        videos += 1;
        assert!(
            has_bool_attr(video, "controls"),
            "{path}: controls in {video}"
        );
        assert!(!html.contains("autoplay"), "{path}: autoplay");
        assert_eq!(
            attr(video, "preload").as_deref(),
            Some("metadata"),
            "{path}: preload"
        );
        let poster = attr(video, "poster").unwrap_or_else(|| panic!("{path}: poster"));
        assert!(
            demo.exists(&poster),
            "{path}: poster {poster} not in the output"
        );
        let source = opening_tag(&html, "<source").expect("source");
        let src = attr(source, "src").unwrap();
        assert!(
            src.ends_with(".mp4") && demo.exists(&src),
            "{path}: video file {src}"
        );
        assert_eq!(attr(source, "type").as_deref(), Some("video/mp4"));

        let track =
            opening_tag(&html, "<track").unwrap_or_else(|| panic!("{path}: captions track"));
        assert_eq!(
            attr(track, "kind").as_deref(),
            Some("captions"),
            "{path}: kind"
        );
        assert_eq!(
            attr(track, "srclang").as_deref(),
            Some("zh-CN"),
            "{path}: srclang"
        );
        assert_eq!(
            attr(track, "label").as_deref(),
            Some("中文字幕"),
            "{path}: label"
        );
        assert!(has_bool_attr(track, "default"), "{path}: default track");
        let captions = attr(track, "src").unwrap();
        assert!(
            captions.ends_with(".vtt") && demo.exists(&captions),
            "{path}: captions {captions}"
        );

        let downloads = inner(&html, "<ul class=\"gk-video__downloads\"").expect("download links");
        assert!(
            downloads.contains(&format!("href=\"{src}\" download>下载视频</a>")),
            "{path}: video download"
        );
        assert!(
            downloads.contains(&format!("href=\"{captions}\" download>下载字幕</a>")),
            "{path}: captions download"
        );
        // The transcript is the page body, after the player.
        let prose = inner(&html, "<div class=\"gk-prose\"").expect("transcript");
        assert!(prose.contains("视频文字稿"), "{path}: transcript heading");
    }
    assert_eq!(videos, 3, "video pages");

    let list = demo.page("videos/");
    let posters = list
        .matches("<div class=\"gk-document-list__poster\">")
        .count();
    assert_eq!(posters, 3, "posters in the video list");
    assert!(
        list.contains("时长：<time datetime=\"PT"),
        "durations in the video list"
    );
}

// ---------------------------------------------------------------------------------------------
// Notices: pinned, expired, scheduled, draft
// ---------------------------------------------------------------------------------------------

#[test]
fn notices_list_pinned_first_then_newest_and_archive_expired() {
    let demo = Demo::build();
    let html = demo.page("notices/");
    let current = inner(
        &html,
        "<section class=\"gk-listing\" aria-labelledby=\"gk-listing-title\"",
    )
    .expect("current list");
    let current_links: Vec<String> = links(current)
        .into_iter()
        .filter(|l| !l.contains("/page/"))
        .collect();
    assert_eq!(
        current_links.first().map(String::as_str),
        Some(format!("/{PINNED}").as_str()),
        "pinned first"
    );
    let pinned = list_item(current, PINNED).unwrap();
    assert!(pinned.contains(">置顶</strong>"), "置顶 label");
    // The rest newest first.
    let dates: Vec<String> = current
        .split("<li class=\"gk-document-list__item")
        .skip(2)
        .flat_map(datetimes)
        .collect();
    assert!(dates.len() >= 3, "dated notices: {dates:?}");
    assert!(
        dates.windows(2).all(|w| w[0] >= w[1]),
        "not newest first: {dates:?}"
    );
    assert!(
        !current.contains(EXPIRED),
        "an expired notice is in the current list"
    );

    let archive =
        inner(&html, "<section class=\"gk-listing gk-listing--archive\"").expect("archive list");
    assert!(text_of(archive).contains("已过期"));
    let expired = list_item(archive, EXPIRED).expect("expired notice archived");
    assert!(
        expired.contains(">已过期</strong>"),
        "已过期 label on the item"
    );

    // The expired notice keeps its page, marked.
    let page = demo.page(EXPIRED);
    let status =
        inner(&page, "<div class=\"gk-status gk-status--expired\"").expect("expired status");
    assert!(text_of(status).contains("已过期"));
    assert!(text_of(status).contains("2025-01-31"));

    // The home page shows the pinned notice in a labelled region.
    let home = demo.page("");
    let banner = opening_tag(&home, "<div class=\"gk-notification-banner\"").expect("banner");
    assert!(banner.contains("role=\"region\" aria-labelledby=\"gk-notification-banner-title\""));
    let banner = inner(&home, "<div class=\"gk-notification-banner__content\"").unwrap();
    assert_eq!(links(banner), [format!("/{PINNED}")]);
}

#[test]
fn scheduled_and_draft_notices_are_not_built_or_linked() {
    let demo = Demo::build();
    assert!(
        Path::new(ROOT)
            .join(format!("content/notices/{SCHEDULED}.md"))
            .exists(),
        "demo lost its scheduled notice"
    );
    assert!(
        Path::new(ROOT)
            .join(format!("content/notices/{DRAFT}.md"))
            .exists(),
        "demo lost its draft notice"
    );
    assert!(demo.exists("notices/index.html"));
    for slug in [SCHEDULED, DRAFT] {
        assert!(!demo.exists(&format!("notices/{slug}")), "{slug} was built");
        for (path, html) in demo.pages() {
            assert!(!html.contains(slug), "{path} mentions {slug}");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Other page types
// ---------------------------------------------------------------------------------------------

#[test]
fn sitemap_search_taxonomies_and_404_exist() {
    let demo = Demo::build();
    let sitemap = demo.page("sitemap/");
    // Every built page is linked from the site map.
    for (path, html) in demo.pages() {
        if meta(&html, "ArticleTitle").is_none() || path == "404.html" {
            continue;
        }
        let url = format!("href=\"/{}\"", path.trim_end_matches("index.html"));
        assert!(sitemap.contains(&url), "site map lacks {url}");
    }
    assert!(sitemap.contains("id=\"gk-by-year\"") && sitemap.contains("id=\"gk-year-2024\""));

    let search = demo.page("search/");
    let form =
        opening_tag(&search, "<form class=\"gk-search gk-search--page\"").expect("search form");
    assert_eq!(attr(form, "method").as_deref(), Some("get"));
    assert!(search.contains("<label class=\"gk-search__label\" for=\"gk-page-search\">"));
    assert!(text_of(&search).contains("站内搜索功能正在建设中"));
    assert!(search.contains("href=\"/sitemap/\">网站地图</a>"));

    for taxonomy in ["department", "category", "tags"] {
        let list = demo.page(&format!("{taxonomy}/"));
        let terms = inner(&list, "<ul class=\"gk-term-list\"")
            .unwrap_or_else(|| panic!("{taxonomy} terms"));
        let first = links(terms).into_iter().next().expect("a term");
        assert!(demo.exists(&format!("{first}index.html")), "{first}");
    }
    let not_found = demo.page("404.html");
    assert_eq!(text_of(inner(&not_found, "<h1").unwrap()), "页面未找到");
    assert!(not_found.contains("href=\"/sitemap/\""));
}
