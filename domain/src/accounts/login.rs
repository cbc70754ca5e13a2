//! Log-in: checking a password and reading the logged-in user.

use chrono::Utc;
use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, IntoActiveModel, Set};

use super::SUPPORT_ROLE;
use super::inputs::Email;
use super::passwords;
use super::signup::find_by_email;
use crate::entities::user;
use crate::error::{DomainError, DomainResult};
use crate::ids::UserId;

/// A user as the web layer needs it.
#[derive(Clone, Debug)]
pub struct LoggedInUser {
    pub id: UserId,
    pub email: String,
    pub name: String,
    pub is_support: bool,
}

impl From<user::Model> for LoggedInUser {
    fn from(u: user::Model) -> Self {
        Self {
            id: UserId(u.id),
            is_support: u.platform_role.as_deref() == Some(SUPPORT_ROLE),
            email: u.email,
            name: u.name,
        }
    }
}

/// The user whose e-mail and password match. Unknown e-mail and wrong password
/// give the same error, so the form reveals nothing about who has an account.
pub async fn authenticate(
    db: &impl ConnectionTrait,
    email: &str,
    password: &str,
) -> DomainResult<LoggedInUser> {
    let wrong = DomainError::Unauthenticated("Incorrect e-mail or password.");
    let found = match Email::parse(email) {
        Ok(email) => find_by_email(db, &email).await?,
        Err(_) => None,
    };
    let stored = found.as_ref().map(|u| u.password_hash.clone());
    if !passwords::verify(password.to_owned(), stored).await? {
        return Err(wrong);
    }
    let user = found.ok_or(wrong)?;
    let mut active = user.clone().into_active_model();
    active.last_login_at = Set(Some(Utc::now()));
    active.update(db).await?;
    Ok(user.into())
}

pub async fn find_user(
    db: &impl ConnectionTrait,
    id: UserId,
) -> DomainResult<Option<LoggedInUser>> {
    Ok(user::Entity::find_by_id(id.0)
        .one(db)
        .await?
        .map(Into::into))
}
