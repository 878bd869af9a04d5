#!/usr/bin/env python3
"""Checks an aggregate's output (sources dispensing, lab, ald, act, death) against an independent reading
of the raw CSV extract (the lab, ald, act and death rules: docs/data-model.md).

    python3 aggregate_reference.py EXTRACT_DIR OUTPUT_DIR [IR_DPT_V.csv]

Reads the resolved config from OUTPUT_DIR/manifest.json (so defaults are the job's), then
re-implements, with the standard library only (no store, no C++), what reference sections 3, 5 and 8
and docs/aggregate.md + docs/disclosure.md say a `source: dispensing` aggregate publishes:

- pharmacy lines = ER_PHA_F joined to ER_PRS_F on the 9 DCIR keys, DPN_QLF 71 out, patients
  absent from IR_BEN_R out, the period on EXE_SOI_DTD, the flux cut-off on FLX_DIS_DTD;
- every dimension of docs/aggregate.md for dispensing (ATC levels from IR_PHA_R, region through the
  department referential IR_DPT_V.csv read here as a CSV file, prescriber specialty...), and the
  measures as exact fixed-point sums (Python integers of 10^-4 units, printed trimmed);
- with `totals: true`, every margin row: all subsets of the group columns that may collapse to
  ALL (an ATC level only with every finer one), each computed from the lines themselves
  (distinct patients counted per margin row, not added up);
- primary masking (patients < min_patients), then, with `secondary: true`, the complementary
  masking rule of docs/disclosure.md, run on this program's own table and margin relations.

It compares result.csv byte for byte (so every published cell, every margin and which cells are
masked, and why: suppressed 1 or 2) and the counts of disclosure_audit.json. The audit's repair
step (a linear program) is not re-implemented: when the job's audit had to repair (audit_rounds >
1), the rows it added are named and the check fails, so a repair never passes unnoticed.
Exit 0 when everything agrees, 1 otherwise (the first differing lines are printed; they hold no
pseudonyms). Rows that ingest would reject (wrong field count, unparsable typed value) are
skipped here too. Slow (about a minute per million lines): for generated extracts.
"""
import collections
import csv
import datetime
import decimal
import glob
import gzip
import itertools
import json
import os
import re
import sys

MONTHS = {m: i + 1 for i, m in enumerate("JAN FEB MAR APR MAY JUN JUL AUG SEP OCT NOV DEC".split())}
RETURN_CODES = ["NIR_RET", "NAI_RET", "SEX_RET", "SEJ_RET", "FHO_RET", "PMS_RET", "DAT_RET"]
DCIR_KEYS = ["DCT_ORD_NUM", "FLX_DIS_DTD", "FLX_EMT_NUM", "FLX_EMT_ORD", "FLX_EMT_TYP",
             "FLX_TRT_DTD", "ORG_CLE_NUM", "PRS_ORD_NUM", "REM_TYP_AFF"]
