//! `commands/domain.toml`: what a customer's domain must publish to send and receive
//! mail through the provider: the SPF include, the DKIM selectors and their CNAME
//! targets, the DMARC record to recommend and the autoconfig SRV records. The MX host
//! is `mx.toml`'s.

use serde::Deserialize;

use super::{CatalogFile, Invalid};
use crate::values::domain::DomainName;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DomainCatalog {
    pub spf: SpfFacts,
    pub dkim: DkimFacts,
    pub dmarc: DmarcFacts,
    /// The SRV records of RFC 6186, in the order they are shown.
    #[serde(default)]
    pub autoconfig: Vec<SrvFact>,
}

/// How a domain authorises the provider's outgoing servers.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpfFacts {
    /// The name customers include (`include:spf.echoterra.net`); its own SPF record
    /// lists the provider's outgoing addresses.
    pub include: String,
    /// The record suggested to a domain without SPF.
    pub recommended: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DkimFacts {
    pub selectors: Vec<DkimSelector>,
}

/// A selector the provider signs with, and where a customer's CNAME should point.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DkimSelector {
    /// The selector, e.g. `et1`: the record is `et1._domainkey.<domain>`.
    pub name: String,
    /// The provider's key record, e.g. `et1._domainkey.echoterra.net`.
    pub cname: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DmarcFacts {
    /// The record suggested at `_dmarc.<domain>`; `{domain}` stands for the domain.
    pub template: String,
}

impl DmarcFacts {
    /// The recommended record for `domain`.
    pub fn recommended_for(&self, domain: &str) -> String {
        self.template.replace("{domain}", domain)
    }
}

/// One autoconfig SRV record: `<service>.<domain> SRV <priority> <weight> <port> <target>.`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SrvFact {
    /// The service and protocol labels, e.g. `_submission._tcp`.
    pub service: String,
    pub priority: u16,
    pub weight: u16,
    pub port: u16,
    pub target: String,
}

impl CatalogFile for DomainCatalog {
    const NAME: &'static str = "domain.toml";
    const EMBEDDED: &'static str = include_str!("../../commands/domain.toml");

    fn validate(&self) -> Result<(), Invalid> {
        let host = |key: &'static str, value: &str| {
            DomainName::parse(value)
                .map(|_| ())
                .map_err(|err| Invalid::at_key(key, format!("{key}: {err}")))
        };
        host("include", &self.spf.include)?;
        let recommended = self.spf.recommended.to_ascii_lowercase();
        let include = format!("include:{}", self.spf.include.to_ascii_lowercase());
        if !recommended.starts_with("v=spf1 ") || !recommended.split(' ').any(|t| t == include) {
            return Err(Invalid::at_key(
                "recommended",
                format!(
                    "the recommended SPF record must start with \"v=spf1 \" and hold \"{include}\""
                ),
            ));
        }
        if self.dkim.selectors.is_empty() {
            return Err(Invalid::at_key(
                "selectors",
                "[dkim] needs at least one [[dkim.selectors]] entry",
            ));
        }
        for selector in &self.dkim.selectors {
            let label_ok = !selector.name.is_empty()
                && selector.name.len() <= 63
                && selector
                    .name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.');
            if !label_ok {
                return Err(Invalid::at_key(
                    "name",
                    format!(
                        "DKIM selector {:?} must be letters, digits, hyphens and dots",
                        selector.name
                    ),
                ));
            }
            host("cname", &selector.cname)?;
        }
        if !self.dmarc.template.starts_with("v=DMARC1;") {
            return Err(Invalid::at_key(
                "template",
                "the recommended DMARC record must start with \"v=DMARC1;\"",
            ));
        }
        for srv in &self.autoconfig {
            let labels: Vec<&str> = srv.service.split('.').collect();
            if labels.len() != 2 || !labels.iter().all(|label| label.starts_with('_')) {
                return Err(Invalid::at_key(
                    "service",
                    format!(
                        "service {:?} must be two labels such as \"_imaps._tcp\"",
                        srv.service
                    ),
                ));
            }
            if srv.port == 0 {
                return Err(Invalid::at_key("port", "an autoconfig port is 1 to 65535"));
            }
            host("target", &srv.target)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::parse;
    use std::path::Path;

    #[test]
    fn the_embedded_file_holds_the_provider_facts() {
        let catalog: DomainCatalog =
            parse(Path::new("commands/domain.toml"), DomainCatalog::EMBEDDED).unwrap();
        assert_eq!(catalog.spf.include, "spf.echoterra.net");
        let selectors: Vec<&str> = catalog
            .dkim
            .selectors
            .iter()
            .map(|s| s.name.as_str())
            .collect();
        assert_eq!(selectors, ["et1", "et2"]);
        assert_eq!(
            catalog.dmarc.recommended_for("example.com"),
            "v=DMARC1; p=quarantine; rua=mailto:dmarc-reports@example.com"
        );
        assert_eq!(catalog.autoconfig.len(), 3);
    }

    #[test]
    fn a_recommended_spf_record_without_the_include_is_refused() {
        let text = DomainCatalog::EMBEDDED.replace(
            "recommended = \"v=spf1 include:spf.echoterra.net ~all\"",
            "recommended = \"v=spf1 ~all\"",
        );
        let err = parse::<DomainCatalog>(Path::new("domain.toml"), &text)
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("domain.toml:"), "{err}");
        assert!(err.contains("include:spf.echoterra.net"), "{err}");
    }
}
