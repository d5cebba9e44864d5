//! Pharmacy stock endpoints: the opioid catalogue, a pharmacy's registration (public), its
//! replacement by the pharmacy itself (bearer token), and its audit log.

use std::time::{Instant, SystemTime};

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use super::AppState;
use super::dto::rfc3339;
use super::problem::Problem;
use crate::atlas::{Atlas, now_unix};
use crate::model::{FacilityKind, Label, OpioidCatalogue, OpioidProduct, PharmacyService, StockStatus};
use crate::store::stock::{PharmacyServices, PharmacyStock, STALE_AFTER_DAYS, StockUpdate, TokenInfo};

/// Largest accepted body: the whole catalogue with every field fits in a few KiB.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// Longest lead time a pharmacy can state for an orderable product.
const MAX_ORDERABLE_DAYS: u64 = 60;

/// A pharmacy service as the catalogue shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ServiceView {
    /// Service id.
    pub id: &'static str,
    /// Japanese name.
    pub ja: String,
    /// English name.
    pub en: String,
}

/// The opioid product catalogue.
#[derive(Debug, Serialize, ToSchema)]
pub struct CatalogueView {
    /// Ingredients by id.
    #[schema(value_type = Object)]
    pub ingredients: &'static std::collections::BTreeMap<String, Label>,
    /// Dosage forms by id.
    #[schema(value_type = Object)]
    pub forms: &'static std::collections::BTreeMap<String, Label>,
    /// Products (`<ingredient>_<form>`) with brand names as aliases.
    #[schema(value_type = Vec<Object>)]
    pub products: &'static [OpioidProduct],
    /// Pharmacy services.
    pub services: Vec<ServiceView>,
    /// Days after which an entry is stale.
    pub stale_after_days: i64,
}

/// One product at one pharmacy.
#[derive(Debug, Serialize, ToSchema)]
pub struct StockItemView {
    /// Product id.
    pub product: String,
    /// in_stock, orderable or none.
    pub status: &'static str,
    /// Days to obtain it when orderable.
    pub orderable_days: Option<u32>,
    /// When the pharmacy last confirmed it (RFC 3339 UTC).
    pub updated_at: String,
    /// Older than 30 days: shown, not counted as in stock unless `include_stale=true`.
    pub stale: bool,
}

/// A pharmacy's registration.
#[derive(Debug, Serialize, ToSchema)]
pub struct StockView {
    /// The pharmacy.
    pub facility_id: String,
    /// Its name.
    pub name: String,
    /// Last write (RFC 3339 UTC), null when it never registered.
    pub updated_at: Option<String>,
    /// Service flags; null = not stated.
    #[schema(value_type = Object)]
    pub services: PharmacyServices,
    /// Products, in catalogue order.
    pub items: Vec<StockItemView>,
}

/// One change in the audit log.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditView {
    /// When (RFC 3339 UTC).
    pub at: String,
    /// The token that wrote it.
    pub token_id: i64,
    /// The registration before.
    #[schema(value_type = Object)]
    pub before: Value,
    /// The registration after.
    #[schema(value_type = Object)]
    pub after: Value,
}

/// The audit log, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditLog {
    /// The pharmacy.
    pub facility_id: String,
    /// Entries, newest first.
    pub entries: Vec<AuditView>,
}

/// The medical opioids (医療用麻薬) pharmacies register, by ingredient and form with brand names,
/// and the pharmacy services.
#[utoipa::path(get, path = "/api/opioids", tag = "stock", responses((status = 200, body = CatalogueView)))]
pub async fn opioids() -> Json<CatalogueView> {
    let c = OpioidCatalogue::builtin();
    Json(CatalogueView {
        ingredients: &c.ingredients,
        forms: &c.forms,
        products: &c.products,
        services: PharmacyService::ALL
            .into_iter()
            .map(|s| {
                let label = c.services.get(s.as_str());
                ServiceView {
                    id: s.as_str(),
                    ja: label.map_or_else(|| s.as_str().to_owned(), |l| l.ja.clone()),
                    en: label.map_or_else(|| s.as_str().to_owned(), |l| l.en.clone()),
                }
            })
            .collect(),
        stale_after_days: STALE_AFTER_DAYS,
    })
}

