//! Each thread's stack: as much as std gives a spawned thread (2 MiB)
//! under every engine, the body's own thread too under shuttle, and, past
//! what loom gives the body's own thread, a failure in words.

mod support;

use harness::check::{Check, Engine};
use harness::thread;
use support::found;

const SHUTTLE_ENGINES: [Engine; 4] = [Engine::Random, Engine::pct(3), Engine::Urw, Engine::Dfs];
const LOOM: Engine = Engine::Loom { preemptions: 2 };

/// Goes `bytes` deep into the stack below the caller's frame, measured
/// from the addresses of each call's locals (whatever size a build gives a
/// frame), and returns how many calls that took.
fn deep(bytes: usize) -> usize {
    let top = std::ptr::from_ref(&bytes).addr();
    deeper(top, bytes)
}

fn deeper(top: usize, bytes: usize) -> usize {
    let padding = std::hint::black_box([0_u8; 256]);
    let here = std::ptr::from_ref(&padding).addr();
    if top.abs_diff(here) >= bytes {
        return 1;
    }
    1 + deeper(top, bytes) + usize::from(std::hint::black_box(padding)[0])
}

/// A MiB: four times what a shuttle thread had before, thirty-two times a
/// loom thread's, half of std's.
const A_MEBIBYTE: usize = 1 << 20;

#[test]
fn a_spawned_thread_has_a_mebibyte_of_stack_and_more_under_every_engine() {
    Check::new().schedules(3).assert(|| {
        let used = thread::spawn(|| deep(A_MEBIBYTE))
            .join()
            .expect("the deep thread ends without a panic");
        assert!(used > 1);
    });
}

#[test]
fn a_thread_built_without_a_stack_size_has_a_mebibyte_and_more_under_every_engine() {
    Check::new().schedules(3).assert(|| {
        let used = thread::Builder::new()
            .name("deep".to_owned())
            .spawn(|| deep(A_MEBIBYTE))
            .expect("the thread starts")
            .join()
            .expect("the deep thread ends without a panic");
        assert!(used > 1);
    });
}

#[test]
fn the_bodys_own_thread_has_a_mebibyte_of_stack_and_more_under_shuttle() {
    Check::new()
        .engines(SHUTTLE_ENGINES)
        .schedules(3)
        .assert(|| assert!(deep(A_MEBIBYTE) > 1));
}

#[test]
fn past_the_stack_loom_gives_the_bodys_own_thread_a_run_fails_saying_so() {
    let failure = found(&Check::new().engines([LOOM]).schedules(1), || {
        assert!(deep(64 << 10) > 1);
    });
    assert!(
        failure
            .message
            .starts_with("stack overflow: a thread of a loom run"),
        "{failure}"
    );
}
