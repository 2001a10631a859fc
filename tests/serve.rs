//! `gongkai serve` on real sockets: the binary is started on an ephemeral port against a copy of
//! the `basic` fixture, reached over `[::1]` and `127.0.0.1` with a plain `TcpStream` client, and
//! its live-reload stream is read as a browser's `EventSource` would. Every wait is bounded.

mod common;
use common::copy_dir;

use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const WAIT: Duration = Duration::from_secs(10);
const SECRET: &str = "TOP-SECRET-outside-the-site-0d3805e0";
const LIVE_PAGE: &str = "+++\ntitle = \"实时预览测试\"\ndate = 2024-01-02\n+++\n第一版正文。\n";

/// A copy of the fixture in a temporary folder, with a secret file beside (outside) the site.
struct Site {
    _dir: tempfile::TempDir,
    root: PathBuf,
    secret: PathBuf,
}

impl Site {
    fn new() -> Site {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("site");
        copy_dir(Path::new("tests/fixtures/basic"), &root);
        fs::write(root.join("content/notices/live.md"), LIVE_PAGE).unwrap();
        let secret = dir.path().join("secret.txt");
        fs::write(&secret, SECRET).unwrap();
        Site {
            _dir: dir,
            root,
            secret,
        }
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }

    fn write(&self, rel: &str, text: &str) {
        let path = self.path(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }

    fn append(&self, rel: &str, text: &str) {
        let mut file = fs::OpenOptions::new()
            .append(true)
            .open(self.path(rel))
            .unwrap();
        file.write_all(text.as_bytes()).unwrap();
    }
}

/// The running binary; killed when dropped, whatever the test did.
struct Server {
    child: Child,
    port: u16,
    lines: Receiver<String>,
    log: Arc<Mutex<String>>,
}

impl Server {
    fn start(site: &Site) -> Server {
        Server::start_with(site, &[])
    }

    fn start_with(site: &Site, extra: &[&str]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_gongkai"))
            .arg("serve")
            .arg("--root")
            .arg(&site.root)
            .args(["--port", "0"])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let log = Arc::new(Mutex::new(String::new()));
        let (sender, lines) = mpsc::channel();
        for stream in [
            Box::new(child.stdout.take().unwrap()) as Box<dyn Read + Send>,
            Box::new(child.stderr.take().unwrap()),
        ] {
            let (sender, log) = (sender.clone(), log.clone());
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    log.lock().unwrap().push_str(&format!("{line}\n"));
                    let _ = sender.send(line);
                }
            });
        }
        let mut server = Server {
            child,
            port: 0,
            lines,
            log,
        };
        let url = server.wait_for_line("http://127.0.0.1:");
        let port = url.rsplit(':').next().unwrap().trim_end_matches('/');
        server.port = port.parse().unwrap();
        server.wait_for_line("Press Ctrl-C to stop");
        server
    }

    fn wait_for_line(&self, needle: &str) -> String {
        let deadline = Instant::now() + WAIT;
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match self.lines.recv_timeout(left) {
                Ok(line) if line.contains(needle) => return line,
                Ok(_) => {}
                Err(_) => break,
            }
        }
        panic!(
            "the server never printed `{needle}`; it printed:\n{}",
            self.log()
        );
    }

    fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    fn v4(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    fn v6(&self) -> String {
        format!("[::1]:{}", self.port)
    }

    fn get(&self, path: &str) -> Response {
        request(&self.v4(), "GET", path, &[])
    }

    fn events(&self, address: &str) -> Events {
        Events::open(address, "/__gongkai/events")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[derive(Debug)]
struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Response {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// One HTTP/1.1 request with `Connection: close`; the target is sent exactly as given.
fn request(address: &str, method: &str, target: &str, headers: &[(&str, &str)]) -> Response {
    let mut stream = connect(address);
    let mut head =
        format!("{method} {target} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).unwrap();
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw);
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| {
            panic!(
                "no response to {method} {target}: {:?}",
                String::from_utf8_lossy(&raw)
            )
        });
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.lines();
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_string(), v.trim().to_string()))
        .collect();
    Response {
        status,
        headers,
        body: raw[split + 4..].to_vec(),
    }
}

fn connect(address: &str) -> TcpStream {
    let addr = address.parse().unwrap();
    let stream = TcpStream::connect_timeout(&addr, WAIT)
        .unwrap_or_else(|e| panic!("cannot connect to {address}: {e}"));
    stream.set_read_timeout(Some(WAIT)).unwrap();
    stream
}

/// A live-reload event stream, read like `EventSource` does.
struct Events {
    reader: BufReader<TcpStream>,
}

impl Events {
    fn open(address: &str, target: &str) -> Events {
        let mut stream = connect(address);
        let head = format!(
            "GET {target} HTTP/1.1\r\nHost: {address}\r\nAccept: text/event-stream\r\n\r\n"
        );
        stream.write_all(head.as_bytes()).unwrap();
        let mut reader = BufReader::new(stream);
        let mut status = String::new();
        reader.read_line(&mut status).unwrap();
        assert!(status.starts_with("HTTP/1.1 200"), "{status}");
        let mut saw_type = false;
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            saw_type |= line
                .to_ascii_lowercase()
                .starts_with("content-type: text/event-stream");
            if line == "\r\n" {
                break;
            }
        }
        assert!(saw_type, "the stream must be text/event-stream");
        let mut events = Events { reader };
        events.next(WAIT).expect("a hello event");
        events
    }

    /// The next event as (name, data), or `None` once `limit` has passed.
    fn next(&mut self, limit: Duration) -> Option<(String, String)> {
        let deadline = Instant::now() + limit;
        let (mut name, mut data) = (String::new(), String::new());
        loop {
            let left = deadline.checked_duration_since(Instant::now())?;
            self.reader
                .get_ref()
                .set_read_timeout(Some(left.max(Duration::from_millis(1))))
                .unwrap();
            let mut line = String::new();
            match self.reader.read_line(&mut line) {
                Ok(0) => return None,
                Ok(_) => {}
                Err(_) => return None,
            }
            let line = line.trim_end_matches(['\r', '\n']);
            if let Some(value) = line.strip_prefix("event: ") {
                name = value.to_string();
            } else if let Some(value) = line.strip_prefix("data: ") {
                data.push_str(value);
            } else if line.is_empty() && !name.is_empty() {
                return Some((name, data));
            }
        }
    }

    /// Waits for the event `name`, skipping others; returns its data.
    fn expect(&mut self, name: &str) -> String {
        let deadline = Instant::now() + WAIT;
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match self.next(left) {
                Some((event, data)) if event == name => return data,
                Some(_) => {}
                None => break,
            }
        }
        panic!("no `{name}` event within {WAIT:?}");
    }

    /// Asserts that no event at all comes within `quiet`.
    fn expect_none(&mut self, quiet: Duration) {
        if let Some((name, data)) = self.next(quiet) {
            panic!("unexpected `{name}` event: {data}");
        }
    }
}