# Typed columns (reference section 2 and the SNDS schema): a row whose value does not parse is
# rejected by ingest, so it is skipped here. Other columns are text.
TYPES = {
    "IR_BEN_R": {"BEN_RNG_GEM": "int", "BEN_NAI_ANN": "int", "BEN_NAI_MOI": "int",
                 "BEN_DCD_DTE": "date"},
    "ER_PRS_F": {"DCT_ORD_NUM": "int", "FLX_DIS_DTD": "date", "FLX_EMT_NUM": "int",
                 "FLX_EMT_ORD": "int", "FLX_EMT_TYP": "int", "FLX_TRT_DTD": "date",
                 "PRS_ORD_NUM": "int", "REM_TYP_AFF": "int", "BEN_RNG_GEM": "int",
                 "EXE_SOI_DTD": "date", "PRS_NAT_REF": "int", "PRS_ACT_QTE": "dec",
                 "PRS_PAI_MNT": "dec", "DPN_QLF": "int", "BSE_REM_MNT": "dec",
                 "CPL_MAJ_TOP": "int"},
    "ER_PHA_F": {"DCT_ORD_NUM": "int", "FLX_DIS_DTD": "date", "FLX_EMT_NUM": "int",
                 "FLX_EMT_ORD": "int", "FLX_EMT_TYP": "int", "FLX_TRT_DTD": "date",
                 "PRS_ORD_NUM": "int", "REM_TYP_AFF": "int", "PHA_ACT_QSN": "dec"},
    "IR_PHA_R": {},
    "ER_BIO_F": {"DCT_ORD_NUM": "int", "FLX_DIS_DTD": "date", "FLX_EMT_NUM": "int",
                 "FLX_EMT_ORD": "int", "FLX_EMT_TYP": "int", "FLX_TRT_DTD": "date",
                 "PRS_ORD_NUM": "int", "REM_TYP_AFF": "int", "BIO_PRS_IDE": "int",
                 "BIO_ACT_QSN": "int"},
    "IR_IMB_R": {"BEN_RNG_GEM": "int", "IMB_ALD_DTD": "date", "IMB_ALD_DTF": "date",
                 "IMB_ALD_NUM": "int", "IMB_ETM_NAT": "int"},
    "KI_CCI_R": {"BEN_DCD_DTE": "date", "BEN_NAI_ANN": "int", "BEN_SEX_COD": "int"},
    "ER_CAM_F": {"DCT_ORD_NUM": "int", "FLX_DIS_DTD": "date", "FLX_EMT_NUM": "int",
                 "FLX_EMT_ORD": "int", "FLX_EMT_TYP": "int", "FLX_TRT_DTD": "date",
                 "PRS_ORD_NUM": "int", "REM_TYP_AFF": "int"},
    "ER_ETE_F": {"DCT_ORD_NUM": "int", "FLX_DIS_DTD": "date", "FLX_EMT_NUM": "int",
                 "FLX_EMT_ORD": "int", "FLX_EMT_TYP": "int", "FLX_TRT_DTD": "date",
                 "PRS_ORD_NUM": "int", "REM_TYP_AFF": "int", "ETE_IND_TAA": "int"},
    "T_MCOA": {"ENT_DAT_DEL": "int"},
    "T_MCOB": {"SEJ_NBJ": "int"},
    "T_MCOC": {"EXE_SOI_DTD": "date", "EXE_SOI_DTF": "date", "SOR_DAT": "date", "ENT_DAT": "date"},
}
ATC_CHARS = {"atc1": 1, "atc2": 3, "atc3": 4, "atc4": 5, "atc5": 7, "atc": 7}
# The ATC family, coarsest first: a level collapses to ALL only with every finer one.
ATC_LEVEL = {"atc1": 0, "atc2": 1, "atc3": 2, "atc4": 3, "atc5": 4, "atc": 4, "cip13": 5}
ALL = "ALL"


def parse_date(s):
    """Day number; ISO, dd/mm/yyyy, ddmmyyyy or SAS date(time); 1600-01-01 and "" are None."""
    s = s.strip(" \t")
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
    s = s.strip(" \t")
    if not s:
        return None
    if not re.fullmatch(r"[+-]?\d+", s):
        raise ValueError(s)
    return int(s)


def parse_fixed(s):
    """A decimal in 10^-4 units (rounded half away from zero past 4 digits); "" is None."""
    s = s.strip(" \t")
    if not s:
        return None
    if not re.fullmatch(r"[+-]?(\d+([.,]\d*)?|[.,]\d+)", s):
        raise ValueError(s)
    v = decimal.Decimal(s.replace(",", ".")) * 10000
    return int(v.quantize(decimal.Decimal(1), rounding=decimal.ROUND_HALF_UP))


PARSERS = {"int": parse_int, "date": parse_date, "dec": parse_fixed}


def rows(extract, table):
    """Typed rows of every file of `table` (plain, gz; partitioned files in name order)."""
    files = sorted(glob.glob(f"{extract}/{table}.csv*") + glob.glob(f"{extract}/{table}_*.csv*"))
    types = TYPES[re.sub(r"^T_MCO\d\d", "T_MCO", table)]
    for name in files:
        opener = gzip.open if name.endswith(".gz") else open
        with opener(name, "rt", encoding="utf-8", newline="") as f:
            reader = csv.reader(f, delimiter=";", quotechar='"')
            patient_key = "NIR_ANO_17" if table.startswith("T_MCO") else "BEN_NIR_PSA"
            header = [patient_key if h == "NUM_ENQ" else h for h in next(reader)]
            for record in reader:
                if len(record) != len(header):
                    continue
                r = dict(zip(header, record))
                try:
                    for column, kind in types.items():
                        if column in r:
                            r[column] = PARSERS[kind](r[column])
                except (ValueError, decimal.InvalidOperation):
                    continue
                yield r


