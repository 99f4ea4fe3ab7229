//! The command line: what `fhir --help` shows.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::version::Fhir;

/// The public R4 server of the SMART on FHIR project, where the project's guide starts.
pub const DEFAULT_BASE: &str = "https://r4.smarthealthit.org";

/// Talk to a FHIR server: read, search, write and inspect resources.
#[derive(Debug, Parser)]
#[command(name = "fhir", version, about, max_term_width = 100)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

/// Options that every command takes.
#[derive(Debug, Args)]
pub struct Global {
    /// The server's base URL [default: the named server's, else <https://r4.smarthealthit.org>].
    #[arg(long, global = true, env = "FHIR_BASE_URL")]
    pub base: Option<String>,
    /// A server named in config.toml (base URL, client id, scope, key), e.g. `--server sandbox`.
    #[arg(long, global = true, env = "FHIR_SERVER", value_name = "NAME")]
    pub server: Option<String>,
    /// The FHIR version of the models resources are read and written with [default: the named
    /// server's `fhir`, else r4]. It does not change what is asked of the server: pick the
    /// server's own version (`fhir metadata` shows it).
    #[arg(
        long = "fhir",
        global = true,
        env = "FHIR_VERSION",
        value_enum,
        ignore_case = true,
        value_name = "VERSION"
    )]
    pub fhir: Option<Fhir>,
    /// The OAuth client id, for `fhir login` or SMART Backend Services (with --private-key).
    #[arg(
        long = "client-id",
        global = true,
        env = "FHIR_CLIENT_ID",
        value_name = "ID"
    )]
    pub client_id: Option<String>,
    /// A private key (PEM or JWK, RS384 or ES384) for SMART Backend Services, or for a
    /// confidential client's login.
    #[arg(
        long = "private-key",
        global = true,
        env = "FHIR_PRIVATE_KEY",
        value_name = "FILE"
    )]
    pub private_key: Option<PathBuf>,
    /// The private key's id (`kid`), as registered with the server.
    #[arg(
        long = "key-id",
        global = true,
        env = "FHIR_KEY_ID",
        value_name = "KID"
    )]
    pub key_id: Option<String>,
    /// The OAuth scopes to ask for, space-separated (v1 `system/*.read` or v2 `system/*.rs`).
    #[arg(long, global = true, env = "FHIR_SCOPE")]
    pub scope: Option<String>,
    /// A bearer token sent with every request to the base URL's origin.
    #[arg(long, global = true, env = "FHIR_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// How to print results [default: json for one resource, table for lists].
    #[arg(long, global = true, value_enum)]
    pub format: Option<Format>,
    /// Give up on a request after this many seconds.
    #[arg(long, global = true, value_name = "SECONDS", default_value_t = 60.0, value_parser = parse_seconds)]
    pub timeout: f64,
    /// The largest response body read, after decompression: bytes, or with a unit (`64MiB`,
    /// `1GiB`, `500kB`).
    #[arg(long = "max-body", global = true, value_name = "SIZE", default_value = "512MiB", value_parser = parse_size)]
    pub max_body: u64,
    /// Follow `next` links to another server than the base URL's (without credentials), with a
    /// warning on standard error for each such page; refused by default.
    #[arg(long = "allow-cross-origin", global = true)]
    pub allow_cross_origin: bool,
    /// Log to standard error: `-v` info, `-vv` debug, `-vvv` trace (`RUST_LOG` when not given);
    /// credentials and query values are masked.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

impl Global {
    /// The timeout as a duration.
    pub fn timeout(&self) -> Duration {
        Duration::from_secs_f64(self.timeout)
    }
}

fn parse_seconds(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(s) if s.is_finite() && s > 0.0 && s < 1e9 => Ok(s),
        _ => Err(format!("`{text}` is not a positive number of seconds")),
    }
}

