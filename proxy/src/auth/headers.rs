//! Security headers on every response, and CORS only when configured.
//!
//! The Content-Security-Policy allows the dashboard and nothing else: its own
//! scripts (plus `'wasm-unsafe-eval'`, which instantiating WebAssembly needs,
//! and the hashes of the inline loader scripts in the built `index.html`),
//! its own styles, images, fetches and the event stream; no frames, no
//! plugins, no foreign origins.

use axum::extract::{Request, State};
use axum::http::{header, HeaderName, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use sha2::{Digest, Sha256};

/// The headers to add, computed once at start.
#[derive(Debug, Clone)]
pub struct SecurityHeaders {
    csp: HeaderValue,
    cors_origins: Vec<String>,
}

/// Hashes (`'sha256-...'`) of the inline `<script>` elements of `html`.
pub fn inline_script_hashes(html: &str) -> Vec<String> {
    let mut res = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<script") {
        let after = &rest[start..];
        let Some(open_end) = after.find('>') else { break };
        let tag = &after[..open_end];
        let body_start = open_end + 1;
        let Some(close) = after[body_start..].find("</script>") else { break };
        let body = &after[body_start..body_start + close];
        if !tag.contains(" src=") && !body.trim().is_empty() {
            let digest = Sha256::digest(body.as_bytes());
            res.push(format!(
                "'sha256-{}'",
                base64::engine::general_purpose::STANDARD.encode(digest)
            ));
        }
        rest = &after[body_start + close..];
    }
    res
}

/// The policy for a dashboard whose `index.html` is `index` (when built).
pub fn content_security_policy(index: Option<&str>) -> String {
    let hashes = index.map(inline_script_hashes).unwrap_or_default();
    let mut script = String::from("'self' 'wasm-unsafe-eval'");
    for hash in &hashes {
        script.push(' ');
        script.push_str(hash);
    }
    format!(
        "default-src 'none'; script-src {script}; style-src 'self'; img-src 'self' data:; \
         connect-src 'self'; font-src 'self'; manifest-src 'self'; worker-src 'self'; \
         base-uri 'none'; form-action 'self'; frame-ancestors 'none'; object-src 'none'"
    )
}

impl SecurityHeaders {
    /// Headers for the dashboard built into `index` and the allowed CORS origins.
    pub fn new(index: Option<&str>, cors_origins: Vec<String>) -> SecurityHeaders {
        let csp = HeaderValue::from_str(&content_security_policy(index))
            .unwrap_or_else(|_| HeaderValue::from_static("default-src 'none'"));
        SecurityHeaders { csp, cors_origins }
    }
}

/// Middleware adding the security headers (and CORS for configured origins).
pub async fn apply(
    State(headers): State<SecurityHeaders>,
    request: Request,
    next: Next,
) -> Response {
    let origin =
        request.headers().get(header::ORIGIN).and_then(|v| v.to_str().ok()).map(str::to_owned);
    // API answers and sign-in pages are never cached; the dashboard's files may be.
    let path = request.uri().path();
    let private = path.starts_with("/api/") || path.starts_with("/auth/") || path == "/login";
    let allowed =
        origin.as_ref().filter(|origin| headers.cors_origins.iter().any(|o| o == *origin)).cloned();
    if request.method() == Method::OPTIONS && allowed.is_some() {
        let mut response = StatusCode::NO_CONTENT.into_response();
        add_cors(&mut response, allowed.as_deref(), true);
        add(&mut response, &headers);
        return response;
    }
    let mut response = next.run(request).await;
    add_cors(&mut response, allowed.as_deref(), false);
    add(&mut response, &headers);
    if private && !response.headers().contains_key(header::CACHE_CONTROL) {
        response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

fn add_cors(response: &mut Response, origin: Option<&str>, preflight: bool) {
    let Some(origin) = origin.and_then(|o| HeaderValue::from_str(o).ok()) else { return };
    let map = response.headers_mut();
    map.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    map.insert(header::VARY, HeaderValue::from_static("Origin"));
    if preflight {
        map.insert(header::ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static("GET, POST"));
        map.insert(
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            HeaderValue::from_static("authorization, content-type"),
        );
        map.insert(header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("600"));
    }
}

fn add(response: &mut Response, headers: &SecurityHeaders) {
    let map = response.headers_mut();
    map.insert(header::CONTENT_SECURITY_POLICY, headers.csp.clone());
    map.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    map.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    map.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    map.insert(
        HeaderName::from_static("cross-origin-opener-policy"),
        HeaderValue::from_static("same-origin"),
    );
    map.insert(
        HeaderName::from_static("cross-origin-resource-policy"),
        HeaderValue::from_static("same-origin"),
    );
    map.insert(
        HeaderName::from_static("permissions-policy"),
        HeaderValue::from_static("camera=(), microphone=(), geolocation=()"),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_allows_wasm_and_the_inline_loaders_only() {
        let html = r#"<html><head><script>register()</script><script type="module" src="/app.js"></script>
            <script type="module">import init from '/app.js'; init();</script></head></html>"#;
        let hashes = inline_script_hashes(html);
        assert_eq!(hashes.len(), 2);
        let csp = content_security_policy(Some(html));
        assert!(csp.contains("'wasm-unsafe-eval'"), "{csp}");
        assert!(!csp.contains("unsafe-inline"), "{csp}");
        assert!(!csp.contains("'unsafe-eval'"), "{csp}");
        for hash in hashes {
            assert!(csp.contains(&hash), "{csp}");
        }
        assert!(csp.contains("frame-ancestors 'none'"));
    }
}
