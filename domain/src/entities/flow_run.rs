//! Storage row of `flow_runs`: one run of a flow with its counts.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "flow_runs")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub flow_id: Uuid,
    pub trigger: String,
    pub status: String,
    pub processed: i32,
    pub created: i32,
    pub updated: i32,
    pub unchanged: i32,
    pub skipped: i32,
    pub failed: i32,
    pub started_at: DateTimeUtc,
    pub finished_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
