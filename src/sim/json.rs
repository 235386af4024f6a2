//! One JSON writer for the crate: compact or pretty by a flag at run time, so each type has
//! one serialiser in the wasm instead of one per formatter (issue 2). The text is exactly
//! serde_json's: `to_string` when compact, `to_string_pretty` when pretty.
//!
//! And [`Keyed`], which has the types that refuse unknown fields see every key of their object
//! whichever reader reads them.

use serde::de::{value::MapAccessDeserializer, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::ser::{CompactFormatter, Formatter, PrettyFormatter};
use std::fmt;
use std::io;
use std::marker::PhantomData;

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
    let written = value.serialize(&mut serde_json::Serializer::with_formatter(
        &mut out, layout,
    ));
    // Without the error's `Debug` (which `expect` would link into the wasm): the crate's types
    // always serialise, and serde_json writes valid UTF-8.
    assert!(written.is_ok(), "the crate's types serialise to JSON");
    match String::from_utf8(out) {
        Ok(text) => text,
        Err(_) => unreachable!("serde_json writes UTF-8"),
    }
}

/// Compact JSON, as `serde_json::to_string` writes it.
pub fn to_string<T: Serialize + ?Sized>(value: &T) -> String {
    write(value, false)
}

/// Pretty JSON (two-space indent), as `serde_json::to_string_pretty` writes it.
pub fn to_string_pretty<T: Serialize + ?Sized>(value: &T) -> String {
    write(value, true)
}

/// A `T` read from a JSON object through every key the object has.
///
/// serde reads a struct with `deserialize_struct`, which tells the reader the struct's fields.
/// serde_json then still shows it every key, so `#[serde(deny_unknown_fields)]` refuses a
/// misspelt one; the page's reader (`ui::json`, serde-wasm-bindgen over the browser's
/// `JSON.parse`) looks up only the fields it was told, so a misspelt field would be dropped
/// without a word. Read through `Keyed`, the object is asked for as a map (every key, with
/// either reader) and the struct's own derived code then reads that map: same checks, same
/// messages. The types with `deny_unknown_fields` are read this way wherever they appear
/// ([`keyed`], [`keyed_opt`], [`keyed_vec`], `try_from = "Keyed<..>"`).
pub struct Keyed<T>(pub T);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Keyed<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Object<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for Object<T> {
            type Value = T;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
                T::deserialize(MapAccessDeserializer::new(map))
            }
        }
        d.deserialize_map(Object(PhantomData)).map(Keyed)
    }
}

/// A field read through [`Keyed`]: `#[serde(deserialize_with = "keyed")]`.
pub fn keyed<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<T, D::Error> {
    Keyed::deserialize(d).map(|k| k.0)
}

/// An optional field read through [`Keyed`].
pub fn keyed_opt<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<T>, D::Error> {
    Option::<Keyed<T>>::deserialize(d).map(|k| k.map(|k| k.0))
}

/// A list whose items are read through [`Keyed`].
pub fn keyed_vec<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Vec<T>, D::Error> {
    Vec::<Keyed<T>>::deserialize(d).map(|v| v.into_iter().map(|k| k.0).collect())
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
