//! Medical opioids (医療用麻薬) a pharmacy may hold, and the pharmacy services a home care team needs.
//! The catalogue is `data/opioid_products.toml`, compiled into the binary.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

/// A Japanese/English label pair.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct Label {
    /// Japanese.
    pub ja: String,
    /// English.
    pub en: String,
}

/// One product of the catalogue: an ingredient in a form (e.g. fentanyl 3-day patch).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OpioidProduct {
    /// `<ingredient>_<form>`, e.g. `fentanyl_patch_3day`.
    pub id: String,
    /// Ingredient id, e.g. `fentanyl`.
    pub ingredient: String,
    /// Form id, e.g. `patch_3day`.
    pub form: String,
    /// Japanese label, e.g. "フェンタニル 貼付剤（3日用）".
    pub label_ja: String,
    /// English label.
    pub label_en: String,
    /// Brand and generic names as they appear on prescriptions.
    pub aliases: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct CatalogueFile {
    forms: BTreeMap<String, Label>,
    ingredients: BTreeMap<String, Label>,
    product: Vec<ProductEntry>,
    services: BTreeMap<String, Label>,
}

#[derive(Debug, Deserialize)]
struct ProductEntry {
    ingredient: String,
    form: String,
    aliases: Vec<String>,
}

/// The catalogue of products, ingredients, forms and pharmacy services.
#[derive(Debug)]
pub struct OpioidCatalogue {
    /// Products in file order.
    pub products: Vec<OpioidProduct>,
    /// Ingredients by id.
    pub ingredients: BTreeMap<String, Label>,
    /// Forms by id.
    pub forms: BTreeMap<String, Label>,
    /// Pharmacy services by id (the ids of [`PharmacyService`]).
    pub services: BTreeMap<String, Label>,
}

/// A catalogue file that does not hang together.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("opioid catalogue: {0}")]
pub struct CatalogueError(pub String);

impl OpioidCatalogue {
    /// Parses a catalogue file.
    pub fn parse(text: &str) -> Result<Self, CatalogueError> {
        let file: CatalogueFile = toml::from_str(text).map_err(|e| CatalogueError(e.to_string()))?;
        let expected: Vec<&str> = PharmacyService::ALL.iter().map(|s| s.as_str()).collect();
        let found: Vec<&str> = file.services.keys().map(String::as_str).collect();
        let mut sorted_expected = expected.clone();
        sorted_expected.sort_unstable();
        if found != sorted_expected {
            return Err(CatalogueError(format!("services must be exactly {expected:?}, found {found:?}")));
        }
        let mut products: Vec<OpioidProduct> = Vec::new();
        for p in file.product {
            let ingredient = file
                .ingredients
                .get(&p.ingredient)
                .ok_or_else(|| CatalogueError(format!("unknown ingredient '{}'", p.ingredient)))?;
            let form = file
                .forms
                .get(&p.form)
                .ok_or_else(|| CatalogueError(format!("unknown form '{}'", p.form)))?;
            let id = format!("{}_{}", p.ingredient, p.form);
            if products.iter().any(|q| q.id == id) {
                return Err(CatalogueError(format!("product '{id}' listed twice")));
            }
            products.push(OpioidProduct {
                label_ja: format!("{} {}", ingredient.ja, form.ja),
                label_en: format!("{} {}", ingredient.en, form.en),
                id,
                ingredient: p.ingredient,
                form: p.form,
                aliases: p.aliases,
            });
        }
        Ok(OpioidCatalogue {
            products,
            ingredients: file.ingredients,
            forms: file.forms,
            services: file.services,
        })
    }

    /// The catalogue compiled into the binary.
    pub fn builtin() -> &'static OpioidCatalogue {
        static CATALOGUE: OnceLock<OpioidCatalogue> = OnceLock::new();
        CATALOGUE.get_or_init(|| {
            OpioidCatalogue::parse(include_str!("../../data/opioid_products.toml"))
                .expect("data/opioid_products.toml is valid (checked by a unit test)")
        })
    }

    /// The product with this id.
    pub fn product(&self, id: &str) -> Option<&OpioidProduct> {
        self.products.iter().find(|p| p.id == id)
    }

    /// Reads `<ingredient>` or `<ingredient>_<form>` (the part after `opioid:` in `needs`).
    pub fn need(&self, spec: &str) -> Result<OpioidNeed, String> {
        if self.ingredients.contains_key(spec) {
            return Ok(OpioidNeed { ingredient: spec.to_owned(), product: None });
        }
        match self.product(spec) {
            Some(p) => Ok(OpioidNeed { ingredient: p.ingredient.clone(), product: Some(p.id.clone()) }),
            None => Err(format!(
                "unknown opioid '{spec}'; ingredients: {}; products: {}",
                self.ingredients.keys().cloned().collect::<Vec<_>>().join(", "),
                self.products.iter().map(|p| p.id.as_str()).collect::<Vec<_>>().join(", ")
            )),
        }
    }
}

/// A need for an opioid: any form of an ingredient, or one product.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OpioidNeed {
    /// Ingredient id.
    pub ingredient: String,
    /// Product id when a form is required.
    pub product: Option<String>,
}

