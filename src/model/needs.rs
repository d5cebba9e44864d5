//! What a search requires of a provider: capabilities (from the 施設基準 filings), medical opioids
//! in stock (`opioid:<ingredient>` or `opioid:<ingredient>_<form>`) and pharmacy services.

use super::{Capability, CapabilitySet, OpioidCatalogue, OpioidNeed, PharmacyService};

/// A parsed `needs` list: every item is required.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Needs {
    /// Capabilities.
    pub capabilities: CapabilitySet,
    /// Opioids that must be in stock, sorted.
    pub opioids: Vec<OpioidNeed>,
    /// Pharmacy services, sorted.
    pub services: Vec<PharmacyService>,
}

impl Needs {
    /// Parses a comma-separated list. The error names the item and lists what is allowed.
    pub fn parse(list: &str, catalogue: &OpioidCatalogue) -> Result<Needs, String> {
        let mut needs = Needs::default();
        for item in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            if let Some(spec) = item.strip_prefix("opioid:") {
                needs.opioids.push(catalogue.need(spec)?);
            } else if let Ok(service) = item.parse::<PharmacyService>() {
                needs.services.push(service);
            } else {
                let capability = item.parse::<Capability>().map_err(|_| {
                    format!(
                        "unknown need '{item}'; allowed: capabilities ({}), pharmacy services ({}), or opioid:<ingredient>[_<form>]",
                        super::allowed_capabilities(),
                        PharmacyService::ALL.map(PharmacyService::as_str).join(", ")
                    )
                })?;
                needs.capabilities.insert(capability);
            }
        }
        needs.opioids.sort();
        needs.opioids.dedup();
        needs.services.sort();
        needs.services.dedup();
        Ok(needs)
    }

    /// Needs that only a pharmacy's registration can satisfy.
    pub fn concerns_stock(&self) -> bool {
        !self.opioids.is_empty() || !self.services.is_empty()
    }

    /// Capabilities only.
    pub fn from_capabilities(capabilities: CapabilitySet) -> Needs {
        Needs { capabilities, ..Needs::default() }
    }

    /// The API strings, in a stable order.
    pub fn to_strings(&self) -> Vec<String> {
        self.capabilities
            .iter()
            .map(|c| c.as_str().to_owned())
            .chain(self.services.iter().map(|s| s.as_str().to_owned()))
            .chain(self.opioids.iter().map(OpioidNeed::as_need_string))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mixed_lists() {
        let c = OpioidCatalogue::builtin();
        let n = Needs::parse(
            "home_care_support, opioid:fentanyl_patch_3day,sterile_compounding,opioid:oxycodone",
            c,
        )
        .unwrap();
        assert!(n.capabilities.contains(Capability::HomeCareSupport));
        assert_eq!(n.services, [PharmacyService::SterileCompounding]);
        assert_eq!(n.opioids.len(), 2);
        assert!(n.concerns_stock());
        assert_eq!(
            n.to_strings(),
            ["home_care_support", "sterile_compounding", "opioid:fentanyl_patch_3day", "opioid:oxycodone"]
        );
        assert_eq!(Needs::parse("", c).unwrap(), Needs::default());
        assert!(!Needs::parse("cancer_pain", c).unwrap().concerns_stock());
    }

    #[test]
    fn unknown_items_name_themselves() {
        let c = OpioidCatalogue::builtin();
        let err = Needs::parse("home_care_support,teleport", c).unwrap_err();
        assert!(
            err.contains("teleport") && err.contains("sterile_compounding") && err.contains("opioid:"),
            "{err}"
        );
        let err = Needs::parse("opioid:codeine", c).unwrap_err();
        assert!(err.contains("codeine"), "{err}");
    }
}
