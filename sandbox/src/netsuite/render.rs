//! Records and collections as NetSuite's REST API shows them: a top-level `links` array,
//! references as `{id, refName, links}`, ISO-8601 dates, and collection paging links.

use actix_web::HttpRequest;
use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};

use super::schema::{FieldKind, RecordType, RefTarget, SUBSIDIARY_ID, SUBSIDIARY_NAME};
use super::store::{FieldValue, Record, RecordStore};

pub const SINGULAR_CONTENT_TYPE: &str = "application/vnd.oracle.resource+json; type=singular";
pub const COLLECTION_CONTENT_TYPE: &str = "application/vnd.oracle.resource+json; type=collection";
pub const RECORD_PATH: &str = "/services/rest/record/v1";

/// `scheme://host[:port]` as the client addressed the simulator, so links work whatever
/// name the client used.
pub fn request_base(req: &HttpRequest) -> String {
    let info = req.connection_info();
    format!("{}://{}", info.scheme(), info.host())
}

pub fn record_url(base: &str, rt: RecordType, id: u64) -> String {
    format!("{base}{RECORD_PATH}/{}/{id}", rt.as_str())
}

fn self_link(href: String) -> Value {
    json!([{"rel": "self", "href": href}])
}

/// Dates as the record API writes them.
pub fn format_datetime(at: &DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// One record; `fields` limits the body fields (`?fields=a,b`), `id` and `links` always stay.
pub fn record_json(
    record: &Record,
    store: &RecordStore,
    base: &str,
    fields: Option<&[String]>,
) -> Value {
    let wanted = |name: &str| fields.is_none_or(|f| f.iter().any(|w| w == name));
    let rt = record.record_type;
    let mut out = Map::new();
    out.insert("links".into(), self_link(record_url(base, rt, record.id)));
    out.insert("id".into(), Value::String(record.id.to_string()));
    for def in rt.fields() {
        if !wanted(def.name) {
            continue;
        }
        let Some(value) = record.values.get(def.name) else {
            continue;
        };
        let rendered = match (value, def.kind) {
            (FieldValue::Text(s), _) => Value::String(s.clone()),
            (FieldValue::Bool(b), _) => Value::Bool(*b),
            (FieldValue::Ref(id), FieldKind::Reference(RefTarget::Subsidiary)) => json!({
                "id": id.to_string(),
                "refName": if *id == SUBSIDIARY_ID { SUBSIDIARY_NAME } else { "" },
                "links": self_link(format!("{base}{RECORD_PATH}/subsidiary/{id}")),
            }),
            (FieldValue::Ref(id), _) => {
                let ref_name = store
                    .get(RecordType::Customer, *id)
                    .map(Record::ref_name)
                    .unwrap_or_default();
                json!({
                    "id": id.to_string(),
                    "refName": ref_name,
                    "links": self_link(record_url(base, RecordType::Customer, *id)),
                })
            }
        };
        out.insert(def.name.into(), rendered);
    }
    if wanted("dateCreated") {
        out.insert(
            "dateCreated".into(),
            Value::String(format_datetime(&record.date_created)),
        );
    }
    if wanted("lastModifiedDate") {
        out.insert(
            "lastModifiedDate".into(),
            Value::String(format_datetime(&record.last_modified)),
        );
    }
    Value::Object(out)
}

/// Paging links of a collection at `url_base` (a URL without query): first, prev, next, last
/// and self, each with `limit` and `offset`.
pub fn paging_links(url_base: &str, limit: u64, offset: u64, total: u64) -> Value {
    let href = |off: u64| format!("{url_base}?limit={limit}&offset={off}");
    let last_offset = if total == 0 {
        0
    } else {
        (total - 1) / limit * limit
    };
    let mut links = vec![json!({"rel": "first", "href": href(0)})];
    if offset > 0 {
        links.push(json!({"rel": "prev", "href": href(offset.saturating_sub(limit))}));
    }
    if offset + limit < total {
        links.push(json!({"rel": "next", "href": href(offset + limit)}));
    }
    links.push(json!({"rel": "last", "href": href(last_offset)}));
    links.push(json!({"rel": "self", "href": href(offset)}));
    Value::Array(links)
}

/// A collection page: `links`, `count`, `hasMore`, `items`, `offset`, `totalResults`.
pub fn collection_json(links: Value, items: Vec<Value>, offset: u64, total: u64) -> Value {
    let count = items.len() as u64;
    json!({
        "links": links,
        "count": count,
        "hasMore": offset + count < total,
        "items": items,
        "offset": offset,
        "totalResults": total,
    })
}
