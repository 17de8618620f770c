//! Project automation: the two commands of the README and what they are built from.
//!
//! - `cargo xtask demo [--addr 127.0.0.1:8080]`: install what is missing, build the
//!   dashboard, run `claudedirector serve --demo`.
//! - `cargo xtask test`: install what is missing (browser included), build the
//!   dashboard, then run every test: native, WASM in headless Chromium, and the
//!   WebDriver end-to-end flows. `.ci/run` calls this.
//! - `cargo xtask setup [--browser]`, `cargo xtask build-web`, `cargo xtask lint`:
//!   the steps on their own.
//!
//! Every install step first checks for the exact pinned version and does nothing
//! when it is there, so a warm run spends no time on tools.

use std::env;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{bail, Context, Result};

/// trunk 0.22 needs a newer rustc than the pinned toolchain.
const TRUNK_VERSION: &str = "0.21.14";
/// wasm-opt from the npm package: Debian's binaryen 108 yields a blank page.
const BINARYEN_NPM: &str = "binaryen@132.0.0";
const WASM_OPT_VERSION: &str = "version 132";
/// What a browser may download for the app, gzip: issue 8's 500 KB, read as
/// decimal kilobytes.
const SHIPPED_BUDGET: usize = 500_000;

fn main() -> Result<()> {
    let args: Vec<String> = env::args().skip(1).collect();
    let root = project_root();
    env::set_current_dir(&root).context("entering the project root")?;
    let tools = Tools::new(&root);
    let started = Instant::now();
    match args.first().map(String::as_str) {
        Some("setup") => tools.setup(args.iter().any(|a| a == "--browser"))?,
        Some("build-web") => {
            tools.setup(false)?;
            build_web(&tools)?;
        }
        Some("demo") => {
            tools.setup(false)?;
            build_web(&tools)?;
            let mut serve = vec!["serve".to_owned(), "--demo".to_owned()];
            serve.extend(args.iter().skip(1).cloned());
            demo(&tools, &serve)?;
        }
        Some("test") | Some("ci") => {
            tools.setup(true)?;
            test(&tools)?;
        }
        Some("lint") => lint(&tools)?,
        _ => {
            eprintln!(
                "usage: cargo xtask <demo [--addr HOST:PORT] | test | setup [--browser] | build-web | lint>"
            );
            bail!("unknown or missing xtask command");
        }
    }
    eprintln!("xtask: done in {:.0} s", started.elapsed().as_secs_f64());
    Ok(())
}

fn project_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives one level below the root")
        .to_owned()
}

/// Where the pinned tools live and how to call them.
struct Tools {
    root: PathBuf,
    cargo_bin: PathBuf,
    npm_bin: PathBuf,
}

impl Tools {
    fn new(root: &Path) -> Tools {
        let cargo_home = env::var_os("CARGO_HOME")
            .map(PathBuf::from)
            .or_else(|| env::var_os("HOME").map(|home| PathBuf::from(home).join(".cargo")))
            .unwrap_or_else(|| PathBuf::from("/root/.cargo"));
        Tools {
            root: root.to_owned(),
            cargo_bin: cargo_home.join("bin"),
            npm_bin: root.join(".tools/node_modules/.bin"),
        }
    }

    /// PATH with the pinned tools first, so trunk finds wasm-bindgen and wasm-opt.
    fn path(&self) -> String {
        let rest = env::var("PATH").unwrap_or_default();
        format!("{}:{}:{rest}", self.npm_bin.display(), self.cargo_bin.display())
    }

    fn command(&self, program: &str) -> Command {
        let mut cmd = Command::new(program);
        cmd.env("PATH", self.path()).current_dir(&self.root);
        cmd
    }

    fn version_of(&self, program: &str) -> Option<String> {
        let out = self.command(program).arg("--version").output().ok()?;
        out.status.success().then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
    }

