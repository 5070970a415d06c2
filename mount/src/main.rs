//! The `tempfilestore` command: see [`mount::cli`].

use std::process::ExitCode;

fn main() -> ExitCode {
    mount::cli::main()
}
