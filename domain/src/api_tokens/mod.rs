//! API tokens: bearer credentials for `/api/v1`, each bound to one tenant and a
//! role no higher than its creator's. Shown once at creation, stored as a digest.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    IntoActiveModel, QueryFilter, QueryOrder, Set, TransactionTrait,
};
use serde_json::json;

use crate::accounts::TokenName;
use crate::audit::{self, Change};
use crate::entities::{api_token, tenant};
use crate::error::{DomainError, DomainResult};
use crate::ids::ApiTokenId;
use crate::secret_tokens;
use crate::tenancy::{Actor, ActorKind, Role, Tenant, TenantAccess, stored_role};

const TOKEN_PREFIX: &str = "ferry_pat_";
/// `last_used_at` is refreshed at most this often, so a busy token does not
/// turn every API read into a write.
const LAST_USED_GRANULARITY_SECS: i64 = 60;

#[derive(Clone, Debug)]
pub struct ApiTokenRow {
    pub id: ApiTokenId,
    pub name: String,
    pub role: Role,
    /// The first characters of the secret, enough to recognise it.
    pub prefix: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// Creates a token and returns its id and the secret (shown once).
pub async fn create_token(
    db: &DatabaseConnection,
    access: &TenantAccess,
    name: TokenName,
    role: Role,
) -> DomainResult<(ApiTokenId, String)> {
    access.require(Role::Admin)?;
    if role > access.role {
        return Err(DomainError::invalid(
            "role",
            "A token cannot have more power than you have.",
        ));
    }
    if role == Role::Owner {
        return Err(DomainError::invalid("role", "Tokens can be admin at most."));
    }
    let secret = secret_tokens::generate(TOKEN_PREFIX);
    let id = ApiTokenId::new();
    let access = access.clone();
    let hash = secret_tokens::digest(&secret);
    let prefix: String = secret.chars().take(TOKEN_PREFIX.len() + 6).collect();
    db.transaction::<_, (), DomainError>(|tx| {
        Box::pin(async move {
            api_token::ActiveModel {
                id: Set(id.0),
                tenant_id: Set(access.tenant.id().0),
                name: Set(name.as_str().to_owned()),
                role: Set(role.as_str().to_owned()),
                token_hash: Set(hash),
                prefix: Set(prefix.clone()),
                created_by: Set(access.actor.user_id.map(|u| u.0).unwrap_or_default()),
                created_at: Set(Utc::now()),
                last_used_at: Set(None),
                revoked_at: Set(None),
            }
            .insert(tx)
            .await?;
            audit::record(
                tx,
                access.tenant.id(),
                &access.actor,
                Change::new("api_token.created", "api_token", id)
                    .after(json!({ "name": name.as_str(), "role": role, "prefix": prefix })),
            )
            .await
        })
    })
    .await?;
    Ok((id, secret))
}

/// Every token of the tenant, newest first (revoked ones included, marked).
pub async fn list_tokens(
    db: &impl ConnectionTrait,
    access: &TenantAccess,
) -> DomainResult<Vec<ApiTokenRow>> {
    let rows = api_token::Entity::find()
        .filter(api_token::Column::TenantId.eq(access.tenant.id().0))
        .order_by_desc(api_token::Column::CreatedAt)
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| ApiTokenRow {
            id: ApiTokenId(r.id),
            name: r.name,
            role: stored_role(&r.role),
            prefix: r.prefix,
            created_at: r.created_at,
            last_used_at: r.last_used_at,
            revoked_at: r.revoked_at,
        })
        .collect())
}

/// Revokes a token; requests with it fail from now on.
pub async fn revoke_token(
    db: &DatabaseConnection,
    access: &TenantAccess,
    id: ApiTokenId,
) -> DomainResult<()> {
    access.require(Role::Admin)?;
    let access = access.clone();
    db.transaction::<_, (), DomainError>(|tx| {
        Box::pin(async move {
            let row = api_token::Entity::find_by_id(id.0)
                .filter(api_token::Column::TenantId.eq(access.tenant.id().0))
                .one(tx)
                .await?
                .ok_or(DomainError::NotFound)?;
            if row.revoked_at.is_some() {
                return Ok(());
            }
            let name = row.name.clone();
            let mut active = row.into_active_model();
            active.revoked_at = Set(Some(Utc::now()));
            active.update(tx).await?;
            audit::record(
                tx,
                access.tenant.id(),
                &access.actor,
                Change::new("api_token.revoked", "api_token", id).before(json!({ "name": name })),
            )
            .await
        })
    })
    .await
    .map_err(Into::into)
}

/// The tenant access a bearer secret grants, or `None` when it is unknown or revoked.
pub async fn access_for_token(
    db: &impl ConnectionTrait,
    secret: &str,
) -> DomainResult<Option<TenantAccess>> {
    if !secret.starts_with(TOKEN_PREFIX) {
        return Ok(None);
    }
    let found = api_token::Entity::find()
        .filter(api_token::Column::TokenHash.eq(secret_tokens::digest(secret)))
        .filter(api_token::Column::RevokedAt.is_null())
        .find_also_related(tenant::Entity)
        .one(db)
        .await?;
    let Some((row, Some(tenant))) = found else {
        return Ok(None);
    };
    let now = Utc::now();
    let stale = row
        .last_used_at
        .is_none_or(|at| now - at > Duration::seconds(LAST_USED_GRANULARITY_SECS));
    let access = TenantAccess {
        tenant: Tenant::from_row(tenant),
        actor: Actor {
            kind: ActorKind::ApiToken,
            user_id: None,
            token_id: Some(ApiTokenId(row.id)),
            label: format!("API token \u{201c}{}\u{201d}", row.name),
        },
        role: stored_role(&row.role),
    };
    if stale {
        let mut active = row.into_active_model();
        active.last_used_at = Set(Some(now));
        active.update(db).await?;
    }
    Ok(Some(access))
}
