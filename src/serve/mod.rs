//! `gongkai serve`: a live-reload preview that rebuilds only what an edit touches.
//!
//! Five parts with narrow seams, each testable alone:
//!
//! ```text
//! watch ──changed paths──▶ rebuild (asks plan what they touch) ──new Snapshot──▶ snapshot::Store
//! (notify, debounce,        (re-read, re-render, compare)                          │  ▲
//!  editors' save patterns)          │                                        http ─┘  │ serves
//!                                   └──what changed──▶ reload (SSE hub) ──▶ browsers ─┘
//! ```
//!
//! - [`watch`] turns file-system events into one batch of paths per edit.
//! - [`plan`] decides what a batch touches, from the model of the last good build.
//! - [`rebuild`] applies it and produces the next [`snapshot::Snapshot`]: the whole rendered
//!   site in memory (nothing is written to `public/`).
//! - [`http`] answers requests from the current snapshot (`[::1]` and `127.0.0.1` by default, a
//!   thread per connection, a deadline for each request head, path checks, `Range`, `HEAD`);
//!   [`host`] decides which host names it answers to (DNS rebinding), and `slots` keeps it
//!   answering browsers while other clients hold many connections open.
//! - [`reload`] tells browsers, after the new snapshot is in place, what changed.
//!
//! [`run`] wires them together on the calling thread: bind, build, serve, then loop on batches.

pub mod host;
pub mod http;
pub mod plan;
pub mod rebuild;
pub mod reload;
mod slots;
pub mod snapshot;
pub mod watch;

use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::content::LoadOptions;
use crate::diagnostics::Diagnostic;
use crate::site::BuildOptions;
use rebuild::{Outcome, Preview, Report};
use reload::{Hub, Message};
use snapshot::Store;

/// What `gongkai serve` is asked to do.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// The site root (holding `site.toml`).
    pub root: PathBuf,
    /// The address to listen on; `None`: `[::1]` and `127.0.0.1` (this computer only).
    pub bind: Option<IpAddr>,
    /// The port; `None`: 1111 or the next free one; `Some(0)`: any free port.
    pub port: Option<u16>,
    /// Which pages to publish.
    pub load: LoadOptions,
    /// How long the watcher waits for an edit to settle.
    pub timing: watch::Timing,
}

impl ServeOptions {
    /// Options for the site at `root` with every default.
    pub fn new(root: impl Into<PathBuf>) -> ServeOptions {
        ServeOptions {
            root: root.into(),
            bind: None,
            port: None,
            load: LoadOptions::default(),
            timing: watch::Timing::default(),
        }
    }
}

