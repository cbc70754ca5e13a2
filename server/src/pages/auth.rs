//! Sign-up, log-in and log-out.

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use askama_web::WebTemplate;
use serde::Deserialize;

use ferry_domain::accounts::{self, Email, NewPassword, PersonName, SignupInput, TenantName};
use ferry_domain::{DomainError, FieldErrors};

use crate::error::PageError;
use crate::layout::Layout;
use crate::pages::{safe_next, see_other};
use crate::routes::{Access, route_table};
use crate::session::{SessionClaims, clear_session_cookie, session_cookie};
use crate::state::AppState;

route_table! {
    Get "/signup" => signup_form [Access::Public];
    Post "/signup" => signup [Access::Public];
    Get "/login" => login_form [Access::Public];
    Post "/login" => login [Access::Public];
    Post "/logout" => logout [Access::Public];
}

#[derive(Debug, Default, Deserialize)]
pub struct SignupForm {
    #[serde(default)]
    pub company: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub password: String,
}

impl TryFrom<&SignupForm> for SignupInput {
    type Error = FieldErrors;

    fn try_from(form: &SignupForm) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::default();
        let company = errors.check(TenantName::parse(&form.company));
        let name = errors.check(PersonName::parse(&form.name));
        let email = errors.check(Email::parse(&form.email));
        let password = errors.check(NewPassword::parse(&form.password));
        match (company, name, email, password) {
            (Some(company), Some(name), Some(email), Some(password)) if errors.is_empty() => {
                Ok(SignupInput {
                    company,
                    name,
                    email,
                    password,
                })
            }
            _ => Err(errors),
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "auth/signup.html")]
struct SignupPage {
    layout: Layout,
    form: SignupForm,
    errors: FieldErrors,
    min_password: usize,
}

async fn signup_form(req: HttpRequest) -> SignupPage {
    SignupPage {
        layout: Layout::public(&req, "Create your Ferry account"),
        form: SignupForm::default(),
        errors: FieldErrors::default(),
        min_password: NewPassword::MIN_CHARS,
    }
}

async fn signup(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: web::Form<SignupForm>,
) -> Result<HttpResponse, PageError> {
    let form = form.into_inner();
    let rerender = |form: SignupForm, errors: FieldErrors| -> Result<HttpResponse, PageError> {
        let page = SignupPage {
            layout: Layout::public(&req, "Create your Ferry account"),
            form: SignupForm {
                password: String::new(),
                ..form
            },
            errors,
            min_password: NewPassword::MIN_CHARS,
        };
        render_unprocessable(&page)
    };
    let input = match SignupInput::try_from(&form) {
        Ok(input) => input,
        Err(errors) => return rerender(form, errors),
    };
    match accounts::signup(&state.db, input).await {
        Ok((user, tenant)) => {
            let claims = SessionClaims::new(user, Some(tenant), state.settings.session_ttl);
            start_session(&req, &state, &claims, "/")
        }
        Err(DomainError::Invalid(errors)) => rerender(form, errors),
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    next: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "auth/login.html")]
struct LoginPage {
    layout: Layout,
    email: String,
    next: String,
    error: Option<String>,
}

async fn login_form(req: HttpRequest, query: web::Query<LoginQuery>) -> LoginPage {
    LoginPage {
        layout: Layout::public(&req, "Log in to Ferry"),
        email: String::new(),
        next: safe_next(query.next.as_deref()),
        error: None,
    }
}

async fn login(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: web::Form<LoginForm>,
) -> Result<HttpResponse, PageError> {
    let next = safe_next(form.next.as_deref());
    match accounts::authenticate(&state.db, &form.email, &form.password).await {
        Ok(user) => {
            let claims = SessionClaims::new(user.id, None, state.settings.session_ttl);
            start_session(&req, &state, &claims, &next)
        }
        Err(DomainError::Unauthenticated(message)) => {
            tracing::info!("failed login attempt");
            let page = LoginPage {
                layout: Layout::public(&req, "Log in to Ferry"),
                email: form.email.clone(),
                next,
                error: Some(message.to_owned()),
            };
            let body = page
                .render()
                .map_err(|e| PageError::Internal(e.to_string()))?;
            Ok(HttpResponse::Unauthorized()
                .content_type("text/html; charset=utf-8")
                .body(body))
        }
        Err(e) => Err(e.into()),
    }
}

async fn logout(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let mut res = see_other("/login");
    if let Err(e) = res.add_cookie(&clear_session_cookie(&req, &state)) {
        tracing::error!(error = %e, "could not clear the session cookie");
    }
    res
}

/// Sets the session cookie and redirects.
pub(crate) fn start_session(
    req: &HttpRequest,
    state: &AppState,
    claims: &SessionClaims,
    to: &str,
) -> Result<HttpResponse, PageError> {
    let token = claims
        .sign(&state.session_key)
        .map_err(|e| PageError::Internal(format!("session signing failed: {e}")))?;
    let mut res = see_other(to);
    res.add_cookie(&session_cookie(req, state, token))
        .map_err(|e| PageError::Internal(e.to_string()))?;
    Ok(res)
}

/// Renders a form page again with its errors, status 422.
pub(crate) fn render_unprocessable(page: &impl Template) -> Result<HttpResponse, PageError> {
    let body = page
        .render()
        .map_err(|e| PageError::Internal(e.to_string()))?;
    Ok(HttpResponse::UnprocessableEntity()
        .content_type("text/html; charset=utf-8")
        .body(body))
}
