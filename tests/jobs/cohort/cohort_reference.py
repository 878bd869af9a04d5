#!/usr/bin/env python3
"""Checks a cohort job's output against an independent reading of the raw CSV extract.

    python3 cohort_reference.py EXTRACT_DIR OUTPUT_DIR

Reads the resolved study from OUTPUT_DIR/manifest.json (so defaults are the job's), re-implements
reference sections 3 and 6 and the study designs of docs/cohort.md on the CSV files of EXTRACT_DIR
with the standard library only (no store, no C++), in its own way where it can (exposures by
walking the calendar, person-time day by day, Poisson bounds by bisection on the distribution
function), and compares with every output: cohort.csv, attrition.csv, exposures.csv,
incidence.csv, baseline.csv, index_codes.csv (figures to 1e-4 relative, the rest byte for byte). Exit 0
when identical, 1 otherwise (the first differing lines are printed: they hold pseudonyms, so run
it on synthetic extracts only). Slow (a minute per million rows): for end-to-end checks on
generated data, not for the unit test suite.

Rows ingest would reject (wrong field count, unparsable typed value) are skipped here too.
"""
import collections
import csv
import datetime
import glob
import gzip
import json
import math
import re
import sys

MONTHS = {m: i + 1 for i, m in enumerate("JAN FEB MAR APR MAY JUN JUL AUG SEP OCT NOV DEC".split())}
RETURN_CODES = ["NIR_RET", "NAI_RET", "SEX_RET", "SEJ_RET", "FHO_RET", "PMS_RET", "DAT_RET"]
DCIR_KEYS = ["DCT_ORD_NUM", "FLX_DIS_DTD", "FLX_EMT_NUM", "FLX_EMT_ORD", "FLX_EMT_TYP", "FLX_TRT_DTD",
             "ORG_CLE_NUM", "PRS_ORD_NUM", "REM_TYP_AFF"]
ONE_DAY = datetime.timedelta(days=1)


def parse_date(s):
    """ISO, dd/mm/yyyy, ddmmyyyy or SAS datetime; 1600-01-01 and "" are None; anything else raises."""
    s = s.strip()
    if not s:
        return None
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", s):
        d = datetime.date(int(s[:4]), int(s[5:7]), int(s[8:10]))
    elif re.fullmatch(r"\d{2}/\d{2}/\d{4}", s):
        d = datetime.date(int(s[6:]), int(s[3:5]), int(s[:2]))
    elif re.fullmatch(r"\d{2}[A-Z]{3}\d{4}(:\d{2}:\d{2}:\d{2})?", s) and s[2:5] in MONTHS:
        d = datetime.date(int(s[5:9]), MONTHS[s[2:5]], int(s[:2]))
    elif re.fullmatch(r"\d{8}", s):  # ddmmyyyy, as the PMSI's ENT_DAT and SOR_DAT
        d = datetime.date(int(s[4:]), int(s[2:4]), int(s[:2]))
    else:
        raise ValueError(s)
    return None if d == datetime.date(1600, 1, 1) else d


def parse_int(s):
    s = s.strip()
    return int(s) if s else None


def parse_decimal(s):
    s = s.strip().replace(",", ".")
    return float(s) if s else None


def rows(extract, table, patient_column="BEN_NIR_PSA"):
    files = sorted(glob.glob(f"{extract}/{table}.csv*") + glob.glob(f"{extract}/{table}_*.csv*"))
    for name in files:
        opener = gzip.open if name.endswith(".gz") else open
        with opener(name, "rt", encoding="utf-8", newline="") as f:
            reader = csv.reader(f, delimiter=";", quotechar='"')
            header = [patient_column if h == "NUM_ENQ" else h for h in next(reader)]
            for record in reader:
                if len(record) == len(header):
                    yield dict(zip(header, record))


def dcir_key(r):
    return (parse_int(r["DCT_ORD_NUM"]), parse_date(r["FLX_DIS_DTD"]), parse_int(r["FLX_EMT_NUM"]),
            parse_int(r["FLX_EMT_ORD"]), parse_int(r["FLX_EMT_TYP"]), parse_date(r["FLX_TRT_DTD"]),
            r["ORG_CLE_NUM"], parse_int(r["PRS_ORD_NUM"]), parse_int(r["REM_TYP_AFF"]))


def is_placeholder(nir):
    """A NIR_ANO_17 mask (docs/data-model.md, "Persons"): empty, or x/X everywhere but the last."""
    return nir == "" or (len(nir) >= 2 and set(nir[:-1]) <= {"x", "X"})


def majority(values, missing):
    """The most frequent non-missing value, ties to the smallest; `missing` when there is none."""
    counts = collections.Counter(v for v in values if v != missing)
    if not counts:
        return missing
    top = max(counts.values())
    return min(v for v, n in counts.items() if n == top)