/// Polls `path` until its body contains `needle`, for changes whose event is not awaited.
fn eventually_contains(server: &Server, path: &str, needle: &str) -> Response {
    let deadline = Instant::now() + WAIT;
    loop {
        let response = server.get(path);
        if response.text().contains(needle) || Instant::now() > deadline {
            assert!(
                response.text().contains(needle),
                "{path} never showed `{needle}`"
            );
            return response;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn pages_are_served_over_ipv6_and_ipv4_with_the_right_headers() {
    let site = Site::new();
    let server = Server::start(&site);
    let printed = server.log();
    for url in ["http://[::1]:", "http://127.0.0.1:", "http://localhost:"] {
        assert!(printed.contains(url), "{url} is not printed:\n{printed}");
    }
    for address in [server.v6(), server.v4()] {
        let home = request(&address, "GET", "/", &[]);
        assert_eq!(home.status, 200, "{address}");
        assert_eq!(
            home.header("Content-Type"),
            Some("text/html; charset=utf-8")
        );
        assert_eq!(home.header("Cache-Control"), Some("no-store"));
        let html = home.text();
        let tag = html
            .find("<script src=\"/__gongkai/livereload.js\"")
            .expect("the reload script");
        assert!(
            tag < html.rfind("</body>").unwrap(),
            "the script goes before </body>"
        );
        assert!(
            html[tag..].contains(" defer></script>"),
            "an external, deferred script"
        );
    }

    let head = request(&server.v6(), "HEAD", "/notices/live/", &[]);
    let get = server.get("/notices/live/");
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty(), "HEAD has no body");
    assert_eq!(
        head.header("Content-Length"),
        Some(get.body.len().to_string().as_str())
    );
    assert!(get.text().contains("实时预览测试"));

    let css = server.get("/css/site.css");
    assert_eq!(css.header("Content-Type"), Some("text/css; charset=utf-8"));
    let script = server.get("/__gongkai/livereload.js");
    assert_eq!(
        script.header("Content-Type"),
        Some("text/javascript; charset=utf-8")
    );
    assert!(script.text().contains("EventSource"));
    assert!(
        script.text().contains("location"),
        "URLs come from location, so [::1] works"
    );
    let worker = server.get("/__gongkai/livereload-worker.js");
    assert!(worker.text().contains("EventSource"));

    let folder = server.get("/notices?x=1");
    assert_eq!(
        folder.status, 301,
        "a folder without its slash is redirected"
    );
    assert_eq!(folder.header("Location"), Some("/notices/?x=1"));

    let not_found = server.get("/no/such/page/");
    assert_eq!(not_found.status, 404);
    let theme_404 = server.get("/404.html");
    assert_eq!(
        not_found.body, theme_404.body,
        "the theme's 404 page is served with status 404"
    );
    assert_eq!(server.get("/css/").status, 404, "no directory listings");

    let post = request(&server.v4(), "POST", "/", &[("Content-Length", "0")]);
    assert_eq!(post.status, 405);
    assert!(
        !site.root.join("public").exists(),
        "the preview never writes public/"
    );
}

/// The TCP sockets listening on `port`, from the kernel's own table, so that the test sees what
/// the server bound rather than what it printed.
#[cfg(target_os = "linux")]
fn listening_addresses(port: u16) -> Vec<IpAddr> {
    let mut found = Vec::new();
    for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
        let text = fs::read_to_string(table).unwrap_or_default();
        for line in text.lines().skip(1) {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let (Some(local), Some(&"0A")) = (fields.get(1), fields.get(3)) else {
                continue; // 0A: LISTEN
            };
            let Some((ip, hex_port)) = local.split_once(':') else {
                continue;
            };
            if u16::from_str_radix(hex_port, 16) != Ok(port) {
                continue;
            }
            // The address is printed as 32-bit words in the machine's byte order.
            let bytes: Vec<u8> = (0..ip.len())
                .step_by(8)
                .flat_map(|i| {
                    u32::from_str_radix(&ip[i..i + 8], 16)
                        .unwrap()
                        .to_ne_bytes()
                })
                .collect();
            found.push(match <[u8; 4]>::try_from(bytes.as_slice()) {
                Ok(v4) => IpAddr::from(v4),
                Err(_) => IpAddr::from(<[u8; 16]>::try_from(bytes.as_slice()).unwrap()),
            });
        }
    }
    found.sort();
    found
}

/// `serve --drafts` shows unpublished notices: by default only this computer may see them, on
/// both loopback addresses; `--bind ::` opens the preview to the network, and says so.
#[cfg(target_os = "linux")]
#[test]
fn the_preview_listens_on_loopback_only_unless_bound_elsewhere() {
    let site = Site::new();
    let server = Server::start_with(&site, &["--drafts"]);
    assert_eq!(
        listening_addresses(server.port),
        [
            IpAddr::from(Ipv4Addr::LOCALHOST),
            Ipv6Addr::LOCALHOST.into()
        ],
        "{}",
        server.log()
    );
    for address in [server.v4(), server.v6()] {
        assert_eq!(request(&address, "GET", "/", &[]).status, 200, "{address}");
    }
    let printed = server.log();
    assert!(
        printed.contains("Only this computer can open it"),
        "{printed}"
    );
    assert!(!printed.contains("Other computers"), "{printed}");

    let shared = Server::start_with(&site, &["--bind", "::"]);
    assert_eq!(
        listening_addresses(shared.port),
        [IpAddr::from(Ipv6Addr::UNSPECIFIED)],
        "{}",
        shared.log()
    );
    for address in [shared.v4(), shared.v6()] {
        assert_eq!(request(&address, "GET", "/", &[]).status, 200, "{address}");
    }
    assert!(
        shared
            .log()
            .contains("Other computers on your network can open it too"),
        "{}",
        shared.log()
    );
}

/// tiny_http sends bodies of 32 KiB and more chunked, without `Content-Length` (HEAD included),
/// and does so for any size when the request says `TE: chunked`; and it names itself.
#[test]
fn every_response_carries_its_length_and_no_tiny_http_banner() {
    let site = Site::new();
    site.write(
        "content/notices/big.md",
        &format!(
            "+++\ntitle = \"长页面\"\ndate = 2024-01-03\n+++\n{}\n",
            "政务公开，依法公开。".repeat(2000)
        ),
    );
    site.write("static/big.txt", &"0123456789abcdef".repeat(4096));
    let server = Server::start(&site);
    for path in ["/notices/big/", "/big.txt", "/", "/no/such/page/"] {
        for address in [server.v4(), server.v6()] {
            for te in [&[][..], &[("TE", "chunked")][..]] {
                let get = request(&address, "GET", path, te);
                let head = request(&address, "HEAD", path, te);
                for response in [&get, &head] {
                    assert_eq!(response.header("Transfer-Encoding"), None, "{path} {te:?}");
                    assert_eq!(
                        response.header("Content-Length"),
                        Some(get.body.len().to_string().as_str()),
                        "{path} {te:?}: HEAD gives the length of the GET body"
                    );
                    assert_eq!(response.header("Server"), Some("gongkai"), "{path}");
                }
                assert!(head.body.is_empty());
                if path.contains("big") {
                    assert!(get.body.len() >= 32 * 1024, "{path}: {}", get.body.len());
                }
            }
        }
    }
    for (method, target) in [("GET", "/notices"), ("GET", "/../x"), ("POST", "/")] {
        let response = request(&server.v4(), method, target, &[("Content-Length", "0")]);
        assert_eq!(response.header("Server"), Some("gongkai"), "{target}");
    }
}

/// A raw control character in the query was copied into the `Location` of the add-slash
/// redirect: a CR there ends the header and starts one the client never sent.
#[test]
fn control_characters_in_a_request_target_are_refused() {
    let site = Site::new();
    let server = Server::start(&site);
    for target in [
        "/notices?a\rSet-Cookie:evil=1",
        "/notices?a\x0bb",
        "/notices?a\0b",
        "/notices?a\x1bb",
        "/notices?a\x7fb",
    ] {
        for address in [server.v4(), server.v6()] {
            let mut stream = connect(&address);
            let head =
                format!("GET {target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
            stream.write_all(head.as_bytes()).unwrap();
            let mut raw = Vec::new();
            let _ = stream.read_to_end(&mut raw);
            let text = String::from_utf8_lossy(&raw);
            assert!(text.starts_with("HTTP/1.1 400 "), "{target:?}: {text:?}");
            assert!(!text.contains("Location"), "{target:?}: {text:?}");
            assert!(!text.contains("evil"), "{target:?}: {text:?}");
        }
    }
    // Encoded, they are data, and stay encoded.
    let folder = server.get("/notices?a=%0D%0ASet-Cookie:evil=1");
    assert_eq!(folder.status, 301);
    assert_eq!(
        folder.header("Location"),
        Some("/notices/?a=%0D%0ASet-Cookie:evil=1")
    );
}

#[test]
fn byte_ranges_are_answered_with_206_and_416() {
    let site = Site::new();
    let pdf = fs::read(site.path("content/reports/2023-annual/report.pdf")).unwrap();
    let len = pdf.len();
    let server = Server::start(&site);
    let path = "/reports/2023-annual/report.pdf";

    let whole = server.get(path);
    assert_eq!(whole.status, 200);
    assert_eq!(whole.header("Accept-Ranges"), Some("bytes"));
    assert_eq!(whole.header("Content-Type"), Some("application/pdf"));
    assert_eq!(whole.body, pdf);

    let part = request(&server.v6(), "GET", path, &[("Range", "bytes=2-5")]);
    assert_eq!(part.status, 206);
    assert_eq!(
        part.header("Content-Range"),
        Some(format!("bytes 2-5/{len}").as_str())
    );
    assert_eq!(part.body, &pdf[2..6]);

    let suffix = request(&server.v4(), "GET", path, &[("Range", "bytes=-3")]);
    assert_eq!(suffix.status, 206);
    assert_eq!(suffix.body, &pdf[len - 3..]);

    let open_ended = request(&server.v4(), "GET", path, &[("Range", "bytes=10-")]);
    assert_eq!(open_ended.body, &pdf[10..]);

    let outside = request(
        &server.v4(),
        "GET",
        path,
        &[("Range", &format!("bytes={len}-"))],
    );
    assert_eq!(outside.status, 416);
    assert_eq!(
        outside.header("Content-Range"),
        Some(format!("bytes */{len}").as_str())
    );

    let head = request(&server.v4(), "HEAD", path, &[("Range", "bytes=0-3")]);
    assert_eq!(head.status, 206);
    assert_eq!(head.header("Content-Length"), Some("4"));
    assert!(head.body.is_empty());

    let page = request(&server.v4(), "GET", "/", &[("Range", "bytes=0-14")]);
    assert_eq!(page.status, 206, "rendered pages take ranges too");
    assert_eq!(page.text(), "<!DOCTYPE html>");
}

#[test]
fn paths_that_try_to_leave_the_site_are_refused() {
    let site = Site::new();
    let server = Server::start(&site);
    let absolute = site.secret.to_string_lossy().replace('\\', "/");
    let absolute_form = format!("http://{}/../secret.txt", server.v4());
    let targets = [
        "/../secret.txt",
        "/../../secret.txt",
        "/notices/../../secret.txt",
        "/%2e%2e/secret.txt",
        "/%2E%2E/%2e%2e/secret.txt",
        "/.%2e/secret.txt",
        "/..%2fsecret.txt",
        "/%2e%2e%2fsecret.txt",
        "/css%2f..%2f..%2fsecret.txt",
        "/..\\secret.txt",
        "/..%5csecret.txt",
        "/%5c..%5c..%5csecret.txt",
        "//secret.txt",
        &absolute,
        &format!("/{absolute}"),
        &absolute_form,
        "/secret.txt%00",
        "/css/site.css%00.html",
        "/%00/../secret.txt",
        "/%c0%ae%c0%ae/secret.txt",
        "/%c0%ae%c0%ae%c0%afsecret.txt",
        "/%e0%80%ae%e0%80%ae/secret.txt",
        "/%c1%9c..%c1%9csecret.txt",
        "/static/../../secret.txt",
        "/./secret.txt",
        "/%2e/secret.txt",
    ];
    for target in targets {
        for address in [server.v4(), server.v6()] {
            let response = request(&address, "GET", target, &[]);
            assert!(
                matches!(response.status, 400 | 404),
                "{target}: status {}",
                response.status
            );
            assert!(
                !response.text().contains(SECRET),
                "{target} leaked the secret"
            );
        }
    }
    assert_eq!(server.get("/../secret.txt").status, 400);
    assert_eq!(server.get("/%c0%ae%c0%ae/secret.txt").status, 400);
    assert_eq!(
        server.get("/css/site.css").status,
        200,
        "the server still answers"
    );
}

#[test]
fn links_out_of_the_site_are_never_served() {
    let site = Site::new();
    std::os::unix::fs::symlink(&site.secret, site.path("static/env.txt")).unwrap();
    let server = Server::start(&site);
    for address in [server.v4(), server.v6()] {
        let response = request(&address, "GET", "/env.txt", &[]);
        assert_ne!(response.status, 200, "the link was served");
        assert!(!response.text().contains(SECRET), "the secret leaked");
    }
    // The error page names the link; removing it lets the site build.
    let page = server.get("/");
    assert!(page.text().contains("static/env.txt"), "{}", page.text());
    assert!(!page.text().contains(SECRET));
    assert!(!server.log().contains(SECRET));
    let mut events = server.events(&server.v4());
    fs::remove_file(site.path("static/env.txt")).unwrap();
    events.expect("reload");
    assert_eq!(server.get("/").status, 200);
    // A link that appears while the preview runs is refused too, in static/ alone (where only
    // the file map is refreshed) as in content/.
    std::os::unix::fs::symlink(&site.secret, site.path("static/later.txt")).unwrap();
    let data = events.expect("build-error");
    assert!(data.contains("static/later.txt"), "{data}");
    assert!(!data.contains(SECRET), "{data}");
    assert_ne!(server.get("/later.txt").status, 200);
    std::os::unix::fs::symlink(&site.secret, site.path("content/notices/leak.md")).unwrap();
    let data = events.expect("build-error");
    assert!(data.contains("points outside the site"), "{data}");
    assert!(!data.contains(SECRET), "{data}");
    for path in ["/later.txt", "/notices/leak/", "/"] {
        let response = server.get(path);
        assert!(
            !response.text().contains(SECRET),
            "{path} leaked the secret"
        );
    }
    assert_ne!(server.get("/later.txt").status, 200);
}

#[test]
fn a_link_pointed_elsewhere_after_loading_is_not_served() {
    // `data/` is not watched, so re-pointing its link triggers no rebuild: the file must be
    // checked when it is opened.
    let site = Site::new();
    site.write("data/note.txt", "hello");
    std::os::unix::fs::symlink("../data/note.txt", site.path("static/note.txt")).unwrap();
    let server = Server::start(&site);
    assert_eq!(server.get("/note.txt").text(), "hello");
    fs::remove_file(site.path("data/note.txt")).unwrap();
    std::os::unix::fs::symlink(&site.secret, site.path("data/note.txt")).unwrap();
    for address in [server.v4(), server.v6()] {
        let response = request(&address, "GET", "/note.txt", &[]);
        assert_eq!(response.status, 404);
        assert!(!response.text().contains(SECRET), "the secret leaked");
    }
}

#[test]
fn a_content_edit_reloads_browsers_after_the_new_page_is_served() {
    let site = Site::new();
    let server = Server::start(&site);
    let mut v6 = server.events(&server.v6());
    let mut v4 = server.events(&server.v4());
    let before = server.get("/notices/live/").text();
    assert!(before.contains("第一版正文"));

    let saved = Instant::now();
    site.write(
        "content/notices/live.md",
        &LIVE_PAGE.replace("第一版", "第二版"),
    );
    let data = v6.expect("reload");
    let latency = saved.elapsed();
    assert!(
        data.contains("\"/notices/live/\""),
        "the reload names the page: {data}"
    );
    assert!(v4.expect("reload").contains("/notices/live/"));
    // Told to reload only once the new page is in place: fetch right after the event.
    let after = request(&server.v6(), "GET", "/notices/live/", &[]).text();
    assert!(after.contains("第二版正文"), "{after}");
    assert!(server.get("/notices/").status == 200);
    eprintln!("save → reload event: {} ms", latency.as_millis());
    assert!(
        server.log().contains("content/notices/live.md"),
        "the terminal says what changed"
    );
}

#[test]
fn a_css_change_swaps_stylesheets_without_a_reload() {
    let site = Site::new();
    let server = Server::start(&site);
    let mut events = server.events(&server.v6());
    site.append("static/css/site.css", "\nmain { color: #123456; }\n");
    let data = events.expect("css");
    assert!(data.contains("\"build\""), "{data}");
    assert!(server.get("/css/site.css").text().contains("#123456"));
    events.expect_none(Duration::from_millis(700));
}

#[test]
fn a_template_change_re_renders_the_pages_using_it() {
    let site = Site::new();
    let server = Server::start(&site);
    let mut events = server.events(&server.v4());
    let page = fs::read_to_string(site.path("templates/page.html")).unwrap();
    site.write(
        "templates/page.html",
        &page.replace(
            "{% block content %}",
            "{% block content %}<p class=\"marker\">模板已修改</p>",
        ),
    );
    let data = events.expect("reload");
    assert!(data.contains("/notices/live/"), "{data}");
    assert!(
        !data.contains("\"/\""),
        "the home page does not use page.html: {data}"
    );
    assert!(server.get("/notices/live/").text().contains("模板已修改"));
    assert!(!server.get("/").text().contains("模板已修改"));

    let base = fs::read_to_string(site.path("templates/base.html")).unwrap();
    site.write(
        "templates/base.html",
        &base.replace("<body>", "<body class=\"changed-base\">"),
    );
    let data = events.expect("reload");
    assert!(
        data.contains("\"/\""),
        "every page extends base.html: {data}"
    );
    assert!(server.get("/").text().contains("changed-base"));
}

#[test]
fn a_page_shown_elsewhere_is_updated_there_too() {
    let site = Site::new();
    // A "latest notices" box on every page: the planner cannot know which pages show which.
    let page = fs::read_to_string(site.path("templates/page.html")).unwrap();
    let sidebar = "<aside>{% for p in get_section(path=\"notices/_index.md\").pages %}\
                   <span class=\"latest\">{{ p.title }}</span>{% endfor %}</aside>{% endblock %}";
    let last = page.rfind("{% endblock %}").unwrap();
    let with_sidebar = format!("{}{sidebar}{}", &page[..last], &page[last + 14..]);
    site.write("templates/page.html", &with_sidebar);
    assert!(
        fs::read_to_string(site.path("templates/page.html"))
            .unwrap()
            .contains("latest")
    );
    let server = Server::start(&site);
    let mut events = server.events(&server.v4());
    assert!(server.get("/reports/old/").text().contains("实时预览测试"));
    site.write(
        "content/notices/live.md",
        &LIVE_PAGE.replace("实时预览测试", "标题已改"),
    );
    assert!(events.expect("reload").contains("/notices/live/"));
    // The report shows the notice only through get_section: fixed up in idle time.
    let data = events.expect("reload");
    assert!(data.contains("/reports/old/"), "{data}");
    assert!(server.get("/reports/old/").text().contains("标题已改"));
    assert!(server.log().contains("found after the quick rebuild"));
}

#[test]
fn a_broken_file_shows_the_error_and_a_fix_clears_it() {
    let site = Site::new();
    let server = Server::start(&site);
    let mut events = server.events(&server.v6());
    site.write(
        "content/notices/live.md",
        "+++\ntitle = \ndate = 2024-01-02\n+++\n正文\n",
    );
    let data = events.expect("build-error");
    assert!(
        data.contains("\"file\":\"content/notices/live.md\""),
        "{data}"
    );
    assert!(data.contains("\"line\":2"), "{data}");
    assert!(data.contains("\"message\":"), "{data}");
    server.wait_for_line("content/notices/live.md:2");

    // The last good page is still served, and a tab opened now learns about the error at once.
    assert!(server.get("/notices/live/").text().contains("第一版正文"));
    let mut late = server.events(&server.v4());
    assert!(
        late.expect("build-error")
            .contains("content/notices/live.md")
    );
    let status = server.get("/__gongkai/status").text();
    assert!(status.contains("\"error\":{"), "{status}");

    site.write(
        "content/notices/live.md",
        &LIVE_PAGE.replace("第一版", "修好了的"),
    );
    assert!(events.expect("reload").contains("/notices/live/"));
    late.expect("reload");
    assert!(server.get("/notices/live/").text().contains("修好了的正文"));
    assert!(
        server
            .get("/__gongkai/status")
            .text()
            .contains("\"error\":null")
    );
}

#[test]
fn a_site_that_never_built_says_why_and_recovers() {
    let site = Site::new();
    let good = fs::read_to_string(site.path("templates/page.html")).unwrap();
    site.write(
        "templates/page.html",
        "{% block content %}{% if %}{% endblock %}",
    );
    let server = Server::start(&site);
    let page = server.get("/");
    assert_eq!(page.status, 500);
    assert!(
        page.text().contains("templates/page.html"),
        "{}",
        page.text()
    );
    assert!(page.text().contains("/__gongkai/livereload.js"));
    let mut events = server.events(&server.v4());
    site.write("templates/page.html", &good);
    events.expect("reload");
    assert_eq!(server.get("/").status, 200);
}

#[test]
fn editor_save_patterns_and_leftovers() {
    let site = Site::new();
    let server = Server::start(&site);
    let mut events = server.events(&server.v4());

    // Swap, backup and probe files never count.
    site.write("content/notices/.live.md.swp", "swap");
    site.write("content/notices/live.md~", "backup");
    site.write("content/notices/4913", "");
    site.write("content/notices/#live.md#", "autosave");
    events.expect_none(Duration::from_millis(600));

    // Atomic save: write a temporary file, rename it over the page.
    let temp = site.path("content/notices/.live.md.tmp-4242");
    fs::write(&temp, LIVE_PAGE.replace("第一版", "原子保存")).unwrap();
    fs::rename(&temp, site.path("content/notices/live.md")).unwrap();
    assert!(events.expect("reload").contains("/notices/live/"));
    assert!(server.get("/notices/live/").text().contains("原子保存"));
    events.expect_none(Duration::from_millis(600));

    // A new page, then its deletion.
    site.write(
        "content/notices/fresh.md",
        "+++\ntitle = \"新通知\"\ndate = 2024-02-01\n+++\n新的。\n",
    );
    assert!(events.expect("reload").contains("/notices/fresh/"));
    assert_eq!(server.get("/notices/fresh/").status, 200);
    fs::remove_file(site.path("content/notices/fresh.md")).unwrap();
    assert!(events.expect("reload").contains("/notices/fresh/"));
    assert_eq!(server.get("/notices/fresh/").status, 404);

    // A new folder with a section and a page in it.
    site.write(
        "content/guides/_index.md",
        "+++\ntitle = \"办事指南\"\n+++\n",
    );
    site.write(
        "content/guides/a.md",
        "+++\ntitle = \"指南甲\"\ndate = 2024-02-02\n+++\n甲。\n",
    );
    eventually_contains(&server, "/guides/a/", "指南甲");
}

#[test]
fn a_burst_of_changes_is_one_rebuild() {
    let site = Site::new();
    let server = Server::start(&site);
    let mut events = server.events(&server.v4());
    for i in 0..200 {
        site.write(
            &format!("content/notices/burst-{i:03}.md"),
            &format!("+++\ntitle = \"批量 {i}\"\ndate = 2024-03-01\n+++\n正文 {i}。\n"),
        );
    }
    let data = events.expect("reload");
    let quiet = events.next(Duration::from_millis(1500));
    assert!(quiet.is_none(), "a second rebuild: {quiet:?}\nafter {data}");
    assert_eq!(server.get("/notices/burst-199/").status, 200);
    assert_eq!(server.get("/notices/burst-000/").status, 200);
}

#[test]
fn a_page_from_an_earlier_server_run_is_reloaded_on_connect() {
    let site = Site::new();
    let server = Server::start(&site);
    let mut stale = Events::open(
        &server.v4(),
        "/__gongkai/events?server=old-run&build=1&path=%2F",
    );
    assert!(stale.expect("reload").contains("\"paths\":null"));
    let status = server
        .get("/__gongkai/status?server=old-run&build=1&path=%2F")
        .text();
    assert!(status.contains("\"stale\":true"), "{status}");
}

#[test]
fn idle_and_streaming_clients_do_not_starve_page_requests() {
    let site = Site::new();
    let server = Server::start(&site);
    // Browsers keep idle (preconnected, keep-alive) sockets and one event stream per tab.
    let idle: Vec<TcpStream> = (0..64).map(|_| connect(&server.v4())).collect();
    let streams: Vec<Events> = (0..16).map(|_| server.events(&server.v6())).collect();
    let started = Instant::now();
    let workers: Vec<_> = (0..32)
        .map(|i| {
            let address = if i % 2 == 0 { server.v4() } else { server.v6() };
            std::thread::spawn(move || {
                let mut stream = connect(&address);
                // Two requests on one keep-alive connection, then one that closes it.
                let mut statuses = Vec::new();
                for last in [false, false, true] {
                    let close = if last { "Connection: close\r\n" } else { "" };
                    let head =
                        format!("GET /css/site.css HTTP/1.1\r\nHost: localhost\r\n{close}\r\n");
                    stream.write_all(head.as_bytes()).unwrap();
                    let mut reader = BufReader::new(&stream);
                    let mut status = String::new();
                    reader.read_line(&mut status).unwrap();
                    let mut length = 0;
                    loop {
                        let mut line = String::new();
                        reader.read_line(&mut line).unwrap();
                        if let Some(value) =
                            line.to_ascii_lowercase().strip_prefix("content-length:")
                        {
                            length = value.trim().parse().unwrap();
                        }
                        if line == "\r\n" {
                            break;
                        }
                    }
                    let mut body = vec![0; length];
                    reader.read_exact(&mut body).unwrap();
                    statuses.push(status);
                }
                statuses
            })
        })
        .collect();
    for worker in workers {
        for status in worker.join().unwrap() {
            assert!(status.starts_with("HTTP/1.1 200"), "{status}");
        }
    }
    let elapsed = started.elapsed();
    assert!(
        elapsed < Duration::from_secs(3),
        "96 small requests took {elapsed:?}"
    );
    drop((idle, streams));
}

/// A client that sends its request head a byte at a time is cut off at the head deadline (5 s
/// after it connected), however steadily it sends; others are answered meanwhile.
#[test]
fn a_request_head_trickling_in_is_cut_off_at_the_deadline() {
    let site = Site::new();
    let server = Server::start(&site);
    let mut slow: Vec<TcpStream> = [server.v4(), server.v6()]
        .iter()
        .map(|address| {
            let mut stream = connect(address);
            stream.write_all(b"GET / HTTP/1.1\r\nX-Slow: ").unwrap();
            stream
                .set_read_timeout(Some(Duration::from_millis(200)))
                .unwrap();
            stream
        })
        .collect();
    let started = Instant::now();
    let mut closed_after = vec![None; slow.len()];
    while closed_after.iter().any(Option::is_none) && started.elapsed() < Duration::from_secs(9) {
        for (stream, closed) in slow.iter_mut().zip(&mut closed_after) {
            if closed.is_some() {
                continue;
            }
            let _ = stream.write_all(b"x");
            match stream.read(&mut [0; 64]) {
                Ok(0) => *closed = Some(started.elapsed()),
                Ok(_) => panic!("an unfinished head was answered"),
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {}
                Err(_) => *closed = Some(started.elapsed()),
            }
        }
        assert_eq!(server.get("/css/site.css").status, 200);
    }
    for closed in closed_after {
        let closed = closed.expect("still open after 9 s");
        assert!(
            (Duration::from_millis(4500)..Duration::from_secs(8)).contains(&closed),
            "closed after {closed:?}"
        );
    }
}

#[test]
fn a_busy_port_is_a_clear_error() {
    let site = Site::new();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let output = Command::new(env!("CARGO_BIN_EXE_gongkai"))
        .args(["serve", "--port", &port, "--root"])
        .arg(&site.root)
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&format!("port {port} is already in use")),
        "{stderr}"
    );
}