def read_regions(path):
    """GEO_DPT_COD -> GEO_REG_COD of the SNDS department referential."""
    with open(path, encoding="utf-8", newline="") as f:
        return {r["GEO_DPT_COD"]: r["GEO_REG_COD"] for r in csv.DictReader(f, delimiter=";")}


def age_band(event_year, born):
    if born is None or born == 1600 or event_year - born < 0:
        return "unknown"
    age = event_year - born
    return "90+" if age >= 90 else f"{age // 10 * 10}-{age // 10 * 10 + 9}"


def atc_at(atc, chars):
    return atc if atc == "UNKNOWN" else atc[:chars]


def month_of(d):
    return f"{d.year:04d}-{d.month:02d}"


def majority(values, missing):
    """The most frequent non-missing value, ties to the smallest; `missing` when there is none."""
    counts = collections.Counter(v for v in values if v != missing)
    if not counts:
        return missing
    top = max(counts.values())
    return min(v for v, n in counts.items() if n == top)


def persons(extract, patients):
    """docs/data-model.md, "Persons": pseudo-NIRs whose rows carry one BEN_IDT_ANO (BEN_CDI_NIR 00
    or empty; the smallest when several) are one person, named by its smallest pseudo-NIR, with
    the most frequent sex, birth year and department of its pseudo-NIRs (ties to the smallest).
    Returns pseudo-NIR -> (person key, person's attributes as an IR_BEN_R row)."""
    ids = collections.defaultdict(set)
    for r in rows(extract, "IR_BEN_R"):
        key = (r["BEN_NIR_PSA"], r["BEN_RNG_GEM"])
        ident, cdi = r.get("BEN_IDT_ANO", ""), r.get("BEN_CDI_NIR", "")
        if key in patients and ident and cdi in ("", "00"):
            ids[key].add(ident)
    groups = collections.defaultdict(list)
    for key in patients:
        groups[("id", min(ids[key])) if ids[key] else ("self", key)].append(key)
    out = {}
    for keys in groups.values():
        keys.sort(key=lambda k: (k[0].encode(), k[1]))
        rs = [patients[k] for k in keys]
        born = [None if r["BEN_NAI_ANN"] == 1600 else r["BEN_NAI_ANN"] for r in rs]
        person = {"BEN_SEX_COD": majority([r["BEN_SEX_COD"] for r in rs], ""),
                  "BEN_NAI_ANN": majority(born, None),
                  "BEN_RES_DPT": majority([r["BEN_RES_DPT"] for r in rs], "")}
        for k in keys:
            out[k] = (keys[0], person)
    return out


def dcir_lines(extract, config):
    """ER_PRS_F rows by their 9 keys (the first of a key, as the ingest's join), without the lines
    ER_ETE_F marks ETE_IND_TAA = 1 when the config keeps the public_hospital cleaning rule
    (docs/data-model.md): detail rows of those lines then find no line."""
    claims = {}
    for r in rows(extract, "ER_PRS_F"):
        claims.setdefault(tuple(r[k] for k in DCIR_KEYS), r)
    if "public_hospital" in config.get("dcir_rules", ["majorations", "public_hospital"]):
        for r in rows(extract, "ER_ETE_F"):
            if r["ETE_IND_TAA"] == 1:
                claims.pop(tuple(r[k] for k in DCIR_KEYS), None)
    return claims


