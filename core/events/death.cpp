// Deaths: one per patient, the earliest valid date of three sources (docs/data-model.md):
//   ir_ben_r  BEN_DCD_DTE of the patient's IR_BEN_R row;
//   causes    BEN_DCD_DTE of the death certificate (KI_CCI_R), linked by BEN_IDT_ANO; an IR_BEN_R
//             row without BEN_IDT_ANO falls back on BEN_NIR_ANO = its BEN_NIR_PSA, unless twins
//             share that pseudonym (no certificate then);
//   pmsi      a valid stay ending in death (SOR_MOD 9), on its discharge day (admission +
//             SEJ_NBJ), only when the stay reaches one patient (a stay of twins names no one).
// Valid: known, not 1600-01-01, not before January 1st of the birth year when known (a death
// "before birth" is a data error, ignored). On a tie the date's source is ir_ben_r, then causes,
// then pmsi. Causes come from the certificate whatever source gave the date: DCD_CIM_COD (the
// initial cause) and KI_ECD_R's ECD_CIM_COD rows of the same certificate (DCD_IDT_ENC).
#include <algorithm>
#include <map>
#include <string>
#include <tuple>
#include <unordered_map>

#include "core/events/care_sources.hpp"
#include "core/events/column_access.hpp"
#include "core/events/loose_column.hpp"

