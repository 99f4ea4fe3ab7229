//! The token store: one file per FHIR base URL under `tokens/` in the config folder, readable by
//! the user alone (mode 0600, its folder 0700), written whole through a temporary file.

use std::io::Write;
use std::path::{Path, PathBuf};

use fhir_client::smart::TokenResponse;
use fhir_model::json::JsonValue;

/// What `fhir login` keeps for a base URL: enough to refresh without discovering again.
#[derive(Clone)]
pub struct Stored {
    pub base: String,
    pub client_id: String,
    pub token_endpoint: String,
    pub authorization_endpoint: String,
    pub redirect_uri: String,
    pub tokens: TokenResponse,
}

/// The folder of token files.
#[derive(Debug, Clone)]
pub struct TokenStore {
    dir: PathBuf,
}

/// FNV-1a, 64 bits: a stable file name for a base URL (not a secret, not a security boundary).
fn fnv(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ b as u64).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The base URL as it is compared: without a trailing slash.
pub fn normalize(base: &str) -> String {
    base.trim().trim_end_matches('/').to_owned()
}

impl TokenStore {
    pub fn new(config_dir: &Path) -> TokenStore {
        TokenStore {
            dir: config_dir.join("tokens"),
        }
    }

    /// The file of `base`: its host for people to recognize, a hash for uniqueness.
    pub fn file_for(&self, base: &str) -> PathBuf {
        let base = normalize(base);
        let host: String = fhir_client::reqwest::Url::parse(&base)
            .ok()
            .and_then(|u| u.host_str().map(str::to_owned))
            .unwrap_or_default()
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '.' {
                    c
                } else {
                    '_'
                }
            })
            .take(64)
            .collect();
        self.dir.join(format!("{host}-{:016x}.json", fnv(&base)))
    }

    pub fn save(&self, stored: &Stored) -> std::io::Result<PathBuf> {
        create_private_dir(&self.dir)?;
        let file = self.file_for(&stored.base);
        let tokens = JsonValue::parse(&stored.tokens.to_json_with_secrets())
            .map_err(|e| std::io::Error::other(e.to_string()))?;
        let s = |v: &str| JsonValue::String(v.to_owned());
        let doc = JsonValue::Object(vec![
            ("base".into(), s(&normalize(&stored.base))),
            ("client_id".into(), s(&stored.client_id)),
            ("token_endpoint".into(), s(&stored.token_endpoint)),
            (
                "authorization_endpoint".into(),
                s(&stored.authorization_endpoint),
            ),
            ("redirect_uri".into(), s(&stored.redirect_uri)),
            ("tokens".into(), tokens),
        ]);
        let tmp = file.with_extension("json.tmp");
        {
            let mut f = open_private(&tmp)?;
            f.write_all(doc.to_json_pretty().as_bytes())?;
            f.write_all(b"\n")?;
            f.sync_all()?;
        }
        std::fs::rename(&tmp, &file)?;
        Ok(file)
    }

    /// The stored login of `base`, if any; a file that is not what `save` writes is an error
    /// naming it.
    pub fn load(&self, base: &str) -> Result<Option<Stored>, String> {
        let file = self.file_for(base);
        let text = match std::fs::read_to_string(&file) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(format!("{}: {e}", file.display())),
        };
        let bad = |why: &str| format!("{}: {why} (fhir logout removes it)", file.display());
        let doc = JsonValue::parse(&text).map_err(|e| bad(&e.to_string()))?;
        let get = |name: &str| {
            doc.get(name)
                .and_then(JsonValue::as_str)
                .map(str::to_owned)
                .ok_or_else(|| bad(&format!("no {name}")))
        };
        if get("base")? != normalize(base) {
            // Two bases whose file names collide: not this base's login.
            return Ok(None);
        }
        let tokens = doc.get("tokens").ok_or_else(|| bad("no tokens"))?;
        let tokens =
            TokenResponse::from_json(&tokens.to_json_string()).map_err(|e| bad(&e.to_string()))?;
        Ok(Some(Stored {
            base: get("base")?,
            client_id: get("client_id")?,
            token_endpoint: get("token_endpoint")?,
            authorization_endpoint: get("authorization_endpoint")?,
            redirect_uri: get("redirect_uri")?,
            tokens,
        }))
    }

    /// Removes the login of `base`; whether there was one.
    pub fn remove(&self, base: &str) -> std::io::Result<bool> {
        match std::fs::remove_file(self.file_for(base)) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(e),
        }
    }
}

#[cfg(unix)]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)?;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
}

#[cfg(not(unix))]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    // Elsewhere the user's profile folder is private already.
    std::fs::create_dir_all(dir)
}

#[cfg(unix)]
fn open_private(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    let _ = std::fs::remove_file(path);
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
}

#[cfg(not(unix))]
fn open_private(path: &Path) -> std::io::Result<std::fs::File> {
    std::fs::File::create(path)
}
