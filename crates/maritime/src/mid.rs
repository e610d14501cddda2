//! Maritime Identification Digits: the country an MMSI claims (ITU-R M.585 and the ITU's
//! table of MIDs allocated to administrations), and a check of that claim against the flag a
//! vessel declares. An MMSI whose MID is not allocated (646, for example, used by "stateless"
//! tankers) or belongs to another country than the flag is an identity-tampering indicator.

use serde::Serialize;

/// MID → ISO 3166-1 alpha-2 code of the administration (territories under their own MID keep
/// their own code where one exists).
const MIDS: &[(u16, &str)] = &[
    (201, "AL"),
    (202, "AD"),
    (203, "AT"),
    (204, "PT"),
    (205, "BE"),
    (206, "BY"),
    (207, "BG"),
    (208, "VA"),
    (209, "CY"),
    (210, "CY"),
    (211, "DE"),
    (212, "CY"),
    (213, "GE"),
    (214, "MD"),
    (215, "MT"),
    (216, "AM"),
    (218, "DE"),
    (219, "DK"),
    (220, "DK"),
    (224, "ES"),
    (225, "ES"),
    (226, "FR"),
    (227, "FR"),
    (228, "FR"),
    (229, "MT"),
    (230, "FI"),
    (231, "FO"),
    (232, "GB"),
    (233, "GB"),
    (234, "GB"),
    (235, "GB"),
    (236, "GI"),
    (237, "GR"),
    (238, "HR"),
    (239, "GR"),
    (240, "GR"),
    (241, "GR"),
    (242, "MA"),
    (243, "HU"),
    (244, "NL"),
    (245, "NL"),
    (246, "NL"),
    (247, "IT"),
    (248, "MT"),
    (249, "MT"),
    (250, "IE"),
    (251, "IS"),
    (252, "LI"),
    (253, "LU"),
    (254, "MC"),
    (255, "PT"),
    (256, "MT"),
    (257, "NO"),
    (258, "NO"),
    (259, "NO"),
    (261, "PL"),
    (262, "ME"),
    (263, "PT"),
    (264, "RO"),
    (265, "SE"),
    (266, "SE"),
    (267, "SK"),
    (268, "SM"),
    (269, "CH"),
    (270, "CZ"),
    (271, "TR"),
    (272, "UA"),
    (273, "RU"),
    (274, "MK"),
    (275, "LV"),
    (276, "EE"),
    (277, "LT"),
    (278, "SI"),
    (279, "RS"),
    (301, "AI"),
    (303, "US"),
    (304, "AG"),
    (305, "AG"),
    (306, "CW"),
    (307, "AW"),
    (308, "BS"),
    (309, "BS"),
    (310, "BM"),
    (311, "BS"),
    (312, "BZ"),
    (314, "BB"),
    (316, "CA"),
    (319, "KY"),
    (321, "CR"),
    (323, "CU"),
    (325, "DM"),
    (327, "DO"),
    (329, "GP"),
    (330, "GD"),
    (331, "GL"),
    (332, "GT"),
    (334, "HN"),
    (336, "HT"),
    (338, "US"),
    (339, "JM"),
    (341, "KN"),
    (343, "LC"),
    (345, "MX"),
    (347, "MQ"),
    (348, "MS"),
    (350, "NI"),
    (351, "PA"),
    (352, "PA"),
    (353, "PA"),
    (354, "PA"),
    (355, "PA"),
    (356, "PA"),
    (357, "PA"),
    (358, "PR"),
    (359, "SV"),
    (361, "PM"),
    (362, "TT"),
    (364, "TC"),
    (366, "US"),
    (367, "US"),
    (368, "US"),
    (369, "US"),
    (370, "PA"),
    (371, "PA"),
    (372, "PA"),
    (373, "PA"),
    (374, "PA"),
    (375, "VC"),
    (376, "VC"),
    (377, "VC"),
    (378, "VG"),
    (379, "VI"),
    (401, "AF"),
    (403, "SA"),
    (405, "BD"),
    (408, "BH"),
    (410, "BT"),
    (412, "CN"),
    (413, "CN"),
    (414, "CN"),
    (416, "TW"),
    (417, "LK"),
    (419, "IN"),
    (422, "IR"),
    (423, "AZ"),
    (425, "IQ"),
    (428, "IL"),
    (431, "JP"),
    (432, "JP"),
    (434, "TM"),
    (436, "KZ"),
    (437, "UZ"),
    (438, "JO"),
    (440, "KR"),
    (441, "KR"),
    (443, "PS"),
    (445, "KP"),
    (447, "KW"),
    (450, "LB"),
    (451, "KG"),
    (453, "MO"),
    (455, "MV"),
    (457, "MN"),
    (459, "NP"),
    (461, "OM"),
    (463, "PK"),
    (466, "QA"),
    (468, "SY"),
    (470, "AE"),
    (471, "AE"),
    (472, "TJ"),
    (473, "YE"),
    (475, "YE"),
    (477, "HK"),
    (478, "BA"),
    (501, "TF"),
    (503, "AU"),
    (506, "MM"),
    (508, "BN"),
    (510, "FM"),
    (511, "PW"),
    (512, "NZ"),
    (514, "KH"),
    (515, "KH"),
    (516, "CX"),
    (518, "CK"),
    (520, "FJ"),
    (523, "CC"),
    (525, "ID"),
    (529, "KI"),
    (531, "LA"),
    (533, "MY"),
    (536, "MP"),
    (538, "MH"),
    (540, "NC"),
    (542, "NU"),
    (544, "NR"),
    (546, "PF"),
    (548, "PH"),
    (550, "TL"),
    (553, "PG"),
    (555, "PN"),
    (557, "SB"),
    (559, "AS"),
    (561, "WS"),
    (563, "SG"),
    (564, "SG"),
    (565, "SG"),
    (566, "SG"),
    (567, "TH"),
    (570, "TO"),
    (572, "TV"),
    (574, "VN"),
    (576, "VU"),
    (577, "VU"),
    (578, "WF"),
    (601, "ZA"),
    (603, "AO"),
    (605, "DZ"),
    (607, "TF"),
    (608, "SH"),
    (609, "BI"),
    (610, "BJ"),
    (611, "BW"),
    (612, "CF"),
    (613, "CM"),
    (615, "CG"),
    (616, "KM"),
    (617, "CV"),
    (618, "TF"),
    (619, "CI"),
    (620, "KM"),
    (621, "DJ"),
    (622, "EG"),
    (624, "ET"),
    (625, "ER"),
    (626, "GA"),
    (627, "GH"),
    (629, "GM"),
    (630, "GW"),
    (631, "GQ"),
    (632, "GN"),
    (633, "BF"),
    (634, "KE"),
    (635, "TF"),
    (636, "LR"),
    (637, "LR"),
    (638, "SS"),
    (642, "LY"),
    (644, "LS"),
    (645, "MU"),
    (647, "MG"),
    (649, "ML"),
    (650, "MZ"),
    (654, "MR"),
    (655, "MW"),
    (656, "NE"),
    (657, "NG"),
    (659, "NA"),
    (660, "RE"),
    (661, "RW"),
    (662, "SD"),
    (663, "SN"),
    (664, "SC"),
    (665, "SH"),
    (666, "SO"),
    (667, "SL"),
    (668, "ST"),
    (669, "SZ"),
    (670, "TD"),
    (671, "TG"),
    (672, "TN"),
    (674, "TZ"),
    (675, "UG"),
    (676, "CD"),
    (677, "TZ"),
    (678, "ZM"),
    (679, "ZW"),
    (701, "AR"),
    (710, "BR"),
    (720, "BO"),
    (725, "CL"),
    (730, "CO"),
    (735, "EC"),
    (740, "FK"),
    (745, "GF"),
    (750, "GY"),
    (755, "PY"),
    (760, "PE"),
    (765, "SR"),
    (770, "UY"),
    (775, "VE"),
];

