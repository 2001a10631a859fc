//! Warm builds (issue 13): a build starts from the build before the live one, writes only the
//! files whose bytes changed, and must end with exactly what a cold build of the same sources
//! writes, whatever happened to that earlier tree, and without ever touching anything outside.
//!
//! Every test uses the demo site (`content/`, `site.toml`) with the default theme, what users
//! build, copied into a temporary folder and changed there.

mod common;
use common::copy_dir;

use std::collections::BTreeMap;
use std::fs;
use std::io::Read;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

const BIN: &str = env!("CARGO_BIN_EXE_gongkai");
const REPO: &str = env!("CARGO_MANIFEST_DIR");
const BUILD_TIMEOUT: Duration = Duration::from_secs(120);
/// Fixed so that two builds minutes apart agree on what is expired and what is scheduled.
const NOW: &str = "2026-11-30T12:00:00+08:00";

/// The demo site in a temporary folder.
struct Site {
    dir: tempfile::TempDir,
}

/// What one file of an output is.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Node {
    Dir,
    File(Vec<u8>),
    Link(PathBuf),
}

impl Site {
    fn demo() -> Site {
        let site = Site {
            dir: tempfile::tempdir().unwrap(),
        };
        copy_dir(
            &Path::new(REPO).join("content"),
            &site.root().join("content"),
        );
        copy_dir(&Path::new(REPO).join("themes"), &site.root().join("themes"));
        fs::copy(
            Path::new(REPO).join("site.toml"),
            site.root().join("site.toml"),
        )
        .unwrap();
        site
    }

    fn root(&self) -> &Path {
        self.dir.path()
    }

    fn public(&self) -> PathBuf {
        self.root().join("public")
    }

    fn spare(&self) -> PathBuf {
        self.root().join(".public.gongkai-spare")
    }

    fn write(&self, path: &str, contents: impl AsRef<[u8]>) {
        let file = self.root().join(path);
        fs::create_dir_all(file.parent().unwrap()).unwrap();
        fs::write(file, contents).unwrap();
    }

    fn edit(&self, path: &str, from: &str, to: &str) {
        let text = fs::read_to_string(self.root().join(path)).unwrap();
        assert!(text.contains(from), "{path} lacks {from:?}");
        self.write(path, text.replacen(from, to, 1));
    }

    fn command(&self, output: &Path, args: &[&str]) -> Command {
        let mut command = Command::new(BIN);
        command
            .env("GONGKAI_NOW", NOW)
            .arg("build")
            .arg("--root")
            .arg(self.root())
            .arg("--output")
            .arg(output)
            .args(args);
        command
    }

    /// Builds into `public/`; returns (written, kept, removed) from the summary.
    #[track_caller]
    fn build(&self, args: &[&str]) -> (usize, usize, usize) {
        counts(&run_ok(self.command(&self.public(), args)))
    }

    /// A cold build of the same sources into a fresh folder: what every warm build must equal.
    #[track_caller]
    fn cold(&self, args: &[&str]) -> BTreeMap<String, Node> {
        let out = tempfile::tempdir().unwrap();
        let output = out.path().join("site");
        let (written, kept, _) = counts(&run_ok(self.command(&output, args)));
        assert_eq!(kept, 0, "a cold build keeps nothing");
        assert!(written > 100);
        contents(&output)
    }
}

#[track_caller]
fn run_ok(mut command: Command) -> String {
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + BUILD_TIMEOUT;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the build did not finish within {BUILD_TIMEOUT:?}");
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let mut stdout = String::new();
    let mut stderr = String::new();
    child.stdout.unwrap().read_to_string(&mut stdout).unwrap();
    child.stderr.unwrap().read_to_string(&mut stderr).unwrap();
    assert!(status.success(), "build failed:\n{stdout}\n{stderr}");
    stdout
}

/// The numbers of "Wrote N changed files, kept M unchanged, removed R."
#[track_caller]
fn counts(stdout: &str) -> (usize, usize, usize) {
    let line = stdout
        .lines()
        .find(|l| l.starts_with("Wrote "))
        .unwrap_or_else(|| panic!("no Wrote line in\n{stdout}"));
    let numbers: Vec<usize> = line
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|n| n.parse().ok())
        .collect();
    assert_eq!(numbers.len(), 3, "{line}");
    (numbers[0], numbers[1], numbers[2])
}

