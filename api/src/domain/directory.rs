//! The directory of local services (issue 17): parenting, housing advice, youth clubs, mental
//! health, debt, domestic abuse services, per local area. Imported, not typed: an Open
//! Referral UK style file, JSON or CSV ([`parse`]), replaces each area it names in one
//! transaction ([`import`]); any bad row is reported with its line and nothing is imported.
//! An entry keeps its ID across re-imports when the file gives the service the same Open
//! Referral `id` ([`entry_id`]), so advice and plan actions pointing at it still do; entries
//! no longer in the file are removed, and links to them drop out.
//! Searched by anyone ([`search`]): PostgreSQL full-text search (`tsvector`, English
//! stemming), SQLite word by word over the same text.
use crate::error::AppResult;
use chrono::{DateTime, Utc};
use entities::local_service::{self, Column};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseBackend, EntityTrait,
    QueryFilter, Set,
};
use serde_json::Value;
use uuid::Uuid;

/// One service from the file, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Service {
    /// The file's own (Open Referral) `id` for the service, when it gives one.
    pub source_id: Option<String>,
    pub name: String,
    pub organisation: String,
    pub description: String,
    pub categories: Vec<String>,
    pub areas: Vec<String>,
    pub min_age: Option<i16>,
    pub max_age: Option<i16>,
    pub contact: Option<String>,
    pub opening_times: Option<String>,
}

/// A row the import refused: its line in the file and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadRow {
    pub line: usize,
    pub problem: String,
}

fn list(value: &str) -> Vec<String> {
    value
        .split([';', '|'])
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect()
}

/// Reads a field that may be a string or a list (JSON), as a list.
fn json_list(value: Option<&Value>) -> Vec<String> {
    match value {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|v| match v {
                Value::String(s) => Some(s.trim().to_owned()),
                Value::Object(o) => o
                    .get("name")
                    .and_then(Value::as_str)
                    .map(|s| s.trim().to_owned()),
                _ => None,
            })
            .filter(|s| !s.is_empty())
            .collect(),
        Some(Value::String(s)) => list(s),
        _ => vec![],
    }
}

/// The fields of one row, by the names the file uses (Open Referral UK names and plain ones).
struct Raw {
    line: usize,
    id: Option<String>,
    name: Option<String>,
    organisation: Option<String>,
    description: Option<String>,
    categories: Vec<String>,
    areas: Vec<String>,
    min_age: Option<String>,
    max_age: Option<String>,
    contact: Option<String>,
    opening_times: Option<String>,
}

