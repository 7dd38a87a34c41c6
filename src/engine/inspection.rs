//! Inspection: open tabs whose load the engine did not watch.
//!
//! A page that failed before the background listened (before install or enable, restored at
//! browser start-up, loaded while an update was applied) was never seen by the navigation
//! events. When the shell lists the open tabs it may look into (`TabsFound`), the engine asks
//! it to inspect each one it has no record of (`InspectTab`): the shell runs the content
//! script in it, whose `PageTextSeen` then starts an unwatched recovery if the text is an
//! error page (see `navigation`). Only where the site is enabled and text detection is on;
//! the text is the only thing that can tell.

use super::events::FoundTab;
use super::navigation::same_page;
use super::{url, Action, Engine, Event, TabId};

/// Most tabs inspected for one `TabsFound` (the rest wait for their own popup or load).
const MAX_INSPECTED: usize = 500;

/// How long an inspection may take before its tab counts as fine, should the shell never say
/// it ended (`InspectionEnded`): the content script runs at once in a loaded page.
pub(super) const INSPECT_MS: f64 = 5_000.0;

/// The tab whose inspection this event settles: its page reported, or it moved on or closed.
pub(super) fn settled_by(event: &Event) -> Option<TabId> {
    match event {
        Event::PageTextSeen { tab_id, .. }
        | Event::PageHtmlSeen { tab_id, .. }
        | Event::NavigationStarted { tab_id, .. }
        | Event::NavigationCompleted { tab_id, .. }
        | Event::NavigationFailed { tab_id, .. }
        | Event::TabClosed { tab_id }
        | Event::InspectionEnded { tab_id } => Some(*tab_id),
        _ => None,
    }
}

impl Engine {
    pub(super) fn tabs_found(&mut self, tabs: Vec<FoundTab>, now: f64, out: &mut Vec<Action>) {
        if !self.settings.text_detection {
            return;
        }
        let unknown = tabs.into_iter().filter(|f| {
            let known =
                self.tabs.get(&f.tab_id).is_some_and(|t| same_page(&t.url, &f.url)) || self.last_nav.get(&f.tab_id).is_some_and(|n| same_page(&n.url, &f.url));
            !known && f.tab_id >= 0 && url::parse(&f.url).is_some_and(|p| self.site_enabled(&p.host))
        });
        let asked: Vec<FoundTab> = unknown.take(MAX_INSPECTED).collect();
        for FoundTab { tab_id, url } in asked {
            self.inspecting.insert(tab_id, now + INSPECT_MS);
            out.push(Action::InspectTab { tab_id, url });
        }
    }
}
