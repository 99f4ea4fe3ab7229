//! `cargo xtask interop`: the client and the `fhir` command against a real FHIR server that
//! nobody on this project wrote, the Helios FHIR Server (`helios-hfs`, R4, SQLite).
//!
//! Installs the server when it is not cached (a long build, once per machine), starts it on
//! loopback with a fresh data directory, waits for `/metadata`, runs the `interop` test target
//! of `fhir-rs-cli` against it, and stops it. Any failure to install or start is an error.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The server release the suite is written against.
pub const HFS_VERSION: &str = "0.2.7";

/// The server's cargo features beyond its defaults: `xml` makes it serve `application/fhir+xml`
/// as well as JSON. They are part of the cache key, so a build with other features is never reused.
pub const HFS_FEATURES: &str = "xml";

/// Where the server binary is kept between runs: `$HFS_BIN` if set, else the user's cache.
pub fn server_binary() -> PathBuf {
    if let Some(bin) = std::env::var_os("HFS_BIN") {
        return PathBuf::from(bin);
    }
    install_root().join("bin").join("hfs")
}

fn install_root() -> PathBuf {
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(std::env::temp_dir);
    cache.join("fhir-interop").join(format!(
        "helios-hfs-{HFS_VERSION}-{}",
        HFS_FEATURES.replace(',', "-")
    ))
}

/// Builds and installs the server when it is not there yet.
pub fn ensure_server() -> Result<PathBuf, String> {
    let bin = server_binary();
    if bin.is_file() {
        return Ok(bin);
    }
    if std::env::var_os("HFS_BIN").is_some() {
        return Err(format!(
            "HFS_BIN names {}, which is not a file",
            bin.display()
        ));
    }
    eprintln!(
        "interop: installing helios-hfs {HFS_VERSION} (features: {HFS_FEATURES}) into {} (a long build, done once)",
        install_root().display()
    );
    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args([
            "install",
            "helios-hfs",
            "--version",
            HFS_VERSION,
            "--locked",
            "--features",
            HFS_FEATURES,
            "--root",
        ])
        .arg(install_root())
        // Not the workspace's target directory: the server's build shares nothing with ours.
        .env_remove("CARGO_TARGET_DIR")
        .status()
        .map_err(|e| format!("cannot run cargo install: {e}"))?;
    if !status.success() || !bin.is_file() {
        return Err(format!("cargo install helios-hfs {HFS_VERSION} failed"));
    }
    Ok(bin)
}

/// A running server, stopped when dropped.
pub struct Server {
    child: Child,
    /// The base URL, e.g. `http://127.0.0.1:40123`.
    pub base: String,
    /// The data directory (database, logs).
    pub data_dir: PathBuf,
}

