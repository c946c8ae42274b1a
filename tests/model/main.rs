//! Model checks: proptest draws bytes, `arbitrary` turns them into real `Command` values (their
//! derived `Arbitrary`, crate feature `fuzzing`, which the dev-dependency on this crate turns
//! on: names, ids and free-form fields come from small pools), restricted to one area and
//! interleaved with time passing. Each command runs on the engine and on a simple
//! single-threaded model of that area written here (BTreeMaps and vectors) with one
//! `apply(&mut self, actor, now, &Command) -> Option<Outcome>` (`None`: not this model's area);
//! after every step the replies and events (or the errors' status and code) are equal, what
//! the model knows equals what the engine shows through queries, and
//! `imcore::invariants::check` passes. One module per area: `users`, `groups`, `rooms`; and
//! `delivery`, one-to-one and group messages under the delivery policy, the offline queues,
//! recall and reactions, whose steps come from a small table of real commands (see its docs).
//! The users and lifecycle runners share [`engine_agrees`] and [`step_holds`].
//!
//! `PROPTEST_CASES` sets the number of cases; `MODEL_STATS=1` prints one `STAT <area> <command>
//! <outcome>` line per step (`-- --nocapture`), to check the mix of outcomes, e.g.
//! `MODEL_STATS=1 cargo test --test model -- --nocapture 2>&1 | grep ^STAT | sort | uniq -c`.
//!
//! Proptest's default failure persistence (`SourceParallel("proptest-regressions")`) finds
//! this directory's `main.rs` and keeps a module's saved cases in
//! `tests/proptest-regressions/<module>.txt`.

#[path = "../fixture/mod.rs"]
mod fixture;

mod delivery;
mod groups;
mod lifecycle;
mod rooms;
mod users;

use arbitrary::{Arbitrary, Unstructured};
use imcore::{Actor, Command, Error, Event, Reply, UserName};

/// What a command gave: its reply and events, or its error's status and code.
pub type Outcome = std::result::Result<(Reply, Vec<Event>), (u16, &'static str)>;

/// An error's status and code.
pub fn code(e: impl Into<Error>) -> (u16, &'static str) {
    let e = e.into();
    (e.status(), e.code())
}

/// One generated step. (Steps live in a short test list: a boxed command would only add
/// noise, hence the lint allowance.)
#[derive(Clone, Debug)]
#[allow(clippy::large_enum_variant)]
pub enum Step {
    /// A command, with its caller and a retargeting hint: a model whose generated ids rarely
    /// name a live group or room may point the command at a live one (the `hint`-th, when the
    /// hint is below 192), so that most steps meet real state.
    Cmd(Actor, Command, u8),
    /// Time passes by this many ms.
    Advance(i64),
}

/// Runs step `i`'s command on the engine and checks its reply and events (or its error's
/// status and code) against `want`, the model's outcome; counts the outcome for `MODEL_STATS`.
pub fn engine_agrees(
    app: &imcore::App,
    (i, actor, cmd): (usize, &Actor, &Command),
    now: imcore::Timestamp,
    want: Outcome,
    area: &str,
) -> Result<(), proptest::test_runner::TestCaseError> {
    let got: Outcome = app
        .execute_any(actor, now, cmd.clone())
        .map(|o| (o.reply, o.events))
        .map_err(|e| (e.status(), e.code()));
    stat(area, cmd, &want.as_ref().map(drop).map_err(|e| *e));
    proptest::prop_assert_eq!(got, want, "step {}: {:?} {:?}", i, actor, cmd);
    Ok(())
}

/// After step `i`: the invariants hold and `observed` (the model against the engine's queries)
/// passed; a failure names the step.
pub fn step_holds(
    app: &imcore::App,
    i: usize,
    step: &Step,
    observed: Result<(), proptest::test_runner::TestCaseError>,
) -> Result<(), proptest::test_runner::TestCaseError> {
    use proptest::test_runner::TestCaseError;
    imcore::invariants::check(app)
        .map_err(|msg| TestCaseError::fail(format!("step {i}: {step:?}: invariant: {msg}")))?;
    observed.map_err(|e| TestCaseError::fail(format!("step {i}: {step:?}: {e}")))
}

/// A command generator: one command struct's derived `Arbitrary`, as a `Command`.
pub type Gen = fn(&mut Unstructured<'_>) -> arbitrary::Result<Command>;

/// The generator of command struct `C`.
pub fn g<C: for<'a> Arbitrary<'a> + Into<Command>>(
    u: &mut Unstructured<'_>,
) -> arbitrary::Result<Command> {
    C::arbitrary(u).map(Into::into)
}

/// The caller: mostly the admin, sometimes a pool user, rarely anonymous.
pub fn actor(
    u: &mut Unstructured<'_>,
    admin: u32,
    user: u32,
    anon: u32,
) -> arbitrary::Result<Actor> {
    let x = u.int_in_range(0..=admin + user + anon - 1)?;
    Ok(if x < admin {
        Actor::Admin
    } else if x < admin + user {
        Actor::User(UserName::arbitrary(u)?)
    } else {
        Actor::Anonymous
    })
}

/// Steps from `bytes`: a weighted pick among `table` (or, with weight `advance`, time passing
/// by one of `ticks`) until the bytes run out. Each step's caller comes from `who`.
pub fn steps(
    bytes: &[u8],
    table: &[(u32, Gen)],
    advance: u32,
    ticks: &[i64],
    who: fn(&mut Unstructured<'_>) -> arbitrary::Result<Actor>,
) -> Vec<Step> {
    let mut u = Unstructured::new(bytes);
    let total: u32 = advance + table.iter().map(|(w, _)| w).sum::<u32>();
    let mut out = Vec::new();
    while !u.is_empty() {
        let step = (|| -> arbitrary::Result<Step> {
            let mut x = u.int_in_range(0..=total - 1)?;
            if x < advance {
                return Ok(Step::Advance(*u.choose(ticks)?));
            }
            x -= advance;
            for (w, gen_cmd) in table {
                if x < *w {
                    let a = who(&mut u)?;
                    let c = gen_cmd(&mut u)?;
                    return Ok(Step::Cmd(a, c, u.arbitrary()?));
                }
                x -= w;
            }
            unreachable!("the weights add up")
        })();
        match step {
            Ok(s) => out.push(s),
            Err(_) => break,
        }
    }
    out
}

/// Whether `MODEL_STATS` is set.
pub fn stats_on() -> bool {
    static ON: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *ON.get_or_init(|| std::env::var_os("MODEL_STATS").is_some())
}

/// With `MODEL_STATS`, prints the step's command kind and outcome.
pub fn stat(area: &str, cmd: &Command, out: &std::result::Result<(), (u16, &'static str)>) {
    if !stats_on() {
        return;
    }
    let kind = format!("{cmd:?}");
    let kind = kind.split(['(', ' ', '{']).next().unwrap_or("");
    match out {
        Ok(_) => eprintln!("STAT {area} {kind} ok"),
        Err((s, c)) => eprintln!("STAT {area} {kind} err:{s}:{c}"),
    }
}

/// The number of proptest cases: `PROPTEST_CASES`, else `default`.
pub fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

/// A pool username.
pub fn nm(s: &str) -> UserName {
    UserName::parse(s).unwrap()
}
