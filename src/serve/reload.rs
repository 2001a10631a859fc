//! The live-reload hub: tells every open browser tab what a rebuild did, over server-sent events.
//!
//! SSE rather than WebSocket: it is one plain HTTP response that stays open, needs no handshake
//! code, reconnects by itself, and the browser resolves its URL against the page's own origin, so
//! a page opened at `http://[::1]:1111/` connects back to `[::1]` (the script never assembles a
//! host name, which is how other generators end up with `ws://undefined:…`).
//!
//! Each stream is written by its connection's own thread, which waits on a channel, so a slow or
//! vanished browser never delays the others, and page requests never wait for event streams. Messages are small
//! JSON objects; the hub remembers the last build error so that a tab opened while the site is
//! broken shows the overlay at once.

use std::io::Write;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::Serialize;

use crate::diagnostics::Diagnostic;

/// At most this many event streams at once; more are refused with 503 (each holds a thread).
/// The HTTP server allows fewer where it has fewer connection slots: half of them.
pub const MAX_CLIENTS: usize = 256;
/// A comment line is sent this often, so dead connections are noticed and proxies keep quiet.
const KEEPALIVE: Duration = Duration::from_secs(15);

/// What browsers are told.
#[derive(Debug, Clone)]
pub enum Message {
    /// Pages changed: reload if showing one of `paths` (`None`: any page).
    Reload {
        /// The build now served.
        build: u64,
        /// URL paths whose HTML changed or disappeared.
        paths: Option<Vec<String>>,
    },
    /// Only stylesheets changed: swap them in place, no reload.
    Css {
        /// The build now served.
        build: u64,
    },
    /// The last rebuild failed; the previous build is still served.
    Failed {
        /// The build still served.
        build: u64,
        /// Why, sorted by file and line.
        diagnostics: Vec<Diagnostic>,
    },
}

/// One diagnostic as the browser overlay shows it.
#[derive(Debug, Serialize)]
pub struct DiagnosticView {
    /// `error` or `warning`.
    pub severity: &'static str,
    /// Path relative to the site root.
    pub file: String,
    /// 1-based, 0 when unknown.
    pub line: usize,
    /// 1-based, 0 when unknown.
    pub column: usize,
    /// What is wrong.
    pub message: String,
    /// What to do, when there is something to say.
    pub hint: Option<String>,
    /// The offending line of the file.
    pub source: Option<String>,
}

impl DiagnosticView {
    /// The overlay's view of `diagnostic`.
    pub fn new(diagnostic: &Diagnostic) -> DiagnosticView {
        let location = &diagnostic.location;
        DiagnosticView {
            severity: diagnostic.severity.label(),
            file: location.file.to_string_lossy().replace('\\', "/"),
            line: location.line,
            column: location.column,
            message: diagnostic.problem.message(),
            hint: diagnostic.problem.hint(),
            source: location.source_line.clone(),
        }
    }
}

impl Message {
    /// The SSE event name (`build-error` rather than `error`, which EventSource uses itself).
    pub fn event(&self) -> &'static str {
        match self {
            Message::Reload { .. } => "reload",
            Message::Css { .. } => "css",
            Message::Failed { .. } => "build-error",
        }
    }

    /// The JSON payload.
    pub fn data(&self) -> String {
        let value = match self {
            Message::Reload { build, paths } => {
                serde_json::json!({ "build": build, "paths": paths })
            }
            Message::Css { build } => serde_json::json!({ "build": build }),
            Message::Failed { build, diagnostics } => serde_json::json!({
                "build": build,
                "errors": diagnostics.iter().map(DiagnosticView::new).collect::<Vec<_>>(),
            }),
        };
        value.to_string()
    }

    /// The whole SSE frame.
    pub fn frame(&self) -> String {
        frame(self.event(), &self.data())
    }
}

/// `event: NAME`, `data: JSON`, blank line. The JSON is compact, so it is one line.
pub fn frame(event: &str, data: &str) -> String {
    format!("event: {event}\ndata: {data}\n\n")
}

#[derive(Debug, Default)]
struct State {
    clients: Vec<Sender<Arc<str>>>,
    /// JSON of the last `build-error`, until a build succeeds.
    error: Option<Arc<str>>,
    /// The same errors as the terminal shows them, for pages served while nothing ever built.
    error_text: Option<Arc<str>>,
    closed: bool,
}

/// Every connected browser, and the last error.
#[derive(Debug)]
pub struct Hub {
    server: Arc<str>,
    state: Mutex<State>,
}

