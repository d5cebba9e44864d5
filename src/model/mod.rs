//! Domain types of kanwamap: facilities, their kinds and capabilities, locations and areas.
//!
//! This module does no I/O; every other module speaks in these types.

mod area;
mod capability;
mod census;
mod facility;
mod home_visit;
mod kind;
mod location;
mod needs;
mod opioid;
mod population;
mod prefecture;
mod prefecture_set;

pub use area::{Area, Municipality};
pub use capability::{
    CancerHubLevel, Capability, CapabilityEntry, CapabilitySet, UnknownCapability, allowed_capabilities,
};
pub use census::RegistryCensus;
pub use facility::{Facility, FacilityId, SourceRef};
pub use home_visit::{HOME_VISIT_LIMIT_KM, HOME_VISIT_LIMIT_M, within_home_visit_limit};
pub use kind::{FacilityKind, UnknownKind, allowed_kinds};
pub use location::{Location, LocationPrecision};
pub use needs::Needs;
pub use opioid::{
    CatalogueError, Label, OpioidCatalogue, OpioidNeed, OpioidProduct, PharmacyService, StockStatus,
};
pub use population::PopulationCell;
pub use prefecture::{
    PrefectureSelectionError, all_prefecture_codes, all_prefecture_names, parse_prefecture_selection,
    prefecture_code_of_name, prefecture_name, regional_health_bureau,
};
pub use prefecture_set::{PrefectureSet, prefecture_name_en, prefecture_number};
