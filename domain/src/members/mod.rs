//! A tenant's members: listing them, changing roles, removing them.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    IntoActiveModel, ModelTrait, PaginatorTrait, QueryFilter, Set, TransactionTrait,
};
use serde_json::json;

use crate::audit::{self, Change};
use crate::entities::{membership, user};
use crate::error::{DomainError, DomainResult};
use crate::ids::{MembershipId, UserId};
use crate::tenancy::{Role, TenantAccess, stored_role};

#[derive(Clone, Debug)]
pub struct MemberRow {
    pub id: MembershipId,
    pub user_id: UserId,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub joined_at: DateTime<Utc>,
}

/// Everyone in the tenant, owners first.
pub async fn list_members(
    db: &impl ConnectionTrait,
    access: &TenantAccess,
) -> DomainResult<Vec<MemberRow>> {
    let rows = membership::Entity::find()
        .filter(membership::Column::TenantId.eq(access.tenant.id().0))
        .find_also_related(user::Entity)
        .all(db)
        .await?;
    let mut members: Vec<MemberRow> = rows
        .into_iter()
        .filter_map(|(m, u)| {
            u.map(|u| MemberRow {
                id: MembershipId(m.id),
                user_id: UserId(u.id),
                name: u.name,
                email: u.email,
                role: stored_role(&m.role),
                joined_at: m.created_at,
            })
        })
        .collect();
    members.sort_by(|a, b| b.role.cmp(&a.role).then_with(|| a.email.cmp(&b.email)));
    Ok(members)
}

/// One member of the tenant; another tenant's membership is not found.
pub async fn get_member(
    db: &impl ConnectionTrait,
    access: &TenantAccess,
    id: MembershipId,
) -> DomainResult<MembershipId> {
    find_membership(db, access, id)
        .await
        .map(|m| MembershipId(m.id))
}

async fn find_membership(
    db: &impl ConnectionTrait,
    access: &TenantAccess,
    id: MembershipId,
) -> DomainResult<membership::Model> {
    membership::Entity::find_by_id(id.0)
        .filter(membership::Column::TenantId.eq(access.tenant.id().0))
        .one(db)
        .await?
        .ok_or(DomainError::NotFound)
}

async fn owner_count(db: &impl ConnectionTrait, access: &TenantAccess) -> DomainResult<u64> {
    Ok(membership::Entity::find()
        .filter(membership::Column::TenantId.eq(access.tenant.id().0))
        .filter(membership::Column::Role.eq(Role::Owner.as_str()))
        .count(db)
        .await?)
}

/// Only owners may grant, or take away, ownership; admins manage the rest.
fn check_may_assign(access: &TenantAccess, from: Role, to: Role) -> DomainResult<()> {
    access.require(Role::Admin)?;
    if (from == Role::Owner || to == Role::Owner) && access.role < Role::Owner {
        return Err(DomainError::Forbidden(
            "only an owner can grant or remove ownership",
        ));
    }
    Ok(())
}

pub(crate) fn check_may_grant(access: &TenantAccess, role: Role) -> DomainResult<()> {
    check_may_assign(access, Role::Viewer, role)
}

/// Sets a member's role. A tenant always keeps at least one owner.
pub async fn change_role(
    db: &DatabaseConnection,
    access: &TenantAccess,
    id: MembershipId,
    role: Role,
) -> DomainResult<()> {
    let access = access.clone();
    db.transaction::<_, (), DomainError>(|tx| {
        Box::pin(async move {
            let row = find_membership(tx, &access, id).await?;
            let from = stored_role(&row.role);
            check_may_assign(&access, from, role)?;
            if from == role {
                return Ok(());
            }
            if from == Role::Owner && owner_count(tx, &access).await? <= 1 {
                return Err(DomainError::Conflict(
                    "A workspace needs at least one owner. Make someone else an owner first."
                        .to_owned(),
                ));
            }
            let user_id = row.user_id;
            let mut active = row.into_active_model();
            active.role = Set(role.as_str().to_owned());
            active.update(tx).await?;
            audit::record(
                tx,
                access.tenant.id(),
                &access.actor,
                Change::new("member.role_changed", "membership", id)
                    .before(json!({ "user_id": user_id, "role": from }))
                    .after(json!({ "user_id": user_id, "role": role })),
            )
            .await
        })
    })
    .await
    .map_err(Into::into)
}

/// Removes a member from the tenant (the user account stays).
pub async fn remove_member(
    db: &DatabaseConnection,
    access: &TenantAccess,
    id: MembershipId,
) -> DomainResult<()> {
    let access = access.clone();
    db.transaction::<_, (), DomainError>(|tx| {
        Box::pin(async move {
            let row = find_membership(tx, &access, id).await?;
            let from = stored_role(&row.role);
            check_may_assign(&access, from, Role::Viewer)?;
            if from == Role::Owner && owner_count(tx, &access).await? <= 1 {
                return Err(DomainError::Conflict(
                    "The last owner cannot be removed.".to_owned(),
                ));
            }
            let before = json!({ "user_id": row.user_id, "role": from });
            row.delete(tx).await?;
            audit::record(
                tx,
                access.tenant.id(),
                &access.actor,
                Change::new("member.removed", "membership", id).before(before),
            )
            .await
        })
    })
    .await
    .map_err(Into::into)
}