impl Hub {
    /// A hub for server run `server`.
    pub fn new(server: Arc<str>) -> Hub {
        Hub {
            server,
            state: Mutex::default(),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Sends `message` to every browser; a failure is remembered for late comers, a success
    /// forgets it.
    pub fn publish(&self, message: &Message) {
        let frame: Arc<str> = message.frame().into();
        let mut state = self.state();
        (state.error, state.error_text) = match message {
            Message::Failed { diagnostics, .. } => {
                let text: String = diagnostics.iter().map(|d| d.to_string()).collect();
                (Some(message.data().into()), Some(text.into()))
            }
            _ => (None, None),
        };
        state
            .clients
            .retain(|client| client.send(frame.clone()).is_ok());
    }

    /// JSON of the last build error, if the site is broken now.
    pub fn current_error(&self) -> Option<Arc<str>> {
        self.state().error.clone()
    }

    /// The last build error as plain text, if the site is broken now.
    pub fn current_error_text(&self) -> Option<Arc<str>> {
        self.state().error_text.clone()
    }

    /// Connected browsers.
    pub fn clients(&self) -> usize {
        let mut state = self.state();
        // Threads of closed connections drop their receivers; forget their senders.
        state.clients.retain(|c| c.send(Arc::from("")).is_ok());
        state.clients.len()
    }

    /// Registers a browser, then calls `current` for the build now served and whether the
    /// browser's page is out of date (it must reload at once). `None` when the hub is full or
    /// closed.
    ///
    /// In that order: a rebuild published between reading the build and registering would
    /// reach neither the greeting nor the stream, and the browser would miss its reload.
    /// Registered first, it gets the message (perhaps telling it something the greeting
    /// already says, which costs a reload at most).
    pub fn subscribe(&self, current: impl FnOnce() -> (u64, bool)) -> Option<Subscription> {
        let (sender, receiver) = mpsc::channel::<Arc<str>>();
        {
            let mut state = self.state();
            if state.closed || state.clients.len() >= MAX_CLIENTS {
                return None;
            }
            state.clients.push(sender);
        }
        // Outside the hub's lock, so that `current` may take other locks, or even publish.
        let (build, stale) = current();
        let mut opening = String::from("retry: 1000\n\n");
        let hello = serde_json::json!({ "server": &*self.server, "build": build });
        opening.push_str(&frame("hello", &hello.to_string()));
        if let Some(error) = &self.state().error {
            opening.push_str(&frame("build-error", error));
        } else if stale {
            opening.push_str(&Message::Reload { build, paths: None }.frame());
        }
        Some(Subscription { receiver, opening })
    }

    /// Ends every stream (the browsers reconnect to the next server run by themselves).
    pub fn close(&self) {
        let mut state = self.state();
        state.closed = true;
        state.clients.clear();
    }
}

/// One browser's event stream.
#[derive(Debug)]
pub struct Subscription {
    receiver: Receiver<Arc<str>>,
    opening: String,
}

impl Subscription {
    /// Writes the events to `writer` (the body of the HTTP response) until the browser goes
    /// away or the hub closes. Runs on the connection's own thread.
    pub fn stream(self, writer: &mut impl Write) {
        let mut send = |text: &str| {
            writer
                .write_all(text.as_bytes())
                .and_then(|()| writer.flush())
        };
        if send(&self.opening).is_err() {
            return;
        }
        loop {
            let text = match self.receiver.recv_timeout(KEEPALIVE) {
                Ok(frame) if frame.is_empty() => continue,
                Ok(frame) => frame,
                Err(RecvTimeoutError::Timeout) => Arc::from(": keep-alive\n\n"),
                Err(RecvTimeoutError::Disconnected) => return,
            };
            if send(&text).is_err() {
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::{Location, Problem};
    use std::io;

    /// A writer the test can read back.
    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);
    impl Write for Shared {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }
    impl Shared {
        fn wait_for(&self, needle: &str) -> String {
            for _ in 0..500 {
                let text = String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned();
                if text.contains(needle) {
                    return text;
                }
                std::thread::sleep(Duration::from_millis(10));
            }
            panic!("`{needle}` never arrived");
        }
    }

    fn failure() -> Message {
        Message::Failed {
            build: 2,
            diagnostics: vec![Diagnostic::error(
                Location::in_text("content/a.md", "+++\ntitle = \n+++\n", 2, 9),
                Problem::Syntax {
                    format: "TOML",
                    detail: "expected a value".into(),
                },
            )],
        }
    }

    fn attach(hub: &Hub, build: u64, stale: bool) -> Shared {
        let subscription = hub
            .subscribe(|| (build, stale))
            .expect("room for a browser");
        let writer = Shared::default();
        let mut target = writer.clone();
        std::thread::spawn(move || subscription.stream(&mut target));
        writer
    }

    #[test]
    fn browsers_get_events_and_late_comers_get_the_current_error() {
        let hub = Hub::new("srv".into());
        let early = attach(&hub, 1, false);
        early.wait_for("event: hello\ndata: {\"build\":1,\"server\":\"srv\"}");
        hub.publish(&Message::Reload {
            build: 2,
            paths: Some(vec!["/a/".into()]),
        });
        early.wait_for("event: reload\ndata: {\"build\":2,\"paths\":[\"/a/\"]}\n\n");

        hub.publish(&failure());
        let text = early.wait_for("event: build-error");
        assert!(
            text.contains("\"file\":\"content/a.md\",\"hint\":null,\"line\":2"),
            "{text}"
        );

        let late = attach(&hub, 2, true);
        let text = late.wait_for("event: build-error");
        assert!(
            !text.contains("event: reload"),
            "the error wins over a reload: {text}"
        );

        hub.publish(&Message::Css { build: 3 });
        assert!(
            hub.current_error().is_none(),
            "a good build clears the error"
        );
        late.wait_for("event: css\ndata: {\"build\":3}");
        assert_eq!(hub.clients(), 2);
        hub.close();
        assert_eq!(hub.clients(), 0);
        assert!(
            hub.subscribe(|| (3, false)).is_none(),
            "a closed hub takes no one"
        );
    }

    #[test]
    fn a_rebuild_published_while_a_browser_connects_is_not_missed() {
        let hub = Hub::new("srv".into());
        // The rebuild lands just as the connecting browser reads the build now served.
        let subscription = hub
            .subscribe(|| {
                hub.publish(&Message::Reload {
                    build: 2,
                    paths: Some(vec!["/a/".into()]),
                });
                (1, false)
            })
            .expect("room for a browser");
        let writer = Shared::default();
        let mut target = writer.clone();
        std::thread::spawn(move || subscription.stream(&mut target));
        writer.wait_for("event: reload\ndata: {\"build\":2,\"paths\":[\"/a/\"]}");
    }

    #[test]
    fn a_stale_page_is_told_to_reload_on_connect() {
        let hub = Hub::new("srv".into());
        let client = attach(&hub, 5, true);
        client.wait_for("event: reload\ndata: {\"build\":5,\"paths\":null}");
    }
}
