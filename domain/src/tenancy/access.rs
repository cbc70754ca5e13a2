//! Resolving a credential into tenant access.

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

use super::role::{Role, stored_role};
use crate::entities::{membership, tenant, user};
use crate::error::{DomainError, DomainResult};
use crate::ids::{ApiTokenId, TenantId, UserId};

/// The tenant a request or job acts for. No public constructor: only the
/// functions of this crate that checked a credential make one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tenant {
    id: TenantId,
    name: String,
}

impl Tenant {
    pub(crate) fn from_row(row: tenant::Model) -> Self {
        Self {
            id: TenantId(row.id),
            name: row.name,
        }
    }

    pub fn id(&self) -> TenantId {
        self.id
    }

    pub fn name(&self) -> &str {
        &self.name
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ActorKind {
    User,
    ApiToken,
    Support,
    System,
}

impl ActorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ActorKind::User => "user",
            ActorKind::ApiToken => "api_token",
            ActorKind::Support => "support",
            ActorKind::System => "system",
        }
    }
}

/// Who is acting, for the audit log and for role checks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Actor {
    pub kind: ActorKind,
    pub user_id: Option<UserId>,
    pub token_id: Option<ApiTokenId>,
    /// E-mail of the user, or the token's name: what the audit log shows.
    pub label: String,
}

impl Actor {
    /// Ferry itself (a job, a rotation), for the audit log.
    pub fn system() -> Self {
        Self {
            kind: ActorKind::System,
            user_id: None,
            token_id: None,
            label: "Ferry".to_owned(),
        }
    }
}

/// Verified access to one tenant with one role.
#[derive(Clone, Debug)]
pub struct TenantAccess {
    pub tenant: Tenant,
    pub actor: Actor,
    pub role: Role,
}

impl TenantAccess {
    /// Refuses unless the role is at least `min`.
    pub fn require(&self, min: Role) -> DomainResult<()> {
        if self.role >= min {
            Ok(())
        } else {
            Err(DomainError::Forbidden(match min {
                Role::Owner => "only an owner can do this",
                Role::Admin => "only an owner or admin can do this",
                Role::Member => "viewers cannot change anything",
                Role::Viewer => "no access",
            }))
        }
    }
}

/// Proof that the user holds the platform role `support`.
#[derive(Clone, Debug)]
pub struct SupportAccess {
    pub user_id: UserId,
    pub email: String,
}

/// One line of the tenant switcher.
#[derive(Clone, Debug)]
pub struct TenantSummary {
    pub id: TenantId,
    pub name: String,
    pub role: Role,
}

/// The access `user_id` has to `tenant_id`, or `None` when not a member.
pub async fn access_for_user(
    db: &impl ConnectionTrait,
    user_id: UserId,
    tenant_id: TenantId,
) -> DomainResult<Option<TenantAccess>> {
    let Some(user) = user::Entity::find_by_id(user_id.0).one(db).await? else {
        return Ok(None);
    };
    let found = membership::Entity::find()
        .filter(membership::Column::UserId.eq(user_id.0))
        .filter(membership::Column::TenantId.eq(tenant_id.0))
        .find_also_related(tenant::Entity)
        .one(db)
        .await?;
    Ok(found.and_then(|(m, t)| {
        t.map(|t| TenantAccess {
            tenant: Tenant::from_row(t),
            actor: Actor {
                kind: ActorKind::User,
                user_id: Some(user_id),
                token_id: None,
                label: user.email.clone(),
            },
            role: stored_role(&m.role),
        })
    }))
}

/// Every tenant the user belongs to, by name.
pub async fn tenants_of_user(
    db: &impl ConnectionTrait,
    user_id: UserId,
) -> DomainResult<Vec<TenantSummary>> {
    let rows = membership::Entity::find()
        .filter(membership::Column::UserId.eq(user_id.0))
        .find_also_related(tenant::Entity)
        .order_by_asc(membership::Column::CreatedAt)
        .all(db)
        .await?;
    let mut out: Vec<TenantSummary> = rows
        .into_iter()
        .filter_map(|(m, t)| {
            t.map(|t| TenantSummary {
                id: TenantId(t.id),
                name: t.name,
                role: stored_role(&m.role),
            })
        })
        .collect();
    out.sort_by_key(|t| t.name.to_lowercase());
    Ok(out)
}

/// Support access for `user_id`, if that user holds the platform role.
pub async fn support_access(
    db: &impl ConnectionTrait,
    user_id: UserId,
) -> DomainResult<Option<SupportAccess>> {
    let user = user::Entity::find_by_id(user_id.0).one(db).await?;
    Ok(user
        .filter(|u| u.platform_role.as_deref() == Some(crate::accounts::SUPPORT_ROLE))
        .map(|u| SupportAccess {
            user_id,
            email: u.email,
        }))
}