/// Every file, folder and link below `dir`, except the manifest (which records times, and so
/// differs between any two builds).
fn contents(dir: &Path) -> BTreeMap<String, Node> {
    walk(dir)
        .into_iter()
        .filter(|(path, _)| path != ".gongkai-manifest")
        .map(|(path, (node, _))| (path, node))
        .collect()
}

/// Every entry below `dir` with its modification time.
fn walk(dir: &Path) -> BTreeMap<String, (Node, SystemTime)> {
    fn go(base: &Path, dir: &Path, out: &mut BTreeMap<String, (Node, SystemTime)>) {
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let rel = path
                .strip_prefix(base)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            let meta = fs::symlink_metadata(&path).unwrap();
            let time = meta.modified().unwrap();
            if meta.is_dir() {
                out.insert(rel, (Node::Dir, time));
                go(base, &path, out);
            } else if meta.file_type().is_symlink() {
                out.insert(rel, (Node::Link(fs::read_link(&path).unwrap()), time));
            } else {
                out.insert(rel, (Node::File(fs::read(&path).unwrap()), time));
            }
        }
    }
    let mut out = BTreeMap::new();
    go(dir, dir, &mut out);
    out
}

#[track_caller]
fn assert_same_output(warm: &BTreeMap<String, Node>, cold: &BTreeMap<String, Node>, what: &str) {
    let differ: Vec<&String> = warm
        .keys()
        .chain(cold.keys())
        .filter(|path| warm.get(*path) != cold.get(*path))
        .collect();
    assert!(
        differ.is_empty(),
        "after {what}, the warm build differs from a cold build at {} paths, first {:?}",
        differ.len(),
        &differ[..differ.len().min(8)]
    );
}

/// A new notice, as a webmaster would add one.
const NOTICE: &str = "+++\ntitle = \"关于开展2026年度行政执法案卷评查的通知\"\ndate = \"2026-11-29 10:00\"\nsource = \"示例区司法局\"\ntags = [\"行政执法\"]\ndepartment = [\"示例区司法局\"]\n+++\n\n各单位：根据年度工作安排，区司法局将于12月开展行政执法案卷评查。\n";

#[test]
fn warm_builds_equal_cold_builds_after_every_kind_of_change() {
    let site = Site::demo();
    let (written, kept, _) = site.build(&[]);
    assert!(written > 100 && kept == 0);
    // The second build starts afresh too (there is no spare yet) and keeps the first as one.
    site.build(&[]);
    assert!(site.spare().join(".gongkai-manifest").is_file());

    let (written, kept, removed) = site.build(&[]);
    assert_eq!(
        (written, removed),
        (0, 0),
        "nothing changed, so nothing is written"
    );
    let total = kept;
    assert_same_output(&contents(&site.public()), &site.cold(&[]), "no change");

    type Change = fn(&Site);
    let changes: [(&str, Change, &[&str]); 9] = [
        (
            "a new notice",
            |s| s.write("content/notices/2026-anjuan-pingcha.md", NOTICE),
            &[],
        ),
        (
            "a body edit",
            |s| {
                s.edit(
                    "content/notices/chengdong-linshi-tingshui.md",
                    "敬请谅解。",
                    "敬请谅解。咨询电话：12345。",
                )
            },
            &[],
        ),
        (
            "a title edit shown in listings",
            |s| {
                s.edit(
                    "content/notices/chengdong-linshi-tingshui.md",
                    "临时停水的通知",
                    "临时停水（延期）的通知",
                )
            },
            &[],
        ),
        (
            "a template edit",
            |s| {
                s.edit(
                    "themes/gongkai/templates/partials/footer.html",
                    "<footer class=\"gk-footer\">",
                    "<footer class=\"gk-footer gk-footer--edited\">",
                )
            },
            &[],
        ),
        (
            "a stylesheet edit",
            |s| {
                let css = s.root().join("themes/gongkai/static/css/base.css");
                let mut text = fs::read_to_string(&css).unwrap();
                text.push_str("\n/* edited */\n");
                fs::write(css, text).unwrap();
            },
            &[],
        ),
        (
            "a page removed",
            |s| fs::remove_file(s.root().join("content/notices/2026-anjuan-pingcha.md")).unwrap(),
            &[],
        ),
        ("--compress switched on", |_| {}, &["--compress"]),
        (
            "an edit with --compress",
            |s| {
                s.edit(
                    "content/notices/chengdong-linshi-tingshui.md",
                    "咨询电话：12345。",
                    "咨询电话：12345（工作日）。",
                )
            },
            &["--compress"],
        ),
        ("--compress switched off", |_| {}, &[]),
    ];
    for (what, change, args) in changes {
        change(&site);
        let (written, kept, _) = site.build(args);
        assert_same_output(&contents(&site.public()), &site.cold(args), what);
        if what == "a new notice" || what == "a body edit" {
            assert!(
                written > 0 && written * 5 < total,
                "{what}: wrote {written} of {total} files"
            );
            assert!(kept > 0);
        }
        // A second build of the same sources finds everything in place: the spare it starts
        // from is one build behind, yet ends equal.
        let (again, _, _) = site.build(args);
        assert_same_output(&contents(&site.public()), &site.cold(args), what);
        assert!(
            again <= written,
            "{what}: the repeat wrote {again} after {written}"
        );
        let (third, _, _) = site.build(args);
        assert_eq!(third, 0, "{what}: a third identical build wrote files");
    }
}

