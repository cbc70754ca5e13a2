//! People and their credentials: sign-up, log-in, support staff.

mod inputs;
mod login;
pub(crate) mod passwords;
mod signup;
mod support_users;

pub use inputs::{Email, NewPassword, PersonName, TenantName, TokenName};
pub use login::{LoggedInUser, authenticate, find_user};
pub(crate) use signup::unique_email_or as unique_email_error;
pub use signup::{SignupInput, create_workspace, signup};
pub use support_users::create_support_user;

/// The `users.platform_role` value of support staff.
pub const SUPPORT_ROLE: &str = "support";
