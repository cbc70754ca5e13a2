//! Storage row of `inbox_messages`: an outbound message as the listener stored it before its
//! `Ack`, waiting for the engine to split it into `sync_events`.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "inbox_messages")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub flow_id: Uuid,
    pub received_at: DateTimeUtc,
    /// How many notifications `events` holds, so the backlog counts them without parsing.
    pub notifications: i32,
    /// The notifications as a JSON array of `sync::events::EventRow`.
    pub events: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