    fn setup(&self, browser: bool) -> Result<()> {
        self.wasm_target()?;
        self.trunk()?;
        self.wasm_bindgen()?;
        self.wasm_opt()?;
        if browser {
            self.chromium()?;
        }
        Ok(())
    }

    fn wasm_target(&self) -> Result<()> {
        let out = self.command("rustup").args(["target", "list", "--installed"]).output();
        let installed = out
            .map(|o| String::from_utf8_lossy(&o.stdout).contains("wasm32-unknown-unknown"))
            .unwrap_or(false);
        if !installed {
            step("installing the wasm32-unknown-unknown target");
            run(self.command("rustup").args(["target", "add", "wasm32-unknown-unknown"]))?;
        }
        Ok(())
    }

    fn trunk(&self) -> Result<()> {
        let want = format!("trunk {TRUNK_VERSION}");
        if self.version_of("trunk").as_deref() != Some(want.as_str()) {
            step(&format!("installing {want} (about 12 minutes, once)"));
            run(self.command("cargo").args([
                "install",
                "--locked",
                "trunk",
                "--version",
                TRUNK_VERSION,
            ]))?;
        }
        Ok(())
    }

    fn wasm_bindgen(&self) -> Result<()> {
        let version = locked_version(&self.root, "wasm-bindgen")?;
        let want = format!("wasm-bindgen {version}");
        if self.version_of("wasm-bindgen").as_deref() != Some(want.as_str()) {
            step(&format!("installing wasm-bindgen-cli {version} (about 6 minutes, once)"));
            // Not --locked: the CLI's own lock names a crate version the registry no longer has.
            run(self.command("cargo").args([
                "install",
                "wasm-bindgen-cli",
                "--version",
                &version,
            ]))?;
        }
        Ok(())
    }

    fn wasm_opt(&self) -> Result<()> {
        let have = self.npm_bin.join("wasm-opt");
        let current = Command::new(&have).arg("--version").output().ok();
        let ok =
            current.is_some_and(|o| String::from_utf8_lossy(&o.stdout).contains(WASM_OPT_VERSION));
        if !ok {
            step(&format!("installing wasm-opt from npm {BINARYEN_NPM}"));
            fs::create_dir_all(self.root.join(".tools"))?;
            run(self.command("npm").args([
                "install",
                "--no-audit",
                "--no-fund",
                "--prefix",
                ".tools",
                BINARYEN_NPM,
            ]))?;
        }
        Ok(())
    }

