//! `fhir`: a FHIR server from the terminal.
//!
//! ```text
//! fhir metadata                                   # what the server supports
//! fhir read Patient/123                           # one resource, as JSON
//! fhir search Patient name=Smith --count 50 --all # every match, as a table
//! fhir create patient.json                        # checked, then sent
//! fhir export --type Patient --out dump           # a bulk export into NDJSON files
//! ```
//!
//! Exit codes: 0 success, 1 the server refused (4xx/5xx), 2 usage or bad input, 3 network or
//! timeout.

mod cli;
mod commands;
mod export;
mod export_progress;
mod export_state;
mod failure;
mod input;
mod logging;
mod metadata;
mod pages;
mod progress;
mod response;
mod summary;
mod table;
mod target;

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

use crate::cli::Cli;
use crate::failure::{EXIT_OK, Failure};

fn main() -> ExitCode {
    let cli = Cli::parse();
    logging::init(cli.global.verbose);
    let outcome = run(cli);
    ExitCode::from(match outcome {
        Ok(()) => EXIT_OK,
        Err(Failure::Output(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => EXIT_OK,
        Err(failure) => {
            let _ = std::io::stderr().write_all(failure.render().as_bytes());
            failure.exit_code()
        }
    })
}

fn run(cli: Cli) -> Result<(), Failure> {
    let mut builder = fhir_client::Client::builder(&cli.global.base)
        .timeout(cli.global.timeout())
        .user_agent(concat!("fhir-cli/", env!("CARGO_PKG_VERSION")))
        .max_body_bytes(cli.global.max_body);
    if cli.global.allow_cross_origin {
        builder = builder
            .follow_cross_origin_next(true)
            .on_cross_origin_next(|base, next| {
                eprintln!(
                    "warning: following a next link to another server ({}), without credentials: \
                     these entries do not come from {}",
                    failure::shown_url(next.as_str()),
                    failure::shown_url(base.as_str())
                );
            });
    }
    if let Some(token) = &cli.global.token {
        builder = builder.bearer_token(token);
    }
    let client = builder.build().map_err(|e| {
        let base = failure::shown_url(&cli.global.base);
        Failure::Usage(format!("--base `{base}`: {e}"))
    })?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::Usage(format!("cannot start the async runtime: {e}")))?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let result = runtime.block_on(commands::run(
        &client,
        cli.command,
        cli.global.format,
        &mut out,
    ));
    out.flush()?;
    result
}
