//! Operations: metrics, readiness, request ids, CSV exports.

use crate::support::*;

#[tokio::test]
async fn metrics_count_tickets_queues_outbox_and_requests_without_secrets() {
    let app = spawn().await;
    let (_, tracking) = app.file_api(&complete_fields()).await;
    app.file_api(&with(&complete_fields(), "error_code", "101")).await;
    assert_eq!(app.get(&tracking).await.status().as_u16(), 200);
    // Not on the public listener (security review, finding 7)…
    assert_eq!(app.get("/metrics").await.status().as_u16(), 404);
    // …only on its own.
    let res = reqwest::get(format!("{}/metrics", app.metrics.as_ref().unwrap())).await.unwrap();
    assert_eq!(res.status().as_u16(), 200);
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/plain; version=0.0.4"));
    let text = res.text().await.unwrap();
    assert!(text.contains("paydesk_tickets_filed_total{kind=\"other\"} 1"), "{text}");
    assert!(text.contains("paydesk_tickets_filed_total{kind=\"insufficient_funds\"} 1"));
    assert!(text.contains("paydesk_queue_depth{queue=\"general\",status=\"new\"} 1"));
    assert!(text.contains("paydesk_queue_depth{queue=\"payments\",status=\"pending_customer\"} 1"));
    assert!(text.contains("paydesk_outbox_messages{state=\"dead\"} 0"));
    assert!(text.contains(
        "paydesk_http_request_duration_seconds_bucket{method=\"POST\",route=\"/api/v1/tickets\",status=\"201\""
    ));
    assert!(text.contains("route=\"/t/{token}\""));
    let token = tracking.trim_start_matches("/t/");
    assert!(!text.contains(token), "no tracking secret in a label");
    assert_eq!(app.get("/readyz").await.status().as_u16(), 200);
}

#[tokio::test]
async fn every_request_has_an_id() {
    let app = spawn().await;
    let res = app.get("/").await;
    let id = res.headers()["x-request-id"].to_str().unwrap().to_string();
    assert_eq!(id.len(), 32);
    let res = app.client.get(app.url("/")).header("x-request-id", "trace-abc_123").send().await.unwrap();
    assert_eq!(res.headers()["x-request-id"], "trace-abc_123", "a caller's id is kept");
    let res = app.client.get(app.url("/")).header("x-request-id", "<script>").send().await.unwrap();
    assert_ne!(res.headers()["x-request-id"], "<script>");
}

#[tokio::test]
async fn queue_views_export_as_csv_for_spreadsheets() {
    let app = spawn().await;
    let agent = app.staff("agent").await;
    let (a, _) = app.file_api(&with(&complete_fields(), "city", "=SUM(A1)")).await;
    let (b, _) = app.file_api(&with(&complete_fields(), "city", "上海, 浦东")).await;
    let res = agent
        .client
        .get(agent.url("/agent/export.csv?view=open"))
        .header("Accept-Language", "zh-CN")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(res.headers()["content-type"], "text/csv; charset=utf-8");
    assert!(res.headers()["content-disposition"].to_str().unwrap().contains("paydesk-open.csv"));
    let bytes = res.bytes().await.unwrap();
    assert!(bytes.starts_with(&[0xEF, 0xBB, 0xBF]));
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    let lines: Vec<&str> = text.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert!(lines[0].starts_with("编号,状态,问题类型"));
    assert!(text.contains(&a) && text.contains(&b));
    assert!(text.contains("'=SUM(A1)"), "formulas are neutralised");
    assert!(text.contains("\"上海, 浦东\""));
    // The filters apply, and only staff may export.
    let filtered = agent.text(&format!("/agent/export.csv?view=open&q={b}")).await;
    assert_eq!(filtered.split("\r\n").filter(|l| !l.is_empty()).count(), 2);
    assert_eq!(app.browser().get("/agent/export.csv").await.status().as_u16(), 303);
}
