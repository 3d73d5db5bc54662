//! Basic-requirement compliance (基本要求): each gap is a work item for the maintainer.

use super::client::Holdings;
use super::labels::labelled_enum;
use super::rules::Rules;

labelled_enum!(
    /// The five basic requirements every roster client should meet; one missing is a gap.
    Requirement, crate::domain::Field::Requirement, {
        OnlineBanking => "个人网银", ["网银"];
        Shuanglifeng => "双利丰";
        FundAutoInvest => "基金定投", ["定投"];
        WealthProduct => "理财产品", ["理财"];
        SelfService => "自办比例", ["自办业务比例"];
    }
);

impl Requirement {
    /// One character for a badge column: 网 双 定 理 自.
    pub fn badge(self) -> char {
        match self {
            Requirement::OnlineBanking => '网',
            Requirement::Shuanglifeng => '双',
            Requirement::FundAutoInvest => '定',
            Requirement::WealthProduct => '理',
            Requirement::SelfService => '自',
        }
    }
}

/// All five requirements in checklist order, each with whether it is met.
pub fn checklist(h: &Holdings, rules: &Rules) -> [(Requirement, bool); 5] {
    [
        (Requirement::OnlineBanking, h.online_banking),
        (Requirement::Shuanglifeng, h.shuanglifeng),
        (Requirement::FundAutoInvest, h.fund_auto_invest),
        (Requirement::WealthProduct, h.wealth_products > 0),
        (Requirement::SelfService, h.self_service_permille >= rules.self_service_min_permille),
    ]
}

pub fn gaps(h: &Holdings, rules: &Rules) -> Vec<Requirement> {
    checklist(h, rules).into_iter().filter(|(_, met)| !met).map(|(g, _)| g).collect()
}

pub fn compliant(h: &Holdings, rules: &Rules) -> bool {
    checklist(h, rules).iter().all(|(_, met)| *met)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn full() -> Holdings {
        Holdings {
            online_banking: true,
            shuanglifeng: true,
            fund_auto_invest: true,
            wealth_products: 2,
            self_service_permille: 800,
        }
    }

    #[test]
    fn a_client_holding_everything_at_80_percent_is_compliant() {
        let rules = Rules::default();
        assert!(compliant(&full(), &rules));
        assert!(gaps(&full(), &rules).is_empty());
    }

    #[test]
    fn each_missing_requirement_is_a_gap_in_checklist_order() {
        let rules = Rules::default();
        let h = Holdings { online_banking: false, wealth_products: 0, self_service_permille: 799, ..full() };
        assert_eq!(
            gaps(&h, &rules),
            vec![Requirement::OnlineBanking, Requirement::WealthProduct, Requirement::SelfService]
        );
        assert!(!compliant(&h, &rules));
        assert_eq!(gaps(&Holdings::default(), &rules).len(), 5);
    }

    #[test]
    fn the_self_service_minimum_is_configuration() {
        let rules = Rules { self_service_min_permille: 700, ..Rules::default() };
        let h = Holdings { self_service_permille: 750, ..full() };
        assert!(compliant(&h, &rules));
    }
}
