//! DreamScape's payment-service requests (`create-intent`, `update-metadata`, `refund`) on our
//! payments: the caller's token decides whose booking it is, never the body's `userId`, and the
//! amount is the booking's own — a client amount that differs is refused with the real one.

use std::collections::BTreeMap;

use kernel::{ApiError, FieldError};
use platform::auth::AuthUser;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::audit::Actor;
use crate::service::{IntentIn, Payments};
use crate::store::{self, Intent};

/// DreamScape's `create-intent` body.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreateIntentIn {
    /// Minor units (`22400` for 224.00 EUR): must be what the booking owes, else `409
    /// amount_mismatch` with the real amount.
    #[schema(minimum = 1)]
    pub amount: i64,
    /// ISO 4217, any case (`eur`).
    #[schema(min_length = 3, max_length = 3)]
    pub currency: String,
    /// The booking's id: the id of a DS- booking, or the reservation's id (or the reference itself).
    #[schema(min_length = 1, max_length = 128)]
    pub booking_id: String,
    /// A reservation id, or the `DS-` reference of a checked-out booking.
    #[schema(min_length = 1, max_length = 128)]
    pub booking_reference: String,
    /// The caller's own id (anyone else's: `403`).
    #[schema(min_length = 1, max_length = 128)]
    pub user_id: String,
    #[schema(schema_with = optional_metadata_schema)]
    pub metadata: Option<BTreeMap<String, String>>,
}

/// DreamScape's `update-metadata` body.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MetadataIn {
    #[schema(min_length = 1, max_length = 255)]
    pub payment_intent_id: String,
    /// Merged into the payment's metadata, as Stripe does: an empty value removes its key. At
    /// most 50 keys of up to 40 characters, values of up to 500.
    #[schema(schema_with = metadata_schema)]
    pub metadata: BTreeMap<String, String>,
}

/// Metadata: an object of at most 50 strings (`null` where `nullable`).
fn metadata_object(nullable: bool) -> utoipa::openapi::Object {
    use utoipa::openapi::schema::{AdditionalProperties, ObjectBuilder, SchemaType, Type};
    let value = ObjectBuilder::new().schema_type(Type::String).max_length(Some(500));
    let kind = if nullable { SchemaType::from_iter([Type::Object, Type::Null]) } else { SchemaType::new(Type::Object) };
    ObjectBuilder::new()
        .schema_type(kind)
        .description(Some(
            "Strings only: at most 50 keys of 1 to 40 characters, values of up to 500 (Stripe's limits).",
        ))
        .additional_properties(Some(AdditionalProperties::RefOr(value.into())))
        .max_properties(Some(50))
        .build()
}

fn metadata_schema() -> utoipa::openapi::Object {
    metadata_object(false)
}

fn optional_metadata_schema() -> utoipa::openapi::Object {
    metadata_object(true)
}

const CREATE_REQUIRED: [&str; 5] = ["amount", "currency", "bookingId", "bookingReference", "userId"];
const METADATA_REQUIRED: [&str; 2] = ["paymentIntentId", "metadata"];
const MAX_ID: usize = 128;

/// DreamScape's `400 Missing required fields`, with its `required` list in `data` and the
/// missing ones in `details`.
fn missing(fields: &[&str], required: &[&str]) -> ApiError {
    let details = fields.iter().map(|f| FieldError::new(*f, "is required")).collect();
    ApiError { message: "Missing required fields".into(), ..ApiError::validation(details) }
        .with_data(json!({ "required": required }))
}

/// Whether JavaScript would call `v` falsy (DreamScape's test for a missing field).
fn falsy(v: Option<&Value>) -> bool {
    match v {
        None | Some(Value::Null) => true,
        Some(Value::Bool(b)) => !b,
        Some(Value::String(s)) => s.is_empty(),
        Some(Value::Number(n)) => n.as_f64() == Some(0.0),
        _ => false,
    }
}

fn object(body: &Value) -> Result<&serde_json::Map<String, Value>, ApiError> {
    body.as_object().ok_or_else(|| ApiError::bad_request("The body must be a JSON object"))
}

fn string(body: &serde_json::Map<String, Value>, field: &str, max: usize, errors: &mut Vec<FieldError>) -> String {
    match body.get(field) {
        Some(Value::String(s)) if s.chars().count() <= max => s.trim().to_owned(),
        _ => {
            errors.push(FieldError::new(field, format!("must be a string of at most {max} characters")));
            String::new()
        }
    }
}

/// Checks metadata against Stripe's limits; `field` names it in errors.
pub fn metadata(raw: Option<&Value>, field: &str, errors: &mut Vec<FieldError>) -> Option<BTreeMap<String, String>> {
    let map = match raw {
        None | Some(Value::Null) => return None,
        Some(Value::Object(map)) => map,
        Some(_) => {
            errors.push(FieldError::new(field, "must be an object of strings"));
            return None;
        }
    };
    let mut out = BTreeMap::new();
    if map.len() > 50 {
        errors.push(FieldError::new(field, "must have at most 50 keys"));
        return None;
    }
    for (k, v) in map {
        match v {
            Value::String(s) if !k.is_empty() && k.chars().count() <= 40 && s.chars().count() <= 500 => {
                out.insert(k.clone(), s.clone());
            }
            Value::String(_) => errors.push(FieldError::new(
                format!("{field}.{}", k.chars().take(40).collect::<String>()),
                "keys must be 1 to 40 characters, values at most 500",
            )),
            _ => errors.push(FieldError::new(
                format!("{field}.{}", k.chars().take(40).collect::<String>()),
                "must be a string",
            )),
        }
    }
    Some(out)
}

