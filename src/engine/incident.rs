//! The history of outages: one [`Incident`] per recovery that ended (recovered or gave up),
//! kept in a capped log, oldest dropped first.

use serde::{Deserialize, Serialize};

/// How many incidents are kept.
pub const MAX_INCIDENTS: usize = 50;

/// One recovery, as the history shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Incident {
    /// The host.
    pub site: String,
    pub url: String,
    pub started_ms: f64,
    pub ended_ms: f64,
    /// Failed attempts (probes and reloads) before the end.
    pub attempts: u32,
    /// Distinct HTTP statuses seen.
    pub statuses: Vec<u16>,
    pub outcome: Outcome,
    /// What brought the page back (when it came back).
    pub fixed_by: Option<FixedBy>,
    pub cookies_cleared: bool,
    pub tried: Vec<Fix>,
}

/// How a recovery ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Outcome {
    Recovered,
    GaveUp,
}

/// Something Bounceback tried to bring a page back. The JSON names are stable (stored
/// histories and snapshots hold them); the UI words them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Fix {
    #[serde(rename = "reload")]
    Reload,
    #[serde(rename = "hard reload")]
    HardReload,
    #[serde(rename = "cookies cleared")]
    CookiesCleared,
    #[serde(rename = "resubmit")]
    Resubmit,
}

/// What brought a page back: one of the [`Fix`]es, waiting out the server's `Retry-After`
/// before a plain reload, or the page loaded by itself (the user or the site did it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum FixedBy {
    #[serde(rename = "reload")]
    Reload,
    #[serde(rename = "hard reload")]
    HardReload,
    #[serde(rename = "cookies cleared")]
    CookiesCleared,
    #[serde(rename = "resubmit")]
    Resubmit,
    #[serde(rename = "retry-after wait")]
    RetryAfterWait,
    #[serde(rename = "page loaded")]
    PageLoaded,
}

impl From<Fix> for FixedBy {
    fn from(fix: Fix) -> FixedBy {
        match fix {
            Fix::Reload => FixedBy::Reload,
            Fix::HardReload => FixedBy::HardReload,
            Fix::CookiesCleared => FixedBy::CookiesCleared,
            Fix::Resubmit => FixedBy::Resubmit,
        }
    }
}

/// The capped history.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct IncidentLog {
    items: Vec<Incident>,
}

impl IncidentLog {
    /// Append, dropping the oldest beyond [`MAX_INCIDENTS`].
    pub fn record(&mut self, incident: Incident) {
        self.items.push(incident);
        if self.items.len() > MAX_INCIDENTS {
            let extra = self.items.len() - MAX_INCIDENTS;
            self.items.drain(..extra);
        }
    }

    /// Oldest first.
    pub fn as_slice(&self) -> &[Incident] {
        &self.items
    }

    pub fn clear(&mut self) {
        self.items.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capped_oldest_dropped() {
        let mut log = IncidentLog::default();
        for i in 0..60 {
            log.record(Incident {
                site: "a".into(),
                url: format!("https://a/{i}"),
                started_ms: 0.0,
                ended_ms: 1.0,
                attempts: 0,
                statuses: vec![],
                outcome: Outcome::Recovered,
                fixed_by: None,
                cookies_cleared: false,
                tried: vec![],
            });
        }
        assert_eq!(log.as_slice().len(), MAX_INCIDENTS);
        assert_eq!(log.as_slice()[0].url, "https://a/10");
    }
}