/// What the preview reports to whoever runs it (the command prints these).
#[derive(Debug)]
pub enum Event<'a> {
    /// The socket is bound and the first build is about to start.
    Listening(&'a http::Listening),
    /// The first build finished (successfully or not) and requests are being answered.
    Serving {
        /// Whether the file watcher had to fall back to polling.
        polling: bool,
    },
    /// A build or rebuild succeeded.
    Built {
        /// What it did.
        report: &'a Report,
        /// The changed paths that started it (empty for the first build and idle-time passes).
        cause: &'a [PathBuf],
        /// From the first file-system event of the edit to the new snapshot being served.
        latency: Option<Duration>,
    },
    /// A build failed; the last good snapshot (if any) is still served.
    Failed(&'a [Diagnostic]),
    /// Stopping (Ctrl-C).
    Stopping,
}

/// Jobs rendered per idle-time verification step: small enough that an edit arriving meanwhile
/// waits at most a few milliseconds.
const VERIFY_STEP: usize = 64;
/// Idle time after a rebuild before verification starts, so that quick successive saves are not
/// slowed down by it.
const VERIFY_DELAY: Duration = Duration::from_millis(300);
/// How often the loop looks at the stop flag.
const TICK: Duration = Duration::from_millis(100);

/// Runs the preview until `stop` is set. Fails only when the socket or the watcher cannot be set
/// up; build errors are reported through `on_event` and served to browsers.
pub fn run(
    options: ServeOptions,
    stop: &AtomicBool,
    mut on_event: impl FnMut(Event<'_>),
) -> Result<(), String> {
    let root = options.root.canonicalize().map_err(|e| {
        format!(
            "cannot open the site folder {}: {e}",
            options.root.display()
        )
    })?;
    let listening = http::bind(options.bind, options.port)?;
    let hosts = host::Hosts::for_addrs(&listening.addrs, host::machine_name().as_deref());
    on_event(Event::Listening(&listening));

    let server_id: Arc<str> = server_id().into();
    let build_options = BuildOptions {
        force: false,
        compress: false,
        fingerprint_assets: false,
        root: root.clone(),
        output: None,
        base_url: Some(listening.base_url()),
        // The preview keeps every page body in memory: it re-renders pages after each edit, and
        // finds the links to a removed heading in them.
        load: crate::content::LoadOptions {
            held_html_bytes: usize::MAX,
            ..options.load.clone()
        },
    };
    let mut preview = Preview::new(build_options, server_id.clone());
    let hub = Arc::new(Hub::new(server_id));
    let store = Arc::new(Store::new(preview.snapshot()));
    // Watch before the first build, so that an edit made while it runs is not missed.
    let watcher = watch::Watcher::start(&root, options.timing)?;
    let first = preview.build_all();
    publish(&preview, &store, &hub, &first, &[], None, &mut on_event);
    let state = Arc::new(http::State {
        store: store.clone(),
        hub: hub.clone(),
        site: crate::walk::SiteRoot::new(&root),
        hosts,
    });
    let server = http::Server::start(listening, state)?;
    on_event(Event::Serving {
        polling: watcher.polling(),
    });

    let mut idle_since = Instant::now();
    while !stop.load(Ordering::Relaxed) {
        let wait = if preview.verifying() {
            VERIFY_DELAY.saturating_sub(idle_since.elapsed()).min(TICK)
        } else {
            TICK
        };
        match watcher.recv_timeout(wait) {
            Ok(mut batch) => {
                // Everything that piled up during the last rebuild goes into this one.
                while let Some(more) = watcher.try_recv() {
                    batch.paths.extend(more.paths);
                    batch.rescan |= more.rescan;
                }
                let outcome = preview.apply(&batch.paths, batch.rescan);
                // Name the files that are there (not an editor's temporary file that came and
                // went), unless the change was a deletion.
                let present: Vec<PathBuf> = batch
                    .paths
                    .iter()
                    .filter(|p| root.join(p).exists())
                    .cloned()
                    .collect();
                let cause = if present.is_empty() {
                    batch.paths.into_iter().collect()
                } else {
                    present
                };
                let latency = batch.first_event.elapsed();
                publish(
                    &preview,
                    &store,
                    &hub,
                    &outcome,
                    &cause,
                    Some(latency),
                    &mut on_event,
                );
                idle_since = Instant::now();
            }
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                if preview.verifying() && idle_since.elapsed() >= VERIFY_DELAY {
                    let outcome = preview.verify_step(VERIFY_STEP);
                    publish(&preview, &store, &hub, &outcome, &[], None, &mut on_event);
                }
            }
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                return Err("the file watcher stopped".into());
            }
        }
    }
    on_event(Event::Stopping);
    server.stop();
    hub.close();
    Ok(())
}

/// Serves a new snapshot, then tells browsers and the terminal.
fn publish(
    preview: &Preview,
    store: &Store,
    hub: &Hub,
    outcome: &Outcome,
    cause: &[PathBuf],
    latency: Option<Duration>,
    on_event: &mut impl FnMut(Event<'_>),
) {
    match outcome {
        Outcome::Built(report) => {
            store.swap(preview.snapshot());
            hub.publish(&report.message());
            on_event(Event::Built {
                report,
                cause,
                latency,
            });
        }
        Outcome::Failed(diagnostics) => {
            hub.publish(&Message::Failed {
                build: preview.snapshot().build,
                diagnostics: diagnostics.clone(),
            });
            on_event(Event::Failed(diagnostics));
        }
        Outcome::Nothing => {}
    }
}

/// Names this server run, so pages rendered by an earlier run are recognised as stale.
fn server_id() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("{:x}-{:x}", std::process::id(), nanos & 0xffff_ffff_ffff)
}
