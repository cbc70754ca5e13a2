//! The route table. Every area module declares its routes once with
//! [`route_table!`], which generates both its `configure` function and its
//! `ROUTES` list; [`all_routes`] is what the app serves and what the route
//! sweep test walks.

use actix_web::{guard, web};

use ferry_domain::tenancy::Role;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Put,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
        }
    }
}

/// Who may call a route. The handler's extractor enforces it; the route sweep
/// test checks the declaration and the enforcement agree.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Anyone.
    Public,
    /// Any logged-in person.
    Session,
    /// A member of the current tenant with at least this role.
    Tenant(Role),
    /// Platform support staff.
    Support,
    /// A bearer API token with at least this role.
    Api(Role),
}

#[derive(Clone, Copy, Debug)]
pub struct RouteSpec {
    pub method: Method,
    pub path: &'static str,
    pub access: Access,
}

/// A resource answering only `method` at `path`; other methods fall through
/// to the next resource with the same path.
pub fn resource(method: Method, path: &str) -> actix_web::Resource {
    let r = web::resource(path);
    match method {
        Method::Get => r.guard(guard::Any(guard::Get()).or(guard::Head())),
        Method::Post => r.guard(guard::Post()),
        Method::Put => r.guard(guard::Put()),
    }
}

/// Declares an area's routes: `GET "/path" => handler [Access::…];`
macro_rules! route_table {
    ($($method:ident $path:literal => $handler:path [$access:expr];)*) => {
        /// This area's routes, as served.
        pub const ROUTES: &[$crate::routes::RouteSpec] = &[$(
            $crate::routes::RouteSpec {
                method: $crate::routes::Method::$method,
                path: $path,
                access: $access,
            },
        )*];

        pub fn configure(cfg: &mut actix_web::web::ServiceConfig) {
            $(
                cfg.service(
                    $crate::routes::resource($crate::routes::Method::$method, $path).to($handler),
                );
            )*
        }
    };
}
pub(crate) use route_table;

/// Lists the area modules once; generates [`all_routes`] and [`configure`].
macro_rules! areas {
    ($($($segment:ident)::+),* $(,)?) => {
        /// Every route of the application, in registration order.
        pub fn all_routes() -> Vec<RouteSpec> {
            [$(crate::$($segment)::+::ROUTES),*].concat()
        }

        /// Registers every route.
        pub fn configure(cfg: &mut web::ServiceConfig) {
            $(crate::$($segment)::+::configure(cfg);)*
        }
    };
}

areas!(
    health,
    assets,
    pages::auth,
    pages::home,
    pages::workspaces,
    pages::users,
    pages::invitations,
    pages::api_tokens,
    pages::integrations,
    pages::connections,
    pages::flows,
    pages::flow_settings,
    pages::audit,
    pages::dashboard,
    listeners::salesforce,
    pages::support,
    api::me,
    api::integrations,
    api::connections,
    api::flows,
    api::flow_settings,
    api::dashboard,
    api::openapi,
);
