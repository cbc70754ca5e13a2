//! Browser sessions: a signed JWT in an HttpOnly cookie, CSRF tokens bound to
//! it, flash messages, and the extractors handlers use to get the verified user
//! and tenant.

mod cookies;
mod csrf;
mod extract;
mod flash;
mod jwt;
mod middleware;

pub use cookies::{clear_session_cookie, session_cookie};
pub use csrf::CsrfToken;
pub use extract::{SupportSession, TenantSession, WebSession};
pub(crate) use extract::{csrf_of as extract_csrf, flash_of as extract_flash};
pub use flash::{Flash, FlashLevel, redirect_with_flash};
pub use jwt::SessionClaims;
pub use middleware::web_session;
