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
    /// `"recovered"` or `"gaveUp"`.
    pub outcome: String,
    /// What brought the page back: "reload", "hard reload", "cookies cleared",
    /// "retry-after wait", "resubmit", "page loaded" (the user or the site did it). Stable
    /// names (stored histories hold them); the UI words them.
    pub fixed_by: Option<String>,
    pub cookies_cleared: bool,
    pub tried: Vec<String>,
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
                outcome: "recovered".into(),
                fixed_by: None,
                cookies_cleared: false,
                tried: vec![],
            });
        }
        assert_eq!(log.as_slice().len(), MAX_INCIDENTS);
        assert_eq!(log.as_slice()[0].url, "https://a/10");
    }
}
