//! The domains each user checked lately, for autocomplete: `/mx domain:` suggests
//! the user's own last domains, never anyone else's.
//!
//! Kept in this process (a copy beside the store, and the fallback while the store
//! is down: see `memory`) and bounded: a few domains per user, and a bounded number
//! of users, the one least recently seen forgotten first.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use super::response::Choice;
use crate::render::discord::limits;

/// Domains kept per user, the latest first.
pub const PER_USER: usize = 5;
/// Users kept; past this the one least recently seen is forgotten.
pub const MAX_USERS: usize = 10_000;

/// The last domains of each user.
#[derive(Debug, Default)]
pub struct RecentDomains {
    users: Mutex<Users>,
}

#[derive(Debug, Default)]
struct Users {
    /// The user's domains (latest first) and when they were last seen.
    by_user: HashMap<u64, (u64, VecDeque<String>)>,
    /// A counter standing for time: higher is more recent.
    clock: u64,
}

impl RecentDomains {
    /// Notes that `user` checked `domain` (as people write it).
    pub fn remember(&self, user: u64, domain: &str) {
        let mut users = self.users.lock().unwrap_or_else(|e| e.into_inner());
        users.clock += 1;
        let now = users.clock;
        if !users.by_user.contains_key(&user) && users.by_user.len() >= MAX_USERS {
            let oldest = users
                .by_user
                .iter()
                .min_by_key(|(_, (seen, _))| *seen)
                .map(|(&id, _)| id);
            if let Some(oldest) = oldest {
                users.by_user.remove(&oldest);
            }
        }
        let (seen, domains) = users.by_user.entry(user).or_default();
        *seen = now;
        domains.retain(|known| !known.eq_ignore_ascii_case(domain));
        domains.push_front(domain.to_string());
        domains.truncate(PER_USER);
    }

    /// The suggestions for `user` who has typed `typed`: their own last domains
    /// that contain it (all of them while nothing is typed), latest first.
    pub fn suggest(&self, user: u64, typed: &str) -> Vec<Choice> {
        let users = self.users.lock().unwrap_or_else(|e| e.into_inner());
        users
            .by_user
            .get(&user)
            .map(|(_, domains)| choices(domains.iter(), typed))
            .unwrap_or_default()
    }

    #[cfg(test)]
    fn users(&self) -> usize {
        self.users.lock().unwrap().by_user.len()
    }
}

/// The domains (latest first) that contain `typed`, as autocomplete choices.
pub fn choices<'a>(domains: impl Iterator<Item = &'a String>, typed: &str) -> Vec<Choice> {
    let typed = typed.trim().to_lowercase();
    domains
        .filter(|domain| domain.to_lowercase().contains(&typed))
        // Discord takes choices of at most 100 characters.
        .filter(|domain| domain.chars().count() <= limits::CHOICE)
        .map(|domain| Choice {
            name: domain.clone(),
            value: domain.clone(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(choices: Vec<Choice>) -> Vec<String> {
        choices.into_iter().map(|choice| choice.value).collect()
    }

    #[test]
    fn a_user_gets_their_own_latest_domains_only() {
        let recent = RecentDomains::default();
        recent.remember(1, "example.com");
        recent.remember(1, "bücher.example");
        recent.remember(2, "secret.example");
        assert_eq!(
            names(recent.suggest(1, "")),
            ["bücher.example", "example.com"]
        );
        assert_eq!(
            names(recent.suggest(1, "EXA")),
            ["bücher.example", "example.com"]
        );
        assert_eq!(names(recent.suggest(1, "bü")), ["bücher.example"]);
        assert_eq!(names(recent.suggest(2, "")), ["secret.example"]);
        assert!(recent.suggest(3, "").is_empty());
        // Checking a domain again moves it to the front, once.
        recent.remember(1, "Example.com");
        assert_eq!(
            names(recent.suggest(1, "")),
            ["Example.com", "bücher.example"]
        );
    }

    #[test]
    fn users_and_domains_are_bounded() {
        let recent = RecentDomains::default();
        for i in 0..PER_USER + 3 {
            recent.remember(1, &format!("d{i}.example"));
        }
        let kept = names(recent.suggest(1, ""));
        assert_eq!(kept.len(), PER_USER);
        assert_eq!(kept[0], format!("d{}.example", PER_USER + 2));
        for user in 2..(MAX_USERS as u64 + 10) {
            recent.remember(user, "x.example");
        }
        assert_eq!(recent.users(), MAX_USERS);
        // The least recently seen went first: user 1 is forgotten.
        assert!(recent.suggest(1, "").is_empty());
        // A domain too long for a choice is not offered.
        let long = format!("{}.example", "a".repeat(120));
        recent.remember(7, &long);
        assert!(recent.suggest(7, "").iter().all(|c| c.value != long));
    }
}