/// A pharmacy's registered opioid stock and services, as of the current snapshot (every
/// acknowledged write is in it).
#[utoipa::path(
    get,
    path = "/api/pharmacies/{id}/stock",
    tag = "stock",
    params(("id" = String, Path, description = "Facility id of a pharmacy")),
    responses(
        (status = 200, body = StockView),
        (status = 400, description = "Not a pharmacy", body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn get_stock(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<StockView>, Problem> {
    let atlas = state.atlas.load();
    let name = pharmacy_name(&atlas, &id)?;
    let empty = PharmacyStock {
        facility_id: id.clone(),
        items: vec![],
        services: PharmacyServices::default(),
        updated_unix: None,
    };
    Ok(Json(stock_view(atlas.stock_of(&id).unwrap_or(&empty), name, now_unix())))
}

/// Replaces a pharmacy's stock list (and services) with the body:
/// `{"items": [{"product", "status", "orderable_days"}], "services": {...}}`, or a bare array of
/// items (services unchanged). Needs `Authorization: Bearer <token>` issued for this pharmacy by
/// `kanwamap token issue`. The write is durable when the answer arrives and visible to searches at
/// once; every change is appended to the audit log.
#[utoipa::path(
    put,
    path = "/api/pharmacies/{id}/stock",
    tag = "stock",
    params(("id" = String, Path, description = "Facility id of the pharmacy the token belongs to")),
    request_body(content = Object, description = "items and services", content_type = "application/json"),
    responses(
        (status = 200, body = StockView),
        (status = 400, description = "Malformed JSON, or not a pharmacy", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No, unknown or revoked token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token belongs to another pharmacy", body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body over 64 KiB", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is invalid (named in `parameter`)", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many writes with this token (see Retry-After)", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn put_stock(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<StockView>, Response> {
    let token = authorize(&state, &headers, &id).await?;
    if let Err(wait) = state.rate_limit.check(token.id, Instant::now()) {
        let seconds = wait.as_secs().max(1);
        return Err(Problem::status(
            429,
            "Too many requests",
            format!("this token may write again in {seconds} s"),
        )
        .with_header(header::RETRY_AFTER, HeaderValue::from(seconds)));
    }
    let too_large = || {
        Problem::status(413, "Payload too large", format!("the body exceeds {MAX_BODY_BYTES} bytes"))
            .into_response()
    };
    let declared = headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<usize>().ok());
    if declared.is_some_and(|n| n > MAX_BODY_BYTES) {
        return Err(too_large());
    }
    let bytes = axum::body::to_bytes(body, MAX_BODY_BYTES).await.map_err(|_| too_large())?;
    let atlas = state.atlas.load();
    let current = atlas.stock_of(&id).map(|s| s.services).unwrap_or_default();
    let update = parse_update(&bytes, current).map_err(IntoResponse::into_response)?;
    let writer = state.writer.clone();
    let facility = id.clone();
    let stored =
        tokio::task::spawn_blocking(move || writer.put(&facility, token.id, &update, SystemTime::now()))
            .await
            .map_err(|e| Problem::internal(format!("stock write failed: {e}")).into_response())?
            .map_err(|e| {
                tracing::error!(error = %e, facility = %id, "stock write failed");
                Problem::internal(format!("stock write failed: {e}")).into_response()
            })?;
    tracing::info!(facility = %id, token = token.id, items = stored.items.len(), "stock replaced");
    let atlas = state.atlas.load();
    let name = pharmacy_name(&atlas, &id).map_err(IntoResponse::into_response)?;
    Ok(Json(stock_view(&stored, name, now_unix())))
}

/// The audit log of a pharmacy's stock (who, when, before, after), newest first; the pharmacy's own
/// token is required.
#[utoipa::path(
    get,
    path = "/api/pharmacies/{id}/stock/audit",
    tag = "stock",
    params(("id" = String, Path, description = "Facility id of the pharmacy the token belongs to")),
    responses(
        (status = 200, body = AuditLog),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn audit(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Json<AuditLog>, Response> {
    authorize(&state, &headers, &id).await?;
    let writer = state.writer.clone();
    let facility = id.clone();
    let entries = tokio::task::spawn_blocking(move || writer.audit(&facility))
        .await
        .map_err(|e| Problem::internal(format!("reading the audit log failed: {e}")).into_response())?
        .map_err(|e| Problem::internal(format!("reading the audit log failed: {e}")).into_response())?;
    let entries = entries
        .into_iter()
        .rev()
        .map(|e| AuditView { at: rfc3339(e.at_unix), token_id: e.token_id, before: e.before, after: e.after })
        .collect();
    Ok(Json(AuditLog { facility_id: id, entries }))
}

/// The name of the pharmacy with this id, or the 404/400 that says why there is none.
fn pharmacy_name(atlas: &Atlas, id: &str) -> Result<String, Problem> {
    let facility =
        atlas.facility(id).ok_or_else(|| Problem::not_found(format!("no facility with id '{id}'")))?;
    if facility.kind != FacilityKind::Pharmacy {
        return Err(Problem::status(
            400,
            "Not a pharmacy",
            format!("'{id}' is a {}; only pharmacies register opioid stock", facility.kind.as_str()),
        ));
    }
    Ok(facility.name.clone())
}

/// Checks the bearer token against the store and the pharmacy: 401 without a valid token, 404 for
/// an unknown pharmacy, 403 when the token belongs to another one.
async fn authorize(state: &AppState, headers: &HeaderMap, id: &str) -> Result<TokenInfo, Response> {
    let unauthorized = |detail: &str| {
        Problem::status(401, "Unauthorized", detail)
            .with_header(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"kanwamap\""))
    };
    let presented = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .ok_or_else(|| unauthorized("an Authorization: Bearer <token> header is required"))?;
    let writer = state.writer.clone();
    let token = tokio::task::spawn_blocking(move || writer.authenticate(&presented))
        .await
        .map_err(|e| Problem::internal(format!("checking the token failed: {e}")).into_response())?
        .map_err(|e| Problem::internal(format!("checking the token failed: {e}")).into_response())?
        .ok_or_else(|| unauthorized("the token is unknown or revoked"))?;
    pharmacy_name(&state.atlas.load(), id).map_err(IntoResponse::into_response)?;
    if token.facility_id != id {
        return Err(Problem::status(
            403,
            "Forbidden",
            format!("this token writes the stock of '{}', not of '{id}'", token.facility_id),
        )
        .into_response());
    }
    Ok(token)
}

/// The registration as the API shows it, items in catalogue order.
fn stock_view(stock: &PharmacyStock, name: String, now: i64) -> StockView {
    let catalogue = OpioidCatalogue::builtin();
    let position =
        |product: &str| catalogue.products.iter().position(|p| p.id == product).unwrap_or(usize::MAX);
    let mut items: Vec<StockItemView> = stock
        .items
        .iter()
        .map(|i| StockItemView {
            product: i.product.clone(),
            status: i.status.as_str(),
            orderable_days: i.orderable_days,
            updated_at: rfc3339(i.updated_unix),
            stale: i.is_stale(now),
        })
        .collect();
    items.sort_by_key(|i| position(&i.product));
    StockView {
        facility_id: stock.facility_id.clone(),
        name,
        updated_at: stock.updated_unix.map(rfc3339),
        services: stock.services,
        items,
    }
}

/// Reads and checks a PUT body. `current` services are kept when the body is a bare array.
fn parse_update(bytes: &[u8], current: PharmacyServices) -> Result<StockUpdate, Problem> {
    let value: Value = serde_json::from_slice(bytes)
        .map_err(|e| Problem::status(400, "Malformed JSON", format!("the body is not JSON: {e}")))?;
    let (items, services) = match value {
        Value::Array(items) => (items, None),
        Value::Object(mut object) => {
            if let Some(unknown) = object.keys().find(|k| *k != "items" && *k != "services") {
                return Err(Problem::invalid_field(
                    unknown.clone(),
                    format!("unknown field '{unknown}'"),
                    "items, services",
                ));
            }
            let items = match object.remove("items") {
                Some(Value::Array(items)) => items,
                Some(_) => {
                    return Err(Problem::invalid_field(
                        "items",
                        "items must be an array",
                        "[{\"product\", \"status\", \"orderable_days\"}]",
                    ));
                }
                None => {
                    return Err(Problem::invalid_field(
                        "items",
                        "items is missing (send [] to clear the list)",
                        "[{\"product\", \"status\", \"orderable_days\"}]",
                    ));
                }
            };
            (items, object.remove("services"))
        }
        _ => {
            return Err(Problem::invalid_field(
                "body",
                "the body must be an object {items, services} or an array of items",
                "{\"items\": [...], \"services\": {...}}",
            ));
        }
    };
    let catalogue = OpioidCatalogue::builtin();
    let mut parsed: Vec<(String, StockStatus, Option<u32>)> = Vec::with_capacity(items.len());
    for (n, item) in items.into_iter().enumerate() {
        let field = |name: &str| format!("items[{n}].{name}");
        let Value::Object(mut item) = item else {
            return Err(Problem::invalid_field(
                format!("items[{n}]"),
                "an item must be an object",
                "{\"product\", \"status\", \"orderable_days\"}",
            ));
        };
        if let Some(unknown) =
            item.keys().find(|k| !["product", "status", "orderable_days"].contains(&k.as_str()))
        {
            return Err(Problem::invalid_field(
                field(unknown),
                format!("unknown field '{unknown}'"),
                "product, status, orderable_days",
            ));
        }
        let product = match item.remove("product") {
            Some(Value::String(p)) if catalogue.product(&p).is_some() => p,
            Some(Value::String(p)) => {
                return Err(Problem::invalid_field(
                    field("product"),
                    format!("unknown product '{p}'"),
                    "a product id of GET /api/opioids, e.g. fentanyl_patch_3day",
                ));
            }
            _ => {
                return Err(Problem::invalid_field(
                    field("product"),
                    "product must be a string",
                    "a product id of GET /api/opioids",
                ));
            }
        };
        if parsed.iter().any(|(p, _, _)| *p == product) {
            return Err(Problem::invalid_field(
                field("product"),
                format!("product '{product}' is listed twice"),
                "each product once",
            ));
        }
        let status = match item.remove("status") {
            Some(Value::String(s)) => s
                .parse::<StockStatus>()
                .map_err(|e| Problem::invalid_field(field("status"), e, "in_stock, orderable, none"))?,
            _ => {
                return Err(Problem::invalid_field(
                    field("status"),
                    "status must be a string",
                    "in_stock, orderable, none",
                ));
            }
        };
        let days = match item.remove("orderable_days") {
            None | Some(Value::Null) => None,
            Some(Value::Number(d))
                if d.as_u64().is_some_and(|d| d <= MAX_ORDERABLE_DAYS)
                    && status == StockStatus::Orderable =>
            {
                d.as_u64().and_then(|d| u32::try_from(d).ok())
            }
            Some(Value::Number(_)) if status != StockStatus::Orderable => {
                return Err(Problem::invalid_field(
                    field("orderable_days"),
                    "orderable_days applies to status orderable only",
                    "null unless status is orderable",
                ));
            }
            Some(other) => {
                return Err(Problem::invalid_field(
                    field("orderable_days"),
                    format!("invalid orderable_days {other}"),
                    format!("an integer 0..{MAX_ORDERABLE_DAYS} or null"),
                ));
            }
        };
        parsed.push((product, status, days));
    }
    let services = match services {
        None => current,
        Some(value) => parse_services(value)?,
    };
    Ok(StockUpdate { items: parsed, services })
}

fn parse_services(value: Value) -> Result<PharmacyServices, Problem> {
    let allowed = PharmacyService::ALL.map(PharmacyService::as_str).join(", ");
    let Value::Object(object) = value else {
        return Err(Problem::invalid_field("services", "services must be an object of flags", allowed));
    };
    let mut services = PharmacyServices::default();
    for (key, flag) in object {
        let flag = match flag {
            Value::Bool(b) => Some(b),
            Value::Null => None,
            _ => {
                return Err(Problem::invalid_field(
                    format!("services.{key}"),
                    "a service flag is true, false or null",
                    "true, false, null",
                ));
            }
        };
        let slot = match key.parse::<PharmacyService>() {
            Ok(PharmacyService::SterileCompounding) => &mut services.sterile_compounding,
            Ok(PharmacyService::Open24h) => &mut services.open_24h,
            Ok(PharmacyService::HomeVisits) => &mut services.home_visits,
            Ok(PharmacyService::NarcoticsLicence) => &mut services.narcotics_licence,
            Err(_) => {
                return Err(Problem::invalid_field(
                    format!("services.{key}"),
                    format!("unknown service '{key}'"),
                    allowed,
                ));
            }
        };
        *slot = flag;
    }
    Ok(services)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(body: &str) -> Result<StockUpdate, Problem> {
        parse_update(
            body.as_bytes(),
            PharmacyServices { open_24h: Some(true), ..PharmacyServices::default() },
        )
    }

    #[test]
    fn both_shapes_are_accepted() {
        let u = parse(
            r#"{"items":[{"product":"fentanyl_patch_3day","status":"in_stock"},
            {"product":"morphine_injection","status":"orderable","orderable_days":2}],
            "services":{"sterile_compounding":true,"home_visits":null}}"#,
        )
        .unwrap();
        assert_eq!(u.items.len(), 2);
        assert_eq!(u.items[1], ("morphine_injection".into(), StockStatus::Orderable, Some(2)));
        assert_eq!(u.services.sterile_compounding, Some(true));
        assert_eq!(u.services.open_24h, None, "services given: replaced, not merged");
        let u = parse(r#"[{"product":"oxycodone_ir","status":"none","orderable_days":null}]"#).unwrap();
        assert_eq!(u.services.open_24h, Some(true), "a bare array keeps the services");
        assert!(parse(r#"{"items":[]}"#).unwrap().items.is_empty());
    }

    #[test]
    fn errors_name_the_field() {
        let cases = [
            (r#"{"items":[{"product":"codeine_ir","status":"in_stock"}]}"#, 422, "items[0].product"),
            (r#"{"items":[{"product":"oxycodone_ir","status":"plenty"}]}"#, 422, "items[0].status"),
            (
                r#"{"items":[{"product":"oxycodone_ir","status":"in_stock","orderable_days":3}]}"#,
                422,
                "items[0].orderable_days",
            ),
            (
                r#"{"items":[{"product":"oxycodone_ir","status":"orderable","orderable_days":-1}]}"#,
                422,
                "items[0].orderable_days",
            ),
            (
                r#"{"items":[{"product":"oxycodone_ir","status":"in_stock"},{"product":"oxycodone_ir","status":"none"}]}"#,
                422,
                "items[1].product",
            ),
            (
                r#"{"items":[{"product":"oxycodone_ir","status":"in_stock","colour":"red"}]}"#,
                422,
                "items[0].colour",
            ),
            (r#"{"items":[], "services":{"delivery":true}}"#, 422, "services.delivery"),
            (r#"{"items":[], "services":{"open_24h":"yes"}}"#, 422, "services.open_24h"),
            (r#"{"items":[], "extra":1}"#, 422, "extra"),
            (r#"{"services":{}}"#, 422, "items"),
            (r#"[1]"#, 422, "items[0]"),
            (r#""text""#, 422, "body"),
        ];
        for (body, status, field) in cases {
            let p = parse(body).unwrap_err();
            assert_eq!((p.status, p.parameter.as_deref()), (status, Some(field)), "{body}");
        }
        let p = parse(r#"{"items": [}"#).unwrap_err();
        assert_eq!(p.status, 400);
        assert!(p.detail.contains("line 1"), "{}", p.detail);
    }
}
