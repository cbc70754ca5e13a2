//! Salesforce outbound messages (PROTOCOLS.md A10.1): parsing what Salesforce POSTs and the
//! two answers a listener gives.
// Helpers outside #[test] fns are test code too; clippy.toml's test allowance misses them.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use ferry_domain::inbox::outbound_message::{
    self, MAX_FIELDS, MAX_NOTIFICATIONS, MAX_VALUE_BYTES, MessageError, Notification,
    OutboundMessage, ack_response, fault_response, parse,
};
use proptest::prelude::*;
use quick_xml::Reader;
use quick_xml::events::Event;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const SOAPENV: &str = "http://schemas.xmlsoap.org/soap/envelope/";
const OUTBOUND: &str = "http://soap.sforce.com/2005/09/outbound";
const SOBJECT: &str = "urn:sobject.enterprise.soap.sforce.com";
const XSI: &str = "http://www.w3.org/2001/XMLSchema-instance";

const ORG: &str = "00Dxx0000001gPLEAY";
const ACTION: &str = "04kxx0000000001AAA";
const NOTE: &str = "04lxx0000000001AAA";
const RECORD: &str = "003xx000004TmiQAAS";

/// The illustrative request of PROTOCOLS.md A10.1, verbatim.
const PROTOCOLS_EXAMPLE: &str = r#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"
                  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <soapenv:Body>
    <notifications xmlns="http://soap.sforce.com/2005/09/outbound">
      <OrganizationId>00Dxx0000001gPLEAY</OrganizationId>
      <ActionId>04kxx0000000001AAA</ActionId>
      <SessionId xsi:nil="true"/>
      <EnterpriseUrl>https://acme.my.salesforce.com/services/Soap/c/67.0/00Dxx0000001gPL</EnterpriseUrl>
      <PartnerUrl>https://acme.my.salesforce.com/services/Soap/u/67.0/00Dxx0000001gPL</PartnerUrl>
      <Notification>
        <Id>04lxx0000000001AAA</Id>
        <sObject xsi:type="sf:Contact" xmlns:sf="urn:sobject.enterprise.soap.sforce.com">
          <sf:Id>003xx000004TmiQAAS</sf:Id>
          <sf:Email>ada@example.com</sf:Email>
          <sf:LastName>Lovelace</sf:LastName>
        </sObject>
      </Notification>
    </notifications>
  </soapenv:Body>
</soapenv:Envelope>"#;

/// `inner` inside `notifications`, inside the usual envelope.
fn envelope(inner: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="{SOAPENV}" xmlns:xsi="{XSI}"><soapenv:Body><notifications xmlns="{OUTBOUND}">{inner}</notifications></soapenv:Body></soapenv:Envelope>"#
    )
}

/// The message-level children, as Salesforce sends them without a session id.
fn header() -> String {
    format!(
        "<OrganizationId>{ORG}</OrganizationId><ActionId>{ACTION}</ActionId>\
         <SessionId xsi:nil=\"true\"/>\
         <EnterpriseUrl>https://acme.my.salesforce.com/services/Soap/c/67.0/00Dxx0000001gPL</EnterpriseUrl>\
         <PartnerUrl>https://acme.my.salesforce.com/services/Soap/u/67.0/00Dxx0000001gPL</PartnerUrl>"
    )
}

/// One Contact notification whose `sObject` holds `sf:Id` and then `fields`.
fn notification(id: &str, record_id: &str, fields: &str) -> String {
    format!(
        r#"<Notification><Id>{id}</Id><sObject xsi:type="sf:Contact" xmlns:sf="{SOBJECT}"><sf:Id>{record_id}</sf:Id>{fields}</sObject></Notification>"#
    )
}

/// A whole message with one Contact notification holding `fields`.
fn contact(fields: &str) -> String {
    envelope(&format!(
        "{}{}",
        header(),
        notification(NOTE, RECORD, fields)
    ))
}

fn fields(pairs: &[(&str, Option<&str>)]) -> BTreeMap<String, Option<String>> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.map(str::to_owned)))
        .collect()
}

fn parse_str(xml: &str) -> Result<OutboundMessage, MessageError> {
    parse(xml.as_bytes())
}

fn only_fields(xml: &str) -> BTreeMap<String, Option<String>> {
    let message = parse_str(xml).unwrap();
    assert_eq!(message.notifications.len(), 1);
    message.notifications.into_iter().next().unwrap().fields
}

#[test]
fn the_protocols_example_parses_into_its_org_action_and_contact() {
    let message = parse_str(PROTOCOLS_EXAMPLE).unwrap();
    assert_eq!(
        message,
        OutboundMessage {
            organization_id: ORG.into(),
            action_id: Some(ACTION.into()),
            notifications: vec![Notification {
                id: NOTE.into(),
                object: "Contact".into(),
                record_id: RECORD.into(),
                fields: fields(&[
                    ("Email", Some("ada@example.com")),
                    ("LastName", Some("Lovelace")),
                ]),
            }],
        }
    );
}