namespace snds {
using events_detail::LooseColumn;

namespace {

bool valid_death(Date d, const Patient& p) {
  return d != kMissingDate && d != kSndsMissingSentinel &&
         (p.birth_year == kMissingInt || year_of(d) >= p.birth_year);
}

// "T_MCO19B" -> 2019; 0 for another name.
int stay_b_year(std::string_view name) {
  if (name.size() != 8 || !name.starts_with("T_MCO") || name[7] != 'B') return 0;
  if (name[5] < '0' || name[5] > '9' || name[6] < '0' || name[6] > '9') return 0;
  return 2000 + (name[5] - '0') * 10 + (name[6] - '0');
}

}  // namespace

DeathCertificates::DeathCertificates(const ShardData& tables) {
  const Batch* cci = tables.find("KI_CCI_R");
  if (!cci || cci->rows() == 0) return;
  std::unordered_map<std::string_view, std::vector<std::string_view>> other;
  if (const Batch* ecd = tables.find("KI_ECD_R"); ecd && ecd->rows() > 0) {
    const LooseColumn id(*ecd, "DCD_IDT_ENC"), code(*ecd, "ECD_CIM_COD");
    for (size_t r = 0; r < ecd->rows(); ++r)
      if (!id.string(r).empty() && !code.string(r).empty())
        other[id.string(r)].push_back(code.string(r));
  }
  const LooseColumn idt(*cci, "BEN_IDT_ANO"), nir(*cci, "BEN_NIR_ANO"), date(*cci, "BEN_DCD_DTE"),
      cause(*cci, "DCD_CIM_COD"), cert(*cci, "DCD_IDT_ENC");
  for (size_t r = 0; r < cci->rows(); ++r) {
    Certificate c{date.date(r), cause.string(r), {}};
    if (!cert.string(r).empty())
      if (auto it = other.find(cert.string(r)); it != other.end()) c.other_causes = it->second;
    if (!nir.string(r).empty()) by_nir_[nir.string(r)].push_back(c);
    if (!idt.string(r).empty()) by_idt_[idt.string(r)].push_back(std::move(c));
  }
}

const std::vector<DeathCertificates::Certificate>* DeathCertificates::of(
    std::string_view idt) const {
  auto it = by_idt_.find(idt);
  return it == by_idt_.end() ? nullptr : &it->second;
}

const std::vector<DeathCertificates::Certificate>* DeathCertificates::of_nir(
    std::string_view nir) const {
  auto it = by_nir_.find(nir);
  return it == by_nir_.end() ? nullptr : &it->second;
}

std::vector<DeathEvent> extract_deaths(const ShardData& shard, const PatientIndex& patients,
                                       uint8_t sources, const DeathCertificates* certificates,
                                       int threads) {
  const size_t n = patients.patients.size();
  std::vector<DeathEvent> out;
  if (n == 0) return out;
  DeathCertificates own;
  if (!certificates) {
    own = DeathCertificates(shard);
    certificates = &own;
  }
  // Per patient: the best date and its source so far.
  std::vector<Date> best(n, kMissingDate);
  std::vector<uint8_t> from(n, 0);
  auto offer = [&](uint32_t p, Date d, DeathSource s) {
    if (!valid_death(d, patients.patients[p])) return;
    if (best[p] == kMissingDate || d < best[p]) {  // sources come in precedence order
      best[p] = d;
      from[p] = s;
    }
  };
  if (sources & kDeathIrBenR)
    for (uint32_t p = 0; p < n; ++p) offer(p, patients.patients[p].death, kDeathIrBenR);

  // Each patient's certificate, through its IR_BEN_R row's BEN_IDT_ANO: the earliest valid one,
  // else the first. Linked whatever `sources` says, for the causes.
  std::vector<const DeathCertificates::Certificate*> certificate(n, nullptr);
  const Batch* ben = shard.find("IR_BEN_R");
  if (!certificates->empty() && ben && ben->rows() > 0) {
    const LooseColumn nir(*ben, "BEN_NIR_PSA"), rank(*ben, "BEN_RNG_GEM"), idt(*ben, "BEN_IDT_ANO");
    {
      for (size_t r = 0; r < ben->rows(); ++r) {
        // BEN_IDT_ANO when the row has it; otherwise BEN_NIR_ANO = BEN_NIR_PSA, when that
        // pseudonym is one patient's (twins share it: their certificates cannot be told apart).
        const auto* certs = idt.string(r).empty() ? nullptr : certificates->of(idt.string(r));
        if (!certs && idt.string(r).empty() && patients.patients_of(nir.string(r)).second == 1)
          certs = certificates->of_nir(nir.string(r));
        if (!certs) continue;
        const int64_t p = patients.find(nir.string(r), rank.integer(r));
        if (p < 0 || certificate[static_cast<size_t>(p)]) continue;
        const Patient& pt = patients.patients[static_cast<size_t>(p)];
        const DeathCertificates::Certificate* pick = &certs->front();
        for (const auto& c : *certs)
          if (valid_death(c.date, pt) && (!valid_death(pick->date, pt) || c.date < pick->date))
            pick = &c;
        certificate[static_cast<size_t>(p)] = pick;
      }
    }
  }
  if (sources & kDeathCauses)
    for (uint32_t p = 0; p < n; ++p)
      if (certificate[p]) offer(p, certificate[p]->date, kDeathCauses);

  if (sources & kDeathPmsi) {
    // Stays ending in death, by (year, ETA_NUM, RSA_NUM), from the B tables' SOR_MOD.
    std::map<std::tuple<int, std::string_view, std::string_view>, bool> died;
    std::string buf;
    for (const auto& [name, b] : shard.tables) {
      const int year = stay_b_year(name);
      if (year == 0 || b.rows() == 0) continue;
      const LooseColumn eta(b, "ETA_NUM"), rsa(b, "RSA_NUM"), mode(b, "SOR_MOD");
      if (!mode.present()) continue;
      for (size_t r = 0; r < b.rows(); ++r)
        died.try_emplace({year, eta.string(r), rsa.string(r)}, mode.text(r, buf) == "9");
    }
    if (!died.empty()) {
      const std::vector<StayEvent> stays = extract_stays(shard, patients, threads);
      for (const StayEvent& s : stays) {
        auto it = died.find({s.year, s.eta_num, s.rsa_num});
        if (it == died.end() || !it->second || s.date == kMissingDate) continue;
        // A stay reaches every patient of its NIR_ANO_17: twins make it nobody's death.
        if (patients.patients_of(patients.patients[s.patient].nir).second != 1) continue;
        offer(s.patient, static_cast<Date>(s.date + s.days), kDeathPmsi);
      }
    }
  }

  for (uint32_t p = 0; p < n; ++p) {
    if (best[p] == kMissingDate) continue;
    DeathEvent e{p, best[p], static_cast<DeathSource>(from[p]), {}, {}};
    if (certificate[p]) {
      e.cause = certificate[p]->cause;
      e.other_causes = certificate[p]->other_causes;
    }
    out.push_back(std::move(e));
  }
  return out;
}

void dedupe_deaths(std::vector<DeathEvent>& deaths) {
  std::stable_sort(deaths.begin(), deaths.end(), [](const DeathEvent& a, const DeathEvent& b) {
    if (a.patient != b.patient) return a.patient < b.patient;
    if (a.date != b.date) return a.date < b.date;
    return a.source < b.source;
  });
  auto last =
      std::unique(deaths.begin(), deaths.end(),
                  [](const DeathEvent& a, const DeathEvent& b) { return a.patient == b.patient; });
  deaths.erase(last, deaths.end());
}

}  // namespace snds
