//! Mounts the Nodescape app in the page.

fn main() {
    nodescape::ui::start();
}