def persons(extract, pseudo):
    """Groups the pseudo-NIRs (`pseudo`: (BEN_NIR_PSA, BEN_RNG_GEM) -> first row's attributes)
    into persons: those whose rows carry one BEN_IDT_ANO (rows with a BEN_CDI_NIR other than 00
    link nothing; a pseudo-NIR with several takes the smallest). Returns (person_of: pseudo-NIR ->
    the person's smallest pseudo-NIR, people: that key -> attributes, `pseudo_nirs` among them)."""
    ids = collections.defaultdict(set)
    for r in rows(extract, "IR_BEN_R"):
        try:
            key = (r["BEN_NIR_PSA"], int(r["BEN_RNG_GEM"]))
        except ValueError:
            continue
        ident, cdi = r.get("BEN_IDT_ANO", ""), r.get("BEN_CDI_NIR", "")
        if key in pseudo and ident and cdi in ("", "00"):
            ids[key].add(ident)
    members = collections.defaultdict(list)
    for key in pseudo:
        members[("id", min(ids[key])) if ids[key] else ("self", key)].append(key)
    person_of, people = {}, {}
    for keys in members.values():
        keys.sort(key=lambda k: (k[0].encode(), k[1]))
        infos = [pseudo[k] for k in keys]
        deaths = [i["death"] for i in infos if i["death"] is not None]
        people[keys[0]] = {"born": majority([i["born"] for i in infos], None),
                           "month": majority([i["month"] for i in infos], None),
                           "sex": majority([i["sex"] for i in infos], ""),
                           "death": min(deaths) if deaths else None, "pseudo_nirs": len(keys)}
        for k in keys:
            person_of[k] = keys[0]
    return person_of, people


def public_hospital_lines(extract, rules):
    """docs/data-model.md, DCIR cleaning rules: the 9 keys of the lines ER_ETE_F marks
    ETE_IND_TAA = 1 (a public hospital's activity), when the config keeps that rule."""
    if "public_hospital" not in rules:
        return set()
    out = set()
    for r in rows(extract, "ER_ETE_F"):
        try:
            if parse_int(r["ETE_IND_TAA"]) == 1:
                out.add(dcir_key(r))
        except ValueError:
            continue
    return out


def load_events(extract, rules=("majorations", "public_hospital")):
    public = public_hospital_lines(extract, rules)
    patients = {}
    for r in rows(extract, "IR_BEN_R"):
        try:
            key = (r["BEN_NIR_PSA"], int(r["BEN_RNG_GEM"]))
            born, death = parse_int(r["BEN_NAI_ANN"]), parse_date(r["BEN_DCD_DTE"])
            month = parse_int(r.get("BEN_NAI_MOI", ""))
        except ValueError:
            continue
        if key[0] and key not in patients:
            patients[key] = {"born": None if born == 1600 else born, "death": death, "sex": r["BEN_SEX_COD"],
                             "idt": r.get("BEN_IDT_ANO", ""),
                             "month": month if month is not None and 1 <= month <= 12 else None}
    by_nir = collections.defaultdict(list)
    for key in patients:
        by_nir[key[0]].append(key)
    person_of, people = persons(extract, patients)
    atc_of, large_pack = {}, {}
    for r in rows(extract, "IR_PHA_R"):
        atc_of.setdefault(r["PHA_CIP_C13"], r["PHA_ATC_C07"])
        large_pack.setdefault(r["PHA_CIP_C13"], r.get("PHA_CND_TOP", "") == "GC")

    events = collections.defaultdict(list)  # patient -> [(kind, date, payload)]
    claim_net = collections.defaultdict(float)
    prs = {}
    pmsi_deaths = collections.defaultdict(list)
    for r in rows(extract, "ER_PRS_F"):
        try:
            key = dcir_key(r)
            patient = (r["BEN_NIR_PSA"], int(r["BEN_RNG_GEM"]))
            day, dpn = parse_date(r["EXE_SOI_DTD"]), parse_int(r["DPN_QLF"])
            nature, quantity = int(r["PRS_NAT_REF"]), parse_decimal(r["PRS_ACT_QTE"])
            parse_decimal(r["PRS_PAI_MNT"])
            majoration = "majorations" in rules and (parse_int(r.get("CPL_MAJ_TOP", "")) or 0) >= 2
        except ValueError:
            continue
        prs.setdefault(key, (patient, day, dpn, quantity))
        if dpn != 71 and patient in patients:
            if not majoration and key not in public:  # the cleaning rules; any line is a day
                claim_net[(person_of[patient], day, nature)] += quantity or 0.0
            if day is not None:
                events[person_of[patient]].append(("line", day, None))  # loss to follow-up
    for (patient, day, nature), net in claim_net.items():
        if net > 1e-9 and day is not None:
            events[patient].append(("claim", day, nature))

    dispensing_net = collections.defaultdict(float)
    for r in rows(extract, "ER_PHA_F"):
        try:
            key, boxes = dcir_key(r), parse_decimal(r["PHA_ACT_QSN"])
        except ValueError:
            continue
        if key not in prs or key in public:
            continue  # an orphan, or a public hospital's
        patient, day, dpn, _ = prs[key]
        if dpn != 71 and patient in patients:
            dispensing_net[(patient, day, r["PHA_PRS_C13"])] += boxes or 0.0
    for (patient, day, cip13), net in dispensing_net.items():
        if net > 1e-9 and day is not None:  # netted per pseudo-NIR, as regularisations carry it
            events[person_of[patient]].append(("dispensing", day, (atc_of.get(cip13) or "UNKNOWN", cip13,
                                                        round(net * 10000), large_pack.get(cip13, False))))

    tables = {f for name in glob.glob(f"{extract}/T_MCO*") for f in re.findall(r"T_MCO(\d\d)C", name)}
    for yy in sorted(tables):
        stays_c = {}
        for r in rows(extract, f"T_MCO{yy}C", "NIR_ANO_17"):
            try:
                day = parse_date(r["EXE_SOI_DTD"])
                parse_date(r["EXE_SOI_DTF"])
            except ValueError:
                continue
            stays_c.setdefault((r["ETA_NUM"], r["RSA_NUM"]), (r, day))
        stays_b = {}
        for r in rows(extract, f"T_MCO{yy}B"):
            try:
                parse_int(r["SEJ_NBJ"])
            except ValueError:
                continue
            stays_b.setdefault((r["ETA_NUM"], r["RSA_NUM"]), r)
        das = collections.defaultdict(list)
        for r in rows(extract, f"T_MCO{yy}D"):
            if r["ASS_DGN"].strip():
                das[(r["ETA_NUM"], r["RSA_NUM"])].append(r["ASS_DGN"])
        valid = {}
        for key, (c, day) in stays_c.items():
            b = stays_b.get(key)
            if b is None or day is None or any(c[x] != "0" for x in RETURN_CODES):
                continue
            if b["GRG_GHM"].startswith("90"):
                continue
            if is_placeholder(c["NIR_ANO_17"]):
                continue
            valid[key] = (c["NIR_ANO_17"], day, b)
            for person in sorted({person_of[p] for p in by_nir.get(c["NIR_ANO_17"], [])}):
                events[person].append(("stay", day, (b["DGN_PAL"], b["DGN_REL"], das.get(key, []))))
        care_stays(extract, yy, valid, by_nir, person_of, events, pmsi_deaths)
    care_dcir(extract, {k: v for k, v in prs.items() if k not in public}, patients, person_of, events)
    ald_periods(extract, patients, person_of, events)
    deaths(extract, patients, by_nir, person_of, pmsi_deaths, events)
    return people, events


