//! Saving text or a picture as a file from the page (a Blob behind a temporary object URL).

use wasm_bindgen::JsCast;

/// Offers `text` for download as `filename`; returns an error in words if the browser refuses.
pub fn download(filename: &str, mime: &str, text: &str) -> Result<(), String> {
    let parts = js_sys::Array::of1(&text.into());
    let opts = web_sys::BlobPropertyBag::new();
    opts.set_type(mime);
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &opts)
        .map_err(|_| "the browser could not make the file".to_string())?;
    download_blob(filename, &blob)
}

/// Offers `blob` for download as `filename`.
pub fn download_blob(filename: &str, blob: &web_sys::Blob) -> Result<(), String> {
    let url = web_sys::Url::create_object_url_with_blob(blob)
        .map_err(|_| "the browser could not make a link to the file".to_string())?;
    let doc = gloo::utils::document();
    let a = doc
        .create_element("a")
        .map_err(|_| "the browser could not make a link".to_string())?
        .dyn_into::<web_sys::HtmlAnchorElement>()
        .map_err(|_| "the browser could not make a link".to_string())?;
    a.set_href(&url);
    a.set_download(filename);
    a.click();
    // The download has started from the click; the URL can go once the click is handled.
    let later = url.clone();
    gloo::timers::callback::Timeout::new(10_000, move || {
        let _ = web_sys::Url::revoke_object_url(&later);
    })
    .forget();
    Ok(())
}
