//! Learning from what routing misses, end to end over HTTP (issue 16): an
//! admin sees the tickets nothing matched grouped by what they said, tests a
//! phrase against the corpus and those tickets, saves it (audited), and the
//! next ticket is routed by it without a restart; deleting it undoes that.

use crate::support::*;
use diesel::prelude::*;
use paydesk::db::schema::{audit_log, routing_decisions, tickets};

fn kind_of(app: &TestApp, reference: &str) -> String {
    tickets::table.filter(tickets::reference.eq(reference)).select(tickets::case_kind).first(&mut app.conn()).unwrap()
}

#[tokio::test]
async fn an_admin_turns_a_frequent_unknown_message_into_a_rule() {
    let app = spawn().await;
    let admin = app.staff("admin").await;
    let unknown = with(&with(&complete_fields(), "error_code", ""), "error_message", "喵喵错误 X9，请联系客服");
    let mut refs = Vec::new();
    for _ in 0..3 {
        refs.push(app.file_api(&unknown).await.0);
    }
    assert!(refs.iter().all(|r| kind_of(&app, r) == "other"));

    // Grouped by what they said, with a count.
    let page = admin.text("/admin/routing").await;
    let group = page.split("喵喵错误x9请联系客服").nth(1).expect("the group is listed");
    assert!(group.trim_start().starts_with("</td>\n    <td>3 "), "{group}");

    // Tested before saving: the corpus does not move, the tickets would.
    let test = |phrase: &'static str| {
        let admin = &admin;
        async move {
            let res = admin.post("/admin/routing/test", &[("phrase", phrase), ("kind", "timeout_busy")]).await;
            assert_eq!(res.status().as_u16(), 200);
            res.text().await.unwrap()
        }
    };
    // A GET tests nothing (another site could make an admin's browser ask).
    let page = admin.text("/admin/routing?phrase=%E5%96%B5%E5%96%B5%E9%94%99%E8%AF%AF&kind=timeout_busy").await;
    assert!(!page.contains("id=\"preview\""), "a GET tests nothing");
    let page = test("喵喵错误").await;
    assert!(page.contains("id=\"preview\""), "{page}");
    let corpus = page.split("Corpus accuracy: ").nth(1).unwrap().split("</p>").next().unwrap();
    let (before, after) = corpus.split_once(" → ").unwrap();
    assert_eq!(before, after.trim_start_matches("<strong>").trim_end_matches("</strong>"), "the corpus does not move");
    for r in &refs {
        assert!(page.contains(&format!(">{r}</a> → ")), "{r} would be routed");
    }
    // A phrase routing already knows is refused, with the reason.
    let page = test("余额不足").await;
    assert!(page.contains("id=\"refused\""), "余额不足 is known");
    let res = admin.post("/admin/routing/phrases", &[("phrase", "余额不足"), ("kind", "timeout_busy")]).await;
    assert_eq!(res.status().as_u16(), 409);

    // Saved: audited, the open tickets routed again, each with its decision.
    let res = admin.post("/admin/routing/phrases", &[("phrase", "喵喵错误"), ("kind", "timeout_busy")]).await;
    assert_eq!(res.status().as_u16(), 303);
    assert_eq!(res.headers()["location"], "/admin/routing?saved=3#learned");
    let audited: i64 = audit_log::table
        .filter(audit_log::action.eq("routing_phrase_add"))
        .filter(audit_log::after_value.eq("喵喵错误 → timeout_busy"))
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(audited, 1);
    for r in &refs {
        assert_eq!(kind_of(&app, r), "timeout_busy");
        let causes: Vec<String> = routing_decisions::table
            .inner_join(tickets::table)
            .filter(tickets::reference.eq(r))
            .order(routing_decisions::created_at.asc())
            .select(routing_decisions::cause)
            .load(&mut app.conn())
            .unwrap();
        assert_eq!(causes, ["intake", "learned_phrase"]);
    }
    // The next ticket is routed by it at once: no restart.
    let (next, _) = app.file_api(&unknown).await;
    assert_eq!(kind_of(&app, &next), "timeout_busy");
    let page = admin.text("/admin/routing").await;
    assert!(page.contains("喵喵错误</span> → "), "listed as learned");

    // Deleted: audited, and the next ticket is `other` again.
    let id: String = paydesk::db::routing::learned_phrases(&mut app.conn()).unwrap()[0].id.clone();
    let res = admin.post(&format!("/admin/routing/phrases/{id}/delete"), &[]).await;
    assert_eq!(res.status().as_u16(), 303);
    let (after, _) = app.file_api(&unknown).await;
    assert_eq!(kind_of(&app, &after), "other");
    let deleted: i64 = audit_log::table
        .filter(audit_log::action.eq("routing_phrase_delete"))
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(deleted, 1);
}
