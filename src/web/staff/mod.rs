//! Pages for staff: sign-in, the queue, the ticket page and its actions,
//! supervisors' audit log and canned replies, admins' user management, and
//! each user's settings. Every handler takes `Staff` and checks its role.

pub mod admin;
pub mod calendars;
pub mod dashboard;
pub mod escalations;
pub mod export;
pub mod inbound;
pub mod incidents;
pub mod login;
pub mod outbox;
pub mod queue;
pub mod ratings;
pub mod routing;
pub mod settings;
pub mod supervisor;
pub mod ticket;
pub mod webhooks;
pub mod words;

use crate::auth::Staff;
use crate::domain::codes::Role;
use crate::i18n::Lang;
use crate::web::{Access, RouteTable};

/// The parts of a request every staff action on one thing (a ticket by its
/// reference, an incident or escalation by its id) needs: one extractor, so
/// each action's handler takes it and its typed form.
pub struct On {
    pub p: crate::web::lang::PageLang,
    pub me: Staff,
    pub csrf: crate::auth::csrf::CsrfToken,
    /// The path's one parameter.
    pub key: actix_web::web::Path<String>,
    pub state: actix_web::web::Data<crate::web::AppState>,
}

impl actix_web::FromRequest for On {
    type Error = actix_web::Error;
    type Future = futures_util::future::LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &actix_web::HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let mut none = actix_web::dev::Payload::None;
            Ok(On {
                p: crate::web::lang::PageLang::from_request(&req, &mut none).await?,
                me: Staff::from_request(&req, &mut none).await?,
                csrf: crate::auth::csrf::CsrfToken::from_request(&req, &mut none).await?,
                key: actix_web::web::Path::from_request(&req, &mut none).await?,
                state: actix_web::web::Data::from_request(&req, &mut none).await?,
            })
        })
    }
}

/// What every staff page shows around its content.
pub struct Chrome {
    pub lang: Lang,
    pub path: String,
    pub me: Staff,
    pub csrf: String,
}

pub fn routes(t: &mut RouteTable) {
    const PUBLIC: Access = Access::Public;
    const AGENT: Access = Access::Staff(Role::Agent);
    const SUPERVISOR: Access = Access::Staff(Role::Supervisor);
    const ADMIN: Access = Access::Staff(Role::Admin);
    t.get("/login", PUBLIC, login::form)
        .post("/login", PUBLIC, login::submit)
        .post("/logout", PUBLIC, login::logout)
        .get("/agent", AGENT, queue::show)
        .get("/agent/export.csv", AGENT, export::queue_csv)
        .post("/agent/bulk", AGENT, queue::bulk)
        .get("/agent/tickets/{reference}", AGENT, ticket::show)
        .get("/agent/tickets/{reference}/screenshots/{id}", AGENT, ticket::screenshot)
        .post("/agent/tickets/{reference}/phone", AGENT, ticket::reveal_phone)
        .post("/agent/tickets/{reference}/canned", AGENT, ticket::add_canned)
        .post("/agent/tickets/{reference}/claim", AGENT, ticket::claim)
        .post("/agent/tickets/{reference}/assign", AGENT, ticket::assign)
        .post("/agent/tickets/{reference}/status", AGENT, ticket::status)
        .post("/agent/tickets/{reference}/priority", AGENT, ticket::priority)
        .post("/agent/tickets/{reference}/change", AGENT, ticket::change)
        .post("/agent/tickets/{reference}/reply", AGENT, ticket::reply)
        .post("/agent/tickets/{reference}/note", AGENT, ticket::note)
        .post("/agent/tickets/{reference}/ask", AGENT, ticket::ask)
        .post("/agent/tickets/{reference}/merge", AGENT, ticket::merge)
        .post("/agent/tickets/{reference}/facts", AGENT, ticket::correct)
        .post("/agent/tickets/{reference}/payment-check", AGENT, ticket::check_payment)
        .post("/agent/tickets/{reference}/refunds", AGENT, ticket::track_refund)
        .get("/supervisor", SUPERVISOR, dashboard::show)
        .get("/supervisor/dashboard/{file}", SUPERVISOR, dashboard::csv)
        .get("/supervisor/incidents", SUPERVISOR, incidents::list)
        .post("/supervisor/incidents", SUPERVISOR, incidents::create)
        .get("/supervisor/incidents/{id}", SUPERVISOR, incidents::show)
        .post("/supervisor/incidents/{id}/accept", SUPERVISOR, incidents::accept)
        .post("/supervisor/incidents/{id}/dismiss", SUPERVISOR, incidents::dismiss)
        .post("/supervisor/incidents/{id}/link", SUPERVISOR, incidents::link)
        .post("/supervisor/incidents/{id}/unlink", SUPERVISOR, incidents::unlink)
        .post("/supervisor/incidents/{id}/update", SUPERVISOR, incidents::update)
        .post("/supervisor/incidents/{id}/resolve", SUPERVISOR, incidents::resolve)
        .get("/supervisor/audit", SUPERVISOR, supervisor::audit)
        .get("/supervisor/escalations", SUPERVISOR, escalations::list)
        .post("/supervisor/escalations/{id}/approve", SUPERVISOR, escalations::approve)
        .post("/supervisor/escalations/{id}/send-back", SUPERVISOR, escalations::send_back)
        .post("/supervisor/escalations/{id}/answer", SUPERVISOR, escalations::answer)
        .get("/supervisor/ratings", SUPERVISOR, ratings::list)
        .post("/supervisor/ratings/{id}/follow-up", SUPERVISOR, ratings::follow_up)
        .get("/supervisor/canned", SUPERVISOR, supervisor::canned)
        .post("/supervisor/canned/{id}", SUPERVISOR, supervisor::save_canned)
        .get("/admin/users", ADMIN, admin::list)
        .post("/admin/users", ADMIN, admin::create)
        .get("/admin/users/{id}", ADMIN, admin::edit)
        .post("/admin/users/{id}", ADMIN, admin::update)
        .get("/admin/calendars", ADMIN, calendars::show)
        .post("/admin/calendars/queues", ADMIN, calendars::set_queues)
        .post("/admin/calendars/import", ADMIN, calendars::import)
        .post("/admin/calendars/{name}/days", ADMIN, calendars::set_day)
        .get("/admin/platforms", ADMIN, routing::platforms)
        .post("/admin/platforms/{code}", ADMIN, routing::save_platform)
        .get("/admin/routing", ADMIN, routing::rules)
        .post("/admin/routing/test", ADMIN, routing::test_phrase)
        .post("/admin/routing/phrases", ADMIN, routing::add_phrase)
        .post("/admin/routing/phrases/{id}/delete", ADMIN, routing::delete_phrase)
        .get("/admin/inbound", ADMIN, inbound::show)
        .get("/admin/outbox", ADMIN, outbox::show)
        .post("/admin/outbox/{id}/retry", ADMIN, outbox::retry)
        .get("/admin/webhooks", ADMIN, webhooks::list)
        .post("/admin/webhooks", ADMIN, webhooks::create)
        .post("/admin/webhooks/{id}/delete", ADMIN, webhooks::remove)
        .get("/settings", AGENT, settings::show)
        .post("/settings/tokens", AGENT, settings::create_token)
        .post("/settings/tokens/{id}/revoke", AGENT, settings::revoke_token)
        .post("/settings/password", AGENT, settings::change_password)
        .post("/settings/sessions/end-others", AGENT, settings::end_other_sessions);
}
