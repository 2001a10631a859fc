//! End-to-end tests of `gongkai build` (issue 2): each rule of the contract, checked by running the
//! real binary on a small site written into a temporary folder and reading the HTML it produces.
//!
//! Sites are written from `(path, contents)` lists so that each test shows its whole input; they
//! get the templates of `tests/fixtures/basic/templates` unless a test brings its own. Failing
//! builds are checked for their message (file, line and column, hint) and for leaving the previous
//! `public/` byte-for-byte as it was, with no staging folder behind.

mod common;
use common::copy_dir;

use std::collections::BTreeMap;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_gongkai");
const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/basic");

/// No build of these small sites should come anywhere near this; a hang fails instead of stalling.
const BUILD_TIMEOUT: Duration = Duration::from_secs(60);

const SITE_TOML: &str = r#"base_url = "https://www.example.gov.cn"
title = "示例区人民政府"

[taxonomies.department]
title = "发布机构"
paginate_by = 2
"#;

/// A report with a `<!-- more -->` summary and Chinese headings, one of them repeated.
const REPORT: &str = r#"+++
title = "2023年度法治政府建设工作情况的报告"
date = "2024-03-28 15:46"
source = "示例区司法局"
+++
2023年，示例区坚持依法行政。

<!-- more -->

## 一、主要工作

第一部分。

### （一）坚持党的领导

细节。

## 一、主要工作

同名标题。
"#;

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/// A site in a temporary folder.
struct Site {
    dir: tempfile::TempDir,
}

/// What one run of the binary did.
#[derive(Debug)]
struct Run {
    status: ExitStatus,
    stdout: String,
    stderr: String,
}

impl Run {
    fn code(&self) -> Option<i32> {
        self.status.code()
    }
}

impl Site {
    /// A site with the fixture's templates, a default `site.toml`, a home page and a `reports`
    /// section (which the fixture's `index.html` lists), plus `files`, which win over the defaults.
    fn new(files: &[(&str, &str)]) -> Site {
        let site = Site::bare(&[
            ("site.toml", SITE_TOML),
            (
                "content/_index.md",
                "+++\ntitle = \"首页\"\n+++\n欢迎访问。\n",
            ),
            (
                "content/reports/_index.md",
                "+++\ntitle = \"工作报告\"\n+++\n",
            ),
        ]);
        copy_dir(
            &Path::new(FIXTURE).join("templates"),
            &site.root().join("templates"),
        );
        for (path, contents) in files {
            site.write(path, contents);
        }
        site
    }

    /// A site holding exactly `files`.
    fn bare(files: &[(&str, &str)]) -> Site {
        let site = Site {
            dir: tempfile::tempdir().expect("temporary folder"),
        };
        for (path, contents) in files {
            site.write(path, contents);
        }
        site
    }

    fn root(&self) -> &Path {
        self.dir.path()
    }

    fn public(&self) -> PathBuf {
        self.root().join("public")
    }

    fn write(&self, path: &str, contents: impl AsRef<[u8]>) {
        let file = self.root().join(path);
        fs::create_dir_all(file.parent().unwrap()).unwrap();
        fs::write(file, contents).unwrap();
    }

    fn remove(&self, path: &str) {
        fs::remove_file(self.root().join(path)).unwrap();
    }

    /// `gongkai build --root <root> --output <root>/public <args>`.
    fn build(&self, args: &[&str]) -> Run {
        let mut command = Command::new(BIN);
        command
            .arg("build")
            .arg("--root")
            .arg(self.root())
            .arg("--output")
            .arg(self.public())
            .args(args);
        run(command)
    }

    /// Builds and insists on success.
    #[track_caller]
    fn build_ok(&self, args: &[&str]) -> Run {
        let run = self.build(args);
        assert_eq!(
            run.code(),
            Some(0),
            "the build should succeed\nstdout:\n{}\nstderr:\n{}",
            run.stdout,
            run.stderr
        );
        assert!(
            run.stdout.starts_with("Built "),
            "summary line missing: {}",
            run.stdout
        );
        run
    }

    /// The output file for a URL path relative to the site (`reports/a/` → `reports/a/index.html`).
    fn output_file(&self, url: &str) -> PathBuf {
        let url = url.trim_start_matches('/');
        if url.is_empty() || url.ends_with('/') {
            self.public().join(url).join("index.html")
        } else {
            self.public().join(url)
        }
    }

    fn has(&self, url: &str) -> bool {
        self.output_file(url).is_file()
    }

    #[track_caller]
    fn html(&self, url: &str) -> String {
        let file = self.output_file(url);
        fs::read_to_string(&file).unwrap_or_else(|e| {
            panic!(
                "cannot read {}: {e}\noutput has: {:#?}",
                file.display(),
                snapshot(&self.public()).keys()
            )
        })
    }

    /// Staging and backup folders gongkai left beside the output (not the spare, the build
    /// before the live one, which every build keeps for the next to start from).
    fn leftovers(&self) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(self.root())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with(".public.gongkai-") && n != ".public.gongkai-spare")
            .collect();
        names.sort();
        names
    }
}

/// Runs a command to completion, failing the test if it takes longer than [`BUILD_TIMEOUT`].
fn run(mut command: Command) -> Run {
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start gongkai");
    // Read both pipes on threads so that a chatty child cannot block on a full pipe.
    let reader = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = pipe.read_to_end(&mut bytes);
            String::from_utf8_lossy(&bytes).into_owned()
        })
    };
    let stdout = reader(Box::new(child.stdout.take().unwrap()));
    let stderr = reader(Box::new(child.stderr.take().unwrap()));
    let status = wait_with_timeout(&mut child, BUILD_TIMEOUT);
    Run {
        status,
        stdout: stdout.join().unwrap(),
        stderr: stderr.join().unwrap(),
    }
}

