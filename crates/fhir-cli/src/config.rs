//! Where the command keeps its files (`FHIR_CONFIG_DIR`, else the platform's config folder),
//! the named servers of `config.toml`, and the settings of one run: flags, then environment,
//! then the named server.
//!
//! ```toml
//! [servers.sandbox]
//! base = "https://ehr.example.org/fhir"
//! client_id = "my-app"
//! scope = "system/Patient.rs"
//! private_key = "keys/sandbox.pem"   # relative to the config folder
//! key_id = "2024-06"
//! fhir = "r5"                        # the FHIR version of its models (r4 by default)
//! ```

use std::path::{Path, PathBuf};

use clap::ValueEnum;

use crate::cli::{DEFAULT_BASE, Global};
use crate::failure::Failure;
use crate::version::Fhir;

/// The folder of `config.toml` and `tokens/`: `FHIR_CONFIG_DIR`, else `%APPDATA%\fhir` on
/// Windows, else `$XDG_CONFIG_HOME/fhir`, else `~/.config/fhir`.
pub fn config_dir() -> Option<PathBuf> {
    let var = |name: &str| {
        std::env::var_os(name)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    if let Some(dir) = var("FHIR_CONFIG_DIR") {
        return Some(dir);
    }
    if cfg!(windows) {
        if let Some(dir) = var("APPDATA") {
            return Some(dir.join("fhir"));
        }
    }
    var("XDG_CONFIG_HOME")
        .or_else(|| var("HOME").map(|h| h.join(".config")))
        .map(|d| d.join("fhir"))
}

/// What one run works with.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The FHIR base URL.
    pub base: String,
    /// The OAuth client id.
    pub client_id: Option<String>,
    /// The scopes to ask for.
    pub scope: Option<String>,
    /// A private key file (PEM or JWK) for `private_key_jwt`.
    pub private_key: Option<PathBuf>,
    /// The key's id, sent as the JWT's `kid`.
    pub key_id: Option<String>,
    /// Where tokens are stored, when there is a config folder.
    pub config_dir: Option<PathBuf>,
    /// The FHIR version of the models.
    pub fhir: Fhir,
}

/// A named server of `config.toml`.
#[derive(Debug, Default)]
struct Server {
    base: Option<String>,
    client_id: Option<String>,
    scope: Option<String>,
    private_key: Option<PathBuf>,
    key_id: Option<String>,
    fhir: Option<Fhir>,
}

const KEYS: &str = "base, client_id, scope, private_key, key_id, fhir";

impl Settings {
    /// The settings of this run: each flag (or its environment variable) wins over the named
    /// server's value.
    pub fn resolve(global: &Global) -> Result<Settings, Failure> {
        let config_dir = config_dir();
        let server = match &global.server {
            None => Server::default(),
            Some(name) => {
                let dir = config_dir.as_deref().ok_or_else(|| {
                    Failure::Usage(format!(
                        "--server {name}: no config folder (set FHIR_CONFIG_DIR or HOME)"
                    ))
                })?;
                load_server(dir, name)?
            }
        };
        Ok(Settings {
            base: global
                .base
                .clone()
                .or(server.base)
                .unwrap_or_else(|| DEFAULT_BASE.to_owned()),
            client_id: global.client_id.clone().or(server.client_id),
            scope: global.scope.clone().or(server.scope),
            private_key: global.private_key.clone().or(server.private_key),
            key_id: global.key_id.clone().or(server.key_id),
            fhir: global.fhir.or(server.fhir).unwrap_or_default(),
            config_dir,
        })
    }
}

fn load_server(dir: &Path, name: &str) -> Result<Server, Failure> {
    let path = dir.join("config.toml");
    let shown = path.display();
    let text = std::fs::read_to_string(&path)
        .map_err(|e| Failure::Usage(format!("--server {name}: cannot read {shown}: {e}")))?;
    let table: toml::Table = text
        .parse()
        .map_err(|e| Failure::Usage(format!("{shown}: {e}")))?;
    let servers = match table.get("servers") {
        Some(toml::Value::Table(t)) => t,
        Some(_) => return Err(Failure::Usage(format!("{shown}: `servers` is not a table"))),
        None => {
            return Err(Failure::Usage(format!(
                "--server {name}: {shown} has no [servers.{name}] table"
            )));
        }
    };
    let Some(entry) = servers.get(name) else {
        let known: Vec<&str> = servers.keys().map(String::as_str).collect();
        return Err(Failure::Usage(format!(
            "--server {name}: {shown} names no such server (it has: {})",
            if known.is_empty() {
                "none".to_owned()
            } else {
                known.join(", ")
            }
        )));
    };
    let toml::Value::Table(entry) = entry else {
        return Err(Failure::Usage(format!(
            "{shown}: servers.{name} is not a table"
        )));
    };
    let mut server = Server::default();
    for (key, value) in entry {
        let toml::Value::String(text) = value else {
            return Err(Failure::Usage(format!(
                "{shown}: servers.{name}.{key} must be a string, not a {}",
                value.type_str()
            )));
        };
        let text = text.clone();
        match key.as_str() {
            "base" => server.base = Some(text),
            "client_id" => server.client_id = Some(text),
            "scope" => server.scope = Some(text),
            "key_id" => server.key_id = Some(text),
            "private_key" => server.private_key = Some(key_path(dir, &text)),
            "fhir" => {
                let fhir = Fhir::from_str(&text, true).map_err(|_| {
                    Failure::Usage(format!(
                        "{shown}: servers.{name}.fhir is `{text}`; it must be one of: {}",
                        Fhir::ALL.map(Fhir::flag).join(", ")
                    ))
                })?;
                server.fhir = Some(fhir);
            }
            other => {
                return Err(Failure::Usage(format!(
                    "{shown}: servers.{name}: unknown key `{other}` (known: {KEYS})"
                )));
            }
        }
    }
    if server.base.is_none() {
        return Err(Failure::Usage(format!(
            "{shown}: servers.{name} has no base"
        )));
    }
    Ok(server)
}

/// A key path of the config file: `~/` is the home folder, a relative path is relative to the
/// config folder.
fn key_path(dir: &Path, text: &str) -> PathBuf {
    if let (Some(rest), Some(home)) = (text.strip_prefix("~/"), std::env::var_os("HOME")) {
        return PathBuf::from(home).join(rest);
    }
    let path = PathBuf::from(text);
    if path.is_absolute() {
        path
    } else {
        dir.join(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_paths_are_relative_to_the_config_folder() {
        let dir = Path::new("/cfg");
        assert_eq!(key_path(dir, "k.pem"), PathBuf::from("/cfg/k.pem"));
        assert_eq!(key_path(dir, "/abs/k.pem"), PathBuf::from("/abs/k.pem"));
    }
}
