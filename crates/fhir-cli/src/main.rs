//! `fhir`: a FHIR server from the terminal.
//!
//! ```text
//! fhir metadata                                   # what the server supports
//! fhir read Patient/123                           # one resource, as JSON
//! fhir search Patient name=Smith --count 50 --all # every match, as a table
//! fhir create patient.json                        # checked, then sent
//! fhir convert patient.json                       # the same resource as XML, offline
//! fhir export --type Patient --out dump           # a bulk export into NDJSON files
//! fhir --fhir r5 read ActorDefinition/a1          # R5 models instead of R4's
//! ```
//!
//! Exit codes: 0 success, 1 the server refused (4xx/5xx), 2 usage or bad input, 3 network or
//! timeout.

mod auth_cmd;
mod cli;
mod commands;
mod config;
mod convert;
mod export;
mod export_progress;
mod export_state;
mod failure;
mod input;
mod logging;
mod login;
mod metadata;
mod pages;
mod progress;
mod store;
mod summary;
mod table;
mod target;
mod version;

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

use fhir_client::{R4, R5};

use crate::cli::{AuthAction, Cli, Command};
use crate::config::Settings;
use crate::failure::{EXIT_OK, Failure};
use crate::version::{CliVersion, Fhir};

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
    // Offline: no server, no credentials; the configuration only for a named server's version.
    if let Command::Convert(args) = &cli.command {
        let fhir = match (&cli.global.fhir, &cli.global.server) {
            (None, Some(_)) => Settings::resolve(&cli.global)?.fhir,
            (fhir, _) => fhir.unwrap_or_default(),
        };
        let mut out = std::io::stdout().lock();
        match fhir {
            Fhir::R4 => convert::run::<R4>(args, &mut out)?,
            Fhir::R5 => convert::run::<R5>(args, &mut out)?,
        }
        return Ok(out.flush()?);
    }
    let settings = Settings::resolve(&cli.global)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::Usage(format!("cannot start the async runtime: {e}")))?;
    let token = cli.global.token.as_deref();
    match &cli.command {
        Command::Login {
            port,
            no_browser,
            wait,
        } => {
            let wait = std::time::Duration::from_secs(*wait);
            return runtime.block_on(login::login(&settings, *port, !no_browser, wait));
        }
        Command::Logout => return login::logout(&settings),
        Command::Auth {
            action: AuthAction::Token,
        } => {
            let mut out = std::io::stdout().lock();
            runtime.block_on(auth_cmd::print_token(&settings, token, &mut out))?;
            return Ok(out.flush()?);
        }
        _ => {}
    }
    let mut builder = fhir_client::Client::builder(&settings.base)
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
    if cli.global.format == Some(cli::Format::Xml) {
        builder = builder.format(fhir_client::Format::Xml);
    }
    let credentials = runtime.block_on(auth_cmd::resolve(&settings, token))?;
    builder = auth_cmd::apply(builder, credentials);
    // The one place the version is chosen: everything below is written once, generic over it.
    match settings.fhir {
        Fhir::R4 => run_commands::<R4>(builder, &settings, &runtime, cli),
        Fhir::R5 => run_commands::<R5>(builder, &settings, &runtime, cli),
    }
}

/// Builds the client of the FHIR version `V` and runs the command with it.
fn run_commands<V: CliVersion>(
    builder: fhir_client::ClientBuilder,
    settings: &Settings,
    runtime: &tokio::runtime::Runtime,
    cli: Cli,
) -> Result<(), Failure> {
    let client = builder.fhir_version::<V>().build().map_err(|e| {
        let base = failure::shown_url(&settings.base);
        Failure::Usage(format!("--base `{base}`: {e}"))
    })?;
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
