use serde::{Deserialize, Serialize};

use crate::DomainError;

/// A staff member's role (DESIGN.md §2). Reporters are not users.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Everything, including user management.
    Admin,
    /// A PSIRT member: triages reports and runs every case.
    Analyst,
    /// Sees non-embargoed cases and the cases they are a member of; comments on the latter.
    Engineer,
    /// Read-only on non-embargoed cases.
    Viewer,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Admin, Role::Analyst, Role::Engineer, Role::Viewer];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Analyst => "analyst",
            Role::Engineer => "engineer",
            Role::Viewer => "viewer",
        }
    }

    /// Admins and analysts are the PSIRT: they see every case and the intake queue.
    pub fn is_psirt(self) -> bool {
        matches!(self, Role::Admin | Role::Analyst)
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl TryFrom<String> for Role {
    type Error = DomainError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl std::str::FromStr for Role {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| DomainError::UnknownValue {
                kind: "role",
                value: s.to_owned(),
            })
    }
}