def pharmacy_lines(extract, config, regions):
    """Yields (person, {dimension: value}, measures) of every pharmacy line the aggregate counts."""
    patients = {}
    for r in rows(extract, "IR_BEN_R"):
        key = (r["BEN_NIR_PSA"], r["BEN_RNG_GEM"])
        if key[0] and key[1] is not None and key not in patients:
            patients[key] = r
    person_of = persons(extract, patients)
    referential = {}
    for r in rows(extract, "IR_PHA_R"):
        referential.setdefault(r["PHA_CIP_C13"], r)
    claims = dcir_lines(extract, config)

    period = config.get("period")
    start = datetime.date.fromisoformat(period["start"]) if period else None
    end = datetime.date.fromisoformat(period["end"]) if period else None
    flux = config.get("flux")
    until = datetime.date.fromisoformat(flux["until"]) if flux else None
    prefixes = config.get("filter", {}).get("atc", [])
    for r in rows(extract, "ER_PHA_F"):
        claim = claims.get(tuple(r[k] for k in DCIR_KEYS))
        if claim is None or claim["DPN_QLF"] == 71:
            continue  # an orphan, or information only
        patient, person = person_of.get((claim["BEN_NIR_PSA"], claim["BEN_RNG_GEM"]), (None, None))
        day = claim["EXE_SOI_DTD"]
        if person is None or day is None:
            continue
        if start is not None and not start <= day <= end:
            continue
        if until is not None and (r["FLX_DIS_DTD"] is None or r["FLX_DIS_DTD"] > until):
            continue
        cip13 = r["PHA_PRS_C13"]
        drug = referential.get(cip13)
        atc = drug["PHA_ATC_C07"] if drug else "UNKNOWN"
        if prefixes and not any(atc.startswith(p) for p in prefixes):
            continue
        department = person["BEN_RES_DPT"]
        looked_up = "0" + department if len(department) == 2 else department
        values = {
            "cip13": cip13,
            "month": month_of(day),
            "year": f"{day.year:04d}",
            "sex": person["BEN_SEX_COD"],
            "age_band": age_band(day.year, person["BEN_NAI_ANN"]),
            "department": department,
            "region": regions.get(looked_up, "") if department else "",
            "prescriber_specialty": claim.get("PSP_SPE_COD", ""),
            "generic_group": (drug or {}).get("PHA_GRP_GEN", ""),
            "flux_month": month_of(r["FLX_DIS_DTD"]) if r["FLX_DIS_DTD"] else "",
        }
        for name, chars in ATC_CHARS.items():
            values[name] = atc_at(atc, chars)
        measures = {"lines": 1, "boxes": r["PHA_ACT_QSN"] or 0,
                    "amount": claim["PRS_PAI_MNT"] or 0, "base": claim.get("BSE_REM_MNT") or 0}
        yield patient, values, measures


def patients_and_persons(extract):
    patients = {}
    for r in rows(extract, "IR_BEN_R"):
        key = (r["BEN_NIR_PSA"], r["BEN_RNG_GEM"])
        if key[0] and key[1] is not None and key not in patients:
            patients[key] = r
    return patients, persons(extract, patients)


def valid_death(day, born):
    return day is not None and (born is None or born == 1600 or day.year >= born)


def deaths(extract, patients, sources):
    """docs/data-model.md, "Deaths": per patient, the earliest valid date of the chosen sources
    (ir_ben_r, then causes, then pmsi on a tie) and the initial cause of its certificate."""
    by_nir = collections.Counter(k[0] for k in patients)
    certificates_idt, certificates_nir = collections.defaultdict(list), collections.defaultdict(list)
    for r in rows(extract, "KI_CCI_R"):
        if r.get("BEN_NIR_ANO"):
            certificates_nir[r["BEN_NIR_ANO"]].append(r)
        if r.get("BEN_IDT_ANO"):
            certificates_idt[r["BEN_IDT_ANO"]].append(r)
    best = {}
    def offer(key, day, source):
        if valid_death(day, patients[key]["BEN_NAI_ANN"]) and (key not in best or day < best[key][0]):
            best[key] = (day, source)
    cause = {}
    for key, r in patients.items():
        if "ir_ben_r" in sources:
            offer(key, r["BEN_DCD_DTE"], 1)
        idt = r.get("BEN_IDT_ANO", "")
        certs = certificates_idt.get(idt) if idt else (
            certificates_nir.get(key[0]) if by_nir[key[0]] == 1 else None)
        if certs:
            born = r["BEN_NAI_ANN"]
            pick = certs[0]
            for c in certs:
                if valid_death(c["BEN_DCD_DTE"], born) and (
                        not valid_death(pick["BEN_DCD_DTE"], born)
                        or c["BEN_DCD_DTE"] < pick["BEN_DCD_DTE"]):
                    pick = c
            cause[key] = pick.get("DCD_CIM_COD", "")
            if "causes" in sources:
                offer(key, pick["BEN_DCD_DTE"], 2)
    if "pmsi" in sources:
        years = sorted({m.group(1) for f in glob.glob(f"{extract}/T_MCO*C_*.csv*")
                        for m in [re.search(r"T_MCO(\d\d)C_", os.path.basename(f))] if m})
        for yy in years:
            b_rows = {}
            for r in rows(extract, f"T_MCO{yy}B"):
                b_rows.setdefault((r["ETA_NUM"], r["RSA_NUM"]), r)
            seen = set()
            for r in rows(extract, f"T_MCO{yy}C"):
                k = (r["ETA_NUM"], r["RSA_NUM"])
                if k in seen:
                    continue
                seen.add(k)
                b = b_rows.get(k)
                if b is None or any(r.get(c) != "0" for c in RETURN_CODES):
                    continue
                if b["GRG_GHM"].startswith("90") or b.get("SOR_MOD", "") != "9":
                    continue
                if r["EXE_SOI_DTD"] is None or by_nir[r["NIR_ANO_17"]] != 1:
                    continue
                key = next(p for p in patients if p[0] == r["NIR_ANO_17"])
                offer(key, r["EXE_SOI_DTD"] + datetime.timedelta(days=b["SEJ_NBJ"] or 0), 4)
    return {k: (day, source, cause.get(k, "")) for k, (day, source) in best.items()}


