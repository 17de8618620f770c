//! `Exportable`: wraps a chart with buttons that download it as an SVG or a
//! PNG file, for slides.
//!
//! The page's stylesheet does not travel with a downloaded chart, so the
//! markup is made standalone first: namespace, pixel size and the few text
//! styles the charts rely on. The PNG is that SVG drawn onto a canvas at
//! twice its size (crisp on a projector) over a white background.

/// Text styles of `svg.chart` in `style.css`, inlined so an exported chart
/// reads the same outside the page.
const INLINE_STYLE: &str = "<style>text{font:10px system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;fill:#555}.graph-label{font-size:11px;fill:#1a1a1a}.graph-label.strong{font-weight:600}</style>";

/// Width and height of a `viewBox="min-x min-y width height"` value.
pub fn viewbox_size(view_box: &str) -> Option<(f64, f64)> {
    let numbers: Vec<f64> = view_box
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|part| !part.is_empty())
        .map(str::parse)
        .collect::<Result<_, _>>()
        .ok()?;
    match numbers[..] {
        [_, _, width, height] if width > 0.0 && height > 0.0 => Some((width, height)),
        _ => None,
    }
}

/// `markup` of an inline `<svg>` made into a standalone SVG document of
/// `width` × `height` pixels with its text styles inlined.
pub fn standalone_svg(markup: &str, width: f64, height: f64) -> String {
    let Some(open_end) = markup.find('>') else { return markup.to_owned() };
    let (open, rest) = markup.split_at(open_end);
    let mut open = open.to_owned();
    if !open.contains("xmlns=") {
        open = open.replacen("<svg", "<svg xmlns=\"http://www.w3.org/2000/svg\"", 1);
    }
    if !open.contains(" width=") {
        open.push_str(&format!(" width=\"{width}\""));
    }
    if !open.contains(" height=") {
        open.push_str(&format!(" height=\"{height}\""));
    }
    // `rest` starts with the opening tag's `>`.
    format!("{open}>{INLINE_STYLE}{}", &rest[1..])
}

/// `text` safe inside SVG markup, as element text or a quoted attribute.
pub fn escape(text: &str) -> String {
    let mut res = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => res.push_str("&amp;"),
            '<' => res.push_str("&lt;"),
            '>' => res.push_str("&gt;"),
            '"' => res.push_str("&quot;"),
            '\'' => res.push_str("&#39;"),
            c => res.push(c),
        }
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_characters_are_escaped() {
        assert_eq!(
            escape("R&D <team> \"A\" 'b'"),
            "R&amp;D &lt;team&gt; &quot;A&quot; &#39;b&#39;"
        );
        assert_eq!(escape("Alpha"), "Alpha");
    }

    #[test]
    fn viewbox_sizes_are_read_with_spaces_or_commas() {
        assert_eq!(viewbox_size("0 0 560 220"), Some((560.0, 220.0)));
        assert_eq!(viewbox_size("0,0,320.5,80"), Some((320.5, 80.0)));
        assert_eq!(viewbox_size("0 0 0 10"), None);
        assert_eq!(viewbox_size("0 0 wide 10"), None);
        assert_eq!(viewbox_size(""), None);
    }

    #[test]
    fn standalone_svg_adds_namespace_size_and_styles_once() {
        let markup =
            "<svg class=\"chart\" viewBox=\"0 0 560 220\"><title>T</title><rect></rect></svg>";
        let svg = standalone_svg(markup, 560.0, 220.0);
        assert!(svg.starts_with(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" viewBox=\"0 0 560 220\" width=\"560\" height=\"220\"><style>"
        ));
        assert!(svg.ends_with("</style><title>T</title><rect></rect></svg>"));
        assert_eq!(svg.matches("xmlns=").count(), 1);
    }

    #[test]
    fn an_svg_with_its_own_size_keeps_it() {
        let markup = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"100\" height=\"20\" viewBox=\"0 0 100 20\"></svg>";
        let svg = standalone_svg(markup, 100.0, 20.0);
        assert_eq!(svg.matches("width=").count(), 1);
        assert_eq!(svg.matches("xmlns=").count(), 1);
    }
}

#[cfg(target_arch = "wasm32")]
pub use view::Exportable;

/// The component, in the browser only.
#[cfg(target_arch = "wasm32")]
pub mod view {
    use leptos::html;
    use leptos::prelude::*;
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::{JsCast, JsValue};

    use super::{standalone_svg, viewbox_size};

    /// Pixels per SVG unit in the PNG.
    const PNG_SCALE: f64 = 2.0;