#[test]
fn files_whose_bytes_did_not_change_keep_their_time() {
    let site = Site::demo();
    site.build(&[]);
    site.build(&[]);
    let mut before = walk(&site.public());
    for round in 0..3 {
        std::thread::sleep(Duration::from_millis(20)); // so a rewrite would show in the time
        site.write(
            &format!("content/notices/round-{round}.md"),
            NOTICE.replace("评查的通知", &format!("评查的通知（{round}）")),
        );
        site.build(&[]);
        let after = walk(&site.public());
        let mut same = 0;
        for (path, (node, time)) in &after {
            let Node::File(_) = node else { continue };
            if path == ".gongkai-manifest" {
                continue;
            }
            if let Some((old_node, old_time)) = before.get(path)
                && old_node == node
            {
                same += 1;
                assert_eq!(
                    old_time, time,
                    "round {round}: {path} has the same bytes but a new time"
                );
            }
        }
        assert!(same > 100, "round {round}: only {same} files compared");
        before = after;
    }
}

#[test]
fn a_damaged_spare_is_repaired_and_nothing_outside_it_is_touched() {
    let site = Site::demo();
    site.build(&[]);
    site.build(&[]);
    let spare = site.spare();
    assert!(spare.join("index.html").is_file());
    let outside = tempfile::tempdir().unwrap();
    let secret = outside.path().join("secret.txt");
    fs::write(&secret, "do not touch").unwrap();
    fs::create_dir(outside.path().join("notices")).unwrap();
    fs::write(outside.path().join("notices/index.html"), "outside").unwrap();

    // Edited by hand, cut short, deleted, and new files nobody wrote, at the top and deep down.
    fs::write(spare.join("index.html"), "edited by hand").unwrap();
    let about = spare.join("about/index.html");
    let half = fs::read(&about).unwrap();
    fs::write(&about, &half[..half.len() / 2]).unwrap();
    fs::remove_file(spare.join("404.html")).unwrap();
    fs::remove_dir_all(spare.join("reports")).unwrap();
    fs::write(spare.join("stray.html"), "stray").unwrap();
    fs::write(spare.join("videos/stray.html"), "stray").unwrap();
    fs::create_dir_all(spare.join("tags/stray/deeper")).unwrap();
    // Links that would make a write land outside: a folder, a file, and a second name (a hard
    // link) for a file outside.
    fs::remove_dir_all(spare.join("notices")).unwrap();
    std::os::unix::fs::symlink(outside.path().join("notices"), spare.join("notices")).unwrap();
    let contact = spare.join("contact/index.html");
    fs::remove_file(&contact).unwrap();
    std::os::unix::fs::symlink(&secret, &contact).unwrap();
    let guide = spare.join("guide/index.html");
    fs::remove_file(&guide).unwrap();
    fs::hard_link(&secret, &guide).unwrap();

    site.build(&[]);
    assert_same_output(&contents(&site.public()), &site.cold(&[]), "damage");
    assert_eq!(fs::read_to_string(&secret).unwrap(), "do not touch");
    assert_eq!(fs::metadata(&secret).unwrap().nlink(), 1);
    assert_eq!(
        fs::read_to_string(outside.path().join("notices/index.html")).unwrap(),
        "outside"
    );
    assert_eq!(fs::read_dir(outside.path()).unwrap().count(), 2);
}

