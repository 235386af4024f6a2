//! Share links: a scenario packed into the URL's query as `?s=<data>`, where data is the
//! scenario's compact JSON, raw-deflated (by the browser's `CompressionStream` in the page, by
//! miniz_oxide natively) and written in URL-safe base64 without padding. The page inflates
//! links with the browser's `DecompressionStream` ([`unpack`], then [`inflated_text`]);
//! [`decode`] does the same natively with miniz_oxide. Never a path: GitHub Pages has no
//! fallback to index.html.

use super::scenario::{Scenario, ScenarioError, MAX_SCENARIO_BYTES};
use base64ct::{Base64UrlUnpadded, Encoding};

/// Longest `s` parameter accepted (characters).
pub const MAX_LINK_CHARS: usize = 64 * 1024;

/// Packs a scenario for the `s` query parameter.
///
/// The page does not call this: it deflates [`Scenario::to_link_json`] with the browser's own
/// `CompressionStream` and writes the result with [`pack`] (`ui::api::share_url`), which keeps
/// miniz_oxide's compressor out of the wasm (4.4 KB gzipped, with the async code it needs). Both
/// produce raw deflate data, which [`decode`] reads.
pub fn encode(sc: &Scenario) -> String {
    // Settings left at their defaults are omitted (they decode to the same defaults), which
    // keeps a typical demo's link short enough for a QR code.
    let json = sc.to_link_json();
    pack(&miniz_oxide::deflate::compress_to_vec(json.as_bytes(), 9))
}

/// Writes raw deflate data as the `s` parameter's URL-safe base64, without padding.
pub fn pack(deflated: &[u8]) -> String {
    Base64UrlUnpadded::encode_string(deflated)
}

/// What a link says when its data does not inflate to at most [`MAX_SCENARIO_BYTES`].
pub const DAMAGED: &str =
    "the link is damaged: its data does not unpack (was it cut short when copied?)";

/// Unpacks the `s` query parameter into a validated scenario: [`unpack`], raw inflate by
/// miniz_oxide, then [`read_inflated`]. The page does the same with the browser's
/// `DecompressionStream` in place of miniz_oxide (`ui::api::inflate_raw`), which keeps the
/// inflater out of the wasm (5.9 KB gzipped).
pub fn decode(data: &str) -> Result<Scenario, ScenarioError> {
    let packed = unpack(data)?;
    let json = miniz_oxide::inflate::decompress_to_vec_with_limit(&packed, MAX_SCENARIO_BYTES)
        .map_err(|_| ScenarioError(DAMAGED.into()))?;
    read_inflated(json)
}

/// Checks the `s` query parameter and reads its base64: the raw deflate data of the link.
pub fn unpack(data: &str) -> Result<Vec<u8>, ScenarioError> {
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
    Base64UrlUnpadded::decode_vec(data.trim_end_matches('=')).map_err(|_| {
        ScenarioError("the link is damaged: its data is not valid URL-safe base64 (was it cut short when copied?)".into())
    })
}

/// The validated scenario in a link's inflated data (the scenario's JSON, as UTF-8).
pub fn read_inflated(json: Vec<u8>) -> Result<Scenario, ScenarioError> {
    Scenario::from_json(&inflated_text(json)?)
}

/// A link's inflated data as text: the scenario's JSON, not yet parsed (the page parses it with
/// the browser's `JSON.parse`, `ui::json`; [`read_inflated`] with serde_json).
pub fn inflated_text(json: Vec<u8>) -> Result<String, ScenarioError> {
    if json.len() > MAX_SCENARIO_BYTES {
        return Err(ScenarioError(DAMAGED.into()));
    }
    String::from_utf8(json)
        .map_err(|_| ScenarioError("the link is damaged: its data is not text".into()))
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
    fn the_pages_steps_read_what_decode_reads() {
        // The page runs `unpack`, the browser's inflater, then `read_inflated`.
        let sc = Scenario {
            seed: "77".into(),
            nodes: 4,
            ..Scenario::default()
        };
        let packed = unpack(&encode(&sc)).unwrap();
        let json = miniz_oxide::inflate::decompress_to_vec(&packed).unwrap();
        assert_eq!(read_inflated(json).unwrap(), sc);
        let e = read_inflated(vec![b' '; MAX_SCENARIO_BYTES + 1]).unwrap_err();
        assert_eq!(
            e.0, DAMAGED,
            "more than a scenario may hold is refused unread"
        );
        let e = read_inflated(vec![0xff, 0xfe]).unwrap_err();
        assert!(e.0.contains("not text"), "{}", e.0);
        assert!(unpack("").unwrap_err().0.contains("no scenario"));
        assert!(unpack("a$b").unwrap_err().0.contains("base64"));
    }

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
    fn a_typical_demo_of_twenty_interventions_fits_a_qr_code() {
        use crate::sim::{Intervention, LinkState, NodeId, Recorded};
        let n = NodeId;
        let kinds = [
            Intervention::Crash { node: n(3) },
            Intervention::ClientRequest { node: n(1) },
            Intervention::Partition {
                groups: vec![vec![n(1), n(2)]],
            },
            Intervention::Restart { node: n(3) },
            Intervention::SetLink {
                from: n(4),
                to: n(5),
                link: LinkState::Cut,
                both: false,
            },
            Intervention::Heal { links: true },
            Intervention::TimeoutNow { node: n(2) },
        ];
        let interventions = (0..20u64)
            .map(|i| Recorded {
                at: 250_000 + i * 137_000 + (i * i * 911) % 5_000,
                action: kinds[i as usize % kinds.len()].clone(),
            })
            .collect();
        let sc = Scenario {
            protocol: crate::world::ProtocolKind::Raft,
            seed: "8417".into(),
            interventions,
            view_at: Some(3_100_000),
            ..Scenario::default()
        };
        let link = encode(&sc);
        println!("share data for 20 interventions: {} characters", link.len());
        // A QR code of version 20 at error level L holds 858 bytes (ISO/IEC 18004).
        assert!(link.len() < 800, "{} characters", link.len());
        assert_eq!(decode(&link).unwrap(), sc);
    }

    #[test]
    fn the_parameter_is_found_among_others() {
        assert_eq!(param("?a=1&s=xyz&b=2"), Some("xyz"));
        assert_eq!(param("?a=1"), None);
    }
}