/// The country code a MID is allocated to.
pub fn country(mid: u16) -> Option<&'static str> {
    MIDS.binary_search_by_key(&mid, |&(m, _)| m)
        .ok()
        .and_then(|i| MIDS.get(i))
        .map(|&(_, c)| c)
}

/// The MID of a ship station's MMSI (`MIDXXXXXX`, first digit 2–7); other stations (coast
/// stations `00MID…`, craft associated with a ship `98MID…`, aids to navigation `99MID…`,
/// SAR aircraft `111MID…`, group calls `0MID…`) give theirs from the matching position;
/// SART/MOB/EPIRB (`97…`) and anything else give `None`.
pub fn mid(mmsi: u32) -> Option<u16> {
    if !(1_000_000..=999_999_999).contains(&mmsi) {
        return None;
    }
    let first = mmsi / 100_000_000;
    let m = match first {
        2..=7 => mmsi / 1_000_000,
        0 if mmsi < 10_000_000 => mmsi / 10_000,
        0 => mmsi / 100_000,
        9 if mmsi / 10_000_000 == 98 || mmsi / 10_000_000 == 99 => mmsi / 10_000 % 1000,
        1 if mmsi / 1_000_000 == 111 => mmsi / 1000 % 1000,
        _ => return None,
    };
    u16::try_from(m).ok()
}

