//! The dashboard's static files from the configured `dist` folder, with
//! `index.html` for unknown paths. Without a build, `/` explains how to make one.

use std::convert::Infallible;
use std::path::Path;

use axum::http::{Request, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use tower::util::BoxCloneSyncService;
use tower::ServiceExt;
use tower_http::services::{ServeDir, ServeFile};

const NOT_BUILT: &str = r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>ClaudeDirector</title></head>
<body style="font-family: sans-serif; max-width: 40em; margin: 3em auto">
<h1>ClaudeDirector</h1>
<p>The proxy is running, but the dashboard has not been built.</p>
<p>Build it from the repository root with <code>cargo xtask build-web</code>
(or <code>trunk build --release</code>), then restart with <code>--dist dist</code>.</p>
<p>The API is available at <a href="/api/v1/sync/status">/api/v1/sync/status</a>.</p>
</body></html>"#;

pub(crate) type SpaService = BoxCloneSyncService<Request<axum::body::Body>, Response, Infallible>;

pub(crate) fn service(dist: &Path) -> SpaService {
    let index = dist.join("index.html");
    if index.is_file() {
        let serve = ServeDir::new(dist).fallback(ServeFile::new(index));
        BoxCloneSyncService::new(ServiceExt::<Request<axum::body::Body>>::map_response(
            serve,
            IntoResponse::into_response,
        ))
    } else {
        BoxCloneSyncService::new(tower::service_fn(|_request: Request<axum::body::Body>| async {
            Ok::<_, Infallible>((StatusCode::OK, Html(NOT_BUILT)).into_response())
        }))
    }
}
