//! Booking: the resource core. One engine sells every kind of listing — nights of stays,
//! tables in restaurant slots, seats of activity sessions and transport trips, units of
//! stock — with the database itself guarding each sale. It keeps a read model of the
//! catalog's listings (from `listing.*` events), prices requests into reproducible quotes,
//! runs the reservation state machine, and moves reservations on from `payment.*` events.

pub mod calendar;
mod events;
pub mod export;
mod http;
mod itineraries;
mod orders;
pub mod policy;
pub mod pricing;
mod privacy;
mod records;
pub mod request;
pub mod rules;
pub mod service;
pub mod shipping;
pub mod slots;
mod store;
pub mod voyage;

use async_trait::async_trait;
use platform::db::Migration;
use platform::events::Subscription;
use platform::{Context, ContextEnv, Mounted, StartError};
use utoipa::openapi::OpenApi;

pub use events::{LISTINGS_CONSUMER, PAYMENTS_CONSUMER};

const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "listings",
        sqlite: include_str!("../migrations/sqlite/0001_listings.sql"),
        postgres: include_str!("../migrations/postgres/0001_listings.sql"),
    },
    Migration {
        version: 2,
        name: "calendar",
        sqlite: include_str!("../migrations/sqlite/0002_calendar.sql"),
        postgres: include_str!("../migrations/postgres/0002_calendar.sql"),
    },
    Migration {
        version: 3,
        name: "inventory",
        sqlite: include_str!("../migrations/sqlite/0003_inventory.sql"),
        postgres: include_str!("../migrations/postgres/0003_inventory.sql"),
    },
    Migration {
        version: 4,
        name: "reservations",
        sqlite: include_str!("../migrations/sqlite/0004_reservations.sql"),
        postgres: include_str!("../migrations/postgres/0004_reservations.sql"),
    },
    Migration {
        version: 5,
        name: "trips",
        sqlite: include_str!("../migrations/sqlite/0005_trips.sql"),
        postgres: include_str!("../migrations/postgres/0005_trips.sql"),
    },
    Migration {
        version: 6,
        name: "itineraries",
        sqlite: include_str!("../migrations/sqlite/0006_itineraries.sql"),
        postgres: include_str!("../migrations/postgres/0006_itineraries.sql"),
    },
    Migration {
        version: 7,
        name: "authorised",
        sqlite: include_str!("../migrations/sqlite/0007_authorised.sql"),
        postgres: include_str!("../migrations/postgres/0007_authorised.sql"),
    },
    Migration {
        version: 8,
        name: "voyage_admin",
        sqlite: include_str!("../migrations/sqlite/0008_voyage_admin.sql"),
        postgres: include_str!("../migrations/postgres/0008_voyage_admin.sql"),
    },
    Migration {
        version: 9,
        name: "availability",
        sqlite: include_str!("../migrations/sqlite/0009_availability.sql"),
        postgres: include_str!("../migrations/postgres/0009_availability.sql"),
    },
    Migration {
        version: 10,
        name: "shipping",
        sqlite: include_str!("../migrations/sqlite/0010_shipping.sql"),
        postgres: include_str!("../migrations/postgres/0010_shipping.sql"),
    },
    Migration {
        version: 11,
        name: "orders",
        sqlite: include_str!("../migrations/sqlite/0011_orders.sql"),
        postgres: include_str!("../migrations/postgres/0011_orders.sql"),
    },
];

/// The booking context.
#[derive(Debug, Clone, Copy)]
pub struct Booking;

#[async_trait]
impl Context for Booking {
    fn name(&self) -> &'static str {
        "booking"
    }

    fn migrations(&self) -> &'static [Migration] {
        MIGRATIONS
    }

    fn openapi(&self) -> OpenApi {
        http::routes().split_for_parts().1
    }

    fn undocumented_routes(&self) -> Vec<String> {
        http::voyage_aliases()
    }

    async fn mount(&self, env: &ContextEnv) -> Result<Mounted, StartError> {
        let engine = service::Bookings {
            db: env.db.clone(),
            clock: env.clock.clone(),
            config: env.config.booking.clone(),
            events: env.events.clone(),
            contracts: env.contracts.clone(),
            mailer: env.mailer.clone(),
            realtime: env.realtime.clone(),
        };
        let listings = Subscription::new(
            LISTINGS_CONSUMER,
            "listing.*",
            env.db.clone(),
            events::ListingsReadModel { engine: engine.clone() },
        );
        let payments = Subscription::new(
            PAYMENTS_CONSUMER,
            "payment.*",
            env.db.clone(),
            events::PaymentsHandler { engine: engine.clone() },
        );
        env.personal_data.register("booking", std::sync::Arc::new(privacy::BookingData { db: env.db.clone() }));
        env.contracts.provide_records(
            platform::contracts::RecordKind::Reservation,
            std::sync::Arc::new(records::Reservations { db: env.db.clone() }),
        );
        env.contracts.provide_feed(
            platform::contracts::FeedKind::Availability,
            std::sync::Arc::new(service::availability_feed::AvailabilityFeed {
                db: env.db.clone(),
                clock: env.clock.clone(),
            }),
        );
        engine.spawn_scheduler(std::time::Duration::from_secs(env.config.booking.jobs_interval_secs));
        let erasure = Subscription::new("booking.erasure", "user.deleted", env.db.clone(), privacy::ErasureOnDelete);
        Ok(Mounted { router: http::routes().with_state(engine), subscriptions: vec![listings, payments, erasure] })
    }
}
