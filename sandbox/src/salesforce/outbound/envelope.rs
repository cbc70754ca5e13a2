//! The SOAP 1.1 envelope of an outbound message and the listener's acknowledgement, in the
//! exact shape of PROTOCOLS.md A10.1.

use quick_xml::Reader;
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use serde_json::Value;

use super::Notification;

const SOAPENV_NS: &str = "http://schemas.xmlsoap.org/soap/envelope/";
const XSI_NS: &str = "http://www.w3.org/2001/XMLSchema-instance";
const OUTBOUND_NS: &str = "http://soap.sforce.com/2005/09/outbound";
const SOBJECT_NS: &str = "urn:sobject.enterprise.soap.sforce.com";

/// The message-level values of an envelope.
pub struct EnvelopeHeader<'a> {
    pub organization_id: &'a str,
    pub action_id: &'a str,
    pub session_id: Option<&'a str>,
    pub enterprise_url: &'a str,
    pub partner_url: &'a str,
}

/// Writes the envelope for 1–100 notifications.
pub fn write(
    header: &EnvelopeHeader<'_>,
    notifications: &[Notification],
) -> Result<String, std::io::Error> {
    let mut w = Writer::new(Vec::new());
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    w.write_event(Event::Start(
        BytesStart::new("soapenv:Envelope")
            .with_attributes([("xmlns:soapenv", SOAPENV_NS), ("xmlns:xsi", XSI_NS)]),
    ))?;
    w.write_event(Event::Start(BytesStart::new("soapenv:Body")))?;
    w.write_event(Event::Start(
        BytesStart::new("notifications").with_attributes([("xmlns", OUTBOUND_NS)]),
    ))?;
    text_element(&mut w, "OrganizationId", header.organization_id)?;
    text_element(&mut w, "ActionId", header.action_id)?;
    match header.session_id {
        Some(session) => text_element(&mut w, "SessionId", session)?,
        None => {
            w.write_event(Event::Empty(
                BytesStart::new("SessionId").with_attributes([("xsi:nil", "true")]),
            ))?;
        }
    }
    text_element(&mut w, "EnterpriseUrl", header.enterprise_url)?;
    text_element(&mut w, "PartnerUrl", header.partner_url)?;
    for notification in notifications {
        w.write_event(Event::Start(BytesStart::new("Notification")))?;
        text_element(&mut w, "Id", &notification.id)?;
        let sobject_type = format!("sf:{}", notification.object.name());
        w.write_event(Event::Start(BytesStart::new("sObject").with_attributes([
            ("xsi:type", sobject_type.as_str()),
            ("xmlns:sf", SOBJECT_NS),
        ])))?;
        for (field, value) in &notification.values {
            // Null fields are left out, as the SOAP API does for unset values.
            let text = match value {
                Value::Null => continue,
                Value::String(s) => soap_value(s),
                other => other.to_string(),
            };
            text_element(&mut w, &format!("sf:{field}"), &text)?;
        }
        w.write_event(Event::End(BytesEnd::new("sObject")))?;
        w.write_event(Event::End(BytesEnd::new("Notification")))?;
    }
    w.write_event(Event::End(BytesEnd::new("notifications")))?;
    w.write_event(Event::End(BytesEnd::new("soapenv:Body")))?;
    w.write_event(Event::End(BytesEnd::new("soapenv:Envelope")))?;
    Ok(String::from_utf8_lossy(&w.into_inner()).into_owned())
}

fn text_element(w: &mut Writer<Vec<u8>>, name: &str, text: &str) -> Result<(), std::io::Error> {
    w.write_event(Event::Start(BytesStart::new(name)))?;
    w.write_event(Event::Text(BytesText::new(text)))?;
    w.write_event(Event::End(BytesEnd::new(name)))?;
    Ok(())
}

/// SOAP writes datetimes as xsd:dateTime in UTC (`…000Z`) rather than REST's `+0000`.
fn soap_value(text: &str) -> String {
    match text.strip_suffix("+0000") {
        Some(head) if head.len() == 23 && head.as_bytes().get(10) == Some(&b'T') => {
            format!("{head}Z")
        }
        _ => text.to_owned(),
    }
}

/// Whether a listener's answer is a proper acknowledgement: a `notificationsResponse` holding
/// `<Ack>true</Ack>`, and no SOAP fault.
pub fn is_ack(body: &str) -> bool {
    let mut reader = Reader::from_str(body);
    reader.config_mut().trim_text(true);
    let mut in_response = false;
    let mut in_ack = false;
    let mut acked = false;
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) => {
                let name = e.local_name();
                match name.as_ref() {
                    b"Fault" => return false,
                    b"notificationsResponse" => in_response = true,
                    b"Ack" if in_response => in_ack = true,
                    _ => {}
                }
            }
            Ok(Event::Empty(e)) if e.local_name().as_ref() == b"Fault" => return false,
            Ok(Event::Text(t)) if in_ack => {
                acked = String::from_utf8_lossy(&t).trim() == "true";
            }
            Ok(Event::End(e)) => match e.local_name().as_ref() {
                b"Ack" => in_ack = false,
                b"notificationsResponse" => in_response = false,
                _ => {}
            },
            Ok(Event::Eof) => return acked,
            Err(_) => return false,
            Ok(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_proper_ack_is_recognised_and_anything_else_is_not() {
        let ack = r#"<?xml version="1.0"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><notificationsResponse xmlns="http://soap.sforce.com/2005/09/outbound"><Ack>true</Ack></notificationsResponse></soapenv:Body></soapenv:Envelope>"#;
        assert!(is_ack(ack));
        assert!(!is_ack(&ack.replace("true", "false")));
        assert!(!is_ack("<Ack>true</Ack>"));
        assert!(!is_ack("OK"));
        assert!(!is_ack(
            "<soapenv:Envelope><soapenv:Body><soapenv:Fault/></soapenv:Body></soapenv:Envelope>"
        ));
    }

    #[test]
    fn soap_datetimes_end_in_z() {
        assert_eq!(
            soap_value("2026-11-20T09:15:02.000+0000"),
            "2026-11-20T09:15:02.000Z"
        );
        assert_eq!(soap_value("plain+0000"), "plain+0000");
    }
}
