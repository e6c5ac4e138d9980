//! GraphQL over HTTP (the GraphQL Foundation's spec): what a POST to `/graphql` may carry, and
//! how the answer is shaped. The handler in `app.rs` calls these; nothing here runs an
//! operation.
//!
//! - Requests: `Content-Type: application/json` only (a browser cannot send it cross-site
//!   without a CORS preflight), one operation per request, `query` or `documentId` (a trusted
//!   document, see `trusted_documents`), `variables`, `operationName` and `extensions` of the
//!   right JSON types or `null`.
//! - Responses: `application/graphql-response+json` when the client accepts it, else
//!   `application/json`. A request error (nothing ran: parse, validation, variables, limits)
//!   has no `data` entry; with `application/graphql-response+json` it is a 400, with
//!   `application/json` a 200, as the spec says.
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

pub const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";

/// The media type of the answer.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum MediaType {
    Json,
    GraphqlResponseJson,
}

impl MediaType {
    /// From the `Accept` header: the most preferred of the two we speak; `application/json`
    /// when there is none, for `*/*` and for anything else.
    pub fn accepted(headers: &HeaderMap) -> Self {
        let mut best: Option<(f32, Self)> = None;
        for range in headers
            .get_all(header::ACCEPT)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
        {
            let mut parts = range.split(';');
            let media = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
            let q = parts
                .filter_map(|p| p.trim().strip_prefix("q="))
                .find_map(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            let kind = match media.as_str() {
                GRAPHQL_RESPONSE_JSON => Self::GraphqlResponseJson,
                "application/json" | "application/*" | "*/*" => Self::Json,
                _ => continue,
            };
            if q <= 0.0 {
                continue;
            }
            // Equal preference: the spec's own media type wins.
            let better = match best {
                None => true,
                Some((best_q, best_kind)) => {
                    q > best_q
                        || (q == best_q
                            && kind == Self::GraphqlResponseJson
                            && best_kind == Self::Json)
                }
            };
            if better {
                best = Some((q, kind));
            }
        }
        best.map(|(_, kind)| kind).unwrap_or(Self::Json)
    }

    fn content_type(self) -> HeaderValue {
        HeaderValue::from_static(match self {
            Self::Json => "application/json; charset=utf-8",
            Self::GraphqlResponseJson => "application/graphql-response+json; charset=utf-8",
        })
    }
}

/// One GraphQL request as sent over HTTP, checked for shape but not yet parsed as GraphQL.
#[derive(Debug, Clone)]
pub struct Incoming {
    pub query: Option<String>,
    /// A trusted document's id, `sha256:<hex>`.
    pub document_id: Option<String>,
    pub operation_name: Option<String>,
    pub variables: Map<String, Value>,
    pub extensions: Map<String, Value>,
}

/// A problem found before GraphQL sees the request.
#[derive(Debug)]
pub struct HttpError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
}

impl HttpError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
        }
    }

    fn bad_request(message: &str) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "BAD_REQUEST", message)
    }

    pub fn into_response(self, media: MediaType) -> Response {
        error_response(media, self.status, self.code, &self.message)
    }
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|media| media.trim().eq_ignore_ascii_case("application/json"))
}

const SHAPE: &str = "The request must be a JSON object with a \"query\" string (or a \"documentId\"), and optional \"variables\", \"operationName\" and \"extensions\".";

/// Checks the content type and the body's shape.
pub fn parse(headers: &HeaderMap, body: &[u8]) -> Result<Incoming, HttpError> {
    if !is_json(headers) {
        return Err(HttpError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "UNSUPPORTED_MEDIA_TYPE",
            "Please send GraphQL requests as JSON, with the header Content-Type: application/json.",
        ));
    }
    let value: Value = serde_json::from_slice(body)
        .map_err(|_| HttpError::bad_request("The request body is not valid JSON."))?;
    let mut object = match value {
        Value::Object(object) => object,
        Value::Array(_) => {
            return Err(HttpError::bad_request(
                "Please send one operation per request; batches are not accepted.",
            ));
        }
        _ => return Err(HttpError::bad_request(SHAPE)),
    };
    let mut string = |key: &str| match object.remove(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(HttpError::bad_request(SHAPE)),
    };
    let query = string("query")?;
    let document_id = string("documentId")?;
    let operation_name = string("operationName")?;
    let mut map = |key: &str| match object.remove(key) {
        None | Some(Value::Null) => Ok(Map::new()),
        Some(Value::Object(map)) => Ok(map),
        Some(_) => Err(HttpError::bad_request(SHAPE)),
    };
    let variables = map("variables")?;
    let extensions = map("extensions")?;
    if query.is_none() && document_id.is_none() {
        return Err(HttpError::bad_request(SHAPE));
    }
    Ok(Incoming {
        query,
        document_id,
        operation_name,
        variables,
        extensions,
    })
}