    /// A chart with "Download SVG" and "Download PNG" buttons.
    #[component]
    pub fn Exportable(
        /// File name without extension.
        #[prop(into)]
        name: String,
        /// The chart.
        children: Children,
    ) -> impl IntoView {
        let frame = NodeRef::<html::Div>::new();
        let status = RwSignal::new(String::new());
        let chart = move || -> Option<(String, f64, f64)> {
            let svg = frame.get()?.query_selector("svg").ok()??;
            let (width, height) = svg
                .get_attribute("viewBox")
                .and_then(|view_box| viewbox_size(&view_box))
                .unwrap_or((560.0, 220.0));
            Some((standalone_svg(&svg.outer_html(), width, height), width, height))
        };
        let svg_name = format!("{name}.svg");
        let download_svg = move |_| {
            let Some((markup, _, _)) = chart() else { return };
            match save(&svg_blob(&markup), &svg_name) {
                Ok(()) => status.set(format!("Saved {svg_name}")),
                Err(_) => status.set("Could not save the SVG".to_owned()),
            }
        };
        let png_name = format!("{name}.png");
        let download_png = move |_| {
            let Some((markup, width, height)) = chart() else { return };
            if render_png(&markup, width, height, png_name.clone(), status).is_err() {
                status.set("Could not draw the PNG".to_owned());
            }
        };
        view! {
            <div class="exportable" node_ref=frame>
                {children()}
                <div class="export-actions">
                    <button type="button" class="secondary small" data-testid="export-svg" on:click=download_svg>
                        "Download SVG"
                    </button>
                    <button type="button" class="secondary small" data-testid="export-png" on:click=download_png>
                        "Download PNG"
                    </button>
                    <span class="detail" role="status" data-testid="export-status">{move || status.get()}</span>
                </div>
            </div>
        }
    }

    fn svg_blob(markup: &str) -> Result<web_sys::Blob, JsValue> {
        let parts = js_sys::Array::of1(&JsValue::from_str(markup));
        let options = web_sys::BlobPropertyBag::new();
        options.set_type("image/svg+xml");
        web_sys::Blob::new_with_str_sequence_and_options(&parts, &options)
    }

    /// Loads the SVG as an image, draws it on a canvas and saves the canvas
    /// as PNG; the image and canvas callbacks finish the work.
    fn render_png(
        markup: &str,
        width: f64,
        height: f64,
        file_name: String,
        status: RwSignal<String>,
    ) -> Result<(), JsValue> {
        let document =
            web_sys::window().and_then(|window| window.document()).ok_or("no document")?;
        let image = web_sys::HtmlImageElement::new()?;
        let canvas: web_sys::HtmlCanvasElement = document.create_element("canvas")?.dyn_into()?;
        let (pixels_wide, pixels_high) =
            ((width * PNG_SCALE).round() as u32, (height * PNG_SCALE).round() as u32);
        canvas.set_width(pixels_wide);
        canvas.set_height(pixels_high);
        let loaded = image.clone();
        let on_load = Closure::once(move || {
            let drawn = (|| -> Result<(), JsValue> {
                let context: web_sys::CanvasRenderingContext2d =
                    canvas.get_context("2d")?.ok_or("no 2d context")?.dyn_into()?;
                context.set_fill_style_str("#ffffff");
                context.fill_rect(0.0, 0.0, f64::from(pixels_wide), f64::from(pixels_high));
                context.draw_image_with_html_image_element_and_dw_and_dh(
                    &loaded,
                    0.0,
                    0.0,
                    f64::from(pixels_wide),
                    f64::from(pixels_high),
                )?;
                let on_blob = Closure::once(move |blob: Option<web_sys::Blob>| {
                    let Some(blob) = blob else {
                        status.set("Could not encode the PNG".to_owned());
                        return;
                    };
                    match save(&Ok(blob), &file_name) {
                        Ok(()) => status
                            .set(format!("Saved {file_name}, {pixels_wide} × {pixels_high} px")),
                        Err(_) => status.set("Could not save the PNG".to_owned()),
                    }
                });
                canvas.to_blob_with_type(on_blob.as_ref().unchecked_ref(), "image/png")?;
                on_blob.forget();
                Ok(())
            })();
            if drawn.is_err() {
                status.set("Could not draw the PNG".to_owned());
            }
        });
        let on_error = Closure::once(move || status.set("Could not draw the PNG".to_owned()));
        image.set_onload(Some(on_load.as_ref().unchecked_ref()));
        image.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        on_load.forget();
        on_error.forget();
        let url: String = js_sys::encode_uri_component(markup).into();
        image.set_src(&format!("data:image/svg+xml;charset=utf-8,{url}"));
        Ok(())
    }

    fn save(blob: &Result<web_sys::Blob, JsValue>, file_name: &str) -> Result<(), JsValue> {
        let blob = blob.as_ref().map_err(Clone::clone)?;
        let url = web_sys::Url::create_object_url_with_blob(blob)?;
        let document =
            web_sys::window().and_then(|window| window.document()).ok_or("no document")?;
        let anchor: web_sys::HtmlAnchorElement = document.create_element("a")?.dyn_into()?;
        anchor.set_href(&url);
        anchor.set_download(file_name);
        anchor.click();
        // Revoking at once can cancel the download in some browsers.
        let revoke = Closure::once(move || {
            let _ = web_sys::Url::revoke_object_url(&url);
        });
        web_sys::window()
            .ok_or("no window")?
            .set_timeout_with_callback_and_timeout_and_arguments_0(
                revoke.as_ref().unchecked_ref(),
                10_000,
            )?;
        revoke.forget();
        Ok(())
    }
}
