//! The toolbar badge's data: what one badge shows. Which badge a tab gets is decided in
//! [`super::view`]; each tab's recovery keeps the badge last shown so only changes are sent.

use serde::{Deserialize, Serialize};

/// A toolbar badge.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Badge {
    pub text: String,
    pub color: String,
    pub countdown_to_ms: Option<f64>,
}

/// Badge colours.
pub mod colors {
    pub const RECOVERING: &str = "#d97706";
    pub const RETRY_AFTER: &str = "#7c3aed";
    pub const OFFLINE: &str = "#6b7280";
    pub const GAVE_UP: &str = "#dc2626";
    pub const WATCHING: &str = "#2563eb";
    pub const FAILED_POST: &str = "#b45309";
}

impl Badge {
    pub fn new(text: &str, color: &str, countdown_to_ms: Option<f64>) -> Badge {
        Badge { text: text.into(), color: color.into(), countdown_to_ms }
    }
}