fn wait_with_timeout(child: &mut Child, timeout: Duration) -> ExitStatus {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("gongkai did not finish within {timeout:?} (a hang?)");
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Every path under `dir` (folders as `None`, files with their bytes, symlinks by target).
fn snapshot(dir: &Path) -> BTreeMap<String, Option<Vec<u8>>> {
    fn walk(base: &Path, dir: &Path, out: &mut BTreeMap<String, Option<Vec<u8>>>) {
        for entry in fs::read_dir(dir).unwrap() {
            let entry = entry.unwrap();
            let path = entry.path();
            let rel = path
                .strip_prefix(base)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            let kind = entry.file_type().unwrap();
            if kind.is_dir() {
                out.insert(format!("{rel}/"), None);
                walk(base, &path, out);
            } else if kind.is_symlink() {
                let target = fs::read_link(&path).unwrap();
                out.insert(
                    format!("{rel} ->"),
                    Some(target.to_string_lossy().into_owned().into_bytes()),
                );
            } else {
                out.insert(rel, Some(fs::read(&path).unwrap()));
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

#[track_caller]
fn assert_contains(haystack: &str, needle: &str) {
    assert!(
        haystack.contains(needle),
        "expected to find\n  {needle}\nin\n{haystack}"
    );
}

#[track_caller]
fn assert_lacks(haystack: &str, needle: &str) {
    assert!(
        !haystack.contains(needle),
        "did not expect\n  {needle}\nin\n{haystack}"
    );
}

/// Asserts that `needles` occur in `haystack`, each after the one before.
#[track_caller]
fn assert_in_order(haystack: &str, needles: &[&str]) {
    let mut from = 0;
    for needle in needles {
        match haystack[from..].find(needle) {
            Some(i) => from += i + needle.len(),
            None => panic!(
                "expected {needles:?} in this order; `{needle}` missing after byte {from} of\n{haystack}"
            ),
        }
    }
}

/// Two published pages, one linking to the other: the last good build every error test starts from.
fn good_site() -> Site {
    Site::new(&[
        ("content/reports/a.md", REPORT),
        (
            "content/reports/b.md",
            "+++\ntitle = \"第二篇\"\ndate = 2024-01-02\n+++\n见[报告](@/reports/a.md)。\n",
        ),
        ("static/css/site.css", "body { color: #111; }\n"),
    ])
}

/// Builds `site` successfully, breaks it with `breakage`, builds again, and checks the failure:
/// exit code 1, a count line, the previous output untouched and no staging folder left.
/// Returns stderr for the test's own checks.
#[track_caller]
fn assert_breaks(site: &Site, breakage: impl FnOnce(&Site)) -> String {
    site.build_ok(&[]);
    let before = snapshot(&site.public());
    assert!(before.contains_key("reports/a/index.html"));
    breakage(site);
    let run = site.build(&[]);
    assert_eq!(
        run.code(),
        Some(1),
        "the build should fail with exit 1\nstdout:\n{}\nstderr:\n{}",
        run.stdout,
        run.stderr
    );
    assert!(
        run.stdout.is_empty(),
        "a failed build prints no summary: {}",
        run.stdout
    );
    assert_contains(&run.stderr, "error: the site was not built (");
    assert_contains(&run.stderr, "is unchanged");
    assert!(
        snapshot(&site.public()) == before,
        "public/ changed although the build failed\n{}",
        run.stderr
    );
    assert_eq!(
        site.leftovers(),
        Vec::<String>::new(),
        "a failed build left a staging folder"
    );
    run.stderr
}

// ---------------------------------------------------------------------------------------------
// URLs
// ---------------------------------------------------------------------------------------------

#[test]
fn a_page_file_becomes_a_folder_with_index_html() {
    let site = Site::new(&[
        ("content/reports/a.md", REPORT),
        (
            "content/reports/2024/nested.md",
            "+++\ntitle = \"子目录页面\"\ndate = 2024-05-01\n+++\n正文。\n",
        ),
    ]);
    let run = site.build_ok(&[]);
    assert_contains(&run.stdout, "Built 2 pages, 2 sections");
    let html = site.html("reports/a/");
    assert_contains(
        &html,
        "<title>2023年度法治政府建设工作情况的报告 - 示例区人民政府</title>",
    );
    assert_contains(&html, "<h1>2023年度法治政府建设工作情况的报告</h1>");
    // A folder without _index.md is not a section: its pages join the section above, under its slug.
    assert_contains(&site.html("reports/2024/nested/"), "<h1>子目录页面</h1>");
    assert_contains(&site.html("reports/"), "href=\"/reports/2024/nested/\"");
    assert_contains(&site.html(""), "<h1>首页</h1>");
    assert_contains(
        &site.html(""),
        "<li><a href=\"/reports/\">工作报告</a> (2)</li>",
    );
    assert_contains(&site.html("404.html"), "页面不存在");
}

#[test]
fn output_defaults_to_public_under_the_root() {
    let site = Site::new(&[("content/reports/a.md", REPORT)]);
    let mut command = Command::new(BIN);
    command.arg("build").arg("--root").arg(site.root());
    let run = run(command);
    assert_eq!(run.code(), Some(0), "{}", run.stderr);
    assert_contains(&run.stdout, &site.public().display().to_string());
    assert!(site.has("reports/a/"));
}

#[test]
fn page_bundles_copy_their_assets_beside_the_html() {
    let site = Site::new(&[
        (
            "content/reports/2023-annual/index.md",
            "+++\ntitle = \"2023年度报告\"\ndate = 2024-03-28\n+++\n见[附件](report.pdf)。\n",
        ),
        ("content/reports/2023-annual/report.pdf", "%PDF-1.4 fake\n"),
        ("content/reports/2023-annual/解读.docx", "PK fake docx"),
        (
            "content/reports/2023-annual/media/video.mp4",
            "fake mp4 bytes",
        ),
        (
            "content/reports/2023-annual/media/video.vtt",
            "WEBVTT\n\n00:00.000 --> 00:01.000\n字幕\n",
        ),
    ]);
    site.build_ok(&[]);
    let html = site.html("reports/2023-annual/");
    assert_contains(&html, "<h1>2023年度报告</h1>");
    assert_contains(&html, "<a href=\"report.pdf\">附件</a>");
    // The fixture's page.html lists document attachments with extension and size.
    assert_contains(
        &html,
        "<a href=\"/reports/2023-annual/report.pdf\">report.pdf</a> PDF 14 Bytes",
    );
    assert_contains(
        &html,
        "<a href=\"/reports/2023-annual/解读.docx\">解读.docx</a> DOCX",
    );
    assert_lacks(&html, "video.mp4</a>"); // a video is not a download
    for (asset, bytes) in [
        ("report.pdf", "%PDF-1.4 fake\n"),
        ("解读.docx", "PK fake docx"),
        ("media/video.mp4", "fake mp4 bytes"),
        (
            "media/video.vtt",
            "WEBVTT\n\n00:00.000 --> 00:01.000\n字幕\n",
        ),
    ] {
        let copied = site.public().join("reports/2023-annual").join(asset);
        assert_eq!(
            fs::read_to_string(&copied).unwrap_or_default(),
            bytes,
            "{asset} not copied beside the page"
        );
    }
}

#[test]
fn chinese_file_names_get_the_pinyin_slug() {
    let site = Site::new(&[
        (
            "content/reports/2023年度报告.md",
            "+++\ntitle = \"年度报告\"\ndate = 2024-03-28\n+++\n",
        ),
        (
            "content/通知公告/_index.md",
            "+++\ntitle = \"通知公告\"\n+++\n",
        ),
        (
            "content/通知公告/（一）关于开展法治宣传的通知.md",
            "+++\ntitle = \"通知\"\ndate = 2024-03-28\n+++\n",
        ),
    ]);
    site.build_ok(&[]);
    assert_contains(
        &site.html("reports/2023-nian-du-bao-gao/"),
        "<h1>年度报告</h1>",
    );
    assert_contains(&site.html("tong-zhi-gong-gao/"), "<h1>通知公告</h1>");
    assert_contains(
        &site.html("tong-zhi-gong-gao/yi-guan-yu-kai-zhan-fa-zhi-xuan-chuan-de-tong-zhi/"),
        "<h1>通知</h1>",
    );
    // Only ASCII names in the output tree.
    for path in snapshot(&site.public()).keys() {
        assert!(path.is_ascii(), "non-ASCII output path {path}");
    }
}

#[test]
fn slug_and_path_override_the_url() {
    let site = Site::new(&[
        (
            "content/reports/政府工作报告.md",
            "+++\ntitle = \"政府工作报告\"\ndate = 2024-01-15\nslug = \"gov-report-2024\"\n+++\n",
        ),
        (
            "content/reports/contact.md",
            "+++\ntitle = \"联系我们\"\ndate = 2024-01-15\npath = \"about/contact\"\n+++\n",
        ),
    ]);
    site.build_ok(&[]);
    assert_contains(
        &site.html("reports/gov-report-2024/"),
        "<h1>政府工作报告</h1>",
    );
    assert!(!site.has("reports/zheng-fu-gong-zuo-bao-gao/"));
    assert_contains(&site.html("about/contact/"), "<h1>联系我们</h1>");
    assert!(!site.has("reports/contact/"));
    // The section links to the overridden URLs.
    let listing = site.html("reports/");
    assert_contains(&listing, "href=\"/reports/gov-report-2024/\"");
    assert_contains(&listing, "href=\"/about/contact/\"");
}

#[test]
fn aliases_become_redirect_pages() {
    let site = Site::new(&[(
        "content/reports/a.md",
        "+++\ntitle = \"报告\"\ndate = 2024-01-15\naliases = [\"old/2023/report.html\", \"/xxgk/bg/\"]\n+++\n",
    )]);
    site.build_ok(&[]);
    // An old URL naming an .html file gets that file, as in Zola; others get a folder.
    assert!(site.public().join("old/2023/report.html").is_file());
    for alias in ["old/2023/report.html", "xxgk/bg/"] {
        let html = site.html(alias);
        assert_contains(
            &html,
            "<meta http-equiv=\"refresh\" content=\"0; url=/reports/a/\">",
        );
        assert_contains(
            &html,
            "<link rel=\"canonical\" href=\"https://www.example.gov.cn/reports/a/\">",
        );
        assert_contains(&html, "<a href=\"/reports/a/\">");
    }
}

#[test]
fn an_alias_of_the_page_itself_is_an_error() {
    let site = good_site();
    let stderr = assert_breaks(&site, |site| {
        site.write(
            "content/reports/b.md",
            "+++\ntitle = \"第二篇\"\naliases = [\"/reports/b/\"]\n+++\n",
        );
    });
    assert_contains(&stderr, "`/reports/b/` is this page's own URL");
    assert_contains(&stderr, "--> content/reports/b.md:3:1");
}

#[test]
fn two_sources_for_one_url_fail_naming_both() {
    let site = good_site();
    let stderr = assert_breaks(&site, |site| {
        // 报告.md slugs to bao-gao, which bao-gao.md also claims.
        site.write("content/reports/报告.md", "+++\ntitle = \"报告\"\n+++\n");
        site.write(
            "content/reports/bao-gao.md",
            "+++\ntitle = \"报告二\"\n+++\n",
        );
    });
    assert_contains(&stderr, "/reports/bao-gao/");
    assert_contains(&stderr, "content/reports/报告.md");
    assert_contains(&stderr, "content/reports/bao-gao.md");
    assert_contains(&stderr, "hint: rename one of the files");

    let site = good_site();
    let stderr = assert_breaks(&site, |site| {
        site.write(
            "content/reports/a/index.md",
            "+++\ntitle = \"同名页面包\"\n+++\n",
        );
    });
    assert_contains(&stderr, "the URL /reports/a/ is also produced by");
    assert_contains(&stderr, "content/reports/a.md");
    assert_contains(&stderr, "content/reports/a/index.md");
}

#[test]
fn a_page_may_not_take_the_url_of_a_listing_page() {
    let mut files = vec![(
        "content/reports/_index.md",
        "+++\ntitle = \"工作报告\"\npaginate_by = 1\n+++\n",
    )];
    files.push(("content/reports/a.md", "+++\ntitle = \"甲\"\n+++\n"));
    files.push((
        "content/reports/b.md",
        "+++\ntitle = \"乙\"\npath = \"reports/page/2\"\n+++\n",
    ));
    let site = Site::new(&files);
    let run = site.build(&[]);
    assert_eq!(run.code(), Some(1), "{}", run.stderr);
    assert_contains(&run.stderr, "the URL /reports/page/2/ is also produced by");
    assert_contains(&run.stderr, "content/reports/_index.md");
    assert_contains(&run.stderr, "content/reports/b.md");
}

#[test]
fn a_static_file_may_not_replace_a_page() {
    let site = Site::new(&[
        ("content/reports/a.md", "+++\ntitle = \"甲\"\n+++\n"),
        ("static/reports/a/index.html", "<p>旧页面</p>\n"),
    ]);
    let run = site.build(&[]);
    assert_eq!(run.code(), Some(1), "{}", run.stderr);
    assert_contains(&run.stderr, "--> static/reports/a/index.html");
    assert_contains(&run.stderr, "also produced by content/reports/a.md");
}

#[test]
fn a_video_file_missing_from_its_bundle_is_an_error_at_its_key() {
    let site = Site::new(&[
        (
            "content/videos/_index.md",
            "+++\ntitle = \"普法视频\"\n+++\n",
        ),
        (
            "content/videos/fa/index.md",
            "+++\ntitle = \"民法典\"\n[video]\nfile = \"fa.mp4\"\ncaptions = \"fa.vtt\"\n+++\n文字稿。\n",
        ),
        ("content/videos/fa/fa.mp4", "not really a video"),
    ]);
    let run = site.build(&[]);
    assert_eq!(run.code(), Some(1), "{}", run.stderr);
    assert_contains(&run.stderr, "`video.captions` names `fa.vtt`");
    assert_contains(&run.stderr, "--> content/videos/fa/index.md:5:1");
    assert_contains(&run.stderr, "5 | captions = \"fa.vtt\"");
    assert_lacks(&run.stderr, "`video.file`");
}

#[test]
fn a_video_without_captions_builds_with_a_warning() {
    let site = Site::new(&[
        (
            "content/videos/_index.md",
            "+++\ntitle = \"普法视频\"\n+++\n",
        ),
        (
            "content/videos/fa/index.md",
            "+++\ntitle = \"民法典\"\n[video]\nfile = \"fa.mp4\"\n+++\n",
        ),
        ("content/videos/fa/fa.mp4", "not really a video"),
    ]);
    let run = site.build_ok(&[]);
    assert_contains(&run.stderr, "warning: this video has no captions file");
    assert_contains(&run.stderr, "--> content/videos/fa/index.md");
    assert!(site.has("videos/fa/fa.mp4"));
}

#[test]
fn base_url_flag_prefixes_every_link() {
    let site = Site::new(&[
        ("content/reports/a.md", REPORT),
        (
            "content/reports/b.md",
            "+++\ntitle = \"第二篇\"\ndate = 2024-01-02\n+++\n见[报告](@/reports/a.md)。\n",
        ),
    ]);
    site.build_ok(&["--base-url", "https://preview.example.gov.cn/staging"]);
    // Files stay at the output root; URLs carry the sub-path.
    assert_contains(
        &site.html("reports/b/"),
        "<a href=\"/staging/reports/a/\">报告</a>",
    );
    assert_contains(&site.html("reports/"), "href=\"/staging/reports/a/\"");
    let bad = site.build(&["--base-url", "ftp://nope"]);
    assert_eq!(bad.code(), Some(1), "{}", bad.stderr);
    assert_contains(&bad.stderr, "--base-url");
}

// ---------------------------------------------------------------------------------------------
// Front matter and publishing rules
// ---------------------------------------------------------------------------------------------

#[test]
fn toml_and_yaml_front_matter_are_both_read() {
    let site = Site::new(&[
        (
            "content/reports/toml.md",
            "+++\ntitle = \"TOML 页面\"\ndate = 2024-03-28\nsource = \"示例区司法局\"\nvalidity = \"有效\"\n[extra]\nnote = 1\n+++\nTOML 正文。\n",
        ),
        (
            "content/reports/yaml.md",
            "---\ntitle: YAML 页面\ndate: 2024-03-27\nsource: 示例区财政局\nvalidity: 废止\ntags: [预算]\nextra:\n  note: 2\n---\nYAML 正文。\n",
        ),
    ]);
    site.build_ok(&[]);
    let toml = site.html("reports/toml/");
    assert_contains(&toml, "<h1>TOML 页面</h1>");
    assert_contains(&toml, "来源：示例区司法局");
    assert_contains(&toml, "有效性：有效");
    assert_contains(&toml, "<p>TOML 正文。</p>");
    let yaml = site.html("reports/yaml/");
    assert_contains(&yaml, "<h1>YAML 页面</h1>");
    assert_contains(&yaml, "来源：示例区财政局");
    assert_contains(&yaml, "有效性：废止");
    assert_contains(&yaml, "<p>YAML 正文。</p>");
    assert!(site.has("tags/yu-suan/"));
}

#[test]
fn dates_are_read_and_shown_in_shanghai_time() {
    let probe = "{{ page.title }}|{{ page.date }}|{{ page.date | date(format=\"%Y-%m-%d %H:%M\") }}|{{ page.written }}";
    let page = |title: &str, date: &str| {
        format!("+++\ntitle = \"{title}\"\n{date}\ntemplate = \"probe.html\"\n+++\n")
    };
    let site = Site::new(&[
        ("templates/probe.html", probe),
        (
            "content/reports/day.md",
            &page("day", "date = \"2024-03-28\""),
        ),
        (
            "content/reports/minute.md",
            &page("minute", "date = \"2024-03-28 15:46\""),
        ),
        (
            "content/reports/utc.md",
            &page("utc", "date = \"2024-03-28T00:00:00Z\""),
        ),
        (
            "content/reports/offset.md",
            &page("offset", "date = \"2024-03-27T20:00:00-04:00\""),
        ),
        // TOML's own date-time values, unquoted.
        (
            "content/reports/native.md",
            &page(
                "native",
                "date = 2024-03-28T15:46:00+08:00\nwritten = 2024-03-20",
            ),
        ),
        (
            "content/reports/yaml.md",
            "---\ntitle: yaml\ndate: 2024-03-28 09:05\ntemplate: probe.html\n---\n",
        ),
    ]);
    site.build_ok(&[]);
    let shown = |slug: &str| site.html(&format!("reports/{slug}/"));
    assert_eq!(
        shown("day"),
        "day|2024-03-28T00:00:00+08:00|2024-03-28 00:00|"
    );
    assert_eq!(
        shown("minute"),
        "minute|2024-03-28T15:46:00+08:00|2024-03-28 15:46|"
    );
    assert_eq!(
        shown("utc"),
        "utc|2024-03-28T08:00:00+08:00|2024-03-28 08:00|"
    );
    assert_eq!(
        shown("offset"),
        "offset|2024-03-28T08:00:00+08:00|2024-03-28 08:00|"
    );
    assert_eq!(
        shown("native"),
        "native|2024-03-28T15:46:00+08:00|2024-03-28 15:46|2024-03-20T00:00:00+08:00"
    );
    assert_eq!(
        shown("yaml"),
        "yaml|2024-03-28T09:05:00+08:00|2024-03-28 09:05|"
    );
}

#[test]
fn a_site_timezone_changes_how_local_dates_are_read() {
    let site = Site::new(&[
        (
            "site.toml",
            "base_url = \"https://a.gov.cn\"\ntitle = \"t\"\ntimezone = \"UTC\"\n",
        ),
        ("templates/probe.html", "{{ page.date }}"),
        (
            "content/reports/a.md",
            "+++\ntitle = \"a\"\ndate = \"2024-03-28 15:46\"\ntemplate = \"probe.html\"\n+++\n",
        ),
    ]);
    site.build_ok(&[]);
    assert_eq!(site.html("reports/a/"), "2024-03-28T15:46:00+00:00");
}

#[test]
fn drafts_are_left_out_unless_asked_for() {
    let site = Site::new(&[
        ("content/reports/a.md", REPORT),
        (
            "content/reports/draft.md",
            "+++\ntitle = \"草稿文件\"\ndate = 2024-01-01\ndraft = true\n+++\n",
        ),
    ]);
    site.build_ok(&[]);
    assert!(!site.has("reports/draft/"));
    assert_lacks(&site.html("reports/"), "草稿文件");
    site.build_ok(&["--drafts"]);
    assert_contains(&site.html("reports/draft/"), "<h1>草稿文件</h1>");
    assert_contains(&site.html("reports/"), "草稿文件");
}

#[test]
fn future_pages_are_left_out_unless_asked_for() {
    let site = Site::new(&[
        ("content/reports/a.md", REPORT),
        (
            "content/reports/later.md",
            "+++\ntitle = \"定时发布\"\ndate = 2099-01-01\n+++\n",
        ),
        (
            "content/reports/later-today.md",
            "+++\ntitle = \"晚些时候\"\ndate = 2099-01-01T08:00:00+08:00\n+++\n",
        ),
    ]);
    site.build_ok(&[]);
    assert!(!site.has("reports/later/"));
    assert!(!site.has("reports/later-today/"));
    assert_lacks(&site.html("reports/"), "定时发布");
    site.build_ok(&["--future"]);
    assert_contains(&site.html("reports/later/"), "<h1>定时发布</h1>");
    assert!(site.has("reports/later-today/"));
    assert_contains(&site.html("reports/"), "定时发布");
}

#[test]
fn expired_notices_are_built_and_flagged() {
    let site = Site::new(&[
        (
            "content/notices/_index.md",
            "+++\ntitle = \"通知公告\"\n+++\n",
        ),
        (
            "content/notices/old.md",
            "+++\ntitle = \"已过期的通知\"\ndate = 2025-01-01\nexpires = 2025-01-31\ntemplate = \"probe.html\"\n+++\n",
        ),
        (
            "content/notices/current.md",
            "+++\ntitle = \"有效的通知\"\ndate = 2025-01-01\nexpires = 2099-12-31\ntemplate = \"probe.html\"\n+++\n",
        ),
        (
            "templates/probe.html",
            "{{ page.title }} expired={{ page.expired }} expires={{ page.expires }}",
        ),
    ]);
    site.build_ok(&[]);
    assert_eq!(
        site.html("notices/old/"),
        "已过期的通知 expired=true expires=2025-01-31T00:00:00+08:00"
    );
    assert_eq!(
        site.html("notices/current/"),
        "有效的通知 expired=false expires=2099-12-31T00:00:00+08:00"
    );
    let listing = site.html("notices/");
    assert_contains(&listing, "<li class=\"expired\"><a href=\"/notices/old/\">");
    assert_contains(&listing, "<li><a href=\"/notices/current/\">");
}

#[test]
fn pinned_pages_come_first() {
    let site = Site::new(&[
        (
            "content/reports/new.md",
            "+++\ntitle = \"最新\"\ndate = 2024-06-01\n+++\n",
        ),
        (
            "content/reports/mid.md",
            "+++\ntitle = \"中间\"\ndate = 2023-06-01\n+++\n",
        ),
        (
            "content/reports/old.md",
            "+++\ntitle = \"置顶的旧通知\"\ndate = 2020-01-01\npinned = true\n+++\n",
        ),
    ]);
    site.build_ok(&[]);
    let listing = site.html("reports/");
    assert_in_order(
        &listing,
        &[
            "<li class=\"pinned\"><a href=\"/reports/old/\">",
            "最新",
            "中间",
        ],
    );
}

#[test]
fn sections_sort_by_date_weight_or_title() {
    let section = |name: &str, sort: &str| {
        (
            format!("content/{name}/_index.md"),
            format!("+++\ntitle = \"{name}\"\nsort_by = \"{sort}\"\n+++\n"),
        )
    };
    let page = |path: &str, title: &str, extra: &str| {
        (
            path.to_string(),
            format!("+++\ntitle = \"{title}\"\n{extra}\n+++\n"),
        )
    };
    let files = vec![
        section("by-date", "date"),
        page("content/by-date/a.md", "二〇二三年末", "date = 2023-12-31"),
        page(
            "content/by-date/b.md",
            "二〇二四年三月",
            "date = 2024-03-01",
        ),
        page("content/by-date/c.md", "无日期", ""),
        page(
            "content/by-date/d.md",
            "二〇二四年元旦",
            "date = \"2024-01-01 08:00\"",
        ),
        section("by-weight", "weight"),
        page("content/by-weight/a.md", "权重三", "weight = 3"),
        page("content/by-weight/b.md", "无权重", ""),
        page("content/by-weight/c.md", "权重一", "weight = 1"),
        page("content/by-weight/d.md", "权重二", "weight = 2"),
        section("by-title", "title"),
        page("content/by-title/a.md", "长沙", ""),
        page("content/by-title/b.md", "安徽", ""),
        page("content/by-title/c.md", "北京", ""),
    ];
    let files: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, c)| (p.as_str(), c.as_str()))
        .collect();
    let site = Site::new(&files);
    site.build_ok(&[]);
    assert_in_order(
        &site.html("by-date/"),
        &["二〇二四年三月", "二〇二四年元旦", "二〇二三年末", "无日期"],
    );
    assert_in_order(
        &site.html("by-weight/"),
        &["权重一", "权重二", "权重三", "无权重"],
    );
    // By title in pinyin order: an-hui, bei-jing, chang-sha.
    assert_in_order(&site.html("by-title/"), &["安徽", "北京", "长沙"]);
}

#[test]
fn sections_paginate_with_a_page_one_redirect() {
    let mut files = vec![(
        "content/reports/_index.md".to_string(),
        "+++\ntitle = \"工作报告\"\npaginate_by = 2\n+++\n".to_string(),
    )];
    for n in 1..=5 {
        files.push((
            format!("content/reports/r{n}.md"),
            format!("+++\ntitle = \"报告{n}号\"\ndate = 2024-0{n}-01\n+++\n"),
        ));
    }
    let files: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, c)| (p.as_str(), c.as_str()))
        .collect();
    let site = Site::new(&files);
    site.build_ok(&[]);
    let first = site.html("reports/");
    assert_in_order(
        &first,
        &[
            "报告5号",
            "报告4号",
            "1/3",
            "<a rel=\"next\" href=\"/reports/page/2/\">",
        ],
    );
    assert_lacks(&first, "报告3号");
    let second = site.html("reports/page/2/");
    assert_in_order(
        &second,
        &["报告3号", "报告2号", "2/3", "href=\"/reports/page/3/\""],
    );
    assert_lacks(&second, "报告5号");
    let third = site.html("reports/page/3/");
    assert_in_order(&third, &["报告1号", "3/3"]);
    assert_lacks(&third, "rel=\"next\"");
    assert!(!site.has("reports/page/4/"));
    assert_contains(
        &site.html("reports/page/1/"),
        "<meta http-equiv=\"refresh\" content=\"0; url=/reports/\">",
    );
}

#[test]
fn taxonomies_get_list_and_term_pages() {
    let site = Site::new(&[
        (
            "content/reports/a.md",
            "+++\ntitle = \"甲报告\"\ndate = 2024-03-01\ntags = [\"法治政府\", \"年度报告\"]\ndepartment = [\"示例区司法局\"]\n+++\n",
        ),
        (
            "content/reports/b.md",
            "+++\ntitle = \"乙报告\"\ndate = 2024-02-01\ntags = [\"法治政府\"]\ndepartment = \"示例区司法局\"\n+++\n",
        ),
        (
            "content/reports/c.md",
            "---\ntitle: 丙报告\ndate: 2024-01-01\ndepartment: [示例区司法局, 示例区财政局]\n---\n",
        ),
    ]);
    site.build_ok(&[]);
    let tags = site.html("tags/");
    assert_contains(&tags, "<h1>标签</h1>");
    assert_contains(&tags, "<a href=\"/tags/fa-zhi-zheng-fu/\">法治政府</a> 2");
    assert_contains(&tags, "<a href=\"/tags/nian-du-bao-gao/\">年度报告</a> 1");
    assert_in_order(
        &site.html("tags/fa-zhi-zheng-fu/"),
        &["<h1>标签：法治政府</h1>", "甲报告", "乙报告"],
    );

    // The site-defined taxonomy, with its title and paginate_by = 2 from site.toml.
    let departments = site.html("department/");
    assert_contains(&departments, "<h1>发布机构</h1>");
    assert_contains(
        &departments,
        "<a href=\"/department/shi-li-qu-si-fa-ju/\">示例区司法局</a> 3",
    );
    assert_contains(
        &departments,
        "<a href=\"/department/shi-li-qu-cai-zheng-ju/\">示例区财政局</a> 1",
    );
    let first = site.html("department/shi-li-qu-si-fa-ju/");
    assert_in_order(
        &first,
        &["<h1>发布机构：示例区司法局</h1>", "甲报告", "乙报告"],
    );
    assert_lacks(&first, "丙报告");
    assert_contains(
        &site.html("department/shi-li-qu-si-fa-ju/page/2/"),
        "丙报告",
    );
    assert_contains(&site.html("department/shi-li-qu-cai-zheng-ju/"), "丙报告");
    // As for sections, page 1 of a paginated term redirects to the term itself.
    assert_contains(
        &site.html("department/shi-li-qu-si-fa-ju/page/1/"),
        "url=/department/shi-li-qu-si-fa-ju/",
    );
    assert!(!site.has("department/shi-li-qu-cai-zheng-ju/page/1/"));
}

// ---------------------------------------------------------------------------------------------
// Markdown
// ---------------------------------------------------------------------------------------------

const GFM: &str = r#"| 指标 | 数值 |
|---|---|
| 审查合同 | 15 份 |

~~旧规定~~已废止。

详见 https://www.gov.cn 网站。

- [x] 已完成
- [ ] 未完成

依据条例[^1]办理。

[^1]: 《中华人民共和国政府信息公开条例》。
"#;

#[test]
fn gfm_extensions_render() {
    let site = Site::new(&[
        (
            "content/reports/plain.md",
            &format!("+++\ntitle = \"GFM\"\ndate = 2024-01-01\n+++\n{GFM}"),
        ),
        // The same with raw HTML, which sends the page through the sanitiser: nothing may be lost.
        (
            "content/reports/mixed.md",
            &format!(
                "+++\ntitle = \"GFM+HTML\"\ndate = 2024-01-01\n+++\n<span>原样</span>\n\n{GFM}"
            ),
        ),
    ]);
    site.build_ok(&[]);
    for slug in ["plain", "mixed"] {
        let html = site.html(&format!("reports/{slug}/"));
        assert_in_order(
            &html,
            &["<table>", "<th>指标</th>", "<td>审查合同</td>", "</table>"],
        );
        assert_contains(&html, "<del>旧规定</del>");
        assert_contains(
            &html,
            "<a href=\"https://www.gov.cn\">https://www.gov.cn</a>",
        );
        assert_in_order(
            &html,
            &[
                "<input type=\"checkbox\"",
                "checked",
                "已完成",
                "<input type=\"checkbox\"",
                "未完成",
            ],
        );
        assert_contains(&html, "href=\"#fn-1\"");
        assert_in_order(
            &html,
            &["id=\"fn-1\"", "《中华人民共和国政府信息公开条例》"],
        );
    }
    assert_contains(&site.html("reports/mixed/"), "<span>原样</span>");
}

#[test]
fn chinese_headings_get_unique_pinyin_ids_and_a_toc() {
    let site = Site::new(&[("content/reports/a.md", REPORT)]);
    site.build_ok(&[]);
    let html = site.html("reports/a/");
    assert_in_order(
        &html,
        &[
            "<h2 id=\"yi-zhu-yao-gong-zuo\">一、主要工作</h2>",
            "<h3 id=\"yi-jian-chi-dang-de-ling-dao\">（一）坚持党的领导</h3>",
            "<h2 id=\"yi-zhu-yao-gong-zuo-1\">一、主要工作</h2>",
        ],
    );
    // page.toc, nested: the fixture's page.html prints each heading and its children.
    assert_contains(
        &html,
        "<nav class=\"toc\"><a href=\"#yi-zhu-yao-gong-zuo\">一、主要工作</a><a href=\"#yi-jian-chi-dang-de-ling-dao\">（一）坚持党的领导</a><a href=\"#yi-zhu-yao-gong-zuo-1\">一、主要工作</a></nav>",
    );
}

#[test]
fn more_marker_ends_the_summary() {
    let site = Site::new(&[
        ("content/reports/a.md", REPORT),
        (
            "content/reports/hand.md",
            "+++\ntitle = \"手写摘要\"\ndate = 2024-01-01\nsummary = \"**摘要**文字，见[报告](@/reports/a.md#一、主要工作)\"\n+++\n正文。\n",
        ),
    ]);
    site.build_ok(&[]);
    let html = site.html("reports/a/");
    assert_contains(
        &html,
        "<div class=\"summary\"><p>2023年，示例区坚持依法行政。</p>\n</div>",
    );
    assert_lacks(&html, "more -->");
    assert_in_order(
        &html,
        &[
            "<div class=\"summary\">",
            "</div>",
            "<p>2023年，示例区坚持依法行政。</p>",
            "第一部分",
        ],
    );
    assert_contains(
        &site.html("reports/hand/"),
        "<div class=\"summary\"><p><strong>摘要</strong>文字，见<a href=\"/reports/a/#yi-zhu-yao-gong-zuo\">报告</a></p>",
    );
}

const RAW_HTML: &str = "+++\ntitle = \"原始HTML\"\ndate = 2024-01-01\n+++\n<script>alert(\"x\")</script>\n\n<p onclick=\"evil()\">段落</p>\n\n<b>粗体</b> [链接](javascript:alert(1))\n";

#[test]
fn raw_html_is_sanitised_by_default() {
    let site = Site::new(&[("content/reports/a.md", RAW_HTML)]);
    site.build_ok(&[]);
    let html = site.html("reports/a/");
    assert_lacks(&html, "<script");
    assert_lacks(&html, "alert");
    assert_lacks(&html, "onclick");
    assert_contains(&html, "<p>段落</p>");
    assert_contains(&html, "<b>粗体</b>");
}

#[test]
fn raw_html_escape_shows_tags_as_text() {
    let site = Site::new(&[
        (
            "site.toml",
            "base_url = \"https://a.gov.cn\"\ntitle = \"t\"\n[markdown]\nraw_html = \"escape\"\n",
        ),
        ("content/reports/a.md", RAW_HTML),
    ]);
    site.build_ok(&[]);
    let html = site.html("reports/a/");
    assert_lacks(&html, "<script");
    assert_contains(&html, "&lt;script&gt;");
    assert_contains(&html, "&lt;b&gt;粗体&lt;/b&gt;");
    assert_lacks(&html, "<b>粗体</b>");
}

#[test]
fn raw_html_trust_keeps_it() {
    let site = Site::new(&[
        (
            "site.toml",
            "base_url = \"https://a.gov.cn\"\ntitle = \"t\"\n[markdown]\nraw_html = \"trust\"\n",
        ),
        ("content/reports/a.md", RAW_HTML),
    ]);
    site.build_ok(&[]);
    let html = site.html("reports/a/");
    assert_contains(&html, "<script>alert(\"x\")</script>");
    assert_contains(&html, "<p onclick=\"evil()\">段落</p>");
    assert_contains(&html, "<b>粗体</b>");
}

#[test]
fn internal_links_resolve_to_urls_and_anchors() {
    let site = Site::new(&[
        ("content/reports/a.md", REPORT),
        (
            "content/reports/2023年度报告.md",
            "+++\ntitle = \"年度报告\"\ndate = 2024-01-01\n+++\n## 主要目标\n",
        ),
        (
            "content/reports/b.md",
            "+++\ntitle = \"引用\"\ndate = 2024-01-02\n+++\n\
             [按标题](@/reports/a.md#一、主要工作) [按编号](@/reports/a.md#yi-zhu-yao-gong-zuo) \
             [第二个](@/reports/a.md#yi-zhu-yao-gong-zuo-1) [栏目](@/reports/_index.md) \
             [中文文件](@/reports/2023年度报告.md#主要目标) [编码](@/reports/2023%E5%B9%B4%E5%BA%A6%E6%8A%A5%E5%91%8A.md) \
             [首页](@/_index.md)\n",
        ),
    ]);
    site.build_ok(&[]);
    let html = site.html("reports/b/");
    assert_contains(
        &html,
        "<a href=\"/reports/a/#yi-zhu-yao-gong-zuo\">按标题</a>",
    );
    assert_contains(
        &html,
        "<a href=\"/reports/a/#yi-zhu-yao-gong-zuo\">按编号</a>",
    );
    assert_contains(
        &html,
        "<a href=\"/reports/a/#yi-zhu-yao-gong-zuo-1\">第二个</a>",
    );
    assert_contains(&html, "<a href=\"/reports/\">栏目</a>");
    assert_contains(
        &html,
        "<a href=\"/reports/2023-nian-du-bao-gao/#zhu-yao-mu-biao\">中文文件</a>",
    );
    assert_contains(&html, "<a href=\"/reports/2023-nian-du-bao-gao/\">编码</a>");
    assert_contains(&html, "<a href=\"/\">首页</a>");
    assert_lacks(&html, "gongkai-link");
}

// ---------------------------------------------------------------------------------------------
// Templates and static files
// ---------------------------------------------------------------------------------------------

/// A small theme and a site that overrides one of its templates and one of its static files.
fn themed_site() -> Site {
    Site::bare(&[
        (
            "site.toml",
            "base_url = \"https://a.gov.cn\"\ntitle = \"主题站\"\ntheme = \"gov\"\n",
        ),
        (
            "content/reports/_index.md",
            "+++\ntitle = \"工作报告\"\n+++\n",
        ),
        (
            "content/reports/a.md",
            "+++\ntitle = \"报告\"\ndate = 2024-01-01\n+++\n正文。\n",
        ),
        (
            "themes/gov/templates/base.html",
            "<html><body class=\"theme-base\">{% block content %}{% endblock %}{% include \"partials/footer.html\" %}</body></html>",
        ),
        (
            "themes/gov/templates/partials/footer.html",
            "<footer>主题页脚</footer>",
        ),
        (
            "themes/gov/templates/macros.html",
            "{% macro badge(text) %}<span class=\"badge\">{{ text }}</span>{% endmacro %}",
        ),
        (
            "themes/gov/templates/index.html",
            "{% extends \"base.html\" %}{% block content %}THEME-INDEX {{ section.title }}{% endblock %}",
        ),
        (
            "themes/gov/templates/section.html",
            "{% extends \"base.html\" %}{% block content %}THEME-SECTION {{ section.title }}{% endblock %}",
        ),
        (
            "themes/gov/templates/page.html",
            "{% extends \"base.html\" %}{% block content %}THEME-PAGE{% endblock %}",
        ),
        ("themes/gov/static/css/site.css", "/* theme css */"),
        ("themes/gov/static/js/theme.js", "// theme js"),
        (
            "templates/page.html",
            "{% extends \"base.html\" %}{% import \"macros.html\" as m %}{% block content %}SITE-PAGE {{ m.badge(page.title) }}{% endblock %}",
        ),
        ("static/css/site.css", "/* site css */"),
        ("static/robots.txt", "User-agent: *\n"),
    ])
}

#[test]
fn site_templates_override_the_themes() {
    let site = themed_site();
    site.build_ok(&[]);
    let page = site.html("reports/a/");
    assert_contains(&page, "SITE-PAGE <span class=\"badge\">报告</span>");
    assert_lacks(&page, "THEME-PAGE");
    // The site's template extends, imports and includes the theme's.
    assert_contains(&page, "<body class=\"theme-base\">");
    assert_contains(&page, "<footer>主题页脚</footer>");
    assert_contains(&site.html(""), "THEME-INDEX 主题站");
    assert_contains(&site.html("reports/"), "THEME-SECTION 工作报告");
    // The theme has no 404.html, so there is none.
    assert!(!site.has("404.html"));
}

#[test]
fn theme_static_then_site_static_is_copied() {
    let site = themed_site();
    site.build_ok(&[]);
    let public = site.public();
    assert_eq!(
        fs::read_to_string(public.join("css/site.css")).unwrap(),
        "/* site css */"
    );
    assert_eq!(
        fs::read_to_string(public.join("js/theme.js")).unwrap(),
        "// theme js"
    );
    assert_eq!(
        fs::read_to_string(public.join("robots.txt")).unwrap(),
        "User-agent: *\n"
    );
}

#[test]
fn template_functions_and_filters() {
    let probe = r#"page={{ get_page(path="reports/a.md").title }}
page@={{ get_page(path="@/reports/a.md").path }}
section={{ get_section(path="reports/_index.md").title }}:{{ get_section(path="reports/_index.md").pages | length }}
url={{ get_url(path="@/reports/a.md") }}
url-anchor={{ get_url(path="@/reports/a.md#yi-zhu-yao-gong-zuo") }}
url-heading={{ get_url(path="@/reports/a.md#一、主要工作") }}
url-static={{ get_url(path="css/site.css") }}
date={{ "2024-03-28T00:00:00Z" | date(format="%Y年%m月%d日 %H:%M") }}
date-default={{ page.date | date }}
markdown={{ "**粗体**与~~删除~~" | markdown }}
markdown-inline={{ "**粗体**" | markdown(inline=true) }}
markdown-link={{ "见[报告](@/reports/a.md#一、主要工作)" | markdown(inline=true) }}
slugify={{ "一、主要工作" | slugify }}
size={{ 1234567 | filesizeformat }}|{{ 512 | filesizeformat }}|{{ 2048 | filesizeformat(binary=true) }}
words={{ page.word_count }} minutes={{ page.reading_time }}
current={{ current_path }} {{ current_url }}
config={{ config.title }} {{ config.language }}
"#;
    let site = Site::new(&[
        ("templates/probe.html", probe),
        ("content/reports/a.md", REPORT),
        (
            "content/reports/probe.md",
            "+++\ntitle = \"探针\"\ndate = 2024-03-28\ntemplate = \"probe.html\"\n+++\n法治政府建设 is good\n",
        ),
    ]);
    site.build_ok(&[]);
    let html = site.html("reports/probe/");
    for line in [
        "page=2023年度法治政府建设工作情况的报告",
        "page@=/reports/a/",
        "section=工作报告:2",
        "url=/reports/a/",
        "url-anchor=/reports/a/#yi-zhu-yao-gong-zuo",
        "url-heading=/reports/a/#yi-zhu-yao-gong-zuo",
        "url-static=/css/site.css",
        "date=2024年03月28日 08:00",
        "date-default=2024-03-28",
        "markdown=<p><strong>粗体</strong>与<del>删除</del></p>",
        "markdown-inline=<strong>粗体</strong>",
        "markdown-link=见<a href=\"/reports/a/#yi-zhu-yao-gong-zuo\">报告</a>",
        "slugify=yi-zhu-yao-gong-zuo",
        "size=1.2 MB|512 Bytes|2.0 KiB",
        // Six Chinese characters count as six words, plus two English words.
        "words=8 minutes=1",
        "current=/reports/probe/ https://www.example.gov.cn/reports/probe/",
        "config=示例区人民政府 zh-CN",
    ] {
        assert!(
            html.lines().any(|l| l == line),
            "expected the line\n  {line}\nin\n{html}"
        );
    }
}

#[test]
fn word_count_counts_chinese_by_character() {
    let body = "示例区人民政府".repeat(100); // 700 characters, no spaces
    let site = Site::new(&[
        (
            "templates/probe.html",
            "{{ page.word_count }} {{ page.reading_time }}",
        ),
        (
            "content/reports/a.md",
            &format!(
                "+++\ntitle = \"长文\"\ndate = 2024-01-01\ntemplate = \"probe.html\"\n+++\n{body}\n"
            ),
        ),
    ]);
    site.build_ok(&[]);
    // 700 characters at 400 a minute: two minutes.
    assert_eq!(site.html("reports/a/"), "700 2");
}

#[test]
fn a_rebuild_replaces_the_whole_output() {
    let site = good_site();
    site.build_ok(&[]);
    assert!(site.has("reports/b/"));
    fs::write(site.public().join("stray.html"), "left by hand").unwrap();
    site.remove("content/reports/b.md");
    site.build_ok(&[]);
    assert!(
        !site.has("reports/b/"),
        "a deleted page must disappear from the output"
    );
    assert!(!site.public().join("stray.html").exists());
    assert!(site.has("reports/a/"));
    assert_eq!(site.leftovers(), Vec::<String>::new());
}

// ---------------------------------------------------------------------------------------------
// Errors: exit 1, file:line:col and a hint, the last good public/ untouched
// ---------------------------------------------------------------------------------------------

#[test]
fn unknown_front_matter_field_suggests_the_right_one() {
    let site = good_site();
    let stderr = assert_breaks(&site, |site| {
        site.write(
            "content/reports/bad.md",
            "+++\ntitel = \"报告\"\ndate = 2024-03-28\n+++\n正文\n",
        );
    });
    assert_contains(&stderr, "error: unknown field `titel`");
    assert_contains(&stderr, "--> content/reports/bad.md:2:1");
    assert_contains(&stderr, "2 | titel = \"报告\"");
    assert_contains(&stderr, "hint: did you mean `title`?");
}

#[test]
fn missing_title_is_an_error() {
    let site = good_site();
    let stderr = assert_breaks(&site, |site| {
        site.write(
            "content/reports/bad.md",
            "+++\ndate = 2024-03-28\n+++\n正文\n",
        );
    });
    assert_contains(&stderr, "error: missing required field `title`");
    assert_contains(&stderr, "--> content/reports/bad.md:2:1");
    assert_contains(&stderr, "hint: add `title = \"…\"`");
}

#[test]
fn bad_date_is_an_error() {
    let site = good_site();
    let stderr = assert_breaks(&site, |site| {
        site.write(
            "content/reports/bad.md",
            "---\ntitle: 报告\ndate: 2024-02-30\n---\n正文\n",
        );
    });
    assert_contains(&stderr, "`date` = \"2024-02-30\" is not a date");
    assert_contains(&stderr, "--> content/reports/bad.md:3:1");
    assert_contains(&stderr, "hint: write dates as 2024-03-28");
}

#[test]
fn unclosed_front_matter_is_an_error() {
    let site = good_site();
    let stderr = assert_breaks(&site, |site| {
        site.write("content/reports/bad.md", "+++\ntitle = \"报告\"\n\n正文\n");
    });
    assert_contains(&stderr, "front matter opened with `+++` is never closed");
    assert_contains(&stderr, "--> content/reports/bad.md:1:1");
    assert_contains(&stderr, "hint: add a line holding only `+++`");
}

#[test]
fn link_to_a_missing_page_is_an_error_at_its_line() {
    let site = good_site();
    let stderr = assert_breaks(&site, |site| {
        // Front matter takes lines 1-4, so the link is on line 7, after 见 at column 1.
        site.write(
            "content/reports/b.md",
            "+++\ntitle = \"第二篇\"\ndate = 2024-01-02\n+++\n第一段。\n\n见[报告](@/reports/aa.md)。\n",
        );
    });
    assert_contains(
        &stderr,
        "internal link `@/reports/aa.md` points to no page or section",
    );
    assert_contains(&stderr, "--> content/reports/b.md:7:2");
    assert_contains(&stderr, "hint: did you mean `@/reports/a.md`?");
    // The offending line is quoted under the location.
    assert_contains(&stderr, "7 | 见[报告](@/reports/aa.md)。");
}

#[test]
fn link_to_a_missing_anchor_is_an_error_at_its_line() {
    let site = good_site();
    let stderr = assert_breaks(&site, |site| {
        site.write(
            "content/reports/b.md",
            "+++\ntitle = \"第二篇\"\n+++\n见[报告](@/reports/a.md#二、下一步打算)。\n",
        );
    });
    assert_contains(
        &stderr,
        "`@/reports/a.md` has no heading with the anchor `#二、下一步打算`",
    );
    assert_contains(&stderr, "--> content/reports/b.md:4:2");
    assert_contains(
        &stderr,
        "hint: anchors on that page: #yi-jian-chi-dang-de-ling-dao, #yi-zhu-yao-gong-zuo",
    );
}

#[test]
fn link_to_a_draft_says_so() {
    let site = good_site();
    let stderr = assert_breaks(&site, |site| {
        site.write(
            "content/reports/draft.md",
            "+++\ntitle = \"草稿\"\ndraft = true\n+++\n",
        );
        site.write(
            "content/reports/b.md",
            "+++\ntitle = \"第二篇\"\n+++\n见[草稿](@/reports/draft.md)。\n",
        );
    });
    assert_contains(
        &stderr,
        "`@/reports/draft.md` points to a page that is a draft",
    );
    assert_contains(&stderr, "--> content/reports/b.md:4:2");
    // With --drafts the same site builds.
    site.build_ok(&["--drafts"]);
    assert_contains(
        &site.html("reports/b/"),
        "<a href=\"/reports/draft/\">草稿</a>",
    );
}

#[test]
fn template_syntax_error_names_the_template_line() {
    let site = good_site();
    let stderr = assert_breaks(&site, |site| {
        site.write(
            "templates/page.html",
            "{% extends \"base.html\" %}\n{% block content %}\n<h1>{{ page.title }</h1>\n{% endblock %}\n",
        );
    });
    assert_contains(&stderr, "template error: syntax error");
    assert_contains(&stderr, "--> templates/page.html:3:");
    assert_contains(&stderr, "3 | <h1>{{ page.title }</h1>");
}

#[test]
fn template_runtime_error_names_the_template_and_the_page() {
    let site = good_site();
    let stderr = assert_breaks(&site, |site| {
        site.write(
            "templates/probe.html",
            "<p>探针</p>\n{{ get_page(path=\"reports/nope.md\").title }}\n",
        );
        site.write(
            "content/reports/b.md",
            "+++\ntitle = \"第二篇\"\ntemplate = \"probe.html\"\n+++\n",
        );
    });
    assert_contains(
        &stderr,
        "template error while rendering content/reports/b.md",
    );
    assert_contains(&stderr, "get_page: no page `reports/nope.md`");
    assert_contains(&stderr, "--> templates/probe.html:2:");
}

#[test]
fn unknown_key_in_site_toml_suggests_the_right_one() {
    let site = good_site();
    let stderr = assert_breaks(&site, |site| {
        site.write(
            "site.toml",
            "base_url = \"https://www.example.gov.cn\"\ntitle = \"示例\"\nlangauge = \"zh-CN\"\n",
        );
    });
    assert_contains(&stderr, "error: unknown field `langauge`");
    assert_contains(&stderr, "--> site.toml:3:1");
    assert_contains(&stderr, "hint: did you mean `language`?");
}

#[test]
fn every_error_of_a_build_is_reported_in_a_stable_order() {
    let site = good_site();
    let stderr = assert_breaks(&site, |site| {
        site.write(
            "content/reports/z-date.md",
            "+++\ntitle = \"z\"\ndate = \"昨天\"\n+++\n",
        );
        site.write(
            "content/reports/c-field.md",
            "+++\ntitle = \"c\"\ntitel = \"c\"\n+++\n",
        );
        site.write("content/reports/m-unclosed.md", "---\ntitle: m\n");
        site.write(
            "content/notices/_index.md",
            "+++\ntitle = \"通知\"\nsort_by = \"colour\"\n+++\n",
        );
        site.write(
            "content/reports/b.md",
            "+++\ntitle = \"第二篇\"\n+++\n[坏链接](@/nope.md)\n\n[坏锚点](@/reports/a.md#nope)\n",
        );
    });
    let locations = [
        "--> content/notices/_index.md:3:1",
        "--> content/reports/b.md:4:1",
        "--> content/reports/b.md:6:1",
        "--> content/reports/c-field.md:3:1",
        "--> content/reports/m-unclosed.md:1:1",
        "--> content/reports/z-date.md:3:1",
    ];
    assert_in_order(&stderr, &locations);
    assert_eq!(
        stderr.matches("\nerror: ").count() + usize::from(stderr.starts_with("error: ")),
        locations.len() + 1
    );
    assert_contains(&stderr, "error: the site was not built (6 errors)");
    assert!(
        stderr.trim_end().ends_with("is unchanged"),
        "the count line comes last:\n{stderr}"
    );
    // Same input, same report, whatever order the threads finished in.
    for _ in 0..2 {
        assert_eq!(site.build(&[]).stderr, stderr);
    }
}

#[test]
fn a_non_utf8_file_is_an_error_not_a_panic() {
    let site = good_site();
    let stderr = assert_breaks(&site, |site| {
        site.write(
            "content/reports/gbk.md",
            b"+++\ntitle = \"\xb9\xab\xbf\xaa\"\n+++\n".as_slice(),
        );
    });
    assert_contains(&stderr, "this file is not valid UTF-8");
    assert_contains(&stderr, "--> content/reports/gbk.md:2:10");
    assert_contains(&stderr, "hint: save the file as UTF-8");
    assert_lacks(&stderr, "panicked");
}

#[test]
fn an_empty_file_is_an_error() {
    let site = good_site();
    let stderr = assert_breaks(&site, |site| {
        site.write("content/reports/empty.md", "");
        site.write("content/reports/blank.md", "\n  \n");
    });
    assert_contains(&stderr, "--> content/reports/empty.md\n");
    assert_contains(&stderr, "--> content/reports/blank.md\n");
    assert_eq!(stderr.matches("this file is empty").count(), 2);
    assert_contains(&stderr, "hint: start the file with front matter");
}

#[test]
fn symlink_loops_in_content_are_an_error_not_a_hang() {
    let site = good_site();
    let stderr = assert_breaks(&site, |site| {
        let reports = site.root().join("content/reports");
        // A folder pointing back at an ancestor, and a file pointing at itself.
        std::os::unix::fs::symlink("..", reports.join("loop")).unwrap();
        std::os::unix::fs::symlink("self.md", reports.join("self.md")).unwrap();
    });
    assert_contains(&stderr, "--> content/reports/loop");
    assert_contains(&stderr, "this symbolic link loops back on itself");
    assert_contains(&stderr, "--> content/reports/self.md");
    assert_lacks(&stderr, "panicked");
}

#[test]
fn a_very_large_file_is_refused() {
    let site = good_site();
    let stderr = assert_breaks(&site, |site| {
        let mut text = String::from("+++\ntitle = \"超长\"\n+++\n");
        text.push_str(&"示例区人民政府依法行政。\n".repeat(300_000)); // 10.8 MB
        site.write("content/reports/huge.md", text);
    });
    assert_contains(&stderr, "--> content/reports/huge.md");
    assert_contains(&stderr, "over the 8 MB limit");
    assert_contains(&stderr, "hint: split the text into several pages");
}

#[test]
fn usage_errors_exit_2_and_touch_nothing() {
    let site = good_site();
    site.build_ok(&[]);
    let before = snapshot(&site.public());
    let run = site.build(&["--frobnicate"]);
    assert_eq!(run.code(), Some(2), "{}", run.stderr);
    assert_contains(&run.stderr, "--frobnicate");
    let mut command = Command::new(BIN);
    command.arg("bild");
    assert_eq!(run_code(command), Some(2));
    let mut command = Command::new(BIN);
    command.args(["build", "--root"]);
    assert_eq!(run_code(command), Some(2));
    assert!(snapshot(&site.public()) == before);
    assert_eq!(site.leftovers(), Vec::<String>::new());
}

fn run_code(command: Command) -> Option<i32> {
    run(command).code()
}

// ---------------------------------------------------------------------------------------------
// Hostile input (issue 7): nothing is written, deleted, read or published outside the site
// ---------------------------------------------------------------------------------------------

/// A site three folders deep inside a sandbox, so that every `..` an attack uses still lands in
/// the sandbox, where the test can see whether anything changed.
struct Sandbox {
    dir: tempfile::TempDir,
}

impl Sandbox {
    fn new() -> Sandbox {
        let sandbox = Sandbox {
            dir: tempfile::tempdir().unwrap(),
        };
        fs::create_dir_all(sandbox.site_root()).unwrap();
        fs::create_dir_all(sandbox.path().join("srv/www")).unwrap();
        fs::write(sandbox.path().join("srv/www/index.html"), "another site").unwrap();
        fs::write(sandbox.path().join("secret.txt"), "SECRET-TOKEN-4711").unwrap();
        sandbox
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn site_root(&self) -> PathBuf {
        self.path().join("a/b/c/site")
    }

    /// Writes the default good site into the sandbox.
    fn site(&self, files: &[(&str, &str)]) -> PathBuf {
        let root = self.site_root();
        let good = good_site();
        copy_dir(good.root(), &root);
        for (path, contents) in files {
            let file = root.join(path);
            fs::create_dir_all(file.parent().unwrap()).unwrap();
            fs::write(file, contents).unwrap();
        }
        root
    }

    /// Everything in the sandbox outside `<site>/public`.
    fn outside_output(&self) -> BTreeMap<String, Option<Vec<u8>>> {
        snapshot(self.path())
            .into_iter()
            .filter(|(path, _)| !path.starts_with("a/b/c/site/public"))
            .collect()
    }
}

fn build_in(root: &Path, args: &[&str]) -> Run {
    let mut command = Command::new(BIN);
    command.arg("build").arg("--root").arg(root).args(args);
    run(command)
}

#[test]
fn front_matter_paths_and_aliases_cannot_leave_the_output() {
    let hostile = [
        "path = \"../../../../srv/www\"",
        "path = \"/../../../srv/www/\"",
        "path = \"\\\\evil.example/x\"",
        "path = \"//evil.example/x\"",
        "path = \"a//b\"",
        "path = \"C:/Windows/x\"",
        "path = \"a/\\u001b[2Jb\"",
        "path = \"a\\u0000b\"",
        "path = \"/.git/hooks\"",
        "path = \"%2e%2e/%2e%2e/srv\"",
        "aliases = [\"../../../../srv/www/index.html\"]",
        "aliases = [\"ok/\", \"/../../../../../secret.txt.html\"]",
        "aliases = [\"\\\\\\\\server\\\\share\\\\x.html\"]",
        "aliases = [\"a/./b\"]",
        "path = \"100%/a\"",
        "path = \"CON/x\"",
        "path = \"a\\u202Elmth.exe\"",
        "path = \"a:b\"",
    ];
    for line in hostile {
        let sandbox = Sandbox::new();
        let root = sandbox.site(&[(
            "content/reports/evil.md",
            &format!("+++\ntitle = \"恶意\"\n{line}\n+++\n正文。\n"),
        )]);
        let before = sandbox.outside_output();
        let run = build_in(&root, &[]);
        assert_eq!(run.code(), Some(1), "{line}: {}", run.stderr);
        assert_contains(&run.stderr, "--> content/reports/evil.md:3:");
        assert!(
            run.stderr.contains("expected a URL path inside the site")
                || run.stderr.contains("the control character"),
            "{line}: {}",
            run.stderr
        );
        assert!(!run.stderr.contains('\u{1b}'), "raw ESC printed for {line}");
        assert!(
            sandbox.outside_output() == before,
            "{line} changed something outside the output"
        );
        assert!(
            !root.join("public").exists(),
            "{line}: a failed build wrote public/"
        );
    }
}

#[test]
fn the_output_folder_may_not_hold_the_site_or_lie_among_its_sources() {
    let sandbox = Sandbox::new();
    let root = sandbox.site(&[]);
    fs::create_dir_all(root.join("themes/t")).unwrap();
    let root_text = root.to_string_lossy().into_owned();
    let refused = [
        root_text.clone(),
        format!("{root_text}/."),
        format!("{root_text}/content"),
        format!("{root_text}/content/out"),
        format!("{root_text}/static/css"),
        format!("{root_text}/templates"),
        format!("{root_text}/themes"),
        format!("{root_text}/themes/t/static/new"),
        format!("{root_text}/.."),
        format!("{root_text}/public/../.."),
        sandbox.path().to_string_lossy().into_owned(),
        "/".to_string(),
    ];
    for output in &refused {
        for force in [false, true] {
            let before = sandbox.outside_output();
            let mut args = vec!["--output", output.as_str()];
            if force {
                args.push("--force");
            }
            let run = build_in(&root, &args);
            assert_eq!(run.code(), Some(2), "--output {output}: {}", run.stderr);
            assert_contains(&run.stderr, "refusing to");
            assert!(
                sandbox.outside_output() == before,
                "--output {output} changed the sandbox"
            );
        }
    }
    // A folder of somebody else's files ("~/Documents") is refused, and kept…
    let documents = sandbox.path().join("Documents");
    fs::create_dir(&documents).unwrap();
    fs::write(documents.join("工作计划.docx"), "mine").unwrap();
    let documents_text = documents.to_string_lossy().into_owned();
    let run = build_in(&root, &["--output", &documents_text]);
    assert_eq!(run.code(), Some(2), "{}", run.stderr);
    assert_contains(&run.stderr, "not an earlier gongkai build");
    assert_contains(&run.stderr, "--force");
    assert_eq!(
        fs::read_to_string(documents.join("工作计划.docx")).unwrap(),
        "mine"
    );
    // …unless --force says it may go.
    let run = build_in(&root, &["--output", &documents_text, "--force"]);
    assert_eq!(run.code(), Some(0), "{}", run.stderr);
    assert!(!documents.join("工作计划.docx").exists());
    assert!(documents.join(".gongkai-output").is_file());
    // Empty and absent folders are fine, and a folder gongkai built is replaced without asking.
    let empty = sandbox.path().join("empty");
    fs::create_dir(&empty).unwrap();
    for output in [empty.clone(), sandbox.path().join("new/deeper"), documents] {
        let output = output.to_string_lossy().into_owned();
        let run = build_in(&root, &["--output", &output]);
        assert_eq!(run.code(), Some(0), "--output {output}: {}", run.stderr);
    }
}

#[test]
fn a_default_public_folder_not_written_by_gongkai_is_kept() {
    let site = good_site();
    fs::create_dir(site.public()).unwrap();
    fs::write(site.public().join("keep.txt"), "hand-made").unwrap();
    let run = site.build(&[]);
    assert_eq!(run.code(), Some(2), "{}", run.stderr);
    assert_eq!(
        fs::read_to_string(site.public().join("keep.txt")).unwrap(),
        "hand-made"
    );
    assert_eq!(site.leftovers(), Vec::<String>::new());
}

#[test]
fn symlinks_out_of_the_site_are_never_read_or_published() {
    use std::os::unix::fs::symlink;
    type Target = fn(&Path) -> PathBuf;
    let cases: [(&str, Target); 6] = [
        ("content/x.txt", |s| s.join("secret.txt")),
        ("content/reports/leak.md", |s| s.join("secret.txt")),
        ("static/env.txt", |s| s.join("secret.txt")),
        ("static/outside", |s| s.to_path_buf()),
        ("templates/page.html", |s| s.join("secret.txt")),
        ("content/reports/bundle", |s| s.join("srv")),
    ];
    for (link, target) in cases {
        let sandbox = Sandbox::new();
        let root = sandbox.site(&[]);
        let link_path = root.join(link);
        let _ = fs::remove_file(&link_path);
        symlink(target(sandbox.path()), &link_path).unwrap();
        let run = build_in(&root, &[]);
        assert_eq!(run.code(), Some(1), "{link}: {}", run.stderr);
        assert_contains(&run.stderr, &format!("--> {link}"));
        assert_contains(&run.stderr, "points outside the site");
        assert_lacks(&run.stderr, "SECRET-TOKEN-4711");
        assert!(!root.join("public").exists(), "{link}: public/ was written");
    }
    // site.toml itself.
    let sandbox = Sandbox::new();
    let root = sandbox.site(&[]);
    fs::write(sandbox.path().join("evil.toml"), "SECRET-TOKEN-4711 = [").unwrap();
    fs::remove_file(root.join("site.toml")).unwrap();
    symlink(sandbox.path().join("evil.toml"), root.join("site.toml")).unwrap();
    let run = build_in(&root, &[]);
    assert_eq!(run.code(), Some(1), "{}", run.stderr);
    assert_contains(&run.stderr, "points outside the site");
    assert_lacks(&run.stderr, "SECRET-TOKEN-4711");
}

#[test]
fn symlinks_inside_the_site_keep_working() {
    use std::os::unix::fs::symlink;
    let site = good_site();
    site.write("shared/logo.png", "png bytes");
    symlink(
        site.root().join("shared/logo.png"),
        site.root().join("static/logo.png"),
    )
    .unwrap();
    symlink("../../shared", site.root().join("content/reports/shared")).unwrap();
    site.build_ok(&[]);
    assert_eq!(
        fs::read(site.public().join("logo.png")).unwrap(),
        b"png bytes"
    );
    assert_eq!(
        fs::read(site.public().join("reports/shared/logo.png")).unwrap(),
        b"png bytes"
    );
}

#[test]
fn a_theme_name_cannot_climb_out_of_themes() {
    let sandbox = Sandbox::new();
    let root = sandbox.site(&[]);
    let toml = fs::read_to_string(root.join("site.toml")).unwrap();
    fs::write(
        root.join("site.toml"),
        format!("theme = \"../../../..\"\n{toml}"),
    )
    .unwrap();
    let run = build_in(&root, &[]);
    assert_eq!(run.code(), Some(1), "{}", run.stderr);
    assert_contains(&run.stderr, "--> site.toml:1:");
    assert_contains(&run.stderr, "is not a folder name");
}

#[test]
fn an_alias_or_path_onto_another_output_file_is_an_error_naming_both() {
    let cases = [
        ("aliases = [\"/index.html\"]", "content/_index.md"),
        (
            "aliases = [\"/reports/b/index.html\"]",
            "content/reports/b.md",
        ),
        ("aliases = [\"/css/site.css\"]", "static/css/site.css"),
        ("aliases = [\"/css/site.css.html\"]", ""),
        ("path = \"404.html\"", "404.html"),
        ("aliases = [\"/404.html\"]", "404.html"),
        ("path = \"css/site.css\"", "static/css/site.css"),
    ];
    for (line, other) in cases {
        let site = good_site();
        site.write(
            "content/reports/alias.md",
            format!("+++\ntitle = \"旧地址\"\n{line}\n+++\n正文。\n"),
        );
        let run = site.build(&[]);
        if other.is_empty() {
            // Not a clash: an .html alias beside a stylesheet is its own file.
            assert_eq!(run.code(), Some(0), "{line}: {}", run.stderr);
            continue;
        }
        assert_eq!(run.code(), Some(1), "{line}: {}", run.stderr);
        assert_contains(&run.stderr, "content/reports/alias.md");
        assert_contains(&run.stderr, other);
        assert_lacks(&run.stderr, ".gongkai-");
        assert!(!site.public().exists(), "{line}: public/ was written");
    }
}

#[test]
fn links_into_hidden_folders_or_the_output_are_not_followed() {
    use std::os::unix::fs::symlink;
    let cases: [(&str, &str); 5] = [
        ("static/cfg.txt", "../.git/config"),
        ("content/g", "../.git"),
        ("static/env.txt", "../.env"),
        ("static/old", "../public"),
        ("content/reports/prev.html", "../../public/index.html"),
    ];
    for (link, target) in cases {
        let site = good_site();
        site.write(
            ".git/config",
            "[http] extraheader = AUTHORIZATION: SECRET-TOKEN-4711",
        );
        site.write(".env", "TOKEN=SECRET-TOKEN-4711");
        site.build_ok(&[]);
        site.write("public/index.html", "SECRET-TOKEN-4711");
        let before = snapshot(&site.public());
        symlink(target, site.root().join(link)).unwrap();
        let run = site.build(&[]);
        assert_eq!(run.code(), Some(1), "{link}: {}", run.stderr);
        assert_contains(&run.stderr, &format!("--> {link}"));
        assert_contains(&run.stderr, "points outside the site's sources");
        assert_lacks(&run.stderr, "SECRET-TOKEN-4711");
        assert!(
            snapshot(&site.public()) == before,
            "{link}: public/ changed"
        );
    }
}

#[test]
fn hidden_folders_in_static_are_not_published_but_well_known_is() {
    let site = good_site();
    site.write("static/vendor/.git/config", "url=https://u:SECRET@h");
    site.write(
        "static/.well-known/security.txt",
        "Contact: mailto:web@example.gov.cn",
    );
    site.build_ok(&[]);
    assert!(!site.public().join("vendor/.git").exists());
    assert!(site.public().join(".well-known/security.txt").is_file());
}

#[test]
fn a_theme_folder_linked_from_outside_the_site_is_refused() {
    use std::os::unix::fs::symlink;
    let sandbox = Sandbox::new();
    let root = sandbox.site(&[]);
    let outside = sandbox.path().join("home/.cache/t");
    fs::create_dir_all(outside.join("static")).unwrap();
    fs::create_dir_all(outside.join("templates")).unwrap();
    fs::write(outside.join("static/creds.txt"), "SECRET-TOKEN-4711").unwrap();
    fs::create_dir(root.join("themes")).unwrap();
    symlink(&outside, root.join("themes/t")).unwrap();
    let toml = fs::read_to_string(root.join("site.toml")).unwrap();
    fs::write(root.join("site.toml"), format!("theme = \"t\"\n{toml}")).unwrap();
    let run = build_in(&root, &[]);
    assert_eq!(run.code(), Some(1), "{}", run.stderr);
    assert_contains(&run.stderr, "--> themes/t/static");
    assert_contains(&run.stderr, "--> themes/t/templates");
    assert_lacks(&run.stderr, "SECRET-TOKEN-4711");
    assert!(!root.join("public").exists());
}

#[test]
fn copied_files_onto_each_other_are_an_error_naming_both() {
    type Files = &'static [(&'static str, &'static str)];
    let cases: [(Files, &str, &str); 4] = [
        (
            &[("static/robots.txt", "S"), ("content/robots.txt", "C")],
            "content/robots.txt",
            "static/robots.txt",
        ),
        (
            &[("content/A/x.png", "U"), ("content/a/x.png", "L")],
            "content/a/x.png",
            "content/A/x.png",
        ),
        (
            &[
                ("content/reports/r/index.md", "+++\ntitle = \"附件\"\n+++\n"),
                ("content/reports/r/report.pdf", "bundle"),
                ("static/reports/r/report.pdf", "static"),
            ],
            "content/reports/r/report.pdf",
            "static/reports/r/report.pdf",
        ),
        (
            &[("static/d/b.txt", "real"), ("static/d\\b.txt", "backslash")],
            "static/d\\b.txt",
            "holds a backslash",
        ),
    ];
    for (files, first, second) in cases {
        let site = good_site();
        for (path, text) in files {
            site.write(path, text);
        }
        let run = site.build(&[]);
        assert_eq!(run.code(), Some(1), "{files:?}: {}", run.stderr);
        assert_contains(&run.stderr, first);
        assert_contains(&run.stderr, second);
    }
}

#[test]
fn an_overlong_path_segment_is_an_error_at_its_line() {
    let site = good_site();
    site.write(
        "content/reports/long.md",
        format!("+++\ntitle = \"长\"\npath = \"{}\"\n+++\n", "a".repeat(300)),
    );
    let run = site.build(&[]);
    assert_eq!(run.code(), Some(1), "{}", run.stderr);
    assert_contains(&run.stderr, "--> content/reports/long.md:3:");
    assert_contains(&run.stderr, "255-byte limit");
}

#[test]
fn a_markdown_file_inside_a_page_bundle_is_a_warning_not_lost_silently() {
    let site = good_site();
    site.write(
        "content/reports/r/index.md",
        "+++\ntitle = \"附件\"\n+++\n正文。\n",
    );
    site.write(
        "content/reports/r/other.md",
        "+++\ntitle = \"另一篇\"\n+++\n",
    );
    let run = site.build_ok(&[]);
    assert_contains(
        &run.stderr,
        "warning: this Markdown file is inside the page bundle",
    );
    assert_contains(&run.stderr, "--> content/reports/r/other.md");
}

#[test]
fn a_committed_folder_named_like_a_previous_build_is_not_published() {
    let site = good_site();
    site.write(".public.gongkai-old/index.html", "<h1>DEFACED</h1>");
    site.write(".public.gongkai-old/.gongkai-output", "marked, too");
    site.write(
        "content/reports/bad.md",
        "+++\ntitle = \"x\"\npath = \"../x\"\n+++\n",
    );
    let run = site.build(&[]);
    assert_eq!(run.code(), Some(1), "{}", run.stderr);
    assert_contains(&run.stderr, "nothing was written to");
    assert!(!site.public().exists());
    site.remove("content/reports/bad.md");
    site.build_ok(&[]);
    assert_lacks(&site.html(""), "DEFACED");
}

#[test]
fn the_build_says_when_the_next_rebuild_is_due() {
    let site = good_site();
    site.write(
        "content/reports/later.md",
        "+++\ntitle = \"下周发布\"\ndate = 2026-12-08T09:00:00+08:00\n+++\n",
    );
    site.write(
        "content/reports/notice.md",
        "+++\ntitle = \"停水通知\"\ndate = 2026-11-01\nexpires = 2026-12-03 18:00\n+++\n",
    );
    site.write(
        "content/reports/draft.md",
        "+++\ntitle = \"草稿\"\ndate = 2026-11-28\ndraft = true\n+++\n",
    );
    let build_at = |now: &str| {
        let mut command = Command::new(BIN);
        command
            .env("GONGKAI_NOW", now)
            .arg("build")
            .arg("--root")
            .arg(site.root());
        run(command)
    };
    let first = build_at("2026-12-01T12:00:00+08:00");
    assert_eq!(first.code(), Some(0), "{}", first.stderr);
    assert_contains(
        &first.stdout,
        "Next rebuild due 2026-12-03 18:00 CST: content/reports/notice.md expires then.",
    );
    let second = build_at("2026-12-04T00:00:00+08:00");
    assert_contains(
        &second.stdout,
        "Next rebuild due 2026-12-08 09:00 CST: content/reports/later.md goes live then.",
    );
    let third = build_at("2026-12-09T00:00:00+08:00");
    assert_eq!(third.code(), Some(0), "{}", third.stderr);
    assert_lacks(&third.stdout, "Next rebuild due");
}

#[test]
fn a_committed_public_link_out_of_the_site_is_not_followed_without_force() {
    use std::os::unix::fs::symlink;
    let sandbox = Sandbox::new();
    let root = sandbox.site(&[("static/git", "#!/bin/sh\necho PWNED\n")]);
    let sbin = sandbox.path().join("usr/local/sbin");
    fs::create_dir_all(&sbin).unwrap();
    symlink(&sbin, root.join("public")).unwrap();
    let before = sandbox.outside_output();
    let run = build_in(&root, &[]);
    assert_eq!(run.code(), Some(2), "{}", run.stderr);
    assert_contains(&run.stderr, "a symbolic link takes it out of the site");
    assert!(
        sandbox.outside_output() == before,
        "the folder behind the link changed"
    );
    assert_eq!(fs::read_dir(&sbin).unwrap().count(), 0);
    // Said on purpose, it is built, and nothing copied is executable.
    let run = build_in(&root, &["--force"]);
    assert_eq!(run.code(), Some(0), "{}", run.stderr);
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(root.join("static/git"), fs::Permissions::from_mode(0o755)).unwrap();
    let run = build_in(&root, &[]);
    assert_eq!(run.code(), Some(0), "{}", run.stderr);
    let mode = fs::metadata(sbin.join("git")).unwrap().permissions().mode();
    assert_eq!(mode & 0o111, 0, "a copied file is executable: {mode:o}");
}

#[test]
fn links_that_do_not_resolve_or_lead_to_an_output_are_refused() {
    use std::os::unix::fs::symlink;
    let site = good_site();
    symlink("/proc/self/fd/0", site.root().join("static/stdin.txt")).unwrap();
    symlink("no/such/file", site.root().join("static/dangling.txt")).unwrap();
    let run = site.build(&[]);
    assert_eq!(run.code(), Some(1), "{}", run.stderr);
    assert_contains(&run.stderr, "--> static/stdin.txt");
    assert_contains(&run.stderr, "--> static/dangling.txt");
    fs::remove_file(site.root().join("static/stdin.txt")).unwrap();
    fs::remove_file(site.root().join("static/dangling.txt")).unwrap();
    // A link to a folder that holds the build output (built elsewhere than public/).
    let out = site.root().join("build/public");
    let out_text = out.to_string_lossy().into_owned();
    let run = build_in(site.root(), &["--output", &out_text]);
    assert_eq!(run.code(), Some(0), "{}", run.stderr);
    symlink("../build", site.root().join("content/b")).unwrap();
    let run = build_in(site.root(), &["--output", &out_text]);
    assert_eq!(run.code(), Some(1), "{}", run.stderr);
    assert_contains(&run.stderr, "--> content/b/public");
    assert!(!out.join("b").exists());
}

#[test]
fn names_one_file_on_windows_or_macos_clash_here_too() {
    let site = good_site();
    site.write(
        "content/reports/nfc.md",
        "+++\ntitle = \"一\"\npath = \"caf\u{e9}\"\n+++\n",
    );
    site.write(
        "content/reports/nfd.md",
        "+++\ntitle = \"二\"\npath = \"cafe\u{301}\"\n+++\n",
    );
    let run = site.build(&[]);
    assert_eq!(run.code(), Some(1), "{}", run.stderr);
    assert_contains(&run.stderr, "is also produced by content/reports/nfc.md");
    assert_lacks(&run.stderr, "needs a folder");
}

#[test]
fn c1_controls_and_escapes_in_the_base_url_are_refused() {
    let site = good_site();
    site.write(
        "content/reports/c1.md",
        "+++\ntitle = \"a\\u009b2J\"\n+++\n",
    );
    let run = site.build(&[]);
    assert_eq!(run.code(), Some(1), "{}", run.stderr);
    assert_contains(&run.stderr, "U+009B");
    site.remove("content/reports/c1.md");
    let run = site.build(&["--base-url", "https://a\u{1b}[2J.example/"]);
    assert_ne!(run.code(), Some(0), "{}", run.stderr);
    assert_contains(&run.stderr, "U+001B");
    assert!(!run.stderr.contains('\u{1b}'));
}

#[test]
fn raw_html_nested_beyond_reason_is_refused_in_seconds() {
    let site = good_site();
    site.write(
        "content/reports/deep.md",
        format!("+++\ntitle = \"深\"\n+++\n{}", "<div>".repeat(400_000)),
    );
    let run = build_within(&site, LIMITS_DEADLINE);
    assert_eq!(run.code(), Some(1), "{}", run.stderr);
    assert_contains(&run.stderr, "nests more than 512 elements deep");
    assert_contains(&run.stderr, "--> content/reports/deep.md");
    // Ordinary nesting is untouched.
    site.write(
        "content/reports/deep.md",
        format!(
            "+++\ntitle = \"深\"\n+++\n{}x{}",
            "<div>".repeat(100),
            "</div>".repeat(100)
        ),
    );
    site.build_ok(&[]);
}

/// Runs `chattr` on `path`; false where the file system does not support it.
fn chattr(flag: &str, path: &Path) -> bool {
    Command::new("chattr")
        .arg(flag)
        .arg(path)
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Tests that need root (or a file system feature) skip outside CI, and fail in CI.
fn unavailable(what: &str) {
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "{what} is needed by this test and CI must provide it"
    );
    eprintln!("skipped: {what} is unavailable here");
}

#[test]
fn a_previous_build_that_cannot_be_cleaned_is_named_and_the_build_still_counts() {
    let site = good_site();
    site.build_ok(&[]);
    let locked = site.public().join("locked.txt");
    fs::write(&locked, "immutable").unwrap();
    if !chattr("+i", &locked) {
        return unavailable("chattr +i (root on ext4)");
    }
    site.write(
        "content/reports/c.md",
        "+++\ntitle = \"第三篇\"\ndate = 2024-02-02\n+++\n新的。\n",
    );
    // The build with the stray file becomes the spare, which the next build starts from: the
    // file it cannot remove must not be published, and the folder holding it is named.
    let kept = site.build(&[]);
    let run = site.build(&[]);
    let leftovers = site.leftovers();
    let spare = site.root().join(".public.gongkai-spare");
    for stuck in leftovers.iter().map(|l| site.root().join(l)).chain([spare]) {
        chattr("-i", &stuck.join("locked.txt"));
    }
    assert_eq!(kept.code(), Some(0), "{}", kept.stderr);
    assert_eq!(run.code(), Some(0), "{}", run.stderr);
    assert_contains(&run.stderr, "warning: the previous build is left here");
    assert_lacks(&run.stderr, "unchanged");
    assert!(site.has("reports/c/"), "public/ holds the new build");
    assert!(!site.public().join("locked.txt").exists());
    assert_eq!(leftovers.len(), 1, "{leftovers:?}");
    assert!(
        leftovers[0].starts_with(".public.gongkai-previous-"),
        "{leftovers:?}"
    );
    // The next build removes it now that it can, and succeeds.
    site.build_ok(&[]);
    assert_eq!(site.leftovers(), Vec::<String>::new());
}

#[test]
fn a_leftover_that_stays_stuck_does_not_fail_later_builds() {
    let site = good_site();
    site.build_ok(&[]);
    let stuck = site.root().join(".public.gongkai-previous-1-1");
    fs::create_dir(&stuck).unwrap();
    fs::write(stuck.join("locked.txt"), "immutable").unwrap();
    if !chattr("+i", &stuck.join("locked.txt")) {
        return unavailable("chattr +i (root on ext4)");
    }
    let run = site.build(&[]);
    let second = site.build(&[]);
    chattr("-i", &stuck.join("locked.txt"));
    assert_eq!(run.code(), Some(0), "{}", run.stderr);
    assert_eq!(second.code(), Some(0), "{}", second.stderr);
    assert_contains(&second.stderr, "--> ");
    assert_contains(&second.stderr, ".public.gongkai-previous-1-1");
}

#[test]
fn a_full_disk_is_one_error_and_keeps_the_last_good_output() {
    let mount = tempfile::tempdir().unwrap();
    let mounted = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=64k", "tmpfs"])
        .arg(mount.path())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !mounted {
        return unavailable("mount -t tmpfs (root)");
    }
    struct Unmount<'a>(&'a Path);
    impl Drop for Unmount<'_> {
        fn drop(&mut self) {
            let _ = Command::new("umount").arg(self.0).status();
        }
    }
    let _unmount = Unmount(mount.path());
    let site = good_site();
    let output = mount.path().join("public");
    let output_text = output.to_string_lossy().into_owned();
    let first = build_in(site.root(), &["--output", &output_text]);
    assert_eq!(first.code(), Some(0), "{}", first.stderr);
    let before = snapshot(&output);
    let body = "示例区坚持依法行政，推进法治政府建设。".repeat(200);
    for n in 0..60 {
        site.write(
            &format!("content/reports/p{n:02}.md"),
            format!("+++\ntitle = \"页面{n}\"\ndate = 2024-01-01\n+++\n{body}\n"),
        );
    }
    let run = build_in(site.root(), &["--output", &output_text]);
    assert_eq!(run.code(), Some(1), "{}", run.stderr);
    assert_eq!(
        run.stderr.matches("error:").count(),
        2,
        "one error and the closing line:\n{}",
        run.stderr
    );
    assert_contains(&run.stderr, "No space left on device");
    assert_contains(&run.stderr, "more files failed too");
    assert!(
        snapshot(&output) == before,
        "a failed build changed the output"
    );
}