#[test]
fn a_spare_the_live_build_does_not_name_is_deleted_not_used() {
    let site = Site::demo();
    site.build(&[]);
    site.build(&[]);
    // A folder under the spare's name with a copy of its manifest, as a repository could carry
    // one: a new folder (another inode), with a link where a page will be written.
    let forged = site.root().join("forged");
    copy_dir(&site.spare(), &forged);
    let outside = tempfile::tempdir().unwrap();
    let target = outside.path().join("authorized_keys");
    fs::write(&target, "ssh-ed25519 AAAA… admin").unwrap();
    let page = forged.join("contact/index.html");
    fs::remove_file(&page).unwrap();
    std::os::unix::fs::symlink(&target, &page).unwrap();
    fs::write(forged.join("planted.html"), "<script>alert(1)</script>").unwrap();
    fs::remove_dir_all(site.spare()).unwrap();
    fs::rename(&forged, site.spare()).unwrap();

    let (written, kept, _) = site.build(&[]);
    assert_eq!(kept, 0, "the forged spare was used");
    assert!(written > 100);
    assert_eq!(
        fs::read_to_string(&target).unwrap(),
        "ssh-ed25519 AAAA… admin"
    );
    assert_same_output(&contents(&site.public()), &site.cold(&[]), "a forged spare");
    // What is beside public/ now is the build it replaced, which the live one names.
    assert!(!site.spare().join("planted.html").exists());
    let (_, kept, _) = site.build(&[]);
    assert!(kept > 100, "the genuine spare is used again");
}

#[test]
fn killing_warm_builds_at_random_moments_leaves_public_whole() {
    let site = Site::demo();
    // Enough pages that a build takes a while, in one section, so a title edit changes many
    // listing pages and a killed build is caught in the middle of its writes.
    let body = "示例区坚持依法行政，推进法治政府建设。".repeat(30);
    for n in 0..600 {
        site.write(
            &format!("content/notices/bulk-{n:04}.md"),
            format!("+++\ntitle = \"批量通知{n}\"\ndate = \"2026-10-01 09:00\"\n+++\n{body}\n"),
        );
    }
    site.build(&[]);
    site.build(&[]);
    let timed = Instant::now();
    site.build(&[]);
    let warm = timed.elapsed();

    let mut seed = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos() as u64;
    let mut killed = 0;
    for round in 0..6 {
        let before = contents(&site.public());
        for n in (round * 7..600).step_by(40) {
            site.edit(
                &format!("content/notices/bulk-{n:04}.md"),
                "title = \"批量通知",
                "title = \"批量通知（更新）",
            );
        }
        let expected = site.cold(&[]);
        // A moment somewhere in the build, different each round.
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let delay = warm.mul_f64(((seed >> 33) % 1000) as f64 / 1000.0 * 1.2);
        let mut child = site
            .command(&site.public(), &[])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(delay);
        child.kill().unwrap(); // SIGKILL
        let status = child.wait().unwrap();
        killed += usize::from(!status.success());
        let now = contents(&site.public());
        assert!(
            now == before || now == expected,
            "round {round}: killed after {delay:?}, public/ is neither the old nor the new build"
        );
        // The next build starts from what the killed one left (it was updating the spare),
        // repairs it, and ends equal to a cold build.
        let (_, kept, _) = site.build(&[]);
        assert!(
            kept > 100,
            "round {round}: the killed build's work was thrown away"
        );
        assert_same_output(&contents(&site.public()), &expected, "a killed build");
        assert_eq!(
            fs::read_dir(site.root())
                .unwrap()
                .filter(|e| {
                    e.as_ref()
                        .unwrap()
                        .file_name()
                        .to_string_lossy()
                        .starts_with(".public.gongkai-tmp")
                })
                .count(),
            0,
            "round {round}: a staging folder was left"
        );
    }
    assert!(
        killed >= 2,
        "only {killed} of 6 builds were killed before finishing"
    );
}

