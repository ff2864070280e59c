//! The API's change feed and a ticket's conversation (issue 18): every
//! ticket changed since a time, every status, in commit order, paged with a
//! cursor that neither skips nor repeats a ticket while others write; the
//! events of a ticket with internal notes marked and screenshot links.

use crate::support::*;
use paydesk::db::users;
use serde_json::{json, Value};
use std::collections::HashSet;

struct Client<'a> {
    app: &'a TestApp,
    token: String,
}

impl Client<'_> {
    async fn get(&self, path: &str) -> Value {
        let res = self.app.client.get(self.app.url(path)).bearer_auth(&self.token).send().await.unwrap();
        assert_eq!(res.status(), 200, "{path}");
        res.json().await.unwrap()
    }

    async fn patch(&self, reference: &str, body: Value) {
        let url = self.app.url(&format!("/api/v1/tickets/{reference}"));
        let res = self.app.client.patch(url).bearer_auth(&self.token).json(&body).send().await.unwrap();
        assert_eq!(res.status(), 200);
    }

    /// Follows the feed from `start` to its end; the references of each page.
    async fn follow(&self, start: &str) -> (Vec<Vec<String>>, String) {
        let mut pages = Vec::new();
        let mut path = start.to_string();
        loop {
            let page = self.get(&path).await;
            pages.push(refs(&page));
            let next = page["next"].as_str().unwrap().to_string();
            if page["caught_up"] == true {
                return (pages, next);
            }
            path = format!("/api/v1/tickets?limit=2&after={next}");
        }
    }
}

fn refs(page: &Value) -> Vec<String> {
    page["tickets"].as_array().unwrap().iter().map(|t| t["reference"].as_str().unwrap().to_string()).collect()
}

fn client(app: &TestApp) -> Client<'_> {
    let id = app.add_staff("feed@paydesk.test", "Feed", "agent", &["general"]);
    let token = users::create_token(&mut app.conn(), &id, "feed", chrono::Utc::now().naive_utc()).unwrap();
    Client { app, token }
}

