//! The dashboard's entry point: installs the panic hook and mounts `App`.
//! Built by trunk (`trunk build --release --offline` from the repository root).

#[cfg(target_arch = "wasm32")]
fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(director_web::app::App);
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    // The dashboard only runs in a browser; natively this crate exists for
    // its pure modules' tests.
}
