//! Storage row of `flows`. Behaviour lives in the domain modules, not here.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "flows")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub integration_id: Uuid,
    pub flow_key: String,
    pub section: String,
    pub name: String,
    pub trigger_kind: String,
    pub enabled: bool,
    pub settings: Json,
    pub version: i32,
    /// The secret in the flow's listener URL; `None` until first shown.
    pub listener_token: Option<String>,
    /// Scheduled polling resumes after this `SystemModstamp`.
    pub poll_watermark: Option<String>,
    pub polled_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
