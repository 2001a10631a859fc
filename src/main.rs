//! The `gongkai` command: argument parsing only; the work lives in the library.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod cmd;

/// gongkai (公开): build, preview and check government transparency sites.
#[derive(Debug, Parser)]
#[command(name = "gongkai", version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Build the site into public/ (atomically: a failed build leaves public/ untouched)
    Build(cmd::build::Args),
    /// Preview the site with live reload, on IPv6 and IPv4 (nothing is written to public/)
    Serve(cmd::serve::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Build(args) => cmd::build::run(args),
        Command::Serve(args) => cmd::serve::run(args),
    }
}
