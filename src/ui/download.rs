//! Saving text as a file from the page (a Blob behind a temporary object URL).

use wasm_bindgen::JsCast;

/// Offers `text` for download as `filename`; returns an error in words if the browser refuses.
pub fn download(filename: &str, mime: &str, text: &str) -> Result<(), String> {
    let parts = js_sys::Array::of1(&text.into());
    let opts = web_sys::BlobPropertyBag::new();
    opts.set_type(mime);
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &opts)
        .map_err(|_| "the browser could not make the file".to_string())?;
    let url = web_sys::Url::create_object_url_with_blob(&blob)
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
    let _ = web_sys::Url::revoke_object_url(&url);
    Ok(())
}
