//! `bugbench table`: runs every kernel under every tool, side by side in
//! one process, and prints the tables (or writes them into a report).
//!
//! ```text
//! cargo run --release -p bugbench -- table [--seeds N] [--budget N] [--write docs/benchmark.md]
//! ```

use std::process::ExitCode;

use bugbench::KERNELS;
use bugbench::table::{Settings, measure, render};

/// The plot's file name, beside the report.
const PLOT: &str = "benchmark.svg";

/// The report's prose; the tables go where the marker is.
const REPORT: &str = include_str!("report.md");
const TABLES_MARKER: &str = "<!-- tables -->";

fn main() -> ExitCode {
    match run(std::env::args().skip(1).collect()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("bugbench: {message}");
            ExitCode::from(2)
        }
    }
}

fn run(args: Vec<String>) -> Result<(), String> {
    let usage = "usage: bugbench table [--seeds N] [--budget N] [--write FILE]";
    let mut args = args.into_iter();
    if args.next().as_deref() != Some("table") {
        return Err(usage.to_owned());
    }
    let mut settings = Settings::PUBLISHED;
    let mut write = None;
    while let Some(flag) = args.next() {
        let value = args
            .next()
            .ok_or_else(|| format!("{flag} needs a value; {usage}"))?;
        let count = || {
            value
                .parse::<u64>()
                .ok()
                .filter(|&n| n > 0)
                .ok_or_else(|| format!("{flag} takes a positive count, not {value:?}"))
        };
        match flag.as_str() {
            "--seeds" => settings.seeds = count()?,
            "--budget" => settings.budget = count()? as usize,
            "--write" => write = Some(value),
            _ => return Err(format!("unknown option {flag}; {usage}")),
        }
    }
    // A kernel's failing runs panic by design; the table reports them.
    std::panic::set_hook(Box::new(|_| {}));
    let rows = measure(KERNELS, settings, |kernel, variant, tool| {
        eprintln!("{} ({}) under {tool}", kernel.name, variant.name());
    })?;
    let tables = render(&rows, settings);
    match write {
        None => print!("{tables}"),
        Some(path) => {
            let report = REPORT.replace(TABLES_MARKER, tables.trim_end());
            write_file(&path, &report)?;
            // The plot beside the report, which links it by this name.
            let plot = std::path::Path::new(&path).with_file_name(PLOT);
            write_file(
                &plot.to_string_lossy(),
                &bugbench::plot::svg(&rows, settings),
            )?;
        }
    }
    Ok(())
}

fn write_file(path: &str, text: &str) -> Result<(), String> {
    std::fs::write(path, text).map_err(|error| format!("cannot write {path}: {error}"))?;
    eprintln!("wrote {path}");
    Ok(())
}
