//! Attachments: the type comes from the bytes, never the name or the claimed type; only
//! images and PDFs, 10 MB each, 5 per message; downloads for participants only, with the
//! sniffed type, a safe file name and `nosniff`.

use reqwest::Method;
use serde_json::json;
use testkit::expect_error;

use crate::support::*;

#[tokio::test]
async fn files_are_what_their_bytes_say_and_only_participants_download_them() {
    let app = spawn().await;
    let owner = host(&app, "host@example.com").await;
    let guest = register(&app, "guest@example.com").await;
    let outsider = register(&app, "outsider@example.com").await;
    let listing = publish(&app, &owner, true).await;
    let (_, c) = enquire(&app, &guest, &listing, "Here is my ID scan").await;
    let cid = text(&c, "id");

    // A PDF named .png and claimed as image/png is a PDF; a real PNG is a PNG.
    let files = [("files", "scan.png", "image/png", PDF), ("files", "photo.png", "image/png", PNG)];
    let r = send_files(&app, &guest, &cid, Some("two files"), &files).await;
    assert_eq!(r.status(), 201);
    let m = data(r).await["message"].clone();
    assert_eq!(m["body"], "two files");
    let atts = m["attachments"].as_array().unwrap().clone();
    assert_eq!(atts.len(), 2);
    assert_eq!(
        (atts[0]["contentType"].as_str(), atts[0]["fileName"].as_str()),
        (Some("application/pdf"), Some("scan.pdf"))
    );
    assert_eq!(
        (atts[1]["contentType"].as_str(), atts[1]["size"].as_u64()),
        (Some("image/png"), Some(PNG.len() as u64))
    );
    let url = text(&atts[0], "url");
    assert!(url.starts_with(&format!("/api/v1/conversations/{cid}/attachments/")), "{url}");

    // The host downloads it, as a PDF attachment, never sniffed by the browser.
    let r = get(&app, &owner, &url).await;
    assert_eq!(r.status(), 200);
    let h = r.headers().clone();
    assert_eq!(h["content-type"], "application/pdf");
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["content-disposition"], "attachment; filename=\"scan.pdf\"");
    assert_eq!(r.bytes().await.unwrap().as_ref(), PDF);
    let png = get(&app, &guest, &text(&atts[1], "url")).await;
    assert_eq!(png.headers()["content-type"], "image/png");
    assert_eq!(png.bytes().await.unwrap().as_ref(), PNG);
    // Nobody else, and no public URL anywhere in the message.
    expect_error(get(&app, &outsider, &url).await, 404, "conversation_not_found").await;
    assert!(!m.to_string().contains("/media/"), "{m}");

    // Executables and other types: 415, nothing stored.
    let r = send_files(&app, &guest, &cid, Some("run me"), &[("files", "invoice.pdf", "application/pdf", EXE)]).await;
    expect_error(r, 415, "unsupported_attachment_type").await;
    let html = b"<html><script>alert(1)</script></html>";
    let r = send_files(&app, &guest, &cid, None, &[("files", "page.jpg", "image/jpeg", html)]).await;
    expect_error(r, 415, "unsupported_attachment_type").await;
    // Over 10 MB: 413.
    let mut big = PDF.to_vec();
    big.resize(10 * 1024 * 1024 + 1, b' ');
    let r = send_files(&app, &guest, &cid, Some("big"), &[("files", "big.pdf", "application/pdf", &big)]).await;
    expect_error(r, 413, "attachment_too_large").await;
    // Six files: refused.
    let six: Vec<(&str, &str, &str, &[u8])> = (0..6).map(|_| ("files", "p.png", "image/png", PNG)).collect();
    expect_error(send_files(&app, &guest, &cid, None, &six).await, 400, "validation_failed").await;
    // Files alone are a message; nothing at all is not.
    let only = send_files(&app, &guest, &cid, None, &[("files", "p.png", "image/png", PNG)]).await;
    assert_eq!(data(only).await["message"]["body"], serde_json::Value::Null);
    expect_error(send_files(&app, &guest, &cid, Some("   "), &[]).await, 400, "validation_failed").await;
    assert_eq!(messages(&app, &guest, &cid).await.len(), 3);

    // Deleting the message removes its files.
    let path = format!("/api/v1/conversations/{cid}/messages/{}", text(&m, "id"));
    let deleted = data(call(&app, Method::DELETE, &guest, &path, None).await).await["message"].clone();
    assert_eq!((&deleted["body"], deleted["attachments"].as_array().map(Vec::len)), (&json!(null), Some(0)));
    assert!(deleted["deletedAt"].is_string());
    expect_error(get(&app, &owner, &url).await, 404, "attachment_not_found").await;
}
