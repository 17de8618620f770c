//! Processes the browser tests need (chromedriver, `claudedirector serve
//! --demo`) started on free ports and stopped on drop, plus the checks that
//! decide whether the suite can run here at all.

use std::fs::File;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};

/// Chromium and chromedriver, when both are installed.
pub(crate) struct Browser {
    pub(crate) chromium: PathBuf,
    pub(crate) chromedriver: PathBuf,
}

/// Finds Chromium and chromedriver (`CHROME`/`CHROMEDRIVER` override PATH).
pub(crate) fn find_browser() -> Option<Browser> {
    let chromium = std::env::var_os("CHROME").map(PathBuf::from).or_else(|| {
        ["chromium", "chromium-browser", "google-chrome"].iter().find_map(|name| which(name))
    })?;
    let chromedriver =
        std::env::var_os("CHROMEDRIVER").map(PathBuf::from).or_else(|| which("chromedriver"))?;
    (chromium.exists() && chromedriver.exists()).then_some(Browser { chromium, chromedriver })
}

fn which(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|dir| dir.join(name)).find(|candidate| candidate.is_file())
}

/// The repository root (the parent of `tests/`).
pub(crate) fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ has a parent").to_path_buf()
}

/// The cargo target folder.
pub(crate) fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("target"))
}

/// The built dashboard, or an error saying how to build it.
pub(crate) fn dist_dir() -> anyhow::Result<PathBuf> {
    let dist = std::env::var_os("CLAUDEDIRECTOR_DIST")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("dist"));
    if !dist.join("index.html").is_file() {
        bail!(
            "the dashboard is not built: {} has no index.html; build it with \
             `trunk build --release --offline` from the repository root (or `cargo xtask wasm`)",
            dist.display()
        );
    }
    Ok(dist)
}

/// Builds `claudedirector` (a no-op when it is current) and returns its path.
pub(crate) fn build_server() -> anyhow::Result<PathBuf> {
    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned()))
        .args(["build", "--quiet", "-p", "director-proxy", "--bin", "claudedirector"])
        .current_dir(repo_root())
        .status()
        .context("running cargo build -p director-proxy")?;
    if !status.success() {
        bail!("cargo build -p director-proxy failed");
    }
    let binary = target_dir().join("debug").join("claudedirector");
    if !binary.is_file() {
        bail!("claudedirector was built but is not at {}", binary.display());
    }
    Ok(binary)
}

/// A free TCP port on 127.0.0.1.
pub(crate) fn free_port() -> anyhow::Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0").context("finding a free port")?;
    Ok(listener.local_addr()?.port())
}

/// A child process killed when dropped.
pub(crate) struct Process {
    name: String,
    child: Option<Child>,
}

impl Process {
    fn spawn(name: &str, command: &mut Command, log: &Path) -> anyhow::Result<Process> {
        let out = File::create(log).with_context(|| format!("creating {}", log.display()))?;
        let err = out.try_clone()?;
        let child = command
            .stdin(Stdio::null())
            .stdout(Stdio::from(out))
            .stderr(Stdio::from(err))
            .spawn()
            .with_context(|| format!("starting {name}"))?;
        Ok(Process { name: name.to_owned(), child: Some(child) })
    }

    /// Kills the process and waits for it.
    pub(crate) fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    fn check_alive(&mut self) -> anyhow::Result<()> {
        if let Some(child) = self.child.as_mut() {
            if let Some(status) = child.try_wait()? {
                bail!("{} exited early with {status}", self.name);
            }
        }
        Ok(())
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Starts chromedriver on a free port and waits until it answers.
pub(crate) fn start_chromedriver(
    browser: &Browser,
    artifacts: &Path,
) -> anyhow::Result<(Process, String)> {
    let port = free_port()?;
    let mut process = Process::spawn(
        "chromedriver",
        Command::new(&browser.chromedriver).arg(format!("--port={port}")),
        &artifacts.join("chromedriver.log"),
    )?;
    let url = format!("http://127.0.0.1:{port}");
    wait_until_up(&mut process, &format!("{url}/status"), Duration::from_secs(20))?;
    Ok((process, url))
}

/// `claudedirector serve --demo` on a fixed address and data folder, so a
/// restarted server comes back where the stopped one was.
pub(crate) struct DemoServer {
    binary: PathBuf,
    dist: PathBuf,
    data: PathBuf,
    port: u16,
    log_dir: PathBuf,
    starts: u32,
    process: Option<Process>,
}

impl DemoServer {
    /// Prepares a server on a free port with a fresh data folder.
    pub(crate) fn new(
        binary: PathBuf,
        dist: PathBuf,
        artifacts: &Path,
    ) -> anyhow::Result<DemoServer> {
        let data = artifacts.join("demo-data");
        let _ = std::fs::remove_dir_all(&data);
        std::fs::create_dir_all(&data)?;
        Ok(DemoServer {
            binary,
            dist,
            data,
            port: free_port()?,
            log_dir: artifacts.to_path_buf(),
            starts: 0,
            process: None,
        })
    }

    /// The dashboard's URL.
    pub(crate) fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Starts the server and waits until the API answers.
    pub(crate) fn start(&mut self) -> anyhow::Result<()> {
        self.starts += 1;
        let addr = format!("127.0.0.1:{}", self.port);
        let mut command = Command::new(&self.binary);
        command
            .args(["serve", "--demo", "--addr", &addr, "--dist"])
            .arg(&self.dist)
            .arg("--data")
            .arg(&self.data)
            // Ten simulated minutes per second: incidents (and so live
            // alerts) arrive within the test's patience.
            .args(["--time-factor", "600"])
            .env("RUST_LOG", "director_proxy=info");
        let log = self.log_dir.join(format!("server-{}.log", self.starts));
        let mut process = Process::spawn("claudedirector serve --demo", &mut command, &log)?;
        wait_until_up(
            &mut process,
            &format!("{}/api/v1/teams", self.base_url()),
            Duration::from_secs(90),
        )
        .with_context(|| format!("server log: {}", log.display()))?;
        self.process = Some(process);
        Ok(())
    }

    /// Stops the server (as a crash would: no goodbye to the page).
    pub(crate) fn stop(&mut self) {
        if let Some(mut process) = self.process.take() {
            process.stop();
        }
    }
}

fn wait_until_up(process: &mut Process, url: &str, timeout: Duration) -> anyhow::Result<()> {
    let deadline = Instant::now() + timeout;
    loop {
        process.check_alive()?;
        if http_ok(url) {
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!("{url} did not answer within {timeout:?}");
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// True when a plain HTTP/1.1 GET of `url` answers 2xx (no client library:
/// this runs before and outside the async runtime).
fn http_ok(url: &str) -> bool {
    use std::io::{Read, Write};
    let Some(rest) = url.strip_prefix("http://") else { return false };
    let (host, path) = rest
        .split_once('/')
        .map_or((rest, "/".to_owned()), |(host, path)| (host, format!("/{path}")));
    let Ok(mut stream) = std::net::TcpStream::connect(host) else { return false };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let request = format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
    if stream.write_all(request.as_bytes()).is_err() {
        return false;
    }
    let mut head = [0u8; 12];
    if stream.read_exact(&mut head).is_err() {
        return false;
    }
    head.starts_with(b"HTTP/1.1 2") || head.starts_with(b"HTTP/1.0 2")
}
