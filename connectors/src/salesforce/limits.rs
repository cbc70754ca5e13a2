//! The `Sforce-Limit-Info` response header (PROTOCOLS A8): `;`-separated `key=value` pairs
//! such as `api-usage=18/5000; per-app-api-usage=17/250(appName=sync)`. Unknown keys are kept
//! but never required, so a new key from Salesforce cannot break parsing.

/// One `used/max` pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Usage {
    pub used: u64,
    pub max: u64,
}

impl Usage {
    pub fn remaining(&self) -> u64 {
        self.max.saturating_sub(self.used)
    }
}

/// The last `Sforce-Limit-Info` a connection received.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LimitInfo {
    /// Every pair whose value reads as `used/max`, in header order. A trailing annotation
    /// such as `(appName=sync)` is dropped.
    pub entries: Vec<(String, Usage)>,
}

impl LimitInfo {
    /// Parses the header; pairs that do not read as `key=used/max` are skipped.
    pub fn parse(header: &str) -> Self {
        let entries = header
            .split(';')
            .filter_map(|pair| {
                let (key, value) = pair.split_once('=')?;
                let value = value.split('(').next()?.trim();
                let (used, max) = value.split_once('/')?;
                Some((
                    key.trim().to_string(),
                    Usage {
                        used: used.trim().parse().ok()?,
                        max: max.trim().parse().ok()?,
                    },
                ))
            })
            .collect();
        Self { entries }
    }

    pub fn get(&self, key: &str) -> Option<Usage> {
        self.entries
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, usage)| *usage)
    }

    /// The org's daily API requests (`api-usage`).
    pub fn api_usage(&self) -> Option<Usage> {
        self.get("api-usage")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_documented_variant_of_the_header_parses() {
        let info = LimitInfo::parse("api-usage=18/5000");
        assert_eq!(
            info.api_usage(),
            Some(Usage {
                used: 18,
                max: 5000
            })
        );

        let info =
            LimitInfo::parse("api-usage=25/5000; per-app-api-usage=17/250(appName=sample-app)");
        assert_eq!(
            info.get("per-app-api-usage"),
            Some(Usage { used: 17, max: 250 })
        );

        let info = LimitInfo::parse("api-usage=10018/100000; api-bursts=1/750");
        assert_eq!(info.api_usage().map(|u| u.remaining()), Some(89_982));
        assert_eq!(info.get("api-bursts"), Some(Usage { used: 1, max: 750 }));
    }

    #[test]
    fn unknown_or_malformed_pairs_are_ignored() {
        let info = LimitInfo::parse("mystery; colour=blue; api-usage=1/2;;");
        assert_eq!(
            info.entries,
            vec![("api-usage".to_string(), Usage { used: 1, max: 2 })]
        );
    }
}
