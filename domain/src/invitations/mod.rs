//! Invitations: an owner or admin invites someone by e-mail with a role; the
//! link (shown on screen, there is no mail server) lets that person join.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    IntoActiveModel, ModelTrait, QueryFilter, QueryOrder, Set, TransactionTrait,
};
use serde_json::json;

use crate::accounts::passwords;
use crate::accounts::{Email, LoggedInUser, NewPassword, PersonName};
use crate::audit::{self, Change};
use crate::entities::{invitation, membership, tenant, user};
use crate::error::{DomainError, DomainResult};
use crate::ids::{InvitationId, MembershipId, TenantId, UserId};
use crate::members::check_may_grant;
use crate::secret_tokens;
use crate::tenancy::{Actor, ActorKind, Role, TenantAccess, stored_role};

/// How long an invitation link stays valid.
pub const VALID_FOR_DAYS: i64 = 7;
const TOKEN_PREFIX: &str = "inv_";

/// A pending invitation as the Users page lists it.
#[derive(Clone, Debug)]
pub struct InvitationRow {
    pub id: InvitationId,
    pub email: String,
    pub role: Role,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// What the person following a link sees before accepting.
#[derive(Clone, Debug)]
pub struct InvitationPreview {
    pub tenant_name: String,
    pub email: String,
    pub role: Role,
    /// Whether an account with the invited e-mail exists (then: log in and accept).
    pub account_exists: bool,
}

/// Creates an invitation and returns its id and the secret for the link.
pub async fn invite(
    db: &DatabaseConnection,
    access: &TenantAccess,
    email: Email,
    role: Role,
) -> DomainResult<(InvitationId, String)> {
    check_may_grant(access, role)?;
    let already_member = membership::Entity::find()
        .filter(membership::Column::TenantId.eq(access.tenant.id().0))
        .find_also_related(user::Entity)
        .all(db)
        .await?
        .into_iter()
        .any(|(_, u)| u.is_some_and(|u| u.email == email.as_str()));
    if already_member {
        return Err(DomainError::invalid(
            "email",
            "This person is already a member.",
        ));
    }
    let secret = secret_tokens::generate(TOKEN_PREFIX);
    let id = InvitationId::new();
    let now = Utc::now();
    let access = access.clone();
    let token_hash = secret_tokens::digest(&secret);
    db.transaction::<_, (), DomainError>(|tx| {
        Box::pin(async move {
            invitation::ActiveModel {
                id: Set(id.0),
                tenant_id: Set(access.tenant.id().0),
                email: Set(email.as_str().to_owned()),
                role: Set(role.as_str().to_owned()),
                token_hash: Set(token_hash),
                invited_by: Set(access.actor.user_id.map(|u| u.0).unwrap_or_default()),
                created_at: Set(now),
                expires_at: Set(now + Duration::days(VALID_FOR_DAYS)),
                accepted_at: Set(None),
            }
            .insert(tx)
            .await?;
            audit::record(
                tx,
                access.tenant.id(),
                &access.actor,
                Change::new("invitation.created", "invitation", id)
                    .after(json!({ "email": email.as_str(), "role": role })),
            )
            .await
        })
    })
    .await?;
    Ok((id, secret))
}

/// Invitations of the tenant that are neither accepted nor expired.
pub async fn pending_invitations(
    db: &impl ConnectionTrait,
    access: &TenantAccess,
) -> DomainResult<Vec<InvitationRow>> {
    let rows = invitation::Entity::find()
        .filter(invitation::Column::TenantId.eq(access.tenant.id().0))
        .filter(invitation::Column::AcceptedAt.is_null())
        .filter(invitation::Column::ExpiresAt.gt(Utc::now()))
        .order_by_desc(invitation::Column::CreatedAt)
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| InvitationRow {
            id: InvitationId(r.id),
            email: r.email,
            role: stored_role(&r.role),
            created_at: r.created_at,
            expires_at: r.expires_at,
        })
        .collect())
}

/// Withdraws a pending invitation; its link stops working.
pub async fn revoke_invitation(
    db: &DatabaseConnection,
    access: &TenantAccess,
    id: InvitationId,
) -> DomainResult<()> {
    access.require(Role::Admin)?;
    let access = access.clone();
    db.transaction::<_, (), DomainError>(|tx| {
        Box::pin(async move {
            let row = invitation::Entity::find_by_id(id.0)
                .filter(invitation::Column::TenantId.eq(access.tenant.id().0))
                .filter(invitation::Column::AcceptedAt.is_null())
                .one(tx)
                .await?
                .ok_or(DomainError::NotFound)?;
            let before = json!({ "email": row.email, "role": row.role });
            row.delete(tx).await?;
            audit::record(
                tx,
                access.tenant.id(),
                &access.actor,
                Change::new("invitation.revoked", "invitation", id).before(before),
            )
            .await
        })
    })
    .await
    .map_err(Into::into)
}