#[test]
fn control_characters_from_the_site_are_escaped_in_messages() {
    let site = good_site();
    site.write(
        "content/reports/\u{1b}[2Jclear.md",
        "+++\ntitle = \"x\"\ndate = \"\u{1b}[32mOK\u{1b}[0m\"\n+++\n",
    );
    site.write(
        "content/reports/x\nBuilt 5 pages → public\nok\u{202e}dm.md",
        "+++\ntitel = \"x\"\n+++\n",
    );
    let run = site.build(&[]);
    assert_eq!(run.code(), Some(1), "{}", run.stderr);
    assert!(
        !run.stderr.contains('\u{1b}'),
        "raw ESC in:\n{}",
        run.stderr.escape_debug()
    );
    assert!(
        !run.stderr.contains('\u{202e}'),
        "raw RTL override in:\n{}",
        run.stderr
    );
    assert!(
        !run.stderr.lines().any(|line| line.starts_with("Built ")),
        "a file name faked a line:\n{}",
        run.stderr
    );
    assert_contains(&run.stderr, "\\u{1b}[2Jclear.md");
    assert_contains(&run.stderr, "x\\u{a}Built 5 pages");
}

// ---------------------------------------------------------------------------------------------
// Atomic output: killed builds
// ---------------------------------------------------------------------------------------------