#[test]
fn three_notifications_come_back_in_the_order_sent() {
    let xml = envelope(&format!(
        "{}{}{}{}",
        header(),
        notification(
            "04lxx0000000003AAA",
            "003xx0000000003AAA",
            "<sf:LastName>Three</sf:LastName>"
        ),
        notification(
            "04lxx0000000001AAA",
            "003xx0000000001AAA",
            "<sf:LastName>One</sf:LastName><sf:Email>one@example.com</sf:Email>"
        ),
        notification("04lxx0000000002AAA", "003xx0000000002", ""),
    ));
    let message = parse_str(&xml).unwrap();
    let summary: Vec<(&str, &str, usize)> = message
        .notifications
        .iter()
        .map(|n| (n.id.as_str(), n.record_id.as_str(), n.fields.len()))
        .collect();
    assert_eq!(
        summary,
        [
            ("04lxx0000000003AAA", "003xx0000000003AAA", 1),
            ("04lxx0000000001AAA", "003xx0000000001AAA", 2),
            ("04lxx0000000002AAA", "003xx0000000002", 0),
        ]
    );
    assert_eq!(
        message.notifications[1].fields,
        fields(&[
            ("Email", Some("one@example.com")),
            ("LastName", Some("One"))
        ])
    );
}

#[test]
fn any_choice_of_namespace_prefixes_parses_the_same() {
    let expected = parse_str(PROTOCOLS_EXAMPLE).unwrap();
    let variants = [
        // Every namespace declared on the root, every element prefixed.
        format!(
            r#"<S:Envelope xmlns:S="{SOAPENV}" xmlns:i="{XSI}" xmlns:out="{OUTBOUND}" xmlns:ent="{SOBJECT}"><S:Body><out:notifications><out:OrganizationId>{ORG}</out:OrganizationId><out:ActionId>{ACTION}</out:ActionId><out:SessionId i:nil="true"/><out:Notification><out:Id>{NOTE}</out:Id><out:sObject i:type="ent:Contact"><ent:Id>{RECORD}</ent:Id><ent:Email>ada@example.com</ent:Email><ent:LastName>Lovelace</ent:LastName></out:sObject></out:Notification></out:notifications></S:Body></S:Envelope>"#
        ),
        // SOAP as the default namespace, then redeclared default namespaces further down.
        format!(
            r#"<Envelope xmlns="{SOAPENV}"><Body><notifications xmlns="{OUTBOUND}"><OrganizationId>{ORG}</OrganizationId><ActionId>{ACTION}</ActionId><Notification><Id>{NOTE}</Id><sObject xmlns:x="{XSI}" x:type="Contact"><Id xmlns="{SOBJECT}">{RECORD}</Id><Email xmlns="{SOBJECT}">ada@example.com</Email><q:LastName xmlns:q="{SOBJECT}">Lovelace</q:LastName></sObject></Notification></notifications></Body></Envelope>"#
        ),
        // The `sf` prefix used for the SOAP envelope and `soapenv` for the sObject fields.
        format!(
            r#"<sf:Envelope xmlns:sf="{SOAPENV}" xmlns:xsi="{XSI}"><sf:Body><notifications xmlns="{OUTBOUND}"><OrganizationId>{ORG}</OrganizationId><ActionId>{ACTION}</ActionId><Notification><Id>{NOTE}</Id><sObject xsi:type="soapenv:Contact" xmlns:soapenv="{SOBJECT}"><soapenv:Id>{RECORD}</soapenv:Id><soapenv:Email>ada@example.com</soapenv:Email><soapenv:LastName>Lovelace</soapenv:LastName></sObject></Notification></notifications></sf:Body></sf:Envelope>"#
        ),
    ];
    for xml in &variants {
        assert_eq!(parse_str(xml).as_ref(), Ok(&expected), "{xml}");
    }
}

#[test]
fn a_familiar_prefix_bound_to_another_namespace_does_not_count() {
    let xml = envelope(&format!(
        r#"{}<Notification><Id>{NOTE}</Id><sObject xsi:type="sf:Contact" xmlns:sf="urn:sobject.partner.soap.sforce.com"><sf:Id>{RECORD}</sf:Id></sObject></Notification>"#,
        header()
    ));
    assert_eq!(
        parse_str(&xml),
        Err(MessageError::SObjectWithoutId { notification: 1 })
    );
    let wrong_soap = PROTOCOLS_EXAMPLE.replace(SOAPENV, "http://www.w3.org/2003/05/soap-envelope");
    let err = parse_str(&wrong_soap).unwrap_err();
    assert_eq!(err.code(), "not_soap_envelope");
    assert!(err.to_string().contains("2003/05/soap-envelope"), "{err}");
}

