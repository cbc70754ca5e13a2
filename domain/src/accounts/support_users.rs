//! Support staff accounts. Created only from the CLI: no web route can grant
//! the platform role.

use chrono::Utc;
use sea_orm::{ActiveModelTrait, DatabaseConnection, IntoActiveModel, Set};

use super::SUPPORT_ROLE;
use super::inputs::{Email, NewPassword, PersonName};
use super::passwords;
use super::signup::{find_by_email, unique_email_or};
use crate::entities::user;
use crate::error::DomainResult;
use crate::ids::UserId;

/// Creates a support user, or grants the role to an existing user of that
/// e-mail (whose password stays as it is). Returns the user's id and whether
/// the account was new.
pub async fn create_support_user(
    db: &DatabaseConnection,
    email: Email,
    name: PersonName,
    password: NewPassword,
) -> DomainResult<(UserId, bool)> {
    if let Some(existing) = find_by_email(db, &email).await? {
        let id = UserId(existing.id);
        let mut active = existing.into_active_model();
        active.platform_role = Set(Some(SUPPORT_ROLE.to_owned()));
        active.update(db).await?;
        return Ok((id, false));
    }
    let password_hash = passwords::hash(password).await?;
    let id = UserId::new();
    user::ActiveModel {
        id: Set(id.0),
        email: Set(email.as_str().to_owned()),
        name: Set(name.as_str().to_owned()),
        password_hash: Set(password_hash),
        platform_role: Set(Some(SUPPORT_ROLE.to_owned())),
        created_at: Set(Utc::now()),
        last_login_at: Set(None),
    }
    .insert(db)
    .await
    .map_err(unique_email_or)?;
    Ok((id, true))
}