/// The outcome of checking an MMSI's MID.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum MidCheck {
    /// The MID is allocated, and matches the declared flag if one is known.
    Consistent { mid: u16, country: &'static str },
    /// No administration holds this MID.
    Unallocated { mid: u16 },
    /// The MID belongs to another country than the flag the vessel declares.
    FlagMismatch {
        mid: u16,
        country: &'static str,
        flag: String,
    },
    /// Not a station format with a MID (handhelds, test numbers): nothing to check.
    NotApplicable,
}

/// Checks `mmsi` against the flag it declares (ISO alpha-2, case-insensitive), if known.
pub fn check(mmsi: u32, flag: Option<&str>) -> MidCheck {
    let Some(m) = mid(mmsi) else {
        return MidCheck::NotApplicable;
    };
    let Some(c) = country(m) else {
        return MidCheck::Unallocated { mid: m };
    };
    match flag.map(str::trim).filter(|f| !f.is_empty()) {
        Some(f) if !f.eq_ignore_ascii_case(c) => MidCheck::FlagMismatch {
            mid: m,
            country: c,
            flag: f.to_ascii_uppercase(),
        },
        _ => MidCheck::Consistent { mid: m, country: c },
    }
}

#[cfg(test)]
#[allow(clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_and_unique() {
        assert!(MIDS.windows(2).all(|w| w[0].0 < w[1].0));
        assert!(MIDS
            .iter()
            .all(|&(m, c)| (201..=775).contains(&m) && c.len() == 2));
    }

    #[test]
    fn ship_station_mids() {
        assert_eq!(
            check(265_547_250, Some("se")),
            MidCheck::Consistent {
                mid: 265,
                country: "SE"
            }
        );
        assert_eq!(
            check(230_184_000, None),
            MidCheck::Consistent {
                mid: 230,
                country: "FI"
            }
        );
        assert_eq!(check(646_000_123, None), MidCheck::Unallocated { mid: 646 });
        assert_eq!(
            check(276_001_000, Some("PA")),
            MidCheck::FlagMismatch {
                mid: 276,
                country: "EE",
                flag: "PA".into()
            }
        );
        assert_eq!(
            check(111_265_001, None),
            MidCheck::Consistent {
                mid: 265,
                country: "SE"
            }
        );
        assert_eq!(
            check(2_655_000, None),
            MidCheck::Consistent {
                mid: 265,
                country: "SE"
            }
        );
        assert_eq!(
            check(992_651_000, None),
            MidCheck::Consistent {
                mid: 265,
                country: "SE"
            }
        );
        assert_eq!(check(970_012_345, None), MidCheck::NotApplicable);
        assert_eq!(check(123, None), MidCheck::NotApplicable);
        assert_eq!(
            check(26_512_345, None),
            MidCheck::Consistent {
                mid: 265,
                country: "SE"
            }
        );
    }
}
