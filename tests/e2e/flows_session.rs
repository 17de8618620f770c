//! Sign-in and sign-out end to end. The shared demo server runs on loopback,
//! where nobody signs in, so this flow starts its own `serve --demo` on every
//! interface with a shared access token: that one asks for sign-in.

use std::fs::File;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, ensure, Context};
use fantoccini::Locator;

use crate::harness;
use crate::page::{self, testid};
use crate::Ctx;

const LOAD: Duration = Duration::from_secs(60);

/// `serve --demo` with sign-in, killed when dropped.
struct SignInServer {
    child: Child,
    base_url: String,
    token: String,
}

impl SignInServer {
    async fn start(ctx: &Ctx) -> anyhow::Result<SignInServer> {
        let binary = harness::build_server()?;
        let dist = harness::dist_dir()?;
        let port = harness::free_port()?;
        let data = ctx.artifacts.join("session-data");
        let _ = std::fs::remove_dir_all(&data);
        std::fs::create_dir_all(&data)?;
        let token = format!("{:032x}", run_token());
        let log_path = ctx.artifacts.join("server-session.log");
        let log = File::create(&log_path)?;
        // Not a loopback address, so the server requires sign-in; the browser
        // still reaches it on 127.0.0.1.
        let child = Command::new(binary)
            .args(["serve", "--demo", "--addr", &format!("0.0.0.0:{port}"), "--dist"])
            .arg(dist)
            .arg("--data")
            .arg(&data)
            .env("CLAUDEDIRECTOR_TOKEN", &token)
            .env("RUST_LOG", "director_proxy=info")
            .stdin(Stdio::null())
            .stdout(Stdio::from(log.try_clone()?))
            .stderr(Stdio::from(log))
            .spawn()
            .context("starting claudedirector serve --demo with sign-in")?;
        let mut server =
            SignInServer { child, base_url: format!("http://127.0.0.1:{port}"), token };
        // The sign-in page is outside the gate and served once the first
        // sync is done.
        let deadline = Instant::now() + Duration::from_secs(90);
        loop {
            if let Some(status) = server.child.try_wait()? {
                bail!("the sign-in server exited with {status}; log: {}", log_path.display());
            }
            let up = reqwest::get(format!("{}/login", server.base_url))
                .await
                .is_ok_and(|response| response.status().is_success());
            if up {
                return Ok(server);
            }
            if Instant::now() > deadline {
                server.stop();
                bail!("the sign-in server did not answer; log: {}", log_path.display());
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    /// Status of `GET /api/v1/session` sent with `cookie` (if any), as
    /// another client holding that cookie would send it.
    async fn session_status(&self, cookie: Option<&str>) -> anyhow::Result<u16> {
        let mut request = reqwest::Client::new().get(self.url("/api/v1/session"));
        if let Some(cookie) = cookie {
            request = request.header("Cookie", cookie);
        }
        Ok(request.send().await?.status().as_u16())
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for SignInServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A random token from the clock and the process id: only needs to differ
/// between runs, not resist guessing.
fn run_token() -> u128 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_nanos());
    nanos ^ (u128::from(std::process::id()) << 64) ^ 0x5eed_5eed_5eed_5eed
}

async fn sign_in_state(ctx: &Ctx) -> anyhow::Result<String> {
    page::wait_for("the sign-in state", LOAD, || async {
        let text = page::texts(ctx, &testid("sign-in-state")).await?.join(" ");
        Ok((!text.is_empty() && !text.contains("Checking")).then_some(text))
    })
    .await
}

/// Only the sign-in page has a password field.
const LOGIN_FORM: &str = "name=\"password\"";

/// The page the service worker keeps as "/" for opening offline, or "none".
async fn cached_shell(ctx: &Ctx) -> anyhow::Result<String> {
    let text = ctx
        .client
        .execute_async(
            "const done = arguments[arguments.length - 1]; \
             caches.keys() \
               .then(keys => Promise.all(keys.map(k => caches.open(k).then(c => c.match('/'))))) \
               .then(found => { const r = found.find(x => x); return r ? r.text() : 'none'; }) \
               .then(done, e => done('error: ' + e));",
            Vec::new(),
        )
        .await?;
    let text = text.as_str().unwrap_or_default().to_owned();
    ensure!(!text.starts_with("error: "), "reading the service worker's cache: {text}");
    Ok(text)
}

async fn current_path(ctx: &Ctx) -> anyhow::Result<String> {
    Ok(ctx.client.current_url().await?.path().to_owned())
}

pub(crate) async fn sign_out_ends_the_session_for_the_api(ctx: &Ctx) -> anyhow::Result<()> {
    let server = SignInServer::start(ctx).await?;
    let result = sign_in_and_out(ctx, &server).await;
    // The session cookie belongs to 127.0.0.1 on any port: leave none behind
    // for the other flows.
    let _ = ctx.client.delete_all_cookies().await;
    result
}

async fn sign_in_and_out(ctx: &Ctx, server: &SignInServer) -> anyhow::Result<()> {
    page::resize(ctx, 1280, 800).await?;
    let refused = server.session_status(None).await?;
    ensure!(refused == 401, "the API answered {refused} without a session");

    // Asking for a page without a session lands on the sign-in form.
    ctx.client.goto(&server.url("/settings")).await?;
    page::wait_for("the sign-in page", LOAD, || async {
        Ok((current_path(ctx).await? == "/login").then_some(()))
    })
    .await?;
    let password = ctx.client.find(Locator::Css("input[name=\"password\"]")).await?;
    password.send_keys(&server.token).await?;
    ctx.client.find(Locator::Css("form button[type=\"submit\"]")).await?.click().await?;
    page::wait_for("the dashboard after signing in", LOAD, || async {
        Ok((current_path(ctx).await? == "/").then_some(()))
    })
    .await?;
    let cookie = ctx
        .client
        .get_named_cookie("cd_session")
        .await
        .context("no session cookie after signing in")?;
    let cookie = format!("cd_session={}", cookie.value());
    ensure!(server.session_status(Some(&cookie)).await? == 200, "the API refuses the new session");

    ctx.client.goto(&server.url("/settings")).await?;
    let state = sign_in_state(ctx).await?;
    ensure!(
        state.contains("Signed in with the shared access token"),
        "settings read {state:?} when signed in"
    );
    page::screenshot(ctx, "settings-signed-in-1280x800").await?;
    page::resize(ctx, 375, 667).await?;
    page::check_no_horizontal_scroll(ctx, "/settings signed in at 375×667").await?;
    page::screenshot(ctx, "settings-signed-in-375x667").await?;
    page::resize(ctx, 1280, 800).await?;

    // The installed app's offline shell is the dashboard before signing out...
    let shell = page::wait_for("the service worker to store the shell", LOAD, || async {
        let text = cached_shell(ctx).await?;
        Ok((text != "none").then_some(text))
    })
    .await?;
    ensure!(!shell.contains(LOGIN_FORM), "the offline shell is the sign-in page while signed in");

    page::wait_for_count(ctx, &testid("sign-out"), 1, LOAD).await?;
    ctx.client.find(Locator::Css(&testid("sign-out"))).await?.click().await?;
    let state = page::wait_for("the signed-out state", LOAD, || async {
        let text = page::texts(ctx, &testid("sign-in-state")).await?.join(" ");
        Ok(text.contains("Signed out").then_some(text))
    })
    .await?;
    ensure!(
        page::find_all(ctx, &testid("sign-out")).await?.is_empty(),
        "a sign-out button is still offered after signing out: {state:?}"
    );
    page::screenshot(ctx, "settings-signed-out-1280x800").await?;

    // The server ended the session: the old cookie no longer opens the API,
    // from another client or from the page.
    let status = server.session_status(Some(&cookie)).await?;
    ensure!(status == 401, "the API answered {status} to the ended session");
    let in_page = ctx
        .client
        .execute_async(
            "const done = arguments[arguments.length - 1]; \
             fetch('/api/v1/session').then(r => done(r.status), e => done(String(e)));",
            Vec::new(),
        )
        .await?;
    ensure!(in_page.as_u64() == Some(401), "the page's own request got {in_page}");

    // "Sign in again" leads to the sign-in form, as does any page now.
    ctx.client.find(Locator::Css(&testid("sign-in-again"))).await?.click().await?;
    page::wait_for("the sign-in page after signing out", LOAD, || async {
        Ok((current_path(ctx).await? == "/login").then_some(()))
    })
    .await?;
    ctx.client.goto(&server.url("/team/Alpha")).await?;
    page::wait_for("a page to send the signed-out browser to sign in", LOAD, || async {
        Ok((current_path(ctx).await? == "/login").then_some(()))
    })
    .await?;
    // ...and stays so after the signed-out visits were sent to sign in: a
    // sign-in page stored as the shell is what the app would open offline.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let shell = cached_shell(ctx).await?;
    ensure!(shell != "none", "the offline shell was dropped after signing out");
    ensure!(!shell.contains(LOGIN_FORM), "the offline shell became the sign-in page");
    println!("    signed in with the token, signed out; the ended session gets 401 from the API");
    Ok(())
}