#[test]
fn a_committed_output_with_a_manifest_cannot_make_a_build_delete_or_reuse_anything() {
    let site = Site::demo();
    let victim = tempfile::tempdir().unwrap();
    fs::write(victim.path().join("secret"), "SECRET").unwrap();
    fs::create_dir(victim.path().join("dir")).unwrap();
    fs::write(victim.path().join("dir/keep"), "keep").unwrap();
    // A `public/` in the repository, marked as a build, whose manifest names paths outside it
    // (absolute, `..`) and vouches for itself as the next build's spare.
    let absolute = victim.path().join("secret");
    let hash = "0".repeat(32);
    let depth = "../".repeat(site.public().components().count());
    let manifest = format!(
        "gongkai-manifest 2\ntoken 1234\nd 1 ../..\nd 1 {depth}{victim}\nf 1 1 {hash} - {absolute}\nf 1 1 {hash} - ../../dir\nf 1 1 {hash} - {depth}{victim}/dir\n",
        absolute = absolute.display(),
        victim = victim.path().display().to_string().trim_start_matches('/'),
    );
    site.write("public/.gongkai-output", "");
    site.write("public/.gongkai-manifest", &manifest);
    site.write(".public.gongkai-spare/.gongkai-output", "");
    site.write(".public.gongkai-spare/.gongkai-manifest", &manifest);
    for _ in 0..3 {
        site.build(&[]);
    }
    assert_eq!(fs::read_to_string(&absolute).unwrap(), "SECRET");
    assert_eq!(
        fs::read_to_string(victim.path().join("dir/keep")).unwrap(),
        "keep"
    );
    assert_same_output(
        &contents(&site.public()),
        &site.cold(&[]),
        "a committed output",
    );
}

#[test]
fn a_folder_name_with_a_line_break_cannot_add_lines_to_the_manifest() {
    let site = Site::demo();
    let www = tempfile::tempdir().unwrap();
    fs::create_dir(www.path().join("othersite")).unwrap();
    fs::write(www.path().join("othersite/important.txt"), "precious").unwrap();
    let injected = format!("x\nf 1 1 {} - - ..", "0".repeat(32));
    site.write(&format!("static/{injected}/othersite/a.txt"), "hi");
    site.write(
        "static/y\nd 1 ../othersite/z.txt",
        "line break in a file name",
    );
    let output = www.path().join("public");
    for round in 0..4 {
        run_ok(site.command(&output, &[]));
        assert_eq!(
            fs::read_to_string(www.path().join("othersite/important.txt")).unwrap(),
            "precious",
            "round {round}"
        );
    }
    let manifest = fs::read_to_string(output.join(".gongkai-manifest")).unwrap();
    assert!(!manifest.contains(" .."), "{manifest}");
    assert_same_output(
        &contents(&output),
        &site.cold(&[]),
        "names with line breaks",
    );
    assert!(output.join(&injected).join("othersite/a.txt").is_file());
}

#[test]
fn a_static_folder_replaced_by_a_file_of_its_name_builds_warm() {
    let site = Site::demo();
    site.write("static/foo/x.txt", "x");
    site.write("static/bar", "a file first");
    site.build(&[]);
    site.build(&[]);
    fs::remove_dir_all(site.root().join("static/foo")).unwrap();
    site.write("static/foo", "now a file");
    fs::remove_file(site.root().join("static/bar")).unwrap();
    site.write("static/bar/y.txt", "now a folder");
    let (_, kept, _) = site.build(&[]);
    assert!(kept > 100);
    assert_same_output(
        &contents(&site.public()),
        &site.cold(&[]),
        "a folder became a file",
    );
    site.build(&[]);
    assert_same_output(
        &contents(&site.public()),
        &site.cold(&[]),
        "the build after that",
    );
}

