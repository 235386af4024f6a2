//! One JSON writer for the crate: compact or pretty by a flag at run time, so each type has
//! one serialiser in the wasm instead of one per formatter (issue 2). The text is exactly
//! serde_json's: `to_string` when compact, `to_string_pretty` when pretty.

use serde::Serialize;
use serde_json::ser::{CompactFormatter, Formatter, PrettyFormatter};
use std::io;

/// serde_json's pretty formatter when set, its compact one otherwise.
struct Layout(Option<PrettyFormatter<'static>>);

/// Forwards formatter methods to the pretty or the compact formatter.
macro_rules! forward {
    ($($name:ident $(($arg:ident: $ty:ty))?),* $(,)?) => {
        $(
            fn $name<W: ?Sized + io::Write>(&mut self, w: &mut W $(, $arg: $ty)?) -> io::Result<()> {
                match &mut self.0 {
                    Some(p) => p.$name(w $(, $arg)?),
                    None => CompactFormatter.$name(w $(, $arg)?),
                }
            }
        )*
    };
}

impl Formatter for Layout {
    forward!(
        begin_array,
        end_array,
        begin_array_value(first: bool),
        end_array_value,
        begin_object,
        end_object,
        begin_object_key(first: bool),
        begin_object_value,
        end_object_value,
    );
}

fn write<T: Serialize + ?Sized>(value: &T, pretty: bool) -> String {
    let mut out = Vec::with_capacity(128);
    let layout = Layout(pretty.then(PrettyFormatter::new));
    value
        .serialize(&mut serde_json::Serializer::with_formatter(
            &mut out, layout,
        ))
        .expect("the crate's types serialise to JSON");
    // serde_json writes valid UTF-8.
    String::from_utf8(out).expect("JSON is UTF-8")
}

/// Compact JSON, as `serde_json::to_string` writes it.
pub fn to_string<T: Serialize + ?Sized>(value: &T) -> String {
    write(value, false)
}

/// Pretty JSON (two-space indent), as `serde_json::to_string_pretty` writes it.
pub fn to_string_pretty<T: Serialize + ?Sized>(value: &T) -> String {
    write(value, true)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    #[test]
    fn the_text_is_serde_jsons() {
        let v = json!({"a": [1, 2.5, {"b": null, "c": []}], "d": {}, "e": "x\"é\n", "f": [[]]});
        assert_eq!(super::to_string(&v), serde_json::to_string(&v).unwrap());
        assert_eq!(
            super::to_string_pretty(&v),
            serde_json::to_string_pretty(&v).unwrap()
        );
    }
}