#[cfg(unix)]
#[test]
fn ctrl_c_stops_cleanly() {
    let site = Site::new();
    let mut server = Server::start(&site);
    let _events = server.events(&server.v6());
    let pid = server.child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-INT", &pid])
            .status()
            .unwrap()
            .success()
    );
    let deadline = Instant::now() + WAIT;
    let status = loop {
        if let Some(status) = server.child.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "still running after Ctrl-C");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "{status:?}");
    server.wait_for_line("Stopped.");
}

/// A test that cannot run here (no network namespaces, no loopback): outside CI it is skipped
/// with the reason printed; under `CI=true` it fails, so that CI never counts a check that was
/// not made.
fn cannot_run(reason: &str) {
    let ci = std::env::var("CI").unwrap_or_default().to_ascii_lowercase();
    if matches!(ci.as_str(), "true" | "1" | "yes") {
        panic!("this test cannot run here, and CI={ci} requires it: {reason}");
    }
    eprintln!("skipped: {reason}");
}

/// On a machine where IPv6 is switched off (`disable_ipv6`, common on servers), `[::1]` cannot
/// be bound and, for `--bind ::`, `[::]` can be bound but leads nowhere: the server must say so
/// and print only IPv4 addresses. Runs in a network namespace of its own; where namespaces
/// cannot be made (not root, a restricted container) it is skipped, or fails under `CI=true`.
#[test]
fn with_ipv6_switched_off_only_ipv4_addresses_are_printed() {
    let can_unshare = Command::new("unshare")
        .args(["--net", "true"])
        .status()
        .is_ok_and(|s| s.success());
    if !can_unshare {
        return cannot_run("cannot create a network namespace (needs root and `unshare`)");
    }
    for extra in ["", "--bind ::"] {
        let (printed, stderr) = serve_without_ipv6(extra);
        assert!(
            printed.contains("http://127.0.0.1:"),
            "{extra}: {printed}\n{stderr}"
        );
        assert!(!printed.contains("[::1]"), "{extra}: {printed}");
        assert!(printed.contains("IPv4 only"), "{extra}: {printed}");
        assert!(stderr.contains("IPv6 is switched off"), "{extra}: {stderr}");
    }
}