def is_placeholder(nir):
    """A NIR_ANO_17 mask (docs/data-model.md, "Placeholder NIR_ANO_17"): empty, or x/X
    everywhere but possibly the last character; it never links to a patient."""
    return nir == "" or (len(nir) >= 2 and set(nir[:-1]) <= {"x", "X"})


def pmsi_years(extract):
    return sorted({m.group(1) for f in glob.glob(f"{extract}/T_MCO*")
                   for m in [re.match(r"T_MCO(\d\d)C(_|\.csv)", os.path.basename(f))] if m})


def valid_stays(extract, yy):
    """(ETA_NUM, RSA_NUM) -> (NIR_ANO_17, admission day) of the valid stays of year `yy`: a C row
    (the first of its key) with its B row (the first), every return code 0, GHM not 90*, an
    admission date and a NIR_ANO_17 that is no placeholder."""
    b_rows = {}
    for r in rows(extract, f"T_MCO{yy}B"):
        b_rows.setdefault((r["ETA_NUM"], r["RSA_NUM"]), r)
    out, seen = {}, set()
    for r in rows(extract, f"T_MCO{yy}C"):
        k = (r["ETA_NUM"], r["RSA_NUM"])
        if k in seen:
            continue
        seen.add(k)
        b = b_rows.get(k)
        if b is None or any(r.get(c) != "0" for c in RETURN_CODES) or b["GRG_GHM"].startswith("90"):
            continue
        if r["EXE_SOI_DTD"] is None or is_placeholder(r["NIR_ANO_17"]):
            continue
        out[k] = (r["NIR_ANO_17"], r["EXE_SOI_DTD"])
    return out


def acts(extract, patients, settings, config):
    """docs/data-model.md, source act. Yields ([pseudo-NIR keys], day, CCAM code): DCIR acts are
    ER_CAM_F rows joined to their ER_PRS_F line on the 9 keys (DPN_QLF 71 out), netted on the
    line's PRS_ACT_QTE per (pseudo-NIR, EXE_SOI_DTD, CAM_PRS_IDE) and kept when the sum is > 0;
    PMSI acts are the T_MCOyyA rows of valid stays, dated admission + ENT_DAT_DEL (missing: 0),
    for every patient whose BEN_NIR_PSA is the stay's NIR_ANO_17."""
    if "dcir" in settings:
        claims = dcir_lines(extract, config)
        net = collections.defaultdict(int)
        for r in rows(extract, "ER_CAM_F"):
            claim = claims.get(tuple(r[k] for k in DCIR_KEYS))
            if claim is None or claim["DPN_QLF"] == 71:
                continue
            key = (claim["BEN_NIR_PSA"], claim["BEN_RNG_GEM"])
            if key in patients:
                net[(key, claim["EXE_SOI_DTD"], r["CAM_PRS_IDE"])] += claim["PRS_ACT_QTE"] or 0
        for (key, day, code), q in net.items():
            if q > 0 and day is not None:
                yield [key], day, code
    if "pmsi" in settings:
        by_nir = collections.defaultdict(list)
        for key in patients:
            by_nir[key[0]].append(key)
        for yy in pmsi_years(extract):
            stays = valid_stays(extract, yy)
            for r in rows(extract, f"T_MCO{yy}A"):
                stay = stays.get((r["ETA_NUM"], r["RSA_NUM"]))
                if stay is None or not by_nir.get(stay[0]):
                    continue
                day = stay[1] + datetime.timedelta(days=r["ENT_DAT_DEL"] or 0)
                yield by_nir[stay[0]], day, r["CDC_ACT"]


