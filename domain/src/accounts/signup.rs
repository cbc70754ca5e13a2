//! Sign-up: a new tenant, its owner, and the Salesforce–NetSuite app installed.

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    Set, TransactionTrait,
};
use serde_json::json;

use super::inputs::{Email, NewPassword, PersonName, TenantName};
use super::passwords;
use crate::audit::{self, Change};
use crate::entities::{membership, tenant, user};
use crate::error::{DomainError, DomainResult};
use crate::ids::{MembershipId, TenantId, UserId};
use crate::integrations;
use crate::tenancy::{Actor, ActorKind, Role};

pub struct SignupInput {
    pub company: TenantName,
    pub name: PersonName,
    pub email: Email,
    pub password: NewPassword,
}

/// Creates the tenant, its owner and the installed app, all in one transaction.
pub async fn signup(
    db: &DatabaseConnection,
    input: SignupInput,
) -> DomainResult<(UserId, TenantId)> {
    if find_by_email(db, &input.email).await?.is_some() {
        return Err(DomainError::invalid(
            "email",
            "An account with this e-mail already exists. Log in, then create a new workspace from the workspace menu.",
        ));
    }
    let password_hash = passwords::hash(input.password).await?;
    let user_id = UserId::new();
    let email = input.email.as_str().to_owned();
    let tenant_id = db
        .transaction::<_, TenantId, DomainError>(|tx| {
            Box::pin(async move {
                user::ActiveModel {
                    id: Set(user_id.0),
                    email: Set(email.clone()),
                    name: Set(input.name.as_str().to_owned()),
                    password_hash: Set(password_hash),
                    platform_role: Set(None),
                    created_at: Set(Utc::now()),
                    last_login_at: Set(None),
                }
                .insert(tx)
                .await
                .map_err(unique_email_or)?;
                let actor = Actor {
                    kind: ActorKind::User,
                    user_id: Some(user_id),
                    token_id: None,
                    label: email,
                };
                create_tenant_owned_by(tx, &actor, user_id, &input.company).await
            })
        })
        .await?;
    Ok((user_id, tenant_id))
}

/// A further tenant ("workspace") owned by an existing user.
pub async fn create_workspace(
    db: &DatabaseConnection,
    user_id: UserId,
    company: TenantName,
) -> DomainResult<TenantId> {
    let owner = user::Entity::find_by_id(user_id.0)
        .one(db)
        .await?
        .ok_or(DomainError::NotFound)?;
    db.transaction::<_, TenantId, DomainError>(|tx| {
        Box::pin(async move {
            let actor = Actor {
                kind: ActorKind::User,
                user_id: Some(user_id),
                token_id: None,
                label: owner.email,
            };
            create_tenant_owned_by(tx, &actor, user_id, &company).await
        })
    })
    .await
    .map_err(Into::into)
}

async fn create_tenant_owned_by(
    tx: &impl ConnectionTrait,
    actor: &Actor,
    owner: UserId,
    company: &TenantName,
) -> DomainResult<TenantId> {
    let now = Utc::now();
    let tenant_id = TenantId::new();
    tenant::ActiveModel {
        id: Set(tenant_id.0),
        name: Set(company.as_str().to_owned()),
        created_at: Set(now),
    }
    .insert(tx)
    .await?;
    membership::ActiveModel {
        id: Set(MembershipId::new().0),
        tenant_id: Set(tenant_id.0),
        user_id: Set(owner.0),
        role: Set(Role::Owner.as_str().to_owned()),
        created_at: Set(now),
    }
    .insert(tx)
    .await?;
    audit::record(
        tx,
        tenant_id,
        actor,
        Change::new("tenant.created", "tenant", tenant_id)
            .after(json!({ "name": company.as_str(), "owner": actor.label })),
    )
    .await?;
    integrations::install_salesforce_netsuite(tx, tenant_id, actor).await?;
    Ok(tenant_id)
}

pub(crate) async fn find_by_email(
    db: &impl ConnectionTrait,
    email: &Email,
) -> DomainResult<Option<user::Model>> {
    Ok(user::Entity::find()
        .filter(user::Column::Email.eq(email.as_str()))
        .one(db)
        .await?)
}

/// Two sign-ups racing for one e-mail: the unique index decides, and the loser
/// gets the same message as the early check gives.
pub(crate) fn unique_email_or(err: sea_orm::DbErr) -> DomainError {
    if matches!(
        err.sql_err(),
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
    ) {
        DomainError::invalid("email", "An account with this e-mail already exists.")
    } else {
        DomainError::Database(err)
    }
}
