//! The recovery engine: events in (with the time), actions out.
//!
//! PLACEHOLDER owned by the recovery-engine work: a walking skeleton that reloads a tab
//! answered with a 5xx after a doubling delay until it answers with something else.

mod events;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use events::{Action, Command, Event, ProbeMethod, TabId};

use crate::detect::{self, PageInput};
use crate::settings::Settings;

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Recovery {
    url: String,
    attempts: u32,
    due_ms: f64,
}

/// The whole engine state; serialisable as a snapshot.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Engine {
    settings: Settings,
    #[serde(with = "pairs")]
    tabs: BTreeMap<TabId, Recovery>,
}

impl Engine {
    pub fn new(settings: Settings, _seed: u64) -> Self {
        Engine { settings, tabs: BTreeMap::new() }
    }

    /// The current settings.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// What the popup shows for a tab.
    pub fn tab_view(&self, tab_id: TabId, _now_ms: f64) -> serde_json::Value {
        match self.tabs.get(&tab_id) {
            Some(r) => serde_json::json!({"state": "recovering", "url": r.url, "attempt": r.attempts, "maxAttempts": self.settings.max_attempts}),
            None => serde_json::json!({"state": "healthy"}),
        }
    }

    pub fn handle(&mut self, event: Event, now_ms: f64) -> Vec<Action> {
        let mut out = Vec::new();
        match event {
            Event::NavigationCompleted { tab_id, url, method, status, headers } => {
                let verdict = detect::classify(&PageInput {
                    status: Some(status),
                    headers: &headers,
                    now_ms,
                    ..Default::default()
                });
                if verdict.retryable && method == "GET" {
                    let attempts = self.tabs.get(&tab_id).map_or(0, |r| r.attempts);
                    if attempts >= self.settings.max_attempts {
                        self.tabs.remove(&tab_id);
                    } else {
                        let delay = (self.settings.base_ms * 2f64.powi(attempts as i32)).min(self.settings.cap_ms);
                        self.tabs.insert(tab_id, Recovery { url, attempts: attempts + 1, due_ms: now_ms + delay });
                    }
                } else {
                    self.tabs.remove(&tab_id);
                }
            }
            Event::WokeUp => {
                let due: Vec<TabId> = self.tabs.iter().filter(|(_, r)| r.due_ms <= now_ms).map(|(t, _)| *t).collect();
                for tab_id in due {
                    if let Some(r) = self.tabs.get_mut(&tab_id) {
                        r.due_ms = f64::INFINITY;
                        out.push(Action::ReloadTab { tab_id, url: r.url.clone(), bypass_cache: false });
                    }
                }
            }
            Event::SettingsChanged { settings } => self.settings = settings,
            Event::TabClosed { tab_id } => {
                self.tabs.remove(&tab_id);
            }
            _ => {}
        }
        let next = self.tabs.values().map(|r| r.due_ms).filter(|d| d.is_finite()).fold(None, |m: Option<f64>, d| Some(m.map_or(d, |m| m.min(d))));
        out.push(Action::ScheduleWakeUp { at_ms: next });
        out
    }
}

/// Integer-keyed maps travel as `[[key, value], ...]`: JSON objects only have string keys.
mod pairs {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use std::collections::BTreeMap;

    pub fn serialize<K: Serialize + Ord, V: Serialize, S: Serializer>(map: &BTreeMap<K, V>, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(map.iter())
    }

    pub fn deserialize<'de, K: Deserialize<'de> + Ord, V: Deserialize<'de>, D: Deserializer<'de>>(d: D) -> Result<BTreeMap<K, V>, D::Error> {
        Ok(Vec::<(K, V)>::deserialize(d)?.into_iter().collect())
    }
}
