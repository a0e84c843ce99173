//! Links in messages: to the web app (a booking, the settings), and the signed one-click
//! unsubscribe link of RFC 8058. The unsubscribe token names the reader and the preference type
//! and carries an HMAC-SHA256 tag under `notifications_link_key`, so only links we mailed turn
//! anything off; it needs no database row and does not expire (a mail read a year later still
//! unsubscribes, as RFC 8058 expects).

use aws_lc_rs::hmac;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use uuid::Uuid;

use crate::domain::Topic;

/// The secret that signs unsubscribe links.
pub const LINK_KEY_SECRET: &str = "notifications_link_key";

/// Bytes of the tag kept: 128 bits.
const TAG: usize = 16;

#[derive(Clone)]
pub struct Links {
    /// The web app, for links a person follows.
    web_url: String,
    /// This API, for the unsubscribe endpoint.
    api_url: String,
    key: hmac::Key,
}

impl std::fmt::Debug for Links {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Links").field("web_url", &self.web_url).field("api_url", &self.api_url).finish_non_exhaustive()
    }
}

impl Links {
    pub fn new(web_url: String, api_url: String, key: &[u8]) -> Self {
        Self { web_url, api_url, key: hmac::Key::new(hmac::HMAC_SHA256, key) }
    }

    /// `path` (starting with `/`) in the web app.
    pub fn web(&self, path: &str) -> String {
        format!("{}{path}", self.web_url)
    }

    pub fn web_root(&self) -> &str {
        &self.web_url
    }

    pub fn preferences(&self) -> String {
        self.web("/settings/notifications")
    }

    fn sign(&self, body: &[u8]) -> Vec<u8> {
        let mut message = b"sojourn/unsubscribe/v1:".to_vec();
        message.extend_from_slice(body);
        hmac::sign(&self.key, &message).as_ref()[..TAG].to_vec()
    }

    /// The token that turns `topic`'s email off for `user`.
    pub fn unsubscribe_token(&self, user: Uuid, topic: Topic) -> String {
        let mut body = user.as_bytes().to_vec();
        body.push(topic_index(topic));
        let tag = self.sign(&body);
        body.extend_from_slice(&tag);
        URL_SAFE_NO_PAD.encode(body)
    }

    pub fn unsubscribe_url(&self, user: Uuid, topic: Topic) -> String {
        format!("{}/api/v1/notifications/unsubscribe?token={}", self.api_url, self.unsubscribe_token(user, topic))
    }

    /// The reader and preference type a token names, if we signed it.
    pub fn verify_unsubscribe(&self, token: &str) -> Option<(Uuid, Topic)> {
        let raw = URL_SAFE_NO_PAD.decode(token.trim().as_bytes()).ok()?;
        if raw.len() != 16 + 1 + TAG {
            return None;
        }
        let (body, tag) = raw.split_at(17);
        // Constant time: how much of a forged tag matched must not show in the timing.
        if !platform::secrets::constant_time_eq(&self.sign(body), tag) {
            return None;
        }
        let user = Uuid::from_slice(&body[..16]).ok()?;
        let topic = *Topic::ALL.get(usize::from(body[16]))?;
        Some((user, topic))
    }
}

fn topic_index(topic: Topic) -> u8 {
    Topic::ALL.iter().position(|t| *t == topic).and_then(|i| u8::try_from(i).ok()).unwrap_or(u8::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_names_its_reader_and_type_and_nothing_else_verifies() {
        let links = Links::new("https://app.example".into(), "https://api.example".into(), b"k".repeat(32).as_slice());
        let user = kernel::new_id();
        let token = links.unsubscribe_token(user, Topic::Promotions);
        assert_eq!(links.verify_unsubscribe(&token), Some((user, Topic::Promotions)));
        // Another key, a flipped bit, a truncated token, garbage: refused.
        let other = Links::new(String::new(), String::new(), b"x".repeat(32).as_slice());
        assert_eq!(other.verify_unsubscribe(&token), None);
        let mut raw = URL_SAFE_NO_PAD.decode(&token).unwrap_or_default();
        raw[16] ^= 1;
        assert_eq!(links.verify_unsubscribe(&URL_SAFE_NO_PAD.encode(&raw)), None);
        assert_eq!(links.verify_unsubscribe(&token[..token.len() - 2]), None);
        assert_eq!(links.verify_unsubscribe("not a token"), None);
        assert!(
            links
                .unsubscribe_url(user, Topic::Reviews)
                .starts_with("https://api.example/api/v1/notifications/unsubscribe?token=")
        );
    }
}