def care_events(extract, config, regions):
    """Yields (person, {dimension: value}, measures) of the lab, ald, act and death sources."""
    patients, person_of = patients_and_persons(extract)
    period = config.get("period")
    start = datetime.date.fromisoformat(period["start"]) if period else None
    end = datetime.date.fromisoformat(period["end"]) if period else None
    flt = config.get("filter", {})

    def values_of(person, day):
        department = person["BEN_RES_DPT"]
        looked_up = "0" + department if len(department) == 2 else department
        return {"month": month_of(day), "year": f"{day.year:04d}", "sex": person["BEN_SEX_COD"],
                "age_band": age_band(day.year, person["BEN_NAI_ANN"]), "department": department,
                "region": regions.get(looked_up, "") if department else ""}

    def in_period(day):
        return day is not None and (start is None or start <= day <= end)

    source = config["source"]
    if source == "lab":
        claims = dcir_lines(extract, config)
        net = collections.defaultdict(int)
        for r in rows(extract, "ER_BIO_F"):
            claim = claims.get(tuple(r[k] for k in DCIR_KEYS))
            if claim is None or claim["DPN_QLF"] == 71 or r["BIO_PRS_IDE"] is None:
                continue
            key = (claim["BEN_NIR_PSA"], claim["BEN_RNG_GEM"])
            if key not in patients:
                continue
            net[(key, claim["EXE_SOI_DTD"], r["BIO_PRS_IDE"])] += r["BIO_ACT_QSN"] or 0
        wanted = flt.get("nabm", [])
        for (key, day, nabm), q in net.items():
            if q <= 0 or not in_period(day) or (wanted and nabm not in wanted):
                continue
            patient, person = person_of[key]
            v = values_of(person, day)
            v["nabm"] = str(nabm)
            yield patient, v, {"lines": 1}
    elif source == "ald":
        icd10, numbers = flt.get("icd10", []), flt.get("ald", [])
        monthly, yearly = "month" in config["group_by"], "year" in config["group_by"]
        for r in rows(extract, "IR_IMB_R"):
            key = (r["BEN_NIR_PSA"], r["BEN_RNG_GEM"])
            if r["IMB_ETM_NAT"] in (11, 12, 13) or r["IMB_ALD_DTD"] is None or key not in patients:
                continue
            code = r["MED_MTF_COD"] if r.get("MED_NCL_IDT") == "CIM10" else ""
            if (icd10 or numbers) and not ((code and any(code.startswith(p) for p in icd10))
                                           or r["IMB_ALD_NUM"] in numbers):
                continue
            first = max(r["IMB_ALD_DTD"], start)
            last = min(r["IMB_ALD_DTF"], end) if r["IMB_ALD_DTF"] else end
            patient, person = person_of[key]
            day = first
            while day <= last:
                v = values_of(person, day)
                v["ald"] = "" if r["IMB_ALD_NUM"] is None else str(r["IMB_ALD_NUM"])
                yield patient, v, {"lines": 1}
                if not (monthly or yearly):
                    break
                if monthly:
                    day = datetime.date(day.year + (day.month == 12), day.month % 12 + 1, 1)
                else:
                    day = datetime.date(day.year + 1, 1, 1)
    elif source == "act":
        prefixes = flt.get("ccam", [])
        for keys, day, code in acts(extract, patients, flt.get("settings", ["dcir", "pmsi"]), config):
            if not in_period(day) or (prefixes and not any(code.startswith(p) for p in prefixes)):
                continue
            # A stay reaching one person through two of its pseudo-NIRs counts once.
            for patient, person in {person_of[k][0]: person_of[k][1] for k in keys}.items():
                v = values_of(person, day)
                v["ccam"] = code
                yield patient, v, {"lines": 1}
    elif source == "death":
        icd10 = flt.get("icd10", [])
        found = deaths(extract, patients, flt.get("sources", ["ir_ben_r", "causes", "pmsi"]))
        by_person = {}
        for key, (day, src, cause) in found.items():
            patient, person = person_of[key]
            if patient not in by_person or (day, src) < by_person[patient][0:2]:
                by_person[patient] = (day, src, cause, person)
        for patient, (day, src, cause, person) in by_person.items():
            if not in_period(day) or (icd10 and not any(cause.startswith(p) for p in icd10)):
                continue
            v = values_of(person, day)
            v["cause"] = cause[:3]
            yield patient, v, {"lines": 1}