impl CreateIntentIn {
    /// Reads DreamScape's body: missing (falsy) fields → `400 Missing required fields`,
    /// a negative amount → `400 Invalid amount`, wrong types and sizes → `400`.
    pub fn parse(body: &Value) -> Result<Self, ApiError> {
        let map = object(body)?;
        let absent: Vec<&str> = CREATE_REQUIRED.iter().copied().filter(|f| falsy(map.get(*f))).collect();
        if !absent.is_empty() {
            return Err(missing(&absent, &CREATE_REQUIRED));
        }
        let mut errors = Vec::new();
        let amount = match map.get("amount").and_then(Value::as_i64) {
            Some(a) if a < 0 => {
                let e = FieldError::new("amount", "Amount must be greater than 0").with_value(json!(a));
                return Err(ApiError { message: "Invalid amount".into(), ..ApiError::validation(vec![e]) });
            }
            Some(a) => a,
            None => {
                errors.push(FieldError::new("amount", "must be a whole number of minor units"));
                0
            }
        };
        let currency = string(map, "currency", 3, &mut errors);
        let booking_id = string(map, "bookingId", MAX_ID, &mut errors);
        let booking_reference = string(map, "bookingReference", MAX_ID, &mut errors);
        let user_id = string(map, "userId", MAX_ID, &mut errors);
        let metadata = metadata(map.get("metadata"), "metadata", &mut errors);
        if !errors.is_empty() {
            return Err(ApiError::validation(errors));
        }
        Ok(Self { amount, currency, booking_id, booking_reference, user_id, metadata })
    }
}

impl MetadataIn {
    pub fn parse(body: &Value) -> Result<Self, ApiError> {
        let map = object(body)?;
        let absent: Vec<&str> = METADATA_REQUIRED.iter().copied().filter(|f| falsy(map.get(*f))).collect();
        if !absent.is_empty() {
            return Err(missing(&absent, &METADATA_REQUIRED));
        }
        let mut errors = Vec::new();
        let payment_intent_id = string(map, "paymentIntentId", 255, &mut errors);
        let metadata = metadata(map.get("metadata"), "metadata", &mut errors).unwrap_or_default();
        if !errors.is_empty() {
            return Err(ApiError::validation(errors));
        }
        Ok(Self { payment_intent_id, metadata })
    }
}

/// `userId` of a DreamScape body must be the caller: a body never grants access to another
/// user's data.
pub fn same_user(raw: &str, user: &AuthUser) -> Result<(), ApiError> {
    match raw.trim().parse::<Uuid>() {
        Ok(id) if id == user.user_id => Ok(()),
        _ => Err(ApiError::forbidden("You can only pay for your own bookings")),
    }
}

impl Payments {
    /// `POST /create-intent`: the open payment of the caller's booking, or a new one for what
    /// it owes (see [`Payments::create_intent`]).
    pub async fn create_for_booking(
        &self,
        user: &AuthUser,
        body: CreateIntentIn,
        actor: &Actor,
    ) -> Result<Intent, ApiError> {
        same_user(&body.user_id, user)?;
        self.check_booking_id(user.user_id, &body.booking_reference, &body.booking_id).await?;
        let metadata = body.metadata.map(|m| json!(m));
        let ask = IntentIn {
            amount: body.amount,
            currency: body.currency,
            booking_reference: body.booking_reference,
            metadata,
        };
        self.create_intent(user.user_id, ask, actor).await
    }

    /// `bookingId` must name the booking `reference` names: the reference itself, the
    /// reservation's id, or the id of the DS- booking as booking's events announced it. A DS-
    /// booking payments has not heard of yet (or not the owner's) is left to the reference.
    pub(crate) async fn check_booking_id(&self, owner: Uuid, reference: &str, id: &str) -> Result<(), ApiError> {
        let (reference, id) = (reference.trim(), id.trim());
        if reference.eq_ignore_ascii_case(id) {
            return Ok(());
        }
        let wrong = || {
            ApiError::validation(vec![
                FieldError::new("bookingId", format!("is not the id of booking {reference}")).with_value(json!(id)),
            ])
        };
        if let Ok(reservation) = reference.parse::<Uuid>() {
            return if id.parse::<Uuid>().ok() == Some(reservation) { Ok(()) } else { Err(wrong()) };
        }
        let seen = super::bookings::by_reference(&self.db, reference).await?;
        match seen.filter(|b| b.user_id == owner) {
            Some(b) if id.parse::<Uuid>().ok() != Some(b.id) => Err(wrong()),
            _ => Ok(()),
        }
    }

    /// `PUT /update-metadata`: merges string metadata into a payment of the caller's. It never
    /// changes which booking the payment is for.
    pub async fn update_metadata(&self, user: &AuthUser, body: MetadataIn) -> Result<Intent, ApiError> {
        let current = self.intent(user, &body.payment_intent_id).await?;
        let mut merged = current.metadata.as_object().cloned().unwrap_or_default();
        for (k, v) in body.metadata {
            if v.is_empty() {
                merged.remove(&k);
            } else {
                merged.insert(k, Value::String(v));
            }
        }
        if merged.len() > 50 {
            return Err(ApiError::validation(vec![FieldError::new("metadata", "a payment keeps at most 50 keys")]));
        }
        let next = Intent { metadata: Value::Object(merged), updated_at: self.clock.now(), ..current };
        let mut tx = self.db.begin().await?;
        store::set_metadata(&mut tx, &next).await?;
        tx.commit().await?;
        Ok(next)
    }
}
