//! Who may do what to a case. The store filters lists with the same rule (see `can_view`),
//! and the access-matrix integration test holds both to it.

use crate::Role;

/// The person asking: a staff user and their role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Viewer {
    pub user_id: i64,
    pub role: Role,
}

/// The facts about one case that decide access for one viewer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CaseAccess {
    pub embargoed: bool,
    pub is_member: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseAction {
    /// Read the case, its comments and timeline.
    View,
    /// Add an internal comment.
    Comment,
    /// Change fields, state, members; message the reporter.
    Manage,
}

impl Viewer {
    /// An embargoed case is visible only to the PSIRT and the case's members; others must not
    /// even learn that it exists (callers answer 404, never 403).
    pub fn can_view(&self, case: CaseAccess) -> bool {
        self.role.is_psirt() || case.is_member || !case.embargoed
    }

    pub fn may(&self, case: CaseAccess, action: CaseAction) -> bool {
        if !self.can_view(case) {
            return false;
        }
        match action {
            CaseAction::View => true,
            CaseAction::Comment => {
                self.role.is_psirt() || (self.role == Role::Engineer && case.is_member)
            }
            CaseAction::Manage => self.role.is_psirt(),
        }
    }

    /// The intake queue holds unvetted reports (possibly exploit details): PSIRT only.
    pub fn can_triage(&self) -> bool {
        self.role.is_psirt()
    }

    pub fn can_admin(&self) -> bool {
        self.role == Role::Admin
    }

    /// Products and versions are the PSIRT's to define.
    pub fn can_manage_products(&self) -> bool {
        self.role.is_psirt()
    }

    /// SBOMs also come from engineering (a release pipeline with an engineer's API token).
    /// The inventory holds no embargoed information, so every staff role may read it.
    pub fn can_import_sbom(&self) -> bool {
        self.role.is_psirt() || self.role == Role::Engineer
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inventory_rights() {
        let rights = |role| {
            let v = Viewer { user_id: 1, role };
            (v.can_manage_products(), v.can_import_sbom())
        };
        assert_eq!(rights(Role::Admin), (true, true));
        assert_eq!(rights(Role::Analyst), (true, true));
        assert_eq!(rights(Role::Engineer), (false, true));
        assert_eq!(rights(Role::Viewer), (false, false));
    }

    #[test]
    fn matrix() {
        for role in Role::ALL {
            for embargoed in [false, true] {
                for is_member in [false, true] {
                    let v = Viewer { user_id: 1, role };
                    let c = CaseAccess {
                        embargoed,
                        is_member,
                    };
                    let view = v.may(c, CaseAction::View);
                    let comment = v.may(c, CaseAction::Comment);
                    let manage = v.may(c, CaseAction::Manage);
                    let psirt = matches!(role, Role::Admin | Role::Analyst);
                    assert_eq!(view, psirt || is_member || !embargoed, "{role} {c:?}");
                    assert_eq!(
                        comment,
                        psirt || (role == Role::Engineer && is_member),
                        "{role} {c:?}"
                    );
                    assert_eq!(manage, psirt, "{role} {c:?}");
                }
            }
        }
    }
}
