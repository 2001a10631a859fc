//! One module per subcommand: each parses its arguments and calls the library.

pub mod build;
pub mod serve;

use gongkai::diagnostics::Diagnostic;

/// Prints diagnostics to stderr, buffered: a build with 100,000 broken links would otherwise
/// spend seconds in one write per line.
pub fn print_diagnostics(diagnostics: &[Diagnostic]) {
    use std::io::Write;
    let mut err = std::io::BufWriter::new(std::io::stderr().lock());
    for diagnostic in diagnostics {
        // A closed stderr is no reason to fail the build.
        let _ = writeln!(err, "{diagnostic}");
    }
    let _ = err.flush();
}

/// `3 errors, 1 warning`.
pub fn count_line(diagnostics: &[Diagnostic]) -> String {
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    let warnings = diagnostics.len() - errors;
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    match warnings {
        0 => plural(errors, "error"),
        _ => format!(
            "{}, {}",
            plural(errors, "error"),
            plural(warnings, "warning")
        ),
    }
}