/// Builds the demo with the library, holding at most `held` bytes of page bodies.
fn build_with_budget(site: &Site, output: &Path, held: usize) {
    let mut options = gongkai::site::BuildOptions::new(site.root());
    options.output = Some(output.to_path_buf());
    options.load.now = NOW.parse().unwrap();
    options.load.held_html_bytes = held;
    if let Err(problems) = gongkai::site::build(&options) {
        panic!("{problems:#?}");
    }
}

#[test]
fn bodies_rendered_again_from_their_files_equal_held_ones() {
    let site = Site::demo();
    let out = tempfile::tempdir().unwrap();
    // None held, some held, all held: the same site.
    build_with_budget(&site, &out.path().join("none"), 0);
    build_with_budget(&site, &out.path().join("some"), 20_000);
    build_with_budget(&site, &out.path().join("all"), usize::MAX);
    let all = contents(&out.path().join("all"));
    assert_same_output(&contents(&out.path().join("none")), &all, "no body held");
    assert_same_output(
        &contents(&out.path().join("some")),
        &all,
        "some bodies held",
    );
    assert_same_output(&all, &site.cold(&[]), "the command line's build");
}

#[test]
fn a_page_file_changed_during_the_build_is_an_error_not_a_mismatched_page() {
    let site = Site::demo();
    let mut options = gongkai::site::BuildOptions::new(site.root());
    options.load.now = NOW.parse().unwrap();
    options.load.held_html_bytes = 0;
    let (loaded, _) = gongkai::site::Site::load(&options).unwrap_or_else(|e| panic!("{e:#?}"));
    let id = loaded
        .library
        .pages
        .iter()
        .position(|p| p.source == "notices/chengdong-linshi-tingshui.md")
        .unwrap();
    let page = &loaded.library.pages[id];
    let before = page.content_html(&loaded.config).unwrap();
    assert!(before.contains("敬请谅解"));
    site.edit(
        "content/notices/chengdong-linshi-tingshui.md",
        "敬请谅解。",
        "敬请谅解。（改）",
    );
    let error = page.content_html(&loaded.config).unwrap_err();
    let message = error.to_string();
    assert!(
        message.contains("changed while the site was being built")
            && message.contains("chengdong-linshi-tingshui.md"),
        "{message}"
    );
}

#[test]
fn a_static_file_changed_with_its_old_size_and_time_is_published() {
    // Sources with fixed times (a Nix store, a reproducible tarball): only the inode and the
    // change time, which nobody can set, tell the new file from the one copied before.
    let site = Site::demo();
    let app = site.root().join("static/app.txt");
    let fixed = |path: &Path| {
        let file = fs::File::options().write(true).open(path).unwrap();
        file.set_modified(SystemTime::UNIX_EPOCH + Duration::from_secs(1))
            .unwrap();
    };
    site.write("static/app.txt", "AAAA-version-1\n");
    fixed(&app);
    site.build(&[]);
    site.build(&[]);
    site.write("static/app.txt", "BBBB-version-2\n");
    fixed(&app);
    site.build(&[]);
    assert_eq!(
        fs::read_to_string(site.public().join("app.txt")).unwrap(),
        "BBBB-version-2\n"
    );
    site.build(&[]);
    assert_same_output(
        &contents(&site.public()),
        &site.cold(&[]),
        "a source with a fixed time",
    );
}

#[test]
fn a_source_swapped_for_a_named_pipe_is_an_error_not_a_build_that_waits_forever() {
    let dir = tempfile::tempdir().unwrap();
    let pipe = dir.path().join("page.md");
    let path = std::ffi::CString::new(pipe.to_str().unwrap()).unwrap();
    // SAFETY: mkfifo with a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(path.as_ptr(), 0o644) }, 0);
    let root = gongkai::walk::SiteRoot::new(dir.path());
    let started = Instant::now();
    let error = root.open(&pipe).unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(error.to_string().contains("not a plain file"), "{error}");
    // A link to it, as well.
    std::os::unix::fs::symlink(&pipe, dir.path().join("link.md")).unwrap();
    assert!(root.open(&dir.path().join("link.md")).is_err());
}