#[test]
fn leftovers_of_a_dead_build_are_cleared_by_the_next_one() {
    let site = good_site();
    site.build_ok(&[]);
    // A pid that certainly belonged to a process that is gone now.
    let mut child = Command::new("true").spawn().unwrap();
    let dead_pid = child.id();
    child.wait().unwrap();
    let dead = site
        .root()
        .join(format!(".public.gongkai-tmp-{dead_pid}-1"));
    fs::create_dir_all(dead.join("reports/a")).unwrap();
    fs::write(dead.join("reports/a/index.html"), "half written").unwrap();
    // A staging folder of a live process (this test) belongs to someone else: leave it.
    let live = site
        .root()
        .join(format!(".public.gongkai-tmp-{}-1", std::process::id()));
    fs::create_dir_all(&live).unwrap();
    fs::write(live.join("index.html"), "another build at work").unwrap();

    site.build_ok(&[]);
    assert!(
        !dead.exists(),
        "the dead build's staging folder must be removed"
    );
    assert!(
        live.exists(),
        "a live build's staging folder must be left alone"
    );
    assert_contains(
        &site.html("reports/a/"),
        "<h1>2023年度法治政府建设工作情况的报告</h1>",
    );
    fs::remove_dir_all(&live).unwrap();
    assert_eq!(site.leftovers(), Vec::<String>::new());
}

