//! The `paydesk` binary as an operator runs it.

use std::process::Stdio;
use std::time::Duration;

use tokio::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_paydesk");

#[tokio::test]
async fn serve_creates_and_migrates_a_fresh_sqlite_database() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("nested/dir/paydesk.db");
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let mut child = Command::new(BIN)
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .env("DATABASE_URL", format!("sqlite://{}", db.display()))
        .env("PAYDESK_WORKERS", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let url = format!("http://127.0.0.1:{port}/healthz");
    let mut healthy = false;
    for _ in 0..100 {
        if let Ok(res) = reqwest::get(&url).await {
            healthy = res.status().as_u16() == 200;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    child.kill().await.unwrap();
    assert!(healthy, "paydesk serve answered /healthz");
    assert!(db.exists(), "the database file was created");
}

#[tokio::test]
async fn an_unknown_database_scheme_is_refused_with_a_clear_message() {
    let out = Command::new(BIN)
        .args(["migrate"])
        .env("DATABASE_URL", "mysql://root@localhost/paydesk")
        .output()
        .await
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("DATABASE_URL must start with sqlite:// or postgres://"),
        "{stderr}"
    );
}

#[tokio::test]
async fn migrate_is_idempotent() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("m.db").display());
    for _ in 0..2 {
        let out = Command::new(BIN)
            .arg("migrate")
            .env("DATABASE_URL", &url)
            .output()
            .await
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