#[tokio::test]
async fn the_feed_lists_every_change_once_in_commit_order_while_others_write() {
    let app = spawn().await;
    let api = client(&app);
    let before = chrono::Utc::now() - chrono::Duration::seconds(1);
    let mut filed = Vec::new();
    for _ in 0..5 {
        filed.push(app.file_api(&complete_fields()).await.0);
    }
    // A resolved ticket is in the feed (the queue's default view leaves it out).
    api.patch(&filed[0], json!({ "status": "resolved" })).await;
    let since = before.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let start = format!("/api/v1/tickets?limit=2&updated_since={}", since.replace('+', "%2B"));
    // On PostgreSQL a change shows once every transaction older than it has
    // finished, anywhere on the server (other tests' too): wait until the
    // five are there.
    for _ in 0..100 {
        if api.follow(&start).await.0.concat().len() == 5 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }

    // First page, then two tickets change while the client pages: one
    // already listed, one not yet. A pass pages up to the horizon of its
    // first page: the one not yet listed moved past it, so this pass does
    // not list it in its old place and the next pass lists it with its new
    // state; the one already listed is not listed again in this pass. So
    // no ticket is listed twice in a pass, and none is lost across them.
    let first = api.get(&start).await;
    let first_refs = refs(&first);
    assert_eq!(first_refs.len(), 2);
    assert_eq!(first["caught_up"], false);
    let listed = first_refs[0].clone();
    let not_yet: String = filed.iter().skip(1).find(|r| !first_refs.contains(r)).unwrap().clone();
    api.patch(&listed, json!({ "priority": "urgent" })).await;
    api.patch(&not_yet, json!({ "priority": "high" })).await;
    let (rest, resume) =
        api.follow(&format!("/api/v1/tickets?limit=2&after={}", first["next"].as_str().unwrap())).await;
    let pass: Vec<String> = first_refs.into_iter().chain(rest.into_iter().flatten()).collect();
    let unique: HashSet<&String> = pass.iter().collect();
    assert_eq!(unique.len(), pass.len(), "listed twice in one pass: {pass:?}");
    let expected_pass: HashSet<&String> = filed.iter().filter(|r| **r != not_yet).collect();
    assert_eq!(unique, expected_pass, "every ticket changed since then, resolved included, but the one that moved");
    assert!(pass.contains(&filed[0]));

    // The next passes, from where this one ended: exactly the two changes,
    // each once, with their new state.
    let mut changed: Vec<Value> = Vec::new();
    let mut resume = resume;
    for _ in 0..100 {
        let next = api.get(&format!("/api/v1/tickets?after={resume}")).await;
        changed.extend(next["tickets"].as_array().unwrap().iter().cloned());
        resume = next["next"].as_str().unwrap().to_string();
        if changed.len() >= 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let mut changed_refs: Vec<&str> = changed.iter().map(|t| t["reference"].as_str().unwrap()).collect();
    changed_refs.sort();
    let mut expected = vec![listed.as_str(), not_yet.as_str()];
    expected.sort();
    assert_eq!(changed_refs, expected);
    let urgent = changed.iter().find(|t| t["reference"] == listed.as_str()).unwrap();
    assert_eq!(urgent["priority"], "urgent");
    assert!(urgent["version"].as_i64().unwrap() > 1);
    // Nothing changed since: an empty page that still says where to resume.
    let idle = api.get(&format!("/api/v1/tickets?after={resume}")).await;
    assert!(refs(&idle).is_empty());
    assert!(idle["next"].is_string());

    // Filters apply to the feed; the plain list has a page size too.
    let resolved =
        api.get(&format!("/api/v1/tickets?status=resolved&updated_since={}", since.replace('+', "%2B"))).await;
    assert_eq!(refs(&resolved), vec![filed[0].clone()]);
    let open = api.get("/api/v1/tickets?limit=3").await;
    assert_eq!(refs(&open).len(), 3);
    assert!(open["next"].is_string());
    for bad in ["limit=0", "limit=201", "limit=x", "updated_since=yesterday", "after=1.2.3"] {
        let res = app.client.get(app.url(&format!("/api/v1/tickets?{bad}"))).bearer_auth(&api.token).send().await;
        assert_eq!(res.unwrap().status(), 400, "{bad}");
    }
}

#[tokio::test]
async fn a_tickets_events_show_the_conversation_with_notes_marked_and_screenshot_links() {
    let app = spawn().await;
    let api = client(&app);
    let (reference, tracking) = app.file_api(&complete_fields()).await;
    let url = app.url(&format!("/api/v1/tickets/{reference}/replies"));
    for (body, internal) in [("Checked the ledger: not credited yet.", true), ("We are on it.", false)] {
        let body = json!({ "body": body, "internal": internal });
        let res = app.client.post(&url).bearer_auth(&api.token).json(&body).send().await.unwrap();
        assert_eq!(res.status(), 201);
    }
    let message = reqwest::multipart::Form::new().text("message", "Still not credited.");
    let res = app.post_multipart(&format!("{tracking}/messages"), message, "en").await;
    assert!(res.status().is_success() || res.status().is_redirection(), "{}", res.status());

    let events = api.get(&format!("/api/v1/tickets/{reference}/events")).await;
    let list = events["events"].as_array().unwrap();
    assert!(list.len() >= 4, "{events}");
    let note = list.iter().find(|e| e["body"] == "Checked the ledger: not credited yet.").unwrap();
    assert_eq!(note["internal"], true);
    assert_eq!(note["author"]["name"], "Feed");
    let reply = list.iter().find(|e| e["body"] == "We are on it.").unwrap();
    assert_eq!(reply["internal"], false);
    let answer = list.iter().find(|e| e["body"] == "Still not credited.").unwrap();
    assert_eq!(answer["author_kind"], "customer");
    // The screenshot filed with the request: a link that works with the token, only.
    let shot = list.iter().flat_map(|e| e["screenshots"].as_array().unwrap()).next().expect("a screenshot");
    let link = shot["url"].as_str().unwrap().trim_start_matches(&app.base).to_string();
    let res = app.client.get(app.url(&link)).bearer_auth(&api.token).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "image/png");
    assert_eq!(app.client.get(app.url(&link)).send().await.unwrap().status(), 401);
    let other = app.file_api(&complete_fields()).await.0;
    let wrong = link.replace(&reference, &other);
    assert_eq!(app.client.get(app.url(&wrong)).bearer_auth(&api.token).send().await.unwrap().status(), 404);
    let nul = format!("/api/v1/tickets/{reference}/screenshots/a%00b");
    assert_eq!(app.client.get(app.url(&nul)).bearer_auth(&api.token).send().await.unwrap().status(), 404);
}