def allowed_collapses(group_by, totals):
    """Every set of group columns a row may have at ALL: none, or with totals every subset in
    which a collapsed ATC level has every finer level collapsed too (atc and atc5 are one)."""
    if not totals:
        return [frozenset()]
    out = []
    for bits in itertools.product([False, True], repeat=len(group_by)):
        collapsed = {c for c, b in zip(group_by, bits) if b}
        ok = True
        for c in collapsed & ATC_LEVEL.keys():
            ok = ok and all(d in collapsed for d in group_by
                            if d in ATC_LEVEL and ATC_LEVEL[d] >= ATC_LEVEL[c])
        if ok:
            out.append(frozenset(collapsed))
    return out


def format_fixed(v):
    sign = "-" if v < 0 else ""
    whole, frac = divmod(abs(v), 10000)
    text = f"{whole}.{frac:04d}".rstrip("0").rstrip(".")
    return sign + text


def csv_field(s):
    if any(ch in s for ch in ',"\n'):
        return '"' + s.replace('"', '""') + '"'
    return s


def units_of(group_by):
    """Collapse units in the order of their first column: each non-ATC column alone, the ATC
    columns of one level together; with their level (None outside the ATC family)."""
    units = []
    for c in group_by:
        level = ATC_LEVEL.get(c)
        for u in units:
            if level is not None and u["level"] == level:
                u["columns"].append(c)
                break
        else:
            units.append({"columns": [c], "level": level})
    return units


def margin_relations(keys, group_by):
    """(parent, unit) -> children, as row indexes: a margin row is the sum of the rows that
    un-collapse exactly one unit of it (for the ATC family, the coarsest collapsed level, the
    finer ones staying ALL)."""
    index = {k: i for i, k in enumerate(keys)}
    position = {c: i for i, c in enumerate(group_by)}
    units = units_of(group_by)
    relations = collections.defaultdict(list)
    for i, key in enumerate(keys):
        atc_levels = [u for u in units if u["level"] is not None]
        finest_set = None
        for u in sorted(atc_levels, key=lambda u: -u["level"]):
            if key[position[u["columns"][0]]] != ALL:
                finest_set = u
                break
        for n, u in enumerate(units):
            if u["level"] is not None and u is not finest_set:
                continue
            if any(key[position[c]] == ALL for c in u["columns"]):
                continue
            parent = list(key)
            for c in u["columns"]:
                parent[position[c]] = ALL
            relations[(index[tuple(parent)], n)].append(i)
    return [(p, kids) for (p, _), kids in sorted(relations.items())]


def secondary(table, relations):
    """docs/disclosure.md: until every relation holding one masked row holds two, visit the
    relations in order (by margin row in output order, then collapsed unit) and mask the member
    of fewest patients (then fewest lines, then first in output order); repeat the passes until
    one changes nothing."""
    changed = True
    while changed:
        changed = False
        for parent, children in relations:
            members = [parent] + children
            if sum(1 for m in members if table[m]["suppressed"]) != 1:
                continue
            free = [m for m in members if not table[m]["suppressed"]]
            if not free:
                continue
            best = min(free, key=lambda m: (table[m]["patients"], table[m]["lines"], m))
            table[best]["suppressed"] = 2
            changed = True