def care_stays(extract, yy, valid, by_nir, person_of, events, pmsi_deaths):
    """PMSI acts (T_MCOyyA rows of valid stays, dated admission + ENT_DAT_DEL, missing 0; once per
    person the stay reaches) and death stays (B's SOR_MOD 9: the discharge day EXE_SOI_DTD +
    SEJ_NBJ, for the stay's only pseudo-NIR: a death stay of twins is nobody's)."""
    for r in rows(extract, f"T_MCO{yy}A"):
        stay = valid.get((r["ETA_NUM"], r["RSA_NUM"]))
        try:
            delay = parse_int(r.get("ENT_DAT_DEL", ""))
        except ValueError:
            continue
        if stay is None:
            continue
        day = stay[1] + (delay or 0) * ONE_DAY
        for person in sorted({person_of[p] for p in by_nir.get(stay[0], [])}):
            events[person].append(("act", day, ("pmsi", r["CDC_ACT"])))
    for nir, day, b in valid.values():
        if b.get("SOR_MOD", "") == "9" and len(by_nir.get(nir, [])) == 1:
            pmsi_deaths[by_nir[nir][0]].append(day + (parse_int(b["SEJ_NBJ"]) or 0) * ONE_DAY)


def care_dcir(extract, prs, patients, person_of, events):
    """DCIR acts (ER_CAM_F) and lab tests (ER_BIO_F): rows joined to their ER_PRS_F line on the 9
    keys, DPN_QLF 71 out, netted per pseudo-NIR, day and code on the line's PRS_ACT_QTE (acts) or
    on BIO_ACT_QSN (tests, missing 0), kept when the sum is > 0."""
    for table, code_column in (("ER_CAM_F", "CAM_PRS_IDE"), ("ER_BIO_F", "BIO_PRS_IDE")):
        net = collections.defaultdict(float)
        for r in rows(extract, table):
            try:
                key = dcir_key(r)
                code = r[code_column]
                if table == "ER_BIO_F":
                    code, quantity = parse_int(code), parse_int(r["BIO_ACT_QSN"])
            except ValueError:
                continue
            if key not in prs or code is None:
                continue
            patient, day, dpn, line_quantity = prs[key]
            if dpn == 71 or patient not in patients:
                continue
            net[(patient, day, code)] += (line_quantity if table == "ER_CAM_F" else quantity) or 0.0
        for (patient, day, code), total in net.items():
            if total > 1e-9 and day is not None:
                kind, payload = ("act", ("dcir", code)) if table == "ER_CAM_F" else ("lab", code)
                events[person_of[patient]].append((kind, day, payload))


