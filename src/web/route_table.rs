//! Every route in one table: its method, its path and who may call it. The
//! server registers its routes from this table, and the role check happens
//! here, once, before any handler runs: a handler behind `Staff(role)` or
//! `Api(role)` only ever sees a caller who has that role. The authorisation
//! test (`tests/it/authz.rs`) walks the same table.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::{from_fn, Next};
use actix_web::{guard, web, FromRequest, Handler, HttpMessage, Responder, Route};

use crate::auth::{ApiStaff, Staff};
use crate::domain::codes::Role;
use crate::error::AppError;
use crate::web::api::ApiError;

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone: customers filing, sign-in, health checks.
    Public,
    /// Whoever holds a ticket's tracking link (the secret is in the path).
    TrackingLink,
    /// Signed-in staff (session cookie) whose role includes this one.
    Staff(Role),
    /// Staff calling the REST API with a personal token.
    Api(Role),
}

/// One row of the table, without its handler.
#[derive(Debug, Clone)]
pub struct Endpoint {
    pub method: Method,
    pub path: &'static str,
    pub access: Access,
}

/// The routes as they are built: each endpoint with its actix route.
#[derive(Default)]
pub struct RouteTable {
    routes: Vec<(Endpoint, Route)>,
}

impl RouteTable {
    pub fn add<F, Args>(&mut self, method: Method, path: &'static str, access: Access, handler: F) -> &mut Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        let route = web::route().method(method.clone()).to(handler);
        self.routes.push((Endpoint { method, path, access }, route));
        self
    }

    pub fn get<F, Args>(&mut self, path: &'static str, access: Access, handler: F) -> &mut Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.add(Method::GET, path, access, handler)
    }

    pub fn post<F, Args>(&mut self, path: &'static str, access: Access, handler: F) -> &mut Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.add(Method::POST, path, access, handler)
    }

    pub fn endpoints(&self) -> Vec<Endpoint> {
        self.routes.iter().map(|(e, _)| e.clone()).collect()
    }

    /// Registers every route, in the table's order, each behind the check
    /// its access needs.
    pub fn register(self, cfg: &mut web::ServiceConfig) {
        for (endpoint, route) in self.routes {
            // One resource per route, guarded by its method, as
            // `ServiceConfig::route` does: a path's other methods are
            // still found.
            let resource = web::resource(endpoint.path).guard(guard::Method(endpoint.method.clone())).route(route);
            match endpoint.access {
                Access::Public | Access::TrackingLink => cfg.service(resource),
                Access::Staff(role) => cfg.service(resource.wrap(from_fn(move |req, next| staff(role, req, next)))),
                Access::Api(role) => cfg.service(resource.wrap(from_fn(move |req, next| api(role, req, next)))),
            };
        }
    }
}

/// Lets through a signed-in staff member whose role includes `role`, and
/// hands them to the handler (the `Staff` extractor finds them); anyone else
/// is sent to sign in, or refused (403).
async fn staff(
    role: Role,
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    match req.extract::<Staff>().await {
        Ok(me) if me.is(role) => {
            req.extensions_mut().insert(me);
            Ok(next.call(req).await?.map_into_left_body())
        }
        Ok(_) => Ok(req.error_response(AppError::Forbidden).map_into_right_body()),
        Err(e) => Ok(req.error_response(e).map_into_right_body()),
    }
}

/// The same for the REST API, by bearer token, answering in JSON.
async fn api(
    role: Role,
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    match req.extract::<ApiStaff>().await {
        Ok(me) if me.0.is(role) => {
            req.extensions_mut().insert(me);
            Ok(next.call(req).await?.map_into_left_body())
        }
        Ok(_) => Ok(req.error_response(ApiError::from(AppError::Forbidden)).map_into_right_body()),
        Err(e) => Ok(req.error_response(e).map_into_right_body()),
    }
}

/// The access a path's first segment promises: staff areas need their role,
/// the ticket API a token. `None` where the path alone does not say.
pub fn expected_access(method: &Method, path: &str) -> Option<Access> {
    match area(path) {
        "agent" | "settings" => Some(Access::Staff(Role::Agent)),
        "supervisor" => Some(Access::Staff(Role::Supervisor)),
        "admin" => Some(Access::Staff(Role::Admin)),
        "t" => Some(Access::TrackingLink),
        // Customers and payment apps file without an account.
        "api" if path == "/api/v1/tickets" && method == Method::POST => Some(Access::Public),
        "api" if path == "/api/v1/openapi.json" => Some(Access::Public),
        "api" => Some(Access::Api(Role::Agent)),
        _ => None,
    }
}

/// A path's first segment: what part of the site it is in.
fn area(path: &str) -> &str {
    path.trim_start_matches('/').split('/').next().unwrap_or("")
}

/// Whether an answer may show a secret or personal data: staff pages, a
/// customer's tracking pages, the API (intake answers with the tracking
/// link), sign-in, and the intake form (a refused form shows what was
/// typed). Only the public pages, the stylesheet and the API's document
/// may be kept by a browser or a proxy.
pub fn is_private(path: &str) -> bool {
    match area(path) {
        // `find` shows back the reference and email typed.
        "agent" | "settings" | "supervisor" | "admin" | "t" | "login" | "logout" | "tickets" | "find" => true,
        "api" => path != "/api/v1/openapi.json",
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each route's declared access is the one its area needs, so a staff
    /// page cannot be declared public by mistake.
    #[test]
    fn every_route_declares_the_access_its_area_needs() {
        let endpoints = crate::web::endpoints();
        assert!(endpoints.len() > 40);
        for e in &endpoints {
            let expected = expected_access(&e.method, e.path).unwrap_or(Access::Public);
            assert_eq!(e.access, expected, "{} {}", e.method, e.path);
        }
    }

    #[test]
    fn no_route_is_registered_twice() {
        let mut seen = std::collections::HashSet::new();
        for e in crate::web::endpoints() {
            assert!(seen.insert((e.method.clone(), e.path)), "{} {} twice", e.method, e.path);
        }
    }
}