impl Server {
    /// Starts the server on a free loopback port with a fresh data directory that holds the
    /// R4 search parameter definitions, and waits until `/metadata` answers.
    pub fn start(
        bin: &Path,
        data_dir: PathBuf,
        search_parameters: &[u8],
    ) -> Result<Server, String> {
        if data_dir.exists() {
            std::fs::remove_dir_all(&data_dir)
                .map_err(|e| format!("{}: {e}", data_dir.display()))?;
        }
        std::fs::create_dir_all(&data_dir).map_err(|e| format!("{}: {e}", data_dir.display()))?;
        std::fs::write(
            data_dir.join("search-parameters-r4.json"),
            search_parameters,
        )
        .map_err(|e| format!("cannot write the search parameters: {e}"))?;
        let port = free_port()?;
        let base = format!("http://127.0.0.1:{port}");
        let log = std::fs::File::create(data_dir.join("server.log")).map_err(|e| e.to_string())?;
        let log2 = log.try_clone().map_err(|e| e.to_string())?;
        let child = Command::new(bin)
            .current_dir(&data_dir)
            .env("HFS_SERVER_HOST", "127.0.0.1")
            .env("HFS_SERVER_PORT", port.to_string())
            .env("HFS_BASE_URL", &base)
            .env("HFS_DATA_DIR", &data_dir)
            .env("HFS_DATABASE_URL", data_dir.join("fhir.db"))
            .env("HFS_SEED_CONFORMANCE", "false")
            .env("HFS_LOG_LEVEL", "info")
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log2)
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", bin.display()))?;
        let mut server = Server {
            child,
            base,
            data_dir,
        };
        server.wait_ready(port, Duration::from_secs(120))?;
        Ok(server)
    }

    fn wait_ready(&mut self, port: u16, limit: Duration) -> Result<(), String> {
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().map_err(|e| e.to_string())? {
                return Err(format!(
                    "the server exited ({status}) before it answered\n{}",
                    self.log_tail()
                ));
            }
            if metadata_status(port) == Some(200) {
                eprintln!(
                    "interop: server ready at {} after {:.1} s",
                    self.base,
                    start.elapsed().as_secs_f64()
                );
                return Ok(());
            }
            if start.elapsed() > limit {
                return Err(format!(
                    "the server did not answer /metadata within {limit:?}\n{}",
                    self.log_tail()
                ));
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// The last lines of the server's log.
    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(self.data_dir.join("server.log")).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        let from = lines.len().saturating_sub(40);
        format!(
            "server log ({}):\n{}",
            self.data_dir.join("server.log").display(),
            lines[from..].join("\n")
        )
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> Result<u16, String> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| format!("no free port: {e}"))?;
    listener
        .local_addr()
        .map(|a| a.port())
        .map_err(|e| e.to_string())
}

/// The status of `GET /metadata`, by hand: xtask has no HTTP client, and needs none for this.
fn metadata_status(port: u16) -> Option<u16> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    let request = format!(
        "GET /metadata HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAccept: application/fhir+json\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).ok()?;
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).ok()?;
    std::str::from_utf8(&head[9..12]).ok()?.parse().ok()
}

/// The whole run: install if needed, start, test, stop.
pub fn run(root: &Path, test_args: &[String]) -> Result<(), String> {
    let bin = ensure_server()?;
    let manifest =
        fhir_package::Manifest::load(&root.join("definitions/r4")).map_err(|e| e.to_string())?;
    let package_ref = manifest
        .packages
        .first()
        .ok_or("definitions/r4 lists no package")?;
    let package =
        fhir_package::Package::open_ref(&manifest, package_ref).map_err(|e| e.to_string())?;
    let (_, search_parameters) = package
        .read_files(|name| name == "Bundle-searchParams.json")
        .map_err(|e| e.to_string())?
        .pop()
        .ok_or("the R4 package has no Bundle-searchParams.json")?;
    let data_dir = std::env::temp_dir().join(format!("fhir-interop-{}", std::process::id()));
    let server = Server::start(&bin, data_dir, &search_parameters)?;
    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .current_dir(root)
        .args(["test", "-p", "fhir-rs-cli", "--test", "interop", "--"])
        // The scenarios share one server: run in parallel, an export counted the Patients that
        // other scenarios were creating at the same time.
        .arg("--test-threads=1")
        .args(test_args)
        .env("FHIR_INTEROP_BASE", &server.base)
        .status()
        .map_err(|e| format!("cannot run cargo test: {e}"))?;
    if !status.success() {
        return Err(format!("the interop suite failed\n{}", server.log_tail()));
    }
    run_smart(root, &server.base)?;
    let data_dir = server.data_dir.clone();
    drop(server);
    let _ = std::fs::remove_dir_all(data_dir);
    Ok(())
}

/// Where the authorization server of the SMART scenarios is described: oidc-provider pinned in
/// `package.json` and `package-lock.json`, configured by `provider.js`.
pub const OIDC_PROVIDER_DIR: &str = "testing/oauth";

/// Where `npm ci` installs the authorization server's packages: the user's cache, keyed by the
/// lock file's hash, so that a changed lock file gets a fresh install and the clone stays clean.
fn oauth_install_dir(lock: &[u8]) -> PathBuf {
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(std::env::temp_dir);
    let hash = fhir_package::sha256_hex(lock);
    cache
        .join("fhir-interop")
        .join(format!("oauth-{}", &hash[..16]))
}