#[test]
fn a_build_killed_midway_leaves_public_intact_and_the_next_build_cleans_up() {
    let site = good_site();
    site.build_ok(&[]);
    let before = snapshot(&site.public());

    // A site big enough that writing it takes a while even on a fast machine.
    let body = (1..=6)
        .map(|n| format!("## 第{n}节\n\n示例区坚持依法行政，推进法治政府建设。{}\n\n| 指标 | 数值 |\n|---|---|\n| 合同 | {n} |\n", "正文".repeat(40)))
        .collect::<String>();
    site.write(
        "content/bulk/_index.md",
        "+++\ntitle = \"批量\"\npaginate_by = 20\n+++\n",
    );
    for n in 0..3000 {
        site.write(
            &format!("content/bulk/p{n:04}.md"),
            format!(
                "+++\ntitle = \"页面{n}\"\ndate = 2024-01-01\ntags = [\"t{}\"]\n+++\n{body}",
                n % 20
            ),
        );
    }

    let mut command = Command::new(BIN);
    command
        .arg("build")
        .arg("--root")
        .arg(site.root())
        .arg("--output")
        .arg(site.public());
    let mut child = command
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Wait until its staging folder holds some pages (not a fixed sleep: a fast machine would
    // finish first, a slow one not start), then SIGKILL it.
    let deadline = Instant::now() + BUILD_TIMEOUT;
    let staged_pages = |site: &Site| {
        site.leftovers().first().map_or(0, |staging| {
            fs::read_dir(site.root().join(staging).join("bulk")).map_or(0, Iterator::count)
        })
    };
    while staged_pages(&site) < 20 {
        if let Some(status) = child.try_wait().unwrap() {
            panic!(
                "the build ended ({status}) before it could be killed; make the generated site bigger"
            );
        }
        assert!(Instant::now() < deadline, "the build never started writing");
        std::thread::sleep(Duration::from_millis(1));
    }
    child.kill().unwrap(); // SIGKILL
    let status = child.wait().unwrap();
    assert!(
        !status.success(),
        "the build finished before the kill; make the generated site bigger"
    );

    let staging = site.leftovers();
    assert_eq!(
        staging.len(),
        1,
        "the killed build should have left its staging folder: {staging:?}"
    );
    assert!(
        !snapshot(&site.root().join(&staging[0])).is_empty(),
        "the build was killed before writing anything"
    );
    assert!(
        snapshot(&site.public()) == before,
        "a killed build changed public/"
    );

    site.build_ok(&[]);
    assert_eq!(
        site.leftovers(),
        Vec::<String>::new(),
        "the next build must clear the killed build's leftovers"
    );
    assert_contains(&site.html("bulk/p2999/"), "<h1>页面2999</h1>");
    assert!(site.has("bulk/page/150/"));
}

#[test]
fn absent_values_print_nothing_as_in_zola() {
    // A page without source, validity or summary: the fixture's page.html prints all three.
    let site = Site::new(&[
        (
            "content/reports/plain.md",
            "+++\ntitle = \"普通页面\"\ndate = 2024-01-01\n+++\n正文。\n",
        ),
        (
            "templates/probe.html",
            "[{{ page.source }}][{{ page.pinned }}][{{ page.draft | safe }}][{{ page.summary | safe }}]",
        ),
        (
            "content/reports/probe.md",
            "+++\ntitle = \"探针\"\ndate = 2024-01-01\ntemplate = \"probe.html\"\n+++\n",
        ),
    ]);
    site.build_ok(&[]);
    let html = site.html("reports/plain/");
    assert_contains(&html, "来源： 发布时间：2024-01-01 00:00 有效性：</p>");
    assert_contains(&html, "<div class=\"summary\"></div>");
    assert_lacks(&html, "None");
    assert_eq!(site.html("reports/probe/"), "[][false][false][]");
}

#[test]
fn broken_link_in_a_front_matter_summary_is_an_error_at_its_key() {
    let site = good_site();
    let stderr = assert_breaks(&site, |site| {
        site.write(
            "content/reports/b.md",
            "+++\ntitle = \"第二篇\"\nsummary = \"见[报告](@/reports/nope.md)\"\n+++\n正文\n",
        );
    });
    assert_contains(
        &stderr,
        "internal link `@/reports/nope.md` points to no page or section",
    );
    assert_contains(&stderr, "--> content/reports/b.md:3:1");
    assert_contains(&stderr, "3 | summary = ");
}

#[test]
fn broken_link_in_the_markdown_filter_is_a_template_error() {
    let site = good_site();
    let stderr = assert_breaks(&site, |site| {
        site.write("templates/probe.html", "{{ page.extra.note | markdown }}\n");
        site.write(
            "content/reports/b.md",
            "+++\ntitle = \"第二篇\"\ntemplate = \"probe.html\"\n[extra]\nnote = \"[x](@/reports/a.md#nope)\"\n+++\n",
        );
    });
    assert_contains(
        &stderr,
        "template error while rendering content/reports/b.md",
    );
    assert_contains(
        &stderr,
        "`@/reports/a.md` has no heading with the anchor `#nope`",
    );
    assert_contains(&stderr, "--> templates/probe.html:1:");
}

#[test]
fn windows_editor_files_with_bom_and_crlf_work() {
    let site = Site::new(&[(
        "content/reports/notepad.md",
        "\u{feff}+++\r\ntitle = \"记事本保存的文件\"\r\ndate = 2024-01-01\r\n+++\r\n## 一、主要工作\r\n\r\n正文。\r\n",
    )]);
    site.build_ok(&[]);
    let html = site.html("reports/notepad/");
    assert_contains(&html, "<h1>记事本保存的文件</h1>");
    assert_contains(&html, "<h2 id=\"yi-zhu-yao-gong-zuo\">一、主要工作</h2>");
    assert_lacks(&html, "\u{feff}");
}

#[test]
fn a_file_name_that_is_not_utf8_is_an_error() {
    use std::os::unix::ffi::OsStrExt;
    let site = good_site();
    let stderr = assert_breaks(&site, |site| {
        let name = std::ffi::OsStr::from_bytes(b"\xb1\xa8\xb8\xe6.md"); // 报告 in GBK
        fs::write(
            site.root().join("content/reports").join(name),
            "+++\ntitle = \"x\"\n+++\n",
        )
        .unwrap();
    });
    assert_contains(&stderr, "the name is not valid UTF-8");
    assert_contains(&stderr, "--> content/reports/");
}

#[test]
fn symlink_loops_outside_content_do_not_hang_either() {
    let site = good_site();
    std::os::unix::fs::symlink("..", site.root().join("static/loop")).unwrap();
    // Every source folder is walked alike: the loop is reported, wherever it is.
    let run = site.build(&[]);
    assert_eq!(run.code(), Some(1), "{}", run.stderr);
    assert_contains(&run.stderr, "--> static/loop");
    fs::remove_file(site.root().join("static/loop")).unwrap();
    site.build_ok(&[]);
    assert_eq!(
        fs::read_to_string(site.public().join("css/site.css")).unwrap(),
        "body { color: #111; }\n"
    );
    std::os::unix::fs::symlink(".", site.root().join("templates/loop")).unwrap();
    let run = site.build(&[]);
    assert_eq!(run.code(), Some(1), "{}", run.stderr);
    assert_contains(&run.stderr, "--> templates/loop");
}

#[test]
fn a_public_folder_that_is_a_symlink_keeps_pointing_at_the_new_build() {
    // A common deployment: public -> the web server's folder.
    let site = good_site();
    let www = tempfile::tempdir().unwrap();
    let served = www.path().join("site");
    fs::create_dir(&served).unwrap();
    fs::write(served.join("stale.html"), "old").unwrap();
    std::os::unix::fs::symlink(&served, site.public()).unwrap();
    // The served folder was not written by gongkai: it is not replaced until --force says so.
    let run = site.build(&[]);
    assert_eq!(run.code(), Some(2), "{}", run.stderr);
    assert_contains(&run.stderr, "a symbolic link takes it out of the site");
    assert_eq!(
        fs::read_to_string(served.join("stale.html")).unwrap(),
        "old"
    );
    site.build_ok(&["--force"]);
    assert!(served.join(".gongkai-output").is_file());
    fs::write(served.join("stale.html"), "old").unwrap();
    // Now it carries the marker of a gongkai build, and is replaced without asking.
    site.build_ok(&[]);
    assert!(
        fs::symlink_metadata(site.public())
            .unwrap()
            .file_type()
            .is_symlink(),
        "public/ is no longer a link"
    );
    assert_contains(
        &fs::read_to_string(served.join("reports/a/index.html")).unwrap(),
        "<h1>2023年度法治政府建设工作情况的报告</h1>",
    );
    assert!(!served.join("stale.html").exists());
    let mut beside: Vec<_> = fs::read_dir(www.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    beside.sort();
    assert_eq!(
        beside,
        vec![
            std::ffi::OsString::from(".site.gongkai-spare"),
            std::ffi::OsString::from("site")
        ],
        "staging left beside the served folder, or no spare kept beside it"
    );
    assert_eq!(site.leftovers(), Vec::<String>::new());
}

#[test]
fn files_beside_a_section_index_are_copied_too() {
    let site = Site::new(&[
        ("content/reports/年度目录.pdf", "%PDF section asset"),
        (
            "content/通知公告/_index.md",
            "+++\ntitle = \"通知公告\"\n+++\n",
        ),
        ("content/通知公告/附件/表格.xlsx", "xlsx bytes"),
    ]);
    site.build_ok(&[]);
    assert_eq!(
        fs::read_to_string(site.public().join("reports/年度目录.pdf")).unwrap(),
        "%PDF section asset"
    );
    // Folders are slugged as for pages; file names are kept.
    assert_eq!(
        fs::read_to_string(site.public().join("tong-zhi-gong-gao/fu-jian/表格.xlsx")).unwrap(),
        "xlsx bytes"
    );
}

#[test]
fn page_and_section_variables_have_the_contract_names() {
    let page_probe = r#"title={{ page.title }}
date={{ page.date }}
updated={{ page.updated }}
permalink={{ page.permalink }}
path={{ page.path }}
slug={{ page.slug }}
summary={{ page.summary | safe }}
toc={{ page.toc[0].id }}/{{ page.toc[0].title }}
assets={% for a in page.assets %}{{ a.name }}:{{ a.path }}:{{ a.size }} {% endfor %}
tags={{ page.taxonomies.tags | join(",") }} department={{ page.taxonomies.department | join(",") }}
extra={{ page.extra.contact }}
source={{ page.source }} publisher={{ page.publisher }} index_number={{ page.index_number }}
doc_number={{ page.doc_number }} written={{ page.written | date(format="%Y-%m-%d") }} validity={{ page.validity }}
words={{ page.word_count }} reading_time={{ page.reading_time }}
"#;
    let section_probe = r#"title={{ section.title }}
content={{ section.content | safe }}
pages={% for p in section.pages %}{{ p.title }},{% endfor %}
subsections={% for s in section.subsections %}{{ s.title }}@{{ s.path }},{% endfor %}
permalink={{ section.permalink }}
path={{ section.path }}
extra={{ section.extra.banner }}
"#;
    let site = Site::new(&[
        ("templates/page-probe.html", page_probe),
        ("templates/section-probe.html", section_probe),
        (
            "content/xxgk/_index.md",
            "+++\ntitle = \"信息公开\"\ntemplate = \"section-probe.html\"\npage_template = \"page-probe.html\"\n[extra]\nbanner = \"公开栏\"\n+++\n栏目说明。\n",
        ),
        (
            "content/xxgk/fg/_index.md",
            "+++\ntitle = \"法规文件\"\nweight = 2\n+++\n",
        ),
        (
            "content/xxgk/gz/_index.md",
            "+++\ntitle = \"规章\"\nweight = 1\n+++\n",
        ),
        (
            "content/xxgk/notice/index.md",
            r#"+++
title = "关于印发《示例区政务公开工作要点》的通知"
date = "2024-03-28 09:30"
updated = "2024-04-01 10:00"
summary = "年度要点。"
source = "示例区人民政府办公室"
publisher = "示例区人民政府办公室"
index_number = "431200001/2024-00012"
doc_number = "示政办发〔2024〕3号"
written = "2024-03-20"
validity = "有效"
tags = ["政务公开"]
department = ["示例区人民政府办公室"]
[extra]
contact = "0000-1234567"
+++
## 一、总体要求

正文十个汉字在这里
"#,
        ),
        ("content/xxgk/notice/要点.pdf", "0123456789"),
    ]);
    site.build_ok(&[]);
    let page = site.html("xxgk/notice/");
    for line in [
        "title=关于印发《示例区政务公开工作要点》的通知",
        "date=2024-03-28T09:30:00+08:00",
        "updated=2024-04-01T10:00:00+08:00",
        "permalink=https://www.example.gov.cn/xxgk/notice/",
        "path=/xxgk/notice/",
        "slug=notice",
        "summary=<p>年度要点。</p>",
        "toc=yi-zong-ti-yao-qiu/一、总体要求",
        "assets=要点.pdf:/xxgk/notice/要点.pdf:10 ",
        "tags=政务公开 department=示例区人民政府办公室",
        "extra=0000-1234567",
        "source=示例区人民政府办公室 publisher=示例区人民政府办公室 index_number=431200001/2024-00012",
        "doc_number=示政办发〔2024〕3号 written=2024-03-20 validity=有效",
        // 一、总体要求 (5) + 正文十个汉字在这里 (9).
        "words=14 reading_time=1",
    ] {
        assert!(
            page.lines().any(|l| l == line),
            "expected the line\n  {line}\nin\n{page}"
        );
    }
    let section = site.html("xxgk/");
    for line in [
        "title=信息公开",
        "content=<p>栏目说明。</p>",
        "pages=关于印发《示例区政务公开工作要点》的通知,",
        // Subsections in weight order.
        "subsections=规章@/xxgk/gz/,法规文件@/xxgk/fg/,",
        "permalink=https://www.example.gov.cn/xxgk/",
        "path=/xxgk/",
        "extra=公开栏",
    ] {
        assert!(
            section.lines().any(|l| l == line),
            "expected the line\n  {line}\nin\n{section}"
        );
    }
}

#[test]
fn a_year_taxonomy_is_derived_from_dates_in_the_site_timezone() {
    let site = Site::new(&[
        (
            "site.toml",
            "base_url = \"https://www.example.gov.cn\"\ntitle = \"示例区人民政府\"\n\n[taxonomies.year]\ntitle = \"年份\"\nfrom = \"year\"\n",
        ),
        // 2023-12-31 20:00 UTC is already 2024 in Shanghai.
        (
            "content/reports/a.md",
            "+++\ntitle = \"跨年报告\"\ndate = 2023-12-31T20:00:00Z\n+++\n",
        ),
        (
            "content/reports/b.md",
            "+++\ntitle = \"年中报告\"\ndate = 2023-06-01\n+++\n",
        ),
        // An explicit value wins over the derived one.
        (
            "content/reports/c.md",
            "+++\ntitle = \"补录报告\"\ndate = 2024-02-01\nyear = \"2019\"\n+++\n",
        ),
        (
            "content/reports/undated.md",
            "+++\ntitle = \"无日期\"\n+++\n",
        ),
    ]);
    site.build_ok(&[]);
    let years = site.html("year/");
    assert_contains(&years, "<h1>年份</h1>");
    assert_contains(&years, "<a href=\"/year/2024/\">2024</a> 1");
    assert_contains(&years, "<a href=\"/year/2023/\">2023</a> 1");
    assert_contains(&years, "<a href=\"/year/2019/\">2019</a> 1");
    assert_lacks(&years, "无日期");
    assert_contains(&site.html("year/2024/"), "跨年报告");
}

// Issue 7: limits
// ---------------------------------------------------------------------------------------------
// Inputs within the size caps build or fail in seconds, with an error at the file and line:
// nothing quadratic in headings or YAML nesting, no runaway template, no control characters or
// duplicate YAML keys slipping into pages.

/// What a build may take on these inputs, on a busy 2-core machine with a debug binary; the old
/// code took minutes to forever on each.
const LIMITS_DEADLINE: Duration = Duration::from_secs(30);

/// Every file of the site outside the output (and its staging folders).
fn sources_of(site: &Site) -> BTreeMap<String, Option<Vec<u8>>> {
    snapshot(site.root())
        .into_iter()
        .filter(|(path, _)| !path.starts_with("public") && !path.starts_with(".public.gongkai-"))
        .collect()
}

/// Builds, insisting on an end within `deadline` and on the sources outside the output being
/// left as they were.
#[track_caller]
fn build_within(site: &Site, deadline: Duration) -> Run {
    let before = sources_of(site);
    let start = Instant::now();
    let mut command = Command::new(BIN);
    command
        .arg("build")
        .arg("--root")
        .arg(site.root())
        .arg("--output")
        .arg(site.public())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().expect("start gongkai");
    let reader = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = pipe.read_to_end(&mut bytes);
            String::from_utf8_lossy(&bytes).into_owned()
        })
    };
    let stdout = reader(Box::new(child.stdout.take().unwrap()));
    let stderr = reader(Box::new(child.stderr.take().unwrap()));
    let status = wait_with_timeout(&mut child, deadline);
    let run = Run {
        status,
        stdout: stdout.join().unwrap(),
        stderr: stderr.join().unwrap(),
    };
    assert!(
        start.elapsed() < deadline,
        "took {:?}:\n{}",
        start.elapsed(),
        run.stderr
    );
    assert!(
        sources_of(site) == before,
        "the build changed files outside its output"
    );
    run
}