fn text(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

fn check(raw: Raw) -> Result<Service, BadRow> {
    let bad = |problem: &str| BadRow {
        line: raw.line,
        problem: problem.to_owned(),
    };
    let name = text(&raw.name).ok_or_else(|| bad("the service has no name"))?;
    let source_id = text(&raw.id).map(str::to_owned);
    if source_id
        .as_ref()
        .is_some_and(|id| id.chars().count() > 200)
    {
        return Err(bad("the id is longer than 200 characters"));
    }
    let organisation =
        text(&raw.organisation).ok_or_else(|| bad("the service has no organisation"))?;
    let description = text(&raw.description).unwrap_or_default();
    if raw.areas.is_empty() {
        return Err(bad("the service names no area it serves"));
    }
    let age = |v: &Option<String>, what: &str| -> Result<Option<i16>, BadRow> {
        match text(v) {
            None => Ok(None),
            Some(s) => s
                .parse::<i16>()
                .ok()
                .filter(|a| (0..=120).contains(a))
                .map(Some)
                .ok_or_else(|| bad(&format!("the {what} age is not a number from 0 to 120"))),
        }
    };
    let min_age = age(&raw.min_age, "minimum")?;
    let max_age = age(&raw.max_age, "maximum")?;
    if let (Some(min), Some(max)) = (min_age, max_age)
        && min > max
    {
        return Err(bad("the minimum age is above the maximum age"));
    }
    let long = [name, organisation, description]
        .iter()
        .any(|s| s.chars().count() > 4000);
    if long {
        return Err(bad("a field is longer than 4000 characters"));
    }
    Ok(Service {
        source_id,
        name: name.to_owned(),
        organisation: organisation.to_owned(),
        description: description.to_owned(),
        categories: raw.categories.iter().map(|c| c.to_lowercase()).collect(),
        areas: raw.areas,
        min_age,
        max_age,
        contact: text(&raw.contact).map(str::to_owned),
        opening_times: text(&raw.opening_times).map(str::to_owned),
    })
}

/// Reads a JSON (an array of services, or `{"services": [...]}`) or CSV (a header row, then
/// one service a row) file. Every bad row is reported; any bad row means nothing is imported.
pub fn parse(content: &str) -> Result<Vec<Service>, Vec<BadRow>> {
    let raws = if content.trim_start().starts_with(['[', '{']) {
        parse_json(content)?
    } else {
        parse_csv(content)?
    };
    let mut services = vec![];
    let mut bad = vec![];
    let mut seen: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for raw in raws {
        let line = raw.line;
        match check(raw) {
            Ok(s) => {
                if let Some(id) = &s.source_id {
                    if let Some(first) = seen.get(id) {
                        bad.push(BadRow {
                            line,
                            problem: format!("the id {id:?} is already used on line {first}"),
                        });
                        continue;
                    }
                    seen.insert(id.clone(), line);
                }
                services.push(s);
            }
            Err(b) => bad.push(b),
        }
    }
    if services.is_empty() && bad.is_empty() {
        bad.push(BadRow {
            line: 1,
            problem: "the file has no services".into(),
        });
    }
    if bad.is_empty() {
        Ok(services)
    } else {
        Err(bad)
    }
}

fn parse_json(content: &str) -> Result<Vec<Raw>, Vec<BadRow>> {
    let value: Value = serde_json::from_str(content).map_err(|e| {
        vec![BadRow {
            line: e.line(),
            problem: format!("this is not valid JSON: {e}"),
        }]
    })?;
    let items = match &value {
        Value::Array(items) => items.clone(),
        Value::Object(o) => match o.get("services") {
            Some(Value::Array(items)) => items.clone(),
            _ => {
                return Err(vec![BadRow {
                    line: 1,
                    problem: "expected a list of services, or an object with `services`".into(),
                }]);
            }
        },
        _ => {
            return Err(vec![BadRow {
                line: 1,
                problem: "expected a list of services".into(),
            }]);
        }
    };
    // The line each service starts on: the n-th object opening at the top level of the list.
    let starts = object_lines(content, matches!(value, Value::Object(_)));
    Ok(items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let line = starts.get(i).copied().unwrap_or(1);
            let s = |keys: &[&str]| {
                keys.iter().find_map(|k| match item.get(*k) {
                    Some(Value::String(s)) => Some(s.clone()),
                    Some(Value::Number(n)) => Some(n.to_string()),
                    Some(Value::Object(o)) => {
                        o.get("name").and_then(Value::as_str).map(str::to_owned)
                    }
                    _ => None,
                })
            };
            Raw {
                line,
                id: s(&["id"]),
                name: s(&["name"]),
                organisation: s(&["organization", "organisation"]),
                description: s(&["description"]),
                categories: json_list(item.get("categories").or(item.get("taxonomies"))),
                areas: json_list(item.get("areas").or(item.get("service_areas"))),
                min_age: s(&["minimum_age", "min_age"]),
                max_age: s(&["maximum_age", "max_age"]),
                contact: s(&["contact", "email", "phone", "url"]),
                opening_times: s(&["opening_times", "schedule"]),
            }
        })
        .collect())
}

