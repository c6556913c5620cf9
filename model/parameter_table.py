"""The one table of model parameters.

Each row: name, default, unit, hard bounds, prior range (None = fixed, not calibrated), source or
rationale, description, kind ("float"/"int"), spatial (settable per province by an intervention).
``docs/ODD.md`` reproduces this table; ``tests/test_parameters.py`` checks they agree.
FACTS = ``calibration/FACTS.md`` (dated, sourced figures up to 2021-08).
"""

from __future__ import annotations

from model.parameter_table_world import WORLD_PARAMETER_TABLE

INF = float("inf")

PARAMETER_TABLE: list[tuple] = [
    # --- initial conditions ---------------------------------------------------------------
    ("taliban_initial_fighters", 13000, "fighters", (1000, 200000), (10000, 30000),
     "FACTS §7.1: ~20k in 2014 (NBC via LWJ; M), 25-35k in 2017-09 (RS; M), 33-40k in 2018 "
     "Q3 (USFOR-A; M), 58-100k in 2021 (UN; H). Hand-set (calibration/README.md): from 20k no "
     "default path met the 2017-09 and 2018 Q3 ranges and the 2021 one together.",
     "Taliban fighters at 2015-01.", "int"),
    ("taliban_commanders", 200, "commanders", (1, 600), None,
     "Brief: a few hundred commanders at most; ~300 fighters per band.",
     "Number of Taliban commanders at 2015-01.", "int"),
    ("iskp_initial_fighters", 1200, "fighters", (0, 20000), (400, 2500),
     "FACTS §3: ~3,000 by 2016-01 after a year of growth; founders in Nangarhar and Kunar.",
     "ISKP fighters at its founding (2015-01), in Nangarhar and Kunar.", "int"),
    ("iskp_initial_commanders", 8, "commanders", (0, 100), None,
     "FACTS §2: a handful of founding Pakistani/Afghan Taliban commanders.",
     "Number of founding ISKP commanders.", "int"),
    ("iskp_pragmatist_share", 0.4, "fraction", (0, 1), (0, 1),
     "FACTS §2: ISKP's founders were largely Pakistani and Afghan Taliban defectors; §7.3: "
     "its mid-level commanders were mostly ex-Taliban (USIP 2016).",
     "Share of founding ISKP commanders whose ideology is drawn like a Taliban commander's "
     "(pragmatists) rather than from ISKP's hardline distribution."),
    # --- ideology and faction policy --------------------------------------------------------
    ("hardline_offset", 0.45, "ideology units [0,1]", (0, 1), (0.1, 0.6),
     "Article/FACTS: ISKP founders were hardline Taliban, TTP and IMU defectors.",
     "Ideology added to commanders in hardline-network provinces (times the province weight)."),
    ("taliban_line", 0.55, "ideology units [0,1]", (0, 1), (0.4, 0.7),
     "Rationale: the Taliban line sits between moderate and the ISKP line.",
     "The Taliban's ideological line before the Doha talks."),
    ("taliban_line_shift", 0.0, "ideology units [0,1]", (-0.5, 0.5), None,
     "Scenario lever: a governing line that hardliners find 'not harsh enough' (negative) "
     "(Taliban fragmentation).", "Shift of the Taliban line once the Taliban govern."),
    ("iskp_line", 0.95, "ideology units [0,1]", (0, 1), None,
     "Rationale: ISKP's takfiri line is the hardline end of the scale.",
     "ISKP's ideological line."),
    ("doha_moderation", 0.15, "ideology units [0,1]", (0, 1), (0.0, 0.3),
     "Brief: the line moderates with the Doha talks (2018-07 to 2020-02-29).",
     "How far the Taliban line moderates, linearly over the Doha talks."),
    # --- recruitment ------------------------------------------------------------------------
    ("taliban_recruit_rate", 0.048, "recruits / fighter / month", (0, 1), (0.02, 0.08),
     "Hand-set with the Republic's force (calibration/README.md): net Taliban growth of about "
     "1%/month, 2015-2021 (FACTS §7.1).",
     "Taliban recruits per fighter per month with no grievance, harm or momentum and full "
     "room (scaled by the attraction factors).", "float", True),
    ("iskp_recruit_rate", 0.04, "recruits / fighter / month", (0, 1), (0.01, 0.12),
     "Rationale: ISKP's narrower Salafi appeal; calibrated to FACTS §3.",
     "ISKP recruits per fighter per month with no grievance, harm or momentum and full room.",
     "float", True),
    ("iskp_network_appeal", 0.3, "fraction", (0, 1), (0, 1),
     "Brief and FACTS §1-2: ISKP's narrower Salafi appeal; it recruited through hardline "
     "networks (Nangarhar, Kunar, Jowzjan).",
     "ISKP's recruitment rate outside hardline networks, relative to inside (the rate scales "
     "as a + (1 - a) * hardline weight)."),
    ("iskp_recruit_multiplier", 1.0, "multiplier", (0, 20), None,
     "Scenario lever: ISKP re-establishes territorial control and recruits more "
     "(ISKP resurgence).", "Multiplier on ISKP recruitment (set by interventions).",
     "float", True),
    ("mobilisation_ceiling", 0.004, "fighters / resident", (1e-5, 0.1), (0.002, 0.01),
     "Rationale: armed mobilisation rarely exceeds a fraction of a percent of the population.",
     "Recruitment falls linearly to zero as a province's fighters reach this share of residents."),
    ("grievance_recruit_gain", 1.0, "1 / grievance unit", (0, 20), (0, 3),
     "Bennett (2008): grievance and collateral damage feed insurgent recruitment.",
     "Relative increase of recruitment per unit of grievance."),
    ("harm_recruit_gain", 0.5, "1 / (casualties per 10k people)", (0, 50), (0, 2),
     "Bennett (2008); Kress & Szechtman (2009): collateral damage feeds recruitment.",
     "Relative increase of recruitment per monthly civilian casualty per 10k people."),
    ("momentum_recruit_gain", 2.0, "1 / (relative change per month)", (0, 50), (0, 5),
     "Rationale: bandwagoning on a faction's momentum.",
     "Relative increase of recruitment per unit of positive faction momentum."),
    ("pay_recruit_elasticity", 0.5, "dimensionless", (0, 3), (0, 1),
     "Rationale: pay draws recruits (ISKP reportedly paid more; L).",
     "Elasticity of recruitment to the faction's relative pay."),
    ("control_recruit_gain", 1.0, "1 / influence share", (0, 20), (0, 3),
     "Kalyvas (2006): territorial control begets collaboration; the faction that holds a "
     "district recruits from it.",
     "Relative increase of a faction's recruitment per unit of its influence share in the "
     "province."),
    ("cross_border_inflow", 60.0, "fighters / month", (0, 5000), (0, 200),
     "FACTS §2: founders largely Pakistani Taliban; inflow from Pakistan (Orakzai, Khyber).",
     "ISKP inflow across the Pakistan border at founding, split over the border provinces by "
     "border length x ISKP fighters."),
    ("border_permeability", 1.0, "multiplier", (0, 10), None,
     "Scenario lever: how open a province's border with Pakistan is ('Pakistan closes the "
     "border': 0 in the border provinces).",
     "Multiplier on the cross-border inflow into the province and on the ISKP refuge across its "
     "border (0 = closed, 1 = as calibrated).", "float", True),
    ("founding_half_life", 24.0, "months", (1, 600), (6, 60),
     "Rationale: the 2014-15 push of TTP militants into Afghanistan faded, and so did IS "
     "central's early drive for pledges.",
     "Half-life of ISKP's founding wave (cross-border inflow and pledge outreach) from "
     "2015-01."),
    ("relocation_inflow", 40.0, "fighters / month", (0, 5000), (0, 400),
     "Rationale: IS central's collapse in Iraq and Syria (Mosul 2017-07 to Baghuz 2019-03) "
     "sent fighters and funds to its provinces (UN Monitoring Team reports 2018-19; L). A "
     "gross inflow: from under 1,000 (2017-07) to 2,000-5,000 (2019-09; FACTS §3) against "
     "the model's losses of about 9% a month takes more than 150 a month.",
     "Extra ISKP inflow across the Pakistan border while IS central's caliphate collapses "
     "(2017-07 to 2019-03), split like the founding inflow."),
    ("desertion_rate", 0.01, "1 / month", (0, 0.5), (0.0, 0.03),
     "Rationale: fighters drift home; ~10%/year.",
     "Fraction of each band that leaves each month."),
    # --- defection and surrender ------------------------------------------------------------
    ("defection_base", -5.0, "logit", (-30, 5), (-10, -4),
     "Rationale: defections of whole bands are rare (a few per year).",
     "Intercept of the monthly defection logit."),
    ("founding_outreach", 1.0, "logit", (0, 20), (0, 4),
     "FACTS §2 and the article: ISIS expanded into Afghanistan in 2015 and drew Taliban "
     "defectors; ISKP's founders were largely Taliban defectors.",
     "Defection-logit bonus toward ISKP of every Taliban commander at ISKP's founding (IS "
     "central's drive for pledges); fades with founding_half_life."),
    ("defection_ideology_weight", 10.0, "logit / ideology unit", (0, 50), (0, 20),
     "Article: defectors found the Taliban 'not harsh enough'.",
     "Weight of the ideology gap (own line minus other line distance)."),
    ("defection_pay_weight", 1.0, "logit / relative pay", (0, 20), (0, 3),
     "Brief: pay differential drives switching.",
     "Weight of the relative pay differential."),
    ("defection_momentum_weight", 5.0, "logit / momentum unit", (0, 100), (0, 15),
     "Brief: commanders follow momentum.",
     "Weight of the momentum differential (other minus own)."),
    ("defection_pressure_weight", 4.0, "logit / pressure unit", (0, 50), (0, 10),
     "Brief: pressure and losses push commanders away.",
     "Weight of the commander's recent loss rate."),
    ("defection_loyalty_weight", 3.0, "logit / loyalty unit", (0, 50), (0, 6),
     "Brief: loyalty holds commanders.",
     "Weight of loyalty (subtracted)."),
    ("remote_contact", 0.6, "probability multiplier", (0, 1), (0.05, 1.0),
     "Rationale: pledges also travel through networks (Qari Hekmat, Jowzjan), not only contact.",
     "Defection odds multiplier where the other faction is absent from the province and "
     "its neighbours."),
    ("loyalty_growth", 0.02, "1 / month", (0, 1), None,
     "Rationale: ties to a faction deepen with tenure (half-way in ~3 years).",
     "Monthly relaxation of loyalty toward 1."),
    ("defector_loyalty", 0.3, "loyalty units [0,1]", (0, 1), None,
     "Rationale: a new allegiance starts weak.", "Loyalty of a commander just after defecting."),
    ("surrender_base", -7.0, "logit", (-30, 5), (-10, -4),
     "FACTS §2: surrenders in Jowzjan 2018 and Nangarhar 2019 happened under heavy pressure.",
     "Intercept of the monthly surrender logit."),
    ("surrender_pressure_weight", 8.0, "logit / pressure unit", (0, 100), (0, 15),
     "FACTS §2: surrenders followed offensives.",
     "Weight of the recent loss rate in the surrender logit."),
    ("surrender_siege_weight", 2.5, "logit / log force ratio", (0, 20), (0, 5),
     "FACTS §2, §7.3: the Jowzjan branch surrendered to the government when the Taliban's "
     "Darzab offensive had it surrounded (2018-08); Nangarhar's bands surrendered under the "
     "2019 offensive. Hand-set to the 2018 and 2019 surrenders (calibration/README.md).",
     "Weight of ln(1 + rival / own effective force in the province) in the surrender logit, "
     "the rival being the other insurgent faction: a branch encircled by its rival surrenders "
     "to the authority that offers amnesty."),
    ("republic_amnesty", 1.5, "logit", (0, 20), (0, 3),
     "FACTS §2, §7.3: ISKP fighters surrendered to the government in Jowzjan (2018) and "
     "Nangarhar (2019); the Republic's peace and reintegration programme offered amnesty.",
     "Surrender-logit bonus where the Republic accepts surrenders (before the Taliban govern)."),
    ("taliban_amnesty", 1.5, "logit", (0, 20), None,
     "Assumption of the baseline (after 2021-08, not calibrated): the governing Taliban take "
     "ISKP surrenders on the Republic's terms; in Jowzjan (2018) they took 128 prisoners "
     "(FACTS §7.3).",
     "Surrender-logit bonus of ISKP commanders once the Taliban govern."),
    ("decapitation_loyalty_loss", 0.5, "fraction", (0, 1), (0, 0.9),
     "FACTS §2, §7.3: ISKP's leaders were killed (2016-07, 2018-04 in Jowzjan) or arrested "
     "(2020-04); decapitation weakens a group's cohesion (Jordan 2009).",
     "Fraction of loyalty an ISKP commander loses when its leader is killed or arrested."),
    # --- movement ---------------------------------------------------------------------------
    ("taliban_move_prob", 0.03, "1 / month", (0, 1), None,
     "Rationale: Taliban bands are mostly local.",
     "Monthly probability that a Taliban commander considers moving."),
    ("iskp_move_prob", 0.08, "1 / month", (0, 1), (0.01, 0.2),
     "Rationale: ISKP bands relocated under pressure (Nangarhar to Kunar, 2019-20).",
     "Monthly probability that an ISKP commander considers moving."),
    ("move_safety_weight", 1.0, "score / log force", (0, 10), None,
     "Brief: movement toward safe haven.", "Weight of hostile force (negative) in the move score."),
    ("move_recruit_weight", 0.5, "score / log people", (0, 10), None,
     "Brief: movement toward recruits.", "Weight of recruitment potential in the move score."),
    ("move_haven_weight", 1.5, "score / haven unit", (0, 10), (0, 3),
     "FACTS §1: ISKP bases lay on the Pakistan border and in Salafi network areas.",
     "ISKP move-score bonus per unit of haven (hardline weight + Pakistan border)."),
    ("move_weak_enemy_weight", 1.5, "score", (0, 10), (0, 4),
     "Brief: movement toward a weak enemy (Taliban offensive in Darzab 2018).",
     "Bonus for provinces where the band's side outnumbers the enemy faction."),
    ("taliban_contest_weight", 1.0, "score / log force", (0, 10), (0, 2),
     "FACTS §1-2: the Taliban fought ISKP in 14 provinces and went after its strongholds "
     "(the Darzab offensive of 2018-07, Nangarhar 2019).",
     "Taliban move-score bonus per log unit of ISKP's effective force in a province."),
    ("iskp_cell_rate", 0.02, "cells / band / month", (0, 1), (0, 0.3),
     "FACTS §1: Taliban-ISKP clashes in 14 provinces, far beyond ISKP's bases; ISKP spread "
     "through small cells (Kabul, the north). Most cells wither outside the networks, so a "
     "band may found several before one lasts.",
     "Monthly probability that an ISKP band of at least twice iskp_cell_size founds a cell in "
     "an adjacent province."),
    ("iskp_cell_size", 30.0, "fighters", (1, 500), None,
     "Rationale: a cell is a few dozen fighters, a tenth of a typical band.",
     "Fighters a new ISKP cell takes from its founding band."),
    # --- combat -----------------------------------------------------------------------------
    ("clash_rate", 0.2, "clashes / month / 100 fighters (geometric mean)", (0, 10), (0.01, 0.5),
     "Calibrated to ACLED's 207 recorded clashes (FACTS §1); includes reporting.",
     "Expected recorded Taliban-ISKP clashes per month per 100 geometric-mean fighters.",
     "float", True),
    ("clash_threat_elasticity", 0.0, "dimensionless", (0, 3), (0, 1),
     "FACTS §2: the Taliban's offensives against ISKP fell on its largest concentrations "
     "(Darzab 2018, Nangarhar 2019); 0 keeps the geometric-mean law.",
     "Elasticity of the clash rate in a province's exposed ISKP fighters beyond the geometric "
     "mean: the Taliban concentrate force where ISKP is strong."),
    ("clash_casualties", 25.0, "fighters / clash", (0, 500), (5, 60),
     "Rationale: ACLED clashes are company-level engagements.",
     "Fighter losses (both sides) per clash."),
    ("iskp_combat_effectiveness", 1.5, "Taliban-fighter equivalents", (0.01, 20), (0.5, 3),
     "Rationale: ISKP's zeal and suicide tactics; Lanchester effectiveness.",
     "Lanchester effectiveness of an ISKP fighter relative to a Taliban fighter."),
    ("taliban_war_loss_rate", 0.04, "1 / month", (0, 0.5), (0.01, 0.08),
     "Rationale: Taliban losses of ~10-15k a year against the Republic; hand-set with the "
     "Republic's force (calibration/README.md).",
     "Taliban loss fraction per month where facing the full Republic force."),
    ("republic_iskp_loss_rate", 0.02, "1 / month", (0, 0.5), (0, 0.06),
     "Brief: Republic operations against ISKP.",
     "ISKP loss fraction per month where facing the full Republic force."),
    ("refuge_capacity", 200.0, "fighters", (0, 20000), (0, 600),
     "FACTS §1-2: ISKP's bases in southern Nangarhar and Kunar, on the Pakistan border "
     "(the Achin tunnel complex); the Taliban never cleared them.",
     "ISKP fighters out of the Taliban's reach in a Pakistan-border hardline-network "
     "province (times its hardline weight)."),
    ("ct_strikes_per_month", 40.0, "strikes / month", (0, 1000), (0, 80),
     "Brief/FACTS §2: heavy US strikes on ISKP in Nangarhar 2016-2019 (MOAB 2017-04).",
     "Counter-terrorism strikes on ISKP per month at full intensity (2016-2019) and with "
     "many targets (see ct_target_half_saturation)."),
    ("ct_target_half_saturation", 1000.0, "fighters", (1, 100000), (200, 3000),
     "Rationale: strikes follow intelligence on targets; a smaller ISKP offers fewer targets.",
     "ISKP strength at which counter-terrorism strikes run at half their full rate."),
    ("ct_kills_per_strike", 3.0, "fighters / strike", (0, 100), (0.5, 8),
     "Rationale: most strikes hit small groups.", "Expected ISKP fighters killed per strike."),
    ("over_the_horizon_strikes", 0.0, "strikes / month", (0, 1000), None,
     "Brief: after 2021-08 strikes exist only as a scenario lever.",
     "Counter-terrorism strikes on ISKP per month after 2021-08-31 (scenario lever).",
     "float", True),
    ("nangarhar_offensive_2019", 0.25, "1 / month", (0, 1), (0, 0.5),
     "FACTS §2: Afghan/US operations in Nangarhar, 2019-09 to 2019-11.",
     "Extra ISKP loss fraction per month in Nangarhar during the 2019 offensive."),
    ("taliban_crackdown", 1.0, "multiplier", (0, 20), None,
     "Scenario lever, neutral by default; the baseline sets 2 (scenarios/baseline.toml: the "
     "Brief's crackdown on ISKP once the Taliban govern).",
     "Multiplier on clash rate and Taliban pursuit of ISKP once the Taliban govern (2021-09).",
     "float", True),
    ("offensive_2021_intensity", 1.8, "multiplier", (0, 10), (1, 3),
     "FACTS §2; article: violence spiked from 2021-05 with the Taliban offensive.",
     "Multiplier on Taliban-Republic fighting from 2021-05 to 2021-08-15."),
    # --- the Republic -----------------------------------------------------------------------
    ("andsf_initial_strength", 315000, "soldiers", (0, 1000000), None,
     "FACTS §7.2: ANDSF assigned strength 315,962 (2016-11), 313,728 (2018-01); held for "
     "2015-01 (no earlier figure).",
     "ANDSF soldiers at 2015-01, allocated to provinces by population.", "int"),
    ("andsf_authorized", 334000, "soldiers", (0, 1000000), None,
     "FACTS §7.2: authorized strength 334,000 (2018-01).",
     "The strength the Republic recruits toward.", "int"),
    ("andsf_replacement_rate", 0.05, "1 / month", (0, 1), (0.01, 0.2),
     "Rationale: the ANDSF replaced its losses by recruiting toward its authorized strength "
     "(FACTS §7.2: assigned strength near 314-316k through 2016-2018 despite its losses).",
     "Monthly fraction of the gap to authorized strength that recruitment fills."),
    ("andsf_effectiveness", 0.08, "fighter-equivalents / soldier", (0, 5), (0.03, 0.3),
     "Rationale: paper strength overstates the force fighting the Taliban (absences, "
     "'ghosts', static posts; FACTS §7.2: the APPS count fell by ~40k in 2019). Hand-set "
     "(calibration/README.md) with air_support_gain.",
     "Effective force of one ANDSF soldier without international air support."),
    ("air_support_gain", 3.0, "relative force", (0, 20), (0, 6),
     "FACTS §7.2: US and coalition aircraft released 947 (2015) to 7,423 (2019) weapons a "
     "year; the ANDSF fought with international air support and enablers. Hand-set "
     "(calibration/README.md).",
     "Relative increase of the Republic's effective force at full air support (the peak "
     "year's rate of weapons released)."),
    ("andsf_war_loss_rate", 0.007, "1 / month", (0, 1), (0.002, 0.03),
     "FACTS §7.2: ~5,000 ANDSF killed in 2015, 6,785 in 2016 to 11-12, 28,529 in 2015 to "
     "2018-11 (about 600 a month).",
     "ANDSF soldiers killed per month, per Taliban fighter facing them, where the Taliban "
     "face the Republic's full force (Lanchester, like the Taliban's losses)."),
    ("andsf_collapse_base", -13.0, "logit", (-30, 5), (-16, -8),
     "Rationale: before 2021 whole units rarely surrendered or dissolved; hand-set with the "
     "two weights below (calibration/README.md).",
     "Intercept of the monthly logit of ANDSF soldiers surrendering or deserting to the "
     "Taliban."),
    ("andsf_collapse_support_weight", 12.0, "logit / support unit", (0, 50), (0, 20),
     "FACTS §2, §7.1: the ANDSF collapsed as international forces withdrew (2021-05 to 08): "
     "district centres fell by the hundred (AAN, Milley).",
     "Weight of the missing international support (1 - S) in the ANDSF collapse logit."),
    ("andsf_collapse_control_weight", 4.0, "logit / influence share", (0, 50), (0, 10),
     "FACTS §7.1 (2021): garrisons surrounded by Taliban-held districts negotiated their "
     "surrender (AAN 2021-07).",
     "Weight of the Taliban's influence share in the province in the ANDSF collapse logit."),
    # --- civilian harm ----------------------------------------------------------------------
    ("war_harm_rate", 0.01, "casualties / contact unit / month", (0, 1), (0.002, 0.015),
     "FACTS §4: ~10-11k civilian casualties a year, mostly from the Taliban-Republic war.",
     "Civilian casualties per sqrt(Taliban x Republic force) per month."),
    ("war_killed_share", 0.32, "fraction", (0, 1), None,
     "FACTS §4: killed / total ~ 0.32 (2015-2020).", "Share killed in war casualties."),
    ("iskp_attack_rate", 0.8, "attacks / month", (0, 50), (0.1, 3),
     "FACTS §4: ISKP casualties 82 (2015) to ~2,200 (2018); §7.4: 7 claimed attacks in "
     "2017 H1, 15 in 2018 H1.",
     "Mass-casualty attacks per month of an ISKP of 1,000 fighters at full organisational "
     "maturity (for any size elasticity)."),
    ("iskp_attack_elasticity", 1.0, "dimensionless", (0, 2), (0, 1),
     "FACTS §4: ISKP's harm came from mass-casualty attacks in cities, the work of small urban "
     "cells; 1 keeps attacks proportional to ISKP's fighters.",
     "Elasticity of ISKP's attack count in its total fighters (0: independent of its size)."),
    ("iskp_attack_multiplier", 1.0, "multiplier", (0, 50), None,
     "Scenario lever: ISKP attacks a province more (or less) often, e.g. a Kabul campaign.",
     "Multiplier on ISKP's attacks in the province: its share of the attacks and the national "
     "attack count grow with it (1 = as calibrated).", "float", True),
    ("relocation_attack_gain", 1.0, "multiplier - 1", (0, 20), (0, 3),
     "Rationale: losing its territory, IS central turned to mass-casualty attacks by its "
     "provinces; ISKP's Kabul campaign made 2018 its worst year (FACTS §4: 20% of UNAMA's "
     "casualties in 2018, 10% in 2017, 12% in 2019).",
     "Relative increase of ISKP's attack rate during the relocation wave (2017-07 to 2019-03)."),
    ("iskp_maturity_months", 12.0, "months", (0.1, 240), (3, 36),
     "FACTS §4: urban attack campaign built up from 2016 (82 casualties in 2015).",
     "Time constant of ISKP's urban attack capability after its founding."),
    ("attack_size_scale", 38.0, "casualties", (0, 1000), (15, 80),
     "FACTS §7.4, §7.7, scripts/fit_attack_sizes.py: UNAMA's 35-40 casualties per claimed "
     "attack (2017 H1, 2018 H1) at the tail index below (15 at 1.3 to 80 at 3).",
     "Scale of the Lomax (Pareto II) attack size distribution at 2,000 ISKP fighters and "
     "external support 1."),
    ("attack_size_tail", 2.0, "tail index", (1.01, 10), (1.3, 3.0),
     "Clauset et al. (2007): terrorist attack sizes are power-law distributed. With the UNAMA "
     "mean, the 28 claimed attacks of >= 25 casualties (model/data/iskp_attacks.csv) hardly "
     "constrain it, but the record's largest (351 casualties, the airport) is about the one "
     "expected in ~120 attacks at 2 (2 at 1.3, 0.8 at 3): scripts/fit_attack_sizes.py.",
     "Tail index alpha of the attack size distribution."),
    ("attack_killed_share", 0.35, "fraction", (0, 1), (0.2, 0.5),
     "FACTS §4: 39/82 (2015), 209/899 (2016).", "Share killed among ISKP attack casualties."),
    ("civ_per_clash", 1.0, "casualties / clash", (0, 100), (0, 5),
     "Rationale: clashes are mostly rural.", "Civilian casualties per Taliban-ISKP clash."),
    ("civ_per_strike", 0.5, "casualties / strike", (0, 100), (0, 2),
     "Rationale: UNAMA attributes a minority of airstrike harm to CT strikes.",
     "Civilian casualties per counter-terrorism strike."),
    # --- displacement and grievance ---------------------------------------------------------
    ("displacement_per_casualty", 40.0, "people / casualty", (0, 10000), (10, 100),
     "FACTS §5: ~0.7M conflict-displaced in 2021 against ~11k+ casualties (order of magnitude).",
     "New displacement per civilian casualty in the province."),
    ("displacement_grievance_rate", 0.0005, "1 / month / grievance unit", (0, 0.1), None,
     "Rationale: economic distress displaces people (humanitarian-collapse lever).",
     "Monthly displacement fraction of residents per unit of grievance above baseline."),
    ("return_rate", 0.02, "1 / month", (0, 1), (0.005, 0.05),
     "Rationale: most conflict IDPs return within a few years.",
     "Monthly return fraction of the displaced, damped by local violence."),
    ("grievance_base", 0.4, "grievance units [0,1]", (0, 1), None,
     "Epstein (2002): grievance = hardship x (1 - legitimacy).", "Baseline grievance."),
    ("grievance_harm_gain", 0.05, "grievance / (casualties per 10k people)", (0, 10), None,
     "Bennett (2008): civilian harm raises anger.", "Grievance gained per casualty per 10k."),
    ("grievance_decay", 0.05, "1 / month", (0, 1), None,
     "Rationale: anger fades over ~2 years.", "Relaxation of grievance toward baseline."),
    ("grievance_shock", 0.0, "grievance units [0,1]", (0, 1), None,
     "Scenario lever: economic collapse raises hardship (humanitarian collapse).",
     "Addition to baseline grievance (set by interventions).", "float", True),
    # --- control, pay and momentum ----------------------------------------------------------
    ("control_adjust_rate", 0.2, "1 / month", (0, 1), (0.05, 0.5),
     "Rationale: control follows force ratios within months.",
     "Monthly relaxation of influence shares toward force-ratio shares."),
    ("iskp_pay", 1.5, "Taliban pay units", (0, 20), (0.5, 3),
     "Rationale: ISKP reportedly paid above the Taliban with IS-central money (L).",
     "ISKP pay relative to Taliban pay."),
    ("iskp_external_support", 1.0, "multiplier", (0, 10), None,
     "Scenario lever: IS-central money and Pakistan-based support.",
     "Multiplier on ISKP pay and cross-border inflow."),
    ("taliban_revenue_gain", 0.5, "relative pay / control share", (0, 5), None,
     "Rationale: Taliban taxation grows with the territory held.",
     "Relative increase of Taliban pay per unit of national control share."),
    ("iskp_revenue_gain", 0.5, "relative pay / control share", (0, 5), None,
     "Rationale: ISKP taxed and extorted where it held districts (southern Nangarhar, "
     "2015-16; FACTS §2), like the Taliban.",
     "Relative increase of ISKP pay per unit of its national control share."),
    ("governance_strain", 0.0, "relative pay", (0, 1), None,
     "Scenario lever: disputes over governance and spoils (Taliban fragmentation).",
     "Fractional cut of Taliban pay and loyalty once the Taliban govern."),
    ("momentum_memory", 0.7, "fraction", (0, 1), None,
     "Rationale: momentum is a ~3-month moving average.",
     "Weight of last month's momentum in the exponential moving average."),
]
PARAMETER_TABLE += WORLD_PARAMETER_TABLE
