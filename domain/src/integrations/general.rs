//! An integration's General settings: its name and whether it is wired to production or
//! sandbox systems (a label people see on the tile, so nobody mistakes one for the other).

use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, IntoActiveModel, QueryFilter,
    Set, TransactionTrait,
};
use serde_json::json;

use crate::audit::{self, Change};
use crate::entities::integration;
use crate::error::{DomainError, DomainResult, FieldErrors};
use crate::ids::IntegrationId;
use crate::tenancy::{Role, TenantAccess};

/// The environment labels an integration can carry.
pub const ENVIRONMENTS: [(&str, &str); 2] = [("production", "Production"), ("sandbox", "Sandbox")];

/// A valid name and environment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GeneralSettings {
    name: String,
    environment: &'static str,
}

impl GeneralSettings {
    /// Parses what the form or the API sent; every problem at once.
    pub fn parse(name: &str, environment: &str) -> Result<Self, DomainError> {
        let mut errors = FieldErrors::default();
        let name = name.trim();
        if name.is_empty() {
            errors.push("name", "Give the integration a name.");
        } else if name.chars().count() > 80 {
            errors.push("name", "Keep the name to 80 characters.");
        } else if name.chars().any(char::is_control) {
            // PostgreSQL cannot store U+0000; no name needs a control character.
            errors.push("name", "Remove the control characters from the name.");
        }
        let environment = ENVIRONMENTS
            .iter()
            .find(|(value, _)| *value == environment.trim())
            .map(|(value, _)| *value);
        if environment.is_none() {
            errors.push("environment", "Choose production or sandbox.");
        }
        errors.into_result()?;
        Ok(Self {
            name: name.to_owned(),
            environment: environment.unwrap_or("production"),
        })
    }
}

/// Renames the integration and sets its environment label.
pub async fn update_general(
    db: &DatabaseConnection,
    access: &TenantAccess,
    id: IntegrationId,
    input: GeneralSettings,
) -> DomainResult<()> {
    access.require(Role::Admin)?;
    let tx = db.begin().await?;
    let row = integration::Entity::find_by_id(id.0)
        .filter(integration::Column::TenantId.eq(access.tenant.id().0))
        .one(&tx)
        .await?
        .ok_or(DomainError::NotFound)?;
    if row.name == input.name && row.environment == input.environment {
        return Ok(());
    }
    let before = json!({ "name": row.name, "environment": row.environment });
    let mut active = row.into_active_model();
    active.name = Set(input.name.clone());
    active.environment = Set(input.environment.to_owned());
    active.update(&tx).await?;
    audit::record(
        &tx,
        access.tenant.id(),
        &access.actor,
        Change::new("integration.updated", "integration", id)
            .before(before)
            .after(json!({ "name": input.name, "environment": input.environment })),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_environments_are_checked() {
        assert!(GeneralSettings::parse(" Main org ", "sandbox").is_ok());
        let Err(DomainError::Invalid(errors)) = GeneralSettings::parse(" ", "staging") else {
            panic!("expected errors");
        };
        assert!(errors.get("name").is_some());
        assert!(errors.get("environment").is_some());
    }
}
