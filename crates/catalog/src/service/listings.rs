//! The listing life cycle: create (providers only), update (owner only, optimistic
//! concurrency), publish when complete, unpublish (owner, or an admin moderating), soft delete.
//! Every change is an event carrying what booking, search and insights need.

use kernel::{ApiError, FieldError, PageRequest};
use platform::auth::AuthUser;
use uuid::Uuid;

use super::Catalog;
use crate::domain::fields::Errors;
use crate::domain::listing::{self, Address, Listing, ListingInput};
use crate::domain::restaurant::{self, Menu};
use crate::store::providers::Provider;
use crate::store::{self, listings::PublicFilter};
use crate::view;

/// The most listings one batch may create.
pub const BATCH_MAX: usize = 100;

fn not_found() -> ApiError {
    ApiError::not_found("Listing not found")
}

impl Catalog {
    pub async fn create_listing(&self, user: Uuid, input: &ListingInput) -> Result<Listing, ApiError> {
        let provider = self.my_provider(user).await?;
        let mut l = self.draft(&provider, user, input).map_err(ApiError::validation)?;
        self.fill_location(&mut l).await;
        let mut tx = self.db.begin().await?;
        store::listings::insert(&mut tx, &l).await?;
        self.emit(&mut tx, "listing.created", l.id, user, view::event(&l)).await?;
        tx.commit().await?;
        self.events.committed();
        Ok(l)
    }

    /// Up to [`BATCH_MAX`] listings created at once (and published, when `publish`), in one
    /// transaction: all or none. Each goes through the same rules and leaves the same events as
    /// one created (and published) on its own — only the round trips and commits are shared,
    /// which is what makes importing a large catalogue fast. Errors name the item:
    /// `listings[3].title`.
    pub async fn create_listings(
        &self,
        user: Uuid,
        inputs: &[ListingInput],
        publish: bool,
    ) -> Result<Vec<Listing>, ApiError> {
        if inputs.is_empty() || inputs.len() > BATCH_MAX {
            let message = format!("must hold between 1 and {BATCH_MAX} listings");
            return Err(ApiError::validation(vec![FieldError::new("listings", message)]));
        }
        let provider = self.my_provider(user).await?;
        let mut drafts = Vec::with_capacity(inputs.len());
        let (mut invalid, mut missing) = (Vec::new(), Vec::new());
        for (i, input) in inputs.iter().enumerate() {
            let item = |field: &str| format!("listings[{i}].{field}");
            match self.draft(&provider, user, input) {
                Ok(mut l) => {
                    self.fill_location(&mut l).await;
                    if publish {
                        let absent = listing::missing_for_publish(&l);
                        missing.extend(absent.into_iter().map(|f| FieldError::new(item(f), "is required to publish")));
                    }
                    drafts.push(l);
                }
                Err(found) => invalid.extend(found.into_iter().map(|e| FieldError::new(item(&e.field), e.message))),
            }
        }
        // As for one listing: what is malformed first (400), then what publishing lacks (422).
        if !invalid.is_empty() {
            return Err(ApiError::validation(invalid));
        }
        if !missing.is_empty() {
            return Err(incomplete_error(missing));
        }
        let mut tx = self.db.begin().await?;
        let mut made = Vec::with_capacity(drafts.len());
        for mut l in drafts {
            let created = view::event(&l);
            if publish {
                let now = self.clock.now();
                l.status = "published".into();
                l.version += 1;
                l.published_at = Some(now);
                l.updated_at = now;
            }
            store::listings::insert(&mut tx, &l).await?;
            self.emit(&mut tx, "listing.created", l.id, user, created).await?;
            if publish {
                self.emit(&mut tx, "listing.published", l.id, user, view::event(&l)).await?;
            }
            made.push(l);
        }
        tx.commit().await?;
        self.events.committed();
        Ok(made)
    }

    /// A new draft of `provider`'s from `input`, or every rule it breaks.
    fn draft(&self, provider: &Provider, user: Uuid, input: &ListingInput) -> Result<Listing, Vec<FieldError>> {
        let kind = listing::parse_kind(input.kind.as_deref()).map_err(|e| e.0)?;
        let instant_book = listing::instant_book_by_default(&kind);
        let now = self.clock.now();
        let mut l = Listing {
            id: kernel::new_id(),
            provider_id: provider.id,
            owner_id: user,
            kind,
            status: "draft".into(),
            title: String::new(),
            description: String::new(),
            address: Address::default(),
            location: None,
            timezone: provider.timezone.clone(),
            currency: provider.default_currency.clone(),
            amenities: Vec::new(),
            house_rules: Vec::new(),
            cancellation_policy: "moderate".into(),
            instant_book,
            stay: Default::default(),
            product: Default::default(),
            activity: Default::default(),
            transport: Default::default(),
            restaurant: Default::default(),
            version: 1,
            published_at: None,
            deleted_at: None,
            created_at: now,
            updated_at: now,
        };
        let mut e = Errors::default();
        if input.title.is_none() {
            e.add("title", "is required");
        }
        listing::apply(&mut l, input, &mut e);
        if e.is_empty() { Ok(l) } else { Err(e.0) }
    }

    /// A listing as `viewer` may see it: published ones to anyone; drafts and unpublished
    /// ones only to the owner and admins (others get 404, as if it did not exist).
    pub async fn listing(&self, id: Uuid, viewer: Option<&AuthUser>) -> Result<Listing, ApiError> {
        let l = store::listings::find(&self.db, id).await?.ok_or_else(not_found)?;
        let privileged = viewer.is_some_and(|v| v.user_id == l.owner_id || v.is_admin());
        if l.status == "published" || privileged { Ok(l) } else { Err(not_found()) }
    }

