//! Endpoints remote systems call: Salesforce outbound messages. The tenant comes from the
//! unguessable token in the URL, never from the message.

pub mod salesforce;