/// Lines on which the objects of the top-level list open (depth 1 in a bare list, 2 inside
/// `{"services": [...]}`).
fn object_lines(content: &str, wrapped: bool) -> Vec<usize> {
    let target = if wrapped { 2 } else { 1 };
    let (mut depth, mut line, mut in_string, mut escaped) = (0usize, 1usize, false, false);
    let mut lines = vec![];
    for c in content.chars() {
        if c == '\n' {
            line += 1;
        }
        if in_string {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_string = true,
            '{' | '[' => {
                if c == '{' && depth == target {
                    lines.push(line);
                }
                depth += 1;
            }
            '}' | ']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    lines
}

/// RFC 4180 records with the line each starts on.
fn csv_records(content: &str) -> Result<Vec<(usize, Vec<String>)>, Vec<BadRow>> {
    let mut records = vec![];
    let (mut field, mut fields) = (String::new(), vec![]);
    let (mut line, mut start, mut quoted, mut chars) = (1, 1, false, content.chars().peekable());
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => {
                if c == '\n' {
                    line += 1;
                }
                field.push(c);
            }
            (false, '"') if field.is_empty() => quoted = true,
            (false, ',') => fields.push(std::mem::take(&mut field)),
            (false, '\r') => {}
            (false, '\n') => {
                fields.push(std::mem::take(&mut field));
                records.push((start, std::mem::take(&mut fields)));
                line += 1;
                start = line;
            }
            (false, c) => field.push(c),
        }
    }
    if quoted {
        return Err(vec![BadRow {
            line: start,
            problem: "a quoted field is not closed".into(),
        }]);
    }
    if !field.is_empty() || !fields.is_empty() {
        fields.push(field);
        records.push((start, fields));
    }
    Ok(records
        .into_iter()
        .filter(|(_, f)| !(f.len() == 1 && f[0].trim().is_empty()))
        .collect())
}

fn parse_csv(content: &str) -> Result<Vec<Raw>, Vec<BadRow>> {
    let mut records = csv_records(content)?.into_iter();
    let Some((_, header)) = records.next() else {
        return Ok(vec![]);
    };
    let header: Vec<String> = header.iter().map(|h| h.trim().to_lowercase()).collect();
    if !header.iter().any(|h| h == "name") {
        return Err(vec![BadRow {
            line: 1,
            problem: "the header row has no `name` column".into(),
        }]);
    }
    let mut raws = vec![];
    let mut bad = vec![];
    for (line, fields) in records {
        if fields.len() != header.len() {
            bad.push(BadRow {
                line,
                problem: format!(
                    "the row has {} fields; the header has {}",
                    fields.len(),
                    header.len()
                ),
            });
            continue;
        }
        let get = |keys: &[&str]| {
            keys.iter().find_map(|k| {
                header
                    .iter()
                    .position(|h| h == k)
                    .map(|i| fields[i].clone())
            })
        };
        raws.push(Raw {
            line,
            id: get(&["id"]),
            name: get(&["name"]),
            organisation: get(&["organization", "organisation"]),
            description: get(&["description"]),
            categories: list(&get(&["categories", "taxonomies"]).unwrap_or_default()),
            areas: list(&get(&["areas", "service_areas"]).unwrap_or_default()),
            min_age: get(&["minimum_age", "min_age"]),
            max_age: get(&["maximum_age", "max_age"]),
            contact: get(&["contact", "email", "phone", "url"]),
            opening_times: get(&["opening_times", "schedule"]),
        });
    }
    if bad.is_empty() { Ok(raws) } else { Err(bad) }
}

/// Lower case words, for searching.
pub fn words(text: &str) -> Vec<String> {
    text.to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The ID of a service's entry for one area: derived from the file's `id` when it gives one
/// (the same on every import of that service in that area), else a new one.
pub fn entry_id(source_id: Option<&str>, area: &str) -> Uuid {
    use sha2::{Digest, Sha256};
    let Some(source_id) = source_id else {
        return Uuid::now_v7();
    };
    let digest = Sha256::new()
        .chain_update(b"local service\0")
        .chain_update(area.as_bytes())
        .chain_update(b"\0")
        .chain_update(source_id.as_bytes())
        .finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_custom_bytes(bytes).into_uuid()
}

/// Replaces the entries of every area the file names with the file's, in the caller's
/// transaction; an entry whose service has the same `id` as before keeps its ID.
/// Returns (areas, entries written).
pub async fn import(
    db: &impl ConnectionTrait,
    services: &[Service],
    now: DateTime<Utc>,
) -> AppResult<(Vec<String>, usize)> {
    let mut areas: Vec<String> = services.iter().flat_map(|s| s.areas.clone()).collect();
    areas.sort();
    areas.dedup();
    local_service::Entity::delete_many()
        .filter(Column::LocalArea.is_in(areas.clone()))
        .exec(db)
        .await?;
    let mut written = 0;
    for service in services {
        let search_text = words(&format!(
            "{} {} {} {}",
            service.name,
            service.organisation,
            service.description,
            service.categories.join(" ")
        ))
        .join(" ");
        for area in &service.areas {
            local_service::ActiveModel {
                id: Set(entry_id(service.source_id.as_deref(), area)),
                local_area: Set(area.clone()),
                name: Set(service.name.clone()),
                organisation: Set(service.organisation.clone()),
                description: Set(service.description.clone()),
                categories: Set(service.categories.join(";")),
                min_age: Set(service.min_age),
                max_age: Set(service.max_age),
                contact: Set(service.contact.clone()),
                opening_times: Set(service.opening_times.clone()),
                search_text: Set(format!(" {search_text} ")),
                imported_at: Set(now),
            }
            .insert(db)
            .await?;
            written += 1;
        }
    }
    Ok((areas, written))
}

/// What to look for.
#[derive(Default)]
pub struct Search<'a> {
    pub text: Option<&'a str>,
    pub category: Option<&'a str>,
    pub local_area: Option<&'a str>,
    pub age: Option<i16>,
}