async fn find_open(
    db: &impl ConnectionTrait,
    secret: &str,
) -> DomainResult<(invitation::Model, tenant::Model)> {
    if !secret.starts_with(TOKEN_PREFIX) {
        return Err(DomainError::NotFound);
    }
    let (row, tenant) = invitation::Entity::find()
        .filter(invitation::Column::TokenHash.eq(secret_tokens::digest(secret)))
        .filter(invitation::Column::AcceptedAt.is_null())
        .filter(invitation::Column::ExpiresAt.gt(Utc::now()))
        .find_also_related(tenant::Entity)
        .one(db)
        .await?
        .ok_or(DomainError::NotFound)?;
    Ok((row, tenant.ok_or(DomainError::NotFound)?))
}

/// What an invitation link offers; `NotFound` when unknown, used or expired.
pub async fn preview_invitation(
    db: &impl ConnectionTrait,
    secret: &str,
) -> DomainResult<InvitationPreview> {
    let (row, tenant) = find_open(db, secret).await?;
    let account_exists = user::Entity::find()
        .filter(user::Column::Email.eq(row.email.as_str()))
        .one(db)
        .await?
        .is_some();
    Ok(InvitationPreview {
        tenant_name: tenant.name,
        email: row.email,
        role: stored_role(&row.role),
        account_exists,
    })
}

async fn join(
    tx: &impl ConnectionTrait,
    row: invitation::Model,
    user_id: UserId,
    label: String,
) -> DomainResult<TenantId> {
    let tenant_id = TenantId(row.tenant_id);
    let role = row.role.clone();
    let invitation_id = row.id;
    let mut active = row.into_active_model();
    active.accepted_at = Set(Some(Utc::now()));
    active.update(tx).await?;
    let membership_id = MembershipId::new();
    membership::ActiveModel {
        id: Set(membership_id.0),
        tenant_id: Set(tenant_id.0),
        user_id: Set(user_id.0),
        role: Set(role.clone()),
        created_at: Set(Utc::now()),
    }
    .insert(tx)
    .await?;
    let actor = Actor {
        kind: ActorKind::User,
        user_id: Some(user_id),
        token_id: None,
        label,
    };
    audit::record(
        tx,
        tenant_id,
        &actor,
        Change::new("invitation.accepted", "membership", membership_id)
            .after(json!({ "invitation_id": invitation_id, "user_id": user_id, "role": role })),
    )
    .await?;
    Ok(tenant_id)
}

/// A logged-in user accepts. The invitation is bound to an e-mail address, so
/// only the account with that address may use it.
pub async fn accept_as_user(
    db: &DatabaseConnection,
    secret: &str,
    user: &LoggedInUser,
) -> DomainResult<TenantId> {
    let secret = secret.to_owned();
    let user = user.clone();
    db.transaction::<_, TenantId, DomainError>(|tx| {
        Box::pin(async move {
            let (row, _) = find_open(tx, &secret).await?;
            if row.email != user.email {
                return Err(DomainError::Forbidden(
                    "this invitation was sent to another e-mail address",
                ));
            }
            let already = membership::Entity::find()
                .filter(membership::Column::TenantId.eq(row.tenant_id))
                .filter(membership::Column::UserId.eq(user.id.0))
                .one(tx)
                .await?;
            if already.is_some() {
                return Err(DomainError::Conflict(
                    "You are already a member of this workspace.".to_owned(),
                ));
            }
            join(tx, row, user.id, user.email.clone()).await
        })
    })
    .await
    .map_err(Into::into)
}

/// Someone without an account accepts: the account is created with the
/// invited e-mail, then joins.
pub async fn accept_as_new_user(
    db: &DatabaseConnection,
    secret: &str,
    name: PersonName,
    password: NewPassword,
) -> DomainResult<(UserId, TenantId)> {
    let preview = preview_invitation(db, secret).await?;
    if preview.account_exists {
        return Err(DomainError::Conflict(
            "An account with this e-mail exists. Log in to accept.".to_owned(),
        ));
    }
    let password_hash = passwords::hash(password).await?;
    let secret = secret.to_owned();
    db.transaction::<_, (UserId, TenantId), DomainError>(|tx| {
        Box::pin(async move {
            let (row, _) = find_open(tx, &secret).await?;
            let user_id = UserId::new();
            user::ActiveModel {
                id: Set(user_id.0),
                email: Set(row.email.clone()),
                name: Set(name.as_str().to_owned()),
                password_hash: Set(password_hash),
                platform_role: Set(None),
                created_at: Set(Utc::now()),
                last_login_at: Set(Some(Utc::now())),
            }
            .insert(tx)
            .await
            .map_err(crate::accounts::unique_email_error)?;
            let label = row.email.clone();
            let tenant_id = join(tx, row, user_id, label).await?;
            Ok((user_id, tenant_id))
        })
    })
    .await
    .map_err(Into::into)
}

/// Removes invitations that expired more than 30 days ago (housekeeping job).
pub async fn purge_expired_invitations(db: &impl ConnectionTrait) -> DomainResult<u64> {
    let cutoff = Utc::now() - Duration::days(30);
    let result = invitation::Entity::delete_many()
        .filter(invitation::Column::AcceptedAt.is_null())
        .filter(invitation::Column::ExpiresAt.lt(cutoff))
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}
