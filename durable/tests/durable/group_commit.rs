//! Group commit: with many writer threads, every command is acknowledged only once durable,
//! and one sync covers several commands (fewer syncs than records, counted by the log).

use imcore::*;

use crate::common::*;

#[test]
fn many_writers_share_syncs_and_every_acknowledged_command_is_recovered() {
    let t = tempfile::tempdir().unwrap();
    let (dir, _engine, app) = create(t.path(), options());
    const THREADS: u64 = 16;
    const EACH: u64 = 25;
    let barrier = std::sync::Barrier::new(THREADS as usize);
    std::thread::scope(|s| {
        for th in 0..THREADS {
            let app = app.clone();
            let barrier = &barrier;
            s.spawn(move || {
                barrier.wait();
                for i in 0..EACH {
                    app.execute(
                        &Actor::Admin,
                        T0,
                        RegisterUser(NewUser::new(&format!("t{th}x{i}"), "pw", "id")),
                    )
                    .unwrap();
                }
            });
        }
    });
    let stats = app.stats();
    assert_eq!(stats.records, THREADS * EACH);
    assert_eq!(stats.durable, THREADS * EACH);
    assert!(
        stats.syncs < stats.records,
        "one sync covers several commands: {} syncs for {} records",
        stats.syncs,
        stats.records
    );
    eprintln!(
        "group commit: {} records in {} syncs ({:.1} per sync)",
        stats.records,
        stats.syncs,
        stats.records as f64 / stats.syncs as f64
    );
    let live = snapshot(app.app());
    drop(app);
    dir.abandon();
    let (_dir, _engine, app) = reopen(t.path(), options());
    assert_eq!(snapshot(app.unwrap().app()), live);
}