#[test]
fn nil_fields_are_none_and_empty_or_blank_fields_keep_their_text() {
    let got = only_fields(&contact(
        r#"<sf:Phone xsi:nil="true"/><sf:Fax xsi:nil="1"></sf:Fax><sf:Title/><sf:Department></sf:Department><sf:Description>   </sf:Description><sf:MobilePhone xsi:nil="false">  +1 555  </sf:MobilePhone>"#,
    ));
    assert_eq!(
        got,
        fields(&[
            ("Phone", None),
            ("Fax", None),
            ("Title", Some("")),
            ("Department", Some("")),
            ("Description", Some("   ")),
            ("MobilePhone", Some("  +1 555  ")),
        ])
    );
}

#[test]
fn entities_character_references_cdata_and_unicode_decode_exactly() {
    let got = only_fields(&contact(concat!(
        "<sf:FirstName>&quot;Ada&quot; O&apos;Brien</sf:FirstName>",
        "<sf:LastName>a &lt; b &amp;&amp; c &gt; d</sf:LastName>",
        "<sf:Title>&#x1F680; &#128640; 🚀 李小龍 Zoë</sf:Title>",
        "<sf:Description><![CDATA[<b>bold</b> & \"quoted\" 'single']]></sf:Description>",
        "<sf:Department>pre<![CDATA[<mid>]]>&amp;post<!-- a comment -->end</sf:Department>",
        "<sf:MailingStreet>line 1&#13;\nline 2\r\nline 3\rline 4\tindented</sf:MailingStreet>",
        "<sf:Email>it's@example.com</sf:Email>",
        "<sf:Phone><![CDATA[]]></sf:Phone>",
    )));
    assert_eq!(
        got,
        fields(&[
            ("FirstName", Some("\"Ada\" O'Brien")),
            ("LastName", Some("a < b && c > d")),
            ("Title", Some("🚀 🚀 🚀 李小龍 Zoë")),
            ("Description", Some("<b>bold</b> & \"quoted\" 'single'")),
            ("Department", Some("pre<mid>&postend")),
            // A raw line end is normalised by XML; an escaped carriage return is data.
            (
                "MailingStreet",
                Some("line 1\r\nline 2\nline 3\nline 4\tindented")
            ),
            ("Email", Some("it's@example.com")),
            ("Phone", Some("")),
        ])
    );
}

#[test]
fn header_soap_headers_comments_and_unknown_elements_are_skipped() {
    let xml = format!(
        r#"<?xml version="1.0" encoding="utf-8"?>
<!-- a comment before the root -->
<?some-pi data?>
<soapenv:Envelope xmlns:soapenv="{SOAPENV}" xmlns:xsi="{XSI}">
  <soapenv:Header><Trace xmlns="urn:x"><Deep><Deeper>t</Deeper></Deep></Trace></soapenv:Header>
  <soapenv:Body>
    <Other xmlns="urn:other">ignored</Other>
    <notifications xmlns="{OUTBOUND}">
      <OrganizationId>{ORG}</OrganizationId>
      <Extra>future addition</Extra>
      <Notification>
        <Id>{NOTE}</Id>
        <Priority xmlns="urn:x">high</Priority>
        <sObject xsi:type="sf:Contact" xmlns:sf="{SOBJECT}">
          <sf:Id>{RECORD}</sf:Id>
          <meta xmlns="urn:x"><a/></meta>
          <sf:LastName>Lovelace</sf:LastName>
        </sObject>
      </Notification>
    </notifications>
  </soapenv:Body>
</soapenv:Envelope>
<!-- trailing comment -->
"#
    );
    let message = parse_str(&xml).unwrap();
    assert_eq!(message.organization_id, ORG);
    assert_eq!(message.notifications[0].record_id, RECORD);
    assert_eq!(
        message.notifications[0].fields,
        fields(&[("LastName", Some("Lovelace"))])
    );
}

#[test]
fn missing_optional_elements_are_tolerated() {
    let xml = envelope(&format!(
        "<OrganizationId>{ORG}</OrganizationId>{}",
        notification(NOTE, RECORD, "")
    ));
    let message = parse_str(&xml).unwrap();
    assert_eq!(message.action_id, None);
    let nil_action = envelope(&format!(
        "<OrganizationId>{ORG}</OrganizationId><ActionId xsi:nil=\"true\"/>{}",
        notification(NOTE, RECORD, "")
    ));
    assert_eq!(parse_str(&nil_action).unwrap().action_id, None);
    let with_session = envelope(&format!(
        "<OrganizationId>{ORG}</OrganizationId><SessionId>00Dxx!AQ0AQ.secret</SessionId>{}",
        notification(NOTE, RECORD, "")
    ));
    assert_eq!(parse_str(&with_session).unwrap(), message);
}