def ald_periods(extract, patients, person_of, events):
    """IR_IMB_R periods [IMB_ALD_DTD, IMB_ALD_DTF] (an empty or 1600-01-01 end: still open; no
    start: left out), work accident, occupational disease and disability (IMB_ETM_NAT 11, 12, 13)
    left out. Dated on their start; the end travels in the payload for window overlaps."""
    for r in rows(extract, "IR_IMB_R"):
        try:
            key = (r["BEN_NIR_PSA"], int(r["BEN_RNG_GEM"]))
            start, end = parse_date(r["IMB_ALD_DTD"]), parse_date(r["IMB_ALD_DTF"])
            number, nature = parse_int(r["IMB_ALD_NUM"]), parse_int(r["IMB_ETM_NAT"])
            for column in ("INS_DTE", "UPD_DTE"):
                parse_date(r.get(column, ""))
        except ValueError:
            continue
        if key not in patients or start is None or nature in (11, 12, 13):
            continue
        code = r.get("MED_MTF_COD", "") if r.get("MED_NCL_IDT", "") == "CIM10" else ""
        events[person_of[key]].append(("ald", start, (end or datetime.date.max, number, code)))


def deaths(extract, patients, by_nir, person_of, pmsi_deaths, events):
    """Every valid death date of each person with its source (1 ir_ben_r, 2 causes, 3 pmsi) and
    the causes of the pseudo-NIR's certificate: ("death", day, (source, initial, [other causes])).
    A date is valid when known and not before January 1st of the birth year. The certificate:
    KI_CCI_R by BEN_IDT_ANO, or by BEN_NIR_ANO = BEN_NIR_PSA for a row without BEN_IDT_ANO when
    no twin shares it; the earliest valid one, else the first."""
    by_idt, by_nir_ano = collections.defaultdict(list), collections.defaultdict(list)
    for r in rows(extract, "KI_CCI_R"):
        try:
            r["day"] = parse_date(r["BEN_DCD_DTE"])
            parse_int(r.get("BEN_NAI_ANN", ""))
            parse_int(r.get("BEN_SEX_COD", ""))
        except ValueError:
            continue
        if r.get("BEN_IDT_ANO"):
            by_idt[r["BEN_IDT_ANO"]].append(r)
        if r.get("BEN_NIR_ANO"):
            by_nir_ano[r["BEN_NIR_ANO"]].append(r)
    others = collections.defaultdict(list)
    for r in rows(extract, "KI_ECD_R"):
        if r.get("ECD_CIM_COD", "").strip():
            others[r["DCD_IDT_ENC"]].append(r["ECD_CIM_COD"])
    for key, info in patients.items():
        born = info["born"]
        def valid(day):
            return day is not None and (born is None or day.year >= born)
        certificates = by_idt.get(info["idt"]) if info["idt"] else (
            by_nir_ano.get(key[0]) if len(by_nir[key[0]]) == 1 else None)
        initial, causes, dates = "", [], []
        if certificates:
            pick = next((c for c in sorted(certificates, key=lambda c: c["day"] or datetime.date.max)
                         if valid(c["day"])), certificates[0])
            initial, causes = pick.get("DCD_CIM_COD", ""), others.get(pick.get("DCD_IDT_ENC", ""), [])
            dates.append((pick["day"], 2))
        dates.append((info["death"], 1))
        dates += [(d, 3) for d in pmsi_deaths.get(key, [])]
        for day, source in dates:
            if valid(day):
                events[person_of[key]].append(("death", day, (source, initial, causes, key)))


def dates_of(definition, patient_events):
    out = []
    source = definition["source"]
    for kind, day, payload in patient_events:
        if source == "dispensing" and kind == "dispensing":
            atc, cip13 = payload[0], payload[1]
            if any(atc.startswith(p) for p in definition["atc"]) or cip13 in definition["cip13"]:
                out.append(day)
        elif source == "hospital_stay" and kind == "stay":
            dp, dr, das = payload
            positions = definition["positions"]
            codes = ([dp] if "DP" in positions else []) + ([dr] if "DR" in positions else []) + \
                (das if "DAS" in positions else [])
            if any(c.startswith(p) for c in codes for p in definition["icd10"]):
                out.append(day)
        elif source == "claim" and kind == "claim" and payload in definition["nature"]:
            out.append(day)
        elif source == "ald" and kind == "ald" and ald_matches(definition, payload):
            out.append(day)
        elif source == "act" and kind == "act" and payload[0] in definition.get("settings", ["dcir", "pmsi"]) \
                and (not definition.get("ccam") or any(payload[1].startswith(p) for p in definition["ccam"])):
            out.append(day)
        elif source == "lab" and kind == "lab" and (not definition.get("nabm") or payload in definition["nabm"]):
            out.append(day)
    if source == "death":
        out += death_of(definition, patient_events)
    return out


