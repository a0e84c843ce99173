//! The identity context's HTTP surface: DreamScape's `/api/v1/auth` contract plus sessions,
//! two-factor, account recovery, admin status and the JWKS.

mod account;
mod admin;
mod ai;
mod alerts;
mod auth;
mod cookie;
mod dto;
mod favorites;
mod favorites_batch;
mod gdpr;
mod gdpr_admin;
mod gdpr_requests;
mod history;
mod mfa;
mod onboarding;
mod phone;
mod profile_row;
mod profile_view;
mod recovery;
mod search_history;
mod searches;
mod sessions;
mod users;

use std::sync::Arc;

use axum::http::HeaderMap;
use axum::http::header::USER_AGENT;
use platform::http::ClientIp;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::service::{Accounts, Origin};

pub type State = Arc<Accounts>;

pub fn routes() -> OpenApiRouter<State> {
    // Uploads may exceed the server-wide body limit; the image module caps them at 10 MB.
    let uploads = OpenApiRouter::new()
        .routes(routes!(profile_row::upload_avatar, profile_row::remove_avatar))
        .routes(routes!(profile_row::upload_profile_avatar))
        .layer(axum::extract::DefaultBodyLimit::max(platform::images::MAX_INPUT_BYTES + 64 * 1024));
    OpenApiRouter::new()
        .merge(uploads)
        .routes(routes!(auth::register))
        .routes(routes!(auth::login))
        .routes(routes!(auth::refresh))
        .routes(routes!(auth::logout))
        .routes(routes!(auth::logout_all))
        .routes(routes!(auth::verify_token))
        .routes(routes!(auth::jwks))
        .routes(routes!(auth::health))
        .routes(routes!(account::get_profile, account::put_profile))
        .routes(routes!(account::change_password))
        .routes(routes!(recovery::verify_email))
        .routes(routes!(recovery::resend_verification))
        .routes(routes!(recovery::forgot_password))
        .routes(routes!(recovery::reset_password))
        .routes(routes!(mfa::setup))
        .routes(routes!(mfa::enable))
        .routes(routes!(mfa::disable))
        .routes(routes!(sessions::list))
        .routes(routes!(sessions::revoke))
        .routes(routes!(admin::set_status))
        .routes(routes!(admin::users::list))
        .routes(routes!(admin::users::export))
        .routes(routes!(admin::users::get, admin::users::update, admin::users::delete))
        .routes(routes!(admin::users::activity))
        .routes(routes!(admin::suspend, admin::users::suspend))
        .routes(routes!(admin::users::reactivate))
        .routes(routes!(admin::unsuspend))
        .routes(routes!(admin::set_role))
        .routes(routes!(admin::dashboard::recent_transactions))
        .routes(routes!(users::get_profile, users::put_profile, gdpr::delete_account))
        .routes(routes!(users::public_profile))
        .routes(routes!(profile_row::create_profile, profile_row::delete_profile))
        .routes(routes!(phone::request_code))
        .routes(routes!(phone::verify))
        .routes(routes!(onboarding::get_onboarding, onboarding::create_onboarding, onboarding::reset_onboarding))
        .routes(routes!(onboarding::answer_step))
        .routes(routes!(onboarding::init))
        .routes(routes!(onboarding::get_progress, onboarding::save_step))
        .routes(routes!(onboarding::complete))
        .routes(routes!(onboarding::travel_profile))
        .routes(routes!(ai::preferences))
        .routes(routes!(ai::preferences_batch))
        .routes(routes!(ai::health))
        .routes(routes!(favorites::list, favorites::add))
        .routes(routes!(favorites::get, favorites::update, favorites::remove))
        .routes(routes!(favorites::check_batch))
        .routes(routes!(favorites::check))
        .routes(routes!(favorites_batch::add_batch, favorites_batch::remove_batch))
        .routes(routes!(favorites_batch::check))
        .routes(routes!(history::list, history::record, history::clear))
        .routes(routes!(history::stats))
        .routes(routes!(history::remove))
        .routes(routes!(searches::recent))
        .routes(routes!(searches::recent_v1))
        .routes(routes!(search_history::list, search_history::clear))
        .routes(routes!(search_history::remove))
        .routes(routes!(alerts::list, alerts::create))
        .routes(routes!(alerts::change, alerts::remove))
        .routes(routes!(alerts::list_v1, alerts::create_v1))
        .routes(routes!(alerts::change_v1, alerts::remove_v1))
        .routes(routes!(gdpr::get_consent, gdpr::set_consent, gdpr::put_consent))
        .routes(routes!(gdpr::consent_history))
        .routes(routes!(gdpr::privacy_policy))
        .routes(routes!(gdpr::policy_versions))
        .routes(routes!(gdpr::accept_policy))
        .routes(routes!(gdpr::access_log))
        .routes(routes!(gdpr_requests::file_request))
        .routes(routes!(gdpr_requests::data_export))
        .routes(routes!(gdpr_requests::data_deletion))
        .routes(routes!(gdpr_requests::list_requests))
        .routes(routes!(gdpr_requests::get_request))
        .routes(routes!(gdpr_requests::download))
        .routes(routes!(gdpr_requests::download_export))
        .routes(routes!(gdpr_admin::publish_policy))
        .routes(routes!(gdpr_admin::admin_requests))
        .routes(routes!(gdpr_admin::handle_request))
}

fn origin(ip: ClientIp, headers: &HeaderMap) -> Origin {
    Origin { ip: ip.label(), user_agent: headers.get(USER_AGENT).and_then(|v| v.to_str().ok()).map(str::to_owned) }
}
