//! Pages for staff: sign-in, the queue, the ticket page and its actions,
//! supervisors' audit log and canned replies, admins' user management, and
//! each user's settings. Every handler takes `Staff` and checks its role.

pub mod admin;
pub mod dashboard;
pub mod escalations;
pub mod export;
pub mod incidents;
pub mod login;
pub mod outbox;
pub mod queue;
pub mod routing;
pub mod settings;
pub mod supervisor;
pub mod ticket;

use actix_web::web;

use crate::auth::Staff;
use crate::i18n::Lang;

/// What every staff page shows around its content.
pub struct Chrome {
    pub lang: Lang,
    pub path: String,
    pub me: Staff,
    pub csrf: String,
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/login", web::get().to(login::form))
        .route("/login", web::post().to(login::submit))
        .route("/logout", web::post().to(login::logout))
        .route("/agent", web::get().to(queue::show))
        .route("/agent/export.csv", web::get().to(export::queue_csv))
        .route("/agent/tickets/{reference}", web::get().to(ticket::show))
        .route("/agent/tickets/{reference}/screenshots/{id}", web::get().to(ticket::screenshot))
        .route("/agent/tickets/{reference}/{action}", web::post().to(ticket::act))
        .route("/supervisor", web::get().to(dashboard::show))
        .route("/supervisor/dashboard/{file}", web::get().to(dashboard::csv))
        .route("/supervisor/incidents", web::get().to(incidents::list))
        .route("/supervisor/incidents", web::post().to(incidents::create))
        .route("/supervisor/incidents/{id}", web::get().to(incidents::show))
        .route("/supervisor/incidents/{id}/{action}", web::post().to(incidents::act))
        .route("/supervisor/audit", web::get().to(supervisor::audit))
        .route("/supervisor/escalations", web::get().to(escalations::list))
        .route("/supervisor/escalations/{id}/{action}", web::post().to(escalations::act))
        .route("/supervisor/canned", web::get().to(supervisor::canned))
        .route("/supervisor/canned/{id}", web::post().to(supervisor::save_canned))
        .route("/admin/users", web::get().to(admin::list))
        .route("/admin/users", web::post().to(admin::create))
        .route("/admin/users/{id}", web::get().to(admin::edit))
        .route("/admin/users/{id}", web::post().to(admin::update))
        .route("/admin/platforms", web::get().to(routing::platforms))
        .route("/admin/platforms/{code}", web::post().to(routing::save_platform))
        .route("/admin/routing", web::get().to(routing::rules))
        .route("/admin/outbox", web::get().to(outbox::show))
        .route("/admin/outbox/{id}/retry", web::post().to(outbox::retry))
        .route("/settings", web::get().to(settings::show))
        .route("/settings/tokens", web::post().to(settings::create_token))
        .route("/settings/tokens/{id}/revoke", web::post().to(settings::revoke_token));
}

/// A path on this site to go back to after sign-in; never elsewhere.
pub fn local_path(next: &str) -> &str {
    if next.starts_with('/') && !next.starts_with("//") && !next.contains('\\') {
        next
    } else {
        "/agent"
    }
}
