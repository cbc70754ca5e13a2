//! One-shot messages shown on the page after a redirect ("Invitation created").

use actix_web::{HttpRequest, HttpResponse, http::header};

use super::cookies::{self, FLASH};
use crate::state::AppState;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FlashLevel {
    Success,
    Error,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Flash {
    pub level: FlashLevel,
    pub text: String,
}

impl Flash {
    pub fn success(text: impl Into<String>) -> Self {
        Self {
            level: FlashLevel::Success,
            text: text.into(),
        }
    }

    pub fn error(text: impl Into<String>) -> Self {
        Self {
            level: FlashLevel::Error,
            text: text.into(),
        }
    }

    pub fn css_class(&self) -> &'static str {
        match self.level {
            FlashLevel::Success => "flash-success",
            FlashLevel::Error => "flash-error",
        }
    }

    fn encode(&self) -> String {
        let level = match self.level {
            FlashLevel::Success => "s",
            FlashLevel::Error => "e",
        };
        crate::error::urlencode(&format!("{level}:{}", self.text))
    }

    /// Reads the cookie value. The text is only ever rendered escaped, so a
    /// forged cookie can at most show its owner a message of their own.
    pub(crate) fn decode(raw: &str) -> Option<Self> {
        let decoded: String =
            serde_urlencoded::from_str::<Vec<(String, String)>>(&format!("v={raw}"))
                .ok()?
                .into_iter()
                .next()?
                .1;
        let (level, text) = decoded.split_once(':')?;
        let level = match level {
            "s" => FlashLevel::Success,
            "e" => FlashLevel::Error,
            _ => return None,
        };
        let text: String = text.chars().take(500).collect();
        Some(Self { level, text })
    }
}

/// A 303 redirect to `location` that shows `flash` on the next page.
pub fn redirect_with_flash(
    req: &HttpRequest,
    state: &AppState,
    location: &str,
    flash: Flash,
) -> HttpResponse {
    let cookie = cookies::build(FLASH, flash.encode(), cookies::is_secure(req, state), None);
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location.to_owned()))
        .cookie(cookie)
        .finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flash_round_trips_through_its_cookie_value() {
        let f = Flash::error("Couldn't save: name; \"quotes\" & ünïcode");
        assert_eq!(Flash::decode(&f.encode()).unwrap(), f);
        assert!(Flash::decode("garbage").is_none());
    }
}
