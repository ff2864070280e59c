//! The API against its own OpenAPI document, by a third party:
//! schemathesis (pinned in `.ci/test`, installed under
//! `target/schemathesis`) runs every check against a live server, on SQLite
//! and on PostgreSQL, and must find nothing. Its configuration and hooks
//! (real PNGs for the screenshot) are in `tests/schemathesis/`.

use crate::support::*;
use paydesk::db::users;
use std::path::Path;

fn schemathesis() -> std::path::PathBuf {
    let path = std::env::var("PAYDESK_SCHEMATHESIS")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| Path::new(env!("CARGO_MANIFEST_DIR")).join("target/schemathesis/bin/st"));
    assert!(path.exists(), "schemathesis at {}: run .ci/test (it installs it)", path.display());
    path
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schemathesis_finds_nothing_against_the_openapi_document() {
    let st = schemathesis();
    // The staff API is limited per token; the fuzzer sends far more than a
    // person would (the limit has its own test).
    let app = spawn_with(|c| c.api_per_minute = 0).await;
    let id = app.add_staff("fuzz@paydesk.test", "Fuzz", "admin", &["general"]);
    let token = users::create_token(&mut app.conn(), &id, "schemathesis", chrono::Utc::now().naive_utc()).unwrap();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/schemathesis");
    let reports = tempfile::tempdir().unwrap();
    let output = tokio::process::Command::new(st)
        .current_dir(reports.path())
        .env("SCHEMATHESIS_HOOKS", "hooks")
        .env("PYTHONPATH", &dir)
        .arg("--config-file")
        .arg(dir.join("schemathesis.toml"))
        .args(["run", &app.url("/api/v1/openapi.json"), "--url", &app.base])
        .args(["--checks", "all", "--max-examples", "60", "--seed", "20261202", "--workers", "2"])
        .args(["--no-color", "--generation-database", "none", "--max-failures", "20"])
        .args(["--header", &format!("Authorization: Bearer {token}")])
        .output()
        .await
        .expect("schemathesis runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "schemathesis found problems:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    // It reached the operations that need a ticket (through the links from
    // filing), not only their 404s.
    assert!(stdout.contains("Stateful"), "{stdout}");
}
