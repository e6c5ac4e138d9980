//! Web Push (RFC 8030) to browsers.
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// Whether a subscription's keys have the shapes RFC 8291 needs: an uncompressed P-256 point
/// (65 bytes) and a 16-byte authentication secret, both base64url.
pub fn keys_are_valid(p256dh: &str, auth: &str) -> bool {
    let decode = |text: &str| URL_SAFE_NO_PAD.decode(text.trim_end_matches('='));
    matches!(
        (decode(p256dh), decode(auth)),
        (Ok(key), Ok(secret)) if key.len() == 65 && key[0] == 4 && secret.len() == 16
    )
}
