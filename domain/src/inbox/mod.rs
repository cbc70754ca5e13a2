//! What Salesforce pushes to Ferry: change notifications arriving at a tenant's listener.
//! Parsing and answering are pure here; the HTTP handler only extracts, calls and maps.

pub mod outbound_message;

pub use outbound_message::{
    CONTENT_TYPE, MAX_DEPTH, MAX_FIELDS, MAX_NOTIFICATIONS, MAX_VALUE_BYTES, MessageError,
    Notification, OutboundMessage, ack_response, fault_response, parse,
};
