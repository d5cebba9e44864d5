//! Errors as `application/problem+json` (RFC 9457), naming the bad parameter and what is allowed.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

/// A problem detail.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Problem {
    /// Problem type URI; `about:blank` means the title says it all.
    #[serde(rename = "type")]
    pub problem_type: &'static str,
    /// Short summary.
    pub title: &'static str,
    /// HTTP status.
    pub status: u16,
    /// What exactly is wrong.
    pub detail: String,
    /// The request parameter at fault, when one is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parameter: Option<String>,
    /// The allowed values or range of that parameter.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed: Option<String>,
}

impl Problem {
    /// A 400 about one parameter.
    pub fn invalid_parameter(parameter: &str, detail: impl Into<String>, allowed: impl Into<String>) -> Self {
        Problem {
            problem_type: "about:blank",
            title: "Invalid request parameter",
            status: 400,
            detail: detail.into(),
            parameter: Some(parameter.to_owned()),
            allowed: Some(allowed.into()),
        }
    }

    /// A 404.
    pub fn not_found(detail: impl Into<String>) -> Self {
        Problem {
            problem_type: "about:blank",
            title: "Not found",
            status: 404,
            detail: detail.into(),
            parameter: None,
            allowed: None,
        }
    }
}

impl Problem {
    /// A problem with a status and a title of its own.
    pub fn status(status: u16, title: &'static str, detail: impl Into<String>) -> Self {
        Problem {
            problem_type: "about:blank",
            title,
            status,
            detail: detail.into(),
            parameter: None,
            allowed: None,
        }
    }

    /// A 422 about one field of a request body, e.g. `items[2].product`.
    pub fn invalid_field(
        field: impl Into<String>,
        detail: impl Into<String>,
        allowed: impl Into<String>,
    ) -> Self {
        Problem {
            problem_type: "about:blank",
            title: "Invalid request body",
            status: 422,
            detail: detail.into(),
            parameter: Some(field.into()),
            allowed: Some(allowed.into()),
        }
    }

    /// The response with an extra header (`WWW-Authenticate`, `Retry-After`).
    pub fn with_header(self, name: header::HeaderName, value: HeaderValue) -> Response {
        let mut response = self.into_response();
        response.headers_mut().insert(name, value);
        response
    }

    /// A 500: something failed that the request could not cause.
    pub fn internal(detail: impl Into<String>) -> Self {
        Problem {
            problem_type: "about:blank",
            title: "Internal error",
            status: 500,
            detail: detail.into(),
            parameter: None,
            allowed: None,
        }
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::to_vec(&self).unwrap_or_default();
        let mut response = (status, body).into_response();
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
        response
    }
}