/// Starts the server with `extra` arguments in a network namespace where IPv6 is switched off;
/// returns what it printed up to its last URL, and its standard error.
fn serve_without_ipv6(extra: &str) -> (String, String) {
    // `exec` all the way down: the process we kill is the server itself.
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/basic");
    let script = format!(
        "ip link set lo up && sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
         && sysctl -qw net.ipv6.conf.lo.disable_ipv6=1 \
         && exec '{}' serve --port 0 --root '{}' {extra}",
        env!("CARGO_BIN_EXE_gongkai"),
        root.display()
    );
    let mut child = Command::new("unshare")
        .args(["--net", "sh", "-c", &script])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the server in a namespace");
    let stdout = child.stdout.take().expect("stdout");
    let (lines, received) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if lines.send(line).is_err() {
                break;
            }
        }
    });
    let mut printed = Vec::new();
    let deadline = Instant::now() + WAIT;
    while Instant::now() < deadline {
        match received.recv_timeout(Duration::from_millis(200)) {
            Ok(line) => {
                let done = line.contains("http://localhost:");
                printed.push(line);
                if done {
                    break;
                }
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        }
    }
    let _ = child.kill();
    let output = child.wait_with_output().expect("server output");
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    (printed.join("\n"), stderr)
}

/// A path given on the command line is printed back in error messages: its control characters
/// (an ESC sequence that clears the screen and prints a green "OK") must arrive escaped, not be
/// acted on by the terminal.
#[test]
fn control_characters_in_a_root_are_printed_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("x\x1b[2J\x1b[32mOK\u{202e}");
    let output = Command::new(env!("CARGO_BIN_EXE_gongkai"))
        .args(["serve", "--port", "0", "--root"])
        .arg(&root)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("cannot open the site folder"), "{stderr}");
    assert!(!output.stderr.contains(&0x1b), "a raw ESC: {stderr:?}");
    assert!(
        !stderr.contains('\u{202e}'),
        "a raw bidi override: {stderr:?}"
    );
    assert!(
        stderr.contains("x\\u{1b}[2J\\u{1b}[32mOK\\u{202e}"),
        "{stderr}"
    );
    assert!(!output.stdout.contains(&0x1b), "{:?}", output.stdout);
}