    pub(super) async fn owned(&self, id: Uuid, user: &AuthUser) -> Result<Listing, ApiError> {
        let l = store::listings::find(&self.db, id).await?.ok_or_else(not_found)?;
        if l.owner_id != user.user_id {
            return Err(not_found());
        }
        Ok(l)
    }

    /// Saves `l` as the next version of `expected`; 412 when someone saved in between.
    async fn save(&self, mut l: Listing, expected: i64, event: &str, actor: Uuid) -> Result<Listing, ApiError> {
        l.version = expected + 1;
        l.updated_at = self.clock.now();
        let mut tx = self.db.begin().await?;
        if !store::listings::save(&mut tx, &l, expected).await? {
            return Err(ApiError::new(
                412,
                "version_conflict",
                "The listing changed since you read it; reload and retry",
            ));
        }
        self.emit(&mut tx, event, l.id, actor, view::event(&l)).await?;
        tx.commit().await?;
        self.events.committed();
        self.forget_listing(l.id).await;
        Ok(l)
    }

    pub async fn update_listing(
        &self,
        id: Uuid,
        user: &AuthUser,
        input: &ListingInput,
        if_match: Option<i64>,
    ) -> Result<Listing, ApiError> {
        let mut l = self.owned(id, user).await?;
        let expected = if_match.unwrap_or(l.version);
        if expected != l.version {
            return Err(ApiError::new(
                412,
                "version_conflict",
                "The listing changed since you read it; reload and retry",
            ));
        }
        let mut e = Errors::default();
        listing::apply(&mut l, input, &mut e);
        if !e.is_empty() {
            return Err(ApiError::validation(e.0));
        }
        self.fill_location(&mut l).await;
        if l.status == "published" {
            incomplete(&l)?;
        }
        self.save(l, expected, "listing.updated", user.user_id).await
    }

    pub async fn publish(&self, id: Uuid, user: &AuthUser) -> Result<Listing, ApiError> {
        let mut l = self.owned(id, user).await?;
        incomplete(&l)?;
        if l.status == "published" {
            return Ok(l);
        }
        let expected = l.version;
        l.status = "published".into();
        l.published_at = Some(self.clock.now());
        self.save(l, expected, "listing.published", user.user_id).await
    }

    /// The owner takes a listing offline; an admin may do it to any listing (moderation).
    pub async fn unpublish(&self, id: Uuid, user: &AuthUser, reason: Option<&str>) -> Result<Listing, ApiError> {
        let mut l = store::listings::find(&self.db, id).await?.ok_or_else(not_found)?;
        if l.owner_id != user.user_id && !user.is_admin() {
            return Err(not_found());
        }
        if reason.is_some_and(|r| r.chars().count() > 500) {
            return Err(ApiError::validation(vec![FieldError::new("reason", "must be at most 500 characters")]));
        }
        if l.status != "published" {
            return Ok(l);
        }
        let expected = l.version;
        l.status = "unpublished".into();
        self.save(l, expected, "listing.unpublished", user.user_id).await
    }

    pub async fn delete_listing(&self, id: Uuid, user: &AuthUser) -> Result<(), ApiError> {
        let mut l = self.owned(id, user).await?;
        let expected = l.version;
        l.status = "deleted".into();
        l.deleted_at = Some(self.clock.now());
        self.save(l, expected, "listing.deleted", user.user_id).await?;
        Ok(())
    }

    /// The menu of a restaurant listing (visible like the listing).
    pub async fn menu(&self, id: Uuid, viewer: Option<&AuthUser>) -> Result<Menu, ApiError> {
        let l = self.listing(id, viewer).await?;
        if l.kind != "restaurant" {
            return Err(ApiError::new(409, "not_a_restaurant", "Only restaurant listings have a menu"));
        }
        Ok(l.restaurant.menu)
    }

    /// Replaces the whole menu (owner; `If-Match` guards like any listing change).
    pub async fn set_menu(
        &self,
        id: Uuid,
        user: &AuthUser,
        menu: &Menu,
        if_match: Option<i64>,
    ) -> Result<Listing, ApiError> {
        let mut l = self.owned(id, user).await?;
        if l.kind != "restaurant" {
            return Err(ApiError::new(409, "not_a_restaurant", "Only restaurant listings have a menu"));
        }
        let expected = if_match.unwrap_or(l.version);
        if expected != l.version {
            return Err(ApiError::new(
                412,
                "version_conflict",
                "The listing changed since you read it; reload and retry",
            ));
        }
        let mut e = Errors::default();
        l.restaurant.menu = restaurant::menu(menu, &mut e);
        if !e.is_empty() {
            return Err(ApiError::validation(e.0));
        }
        self.save(l, expected, "listing.updated", user.user_id).await
    }

    pub async fn mine(&self, user: Uuid, page: &PageRequest) -> Result<(Vec<Listing>, i64), ApiError> {
        Ok(store::listings::list_owned(&self.db, user, page.limit, page.offset).await?)
    }

    pub async fn public_listings(&self, f: &PublicFilter, page: &PageRequest) -> Result<(Vec<Listing>, i64), ApiError> {
        Ok(store::listings::list_public(&self.db, f, page.limit, page.offset).await?)
    }
}

/// 422 naming every missing field, when `l` is not complete enough to be public.
fn incomplete(l: &Listing) -> Result<(), ApiError> {
    let missing = listing::missing_for_publish(l);
    if missing.is_empty() {
        return Ok(());
    }
    Err(incomplete_error(missing.into_iter().map(|f| FieldError::new(f, "is required to publish")).collect()))
}

fn incomplete_error(details: Vec<FieldError>) -> ApiError {
    ApiError::new(422, "listing_incomplete", "The listing is missing what guests need").with_details(details)
}
