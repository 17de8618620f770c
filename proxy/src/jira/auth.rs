//! The `Authorization` header for JIRA, built once from the credentials and
//! marked sensitive so HTTP logging never prints it.

use base64::Engine;
use reqwest::header::HeaderValue;

use crate::config::Credentials;

/// Cloud API tokens go as basic auth (`email:token`), Data Center personal
/// access tokens as `Bearer`.
pub fn header(credentials: &Credentials) -> HeaderValue {
    let text = match credentials {
        Credentials::Basic { email, token } => {
            let pair = format!("{email}:{}", token.expose());
            format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(pair))
        }
        Credentials::Bearer { token } => format!("Bearer {}", token.expose()),
    };
    // Credentials come from the environment; a byte HTTP forbids becomes an
    // unusable header rather than a panic, and JIRA answers 401.
    let mut value =
        HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static("invalid"));
    value.set_sensitive(true);
    value
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Secret;

    #[test]
    fn basic_and_bearer_headers() {
        let basic = header(&Credentials::Basic {
            email: "demo@example.com".into(),
            token: Secret::new("demo-token"),
        });
        assert_eq!(basic.to_str().unwrap(), "Basic ZGVtb0BleGFtcGxlLmNvbTpkZW1vLXRva2Vu");
        assert!(basic.is_sensitive());
        let bearer = header(&Credentials::Bearer { token: Secret::new("demo-pat") });
        assert_eq!(bearer.to_str().unwrap(), "Bearer demo-pat");
        assert!(!format!("{bearer:?}").contains("demo-pat"));
    }
}
