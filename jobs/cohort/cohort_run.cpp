// The cohort job as shard-job hooks (jobs/shard_job.hpp): per shard, the events the study needs
// and its patients' evaluation; on rank 0, the merge of rows and attrition and the output files.
#include "jobs/cohort/cohort_run.hpp"

#include <algorithm>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "core/atomic_file.hpp"
#include "core/cohort/cohort_engine.hpp"
#include "core/cohort/cohort_output.hpp"
#include "core/cohort/incidence.hpp"
#include "core/error.hpp"
#include "jobs/shard_job.hpp"

namespace snds {
namespace fs = std::filesystem;

namespace {

ExtractorKind extractor_of(CohortSource s) {
  switch (s) {
    case CohortSource::kDispensing:
      return ExtractorKind::kDispensing;
    case CohortSource::kHospitalStay:
      return ExtractorKind::kHospitalStay;
    case CohortSource::kClaim:
      return ExtractorKind::kClaim;
    case CohortSource::kAld:
      return ExtractorKind::kAld;
    case CohortSource::kAct:
      return ExtractorKind::kAct;
    case CohortSource::kLab:
      return ExtractorKind::kLab;
    case CohortSource::kDeath:
      return ExtractorKind::kDeath;
  }
  throw internal_error("unknown cohort event source");
}

constexpr CohortSource kSources[] = {CohortSource::kDispensing, CohortSource::kHospitalStay,
                                     CohortSource::kClaim,      CohortSource::kAld,
                                     CohortSource::kAct,        CohortSource::kLab,
                                     CohortSource::kDeath};

// The option bits of a new source's tables: act settings, death sources.
uint8_t source_settings(const CohortSpec& spec, CohortSource s) {
  if (s == CohortSource::kAct) return spec.act_settings();
  if (s == CohortSource::kDeath) return spec.death_sources();
  return 0xff;
}

// The study designs' files, by name: exposures.csv, incidence.csv, baseline.csv, index_codes.csv
// (each only when its key is set). Rows must be sorted.
std::vector<std::pair<std::string, std::string>> design_outputs(const CohortSpec& spec,
                                                                const CohortPartial& cohort) {
  std::vector<std::pair<std::string, std::string>> files;
  if (spec.exposure) files.emplace_back("exposures.csv", exposures_csv(cohort.rows));
  if (spec.incidence) files.emplace_back("incidence.csv", incidence_csv(spec, cohort.rows));
  if (spec.baseline)
    files.emplace_back("baseline.csv", baseline_csv(spec, cohort.rows.size(), cohort.tallies));
  if (spec.index_codes)
    files.emplace_back("index_codes.csv", index_codes_csv(cohort.tallies, spec.min_patients));
  return files;
}

// True when the claims serve loss to follow-up only (no event definition reads them).
bool claims_for_days_only(const CohortSpec& spec) {
  for (size_t d = 0; d < spec.events.size(); ++d)
    if (spec.events[d].source == CohortSource::kClaim && spec.uses_event(d)) return false;
  return spec.no_claim_days.has_value();
}

// The PRS_NAT_REF codes of the claim events the study uses, sorted, when only those lines matter
// (loss to follow-up needs every line's date: then none is left out).
std::optional<std::vector<int64_t>> claim_natures(const CohortSpec& spec) {
  if (spec.no_claim_days) return std::nullopt;
  std::vector<int64_t> natures;
  for (size_t d = 0; d < spec.events.size(); ++d)
    if (spec.events[d].source == CohortSource::kClaim && spec.uses_event(d))
      natures.insert(natures.end(), spec.events[d].nature.begin(), spec.events[d].nature.end());
  std::sort(natures.begin(), natures.end());
  natures.erase(std::unique(natures.begin(), natures.end()), natures.end());
  return natures;
}

}  // namespace

WantedTables cohort_wanted_tables(const CohortSpec& spec) {
  WantedTables wanted;
  // Every study has an index event, so IR_BEN_R always comes with some extractor's tables.
  for (auto s : kSources)
    if (spec.uses_source(s)) add_wanted(wanted, extractor_of(s), source_settings(spec, s));
  // Loss to follow-up alone needs claim dates only, and ER_PRS_F is the largest table: its
  // nature, quantity and amount columns are not read (extract_claims takes them as optional).
  if (claims_for_days_only(spec))
    wanted["ER_PRS_F"] = {"BEN_NIR_PSA", "BEN_RNG_GEM", "EXE_SOI_DTD", "DPN_QLF"};
  // Claim events net PRS_ACT_QTE; no cohort rule reads the amount paid (extract_claims takes it
  // as optional), one column of the largest table less to read and decode.
  else if (auto prs = wanted.find("ER_PRS_F"); prs != wanted.end())
    std::erase(prs->second, std::string("PRS_PAI_MNT"));
  // Birthdays split person-time by age band.
  if (spec.incidence && std::find(spec.incidence->strata.begin(), spec.incidence->strata.end(),
                                  IncidenceStratum::kAgeBand) != spec.incidence->strata.end())
    wanted["IR_BEN_R"].push_back("BEN_NAI_MOI");
  return wanted;
}

std::vector<std::string> cohort_optional_tables(const CohortSpec& spec) {
  std::vector<std::string> out;
  for (auto s : kSources)
    if (spec.uses_source(s))
      for (const auto& t : care_source_tables(extractor_of(s), source_settings(spec, s)))
        if (t.optional) out.push_back(t.table);
  return out;
}

void run_cohort(const CohortJobConfig& config, Communicator& comm, int threads,
                const CohortShardSource& source) {
  const CohortSpec& spec = config.spec;
  const fs::path output = config.output;
  const StayCodeFilter stay_codes = cohort_stay_codes(spec);
  const bool claim_days_only = claims_for_days_only(spec);
  const auto natures = claim_natures(spec);
  CohortPartial merged;  // rank 0
  merged.attrition.assign(spec.step_names().size(), 0);

  // Death certificates: a referential every rank reads once (only when a death event is used).
  const ShardData death_tables =
      spec.uses_source(CohortSource::kDeath) ? load_death_tables(config.store) : ShardData{};
  const DeathCertificates certificates(death_tables);
  WantedTables wanted = cohort_wanted_tables(spec);
  add_dcir_rule_columns(wanted, config.store, config.dcir_rules,
                        spec.uses_source(CohortSource::kClaim) && !claim_days_only);
  ShardJob job = shard_job("cohort", config, cohort_config_to_json(config), std::move(wanted));
  if (spec.uses_source(CohortSource::kDispensing))
    job.referential = spec.exposure && spec.exposure->days_per_box == 0
                          ? ReferentialNeed::kWithPackSizes
                          : ReferentialNeed::kCodes;
  job.work_parts = {"extract", "evaluate"};
  job.work = [&](ShardWork& shard, ByteWriter& out) {
    const PatientIndex patients = build_patient_index(shard.data);
    ShardEvents events;
    events.referential = &shard.referential;
    std::unique_ptr<ClaimDayLookup> claim_day_lookup;
    // Stays and claims: each extracted by one thread (stays by `stay_threads`).
    auto stays_and_claims = [&](int stay_threads) {
      if (spec.uses_source(CohortSource::kHospitalStay))
        events.stays = extract_stays(shard.data, patients, stay_threads,
                                     spec.needs_all_stays() ? nullptr : &stay_codes);
      if (!spec.uses_source(CohortSource::kClaim)) return;
      // Loss to follow-up alone needs the claim days, and only of the cohort's members: looked
      // up per member when the shard allows (no persons, rows in NIR order), else all of them
      // extracted (8 bytes a day, not 40 a line).
      if (claim_days_only && !patients.has_persons())
        claim_day_lookup = ClaimDayLookup::make(shard.data, patients);
      if (claim_day_lookup)
        events.claim_day_lookup = claim_day_lookup.get();
      else if (claim_days_only)
        events.claim_days = extract_claim_days(shard.data, patients);
      else
        events.claims = extract_claims(shard.data, patients, natures ? &*natures : nullptr);
    };
    // The dispensings are extracted by the rank's threads over row ranges; stays and claims on
    // one of those threads meanwhile (same events as one after the other).
    if (spec.uses_source(CohortSource::kDispensing))
      events.dispensing = cohort_dispensing_events(
          spec, DispensingSource(shard.data, patients, shard.referential), shard.threads,
          kCohortRowsPerRange, [&] { stays_and_claims(1); }, &events.dispensing_codes);
    else
      stays_and_claims(shard.threads);
    if (spec.uses_source(CohortSource::kAld))
      events.ald = extract_ald_periods(shard.data, patients);
    if (spec.uses_source(CohortSource::kAct))
      events.acts = extract_acts(shard.data, patients, spec.act_settings(), shard.threads);
    if (spec.uses_source(CohortSource::kLab)) events.labs = extract_labs(shard.data, patients);
    // One extraction per distinct `sources` set of the death definitions.
    for (size_t d = 0; d < spec.events.size(); ++d) {
      const auto& def = spec.events[d];
      if (def.source != CohortSource::kDeath || !spec.uses_event(d)) continue;
      const bool seen = std::any_of(events.deaths.begin(), events.deaths.end(),
                                    [&](const auto& e) { return e.first == def.death_sources; });
      if (!seen)
        events.deaths.emplace_back(
            def.death_sources,
            extract_deaths(shard.data, patients, def.death_sources, &certificates, shard.threads));
    }
    shard.lap("extract");
    if (!patients.has_persons()) {
      encode_partial(out, evaluate_cohort(spec, patients, events, shard.threads));
      return;
    }
    // A person's history over all its pseudo-NIRs (docs/data-model.md, "Persons"). Renumbering
    // reorders the dispensings: their resolved codes no longer line up (the codes are read).
    events.dispensing_codes.cip.clear();
    to_persons(events.dispensing, patients);
    to_persons(events.stays, patients);
    to_persons(events.claims, patients);
    to_persons(events.claim_days, patients);
    to_persons(events.ald, patients);
    to_persons(events.acts, patients);
    to_persons(events.labs, patients);
    for (auto& [sources, deaths] : events.deaths) {
      to_persons(deaths, patients);
      dedupe_deaths(deaths);
    }
    encode_partial(out, evaluate_cohort(spec, person_view(patients), events, shard.threads));
  };
  job.merge = [&](ByteReader& in) { merged.merge(decode_partial(in)); };
  // Sorting makes the answer independent of arrival order.
  job.finish = [&] {
    merged.sort_rows();
    // The design files are computed on the text files' thread, while cohort.h5 is written.
    std::vector<std::pair<std::string, std::string>> design_files;
    write_alongside(
        [&] {
          design_files = design_outputs(spec, merged);
          std::vector<std::pair<fs::path, std::string>> files;
          files.emplace_back(output / "cohort.csv", cohort_csv(merged.rows, &spec));
          files.emplace_back(output / "attrition.csv",
                             attrition_csv(spec.step_names(), merged.attrition));
          for (const auto& [name, text] : design_files) files.emplace_back(output / name, text);
          write_files_atomic(files);
        },
        [&] { write_cohort_h5(output / "cohort.h5", merged.rows, &spec); });
    ShardJobOutputs out;
    out.rows = merged.rows.size();
    out.files = {{"cohort.csv", {{"rows", merged.rows.size()}}},
                 {"attrition.csv", {{"rows", merged.attrition.size()}}},
                 {"cohort.h5", {{"rows", merged.rows.size()}}}};
    for (const auto& [name, text] : design_files)
      out.files[name] = {{"rows", std::count(text.begin(), text.end(), '\n') - 1}};
    out.summary = fmt::format("{} patients in the cohort", merged.rows.size());
    // Persons of the cohort with several pseudo-NIRs (extracts with BEN_IDT_ANO); absent when none.
    const auto linked = std::count_if(merged.rows.begin(), merged.rows.end(),
                                      [](const CohortRow& r) { return r.pseudo_nirs > 1; });
    if (linked > 0)
      out.files["cohort.csv"].as_object()["persons_with_several_pseudo_nirs"] =
          static_cast<uint64_t>(linked);
    return out;
  };
  run_shard_job(job, comm, threads, source);
}

}  // namespace snds
