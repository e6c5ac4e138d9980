//! The outcome framework: the fixed list of areas an outcome belongs to, stored with each
//! outcome as code, label and framework version so that a later framework never relabels
//! old plans. The default is the Supporting Families headline outcomes; a local authority
//! can give its own as a JSON file (`FAMILY_PLAN_OUTCOME_FRAMEWORK`).
use serde::Deserialize;

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct OutcomeFramework {
    pub version: String,
    pub areas: Vec<OutcomeArea>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct OutcomeArea {
    pub code: String,
    pub label: String,
}

const SUPPORTING_FAMILIES: [(&str, &str); 10] = [
    ("EDUCATION", "Getting a good education"),
    ("EARLY_YEARS", "Good early years development"),
    ("HEALTH", "Improved mental and physical health"),
    ("SUBSTANCE_USE", "Better managed substance use"),
    ("RELATIONSHIPS", "Improved family relationships"),
    (
        "SAFE_FROM_ABUSE",
        "Children safe from abuse and exploitation",
    ),
    ("CRIME", "Families diverted from crime"),
    ("DOMESTIC_ABUSE", "Safe from domestic abuse"),
    ("HOUSING", "Secure housing"),
    ("FINANCIAL_STABILITY", "Financial stability"),
];

impl Default for OutcomeFramework {
    fn default() -> Self {
        Self {
            version: "supporting-families-2022".into(),
            areas: SUPPORTING_FAMILIES
                .iter()
                .map(|(code, label)| OutcomeArea {
                    code: (*code).into(),
                    label: (*label).into(),
                })
                .collect(),
        }
    }
}

impl OutcomeFramework {
    /// Reads the setting: empty for the default, otherwise the path of a JSON file
    /// `{"version": "...", "areas": [{"code": "...", "label": "..."}]}`.
    pub fn parse(value: &str) -> Result<Self, String> {
        if value.trim().is_empty() {
            return Ok(Self::default());
        }
        let text = std::fs::read_to_string(value)
            .map_err(|e| format!("cannot read the outcome framework file {value}: {e}"))?;
        let framework: Self = serde_json::from_str(&text)
            .map_err(|e| format!("the outcome framework file {value} is not valid: {e}"))?;
        framework.check()?;
        Ok(framework)
    }

    fn check(&self) -> Result<(), String> {
        if self.version.trim().is_empty() || self.areas.is_empty() {
            return Err("the outcome framework needs a version and at least one area".into());
        }
        let mut codes: Vec<&str> = self.areas.iter().map(|a| a.code.as_str()).collect();
        codes.sort_unstable();
        if codes.windows(2).any(|w| w[0] == w[1]) || codes.iter().any(|c| c.trim().is_empty()) {
            return Err("every outcome area needs its own, non-empty code".into());
        }
        Ok(())
    }

    pub fn area(&self, code: &str) -> Option<&OutcomeArea> {
        self.areas.iter().find(|a| a.code == code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_is_the_ten_supporting_families_outcomes() {
        let framework = OutcomeFramework::parse("").unwrap();
        assert_eq!(framework.areas.len(), 10);
        assert_eq!(
            framework.area("HOUSING").map(|a| a.label.as_str()),
            Some("Secure housing")
        );
    }

    #[test]
    fn a_local_framework_is_read_from_a_file_and_checked() {
        let dir = std::env::temp_dir().join(format!("framework-{}", uuid::Uuid::now_v7()));
        std::fs::create_dir_all(&dir).unwrap();
        let good = dir.join("good.json");
        std::fs::write(
            &good,
            r#"{"version":"local-1","areas":[{"code":"A","label":"Area A"}]}"#,
        )
        .unwrap();
        let framework = OutcomeFramework::parse(good.to_str().unwrap()).unwrap();
        assert_eq!(framework.version, "local-1");
        let twice = dir.join("twice.json");
        std::fs::write(
            &twice,
            r#"{"version":"x","areas":[{"code":"A","label":"1"},{"code":"A","label":"2"}]}"#,
        )
        .unwrap();
        assert!(OutcomeFramework::parse(twice.to_str().unwrap()).is_err());
        assert!(OutcomeFramework::parse("/no/such/file.json").is_err());
    }
}