/// The entries matching `search`, as a query (paged by the caller).
pub fn search(
    backend: DatabaseBackend,
    search: &Search<'_>,
) -> sea_orm::Select<local_service::Entity> {
    let mut select = local_service::Entity::find();
    if let Some(area) = search.local_area.map(str::trim).filter(|a| !a.is_empty()) {
        select = select.filter(Column::LocalArea.eq(area));
    }
    if let Some(category) = search.category.map(str::trim).filter(|c| !c.is_empty()) {
        // Categories are stored as `a;b;c`: match one whole.
        let c = category.to_lowercase();
        select = select.filter(
            Condition::any()
                .add(Column::Categories.eq(c.clone()))
                .add(Column::Categories.starts_with(format!("{c};")))
                .add(Column::Categories.ends_with(format!(";{c}")))
                .add(Column::Categories.contains(format!(";{c};"))),
        );
    }
    if let Some(age) = search.age {
        select = select
            .filter(
                Condition::any()
                    .add(Column::MinAge.is_null())
                    .add(Column::MinAge.lte(age)),
            )
            .filter(
                Condition::any()
                    .add(Column::MaxAge.is_null())
                    .add(Column::MaxAge.gte(age)),
            );
    }
    let terms = search.text.map(words).unwrap_or_default();
    if !terms.is_empty() {
        select = match backend {
            DatabaseBackend::Postgres => select.filter(Expr::cust_with_values(
                "to_tsvector('english', search_text) @@ plainto_tsquery('english', $1)",
                [terms.join(" ")],
            )),
            // Every word, as the start of a word of the entry.
            _ => terms.iter().fold(select, |select, term| {
                select.filter(Column::SearchText.contains(format!(" {term}")))
            }),
        };
    }
    select
}

/// The entries a request's advice points at (those still in the directory).
pub async fn signposted(
    db: &impl ConnectionTrait,
    request_id: Uuid,
) -> AppResult<Vec<local_service::Model>> {
    use entities::support_request_service as link;
    let ids: Vec<Uuid> = link::Entity::find()
        .filter(link::Column::RequestId.eq(request_id))
        .all(db)
        .await?
        .into_iter()
        .map(|l| l.service_id)
        .collect();
    if ids.is_empty() {
        return Ok(vec![]);
    }
    Ok(local_service::Entity::find()
        .filter(Column::Id.is_in(ids))
        .all(db)
        .await?)
}

/// The entries the advice on each of `requests` points at (those still in the directory):
/// two statements however many requests.
pub async fn signposted_of(
    db: &impl ConnectionTrait,
    requests: &[Uuid],
) -> AppResult<std::collections::HashMap<Uuid, Vec<local_service::Model>>> {
    use entities::support_request_service as link;
    use sea_orm::QuerySelect;
    let links = link::Entity::find()
        .filter(link::Column::RequestId.is_in(requests.to_vec()))
        .all(db)
        .await?;
    let linked = link::Entity::find()
        .select_only()
        .column(link::Column::ServiceId)
        .filter(link::Column::RequestId.is_in(requests.to_vec()));
    let services: std::collections::HashMap<Uuid, local_service::Model> =
        local_service::Entity::find()
            .filter(Column::Id.in_subquery(sea_orm::QueryTrait::into_query(linked)))
            .all(db)
            .await?
            .into_iter()
            .map(|s| (s.id, s))
            .collect();
    let mut of: std::collections::HashMap<Uuid, Vec<local_service::Model>> =
        std::collections::HashMap::new();
    for l in links {
        if let Some(service) = services.get(&l.service_id) {
            of.entry(l.request_id).or_default().push(service.clone());
        }
    }
    Ok(of)
}