/// Installs the pinned oidc-provider when it is not cached yet; the provider script is copied
/// next to its packages on every run, since Node.js resolves ES modules from the script's folder.
fn ensure_oauth_server(root: &Path) -> Result<PathBuf, String> {
    let src = root.join(OIDC_PROVIDER_DIR);
    let lock = std::fs::read(src.join("package-lock.json"))
        .map_err(|e| format!("{}/package-lock.json: {e}", src.display()))?;
    let dir = oauth_install_dir(&lock);
    let marker = dir.join("node_modules/oidc-provider/package.json");
    if !marker.is_file() {
        eprintln!("smart: npm ci of {} into {}", src.display(), dir.display());
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        for file in ["package.json", "package-lock.json"] {
            std::fs::copy(src.join(file), dir.join(file))
                .map_err(|e| format!("cannot copy {file}: {e}"))?;
        }
        let status = Command::new("npm")
            .current_dir(&dir)
            .args(["ci", "--no-audit", "--no-fund"])
            .status()
            .map_err(|e| format!("cannot run npm (Node.js and npm are needed): {e}"))?;
        if !status.success() || !marker.is_file() {
            return Err(format!(
                "npm ci of oidc-provider failed in {}",
                dir.display()
            ));
        }
    }
    std::fs::copy(src.join("provider.js"), dir.join("provider.js"))
        .map_err(|e| format!("cannot copy provider.js: {e}"))?;
    Ok(dir)
}

/// The SMART scenarios: oidc-provider and its token-checking FHIR proxy in front of the server
/// at `fhir_base` started on loopback, the `oauth` test target of `fhir-rs-cli` run against them,
/// the provider stopped. A provider that cannot be installed or started fails the run.
pub fn run_smart(root: &Path, fhir_base: &str) -> Result<(), String> {
    let started = Instant::now();
    let dir = ensure_oauth_server(root)?;
    let out = std::env::temp_dir().join(format!("fhir-oauth-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    std::fs::create_dir_all(&out).map_err(|e| format!("{}: {e}", out.display()))?;
    let log = std::fs::File::create(out.join("provider.log")).map_err(|e| e.to_string())?;
    let log2 = log.try_clone().map_err(|e| e.to_string())?;
    let child = Command::new("node")
        .current_dir(&dir)
        .arg("provider.js")
        .env("OAUTH_OUT_DIR", &out)
        .env("FHIR_UPSTREAM", fhir_base)
        .stdin(Stdio::null())
        .stdout(log)
        .stderr(log2)
        .spawn()
        .map_err(|e| format!("cannot start node provider.js: {e}"))?;
    let mut provider = Provider { child, out };
    let ready = provider.out.join("server.json");
    let wait = Instant::now();
    while !ready.is_file() {
        if let Some(status) = provider.child.try_wait().map_err(|e| e.to_string())? {
            return Err(format!(
                "the authorization server exited ({status}) before it was ready\n{}",
                provider.log()
            ));
        }
        if wait.elapsed() > Duration::from_secs(60) {
            return Err(format!(
                "the authorization server was not ready within 60 s\n{}",
                provider.log()
            ));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    eprintln!(
        "smart: authorization server ready after {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .current_dir(root)
        .args(["test", "-p", "fhir-rs-cli", "--test", "oauth"])
        .env("FHIR_OAUTH_DIR", &provider.out)
        .env("FHIR_INTEROP_BASE", fhir_base)
        .status()
        .map_err(|e| format!("cannot run cargo test: {e}"))?;
    if !status.success() {
        return Err(format!("the SMART scenarios failed\n{}", provider.log()));
    }
    eprintln!(
        "smart: SMART scenarios passed in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// The running authorization server, stopped (and its keys removed) when dropped.
struct Provider {
    child: Child,
    out: PathBuf,
}

impl Provider {
    fn log(&self) -> String {
        let log = self.out.join("provider.log");
        format!(
            "provider log ({}):\n{}",
            log.display(),
            std::fs::read_to_string(&log).unwrap_or_default()
        )
    }
}

impl Drop for Provider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.out);
    }
}
