//! `gongkai serve`.
//!
//! Every message that carries a path or other text from outside (the `--root` given, an error
//! naming a file, a system error) is printed through [`printable`], so that control and bidi
//! characters in it are shown escaped instead of being acted on by the terminal.

use std::net::IpAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use gongkai::content::LoadOptions;
use gongkai::diagnostics::printable;
use gongkai::serve::rebuild::Kind;
use gongkai::serve::{self, Event, ServeOptions};

/// Arguments of `gongkai serve`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Site root, the folder holding site.toml
    #[arg(long, default_value = ".")]
    root: PathBuf,
    /// Address to listen on [default: [::1] and 127.0.0.1, this computer only]; `--bind ::`
    /// (IPv6 and IPv4) or `--bind 0.0.0.0` lets other computers on the network open the preview,
    /// drafts included
    #[arg(long)]
    bind: Option<IpAddr>,
    /// Port [default: 1111, or the next free one]; 0 picks any free port
    #[arg(long)]
    port: Option<u16>,
    /// Include pages marked draft = true
    #[arg(long)]
    drafts: bool,
    /// Include pages dated in the future
    #[arg(long)]
    future: bool,
}

/// Runs the preview until Ctrl-C, printing what it does.
pub fn run(args: Args) -> ExitCode {
    let stop = Arc::new(AtomicBool::new(false));
    if let Err(e) = catch_stop_signals(&stop) {
        let why = printable(&e.to_string()).into_owned();
        eprintln!("warning: Ctrl-C will not stop the preview cleanly: {why}");
    }
    let now = match LoadOptions::build_time() {
        Ok(now) => now,
        Err(message) => {
            eprintln!("error: {}", printable(&message));
            return ExitCode::from(2);
        }
    };
    let mut options = ServeOptions::new(args.root);
    options.bind = args.bind;
    options.port = args.port;
    options.load = LoadOptions {
        drafts: args.drafts,
        future: args.future,
        now,
        ..LoadOptions::default()
    };
    match serve::run(options, &stop, print_event) {
        Ok(()) => {
            println!("Stopped.");
            ExitCode::SUCCESS
        }
        // It may name the site folder (as given on the command line) or a file in it.
        Err(message) => {
            eprintln!("error: {}", printable(&message));
            ExitCode::from(1)
        }
    }
}

/// The first Ctrl-C (or SIGTERM) asks the loop to stop; a second one exits at once.
fn catch_stop_signals(stop: &Arc<AtomicBool>) -> Result<(), std::io::Error> {
    use signal_hook::consts::{SIGINT, SIGTERM};
    for signal in [SIGINT, SIGTERM] {
        signal_hook::flag::register_conditional_shutdown(signal, 130, stop.clone())?;
        signal_hook::flag::register(signal, stop.clone())?;
    }
    Ok(())
}

fn print_event(event: Event<'_>) {
    match event {
        Event::Listening(listening) => {
            for note in &listening.notes {
                eprintln!("warning: {}", printable(note));
            }
            let stacks = match listening.missing {
                Some("IPv6") => " (IPv4 only: IPv6 is switched off here)",
                Some(_) => " (IPv6 only: IPv4 is switched off here)",
                None if listening.dual_stack || listening.addrs.len() > 1 => " (IPv6 and IPv4)",
                None => "",
            };
            let addrs: Vec<String> = listening.addrs.iter().map(|a| a.to_string()).collect();
            println!("Listening on {}{stacks}. Open:", addrs.join(" and "));
            for url in listening.urls() {
                println!("  {url}");
            }
            if listening.public() {
                println!(
                    "(Other computers on your network can open it too, at this computer's IP addresses or its host name.)"
                );
            } else {
                println!("(Only this computer can open it; --bind :: opens it to your network.)");
            }
        }
        Event::Serving { polling } => {
            let how = if polling {
                "by polling every 0.5 s (native file events are unavailable)"
            } else {
                "for changes"
            };
            println!(
                "Watching content/, templates/, static/, themes/ and site.toml {how}. Press Ctrl-C to stop."
            );
        }
        Event::Built {
            report,
            cause,
            latency,
        } => {
            super::print_diagnostics(&report.warnings);
            let clock = jiff::ZonedDateTime::now().strftime("%H:%M:%S").to_string();
            let what = match cause {
                [] => String::new(),
                [one] => format!("{}: ", printable(&one.to_string_lossy())),
                [first, rest @ ..] => format!(
                    "{} and {} more: ",
                    printable(&first.to_string_lossy()),
                    rest.len()
                ),
            };
            let rendered = match report.kind {
                Kind::Files if report.css_only => "stylesheets swapped in place".to_string(),
                Kind::Files => "static files updated, browsers reloaded".to_string(),
                Kind::Full if cause.is_empty() => {
                    format!("built {} pages", report.total)
                }
                Kind::Verify => format!(
                    "{} more page{} changed (found after the quick rebuild)",
                    report.changed.len(),
                    if report.changed.len() == 1 { "" } else { "s" }
                ),
                _ => format!(
                    "rendered {} of {} pages, {} changed",
                    report.rendered,
                    report.total,
                    report.changed.len()
                ),
            };
            let timing = match latency {
                Some(latency) => format!(
                    "in {} ms ({} ms after the save)",
                    report.elapsed.as_millis(),
                    latency.as_millis()
                ),
                None => format!("in {} ms", report.elapsed.as_millis()),
            };
            println!("[{clock}] {what}{rendered} {timing}");
        }
        Event::Failed(diagnostics) => {
            super::print_diagnostics(diagnostics);
            eprintln!(
                "error: the site did not build ({}); the preview keeps serving the last good build and shows the errors in the browser. Fix the files and save.",
                super::count_line(diagnostics)
            );
        }
        Event::Stopping => println!("Stopping…"),
    }
}
