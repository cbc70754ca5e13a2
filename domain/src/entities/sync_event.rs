//! Storage row of `sync_events`: the inbox: one notification (or polled row) to process.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "sync_events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub flow_id: Uuid,
    pub record_id: String,
    pub source: String,
    pub notification_id: Option<String>,
    pub modstamp: Option<String>,
    pub status: String,
    pub attempts: i32,
    pub available_at: DateTimeUtc,
    pub claimed_at: Option<DateTimeUtc>,
    pub received_at: DateTimeUtc,
    pub done_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
