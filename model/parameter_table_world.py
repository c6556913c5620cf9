"""Parameters of the state, security, the region, the attack tail and the economy.

The rows follow :data:`model.parameter_table.PARAMETER_TABLE`'s format (and are appended to
it): name, default, unit, hard bounds, prior range (None = fixed), source or rationale,
description, kind, spatial. They belong to docs/ODD.md §7.7 (the tail) and §7.11-§7.14 (the
governing Taliban, security, refugees and ISKP abroad, the economy). FACTS =
``calibration/FACTS.md``. No value here is set from an observation after 2021-08.
"""

from __future__ import annotations

WORLD_PARAMETER_TABLE: list[tuple] = [
    # --- the Taliban as the state (§7.11) -------------------------------------------------
    ("state_capacity_build_rate", 0.06, "1 / month", (0, 1), (0.02, 0.15),
     "Rationale: a new regime's intelligence service, police and checkpoints take one to a "
     "few years to reach the cities (Connable & Libicki 2010 on intelligence in ending "
     "insurgencies); the prior gives half capacity in 5 to 35 months.",
     "Monthly growth of the governing Taliban's counter-ISKP capacity toward 1, at full "
     "fiscal capacity."),
    ("state_capacity_attack_response", 0.1, "1 / month", (0, 1), (0, 0.3),
     "FACTS §7.3, §2: the Taliban answered ISKP's challenge with committed offensives "
     "(Jowzjan 2018, Nangarhar 2019-20, Kunar).",
     "Extra monthly growth of that capacity, times A/(1+A) for the month's A ISKP attacks."),
    ("state_raid_rate", 0.05, "1 / month", (0, 1), (0.01, 0.15),
     "FACTS §7.3: committed offensives took ISKP's Jowzjan branch apart in about two months "
     "of 2018 (200-250 surrendered, 40 killed, 128 prisoners) and Nangarhar's ISKP from 1,750 "
     "to under 200 in 2019-09..11: about half a month in a committed local offensive. A "
     "state's raids across the country at full capacity are taken as a tenth of that.",
     "Monthly fraction of exposed ISKP fighters killed or detained by the state's raids at "
     "full capacity and full Taliban influence in the province."),
    ("raid_attack_exposure", 0.5, "1 / attack", (0, 10), (0, 2),
     "Rationale: an attack exposes its cell to the investigation that follows it.",
     "Relative increase of raids in a province per ISKP attack there the month before."),
    ("iskp_covert_shift", 0.7, "fraction", (0, 1), (0.3, 1),
     "FACTS §7.3, §7.4: having lost its districts (2019-20), ISKP survived as cells that "
     "struck Kabul and Jalalabad (2020-21).",
     "Share of ISKP's force that turns covert (holds no ground) at full state capacity."),
    ("covert_attack_gain", 1.0, "multiplier - 1", (0, 10), (0, 2),
     "Rationale: cells that cannot hold ground substitute terror for territory, as ISKP did "
     "after losing ground in 2017-18 (see relocation_attack_gain).",
     "Relative increase of ISKP's attack rate when wholly covert."),
    ("covert_urban_focus", 1.0, "exponent", (0, 5), (0, 2),
     "FACTS §7.4: ISKP's covert cells struck the largest cities, above all Kabul.",
     "Increase of the population exponent of attack targeting when wholly covert."),
    # --- security provision (§7.12) --------------------------------------------------------
    ("security_adjust_rate", 0.3, "1 / month", (0, 1), None,
     "Rationale: order follows control and violence within a season.",
     "Monthly relaxation of security toward its target."),
    ("security_harm_weight", 0.3, "1 / (casualties per 10k people)", (0, 20), (0.05, 1),
     "FACTS §4: 2020's 8,820 casualties are ~2 per 10k a year nationally, but several per "
     "10k a month in the worst provinces; 0.3 halves security at ~3.3 per 10k a month.",
     "Weight of the month's civilian casualties per 10k people in the security target "
     "(halved at 1 / weight)."),
    ("security_grievance_weight", 0.2, "grievance units [0,1]", (0, 1), (0, 0.4),
     "Epstein (2002): grievance = hardship x (1 - legitimacy); a ruler who cannot protect "
     "loses legitimacy. Kalyvas (2006): armed groups recruit where no one protects civilians "
     "(through grievance, §7.2). Hand-set: at 0.2 ISKP's 2015-2021 strength at the defaults "
     "stays where it was without security (calibration/README.md).",
     "Addition to the grievance target when security is 0 (and so to recruitment)."),
    # --- refugees and their hosts (§7.13) ---------------------------------------------------
    ("refugees_pakistan_2015", 1505000, "people", (0, 10000000), (1350000, 1650000),
     "FACTS §7.6: 1,504,912 at the end of 2014 (UNHCR); ±10% for registration revisions.",
     "Registered Afghan refugees in Pakistan at 2015-01.", "int"),
    ("refugees_iran_2015", 950000, "people", (0, 10000000), (800000, 1000000),
     "FACTS §7.6: 950,000 at the end of 2014, 951,142 in 2015-2019 (UNHCR).",
     "Registered Afghan refugees in Iran at 2015-01.", "int"),
    ("refugees_central_asia_2015", 3100, "people", (0, 1000000), (2000, 5000),
     "FACTS §7.6: Tajikistan 1,975, Kazakhstan 578, Kyrgyzstan 386, Uzbekistan 123, "
     "Turkmenistan 19 at the end of 2014 (UNHCR).",
     "Registered Afghan refugees in the Central Asian states at 2015-01.", "int"),
    ("refugee_exit_share", 0.02, "fraction", (0, 1), (0, 0.1),
     "FACTS §5, §7.6: ~0.4-0.6 M newly displaced a year inside the country while the "
     "registered stock abroad barely grew (hosts stopped registering newcomers).",
     "Share of the newly displaced who cross a border and register as refugees."),
    ("refugee_route_adjacency", 4.0, "relative weight", (0, 100), None,
     "Rationale: refugees cross the nearest border (the west to Iran, the east and south to "
     "Pakistan).", "Extra routing weight of a host that borders the province."),
    ("central_asia_refugee_pull", 0.05, "relative weight", (0, 10), (0.01, 0.2),
     "FACTS §7.6: Central Asian hosts held a fraction of a percent of the registered stock.",
     "Routing weight of the Central Asian states relative to Pakistan's and Iran's (1)."),
    ("refugee_return_rate", 0.001, "1 / month", (0, 0.1), (0, 0.004),
     "FACTS §7.6: UNHCR-assisted returns of 61 k (2015), 61 k (2017), 16 k (2018), 8 k "
     "(2019), 2 k (2020) from a stock of ~2.4 M: 0.01-0.2% a month.",
     "Monthly voluntary return fraction of refugees abroad whose home province is secure."),
    ("pakistan_return_drive_2016", 0.04, "1 / month", (0, 1), (0.02, 0.06),
     "FACTS §7.6: 381,275 registered refugees returned from Pakistan in 2016, most after "
     "July, under police pressure and the PoR-card deadlines (UNHCR; HRW 2017): 380 k / "
     "(1.56 M x 6 months) ~ 0.04.",
     "Monthly forced-return fraction from Pakistan during its dated 2016 drive."),
    ("pakistan_forced_return", 0.0, "1 / month", (0, 1), None,
     "Scenario lever: a host's deportation drive (the 2016 drive is the precedent).",
     "Monthly forced-return fraction of the refugees in Pakistan."),
    ("iran_forced_return", 0.0, "1 / month", (0, 1), None,
     "Scenario lever: Iran deported hundreds of thousands of undocumented Afghans a year "
     "(FACTS §7.6, IOM).", "Monthly forced-return fraction of the refugees in Iran."),
    ("central_asia_forced_return", 0.0, "1 / month", (0, 1), None,
     "Scenario lever.", "Monthly forced-return fraction of the refugees in Central Asia."),
    ("pakistan_border_open", 1.0, "fraction", (0, 1), None,
     "Scenario lever: Pakistan fenced and closed crossings in 2017-21.",
     "Share of the refugee flow toward Pakistan that gets across (0: closed)."),
    ("iran_border_open", 1.0, "fraction", (0, 1), None,
     "Scenario lever.", "Share of the refugee flow toward Iran that gets across."),
    ("central_asia_border_open", 1.0, "fraction", (0, 1), None,
     "Scenario lever: the Central Asian states kept their borders shut to refugees.",
     "Share of the refugee flow toward Central Asia that gets across."),
    # --- ISKP abroad (§7.13) ----------------------------------------------------------------
    ("iskp_pakistan_attack_rate", 0.05, "attacks / month", (0, 5), (0.01, 0.15),
     "FACTS §7.5, §7.7: 11 IS-claimed or attributed mass-casualty attacks in Pakistan from "
     "2015-05 to 2021-01, about 0.15 a month, while ISKP had 1,500-3,000 fighters (FACTS §3).",
     "ISKP attacks in Pakistan per month per 1,000 fighters able to reach it."),
    ("iskp_central_asia_attack_rate", 0.04, "attacks / month", (0, 5), (0.005, 0.1),
     "FACTS §7.5, §7.7: three IS-claimed attacks in Tajikistan (2018-07 cyclists, 2019-05 "
     "prison riot, 2019-11 border post, from Kunduz) in 80 months.",
     "ISKP attacks in Central Asia per month per 1,000 fighters able to reach it."),
    ("iskp_beyond_attack_rate", 0.002, "attacks / month", (0, 5), (0, 0.006),
     "FACTS §7.5: no attack beyond the region attributed to ISKP by 2021-08; the prior's top "
     "is one in 80 months at ISKP's strength.",
     "ISKP attacks beyond the region per month per 1,000 fighters."),
    ("external_reach", 0.3, "fraction", (0, 1), (0, 1),
     "Rationale: fighters far from a border reach across it through the networks of those "
     "near it.",
     "Weight of ISKP's fighters in provinces that do not border a region in its reach."),
    ("iskp_safe_haven", 1.0, "multiplier", (0, 10), None,
     "Scenario lever: a safe haven across the border (the article's regional danger).",
     "Multiplier on ISKP's external attack rates."),
    # --- the attack tail (§7.7) -------------------------------------------------------------
    ("attack_size_elasticity", 0.5, "dimensionless", (0, 3), (0, 1),
     "Rationale: larger, better-funded organisations mount larger attacks (Clauset, Young & "
     "Gleditsch 2007); sub-linear by default.",
     "Elasticity of the attack-size scale in ISKP's capability (strength x external "
     "support, relative to 2,000 fighters)."),
    # --- the economy (§7.14) ----------------------------------------------------------------
    ("economic_collapse", 0.0, "fraction", (0, 1), None,
     "Scenario lever: the freezing of reserves and of donor financing (humanitarian "
     "collapse).", "Share of the aid-financed economy lost."),
    ("aid_financed_spending", 0.75, "fraction", (0, 1), None,
     "FACTS §8: donor grants were almost 80% of public spending in 2018 (World Bank's lead "
     "economist, ODI 2020); 75% in the World Bank's wording (press, 2021-08).",
     "Share of the governing Taliban's pay and capacity that an economic collapse removes."),
    ("collapse_grievance", 0.3, "grievance units [0,1]", (0, 1), None,
     "Epstein (2002): hardship raises grievance; FACTS §8: 54.5% poor in 2016-17 (World "
     "Bank), ~47% in 2020 (ADB), GDP per head ~$510.",
     "Addition to the grievance target at full economic collapse."),
    ("collapse_displacement_rate", 0.002, "1 / month", (0, 0.1), None,
     "FACTS §7.6: 0.5-0.9 M undocumented Afghans returned (many deported) from Iran each year "
     "2016-20, a circular economic migration of 1-2% of the people a year.",
     "Monthly fraction of residents displaced by distress at full economic collapse."),
    ("collapse_exit_gain", 2.0, "multiplier - 1", (0, 20), None,
     "FACTS §7.6: economic migration to Iran was larger than conflict flight.",
     "Relative increase of the share of the displaced who leave the country at full "
     "collapse."),
]