#[test]
fn a_utf8_byte_order_mark_and_fifteen_character_ids_are_accepted() {
    let mut body = vec![0xEF, 0xBB, 0xBF];
    body.extend_from_slice(
        envelope(&format!(
            "<OrganizationId>00Dxx0000001gPL</OrganizationId>{}",
            notification("04lxx0000000001", "003xx000004TmiQ", "")
        ))
        .as_bytes(),
    );
    let message = parse(&body).unwrap();
    assert_eq!(message.organization_id, "00Dxx0000001gPL");
    assert_eq!(message.notifications[0].id, "04lxx0000000001");
    assert_eq!(message.notifications[0].record_id, "003xx000004TmiQ");
}

#[test]
fn the_object_comes_from_xsi_type_with_its_prefix_stripped() {
    let xml = contact("").replace(r#"xsi:type="sf:Contact""#, r#"xsi:type=" sf:Invoice__c ""#);
    assert_eq!(
        parse_str(&xml).unwrap().notifications[0].object,
        "Invoice__c"
    );
}

/// Every way a body can be refused, with the error it gets.
fn malformed_cases() -> Vec<(&'static str, Vec<u8>, &'static str)> {
    let note = |fields: &str| notification(NOTE, RECORD, fields);
    let with_header = |rest: &str| envelope(&format!("{}{rest}", header()));
    let many_notifications = (0..=MAX_NOTIFICATIONS)
        .map(|_| note(""))
        .collect::<String>();
    let many_fields = (0..=MAX_FIELDS)
        .map(|i| format!("<sf:F{i}__c>x</sf:F{i}__c>"))
        .collect::<String>();
    let deep = format!(
        "{}x{}",
        "<a>".repeat(outbound_message::MAX_DEPTH),
        "</a>".repeat(outbound_message::MAX_DEPTH)
    );
    let billion_laughs = format!(
        r#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>{}"#,
        contact("<sf:LastName>&lol2;</sf:LastName>")
    );
    let mut invalid_utf8 = contact("<sf:LastName>XX</sf:LastName>").into_bytes();
    let at = invalid_utf8.windows(2).position(|w| w == b"XX").unwrap();
    invalid_utf8[at] = 0xFF;
    invalid_utf8[at + 1] = 0xFE;
    let s = |x: String| x.into_bytes();
    vec![
        ("plain text", s("OK".into()), "not_xml"),
        ("empty body", Vec::new(), "not_xml"),
        ("json", s(r#"{"ok": true}"#.into()), "not_xml"),
        (
            "truncated",
            PROTOCOLS_EXAMPLE.as_bytes()[..PROTOCOLS_EXAMPLE.len() / 2].to_vec(),
            "not_xml",
        ),
        (
            "mismatched end tag",
            s(contact("<sf:LastName>x</sf:FirstName>")),
            "not_xml",
        ),
        ("invalid utf-8", invalid_utf8, "not_xml"),
        (
            "undeclared prefix",
            s(contact("<zz:LastName>x</zz:LastName>")),
            "not_xml",
        ),
        (
            "second root",
            s(format!("{PROTOCOLS_EXAMPLE}<soapenv:Envelope/>")),
            "not_xml",
        ),
        (
            "bad character reference",
            s(contact("<sf:LastName>&#0;</sf:LastName>")),
            "not_xml",
        ),
        (
            "latin-1",
            s(format!(
                "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>{PROTOCOLS_EXAMPLE}"
            )),
            "unsupported_encoding",
        ),
        ("doctype", s(billion_laughs), "dtd_present"),
        (
            "undefined entity",
            s(contact("<sf:LastName>&nbsp;</sf:LastName>")),
            "undefined_entity",
        ),
        ("too deep", s(contact(&deep)), "too_deep"),
        (
            "html",
            s("<html><body>hi</body></html>".into()),
            "not_soap_envelope",
        ),
        (
            "envelope without namespace",
            s(PROTOCOLS_EXAMPLE
                .replace(&format!(" xmlns:soapenv=\"{SOAPENV}\""), "")
                .replace("soapenv:", "")),
            "not_soap_envelope",
        ),
        (
            "empty body element",
            s(format!(
                r#"<soapenv:Envelope xmlns:soapenv="{SOAPENV}"><soapenv:Body/></soapenv:Envelope>"#
            )),
            "no_notifications_element",
        ),
        (
            "notifications in another namespace",
            s(PROTOCOLS_EXAMPLE.replace(OUTBOUND, "http://soap.sforce.com/2005/09/inbound")),
            "no_notifications_element",
        ),
        (
            "no organization id",
            s(envelope(&note(""))),
            "missing_organization_id",
        ),
        (
            "nil organization id",
            s(envelope(&format!(
                r#"<OrganizationId xsi:nil="true"/>{}"#,
                note("")
            ))),
            "missing_organization_id",
        ),
        (
            "malformed organization id",
            s(envelope(&format!(
                "<OrganizationId>00D-not-an-id</OrganizationId>{}",
                note("")
            ))),
            "invalid_organization_id",
        ),
        (
            "padded organization id",
            s(envelope(&format!(
                "<OrganizationId> {ORG} </OrganizationId>{}",
                note("")
            ))),
            "invalid_organization_id",
        ),
        (
            "malformed action id",
            s(envelope(&format!(
                "<OrganizationId>{ORG}</OrganizationId><ActionId>04k</ActionId>{}",
                note("")
            ))),
            "invalid_action_id",
        ),
        (
            "no notification",
            s(envelope(&header())),
            "no_notifications",
        ),
        (
            "101 notifications",
            s(with_header(&many_notifications)),
            "too_many_notifications",
        ),
        (
            "notification without id",
            s(with_header(&format!(
                r#"<Notification><sObject xsi:type="sf:Contact" xmlns:sf="{SOBJECT}"><sf:Id>{RECORD}</sf:Id></sObject></Notification>"#
            ))),
            "notification_without_id",
        ),
        (
            "malformed notification id",
            s(with_header(&notification("04l 1", RECORD, ""))),
            "invalid_notification_id",
        ),
        (
            "notification without sObject",
            s(with_header(&format!(
                "<Notification><Id>{NOTE}</Id></Notification>"
            ))),
            "notification_without_sobject",
        ),
        (
            "sObject without xsi:type",
            s(contact("").replace(r#" xsi:type="sf:Contact""#, "")),
            "sobject_without_type",
        ),
        (
            "xsi:type without a name",
            s(contact("").replace(r#"xsi:type="sf:Contact""#, r#"xsi:type="sf:""#)),
            "invalid_sobject_type",
        ),
        (
            "sObject without sf:Id",
            s(with_header(&format!(
                r#"<Notification><Id>{NOTE}</Id><sObject xsi:type="sf:Contact" xmlns:sf="{SOBJECT}"><sf:LastName>x</sf:LastName></sObject></Notification>"#
            ))),
            "sobject_without_id",
        ),
        (
            "nil sf:Id",
            s(with_header(&format!(
                r#"<Notification><Id>{NOTE}</Id><sObject xsi:type="sf:Contact" xmlns:sf="{SOBJECT}"><sf:Id xsi:nil="true"/></sObject></Notification>"#
            ))),
            "sobject_without_id",
        ),
        (
            "malformed record id",
            s(with_header(&notification(NOTE, "003xx000004TmiQAA", ""))),
            "invalid_record_id",
        ),
        (
            "record id with symbols",
            s(with_header(&notification(NOTE, "003xx000004Tmi-AAS", ""))),
            "invalid_record_id",
        ),
        ("501 fields", s(contact(&many_fields)), "too_many_fields"),
        (
            "oversized value",
            s(contact(&format!(
                "<sf:Description>{}</sf:Description>",
                "x".repeat(MAX_VALUE_BYTES + 1)
            ))),
            "field_too_large",
        ),
        (
            "oversized value in entities",
            s(contact(&format!(
                "<sf:Description>{}</sf:Description>",
                "&amp;".repeat(MAX_VALUE_BYTES + 1)
            ))),
            "field_too_large",
        ),
        (
            "nested element in a field",
            s(contact("<sf:Email><b>x</b></sf:Email>")),
            "nested_element",
        ),
        (
            "repeated field",
            s(contact(
                "<sf:Email>a@x.io</sf:Email><sf:Email>b@x.io</sf:Email>",
            )),
            "duplicate_element",
        ),
        (
            "repeated sf:Id",
            s(contact(&format!("<sf:Id>{RECORD}</sf:Id>"))),
            "duplicate_element",
        ),
        (
            "repeated organization id",
            s(envelope(&format!(
                "<OrganizationId>{ORG}</OrganizationId>{}{}",
                header(),
                note("")
            ))),
            "duplicate_element",
        ),
        (
            "repeated notification id",
            s(with_header(&format!(
                r#"<Notification><Id>{NOTE}</Id><Id>{NOTE}</Id><sObject xsi:type="sf:Contact" xmlns:sf="{SOBJECT}"><sf:Id>{RECORD}</sf:Id></sObject></Notification>"#
            ))),
            "duplicate_element",
        ),
        (
            "two notifications elements",
            s(PROTOCOLS_EXAMPLE.replace(
                "</soapenv:Body>",
                &format!(r#"<notifications xmlns="{OUTBOUND}"/></soapenv:Body>"#),
            )),
            "duplicate_element",
        ),
    ]
}

#[test]
fn each_malformed_message_is_refused_with_its_own_error() {
    for (case, body, code) in malformed_cases() {
        let err = parse(&body).expect_err(case);
        assert_eq!(err.code(), code, "{case}: {err}");
        assert!(!err.to_string().is_empty(), "{case}");
    }
}

#[test]
fn error_messages_say_what_is_wrong_and_where() {
    let message = |xml: String| parse_str(&xml).unwrap_err().to_string();
    let envelope_with = |rest: &str| envelope(&format!("{}{rest}", header()));
    assert_eq!(
        message(envelope_with(&format!(
            "{}<Notification><Id>{NOTE}</Id></Notification>",
            notification(NOTE, RECORD, "")
        ))),
        "notification 2 has no sObject"
    );
    assert_eq!(
        message(contact("<sf:Email>a</sf:Email><sf:Email>b</sf:Email>")),
        "Email appears more than once in sObject"
    );
    assert_eq!(
        message(envelope_with(&notification(NOTE, "003xx", ""))),
        r#"the sObject of notification 1 has Id "003xx", not a 15- or 18-character Salesforce id"#
    );
    assert_eq!(
        message(contact("<sf:LastName>&bogus;</sf:LastName>")),
        "the body references the undefined entity &bogus;"
    );
    assert_eq!(
        message(format!("<!DOCTYPE x>{PROTOCOLS_EXAMPLE}")),
        "the body contains a document type declaration (DTD), which is refused"
    );
    // Wire values in messages are cut short.
    let long = format!("00D{}", "x".repeat(1000));
    let text = message(envelope(&format!(
        "<OrganizationId>{long}</OrganizationId>{}",
        notification(NOTE, RECORD, "")
    )));
    assert!(text.len() < 200, "{text}");
}

#[test]
fn the_limits_themselves_are_accepted() {
    let notes = (0..MAX_NOTIFICATIONS)
        .map(|i| notification(&format!("04lxx00000000{i:02}AAA"), RECORD, ""))
        .collect::<String>();
    let message = parse_str(&envelope(&format!("{}{notes}", header()))).unwrap();
    assert_eq!(message.notifications.len(), MAX_NOTIFICATIONS);

    let many = (0..MAX_FIELDS)
        .map(|i| format!("<sf:F{i}__c>x</sf:F{i}__c>"))
        .collect::<String>();
    assert_eq!(only_fields(&contact(&many)).len(), MAX_FIELDS);

    let big = "é".repeat(MAX_VALUE_BYTES / 2);
    let got = only_fields(&contact(&format!("<sf:Description>{big}</sf:Description>")));
    assert_eq!(got["Description"].as_deref(), Some(big.as_str()));

    let depth_ok = format!(
        "<x:a xmlns:x=\"urn:x\">{}</x:a>",
        "<b>".repeat(outbound_message::MAX_DEPTH - 6)
            + &"</b>".repeat(outbound_message::MAX_DEPTH - 6)
    );
    parse_str(&contact(&depth_ok)).unwrap();
}

#[test]
fn the_ack_is_the_exact_documented_envelope() {
    assert_eq!(
        ack_response(),
        concat!(
            r#"<?xml version="1.0" encoding="UTF-8"?>"#,
            r#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">"#,
            r#"<soapenv:Body><notificationsResponse xmlns="http://soap.sforce.com/2005/09/outbound">"#,
            "<Ack>true</Ack></notificationsResponse></soapenv:Body></soapenv:Envelope>"
        )
    );
    // The sandbox's independent reading agrees; a fault never counts as an Ack.
    use ferry_sandbox::salesforce::outbound::envelope::is_ack;
    assert!(is_ack(&ack_response()));
    assert!(!is_ack(&fault_response("database unavailable")));
}

/// The `(faultcode, faultstring)` of a SOAP fault, read back with a plain XML reader.
fn read_fault(xml: &str) -> (String, String) {
    let mut reader = Reader::from_str(xml);
    let (mut code, mut string) = (String::new(), String::new());
    let mut current = Vec::new();
    loop {
        match reader.read_event().unwrap() {
            Event::Start(e) => current = e.name().as_ref().to_vec(),
            Event::End(_) => current.clear(),
            Event::Text(t) => {
                let text = t.decode().unwrap();
                match current.as_slice() {
                    b"faultcode" => code.push_str(&text),
                    b"faultstring" => string.push_str(&text),
                    _ => {}
                }
            }
            Event::GeneralRef(r) => {
                let text = match r.decode().unwrap().as_ref() {
                    "lt" => "<".to_owned(),
                    "gt" => ">".to_owned(),
                    "amp" => "&".to_owned(),
                    "apos" => "'".to_owned(),
                    "quot" => "\"".to_owned(),
                    _ => r.resolve_char_ref().unwrap().unwrap().to_string(),
                };
                if current == b"faultstring" {
                    string.push_str(&text);
                }
            }
            Event::Eof => return (code, string),
            _ => {}
        }
    }
}

#[test]
fn a_fault_is_a_soap_server_fault_with_the_reason_escaped() {
    let reason = r#"tenant <acme> & "friends" can't store: ]]> 李 🚀"#;
    let xml = fault_response(reason);
    assert!(xml.starts_with(r#"<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><soapenv:Fault><faultcode>soapenv:Server</faultcode><faultstring>"#));
    assert!(xml.ends_with("</faultstring></soapenv:Fault></soapenv:Body></soapenv:Envelope>"));
    assert!(!xml.contains("<acme>"));
    assert_eq!(
        read_fault(&xml),
        ("soapenv:Server".to_owned(), reason.to_owned())
    );
    // Characters XML cannot carry are replaced rather than breaking the document.
    let (_, string) = read_fault(&fault_response("bad\u{0}byte\u{1b}"));
    assert_eq!(string, "bad\u{FFFD}byte\u{FFFD}");
}

// --- Property tests ---------------------------------------------------------------------

/// Escapes `value` as element text, choosing entities or CDATA; carriage returns become
/// character references either way so XML's line-end normalisation leaves them alone.
fn escape_text(value: &str, cdata: bool) -> String {
    if cdata {
        value
            .split('\r')
            .map(|part| {
                if part.is_empty() {
                    String::new()
                } else {
                    format!("<![CDATA[{}]]>", part.replace("]]>", "]]]]><![CDATA[>"))
                }
            })
            .collect::<Vec<_>>()
            .join("&#13;")
    } else {
        let mut out = String::new();
        for c in value.chars() {
            match c {
                '&' => out.push_str("&amp;"),
                '<' => out.push_str("&lt;"),
                '>' => out.push_str("&gt;"),
                '"' => out.push_str("&quot;"),
                '\'' => out.push_str("&apos;"),
                '\r' => out.push_str("&#13;"),
                c if (c as u32) > 0xFFFF => out.push_str(&format!("&#x{:X};", c as u32)),
                c => out.push(c),
            }
        }
        out
    }
}

fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}')
        || c >= '\u{10000}'
}

/// Prefixes for the envelope, `xsi` and the sObject fields.
#[derive(Debug, Clone)]
struct Prefixes {
    soap: &'static str,
    xsi: &'static str,
    sf: &'static str,
}

fn build(message: &OutboundMessage, p: &Prefixes, cdata: bool) -> String {
    let mut xml = format!(
        r#"<{s}:Envelope xmlns:{s}="{SOAPENV}" xmlns:{x}="{XSI}"><{s}:Body><notifications xmlns="{OUTBOUND}"><OrganizationId>{org}</OrganizationId>"#,
        s = p.soap,
        x = p.xsi,
        org = message.organization_id
    );
    if let Some(action) = &message.action_id {
        xml.push_str(&format!("<ActionId>{action}</ActionId>"));
    }
    for n in &message.notifications {
        xml.push_str(&format!(
            r#"<Notification><Id>{id}</Id><sObject {x}:type="{sf}:{object}" xmlns:{sf}="{SOBJECT}"><{sf}:Id>{record}</{sf}:Id>"#,
            id = n.id,
            x = p.xsi,
            sf = p.sf,
            object = n.object,
            record = n.record_id
        ));
        for (name, value) in &n.fields {
            match value {
                None => xml.push_str(&format!(
                    r#"<{sf}:{name} {x}:nil="true"/>"#,
                    sf = p.sf,
                    x = p.xsi
                )),
                Some(v) => xml.push_str(&format!(
                    "<{sf}:{name}>{text}</{sf}:{name}>",
                    sf = p.sf,
                    text = escape_text(v, cdata)
                )),
            }
        }
        xml.push_str("</sObject></Notification>");
    }
    xml.push_str(&format!(
        "</notifications></{s}:Body></{s}:Envelope>",
        s = p.soap
    ));
    xml
}

fn salesforce_id() -> impl Strategy<Value = String> {
    prop_oneof!["[0-9A-Za-z]{15}", "[0-9A-Za-z]{18}"]
}

fn field_value() -> impl Strategy<Value = Option<String>> {
    proptest::option::weighted(
        0.85,
        any::<String>().prop_map(|s| s.chars().filter(|c| is_xml_char(*c)).collect()),
    )
}

fn arb_notification() -> impl Strategy<Value = Notification> {
    (
        salesforce_id(),
        "[A-Z][A-Za-z0-9_]{0,30}",
        salesforce_id(),
        proptest::collection::btree_map(
            "[A-Za-z][A-Za-z0-9_]{0,30}".prop_filter("Id is the record id", |n| n != "Id"),
            field_value(),
            0..8,
        ),
    )
        .prop_map(|(id, object, record_id, fields)| Notification {
            id,
            object,
            record_id,
            fields,
        })
}

fn arb_message() -> impl Strategy<Value = OutboundMessage> {
    (
        salesforce_id(),
        proptest::option::of(salesforce_id()),
        proptest::collection::vec(arb_notification(), 1..5),
    )
        .prop_map(
            |(organization_id, action_id, notifications)| OutboundMessage {
                organization_id,
                action_id,
                notifications,
            },
        )
}

fn arb_prefixes() -> impl Strategy<Value = Prefixes> {
    (
        prop_oneof![Just("soapenv"), Just("S"), Just("SOAP-ENV"), Just("sf")],
        prop_oneof![Just("xsi"), Just("i"), Just("soapenv")],
        prop_oneof![Just("sf"), Just("ent"), Just("xsi"), Just("a.b-c")],
    )
        .prop_map(|(soap, xsi, sf)| Prefixes { soap, xsi, sf })
        // One prefix can only name one namespace where both are in scope.
        .prop_filter("distinct prefixes", |p| {
            p.soap != p.xsi && p.xsi != p.sf && p.soap != p.sf
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn parse_never_panics_on_arbitrary_bytes(body in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let _ = parse(&body);
    }

    #[test]
    fn parse_never_panics_on_a_damaged_message(
        cut in 0usize..2000,
        flips in proptest::collection::vec((0usize..2000, any::<u8>()), 0..6),
    ) {
        let mut body = PROTOCOLS_EXAMPLE.as_bytes().to_vec();
        for (at, byte) in flips {
            if let Some(slot) = body.get_mut(at % PROTOCOLS_EXAMPLE.len()) {
                *slot = byte;
            }
        }
        body.truncate(cut);
        let _ = parse(&body);
    }

    #[test]
    fn a_generated_message_round_trips(
        message in arb_message(),
        prefixes in arb_prefixes(),
        cdata in any::<bool>(),
    ) {
        let xml = build(&message, &prefixes, cdata);
        prop_assert_eq!(parse(xml.as_bytes()), Ok(message), "{}", xml);
    }
}

// --- Against the sandbox ----------------------------------------------------------------

/// Accepts one HTTP request, answers it with our Ack, and returns its body.
async fn receive_one(listener: TcpListener) -> Vec<u8> {
    let (mut socket, _) = listener.accept().await.unwrap();
    let mut data = Vec::new();
    let mut chunk = [0u8; 8192];
    let (head_end, length) = loop {
        let n = socket.read(&mut chunk).await.unwrap();
        assert!(n > 0, "connection closed before the request was complete");
        data.extend_from_slice(&chunk[..n]);
        if let Some(at) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&data[..at]).to_ascii_lowercase();
            let length = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .map(|v| v.trim().parse::<usize>().unwrap())
                .expect("a Content-Length header");
            break (at + 4, length);
        }
    };
    while data.len() < head_end + length {
        let n = socket.read(&mut chunk).await.unwrap();
        assert!(n > 0, "connection closed before the body was complete");
        data.extend_from_slice(&chunk[..n]);
    }
    let ack = ack_response();
    let response = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{ack}",
        outbound_message::CONTENT_TYPE,
        ack.len()
    );
    socket.write_all(response.as_bytes()).await.unwrap();
    socket.shutdown().await.unwrap();
    data[head_end..head_end + length].to_vec()
}

#[tokio::test]
async fn what_the_sandbox_sends_parses_into_the_contact_it_announces() {
    let sandbox = ferry_sandbox::Sandbox::start(ferry_sandbox::SandboxOptions::ephemeral())
        .await
        .unwrap();
    let base = sandbox.salesforce_url().to_owned();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let received = tokio::spawn(receive_one(listener));
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();

    let res = http
        .post(format!("{base}/__sandbox/outbound/rules"))
        .json(&json!({
            "object": "Contact",
            "fields": ["FirstName", "LastName", "Email"],
            "endpoint_url": format!("http://127.0.0.1:{port}/"),
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 201);
    let rule: Value = res.json().await.unwrap();

    let creds = sandbox.demo_credentials().salesforce;
    let token = sandbox.salesforce().issue_demo_token();
    let (first, last) = ("Zoë \"Z\"", "O'Brien <&> 李 🚀");
    let res = http
        .post(format!(
            "{base}/services/data/v{}/sobjects/Contact",
            creds.api_version
        ))
        .bearer_auth(token)
        .json(&json!({"FirstName": first, "LastName": last, "Email": "zoe@example.com"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 201);
    let created: Value = res.json().await.unwrap();
    let record_id = created["id"].as_str().unwrap();

    let body = tokio::time::timeout(Duration::from_secs(15), received)
        .await
        .expect("the sandbox delivers within 15 s")
        .unwrap();
    let message = parse(&body).unwrap_or_else(|e| {
        panic!("{e}: {}", String::from_utf8_lossy(&body));
    });
    assert_eq!(message.organization_id, creds.org_id);
    assert_eq!(message.action_id.as_deref(), rule["id"].as_str());
    assert_eq!(message.notifications.len(), 1);
    let n = &message.notifications[0];
    assert!(n.id.starts_with("04l"), "{}", n.id);
    assert_eq!(n.object, "Contact");
    assert_eq!(n.record_id, record_id);
    assert_eq!(
        n.fields,
        fields(&[
            ("Email", Some("zoe@example.com")),
            ("FirstName", Some(first)),
            ("LastName", Some(last)),
        ])
    );

    // The sandbox took our answer as the acknowledgement.
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let log = sandbox.salesforce().lock().outbound.log();
        if let Some(attempt) = log.first() {
            assert!(attempt.acked, "{attempt:?}");
            assert_eq!(attempt.notification_ids, std::slice::from_ref(&n.id));
            break;
        }
        assert!(Instant::now() < deadline, "no delivery logged");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    sandbox.stop().await;
}