    fn chromium(&self) -> Result<()> {
        if Path::new("/usr/bin/chromium").exists() && Path::new("/usr/bin/chromedriver").exists() {
            return Ok(());
        }
        step("installing Debian's chromium and chromium-driver");
        let sudo = !is_root();
        let apt = |args: &[&str]| {
            let mut cmd = if sudo { self.command("sudo") } else { self.command("apt-get") };
            if sudo {
                cmd.arg("apt-get");
            }
            cmd.args(args).env("DEBIAN_FRONTEND", "noninteractive");
            run(&mut cmd)
        };
        apt(&["update"])?;
        apt(&["install", "-y", "chromium", "chromium-driver"])?;
        Ok(())
    }
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// The version of `package` that Cargo.lock resolved, so the CLI matches the crate.
fn locked_version(root: &Path, package: &str) -> Result<String> {
    let lock = fs::read_to_string(root.join("Cargo.lock")).context("reading Cargo.lock")?;
    let needle = format!("name = \"{package}\"\nversion = \"");
    let start = lock.find(&needle).with_context(|| format!("{package} is not in Cargo.lock"))?
        + needle.len();
    let end = lock[start..].find('"').context("malformed Cargo.lock")?;
    Ok(lock[start..start + end].to_owned())
}

/// Builds the dashboard into dist/ and returns its shipped size (gzip bytes).
fn build_web(tools: &Tools) -> Result<usize> {
    step("building the dashboard (trunk, release, offline)");
    run(tools.command("trunk").args(["build", "--release", "--offline"]))?;
    report_shipped_size(&tools.root.join("dist"))
}

/// Prints what a browser downloads for the app (the `.wasm` and the JS loader,
/// each `gzip -9`), against the 500 KB budget of the dashboard, and returns it.
fn report_shipped_size(dist: &Path) -> Result<usize> {
    let mut total = 0;
    let mut parts = Vec::new();
    for entry in fs::read_dir(dist).context("reading dist/")? {
        let path = entry?.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_owned();
        // The service worker is a separate download, not part of the app.
        let shipped = name.starts_with("director-web")
            && path.extension().is_some_and(|ext| ext == "wasm" || ext == "js");
        if !shipped {
            continue;
        }
        let out = Command::new("gzip")
            .args(["-9", "-c"])
            .arg(&path)
            .output()
            .with_context(|| format!("running gzip on {}", path.display()))?;
        if !out.status.success() {
            bail!("gzip failed on {}", path.display());
        }
        total += out.stdout.len();
        parts.push(format!("{name} {} B", out.stdout.len()));
    }
    if parts.is_empty() {
        bail!("no director-web .wasm or .js in {}", dist.display());
    }
    parts.sort();
    eprintln!(
        "xtask: shipped, gzip -9: {} = {total} B (budget {SHIPPED_BUDGET} B)",
        parts.join(" + ")
    );
    Ok(total)
}

fn check_shipped_budget(total: usize) -> Result<()> {
    if total > SHIPPED_BUDGET {
        bail!(
            "the dashboard ships {total} B gzip, {} B over its budget of {SHIPPED_BUDGET} B",
            total - SHIPPED_BUDGET
        );
    }
    Ok(())
}

fn demo(tools: &Tools, serve_args: &[String]) -> Result<()> {
    step("starting the demo (claudedirector serve --demo)");
    let mut cmd = tools.command("cargo");
    cmd.args([
        "run",
        "--release",
        "--quiet",
        "-p",
        "director-proxy",
        "--bin",
        "claudedirector",
        "--",
    ]);
    cmd.args(serve_args);
    run(&mut cmd)
}

fn test(tools: &Tools) -> Result<()> {
    let shipped = build_web(tools)?;
    step("building claudedirector for the end-to-end tests");
    run(tools.command("cargo").args(["build", "-p", "director-proxy", "--bin", "claudedirector"]))?;
    step("native tests: core, sim, proxy, integration against the simulated JIRA, browser e2e");
    run(tools.command("cargo").args(["test", "--workspace", "--no-fail-fast"]))?;
    step("core and dashboard tests compiled to WASM, in headless Chromium");
    run(tools
        .command("cargo")
        .args([
            "test",
            "--no-fail-fast",
            "--target",
            "wasm32-unknown-unknown",
            "-p",
            "director-core",
            "-p",
            "director-web",
        ])
        .env("CHROMEDRIVER", "/usr/bin/chromedriver"))?;
    // Checked last so that a size overrun does not hide the tests' results.
    step("shipped size within budget");
    check_shipped_budget(shipped)
}

fn lint(tools: &Tools) -> Result<()> {
    step("rustfmt --check");
    run(tools.command("cargo").args(["fmt", "--all", "--check"]))?;
    step("clippy -D warnings");
    run(tools.command("cargo").args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ]))
}

fn step(what: &str) {
    eprintln!("\n==> {what}");
}

fn run(cmd: &mut Command) -> Result<()> {
    let status = cmd.status().with_context(|| format!("starting {cmd:?}"))?;
    if !status.success() {
        bail!("{:?} failed with {status}", cmd.get_program());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_budget_is_500_000_bytes() {
        assert!(check_shipped_budget(SHIPPED_BUDGET).is_ok());
        let err = check_shipped_budget(SHIPPED_BUDGET + 1).unwrap_err().to_string();
        assert!(err.contains("500001 B") && err.contains("1 B over"), "{err}");
    }
}