/// Sends `raw` exactly as given on a new connection and reads until the server closes it.
fn exchange(address: &str, raw: &str) -> String {
    let mut stream = connect(address);
    stream.write_all(raw.as_bytes()).unwrap();
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    String::from_utf8_lossy(&answer).into_owned()
}

/// The status of the first response in `answer`, 0 when there is none.
fn status_of(answer: &str) -> u16 {
    answer
        .strip_prefix("HTTP/1.1 ")
        .and_then(|rest| rest.get(..3))
        .and_then(|code| code.parse().ok())
        .unwrap_or(0)
}

/// DNS rebinding: a page at `http://rebind.attacker.example:PORT/` has its name re-pointed at
/// 127.0.0.1 and reads the preview as its own origin, drafts included. Its requests still say
/// `Host: rebind.attacker.example:PORT`, so on loopback only loopback names are answered: the
/// pages, the live-reload stream and the injected scripts alike.
#[test]
fn on_loopback_only_loopback_host_names_are_answered() {
    let site = Site::new();
    let server = Server::start_with(&site, &["--drafts"]);
    let port = server.port;
    let get = |address: &str, target: &str, host: &str| {
        let head = format!("GET {target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
        exchange(address, &head)
    };
    for address in [server.v4(), server.v6()] {
        let draft = get(&address, "/notices/draft/", &address);
        assert_eq!(status_of(&draft), 200, "{draft}");
        assert!(draft.contains("草稿。"), "{draft}");
        for host in [
            format!("localhost:{port}"),
            "localhost".to_string(),
            format!("LocalHost:{port}"),
            format!("preview.localhost:{port}"),
            "127.0.0.1".to_string(),
            format!("127.0.0.1:{port}"),
            "[::1]".to_string(),
            format!("[::1]:{port}"),
        ] {
            assert_eq!(status_of(&get(&address, "/", &host)), 200, "Host: {host}");
        }
        for host in [
            format!("rebind.attacker.example:{port}"),
            "rebind.attacker.example".to_string(),
            format!("localhost.attacker.example:{port}"),
            format!("127.0.0.1.nip.io:{port}"),
            format!("attacker.example:{port}@localhost"),
            format!("192.168.1.20:{port}"),
            format!("[::2]:{port}"),
            "localhost:http".to_string(),
            format!("[::1]x:{port}"),
            String::new(),
        ] {
            for target in [
                "/notices/draft/",
                "/",
                "/__gongkai/events",
                "/__gongkai/livereload.js",
                "/__gongkai/livereload-worker.js",
                "/__gongkai/status",
            ] {
                let answer = get(&address, target, &host);
                assert!(
                    matches!(status_of(&answer), 421 | 403),
                    "{target} with Host: {host:?} → {answer}"
                );
                assert!(answer.contains("--bind"), "{answer}");
                assert!(!answer.contains("草稿"), "{answer}");
                assert!(!answer.contains("text/event-stream"), "{answer}");
            }
        }
    }
    let address = server.v4();
    // RFC 9112 §3.2: HTTP/1.1 must name the host, once; HTTP/1.0 may leave it out.
    let missing = exchange(&address, "GET / HTTP/1.1\r\nConnection: close\r\n\r\n");
    assert_eq!(status_of(&missing), 400, "{missing}");
    let twice = exchange(
        &address,
        "GET / HTTP/1.1\r\nHost: localhost\r\nHost: attacker.example\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(status_of(&twice), 400, "{twice}");
    let old = exchange(&address, "GET /notices/live/ HTTP/1.0\r\n\r\n");
    assert!(
        old.starts_with("HTTP/1.0 200") || status_of(&old) == 200,
        "{old}"
    );
    assert!(old.contains("实时预览测试"), "{old}");
}

/// RFC 9112 §3.2.2: a server must accept a target in absolute form; the path is taken from it
/// and the host rule applies to its authority (the `Host` header is then ignored).
#[test]
fn absolute_form_targets_are_answered_by_their_authority() {
    let site = Site::new();
    let server = Server::start_with(&site, &["--drafts"]);
    let port = server.port;
    let address = server.v4();
    let get = |target: &str, host: &str| {
        let head = format!("GET {target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
        exchange(&address, &head)
    };
    let live = get(&format!("http://127.0.0.1:{port}/notices/live/"), &address);
    assert_eq!(status_of(&live), 200, "{live}");
    assert!(live.contains("实时预览测试"), "{live}");
    let upper = get(
        &format!("HTTP://LOCALHOST:{port}/notices/live/?x=1"),
        &address,
    );
    assert_eq!(status_of(&upper), 200, "{upper}");
    let home = get(&format!("http://[::1]:{port}"), &address);
    assert_eq!(status_of(&home), 200, "an empty path is /: {home}");
    let folder = get(&format!("http://localhost:{port}/notices?x=1"), &address);
    assert_eq!(status_of(&folder), 301, "{folder}");
    assert!(
        folder.contains("\r\nLocation: /notices/?x=1\r\n"),
        "{folder}"
    );
    // The authority in the target is what counts, whatever Host says.
    let rebound = get(
        &format!("http://rebind.attacker.example:{port}/notices/draft/"),
        &address,
    );
    assert!(matches!(status_of(&rebound), 421 | 403), "{rebound}");
    assert!(!rebound.contains("草稿。"), "{rebound}");
    let odd_host = get(&format!("http://127.0.0.1:{port}/"), "attacker.example");
    assert_eq!(status_of(&odd_host), 200, "{odd_host}");
    for bad in [
        format!("http://127.0.0.1:{port}/../secret.txt"),
        format!("http://user@127.0.0.1:{port}/"),
        "http:///".to_string(),
        format!("ftp://127.0.0.1:{port}/"),
    ] {
        let answer = get(&bad, &address);
        assert_eq!(status_of(&answer), 400, "{bad}: {answer}");
        assert!(!answer.contains(SECRET), "{answer}");
    }
}

/// On the network (`--bind ::`, opted into), other computers use this machine's IP address or
/// its name: IP literals and the machine's host name (and NAME.local) are answered, other
/// names still are not.
#[cfg(target_os = "linux")]
#[test]
fn on_the_network_ip_literals_and_this_machines_name_are_answered() {
    let site = Site::new();
    let server = Server::start_with(&site, &["--bind", "::", "--drafts"]);
    let port = server.port;
    let name = fs::read_to_string("/proc/sys/kernel/hostname").unwrap();
    let name = name.trim().to_ascii_lowercase();
    let get = |host: &str| {
        let head = format!("GET / HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
        exchange(&server.v4(), &head)
    };
    for host in [
        format!("192.0.2.7:{port}"),
        "10.1.2.3".to_string(),
        format!("[2001:db8::1]:{port}"),
        format!("[::1]:{port}"),
        format!("localhost:{port}"),
        format!("{name}:{port}"),
        format!("{}:{port}", name.to_ascii_uppercase()),
        format!("{name}.local:{port}"),
    ] {
        assert_eq!(status_of(&get(&host)), 200, "Host: {host}");
    }
    for host in [
        format!("rebind.attacker.example:{port}"),
        format!("{name}.attacker.example:{port}"),
        format!("[2001:db8::1:{port}"),
    ] {
        let answer = get(&host);
        assert!(matches!(status_of(&answer), 421 | 403), "{host}: {answer}");
    }
}

/// Request smuggling: with two `Content-Length` headers the preview read only the first, took
/// the "body" the second announced for a request of its own, and answered both. Any framing
/// that can be read two ways is a 400 that closes the connection, with nothing answered after.
#[test]
fn ambiguous_request_framing_is_refused_and_closes() {
    let site = Site::new();
    let server = Server::start_with(&site, &["--drafts"]);
    let smuggled = "GET /notices/draft/ HTTP/1.1\r\nHost: localhost\r\n\r\n";
    let length = smuggled.len().to_string();
    for framing in [
        format!("Content-Length: 0\r\nContent-Length: {length}"),
        format!("Content-Length: {length}\r\nContent-Length: 0"),
        "Content-Length: 0\r\nContent-Length: 0".to_string(),
        "Content-Length: 0, 0".to_string(),
        "Content-Length: 0\r\nTransfer-Encoding: chunked".to_string(),
        "Transfer-Encoding: chunked\r\nContent-Length: 0".to_string(),
        "Content-Length: -1".to_string(),
        "Content-Length: +0".to_string(),
        "Content-Length: 0x10".to_string(),
        "Content-Length:".to_string(),
        "Content-Length: 99999999999999999999999".to_string(),
    ] {
        for address in [server.v4(), server.v6()] {
            let raw = format!("GET / HTTP/1.1\r\nHost: localhost\r\n{framing}\r\n\r\n{smuggled}");
            let answer = exchange(&address, &raw);
            assert_eq!(status_of(&answer), 400, "{framing:?}: {answer}");
            assert!(answer.contains("Connection: close"), "{answer}");
            assert_eq!(
                answer.matches("HTTP/1.1 ").count(),
                1,
                "{framing:?}: a second response: {answer}"
            );
            assert!(!answer.contains("草稿"), "{framing:?}: {answer}");
        }
    }
    // One plain `Content-Length: 0` is fine, and the connection goes on.
    let raw = format!("GET / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\n\r\n{smuggled}");
    let mut stream = connect(&server.v4());
    stream.write_all(raw.as_bytes()).unwrap();
    let mut reader = BufReader::new(stream);
    let mut status = String::new();
    reader.read_line(&mut status).unwrap();
    assert!(status.starts_with("HTTP/1.1 200"), "{status}");
}