/// Builds `site` (good), breaks it, and checks that the broken build fails within the deadline
/// with `public/` untouched; returns stderr.
#[track_caller]
fn assert_breaks_fast(site: &Site, breakage: impl FnOnce(&Site)) -> String {
    let run = build_within(site, LIMITS_DEADLINE);
    assert_eq!(run.code(), Some(0), "{}", run.stderr);
    let before = snapshot(&site.public());
    breakage(site);
    let run = build_within(site, LIMITS_DEADLINE);
    assert_eq!(run.code(), Some(1), "{}\n{}", run.stdout, run.stderr);
    assert!(
        snapshot(&site.public()) == before,
        "a failed build changed public/"
    );
    assert_eq!(site.leftovers(), Vec::<String>::new());
    run.stderr
}

#[test]
fn a_hundred_thousand_repeated_headings_build_in_seconds_with_unique_ids() {
    let mut body = String::from("+++\ntitle = \"重复标题\"\n+++\n");
    for _ in 0..50_000 {
        body.push_str("## 标题\n\n## biao-ti-1\n\n");
    }
    let site = Site::new(&[("content/reports/a.md", &body)]);
    let run = build_within(&site, LIMITS_DEADLINE);
    assert_eq!(run.code(), Some(0), "{}", run.stderr);
    let html = site.html("reports/a/");
    let ids: Vec<&str> = html
        .split("<h2 id=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .collect();
    assert_eq!(ids.len(), 100_000);
    let unique: std::collections::HashSet<&str> = ids.iter().copied().collect();
    assert_eq!(unique.len(), ids.len(), "heading ids repeat");
    assert_eq!(
        &ids[..4],
        ["biao-ti", "biao-ti-1", "biao-ti-2", "biao-ti-1-1"]
    );
}

#[test]
fn yaml_nested_a_hundred_thousand_deep_fails_in_seconds_at_its_line() {
    let site = good_site();
    let stderr = assert_breaks_fast(&site, |site| {
        let deep = "[".repeat(100_000) + &"]".repeat(100_000);
        site.write(
            "content/reports/deep.md",
            format!("---\ntitle: 深\nextra:\n  x: {deep}\n---\n正文\n"),
        );
    });
    assert_contains(&stderr, "lists and tables nest more than 64 deep here");
    // The 65th bracket: column 6 of `  x: ` plus 64.
    assert_contains(&stderr, "--> content/reports/deep.md:4:70");
}

#[test]
fn runaway_templates_end_in_an_error_at_their_line() {
    for (name, source, line) in [
        (
            "loops",
            "{{ page.title }}\n{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}\n",
            "templates/page.html:2",
        ),
        (
            "doubling macro calls",
            "{% macro f(n) %}{% if n < 60 %}{{ f(n + 1) }}{{ f(n + 1) }}{% endif %}{% endmacro %}\n\n{{ f(0) }}\n",
            "templates/page.html:1",
        ),
    ] {
        let site = good_site();
        for i in 0..30 {
            site.write(
                &format!("content/reports/n{i}.md"),
                format!("+++\ntitle = \"通知{i}\"\n+++\n"),
            );
        }
        let stderr = assert_breaks_fast(&site, |site| site.write("templates/page.html", source));
        assert_contains(&stderr, "steps of work");
        assert_contains(&stderr, line);
        // Every page uses the template; once one has run out, the pages not yet started stop at
        // once. Only those already rendering on other threads run out as well.
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        let errors = stderr.matches("steps of work").count();
        assert!(
            errors <= threads,
            "{name}: {errors} pages ran out:\n{stderr}"
        );
    }
}

#[test]
fn control_characters_in_front_matter_are_errors_at_their_key() {
    let site = good_site();
    let stderr = assert_breaks_fast(&site, |site| {
        site.write(
            "content/reports/esc.md",
            "+++\ntitle = \"通知\\u001b[2J\"\n+++\n正文\n",
        );
        site.write(
            "content/reports/nul.md",
            "---\ntitle: 通知\nsource: \"司法局\\0\"\n---\n正文\n",
        );
    });
    assert_contains(&stderr, "`title` holds the control character U+001B (ESC)");
    assert_contains(&stderr, "--> content/reports/esc.md:2:1");
    assert_contains(&stderr, "`source` holds the control character U+0000 (NUL)");
    assert_contains(&stderr, "--> content/reports/nul.md:3:1");
    assert_lacks(&stderr, "\u{1b}");
}

#[test]
fn a_yaml_key_given_twice_is_an_error_at_the_second() {
    let site = good_site();
    let stderr = assert_breaks_fast(&site, |site| {
        site.write(
            "content/reports/twice.md",
            "---\ntitle: 第一\ndate: 2024-01-02\ntitle: 第二\n---\n正文\n",
        );
    });
    assert_contains(&stderr, "the key `title` is given twice");
    assert_contains(&stderr, "--> content/reports/twice.md:4:1");
}

#[test]
fn the_default_theme_lists_ten_thousand_pages_on_one_page_within_its_limits() {
    let site = Site::bare(&[
        (
            "site.toml",
            "base_url = \"https://www.example.gov.cn\"\ntitle = \"示例区人民政府\"\ntheme = \"gongkai\"\n",
        ),
        ("content/_index.md", "+++\ntitle = \"首页\"\n+++\n"),
        ("content/bulk/_index.md", "+++\ntitle = \"通知公告\"\n+++\n"),
        // Only the listing matters here: a page template that costs nothing.
        ("templates/page.html", "{{ page.title }}"),
    ]);
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("themes/gongkai"),
        &site.root().join("themes/gongkai"),
    );
    for i in 0..10_000 {
        site.write(
            &format!("content/bulk/p{i}.md"),
            format!("+++\ntitle = \"关于第{i}号事项的通知\"\ndate = 2024-01-02\n+++\n"),
        );
    }
    let run = build_within(&site, Duration::from_secs(120));
    assert_eq!(run.code(), Some(0), "{}", run.stderr);
    let listing = site.html("bulk/");
    assert_contains(&listing, "关于第0号事项的通知");
    assert_contains(&listing, "关于第9999号事项的通知");
}