impl OpioidNeed {
    /// Whether a product satisfies the need.
    pub fn matches(&self, product: &OpioidProduct) -> bool {
        match &self.product {
            Some(id) => *id == product.id,
            None => self.ingredient == product.ingredient,
        }
    }

    /// The API form: `opioid:<ingredient>` or `opioid:<product>`.
    pub fn as_need_string(&self) -> String {
        format!("opioid:{}", self.product.as_deref().unwrap_or(&self.ingredient))
    }
}

/// Whether a pharmacy holds a product.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StockStatus {
    /// 在庫あり: on the shelf.
    InStock,
    /// 取り寄せ可: can be ordered (see `orderable_days`).
    Orderable,
    /// 取扱いなし: neither.
    None,
}

impl StockStatus {
    /// The API string.
    pub fn as_str(self) -> &'static str {
        match self {
            StockStatus::InStock => "in_stock",
            StockStatus::Orderable => "orderable",
            StockStatus::None => "none",
        }
    }
}

impl FromStr for StockStatus {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "in_stock" => Ok(StockStatus::InStock),
            "orderable" => Ok(StockStatus::Orderable),
            "none" => Ok(StockStatus::None),
            other => Err(format!("unknown stock status '{other}'; allowed: in_stock, orderable, none")),
        }
    }
}

/// A pharmacy service flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PharmacyService {
    /// 無菌製剤処理: can compound sterile preparations (opioid infusions for PCA pumps).
    SterileCompounding,
    /// 24時間対応: reachable around the clock.
    Open24h,
    /// 在宅患者訪問薬剤管理指導: pharmacists visit patients at home.
    HomeVisits,
    /// 麻薬小売業者免許: licensed to dispense narcotics.
    NarcoticsLicence,
}

impl PharmacyService {
    /// Every service, in API order.
    pub const ALL: [PharmacyService; 4] = [
        PharmacyService::SterileCompounding,
        PharmacyService::Open24h,
        PharmacyService::HomeVisits,
        PharmacyService::NarcoticsLicence,
    ];

    /// The API string.
    pub fn as_str(self) -> &'static str {
        match self {
            PharmacyService::SterileCompounding => "sterile_compounding",
            PharmacyService::Open24h => "open_24h",
            PharmacyService::HomeVisits => "home_visits",
            PharmacyService::NarcoticsLicence => "narcotics_licence",
        }
    }
}

impl fmt::Display for PharmacyService {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for PharmacyService {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        PharmacyService::ALL.into_iter().find(|p| p.as_str() == s).ok_or_else(|| {
            format!(
                "unknown pharmacy service '{s}'; allowed: {}",
                PharmacyService::ALL.map(PharmacyService::as_str).join(", ")
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_catalogue_covers_the_six_ingredients() {
        let c = OpioidCatalogue::builtin();
        assert_eq!(c.ingredients.len(), 6);
        assert_eq!(c.forms.len(), 8);
        assert!(c.products.len() >= 18);
        let patch = c.product("fentanyl_patch_3day").unwrap();
        assert_eq!(patch.label_ja, "フェンタニル 貼付剤（3日用）");
        assert!(patch.aliases.iter().any(|a| a.contains("デュロテップ")));
        assert!(c.product("oxycodone_sr").unwrap().aliases.iter().any(|a| a.contains("オキシコンチン")));
        for ingredient in c.ingredients.keys() {
            assert!(c.products.iter().any(|p| &p.ingredient == ingredient), "{ingredient} has no product");
        }
    }

    #[test]
    fn needs_by_ingredient_or_product() {
        let c = OpioidCatalogue::builtin();
        let any_fentanyl = c.need("fentanyl").unwrap();
        let patch = c.need("fentanyl_patch_3day").unwrap();
        let p3 = c.product("fentanyl_patch_3day").unwrap();
        let p1 = c.product("fentanyl_patch_1day").unwrap();
        assert!(any_fentanyl.matches(p1) && any_fentanyl.matches(p3));
        assert!(patch.matches(p3) && !patch.matches(p1));
        assert_eq!(patch.as_need_string(), "opioid:fentanyl_patch_3day");
        let err = c.need("heroin").unwrap_err();
        assert!(err.contains("heroin") && err.contains("oxycodone_sr"), "{err}");
    }

    #[test]
    fn inconsistent_catalogues_are_refused() {
        let base = include_str!("../../data/opioid_products.toml");
        let bad = base.replace("ingredient = \"methadone\"", "ingredient = \"codeine\"");
        assert!(OpioidCatalogue::parse(&bad).unwrap_err().0.contains("codeine"));
        let twice = format!("{base}\n[[product]]\ningredient = \"morphine\"\nform = \"ir\"\naliases = []\n");
        assert!(OpioidCatalogue::parse(&twice).is_err());
    }

    #[test]
    fn statuses_and_services_parse() {
        assert_eq!("in_stock".parse::<StockStatus>(), Ok(StockStatus::InStock));
        assert!("sold_out".parse::<StockStatus>().unwrap_err().contains("orderable"));
        for s in PharmacyService::ALL {
            assert_eq!(s.as_str().parse::<PharmacyService>(), Ok(s));
        }
    }
}