def ald_matches(definition, payload):
    """Either list may match (icd10 prefixes of a CIM10 MED_MTF_COD, IMB_ALD_NUM); none: all."""
    icd10, numbers = definition.get("icd10") or [], definition.get("ald") or []
    if not icd10 and not numbers:
        return True
    _, number, code = payload
    return (code != "" and any(code.startswith(p) for p in icd10)) or number in numbers


SOURCE_NAMES = {1: "ir_ben_r", 2: "causes", 3: "pmsi"}


def death_of(definition, patient_events):
    """The person's one death: its earliest valid date among the definition's sources (ties:
    ir_ben_r, causes, pmsi, then the smallest pseudo-NIR), kept when `icd10` matches the initial
    cause (or, with causes: any, any cause) of that date's pseudo-NIR's certificate."""
    sources = definition.get("sources") or ["ir_ben_r", "causes", "pmsi"]
    found = [(day, p[0], (p[3][0].encode(), p[3][1]), p) for kind, day, p in patient_events
             if kind == "death" and SOURCE_NAMES[p[0]] in sources]
    if not found:
        return []
    day, _, _, (_, initial, others, _) = min(found, key=lambda f: f[:3])
    icd10 = definition.get("icd10") or []
    causes = [initial] + (others if definition.get("causes") == "any" else [])
    if icd10 and not any(c.startswith(p) for c in causes if c for p in icd10):
        return []
    return [day]


def periods_of(definition, patient_events):
    """(first, last) days an event covers: an ALD period, or one day for every other source."""
    if definition["source"] != "ald":
        return [(d, d) for d in dates_of(definition, patient_events)]
    return [(day, p[0]) for kind, day, p in patient_events if kind == "ald" and ald_matches(definition, p)]


def overlaps(periods, lo, hi):
    return any(a <= hi and b >= lo for a, b in periods)


CHAPTERS = [("A00", "B99", "I"), ("C00", "D48", "II"), ("D50", "D89", "III"), ("E00", "E90", "IV"),
            ("F00", "F99", "V"), ("G00", "G99", "VI"), ("H00", "H59", "VII"), ("H60", "H95", "VIII"),
            ("I00", "I99", "IX"), ("J00", "J99", "X"), ("K00", "K93", "XI"), ("L00", "L99", "XII"),
            ("M00", "M99", "XIII"), ("N00", "N99", "XIV"), ("O00", "O99", "XV"), ("P00", "P96", "XVI"),
            ("Q00", "Q99", "XVII"), ("R00", "R99", "XVIII"), ("S00", "T98", "XIX"), ("V01", "Y98", "XX"),
            ("Z00", "Z99", "XXI"), ("U00", "U85", "XXII")]
ATC_LENGTH = {1: 1, 2: 3, 3: 4, 4: 5, 5: 7}


def chapter(code):
    """(rank in code order, label) of an ICD-10 code's chapter, or None."""
    head = code[:3]
    if not re.fullmatch(r"[A-Z]\d\d", head):
        return None
    for first, last, roman in CHAPTERS:
        if first <= head <= last:
            return (first, f"{roman} ({first}-{last})")
    return None


def occurs_on(day, outcome, dates):
    """Whether an outcomes: entry ({event}, {any_of}, {all_of, days}) occurs on `day`."""
    names = [outcome["event"]] if "event" in outcome else outcome.get("any_of") or outcome["all_of"]
    on_day = any(day in dates[n] for n in names)
    if "all_of" not in outcome:
        return on_day
    return on_day and all(any(day - outcome["days"] * ONE_DAY <= d <= day for d in dates[n]) for n in names)


def first_on(outcome, dates, lo, hi):
    for d in sorted({d for n in dates for d in dates[n] if lo <= d <= hi}):
        if occurs_on(d, outcome, dates):
            return d
    return None