#[test]
fn many_links_to_missing_anchors_and_pages_are_reported_in_linear_time() {
    let site = good_site();
    let headings: String = (0..20_000).map(|n| format!("## h{n}\n\n")).collect();
    site.write(
        "content/reports/long.md",
        format!("+++\ntitle = \"长\"\n+++\n{headings}"),
    );
    let links: String = (0..20_000)
        .map(|n| format!("[x](@/reports/long.md#missing-{n}) [y](@/reports/gone-{n}.md)\n"))
        .collect();
    site.write(
        "content/reports/links.md",
        format!("+++\ntitle = \"链接\"\n+++\n{links}"),
    );
    let run = build_within(&site, LIMITS_DEADLINE);
    assert_eq!(run.code(), Some(1));
    assert_contains(
        &run.stderr,
        "has no heading with the anchor `#missing-19999`",
    );
    assert_contains(
        &run.stderr,
        "hint: anchors on that page: #h0, #h1, #h10, #h100",
    );
    assert_contains(&run.stderr, "points to no page or section");
}

/// A site on the default theme with `site_toml_extra` appended to its `site.toml`, a home page,
/// and `files`.
fn default_theme_site(site_toml_extra: &str, files: &[(&str, &str)]) -> Site {
    let site = Site::bare(&[
        (
            "site.toml",
            &format!(
                "base_url = \"https://www.example.gov.cn\"\ntitle = \"示例区人民政府\"\ntheme = \"gongkai\"\n{site_toml_extra}"
            ),
        ),
        ("content/_index.md", "+++\ntitle = \"首页\"\n+++\n"),
    ]);
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("themes/gongkai"),
        &site.root().join("themes/gongkai"),
    );
    for (path, contents) in files {
        site.write(path, contents);
    }
    site
}

