//! Who should maintain a client (维护人建议). Value first: 关键客户 and the top tiers go only to
//! roles with a dedicated-manager duty (`Rules::dedicated_roles`), never to back office by
//! default (DOMAIN.md: 关键客户 get a dedicated maintainer). Then place: someone at the client's
//! own outlet before anyone elsewhere; a suggestion across outlets says so, for the manager to
//! see before confirming. Then load: furthest below quota first (`receiver_order`).

use super::client::Client;
use super::coverage::{StaffCoverage, receiver_order};
use super::ids::OutletId;
use super::rules::Rules;
use super::staff::Staff;

/// A suggested maintainer for one client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Suggestion<'a> {
    pub staff: &'a Staff,
    /// The person works at another outlet than the client's: the move crosses outlets.
    pub cross_outlet: bool,
}

/// Whether `c` may be suggested for `client` at all: active, not its present maintainer, inside
/// `within` (the outlet a manager is limited to), and in a fitting role — a dedicated-manager
/// role for a client that needs one, else any role with a quota or a dedicated duty (leadership
/// and administrators have neither and are never suggested).
fn eligible(client: &Client, c: &StaffCoverage, rules: &Rules, within: Option<&OutletId>) -> bool {
    let fits = if rules.needs_dedicated(client.class, client.tier) {
        rules.is_dedicated(&c.staff.role)
    } else {
        c.standing.minimum > 0 || rules.is_dedicated(&c.staff.role)
    };
    c.staff.active
        && fits
        && Some(&c.staff.no) != client.maintainer.as_ref()
        && within.is_none_or(|o| &c.staff.outlet == o)
}

/// The staff member `client` should go to among `candidates`, by value, then the client's own
/// outlet, then `receiver_order`; `None` when no one fits. `within` limits the choice to one
/// outlet (an outlet head can only move clients inside their own).
pub fn suggest_maintainer<'a>(
    client: &Client,
    candidates: &'a [StaffCoverage],
    rules: &Rules,
    within: Option<&OutletId>,
) -> Option<Suggestion<'a>> {
    candidates
        .iter()
        .filter(|c| eligible(client, c, rules, within))
        .min_by_key(|c| (c.staff.outlet != client.outlet, receiver_order(c)))
        .map(|c| Suggestion { staff: &c.staff, cross_outlet: c.staff.outlet != client.outlet })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::*;

    use crate::domain::coverage::tests::sc;

    fn client(outlet: &str, tier: CardTier, class: ClientClass) -> Client {
        Client {
            tier,
            class,
            ..Client::new(ClientNo::parse("C1").unwrap(), "客户".into(), OutletId::parse(outlet).unwrap())
        }
    }

    fn pick<'a>(c: &Client, staff: &'a [StaffCoverage], within: Option<&str>) -> Option<(&'a str, bool)> {
        let within = within.map(|o| OutletId::parse(o).unwrap());
        suggest_maintainer(c, staff, &Rules::default(), within.as_ref())
            .map(|s| (s.staff.no.as_str(), s.cross_outlet))
    }

    #[test]
    fn ordinary_clients_go_to_whoever_is_furthest_below_quota_in_the_outlet() {
        let r = Rules::default();
        let staff = vec![
            sc("1", "城关", "网点负责人", 20, &r), // 5 short
            sc("2", "城关", "柜员", 3, &r),        // 7 short
            sc("3", "东街", "柜员", 0, &r),        // other outlet, 10 short
            sc("4", "城关", "支行行长", 0, &r),    // no quota
        ];
        let gold = client("城关", CardTier::Gold, ClientClass::Important);
        assert_eq!(pick(&gold, &staff, None), Some(("2", false)));
        let all_met = vec![sc("1", "城关", "柜员", 12, &r), sc("2", "城关", "网点负责人", 26, &r)];
        assert_eq!(pick(&gold, &all_met, None), Some(("2", false)), "least above quota");
    }

    #[test]
    fn a_private_banking_client_goes_to_a_dedicated_role_never_to_back_office() {
        let r = Rules::default();
        let staff = vec![
            sc("1", "城关", "后台管理人员", 0, &r), // 10 short, but back office
            sc("2", "城关", "柜员", 0, &r),         // 10 short, but a teller
            sc("3", "城关", "大堂经理", 20, &r),    // 5 short
            sc("4", "城关", "客户经理", 40, &r),    // no quota, dedicated
        ];
        let pb = Client {
            assets: Some(Fen::wan(1808)),
            ..client("城关", CardTier::PrivateBanking, ClientClass::Important)
        };
        assert_eq!(pick(&pb, &staff, None), Some(("3", false)));
        let key = client("城关", CardTier::Ordinary, ClientClass::Key);
        assert_eq!(pick(&key, &staff[..2], None), None, "no one rather than back office");
        let gold = client("城关", CardTier::Gold, ClientClass::Important);
        assert_eq!(pick(&gold, &staff, None), Some(("1", false)), "below the top tiers load decides");
    }

    #[test]
    fn the_clients_own_outlet_comes_first_and_a_move_elsewhere_is_flagged() {
        let r = Rules::default();
        let staff = vec![sc("1", "东街", "大堂经理", 0, &r), sc("2", "城关", "大堂经理", 24, &r)];
        let diamond = client("城关", CardTier::Diamond, ClientClass::Important);
        assert_eq!(pick(&diamond, &staff, None), Some(("2", false)), "same outlet though less short");
        assert_eq!(pick(&diamond, &staff[..1], None), Some(("1", true)), "across outlets, flagged");
        assert_eq!(pick(&diamond, &staff[..1], Some("城关")), None, "an outlet head cannot reach 东街");
    }

    #[test]
    fn a_clients_present_maintainer_is_never_suggested_for_it() {
        let r = Rules::default();
        let staff = vec![sc("1", "城关", "柜员", 0, &r), sc("2", "城关", "柜员", 9, &r)];
        let mut c = client("城关", CardTier::Gold, ClientClass::Important);
        c.maintainer = Some(StaffNo::parse("1").unwrap());
        assert_eq!(pick(&c, &staff, None), Some(("2", false)));
    }
}