/// Checks that a directory entry exists (a plan action pointing at it, issue 17); a user
/// error on `field` otherwise.
pub async fn check_entry(db: &impl ConnectionTrait, id: Uuid, field: &str) -> AppResult<()> {
    match local_service::Entity::find_by_id(id).one(db).await? {
        Some(_) => Ok(()),
        None => Err(crate::error::AppError::invalid(
            &[field],
            crate::error::UserErrorCode::NotFound,
            "We could not find that service in the directory.",
        )),
    }
}

/// Points a request's advice at directory entries; each must exist.
pub async fn signpost(
    db: &impl ConnectionTrait,
    request_id: Uuid,
    service_ids: &[Uuid],
) -> AppResult<()> {
    use entities::support_request_service as link;
    let mut ids = service_ids.to_vec();
    ids.sort();
    ids.dedup();
    if ids.is_empty() {
        return Ok(());
    }
    let found = local_service::Entity::find()
        .filter(Column::Id.is_in(ids.clone()))
        .all(db)
        .await?;
    if found.len() != ids.len() {
        return Err(crate::error::AppError::invalid(
            &["services"],
            crate::error::UserErrorCode::NotFound,
            "We could not find one of those services in the directory.",
        ));
    }
    for service_id in ids {
        link::ActiveModel {
            request_id: Set(request_id),
            service_id: Set(service_id),
        }
        .insert(db)
        .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_and_json_read_the_same_service_and_bad_rows_name_their_line() {
        let csv = "name,organisation,description,categories,areas,min_age,max_age,contact,opening_times\n\
                   Dads Group,\"Wrenfield Family Hub, North\",\"Saturday \"\"stay and play\"\"\",parenting;play,Wrenfield North,0,5,01632 960 111,Saturdays 10-12\n";
        let from_csv = parse(csv).unwrap();
        assert_eq!(from_csv[0].organisation, "Wrenfield Family Hub, North");
        assert_eq!(from_csv[0].description, "Saturday \"stay and play\"");
        assert_eq!(from_csv[0].categories, ["parenting", "play"]);
        let json = r#"[{"name": "Dads Group", "organization": {"name": "Wrenfield Family Hub, North"},
            "description": "Saturday \"stay and play\"", "categories": ["Parenting", "play"],
            "areas": ["Wrenfield North"], "minimum_age": 0, "maximum_age": 5,
            "contact": "01632 960 111", "opening_times": "Saturdays 10-12"}]"#;
        assert_eq!(parse(json).unwrap(), from_csv);
        let bad = "name,organisation,areas,min_age\nA,B,North,3\n,B,North,\nC,D,,\nE,F,North,old\n";
        let rows = parse(bad).unwrap_err();
        let lines: Vec<usize> = rows.iter().map(|r| r.line).collect();
        assert_eq!(lines, [3, 4, 5], "{rows:?}");
        let json_bad = "[\n  {\"name\": \"A\", \"organisation\": \"B\", \"areas\": [\"N\"]},\n  {\"name\": \"\", \"areas\": [\"N\"]}\n]";
        assert_eq!(parse(json_bad).unwrap_err()[0].line, 3);
    }

    #[test]
    fn an_entry_keeps_its_id_when_the_file_keeps_the_service_id() {
        let a = entry_id(Some("svc-1"), "North");
        assert_eq!(a, entry_id(Some("svc-1"), "North"));
        assert_ne!(a, entry_id(Some("svc-1"), "South"));
        assert_ne!(a, entry_id(Some("svc-2"), "North"));
        assert_ne!(entry_id(None, "North"), entry_id(None, "North"));
        let twice = "id,name,organisation,areas\nx,A,B,North\ny,C,D,North\nx,E,F,North\n";
        let rows = parse(twice).unwrap_err();
        assert_eq!(rows.len(), 1, "{rows:?}");
        assert_eq!(rows[0].line, 4);
    }
}