def supply_days(exposure, boxes, large):
    per_box = exposure.get("days_per_box")
    per_box = (90 if large else 30) if per_box in (None, "pack_size") else per_box
    return max(1, per_box * boxes // 10000)


def exposure_periods(exposure, supplies, index, study_end):
    """Periods by walking the calendar: the stock (stockpile) or the covered days, then runs of
    covered days joined over gaps of at most grace_days."""
    supplies = sorted(s for s in supplies if s[0] >= index)
    if not supplies:
        return []
    if "min_purchases" in exposure:
        n, within = exposure["min_purchases"]["count"], exposure["min_purchases"]["within_days"]
        for day in sorted({s[0] for s in supplies}):
            if sum(1 for s in supplies if day - within * ONE_DAY <= s[0] <= day) >= n:
                return [(day, study_end, sum(s[1] for s in supplies if s[0] <= study_end))]
        return []
    covered, stock, day = [], 0, supplies[0][0]
    last_supply = supplies[-1][0]
    ends = [s[0] + (supply_days(exposure, s[1], s[2]) - 1) * ONE_DAY for s in supplies]
    while day <= last_supply or stock > 0 or any(day <= e for e in ends):
        arriving = [s for s in supplies if s[0] == day]
        if exposure["stockpile"]:
            stock += sum(supply_days(exposure, s[1], s[2]) for s in arriving)
            if stock > 0:
                covered.append(day)
                stock -= 1
        elif any(s[0] <= day <= e for s, e in zip(supplies, ends)):
            covered.append(day)
        day += ONE_DAY
    periods = []
    for d in covered:
        if periods and (d - periods[-1][1]).days - 1 <= exposure["grace_days"]:
            periods[-1][1] = d
        else:
            periods.append([d, d])
    return [(a, b, sum(s[1] for s in supplies if a <= s[0] <= b)) for a, b in periods]


def decimal_text(scaled):
    whole, frac = divmod(scaled, 10000)
    return str(whole) if frac == 0 else f"{whole}.{frac:04d}".rstrip("0")


def age_on(day, born, month):
    if born is None:
        return None
    return day.year - born - (1 if day.month < (month or 1) else 0)


def band(age):
    if age is None or age < 0:
        return "unknown"
    return "90+" if age >= 90 else f"{age // 10 * 10}-{age // 10 * 10 + 9}"


def poisson_bounds(k):
    """Exact 95% bounds by bisection on the Poisson distribution function itself."""
    def cdf(k_, lam):  # P(X <= k_), each term from its logarithm (exp(-lam) underflows past 745)
        if lam == 0:
            return 1.0
        return sum(math.exp(i * math.log(lam) - lam - math.lgamma(i + 1)) for i in range(k_ + 1))

    def solve(f, target):
        lo, hi = 0.0, 10.0 + 10 * k
        for _ in range(200):
            mid = (lo + hi) / 2
            lo, hi = (mid, hi) if f(mid) > target else (lo, mid)
        return (lo + hi) / 2
    low = 0.0 if k == 0 else solve(lambda lam: cdf(k - 1, lam), 0.975)  # P(X >= k) = 0.025
    high = solve(lambda lam: cdf(k, lam), 0.025)
    return low, high


def incidence(config, records, min_patients):
    strata, per = config["incidence"]["strata"], config["incidence"]["per"]
    names = ([config["events"] and config["outcome"]["event"]] if config["outcome"] else []) + \
        list(config.get("outcomes", {}))
    out = "outcome," + "".join(s + "," for s in strata) + \
        "persons,person_years,events,rate,rate_low,rate_high\n"
    for name in names:
        cells = collections.defaultdict(lambda: [set(), 0, 0])
        for r in records:
            if name in r["prevalent"]:
                continue
            event = r["outcomes"].get(name)
            stop = event or r["end"]
            day = r["index"]
            def key(d):
                return tuple(r["sex"] if s == "sex" else band(age_on(d, r["born"], r["month"]))
                             if s == "age_band" else str(d.year) for s in strata)
            while day <= stop:  # day by day
                cell = cells[key(day)]
                cell[0].add(r["patient"])
                cell[1] += 1
                day += ONE_DAY
            if event:
                cells[key(event)][2] += 1
        for k in sorted(cells, key=lambda t: tuple(v.encode() for v in t)):
            persons, days, events_n = cells[k]
            line = ",".join((name,) + k)
            if len(persons) < min_patients:
                out += line + ",,,,,,\n"
                continue
            years = days / 365.25
            low, high = poisson_bounds(events_n)
            out += f"{line},{len(persons)},{years:.4f},{events_n},{events_n / years * per:.4f}," \
                   f"{low / years * per:.4f},{high / years * per:.4f}\n"
    return out


def baseline(config, records, min_patients):
    b = config["baseline"]
    n = len(records)
    out = "covariate,value,patients,percent,mean,sd,q1,median,q3\n"

    def row(cov, value, count, stats=",,,,"):
        masked = count < min_patients
        pct = "" if masked or n == 0 else f"{100 * count / n:.2f}"
        return f"{cov},{value},{'' if masked else count},{pct},{stats}\n"
    out += row("cohort", "", n)
    for cov in b["covariates"]:
        if cov in ("stays", "drugs"):
            values = sorted(r["baseline"][cov] for r in records)
            stats = ",,,,"
            if n and n >= min_patients:
                mean = sum(values) / n
                sd = f"{math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1)):.4f}" if n > 1 else ""
                q = [values[max(1, math.ceil(p * n)) - 1] for p in (0.25, 0.5, 0.75)]
                stats = f"{mean:.4f},{sd},{q[0]},{q[1]},{q[2]}"
            out += row(cov, "", sum(1 for v in values if v > 0), stats)
            continue
        counts = collections.Counter(v for r in records for v in r["baseline"][cov])
        order = sorted(counts, key=(lambda c: chapter(c.split(" ")[1][1:4])[0]) if cov == "dp_chapter"
                       else (lambda c: c.encode()))
        for value in order:
            out += row(cov, value, counts[value])
    for name in b["events"]:
        out += row("event", name, sum(1 for r in records if name in r["baseline"]["events"]))
    return out


def cohort(config, patients, events):
    """Every output of the job as text: cohort.csv, attrition.csv and the design files."""
    start = datetime.date.fromisoformat(config["study"]["start"])
    end = datetime.date.fromisoformat(config["study"]["end"])
    defs = config["events"]
    washout = config["index"]["washout_days"]
    outcome = config["outcome"]
    outcomes = config.get("outcomes", {})
    exposure = config.get("exposure")
    follow_up = config.get("follow_up", {"end": "study_end", "lag_days": 0})
    censor = config.get("censor", [])
    no_claim = config.get("loss_to_follow_up", {}).get("no_claim_days")
    clean = config.get("clean_window_days")
    min_patients = config.get("disclosure", {}).get("min_patients", 10)
    steps = collections.Counter()
    lines, exposure_lines, records = [], [], []
    codes = collections.defaultdict(set)
    for patient in sorted(patients, key=lambda k: (k[0].encode(), k[1])):
        info, mine = patients[patient], events.get(patient, [])
        own = dates_of(defs[config["index"]["event"]], mine)
        in_period = [d for d in own if start <= d <= end]
        if not in_period:
            continue
        index = min(in_period)
        steps["index_event"] += 1
        if config.get("index_codes"):
            d = defs[config["index"]["event"]]
            for kind, day, payload in mine:
                if day != index:
                    continue
                if kind == "dispensing" and dates_of(d, [(kind, day, payload)]):
                    codes[("CIP13", payload[1])].add(patient)
                    codes[("ATC", payload[0])].add(patient)
                if kind == "stay" and d["source"] == "hospital_stay":
                    dp, dr, das = payload
                    for pos, values in (("DP", [dp]), ("DR", [dr]), ("DAS", das)):
                        for v in values:
                            if pos in d["positions"] and any(v.startswith(p) for p in d["icd10"]):
                                codes[("ICD10_" + pos, v)].add(patient)
                if kind == "claim" and d["source"] == "claim" and payload in d["nature"]:
                    codes[("PRS_NAT_REF", str(payload))].add(patient)
        if washout and any(index - washout * ONE_DAY <= d <= index - ONE_DAY for d in own):
            continue
        steps["washout"] += 1
        age = index.year - info["born"] if info["born"] is not None else None
        kept = True
        for c in config["criteria"]:
            if "age_at_index" in c:
                lo, hi = c["age_at_index"]["min"], c["age_at_index"]["max"]
                kept = age is not None and (lo is None or age >= lo) and (hi is None or age <= hi)
            elif "exclude_event" in c or "require_event" in c:
                name = c.get("exclude_event") or c.get("require_event")
                a, b = c["window_days"]
                # An interval source (ald) is in the window when its period overlaps it.
                found = overlaps(periods_of(defs[name], mine), index + a * ONE_DAY, index + b * ONE_DAY)
                kept = not found if "exclude_event" in c else found
            else:
                kept = not (info["death"] is not None and info["death"] < index)
            if not kept:
                break
            steps[c["name"]] += 1
        if not kept:
            continue
        dates = {n: set(dates_of(defs[n], mine)) for n in defs}
        # Candidate ends in priority order; the earliest wins, ties to the first listed.
        death = info["death"]
        candidates = []
        if death and death <= end:
            candidates.append((death, "death"))
        for name in censor:
            after = [d for d in dates[name] if d > index]
            if after:
                candidates.append((min(after), "censored:" + name))
        periods = []
        if exposure:
            supplies = [(day, payload[2], payload[3]) for kind, day, payload in mine
                        if kind == "dispensing" and dates_of(defs[config["index"]["event"]], [(kind, day, payload)])]
            periods = exposure_periods(exposure, supplies, index, end)
            if follow_up["end"] == "exposure_end" and periods:
                candidates.append((periods[0][1] + follow_up["lag_days"] * ONE_DAY, "exposure_end"))
        candidates.append((end, "study_end"))
        end_date, reason = min(candidates, key=lambda c: c[0])  # min keeps the first of equals
        if no_claim:
            claim_days = sorted({day for kind, day, _ in mine if kind == "line"})
            seen = index
            for d in claim_days:
                if d <= seen:
                    continue
                if d > seen + no_claim * ONE_DAY:
                    break
                seen = d
            if seen + no_claim * ONE_DAY < end_date:
                end_date, reason = seen + no_claim * ONE_DAY, "lost"
        prevalent = set()
        outcome_date = None
        if outcome:
            single = {"event": outcome["event"]}
            if clean and first_on(single, dates, index - clean * ONE_DAY, index - ONE_DAY):
                prevalent.add(outcome["event"])
            else:
                outcome_date = first_on(single, dates, index + ONE_DAY, end_date)
        if outcome_date:
            end_date, reason = outcome_date, "outcome"
        found = {}
        for name, o in outcomes.items():
            if clean and first_on(o, dates, index - clean * ONE_DAY, index - ONE_DAY):
                prevalent.add(name)
            else:
                found[name] = first_on(o, dates, index + ONE_DAY, end_date)
        if outcome_date:
            found[outcome["event"]] = outcome_date
        extra = "".join("," + str(found.get(n) or "") for n in outcomes)
        lines.append((f"{patient[0]},{patient[1]},{index},{'' if age is None else age},{info['sex']},"
                      f"{outcome_date or ''},{end_date},{reason}{extra}", info.get("pseudo_nirs", 1)))
        for a, b, boxes in periods:
            exposure_lines.append(f"{patient[0]},{patient[1]},{a},{b},{decimal_text(boxes)}\n")
        record = {"patient": patient, "index": index, "end": end_date, "sex": info["sex"],
                  "born": info["born"], "month": info["month"], "outcomes": found,
                  "prevalent": prevalent}
        if "baseline" in config:
            bl = config["baseline"]
            lo, hi = index + bl["window_days"][0] * ONE_DAY, index + bl["window_days"][1] * ONE_DAY
            atcs = [p[0] for k, d, p in mine if k == "dispensing" and lo <= d <= hi and p[0] != "UNKNOWN"]
            stays = [p for k, d, p in mine if k == "stay" and lo <= d <= hi]
            n = ATC_LENGTH[bl["atc_level"]]
            record["baseline"] = {
                "sex": {info["sex"]}, "age_band": {band(age)},
                "atc": {a[:n] for a in atcs if len(a) >= n},
                "dp_chapter": {chapter(s[0])[1] for s in stays if chapter(s[0])},
                "stays": len(stays), "drugs": len({a[:7] for a in atcs if len(a) >= 7}),
                "events": {e for e in bl["events"] if overlaps(periods_of(defs[e], mine), lo, hi)}}
        records.append(record)
    outputs = {}
    header = "BEN_NIR_PSA,BEN_RNG_GEM,index_date,age_at_index,sex,outcome_date,end_date,end_reason"
    # pseudo_nirs only when some person of the cohort has several (docs/data-model.md, "Persons").
    several = any(n > 1 for _, n in lines)
    outputs["cohort.csv"] = (header + "".join(f",{n}_date" for n in outcomes) +
                             (",pseudo_nirs" if several else "") + "\n" +
                             "".join(text + (f",{n}" if several else "") + "\n" for text, n in lines))
    names = ["index_event", "washout"] + [c["name"] for c in config["criteria"]]
    outputs["attrition.csv"] = "step,patients\n" + "".join(f"{n},{steps[n]}\n" for n in names)
    if exposure:
        outputs["exposures.csv"] = "BEN_NIR_PSA,BEN_RNG_GEM,start,end,boxes\n" + "".join(exposure_lines)
    if "incidence" in config:
        outputs["incidence.csv"] = incidence(config, records, min_patients)
    if "baseline" in config:
        outputs["baseline.csv"] = baseline(config, records, min_patients)
    if config.get("index_codes"):
        outputs["index_codes.csv"] = "code_type,code,patients\n" + "".join(
            f"{t},{c},{len(p) if len(p) >= min_patients else ''}\n"
            for (t, c), p in sorted(codes.items(), key=lambda kv: (kv[0][0].encode(), kv[0][1].encode())))
    return outputs


def same(got, expected):
    """Equal, figures compared to 1e-4 relative (C++ and Python may round a last digit apart)."""
    if got == expected:
        return True
    g, e = got.split(","), expected.split(",")
    if len(g) != len(e):
        return False
    for a, b in zip(g, e):
        if a == b:
            continue
        try:
            if abs(float(a) - float(b)) > 1e-4 * max(1.0, abs(float(b))):
                return False
        except ValueError:
            return False
    return True


def main():
    extract, output = sys.argv[1], sys.argv[2]
    with open(f"{output}/manifest.json") as f:
        config = json.load(f)["config"]
    patients, events = load_events(extract, config.get("dcir_rules", ["majorations", "public_hospital"]))
    expected = cohort(config, patients, events)
    ok = True
    for name, text in expected.items():
        with open(f"{output}/{name}") as f:
            got = f.read()
        g, e = got.splitlines(), text.splitlines()
        bad = [i for i in range(max(len(g), len(e)))
               if i >= len(g) or i >= len(e) or not same(g[i], e[i])]
        if bad:
            ok = False
            first = bad[0]
            print(f"{name} differs at line {first + 1} ({len(g)} lines, expected {len(e)}):")
            print("  got:      " + (g[first] if first < len(g) else "<end>"))
            print("  expected: " + (e[first] if first < len(e) else "<end>"))
        else:
            print(f"{name}: {len(g)} lines agree")
    print("identical" if ok else "DIFFERENT")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
