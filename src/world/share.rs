//! Share links: a scenario packed into the URL's query as `?s=<data>`, where data is the
//! scenario's compact JSON, deflated (miniz_oxide) and written in URL-safe base64 without
//! padding. Never a path: GitHub Pages has no fallback to index.html.

use super::scenario::{Scenario, ScenarioError, MAX_SCENARIO_BYTES};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

/// Longest `s` parameter accepted (characters).
pub const MAX_LINK_CHARS: usize = 64 * 1024;

/// Packs a scenario for the `s` query parameter.
pub fn encode(sc: &Scenario) -> String {
    let json = serde_json::to_vec(sc).expect("scenarios serialise");
    let packed = miniz_oxide::deflate::compress_to_vec(&json, 9);
    URL_SAFE_NO_PAD.encode(packed)
}

/// Unpacks the `s` query parameter into a validated scenario.
pub fn decode(data: &str) -> Result<Scenario, ScenarioError> {
    let data = data.trim();
    if data.is_empty() {
        return Err(ScenarioError("the link holds no scenario".into()));
    }
    if data.len() > MAX_LINK_CHARS {
        return Err(ScenarioError(format!(
            "the link is too long ({} characters; at most {MAX_LINK_CHARS})",
            data.len()
        )));
    }
    let packed = URL_SAFE_NO_PAD.decode(data.trim_end_matches('=')).map_err(|_| {
        ScenarioError("the link is damaged: its data is not valid URL-safe base64 (was it cut short when copied?)".into())
    })?;
    let json = miniz_oxide::inflate::decompress_to_vec_with_limit(&packed, MAX_SCENARIO_BYTES)
        .map_err(|_| {
            ScenarioError(
                "the link is damaged: its data does not unpack (was it cut short when copied?)"
                    .into(),
            )
        })?;
    let text = String::from_utf8(json)
        .map_err(|_| ScenarioError("the link is damaged: its data is not text".into()))?;
    Scenario::from_json(&text)
}

/// Finds the `s` parameter in a query string like `?s=...&x=1`.
pub fn param(query: &str) -> Option<&str> {
    query
        .trim_start_matches('?')
        .split('&')
        .find_map(|kv| kv.strip_prefix("s="))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scenario_survives_the_round_trip() {
        let sc = Scenario {
            seed: "12345".into(),
            ..Scenario::default()
        };
        assert_eq!(decode(&encode(&sc)).unwrap(), sc);
    }

    #[test]
    fn a_truncated_link_is_refused_in_words() {
        let link = encode(&Scenario::default());
        let e = decode(&link[..link.len() / 2]).unwrap_err();
        assert!(e.0.contains("damaged"), "{e}");
    }

    #[test]
    fn the_parameter_is_found_among_others() {
        assert_eq!(param("?a=1&s=xyz&b=2"), Some("xyz"));
        assert_eq!(param("?a=1"), None);
    }
}
