//! `Exportable`: wraps a chart with a button that downloads it as an SVG
//! file, for slides.

use leptos::html;
use leptos::prelude::*;
use wasm_bindgen::{JsCast, JsValue};

/// A chart with a "Download SVG" button.
#[component]
pub fn Exportable(
    /// File name without extension.
    #[prop(into)]
    name: String,
    /// The chart.
    children: Children,
) -> impl IntoView {
    let frame = NodeRef::<html::Div>::new();
    let download = move |_| {
        let Some(frame) = frame.get() else { return };
        let Ok(Some(svg)) = frame.query_selector("svg") else { return };
        let mut markup = svg.outer_html();
        if !markup.contains("xmlns=") {
            markup = markup.replacen("<svg", "<svg xmlns=\"http://www.w3.org/2000/svg\"", 1);
        }
        let _ = save(&markup, &format!("{name}.svg"));
    };
    view! {
        <div class="exportable" node_ref=frame>
            {children()}
            <button type="button" class="secondary small" on:click=download>"Download SVG"</button>
        </div>
    }
}

fn save(markup: &str, file_name: &str) -> Result<(), JsValue> {
    let parts = js_sys::Array::of1(&JsValue::from_str(markup));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("image/svg+xml");
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob)?;
    let document = web_sys::window().and_then(|window| window.document()).ok_or("no document")?;
    let anchor: web_sys::HtmlAnchorElement = document.create_element("a")?.dyn_into()?;
    anchor.set_href(&url);
    anchor.set_download(file_name);
    anchor.click();
    web_sys::Url::revoke_object_url(&url)
}