/// A size in bytes: a plain number, or one with a unit, binary (`KiB`, `MiB`, `GiB`, `TiB`)
/// or decimal (`kB`, `MB`, `GB`, `TB`); `K`, `M`, `G`, `T` alone are binary.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let bad = || format!("`{text}` is not a size (e.g. 1048576, 64MiB, 1GiB)");
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (digits, unit) = t.split_at(split);
    let number: u64 = digits.parse().map_err(|_| bad())?;
    let factor: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kib" => 1 << 10,
        "m" | "mib" => 1 << 20,
        "g" | "gib" => 1 << 30,
        "t" | "tib" => 1 << 40,
        "kb" => 1_000,
        "mb" => 1_000_000,
        "gb" => 1_000_000_000,
        "tb" => 1_000_000_000_000,
        _ => return Err(bad()),
    };
    match number.checked_mul(factor) {
        Some(n) if n > 0 => Ok(n),
        _ => Err(bad()),
    }
}

/// How results are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Indented JSON: the resource, or a Bundle for a list.
    Json,
    /// One compact JSON resource per line.
    Ndjson,
    /// A table for people (a summary for one resource).
    Table,
    /// Indented XML: the resource, or a Bundle for a list (the server is asked for XML too).
    Xml,
}

/// The format `fhir convert` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ConvertTo {
    /// Indented JSON.
    Json,
    /// Indented XML.
    Xml,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Summarize the server's CapabilityStatement (GET /metadata).
    Metadata {
        /// Print the CapabilityStatement itself.
        #[arg(long)]
        json: bool,
    },
    /// Read the current version of a resource: `fhir read Patient/123`.
    Read {
        /// `Type/id`.
        reference: String,
    },
    /// Read one version of a resource: `fhir vread Patient/123/_history/2`.
    Vread {
        /// `Type/id/_history/version` (or `Type/id` with `--version`).
        reference: String,
        /// The version id, when the reference has none.
        #[arg(long = "version-id", value_name = "VERSION")]
        version_id: Option<String>,
    },
    /// List the versions of a resource (`Type/id`), of a type (`Type`) or of the server (nothing).
    History {
        /// `Type/id`, `Type`, or nothing for the whole server.
        target: Option<String>,
        #[command(flatten)]
        paging: Paging,
        /// Only versions since this instant (`_since`).
        #[arg(long)]
        since: Option<String>,
    },
    /// Search a resource type: `fhir search Patient name=Smith birthdate=ge1970`.
    Search {
        /// The resource type.
        resource_type: String,
        /// Search parameters as `name=value` (a modifier goes with the name: `name:exact=Eve`).
        #[arg(value_name = "NAME=VALUE")]
        params: Vec<String>,
        #[command(flatten)]
        paging: Paging,
        /// Print one compact JSON resource per line (same as `--format ndjson`).
        #[arg(long)]
        ndjson: bool,
    },
    /// Create the resource in FILE (`-` for standard input); the server assigns the id.
    Create {
        /// A JSON or XML resource.
        file: PathBuf,
        /// Send it even if it breaks FHIR's rules (it is still sent exactly as written).
        #[arg(long)]
        lenient: bool,
    },
    /// Update (or create with its id) the resource in FILE (`-` for standard input).
    Update {
        /// A JSON or XML resource with an id.
        file: PathBuf,
        /// Only if the server's current version is this one (an ETag or a version id).
        #[arg(long)]
        if_match: Option<String>,
        /// Send it even if it breaks FHIR's rules (it is still sent exactly as written).
        #[arg(long)]
        lenient: bool,
    },
    /// Delete a resource: `fhir delete Patient/123`.
    Delete {
        /// `Type/id`.
        reference: String,
    },
    /// Convert a resource between JSON and XML, offline (no server is asked).
    Convert(Convert),
    /// Log in with SMART App Launch (authorization code with PKCE): prints the address to open,
    /// waits for the redirect on a loopback port, stores the tokens for the base URL.
    Login {
        /// The loopback port of the redirect listener (any free one by default).
        #[arg(long, default_value_t = 0)]
        port: u16,
        /// Only print the address, do not open a browser.
        #[arg(long = "no-browser")]
        no_browser: bool,
        /// Give up when the login has not come back after this many seconds.
        #[arg(long, value_name = "SECONDS", default_value_t = 300)]
        wait: u64,
    },
    /// Remove the tokens stored for the base URL.
    Logout,
    /// Credentials: `fhir auth token` prints the current access token (for curl).
    Auth {
        #[command(subcommand)]
        action: AuthAction,
    },
    /// Bulk export (`$export`) into a directory of NDJSON files, `Type.n.ndjson`, each line
    /// checked against the model; `--resume DIR` continues a stopped export.
    Export(Box<crate::export::ExportArgs>),
    /// Send the transaction Bundle in FILE (`-` for standard input); all or nothing.
    Transaction {
        /// A JSON or XML Bundle of type `transaction`.
        file: PathBuf,
        /// Send it even if it breaks FHIR's rules (it is still sent exactly as written).
        #[arg(long)]
        lenient: bool,
    },
}

