//! The Yew app.

/// Mounts the app.
pub fn start() {}
