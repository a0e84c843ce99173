//! DreamScape's `page` / `limit` paging (our `offset` is accepted too), and the pagination it
//! answers: `{ page, limit, total, totalPages, offset }`.

use kernel::FieldError;
use serde::Serialize;
use utoipa::ToSchema;

/// The deepest page a list serves.
pub const MAX_PAGE: u64 = 100_000;

/// A requested page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paging {
    pub limit: u32,
    pub offset: u64,
}

impl Paging {
    /// `page` (from 1) or `offset`, and `limit` (1–100, `default` when absent); bad values
    /// are pushed to `errors`.
    pub fn parse(
        page: Option<&str>,
        limit: Option<&str>,
        offset: Option<&str>,
        default: u32,
        errors: &mut Vec<FieldError>,
    ) -> Paging {
        let limit = match limit {
            None => default,
            Some(raw) => raw.parse().ok().filter(|l| (1..=100).contains(l)).unwrap_or_else(|| {
                errors.push(FieldError::new("limit", "must be a whole number from 1 to 100"));
                default
            }),
        };
        let page = page.map(|raw| {
            raw.parse::<u64>().ok().filter(|p| (1..=MAX_PAGE).contains(p)).unwrap_or_else(|| {
                errors.push(FieldError::new("page", format!("must be a whole number from 1 to {MAX_PAGE}")));
                1
            })
        });
        let offset = match (page, offset) {
            (Some(page), _) => (page - 1) * u64::from(limit),
            (None, None) => 0,
            (None, Some(raw)) => raw.parse().ok().filter(|o| *o <= MAX_PAGE * 100).unwrap_or_else(|| {
                errors.push(FieldError::new("offset", "must be a whole number from 0 to 10000000"));
                0
            }),
        };
        Paging { limit, offset }
    }

    pub fn of(&self, total: u64) -> AdminPagination {
        let limit = u64::from(self.limit);
        AdminPagination {
            page: self.offset / limit + 1,
            limit: self.limit,
            total,
            total_pages: total.div_ceil(limit),
            offset: self.offset,
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AdminPagination {
    pub page: u64,
    pub limit: u32,
    pub total: u64,
    pub total_pages: u64,
    pub offset: u64,
}