def main():
    if len(sys.argv) not in (3, 4):
        print(__doc__, file=sys.stderr)
        return 2
    extract, output = sys.argv[1], sys.argv[2]
    here = os.path.dirname(os.path.abspath(__file__))
    nomenclature = sys.argv[3] if len(sys.argv) == 4 else os.path.join(
        here, "..", "..", "..", "data", "nomenclatures", "IR_DPT_V.csv")
    with open(os.path.join(output, "manifest.json"), encoding="utf-8") as f:
        config = json.load(f)["config"]
    if config["source"] not in ("dispensing", "lab", "ald", "act", "death"):
        print(f"aggregate_reference.py: source {config['source']} is not covered", file=sys.stderr)
        return 2
    if config["source"] == "death" and config["filter"].get("causes") == "any":
        print("aggregate_reference.py: death causes: any is not covered", file=sys.stderr)
        return 2
    group_by, measures = config["group_by"], config["measures"]
    totals = config.get("totals", False)
    min_patients = config["disclosure"]["min_patients"]
    with_secondary = config["disclosure"].get("secondary", False)
    collapses = allowed_collapses(group_by, totals)

    groups = {}
    events = pharmacy_lines if config["source"] == "dispensing" else care_events
    for patient, values, m in events(extract, config, read_regions(nomenclature)):
        detail = [values[c] for c in group_by]
        for collapsed in collapses:
            key = tuple(ALL if c in collapsed else v for c, v in zip(group_by, detail))
            g = groups.get(key)
            if g is None:
                g = groups[key] = {"lines": 0, "boxes": 0, "amount": 0, "base": 0, "who": set()}
            for name in ("lines", "boxes", "amount", "base"):
                g[name] += m.get(name, 0)
            g["who"].add(patient)

    keys = sorted(groups)  # column by column; str order is UTF-8 byte order
    table = []
    for k in keys:
        g = groups[k]
        patients = len(g["who"])
        table.append({"patients": patients, "lines": g["lines"], "boxes": g["boxes"],
                      "amount": g["amount"], "base": g["base"],
                      "suppressed": 1 if patients < min_patients else 0})
    primary = sum(1 for t in table if t["suppressed"])
    relations = margin_relations(keys, group_by) if totals else []
    if with_secondary:
        secondary(table, relations)

    lines = [",".join(group_by + measures + ["suppressed"])]
    for k, t in zip(keys, table):
        if t["suppressed"]:
            shown = [""] * len(measures)
        else:
            shown = [format_fixed(t[m]) if m in ("boxes", "amount", "base") else str(t[m])
                     for m in measures]
        lines.append(",".join([csv_field(v) for v in k] + shown + [str(t["suppressed"])]))
    expected = "\n".join(lines) + "\n"
    with open(os.path.join(output, "result.csv"), encoding="utf-8", newline="") as f:
        actual = f.read()

    problems = []
    if actual != expected:
        a, e = actual.splitlines(), expected.splitlines()
        diff = [(i, x, y) for i, (x, y) in enumerate(itertools.zip_longest(a, e)) if x != y]
        problems.append(f"result.csv: {len(diff)} line(s) differ ({len(a)} lines, expected "
                        f"{len(e)})")
        for i, x, y in diff[:8]:
            problems.append(f"  line {i + 1}: job      {x}\n  line {i + 1}: expected {y}")
    if totals:
        with open(os.path.join(output, "disclosure_audit.json"), encoding="utf-8") as f:
            audit = json.load(f)
        second = [t for t in table if t["suppressed"] == 2]
        want = {"primary": primary, "secondary_rows": len(second),
                "secondary_patients": sum(t["patients"] for t in second),
                "secondary_lines": sum(t["lines"] for t in second),
                "masked_cells": primary + len(second), "relations": len(relations)}
        for name, value in want.items():
            if audit.get(name) != value:
                problems.append(f"disclosure_audit.json: {name} = {audit.get(name)}, expected {value}")
        if audit.get("audit_rounds", 1) > 1:
            problems.append(f"disclosure_audit.json: the audit repaired the masking "
                            f"({audit['audit_rounds'] - 1} more row(s)); not re-implemented here")
        # The property itself, on this program's table: no relation holds a lone masked row.
        if with_secondary:
            lone = [p for p, kids in relations
                    if sum(1 for m in [p] + kids if table[m]["suppressed"]) == 1]
            if lone:
                problems.append(f"{len(lone)} relation(s) hold a single masked row")
    masked = sum(1 for t in table if t["suppressed"])
    if problems:
        print("\n".join(problems))
        print(f"DIFFERENT: {output} against an independent reading of {extract}")
        return 1
    margins = sum(1 for k in keys if ALL in k)
    print(f"IDENTICAL: {output}: {len(table)} rows ({margins} margin rows), {masked} masked ({primary} primary, {masked - primary} secondary), "
          f"{len(relations)} margin relations, agree with an independent reading of {extract}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
