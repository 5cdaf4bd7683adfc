//! `commands/mx.toml`: which host a customer's MX records should name.

use serde::Deserialize;

use super::{CatalogFile, Invalid};
use crate::values::domain::DomainName;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MxCatalog {
    /// The provider's mail host, e.g. `mail.echoterra.net`.
    pub provider_host: String,
    /// The preference used in the record customers are told to set.
    pub suggested_preference: u16,
}

impl CatalogFile for MxCatalog {
    const NAME: &'static str = "mx.toml";
    const EMBEDDED: &'static str = include_str!("../../commands/mx.toml");

    fn validate(&self) -> Result<(), Invalid> {
        DomainName::parse(&self.provider_host)
            .map_err(|err| Invalid::at_key("provider_host", format!("provider_host: {err}")))?;
        Ok(())
    }
}
