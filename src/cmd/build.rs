//! `gongkai build`.

use std::path::PathBuf;
use std::process::ExitCode;

use gongkai::content::{LoadOptions, UpcomingEvent};
use gongkai::diagnostics::{Problem, printable};
use gongkai::site::{self, BuildOptions};

/// Arguments of `gongkai build`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Site root, the folder holding site.toml
    #[arg(long, default_value = ".")]
    root: PathBuf,
    /// Output folder [default: <root>/public]
    #[arg(long)]
    output: Option<PathBuf>,
    /// Use this base URL instead of the one in site.toml
    #[arg(long)]
    base_url: Option<String>,
    /// Include pages marked draft = true
    #[arg(long)]
    drafts: bool,
    /// Include pages dated in the future
    #[arg(long)]
    future: bool,
    /// Replace the output folder even if it holds files that no gongkai build wrote
    #[arg(long)]
    force: bool,
    /// Also write .gz and .br beside each text file, for nginx's gzip_static / brotli_static
    #[arg(long)]
    compress: bool,
    /// Also print how long each stage of the build took
    #[arg(long)]
    timings: bool,
}

/// Brotli's encoder allocates its tables (megabytes) anew for every file. With glibc's default
/// thresholds each such allocation is a fresh `mmap`, so compressing 14,000 pages cost 50 million
/// page faults and two minutes of system time; keeping freed memory in the heap lets every file
/// reuse it (measured: 14 s of system time down to 0.1 s for 2,000 pages).
fn reuse_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets two thresholds of glibc's allocator, before any thread starts.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 64 << 20);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 256 << 20);
    }
}

/// Builds, prints problems and a summary, and maps the outcome to an exit code.
pub fn run(args: Args) -> ExitCode {
    if args.compress {
        reuse_freed_memory();
    }
    let now = match LoadOptions::build_time() {
        Ok(now) => now,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
    };
    let options = BuildOptions {
        output: args.output,
        base_url: args.base_url,
        load: LoadOptions {
            drafts: args.drafts,
            future: args.future,
            now,
            ..LoadOptions::default()
        },
        root: args.root,
        force: args.force,
        compress: args.compress,
        fingerprint_assets: true,
    };
    let output = options.output_dir();
    let existed = output.exists();
    let output = printable(&output.to_string_lossy()).into_owned();
    match site::build(&options) {
        Ok(report) => {
            super::print_diagnostics(&report.warnings);
            println!(
                "Built {} pages, {} sections, {} listing pages and {} files in {} ms → {}",
                report.pages,
                report.sections,
                report.other_pages,
                report.files,
                report.elapsed.as_millis(),
                output
            );
            let counts = report.written;
            println!(
                "Wrote {} changed files, kept {} unchanged, removed {}.",
                counts.written, counts.kept, counts.removed
            );
            if args.timings {
                for (stage, took) in &report.phases {
                    println!("{:>8.1} ms  {stage}", took.as_secs_f64() * 1000.0);
                }
            }
            if let Some((next, at)) = &report.next_change {
                let what = match next.event {
                    UpcomingEvent::GoesLive => "goes live",
                    UpcomingEvent::Expires => "expires",
                };
                println!(
                    "Next rebuild due {}: content/{} {what} then.",
                    at.strftime("%Y-%m-%d %H:%M %Z"),
                    printable(&next.source)
                );
            }
            ExitCode::SUCCESS
        }
        Err(diagnostics) => {
            super::print_diagnostics(&diagnostics);
            // A refused output folder is a mistake in the command, not in the site.
            let usage = diagnostics
                .iter()
                .all(|d| matches!(*d.problem, Problem::OutputRefused { .. }));
            let kept = match existed {
                true => format!("{output} is unchanged"),
                false => format!("nothing was written to {output}"),
            };
            eprintln!(
                "error: the site was not built ({}); {kept}",
                super::count_line(&diagnostics),
            );
            ExitCode::from(if usage { 2 } else { 1 })
        }
    }
}
