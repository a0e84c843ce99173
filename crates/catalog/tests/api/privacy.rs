//! GDPR across contexts: a provider's export includes the catalog; deleting the account
//! anonymises the provider and takes its listings offline.

use reqwest::Method;
use serde_json::json;

use crate::support::{call, create_listing, data, host, loft, spawn};

#[tokio::test]
async fn export_and_erasure_reach_the_catalog() {
    let app = spawn().await;
    let h = host(&app, "gdpr-host@example.com").await;
    let body = json!({"contactEmail": "desk@canal.example", "contactPhone": "+33 1 23 45 67 89"});
    data(call(&app, Method::PUT, Some(&h.token), "/api/v1/providers/me", Some(&body)).await).await;
    let id = create_listing(&app, &h.token, &loft()).await["id"].as_str().unwrap().to_owned();
    data(call(&app, Method::POST, Some(&h.token), &format!("/api/v1/listings/{id}/publish"), None).await).await;

    let filed = data(
        call(&app, Method::POST, Some(&h.token), "/api/v1/users/gdpr/request", Some(&json!({"type": "DATA_EXPORT"})))
            .await,
    )
    .await;
    let request = filed["request"]["id"].as_str().unwrap();
    let archive: serde_json::Value =
        call(&app, Method::GET, Some(&h.token), &format!("/api/v1/users/gdpr/requests/{request}/download"), None)
            .await
            .json()
            .await
            .unwrap();
    let catalog = &archive["contexts"]["catalog"];
    assert_eq!(catalog["provider"]["contactEmail"], "desk@canal.example");
    assert_eq!(catalog["listings"][0]["id"], id.as_str());

    assert_eq!(call(&app, Method::DELETE, Some(&h.token), "/api/v1/users/profile", None).await.status(), 200);
    let public = data(call(&app, Method::GET, None, "/api/v1/listings", None).await).await;
    assert_eq!(public["pagination"]["total"], 0, "the deleted user's listings are offline");
    let db = app.platform.db("catalog").unwrap();
    let (name, email): (String, Option<String>) =
        platform::db::query("SELECT display_name, contact_email FROM providers").fetch_one(db).await.unwrap();
    assert_eq!((name.as_str(), email), ("Former provider", None));
}
