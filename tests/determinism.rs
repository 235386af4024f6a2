//! Same seed and same interventions give the same trace, whatever the frame rate.

mod common;

use common::*;
use nodescape::sim::{Session, MS, SEC};

/// The digest of the reference run, computed natively; the wasm lane asserts the same value.
pub const REFERENCE: &str = include_str!("common/reference_digest.txt");

#[test]
fn same_seed_and_interventions_give_the_same_digest() {
    assert_eq!(
        scripted_digest(7, SEC, 16_667),
        scripted_digest(7, SEC, 16_667)
    );
}

#[test]
fn different_seeds_give_different_runs() {
    assert_ne!(
        scripted_digest(1, SEC, 16_667),
        scripted_digest(2, SEC, 16_667)
    );
}

#[test]
fn frame_rate_and_speed_do_not_change_the_run() {
    let a = scripted_digest(9, 2 * SEC, 16_667);
    for frame in [1, 997, 33_333, 250 * MS, 2 * SEC] {
        assert_eq!(a, scripted_digest(9, 2 * SEC, frame), "frame {frame} us");
    }
}

#[test]
fn reference_digest_matches_the_recorded_value() {
    assert_eq!(reference_digest(), REFERENCE.trim());
}

#[test]
fn replaying_the_recorded_log_reproduces_the_run() {
    let mut live = Session::new(gossip(5));
    for (at, iv) in script() {
        live.advance_to(at);
        live.intervene(iv).unwrap();
    }
    live.advance_to(2 * SEC);
    let replay_log = live.log().to_vec();
    let mut replay = Session::with_log(gossip(5), replay_log);
    replay.advance_to(2 * SEC);
    assert!(replay.replay_errors().is_empty());
    assert_eq!(live.sim().trace().digest(), replay.sim().trace().digest());
}
