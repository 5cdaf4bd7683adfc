//! Who is staff: a member of one of the provider's own servers (`STAFF_GUILD_IDS`),
//! using the app as installed in that server, who holds the staff permission bits
//! there (`staff_permissions` in `commands/defaults.toml`) or is an administrator.
//!
//! Permission bits alone prove nothing: whoever adds the bot to a server of their
//! own is an administrator there. So the server counts first, and the install that
//! authorised the interaction must be that server's own.

use super::incoming::Incoming;
use crate::catalog::StaffPermissions;

/// Discord's ADMINISTRATOR permission: every permission in that server.
const ADMINISTRATOR: u64 = 1 << 3;

/// The staff rule of this bot.
#[derive(Debug, Clone)]
pub struct StaffPolicy {
    guilds: Vec<u64>,
    bits: u64,
}

/// What the staff rule says of one interaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    Staff,
    NotStaff,
    /// No staff server is configured: staff-only features are off on this bot.
    NotConfigured,
}

impl StaffPolicy {
    pub fn new(guilds: &[u64], permissions: StaffPermissions) -> StaffPolicy {
        StaffPolicy {
            guilds: guilds.to_vec(),
            bits: permissions.bits(),
        }
    }

    /// Whether any server's staff can use staff features on this bot.
    pub fn is_configured(&self) -> bool {
        !self.guilds.is_empty()
    }

    /// Staff only in a staff server, through that server's install, with the bits.
    pub fn judge(&self, incoming: &Incoming) -> Standing {
        if !self.is_configured() {
            return Standing::NotConfigured;
        }
        let in_staff_server = incoming
            .guild_id
            .is_some_and(|guild| self.guilds.contains(&guild));
        let installed_there = incoming.installed_in_guild == incoming.guild_id;
        if in_staff_server && installed_there && has_bits(incoming.permissions, self.bits) {
            Standing::Staff
        } else {
            Standing::NotStaff
        }
    }
}

/// Whether the member holds every required bit (or is an administrator).
fn has_bits(permissions: Option<u64>, required: u64) -> bool {
    permissions.is_some_and(|bits| bits & ADMINISTRATOR != 0 || bits & required == required)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::discord::incoming::IncomingKind;
    use crate::values::Secret;

    const OURS: u64 = 100;

    fn policy() -> StaffPolicy {
        let catalog = crate::catalog::Catalog::embedded().unwrap();
        StaffPolicy::new(&[OURS], catalog.defaults.discord.staff_permissions)
    }

    fn incoming(guild: Option<u64>, installed: Option<u64>, permissions: Option<u64>) -> Incoming {
        Incoming {
            id: 1,
            application_id: 2,
            token: Secret::new("t"),
            user_id: 3,
            user_name: "tester".into(),
            guild_id: guild,
            installed_in_guild: installed,
            permissions,
            kind: IncomingKind::Other("test"),
        }
    }

    #[test]
    fn staff_needs_every_required_bit_or_administrator() {
        assert!(has_bits(Some(32), 32));
        assert!(has_bits(Some(32 | 8192), 32));
        assert!(has_bits(Some(8), 32));
        assert!(!has_bits(Some(16), 32));
        assert!(!has_bits(None, 32));
    }

    #[test]
    fn only_the_providers_server_makes_staff() {
        let policy = policy();
        assert_eq!(
            policy.judge(&incoming(Some(OURS), Some(OURS), Some(32))),
            Standing::Staff
        );
        // An administrator of another server is not staff.
        assert_eq!(
            policy.judge(&incoming(Some(7), Some(7), Some(8))),
            Standing::NotStaff
        );
        // Nor in a DM, nor through a user install used in our server.
        assert_eq!(
            policy.judge(&incoming(None, None, None)),
            Standing::NotStaff
        );
        assert_eq!(
            policy.judge(&incoming(Some(OURS), None, Some(8))),
            Standing::NotStaff
        );
        // Nor a member of our server without the bits.
        assert_eq!(
            policy.judge(&incoming(Some(OURS), Some(OURS), Some(0))),
            Standing::NotStaff
        );
    }

    #[test]
    fn without_a_staff_server_nobody_is_staff() {
        let catalog = crate::catalog::Catalog::embedded().unwrap();
        let policy = StaffPolicy::new(&[], catalog.defaults.discord.staff_permissions);
        assert!(!policy.is_configured());
        assert_eq!(
            policy.judge(&incoming(Some(OURS), Some(OURS), Some(8))),
            Standing::NotConfigured
        );
    }
}
