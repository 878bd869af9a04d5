#!/usr/bin/env python3
"""Checks a cohort job's output against an independent reading of the raw CSV extract.

    python3 cohort_reference.py EXTRACT_DIR OUTPUT_DIR

Reads the resolved study from OUTPUT_DIR/manifest.json (so defaults are the job's), re-implements
contract sections 3 and 6 on the CSV files of EXTRACT_DIR with the standard library only (no
store, no C++), and compares with OUTPUT_DIR/cohort.csv and attrition.csv byte for byte. Exit 0
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
import re
import sys

MONTHS = {m: i + 1 for i, m in enumerate("JAN FEB MAR APR MAY JUN JUL AUG SEP OCT NOV DEC".split())}
RETURN_CODES = ["NIR_RET", "NAI_RET", "SEX_RET", "SEJ_RET", "FHO_RET", "PMS_RET", "DAT_RET"]
DCIR_KEYS = ["DCT_ORD_NUM", "FLX_DIS_DTD", "FLX_EMT_NUM", "FLX_EMT_ORD", "FLX_EMT_TYP", "FLX_TRT_DTD",
             "ORG_CLE_NUM", "PRS_ORD_NUM", "REM_TYP_AFF"]
ONE_DAY = datetime.timedelta(days=1)


def parse_date(s):
    """ISO, dd/mm/yyyy or SAS datetime; 1600-01-01 and "" are None; anything else raises."""
    s = s.strip()
    if not s:
        return None
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", s):
        d = datetime.date(int(s[:4]), int(s[5:7]), int(s[8:10]))
    elif re.fullmatch(r"\d{2}/\d{2}/\d{4}", s):
        d = datetime.date(int(s[6:]), int(s[3:5]), int(s[:2]))
    elif re.fullmatch(r"\d{2}[A-Z]{3}\d{4}(:\d{2}:\d{2}:\d{2})?", s) and s[2:5] in MONTHS:
        d = datetime.date(int(s[5:9]), MONTHS[s[2:5]], int(s[:2]))
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


def load_events(extract):
    patients = {}
    for r in rows(extract, "IR_BEN_R"):
        try:
            key = (r["BEN_NIR_PSA"], int(r["BEN_RNG_GEM"]))
            born, death = parse_int(r["BEN_NAI_ANN"]), parse_date(r["BEN_DCD_DTE"])
            parse_int(r.get("BEN_NAI_MOI", ""))
        except ValueError:
            continue
        if key[0] and key not in patients:
            patients[key] = {"born": None if born == 1600 else born, "death": death, "sex": r["BEN_SEX_COD"]}
    by_nir = collections.defaultdict(list)
    for key in patients:
        by_nir[key[0]].append(key)
    atc_of = {}
    for r in rows(extract, "IR_PHA_R"):
        atc_of.setdefault(r["PHA_CIP_C13"], r["PHA_ATC_C07"])

    events = collections.defaultdict(list)  # patient -> [(kind, date, payload)]
    claim_net = collections.defaultdict(float)
    prs = {}
    for r in rows(extract, "ER_PRS_F"):
        try:
            key = dcir_key(r)
            patient = (r["BEN_NIR_PSA"], int(r["BEN_RNG_GEM"]))
            day, dpn = parse_date(r["EXE_SOI_DTD"]), parse_int(r["DPN_QLF"])
            nature, quantity = int(r["PRS_NAT_REF"]), parse_decimal(r["PRS_ACT_QTE"])
            parse_decimal(r["PRS_PAI_MNT"])
        except ValueError:
            continue
        prs.setdefault(key, (patient, day, dpn))
        if dpn != 71 and patient in patients:
            claim_net[(patient, day, nature)] += quantity or 0.0
    for (patient, day, nature), net in claim_net.items():
        if net > 1e-9 and day is not None:
            events[patient].append(("claim", day, nature))

    dispensing_net = collections.defaultdict(float)
    for r in rows(extract, "ER_PHA_F"):
        try:
            key, boxes = dcir_key(r), parse_decimal(r["PHA_ACT_QSN"])
        except ValueError:
            continue
        if key not in prs:
            continue  # an orphan
        patient, day, dpn = prs[key]
        if dpn != 71 and patient in patients:
            dispensing_net[(patient, day, r["PHA_PRS_C13"])] += boxes or 0.0
    for (patient, day, cip13), net in dispensing_net.items():
        if net > 1e-9 and day is not None:
            events[patient].append(("dispensing", day, (atc_of.get(cip13) or "UNKNOWN", cip13)))

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
        for key, (c, day) in stays_c.items():
            b = stays_b.get(key)
            if b is None or day is None or any(c[x] != "0" for x in RETURN_CODES):
                continue
            if b["GRG_GHM"].startswith("90"):
                continue
            for patient in by_nir.get(c["NIR_ANO_17"], []):
                events[patient].append(("stay", day, (b["DGN_PAL"], b["DGN_REL"], das.get(key, []))))
    return patients, events


def dates_of(definition, patient_events):
    out = []
    source = definition["source"]
    for kind, day, payload in patient_events:
        if source == "dispensing" and kind == "dispensing":
            atc, cip13 = payload
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
    return out


def cohort(config, patients, events):
    start = datetime.date.fromisoformat(config["study"]["start"])
    end = datetime.date.fromisoformat(config["study"]["end"])
    defs = config["events"]
    washout = config["index"]["washout_days"]
    outcome = config["outcome"]
    steps = collections.Counter()
    lines = []
    for patient in sorted(patients, key=lambda k: (k[0].encode(), k[1])):
        info, mine = patients[patient], events.get(patient, [])
        own = dates_of(defs[config["index"]["event"]], mine)
        in_period = [d for d in own if start <= d <= end]
        if not in_period:
            continue
        index = min(in_period)
        steps["index_event"] += 1
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
                found = any(index + a * ONE_DAY <= d <= index + b * ONE_DAY for d in dates_of(defs[name], mine))
                kept = not found if "exclude_event" in c else found
            else:
                kept = not (info["death"] is not None and info["death"] < index)
            if not kept:
                break
            steps[c["name"]] += 1
        if not kept:
            continue
        death = info["death"]
        horizon = min(end, death) if death else end
        outcome_date = None
        if outcome:
            later = [d for d in dates_of(defs[outcome["event"]], mine) if index < d <= horizon]
            outcome_date = min(later) if later else None
        if outcome_date:
            end_date, reason = outcome_date, "outcome"
        elif death and death <= end:
            end_date, reason = death, "death"
        else:
            end_date, reason = end, "study_end"
        lines.append(f"{patient[0]},{patient[1]},{index},{'' if age is None else age},{info['sex']},"
                     f"{outcome_date or ''},{end_date},{reason}\n")
    csv_text = "BEN_NIR_PSA,BEN_RNG_GEM,index_date,age_at_index,sex,outcome_date,end_date,end_reason\n"
    csv_text += "".join(lines)
    names = ["index_event", "washout"] + [c["name"] for c in config["criteria"]]
    attrition = "step,patients\n" + "".join(f"{n},{steps[n]}\n" for n in names)
    return csv_text, attrition


def main():
    extract, output = sys.argv[1], sys.argv[2]
    with open(f"{output}/manifest.json") as f:
        config = json.load(f)["config"]
    patients, events = load_events(extract)
    expected_csv, expected_attrition = cohort(config, patients, events)
    ok = True
    for name, expected in (("cohort.csv", expected_csv), ("attrition.csv", expected_attrition)):
        with open(f"{output}/{name}") as f:
            got = f.read()
        if got != expected:
            ok = False
            g, e = got.splitlines(), expected.splitlines()
            first = next((i for i in range(min(len(g), len(e))) if g[i] != e[i]), min(len(g), len(e)))
            print(f"{name} differs at line {first + 1} ({len(g)} lines, expected {len(e)}):")
            print("  got:      " + (g[first] if first < len(g) else "<end>"))
            print("  expected: " + (e[first] if first < len(e) else "<end>"))
    print("identical" if ok else "DIFFERENT")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