#[test]
fn a_hundred_thousand_tags_on_one_page_build_in_linear_time() {
    // The default theme links every term of a page by its URL; finding a term by walking the
    // taxonomy's terms made this page quadratic (64,000 tags took 40 s).
    let tags: Vec<String> = (0..100_000).map(|i| format!("\"t{i}\"")).collect();
    let site = default_theme_site(
        "[taxonomies.tags]\n",
        &[
            ("content/reports/_index.md", "+++\ntitle = \"报告\"\n+++\n"),
            (
                "content/reports/a.md",
                &format!(
                    "+++\ntitle = \"多标签\"\ntags = [{}]\n+++\n正文\n",
                    tags.join(", ")
                ),
            ),
        ],
    );
    // Only the page matters here: without term templates the build writes no term pages, which
    // would be 100,000 files on a slow disk.
    site.remove("themes/gongkai/templates/taxonomy_single.html");
    site.remove("themes/gongkai/templates/taxonomy_list.html");
    let run = build_within(&site, LIMITS_DEADLINE);
    assert_eq!(run.code(), Some(0), "{}", run.stderr);
    let page = site.html("reports/a/");
    assert_contains(&page, "<a class=\"gk-link\" href=\"/tags/t0/\">t0</a>");
    assert_contains(
        &page,
        "<a class=\"gk-link\" href=\"/tags/t99999/\">t99999</a>",
    );
}

#[test]
fn reading_a_seven_megabyte_body_over_and_over_costs_fuel_not_copies() {
    // Each read of `page.content` copied the whole body, work no fuel counted: this ran for
    // hours. A read is one step now, and the loop needs 2.4 million of its 10 million.
    let paragraph = format!("{}\n\n", "依法行政，建设法治政府。".repeat(20));
    let site = Site::new(&[
        (
            "content/reports/long.md",
            &format!(
                "+++\ntitle = \"长文\"\n+++\n{}",
                paragraph.repeat(7_000_000 / paragraph.len())
            ),
        ),
        (
            "templates/page.html",
            "{% for j in range(100) %}{% for i in range(4000) %}{% if page.content %}{% endif %}\
             {% endfor %}{% endfor %}{{ page.title }}",
        ),
    ]);
    let run = build_within(&site, LIMITS_DEADLINE);
    assert_eq!(run.code(), Some(0), "{}", run.stderr);
    assert_eq!(site.html("reports/long/"), "长文");
}

#[test]
fn three_hundred_taxonomies_on_three_hundred_pages_build_in_time_linear_in_the_output() {
    // Every page lists its terms of every taxonomy: the output grows with pages × taxonomies,
    // the work grew with pages × taxonomies² (`page.taxonomies` built anew on each of its
    // three reads per taxonomy, each taxonomy found by a walk through all of them): 118 s.
    let n = 300;
    let site_toml: String = (0..n).map(|i| format!("[taxonomies.x{i}]\n")).collect();
    let terms: String = (0..n).map(|i| format!("x{i} = [\"值{i}\"]\n")).collect();
    let mut files = vec![(
        "content/reports/_index.md".to_string(),
        "+++\ntitle = \"报告\"\n+++\n".to_string(),
    )];
    files.extend((0..n).map(|j| {
        (
            format!("content/reports/p{j}.md"),
            format!("+++\ntitle = \"页{j}\"\n{terms}+++\n正文\n"),
        )
    }));
    let files: Vec<(&str, &str)> = files.iter().map(|(p, c)| (&**p, &**c)).collect();
    let site = default_theme_site(&site_toml, &files);
    let run = build_within(&site, LIMITS_DEADLINE);
    assert_eq!(run.code(), Some(0), "{}", run.stderr);
    let page = site.html("reports/p7/");
    assert_eq!(page.matches("gk-classification__row").count(), n);
    assert_contains(
        &page,
        "<a class=\"gk-link\" href=\"/x299/zhi-299/\">值299</a>",
    );
}

// ---------------------------------------------------------------------------------------------
// Deploying (issue 12): compressed copies and content-hashed theme assets
// ---------------------------------------------------------------------------------------------

/// A site with a theme of one stylesheet, one script, one image and one text file, and a page
/// template that links them through `get_url`.
fn asset_theme_site() -> Site {
    let site = good_site();
    let toml = fs::read_to_string(site.root().join("site.toml")).unwrap();
    site.write("site.toml", format!("theme = \"t\"\n{toml}"));
    site.write(
        "themes/t/static/css/a.css",
        "body { margin: 0 }\n".repeat(60),
    );
    site.write("themes/t/static/js/b.js", "console.log(1);\n");
    site.write("themes/t/static/img/c.png", [0u8, 1, 2, 3].repeat(300));
    site.write("themes/t/static/notes.txt", "x".repeat(2000));
    site.write(
        "templates/index.html",
        "<link rel=stylesheet href=\"{{ get_url(path='css/a.css') }}\">\
         <script src=\"{{ get_url(path='/js/b.js') }}\"></script>\
         <img src=\"{{ get_url(path='img/c.png') }}\" alt=\"\">\
         <a href=\"{{ get_url(path='notes.txt') }}\">notes</a>\
         <a href=\"{{ get_url(path='css/missing.css') }}\">missing</a>",
    );
    site
}

/// The one `name.<10 hex>.ext` file beside `plain` in the output.
fn hashed_twin(site: &Site, plain: &str) -> String {
    let (folder, name) = plain.rsplit_once('/').unwrap_or(("", plain));
    let (stem, ext) = name.rsplit_once('.').unwrap();
    let twins: Vec<String> = fs::read_dir(site.public().join(folder))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| {
            n.strip_prefix(&format!("{stem}."))
                .and_then(|rest| rest.strip_suffix(&format!(".{ext}")))
                .is_some_and(|hash| hash.len() == 10 && hash.bytes().all(|b| b.is_ascii_hexdigit()))
        })
        .collect();
    assert_eq!(twins.len(), 1, "{plain}: {twins:?}");
    match folder {
        "" => twins[0].clone(),
        folder => format!("{folder}/{}", twins[0]),
    }
}

#[test]
fn theme_assets_get_content_hashed_names_that_get_url_answers_with() {
    let site = asset_theme_site();
    site.build_ok(&[]);
    let home = site.html("");
    for plain in ["css/a.css", "js/b.js", "img/c.png"] {
        let hashed = hashed_twin(&site, plain);
        assert_contains(&home, &format!("\"/{hashed}\""));
        assert_eq!(
            fs::read(site.public().join(&hashed)).unwrap(),
            fs::read(site.public().join(plain)).unwrap(),
            "{hashed} holds {plain}'s bytes"
        );
    }
    // Not an asset kind, or not a file of the theme: the plain name.
    assert_contains(&home, "href=\"/notes.txt\"");
    assert_contains(&home, "href=\"/css/missing.css\"");
    // The site's own static file replaces the theme's bytes, and so its hash.
    let before = hashed_twin(&site, "css/a.css");
    site.write("static/css/a.css", "body { margin: 1px }\n");
    site.build_ok(&[]);
    let after = hashed_twin(&site, "css/a.css");
    assert_ne!(before, after);
    assert_contains(&site.html(""), &format!("\"/{after}\""));
    assert_eq!(
        fs::read_to_string(site.public().join(&after)).unwrap(),
        "body { margin: 1px }\n"
    );
}

#[test]
fn compress_writes_gzip_and_brotli_copies_of_text_files() {
    use std::io::Read as _;
    let site = asset_theme_site();
    site.write(
        "content/reports/big.md",
        format!(
            "+++\ntitle = \"长文\"\n+++\n{}",
            "依法行政，建设法治政府。\n\n".repeat(100)
        ),
    );
    site.build_ok(&[]);
    let page = "reports/big/index.html";
    assert!(
        !site.public().join(format!("{page}.gz")).exists(),
        "only with --compress"
    );
    site.build_ok(&["--compress"]);
    let mut checked = 0;
    for file in [page, "css/a.css", "notes.txt"] {
        let plain = fs::read(site.public().join(file)).unwrap();
        let mut gunzipped = Vec::new();
        flate2::read::GzDecoder::new(
            &fs::read(site.public().join(format!("{file}.gz"))).unwrap()[..],
        )
        .read_to_end(&mut gunzipped)
        .unwrap();
        assert_eq!(gunzipped, plain, "{file}.gz");
        let mut unbrotlied = Vec::new();
        brotli::Decompressor::new(
            &fs::read(site.public().join(format!("{file}.br"))).unwrap()[..],
            4096,
        )
        .read_to_end(&mut unbrotlied)
        .unwrap();
        assert_eq!(unbrotlied, plain, "{file}.br");
        checked += 1;
    }
    assert_eq!(checked, 3);
    let hashed = hashed_twin(&site, "css/a.css");
    assert!(site.public().join(format!("{hashed}.gz")).is_file());
    // Images are compressed already; tiny files are not worth it.
    assert!(!site.public().join("img/c.png.gz").exists());
    assert!(
        !site.public().join("js/b.js.gz").exists(),
        "below the size threshold"
    );
}

#[test]
fn a_static_file_named_like_a_compressed_copy_is_a_clash_under_compress() {
    let site = asset_theme_site();
    site.write("static/notes.txt.gz", "not gzip");
    site.build_ok(&[]);
    let run = site.build(&["--compress"]);
    assert_eq!(run.code(), Some(1), "{}", run.stderr);
    assert_contains(&run.stderr, "static/notes.txt.gz");
    assert_contains(&run.stderr, "themes/t/static/notes.txt");
}

#[test]
fn a_template_that_spends_its_allowance_on_every_page_stops_in_seconds() {
    let site = good_site();
    // Just under the per-page allowance, on each of 300 pages: minutes before there was a
    // limit for the whole build.
    site.write(
        "templates/page.html",
        "{% for i in range(1500) %}{% for j in range(1500) %}{% endfor %}{% endfor %}{{ page.title }}",
    );
    for n in 0..300 {
        site.write(
            &format!("content/reports/p{n:03}.md"),
            format!("+++\ntitle = \"页{n}\"\n+++\n"),
        );
    }
    let run = build_within(&site, LIMITS_DEADLINE);
    assert_eq!(run.code(), Some(1), "{}", run.stderr);
    assert_contains(&run.stderr, "steps of work in all");
    assert_contains(&run.stderr, "--> templates/page.html");
}

#[test]
fn a_static_file_may_not_take_the_hashed_name_of_a_theme_asset() {
    let site = asset_theme_site();
    site.build_ok(&[]);
    let hashed = hashed_twin(&site, "css/a.css");
    site.write(&format!("static/{hashed}"), "body { display: none }");
    let run = site.build(&[]);
    assert_eq!(run.code(), Some(1), "{}", run.stderr);
    assert_contains(&run.stderr, &format!("--> static/{hashed}"));
    assert_contains(&run.stderr, "themes/t/static/css/a.css");
}
