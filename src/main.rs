//! The `echoterra-bot` binary: everything happens in [`echoterra_bot::cli`].

use std::process::ExitCode;

fn main() -> ExitCode {
    echoterra_bot::cli::main()
}