/// The offline conversion, `fhir convert FILE [--to json|xml]`.
#[derive(Debug, Args)]
pub struct Convert {
    /// A JSON or XML resource (`-` for standard input); its format is recognised by content.
    pub file: PathBuf,
    /// The format to write [default: the other one].
    #[arg(long, value_enum)]
    pub to: Option<ConvertTo>,
    /// Read it even if it breaks FHIR's rules, keeping what does not fit (a conversion that
    /// would lose such content is refused).
    #[arg(long)]
    pub lenient: bool,
}

/// What `fhir auth` does.
#[derive(Debug, Subcommand)]
pub enum AuthAction {
    /// Print the current access token (refreshed or fetched when needed) on standard output.
    Token,
}

/// Paging options of the commands that list.
#[derive(Debug, Args)]
pub struct Paging {
    /// Ask the server for this many entries per page (`_count`).
    #[arg(long)]
    pub count: Option<u32>,
    /// Follow `next` links and print every page, not only the first.
    #[arg(long)]
    pub all: bool,
    /// Stop after this many matches in all (with `--all`).
    #[arg(long)]
    pub limit: Option<usize>,
    /// Fail (exit 1) rather than fetch more than this many pages (with `--all`).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub max_pages: Option<u32>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn sizes_with_units() {
        assert_eq!(parse_size("1048576"), Ok(1 << 20));
        assert_eq!(parse_size("64MiB"), Ok(64 << 20));
        assert_eq!(parse_size("1GiB"), Ok(1 << 30));
        assert_eq!(parse_size("2 G"), Ok(2 << 30));
        assert_eq!(parse_size("500kB"), Ok(500_000));
        assert!(parse_size("0").is_err());
        assert!(parse_size("lots").is_err());
        assert!(parse_size("1.5GiB").is_err());
        assert!(parse_size("99999999999TiB").is_err());
    }

    #[test]
    fn search_takes_parameters_after_the_type() {
        let cli = Cli::try_parse_from([
            "fhir",
            "search",
            "Patient",
            "name=Smith",
            "birthdate=ge1970",
            "--count",
            "50",
            "--all",
        ])
        .unwrap();
        let Command::Search {
            resource_type,
            params,
            paging,
            ndjson,
        } = cli.command
        else {
            panic!("not a search");
        };
        assert_eq!(resource_type, "Patient");
        assert_eq!(params, ["name=Smith", "birthdate=ge1970"]);
        assert_eq!(paging.count, Some(50));
        assert!(paging.all && !ndjson);
    }

    #[test]
    fn fhir_versions_are_r4_and_r5() {
        let cli = Cli::try_parse_from(["fhir", "read", "Patient/1", "--fhir", "R5"]).unwrap();
        assert_eq!(cli.global.fhir, Some(Fhir::R5));
        let err = Cli::try_parse_from(["fhir", "--fhir", "r6", "metadata"]).unwrap_err();
        assert_eq!(err.kind(), clap::error::ErrorKind::InvalidValue);
        assert_eq!(err.exit_code(), 2);
    }

    #[test]
    fn base_defaults_to_the_public_server_and_timeout_must_be_positive() {
        let cli = Cli::try_parse_from(["fhir", "metadata"]).unwrap();
        if std::env::var_os("FHIR_BASE_URL").is_none() {
            assert_eq!(cli.global.base, None, "the default comes from the settings");
        }
        if std::env::var_os("FHIR_VERSION").is_none() {
            assert_eq!(cli.global.fhir, None, "the default comes from the settings");
        }
        let err = Cli::try_parse_from(["fhir", "--timeout", "0", "metadata"]).unwrap_err();
        assert!(err.to_string().contains("not a positive number"));
        assert!(Cli::try_parse_from(["fhir", "read"]).is_err());
    }
}