/// An error response in the GraphQL shape (no `data`), for problems found before execution.
pub fn error_response(media: MediaType, status: StatusCode, code: &str, message: &str) -> Response {
    body_response(
        media,
        status,
        json!({ "errors": [{ "message": message, "extensions": { "code": code } }] }),
    )
}

fn body_response(media: MediaType, status: StatusCode, body: Value) -> Response {
    let bytes = serde_json::to_vec(&body).unwrap_or_else(|_| b"{}".to_vec());
    bytes_response(media, status, bytes)
}

fn bytes_response(media: MediaType, status: StatusCode, bytes: Vec<u8>) -> Response {
    let mut response = (status, bytes).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, media.content_type());
    if status == StatusCode::UNAUTHORIZED {
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    }
    response
}

/// The executed (or refused) request's answer, serialised once, straight from the response
/// (no intermediate JSON tree): `data` left out of request errors.
pub struct Answer {
    pub json: Vec<u8>,
    /// Nothing ran: a request error, answered without `data`.
    pub request_error: bool,
}

/// The fields of a GraphQL response as the spec orders them; `data` absent when nothing ran.
#[derive(serde::Serialize)]
struct Shape<'a> {
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    errors: &'a [async_graphql::ServerError],
    #[serde(skip_serializing_if = "Option::is_none")]
    data: Option<&'a async_graphql::Value>,
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    extensions: &'a std::collections::BTreeMap<String, async_graphql::Value>,
}

impl Answer {
    /// `executed`: the operation ran (see `graphql::spec::after`).
    pub fn of(response: &async_graphql::Response, executed: bool) -> Self {
        let request_error = !executed;
        let shape = Shape {
            errors: &response.errors,
            data: (!request_error).then_some(&response.data),
            extensions: &response.extensions,
        };
        Self {
            json: to_json(&shape),
            request_error,
        }
    }

    /// An answer kept for an idempotent retry, as [`Answer::text`] gave it.
    pub fn replayed(text: String) -> Self {
        let body: Value = serde_json::from_str(&text).unwrap_or_default();
        Self {
            request_error: body.get("data").is_none(),
            json: text.into_bytes(),
        }
    }

    /// The answer as JSON text (to keep it for an idempotent retry).
    pub fn text(&self) -> &str {
        std::str::from_utf8(&self.json).unwrap_or("{}")
    }

    pub fn into_response(self, media: MediaType) -> Response {
        let status = match media {
            MediaType::GraphqlResponseJson if self.request_error => StatusCode::BAD_REQUEST,
            _ => StatusCode::OK,
        };
        bytes_response(media, status, self.json)
    }
}

/// A screen's answer is some kilobytes: written into room for them rather than into a
/// buffer that grows (and is copied) from empty.
fn to_json(shape: &Shape) -> Vec<u8> {
    let mut json = Vec::with_capacity(16 * 1024);
    match serde_json::to_writer(&mut json, shape) {
        Ok(()) => json,
        Err(_) => b"{}".to_vec(),
    }
}

/// The status for an answer: a request error is a 400 for `application/graphql-response+json`.
pub fn status_for(media: MediaType, body: &Value) -> StatusCode {
    match media {
        MediaType::GraphqlResponseJson if body.get("data").is_none() => StatusCode::BAD_REQUEST,
        _ => StatusCode::OK,
    }
}

/// Sends an answer body given as a JSON value (a replayed answer, a refusal).
pub fn respond(media: MediaType, body: Value) -> Response {
    let status = status_for(media, &body);
    body_response(media, status, body)
}

/// A request error found before GraphQL runs (e.g. an unknown document id): no `data`,
/// 200 for `application/json`, 400 for `application/graphql-response+json`.
pub fn request_refused(media: MediaType, code: &str, message: &str) -> Response {
    respond(
        media,
        json!({ "errors": [{ "message": message, "extensions": { "code": code } }] }),
    )
}

/// An async-graphql request for `query`, with the incoming variables and operation name.
pub fn request_for(query: String, incoming: &Incoming) -> async_graphql::Request {
    let mut request = async_graphql::Request::new(query).variables(
        async_graphql::Variables::from_json(Value::Object(incoming.variables.clone())),
    );
    if let Some(name) = &incoming.operation_name {
        request = request.operation_name(name.clone());
    }
    request
}

/// `GET /graphql?query=…`: operations run only over POST.
pub fn get_refused(media: MediaType) -> Response {
    let mut response = error_response(
        media,
        StatusCode::METHOD_NOT_ALLOWED,
        "METHOD_NOT_ALLOWED",
        "Please send GraphQL operations with POST; GET only serves the IDE page.",
    );
    response
        .headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static("POST"));
    response
}
