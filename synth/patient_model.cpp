// The patient model. Draw order is fixed, so a patient is a pure function of (seed, index). Event
// quirks decide with counter-based hashes (never the care stream) and quirk lines take their
// documents from a separate counter range, so switching a quirk changes only what it touches.
#include "synth/patient_model.hpp"

#include <algorithm>
#include <cmath>
#include <optional>

#include "core/error.hpp"
#include "synth/catalogs.hpp"
#include "synth/rng.hpp"

namespace snds::synth {
namespace {

// Documents of quirk lines (info-only duplicates, regularisations) start here, orphans higher.
constexpr int64_t kQuirkDocumentBase = int64_t{1} << 18;

enum Condition : uint8_t {
  kDyslipidemia,
  kDiabetes,
  kHypertension,
  kHypothyroidism,
  kDepression,
  kAnxiety,
  kAtrialFibrillation,
  kRespiratory,
  kReflux,
  kGout,
  kContraception,
  kBreastCancer,
  kProstateCancer,
  kDialysis,
  kHomeNursing,
  kVitaminD,
  kChronicPain,
  kConditionCount
};

double logistic(double age, double mid, double scale) {
  return 1.0 / (1.0 + std::exp(-(age - mid) / scale));
}

// Prevalence of a condition at a given age (sex 1 man, 2 woman): rough French orders of magnitude.
double prevalence(Condition c, int age, int sex) {
  const double a = age;
  const bool man = sex == 1;
  switch (c) {
    case kDyslipidemia:
      return age < 25 ? 0 : 0.32 * logistic(a, 60, 7) * (man ? 1.15 : 0.9);
    case kDiabetes:
      return age < 20 ? 0 : 0.13 * logistic(a, 62, 8) * (man ? 1.2 : 0.85);
    case kHypertension:
      return age < 20 ? 0 : 0.45 * logistic(a, 62, 9);
    case kHypothyroidism:
      return (man ? 0.02 : 0.09) * logistic(a, 45, 10);
    case kDepression:
      return age < 16 ? 0 : (man ? 0.045 : 0.08);
    case kAnxiety:
      return age < 18 ? 0 : 0.03 + 0.07 * logistic(a, 70, 6);
    case kAtrialFibrillation:
      return 0.14 * logistic(a, 80, 6);
    case kRespiratory:
      return age < 5 ? 0 : 0.06 + 0.05 * logistic(a, 65, 8);
    case kReflux:
      return age < 18 ? 0 : 0.05 + 0.08 * logistic(a, 60, 10);
    case kGout:
      return (man ? 0.04 : 0.01) * logistic(a, 62, 8);
    case kContraception:
      return !man && age >= 15 && age <= 45 ? 0.35 : 0;
    case kBreastCancer:
      return man ? 0 : 0.025 * logistic(a, 62, 7);
    case kProstateCancer:
      return man ? 0.04 * logistic(a, 72, 6) : 0;
    case kDialysis:
      return age < 20 ? 0 : 0.0025 * logistic(a, 65, 8);
    case kHomeNursing:
      return 0.10 * logistic(a, 85, 4);
    case kVitaminD:
      return (man ? 0.08 : 0.2) * logistic(a, 62, 8);
    case kChronicPain:
      return age < 30 ? 0 : 0.25 * logistic(a, 70, 8);
    default:
      return 0;
  }
}

// Annual probability of death at an age (Gompertz above 30).
double mortality(int age) {
  if (age < 1) return 0.0035;
  if (age < 30) return 0.0003;
  return std::min(0.5, 5e-5 * std::exp(0.085 * age));
}

struct Demographics {
  int sex;
  int age;  // at January 1st of the first year
  int birth_month;
  uint16_t department;
};

Demographics draw_demographics(uint64_t seed, uint64_t person) {
  static const std::vector<double> kBandWeights = [] {
    std::vector<double> w;
    for (const auto& b : age_pyramid()) w.push_back(b.weight);
    return w;
  }();
  static const std::vector<double> kDepartmentWeights = [] {
    std::vector<double> w;
    for (const auto& d : departments()) w.push_back(d.weight);
    return w;
  }();
  Rng r(stream_key(seed, Stream::kDemographics, person));
  const AgeBand& band = age_pyramid()[r.pick(kBandWeights)];
  Demographics d{};
  d.age = r.range(band.lo, band.hi);
  d.sex = r.chance(band.male_share) ? 1 : 2;
  d.birth_month = r.range(1, 12);
  d.department = static_cast<uint16_t>(r.pick(kDepartmentWeights));
  return d;
}

Date year_start(int y) {
  return days_from_civil(y, 1, 1);
}
Date year_end(int y) {
  return days_from_civil(y, 12, 31);
}

// First day of the month `months` after the month of `d`.
Date first_of_month_after(Date d, int months) {
  const CivilDate c = civil_from_days(d);
  int m = static_cast<int>(c.month) - 1 + months;
  const int y = c.year + m / 12;
  m %= 12;
  return days_from_civil(y, static_cast<unsigned>(m + 1), 1);
}

struct ChronicDrug {
  uint16_t drug;
  uint32_t cip;
  Date start;
  Date stop;
  Date next_due;
};

struct Dispense {
  uint32_t cip;
  int16_t boxes;
};

// Builds one patient. Lives for one generate() call.
class Builder {
 public:
  Builder(const PatientModel& model, uint64_t index, PatientRecords& out)
      : opt_(model.options()),
        ref_(model.referential()),
        index_(index),
        out_(out),
        care_(stream_key(opt_.seed, Stream::kCare, index)),
        quirk_base_(stream_key(opt_.seed, Stream::kQuirk, index)) {}

  void run();

 private:
  // Counter-based quirk decision: the content bits when it fires, nullopt otherwise.
  std::optional<uint64_t> fire(Quirk q) {
    const size_t k = static_cast<size_t>(q);
    const uint64_t n = quirk_counter_[k]++;
    const double rate = opt_.quirks.rate(q);
    if (rate <= 0) return std::nullopt;
    const uint64_t h = hash_combine(quirk_base_, (uint64_t{k} << 48) ^ n);
    if (unit_of(h) >= rate) return std::nullopt;
    return mix64(h + 0x632be59bd9b4e019ULL);
  }

  bool has(Condition c) const { return onset_[c] != kMissingDate && onset_[c] <= end_; }
  int chronic_count() const {
    int n = 0;
    for (int c = 0; c < kConditionCount; ++c) n += has(static_cast<Condition>(c)) ? 1 : 0;
    return n;
  }
  Date random_day(Rng& r, Date lo, Date hi) {
    return lo + static_cast<Date>(r.below(static_cast<uint32_t>(hi - lo + 1)));
  }

  void demographics();
  void draw_death();
  void draw_conditions();
  void build_regimen();
  void add_drug(DrugGroup g, Date start, bool prevalent);
  void hospital_stays();
  void add_stay(StayKind kind, Date admission, int los, std::string_view cancer, bool dies);
  void dispense_chronic();
  void ambulatory_year(int year);
  void acute_episode(Date day, int age);

  DcirKey new_key(Rng& r, Date care, int64_t document, bool may_be_late);
  size_t claim(Date care, int nature, int quantity, int64_t paid, int64_t base, int exec,
               int presc);
  void pharmacy(Date care, const std::vector<Dispense>& items, int presc);
  void quirk_copies(size_t prs_index, size_t pha_begin, size_t pha_end);

  const GeneratorOptions& opt_;
  const DrugReferential& ref_;
  uint64_t index_;
  PatientRecords& out_;
  Rng care_;
  uint64_t quirk_base_;
  std::array<uint64_t, kQuirkCount> quirk_counter_{};

  int age0_ = 0;  // age at January 1st of the first year
  Date period_start_ = 0, period_end_ = 0, alive_from_ = 0, end_ = 0;
  std::array<Date, kConditionCount> onset_{};
  std::vector<ChronicDrug> regimen_;
  std::vector<Dispense> items_;
  int64_t documents_ = 0, quirk_documents_ = 0, orphan_documents_ = 0;
  int64_t stays_ = 0;
  bool hospital_dialysis_ = false;
  std::string_view cancer_;
};

void Builder::demographics() {
  const uint64_t seed = opt_.seed;
  const bool twin = is_twin_pair(opt_, index_ >> 1);
  const bool second = twin && (index_ & 1) != 0;
  const uint64_t person = second ? index_ - 1 : index_;
  const Demographics d = draw_demographics(seed, person);
  out_.index = index_;
  out_.nir = pseudonym(seed, person);
  out_.idt = pseudonym(seed, index_, 0x1d7);
  out_.rng_gem = second ? 2 : 1;
  // A twin's sex is its own; everything else is shared with its sibling.
  out_.sex = second ? (unit_of(stream_key(seed, Stream::kPair, index_)) < 0.5 ? 1 : 2) : d.sex;
  age0_ = d.age;
  out_.birth_year = opt_.first_year - d.age;
  out_.birth_month = d.birth_month;
  out_.department = d.department;
  out_.in_ir_ben_r = !fire(Quirk::kMissingBen).has_value();
  // A person whose claims and stays move to a second pseudo-NIR on a day of the period (so
  // most such persons have care under both). Twins keep one each: their NIR is shared.
  if (auto bits = fire(Quirk::kPersons); bits && !twin) {
    out_.nir2 = pseudonym(seed, index_, 0x5e2);
    const Date first = days_from_civil(opt_.first_year, 1, 1);
    const Date last = days_from_civil(opt_.last_year, 12, 31);
    out_.nir2_from = first + static_cast<Date>(*bits % static_cast<uint64_t>(last - first + 1));
    // One in ten such persons has a birth year mistyped on one row: the jobs take the most
    // frequent, ties to the smallest (docs/data-model.md), here the true one.
    out_.nir2_birth_year_off = (*bits >> 40) % 10 == 0;
  }
}

void Builder::draw_death() {
  for (int y = opt_.first_year; y <= opt_.last_year; ++y) {
    if (care_.chance(mortality(y - out_.birth_year))) {
      out_.death = random_day(care_, std::max(year_start(y), alive_from_), year_end(y));
      break;
    }
  }
  end_ = out_.death == kMissingDate ? period_end_ : out_.death;
}

void Builder::draw_conditions() {
  const int age_end = opt_.last_year - out_.birth_year;
  for (int c = 0; c < kConditionCount; ++c) {
    const auto cond = static_cast<Condition>(c);
    const double p_end = prevalence(cond, age_end, out_.sex);
    const double p_start = prevalence(cond, age0_, out_.sex);
    const double u1 = care_.uniform(), u2 = care_.uniform();
    onset_[c] = kMissingDate;
    if (u1 >= p_end) continue;
    // Prevalent at the start, or incident during the period (new users for cohort studies).
    onset_[c] =
        u2 < p_start / p_end ? period_start_ - 1 : random_day(care_, alive_from_, period_end_);
  }
  out_.heavy = has(kDialysis) || has(kHomeNursing);
}

void Builder::add_drug(DrugGroup g, Date start, bool prevalent) {
  const auto drugs = drugs_of_group(g);
  double w[8];
  const size_t n = std::min<size_t>(drugs.size(), 8);
  for (size_t i = 0; i < n; ++i) w[i] = drug_catalog()[drugs[i]].weight;
  const uint16_t drug = drugs[care_.pick(std::span<const double>(w, n))];
  for (const auto& existing : regimen_)
    if (drug_catalog()[existing.drug].group == g && existing.stop >= start) return;
  const auto large = ref_.large_packs(drug);
  const auto standard = ref_.standard_packs(drug);
  const bool use_large = !large.empty() && care_.chance(0.2);
  const uint32_t cip = use_large ? large[care_.below(static_cast<uint32_t>(large.size()))]
                                 : standard[care_.below(static_cast<uint32_t>(standard.size()))];
  // Persistence: long for prevalent users, shorter for new users.
  const double mean_days = prevalent ? 3000 : 700;
  const Date stop = start + static_cast<Date>(-mean_days * std::log(1.0 - care_.uniform() * 0.999));
  regimen_.push_back({drug, cip, start, std::min(stop, end_), start});
}

void Builder::build_regimen() {
  regimen_.clear();
  auto start_of = [&](Condition c) { return std::max(onset_[c], period_start_ - 20); };
  auto prevalent = [&](Condition c) { return onset_[c] < period_start_; };
  using G = DrugGroup;
  if (has(kDyslipidemia)) {
    add_drug(G::kStatin, start_of(kDyslipidemia), prevalent(kDyslipidemia));
    if (care_.chance(0.1))
      add_drug(G::kEzetimibe, start_of(kDyslipidemia), prevalent(kDyslipidemia));
  }
  if (has(kDiabetes)) {
    const Date s = start_of(kDiabetes);
    const bool p = prevalent(kDiabetes);
    if (care_.chance(0.88)) add_drug(G::kMetformin, s, p);
    if (care_.chance(0.25)) add_drug(G::kSulfonylurea, s, p);
    if (care_.chance(0.12)) add_drug(G::kGlp1, s, p);
    if (care_.chance(0.12)) add_drug(G::kInsulin, s, p);
  }
  if (has(kHypertension)) {
    const Date s = start_of(kHypertension);
    const bool p = prevalent(kHypertension);
    const int classes = care_.chance(0.5) ? 1 : care_.chance(0.7) ? 2 : 3;
    add_drug(care_.chance(0.45) ? G::kAce : G::kArb, s, p);
    static constexpr G kOthers[] = {G::kCalciumBlocker, G::kBetaBlocker, G::kDiuretic};
    for (int k = 1; k < classes; ++k) add_drug(kOthers[care_.below(3)], s, p);
    if (out_.birth_year <= opt_.first_year - 55 && care_.chance(0.2)) add_drug(G::kAspirin, s, p);
  }
  if (has(kHypothyroidism))
    add_drug(G::kLevothyroxine, start_of(kHypothyroidism), prevalent(kHypothyroidism));
  if (has(kDepression)) {
    add_drug(G::kSsri, start_of(kDepression), prevalent(kDepression));
    if (care_.chance(0.3))
      add_drug(G::kBenzodiazepine, start_of(kDepression), prevalent(kDepression));
  }
  if (has(kAnxiety)) {
    add_drug(care_.chance(0.5) ? G::kBenzodiazepine : G::kHypnotic, start_of(kAnxiety),
             prevalent(kAnxiety));
  }
  if (has(kAtrialFibrillation)) {
    add_drug(G::kAnticoagulant, start_of(kAtrialFibrillation), prevalent(kAtrialFibrillation));
    if (care_.chance(0.5))
      add_drug(G::kBetaBlocker, start_of(kAtrialFibrillation), prevalent(kAtrialFibrillation));
  }
  if (has(kRespiratory)) {
    const Date s = start_of(kRespiratory);
    if (care_.chance(0.6)) add_drug(G::kInhaledCombo, s, prevalent(kRespiratory));
    if (care_.chance(0.5)) add_drug(G::kSalbutamol, s, prevalent(kRespiratory));
    if (out_.birth_year <= opt_.first_year - 50 && care_.chance(0.3))
      add_drug(G::kTiotropium, s, prevalent(kRespiratory));
  }
  if (has(kReflux)) add_drug(G::kPpi, start_of(kReflux), prevalent(kReflux));
  if (has(kGout)) add_drug(G::kAllopurinol, start_of(kGout), prevalent(kGout));
  if (has(kContraception))
    add_drug(G::kContraceptive, start_of(kContraception), prevalent(kContraception));
  if (has(kBreastCancer) || has(kProstateCancer))
    add_drug(G::kHormoneTherapy, start_of(has(kBreastCancer) ? kBreastCancer : kProstateCancer),
             true);
  if (has(kVitaminD)) add_drug(G::kVitaminD, start_of(kVitaminD), prevalent(kVitaminD));
  if (has(kChronicPain)) {
    add_drug(G::kParacetamol, start_of(kChronicPain), prevalent(kChronicPain));
    if (care_.chance(0.2))
      add_drug(G::kOpioidCombo, start_of(kChronicPain), prevalent(kChronicPain));
  }
  if (has(kDialysis)) {
    add_drug(G::kEpoetin, start_of(kDialysis), true);
    add_drug(G::kSevelamer, start_of(kDialysis), true);
  }
}

void Builder::add_stay(StayKind kind, Date admission, int los, std::string_view cancer, bool dies) {
  const StayKindSpec& spec = stay_kind(kind);
  admission = std::max(admission, std::max(alive_from_, period_start_));
  if (admission > end_) return;
  Date discharge = admission + los;
  StayRow s;
  if (dies || (out_.death != kMissingDate && discharge >= out_.death)) {
    discharge = out_.death;
    s.sor_mod = '9';
  } else if (discharge > period_end_) {
    discharge = period_end_;
  }
  if (discharge < admission) return;
  s.admission = admission;
  s.discharge = discharge;
  s.los = static_cast<int16_t>(discharge - admission);
  s.year = civil_from_days(discharge).year;
  if (++stays_ >= (int64_t{1} << kStayBits))
    throw internal_error("generator: patient {} has more than {} stays", index_,
                         (1 << kStayBits) - 1);
  s.rsa = static_cast<int64_t>(index_ << kStayBits) | stays_;
  const double u = care_.uniform();
  const int hospital = u < 0.5 ? 0 : u < 0.75 ? 1 : u < 0.9 ? 2 : 3;
  const uint16_t dept =
      care_.chance(0.9)
          ? out_.department
          : static_cast<uint16_t>(care_.below(static_cast<uint32_t>(departments().size())));
  s.eta = finess(opt_.seed, dept, hospital);

  std::string_view ghm_root = spec.ghm_root;
  if (kind == StayKind::kCancerSurgery) {
    s.dp = cancer;
    for (const auto& c : cancers())
      if (c.code == cancer) ghm_root = c.surgery_ghm_root;
  } else {
    s.dp = spec.dp[care_.below(static_cast<uint32_t>(spec.dp.size()))];
  }
  if (kind == StayKind::kChemotherapy) {
    s.dr = cancer;
  } else if (kind == StayKind::kDialysis) {
    s.dr = das::kKidneyFailure;
  } else if (care_.chance(0.08)) {
    s.dr = has(kDiabetes) ? das::kDiabetes : has(kHypertension) ? das::kHypertension : "";
  }

  // Associated diagnoses: the patient's chronic conditions, a few frequent codes, and now and
  // then an acute infarction seen during another stay (what `positions: [DAS]` finds).
  s.das_begin = static_cast<uint16_t>(std::min<size_t>(out_.das.size(), 65535));
  const bool session = spec.severity == Severity::kSession;
  const double keep = session ? 0.15 : 0.6;
  auto add_das = [&](bool cond, std::string_view code) {
    if (cond && care_.chance(keep)) out_.das.push_back(code);
  };
  add_das(has(kHypertension), das::kHypertension);
  add_das(has(kDiabetes), das::kDiabetes);
  add_das(has(kDyslipidemia), das::kDyslipidemia);
  add_das(has(kHypothyroidism), das::kHypothyroidism);
  add_das(has(kDepression), das::kDepression);
  add_das(has(kDialysis), das::kKidneyFailure);
  add_das(has(kAtrialFibrillation), das::kAtrialFibrillation);
  add_das(has(kRespiratory) && out_.birth_year <= opt_.first_year - 50, das::kCopd);
  const int extra = session ? 0 : care_.poisson(0.6);
  for (int k = 0; k < extra; ++k) {
    const std::string_view code =
        frequent_das()[care_.below(static_cast<uint32_t>(frequent_das().size()))];
    if (std::find(out_.das.begin() + s.das_begin, out_.das.end(), code) == out_.das.end())
      out_.das.push_back(code);
  }
  if ((kind == StayKind::kHeartFailure || kind == StayKind::kAtrialFibrillation ||
       kind == StayKind::kStroke || kind == StayKind::kPneumonia) &&
      care_.chance(0.04))
    out_.das.push_back(
        infarction_codes()[care_.below(static_cast<uint32_t>(infarction_codes().size()))]);
  if (kind == StayKind::kHeartFailure && care_.chance(0.2)) out_.das.push_back(das::kOldInfarction);
  s.das_count = static_cast<uint16_t>(out_.das.size() - s.das_begin);

  std::copy(ghm_root.begin(), ghm_root.end(), s.ghm.begin());
  const int level = std::min(3, s.das_count / 2);
  switch (spec.severity) {
    case Severity::kLevel:
      s.ghm[5] = static_cast<char>('1' + level);
      break;
    case Severity::kLetter:
      s.ghm[5] = static_cast<char>('A' + level);
      break;
    case Severity::kAmbulatory:
      s.ghm[5] = 'J';
      break;
    case Severity::kSession:
      s.ghm[5] = 'Z';
      break;
  }
  s.ent_mod = care_.chance(0.05) ? '7' : '8';
  if (s.sor_mod != '9' && care_.chance(0.03)) s.sor_mod = '7';
  s.sej_typ = care_.chance(0.01) ? 'B' : 0;

  if (auto bits = fire(Quirk::kInvalidStays)) {
    s.invalid = true;
    if (*bits & 1) {
      static constexpr const char* kErrorGhm[] = {"90Z00Z", "90Z01Z", "90Z02Z", "90H02Z"};
      const char* g = kErrorGhm[(*bits >> 1) % 4];
      std::copy(g, g + 6, s.ghm.begin());
    } else {
      s.ret[(*bits >> 1) % 7] = ((*bits >> 8) & 1) ? '2' : '1';
    }
  }
  if (auto bits = fire(Quirk::kPlaceholderNir)) s.placeholder = (*bits & 1) ? 'x' : 'D';
  out_.stays.push_back(s);

  if (kind == StayKind::kMyocardialInfarction && s.sor_mod != '9') {
    // Secondary prevention after an infarction: new users of statins, antiplatelets, beta-blockers.
    const Date start = discharge + care_.range(1, 7);
    add_drug(DrugGroup::kStatin, start, false);
    add_drug(DrugGroup::kAspirin, start, false);
    if (care_.chance(0.7)) add_drug(DrugGroup::kBetaBlocker, start, false);
  }
}

void Builder::hospital_stays() {
  const int chronic = chronic_count();
  const bool man = out_.sex == 1;
  for (int y = opt_.first_year; y <= opt_.last_year; ++y) {
    if (year_start(y) > end_) break;
    const int age = y - out_.birth_year;
    const double rate =
        0.045 + 0.0035 * std::max(0, age - 30) + (age < 2 ? 0.12 : 0) + 0.03 * chronic;
    const int n = care_.poisson(rate);
    for (int k = 0; k < n; ++k) {
      double w[kStayKindCount] = {};
      auto set = [&](StayKind kind, double v) { w[static_cast<size_t>(kind)] = v; };
      const double cv = 1 + 1.5 * has(kDyslipidemia) + 1.5 * has(kDiabetes) + has(kHypertension);
      set(StayKind::kMyocardialInfarction, age >= 35 ? 0.05 * cv * (man ? 1.8 : 0.8) : 0);
      set(StayKind::kHeartFailure,
          age >= 60 ? 0.08 * (1 + has(kHypertension) + has(kAtrialFibrillation)) : 0);
      set(StayKind::kStroke,
          age >= 50 ? 0.05 * (1 + has(kHypertension) + has(kAtrialFibrillation)) : 0);
      set(StayKind::kAtrialFibrillation, age >= 55 ? 0.03 * (1 + 2 * has(kAtrialFibrillation)) : 0);
      set(StayKind::kPneumonia, 0.07 + (age >= 75 ? 0.08 : 0) + (age < 5 ? 0.05 : 0));
      set(StayKind::kCopd, has(kRespiratory) && age >= 50 ? 0.08 : 0);
      set(StayKind::kHipFracture, age >= 70 ? (man ? 0.04 : 0.09) : 0);
      set(StayKind::kCancerSurgery, age >= 45 ? 0.06 : age >= 30 ? 0.015 : 0);
      set(StayKind::kDelivery, !man && age >= 18 && age <= 42 ? 0.6 : 0);
      set(StayKind::kAppendicitis, age >= 5 && age <= 40 ? 0.06 : 0.01);
      set(StayKind::kCholecystitis, age >= 30 ? 0.04 : 0);
      set(StayKind::kCataract, age >= 60 ? 0.1 : 0);
      set(StayKind::kKneeReplacement, age >= 55 ? 0.04 : 0);
      set(StayKind::kGastroenteritis, age < 10 ? 0.1 : 0.02);
      set(StayKind::kSyncope, 0.03);
      set(StayKind::kBronchiolitis, age < 2 ? 0.3 : 0);
      set(StayKind::kAbdominalPain, 0.06);
      const auto kind = static_cast<StayKind>(care_.pick(w));
      const StayKindSpec& spec = stay_kind(kind);
      const int los = care_.range(spec.los_min, spec.los_max);
      const Date admission = random_day(care_, year_start(y), year_end(y));
      if (kind != StayKind::kCancerSurgery) {
        add_stay(kind, admission, los, {}, false);
        continue;
      }
      // A cancer: surgery, then a series of chemotherapy sessions every 2-3 weeks.
      double cw[16];
      const auto list = cancers();
      for (size_t c = 0; c < list.size(); ++c)
        cw[c] = list[c].sex == 0 || list[c].sex == out_.sex ? list[c].weight : 0;
      cancer_ = list[care_.pick(std::span<const double>(cw, list.size()))].code;
      add_stay(kind, admission, los, cancer_, false);
      if (care_.chance(0.6)) {
        const int sessions = care_.range(6, 18);
        Date d = admission + los + care_.range(14, 35);
        for (int s = 0; s < sessions && d <= end_; ++s, d += care_.range(14, 21))
          add_stay(StayKind::kChemotherapy, d, 0, cancer_, false);
      }
    }
  }
  if (has(kDialysis) && care_.chance(0.5)) {
    // Hospital dialysis: one session stay on Mondays, Wednesdays and Fridays (the heavy tail).
    for (Date d = std::max({onset_[kDialysis], period_start_, alive_from_}); d <= end_; ++d) {
      const int weekday =
          static_cast<int>((d % 7 + 11) % 7);  // 0 = Sunday (1970-01-01 was a Thursday)
      if (weekday == 1 || weekday == 3 || weekday == 5)
        add_stay(StayKind::kDialysis, d, 0, {}, false);
    }
    hospital_dialysis_ = true;  // no dialysis claims in DCIR then
  }
  if (out_.death != kMissingDate && care_.chance(0.6)) {
    static constexpr StayKind kLast[] = {StayKind::kHeartFailure, StayKind::kStroke,
                                         StayKind::kPneumonia};
    const int los = care_.range(1, 15);
    add_stay(kLast[care_.below(3)], out_.death - los, los, {}, true);
  }
}

DcirKey Builder::new_key(Rng& r, Date care, int64_t document, bool may_be_late) {
  DcirKey k;
  k.dct_ord_num = static_cast<int64_t>(index_ << kDocumentBits) | document;
  // One draw, cut into small fields: this runs for every claim line.
  const uint64_t u = r.next();
  const uint32_t lag_draw = u & 0xffff;  // processing lag: 75% next month, 18% the one after
  int lag = lag_draw < 49152 ? 1 : lag_draw < 60948 ? 2 : 3 + static_cast<int>((u >> 16) & 3);
  if (may_be_late) {
    if (auto bits = fire(Quirk::kLateClaims)) {
      lag += 6 + static_cast<int>(*bits % 21);  // 7 to 27 months after the care month
      ++out_.late_claims;
    }
  }
  k.flx_dis_dtd = first_of_month_after(care, lag);
  k.flx_trt_dtd = k.flx_dis_dtd - 1 - static_cast<Date>(((u >> 18) & 0xff) % 20);
  const uint32_t e = (u >> 26) & 0xff;
  k.flx_emt_typ = static_cast<int8_t>(e < 205 ? 1 : e < 243 ? 2 : 3);
  k.flx_emt_num = static_cast<int16_t>(1 + ((u >> 34) & 0xffff) % 99);
  k.flx_emt_ord = static_cast<int8_t>(((u >> 50) & 0xff) % 10);
  k.rem_typ_aff = static_cast<int8_t>(((u >> 58) & 0x3f) < 59 ? 1 : 2);
  const uint64_t v = r.next();
  k.org_department =
      (v & 0xff) < 243 ? out_.department : static_cast<uint16_t>((v >> 8) % departments().size());
  k.prs_ord_num = 1;
  return k;
}

size_t Builder::claim(Date care, int nature, int quantity, int64_t paid, int64_t base, int exec,
                      int presc) {
  if (++documents_ >= kQuirkDocumentBase)
    throw internal_error("generator: patient {} has more than {} claim documents", index_,
                         kQuirkDocumentBase - 1);
  PrsRow p;
  p.key = new_key(care_, care, documents_, true);
  p.exe_soi_dtd = care;
  p.nature = static_cast<int16_t>(nature);
  p.quantity = static_cast<int16_t>(quantity);
  p.paid_cents = paid;
  p.base_cents = base;
  p.exec_specialty = static_cast<uint8_t>(exec);
  p.presc_specialty = static_cast<uint8_t>(presc);
  p.sector = static_cast<uint8_t>(care_.chance(0.85) ? 1 : 2);
  out_.prs.push_back(p);
  return out_.prs.size() - 1;
}

// Info-only duplicates and regularisations of a claim line (and its ER_PHA_F rows).
void Builder::quirk_copies(size_t prs_index, size_t pha_begin, size_t pha_end) {
  const bool is_pharmacy = out_.prs[prs_index].nature == nature::kPharmacy;
  if (is_pharmacy) {
    if (auto bits = fire(Quirk::kRegularisation)) {
      Rng r(*bits);
      PrsRow p = out_.prs[prs_index];
      p.key = new_key(r, p.exe_soi_dtd, kQuirkDocumentBase + quirk_documents_++, false);
      // Processed one to three months after the original.
      p.key.flx_dis_dtd = first_of_month_after(out_.prs[prs_index].key.flx_dis_dtd, r.range(1, 3));
      p.key.flx_trt_dtd = p.key.flx_dis_dtd - r.range(1, 20);
      p.quantity = static_cast<int16_t>(-p.quantity);
      p.paid_cents = -p.paid_cents;
      p.base_cents = -p.base_cents;
      out_.prs.push_back(p);
      ++out_.regularisation_lines;
      // The dispensing fee line of the document is cancelled with it.
      if (prs_index + 1 < out_.prs.size() &&
          out_.prs[prs_index + 1].nature == nature::kDispensingFee &&
          out_.prs[prs_index + 1].key.dct_ord_num == out_.prs[prs_index].key.dct_ord_num) {
        PrsRow fee = out_.prs[prs_index + 1];
        fee.key = p.key;
        fee.key.prs_ord_num = 2;
        fee.quantity = static_cast<int16_t>(-fee.quantity);
        fee.paid_cents = -fee.paid_cents;
        fee.base_cents = -fee.base_cents;
        out_.prs.push_back(fee);
        ++out_.regularisation_lines;
      }
      for (size_t i = pha_begin; i < pha_end; ++i) {
        PhaRow h = out_.pha[i];
        h.key = p.key;
        h.boxes = static_cast<int16_t>(-h.boxes);
        out_.pha.push_back(h);
      }
    }
  }
  if (auto bits = fire(Quirk::kInfo71)) {
    Rng r(*bits);
    PrsRow p = out_.prs[prs_index];
    p.key = new_key(r, p.exe_soi_dtd, kQuirkDocumentBase + quirk_documents_++, false);
    p.dpn_qlf = 71;
    out_.prs.push_back(p);
    for (size_t i = pha_begin; i < pha_end; ++i) {
      PhaRow h = out_.pha[i];
      h.key = p.key;
      out_.pha.push_back(h);
    }
    ++out_.info71_lines;
  }
}

void Builder::pharmacy(Date care, const std::vector<Dispense>& items, int presc) {
  if (items.empty()) return;
  int boxes = 0;
  int64_t amount = 0;
  for (const auto& it : items) {
    boxes += it.boxes;
    amount += static_cast<int64_t>(ref_.at(it.cip).price_cents) * it.boxes;
  }
  // The reimbursable base is the amount paid at a 65% rate, rounded up to the cent: derived, not
  // drawn, so PRS_PAI_MNT and every other column stay as they were and only BSE_REM_MNT differs
  // from it (an Open Medic table's base and amount are then two different columns).
  const int64_t base = (amount * 100 + 64) / 65;
  const size_t prs = claim(care, nature::kPharmacy, boxes, amount, base, 50, presc);
  const DcirKey key = out_.prs[prs].key;
  {
    // The pharmacist's dispensing fee: a second line of the same document, 1.02 EUR a box.
    PrsRow fee = out_.prs[prs];
    fee.key.prs_ord_num = 2;
    fee.nature = nature::kDispensingFee;
    fee.paid_cents = fee.base_cents = 102 * boxes;
    out_.prs.push_back(fee);
  }
  const size_t pha_begin = out_.pha.size();
  uint8_t line = 0;
  for (const auto& it : items) {
    PhaRow h;
    h.key = key;
    h.cip = it.cip;
    h.boxes = it.boxes;
    h.line = ++line;
    if (fire(Quirk::kUnknownCip)) {
      h.cip = ref_.unreferenced(ref_.at(it.cip).drug);
    }
    out_.pha.push_back(h);
  }
  const size_t pha_end = out_.pha.size();
  for (size_t i = pha_begin; i < pha_end; ++i) {
    if (fire(Quirk::kOrphans)) {
      PhaRow h = out_.pha[i];
      h.key.dct_ord_num = static_cast<int64_t>(index_ << kDocumentBits) |
                          (kOrphanDocumentBase + orphan_documents_++);
      h.orphan = true;
      out_.pha.push_back(h);
      ++out_.orphan_rows;
    }
  }
  quirk_copies(prs, pha_begin, pha_end);
}

void Builder::dispense_chronic() {
  if (regimen_.empty()) return;
  Date first = end_;
  for (const auto& d : regimen_) first = std::min(first, d.start);
  // alive_from_ is never before the period: prevalent users show up in its first weeks.
  Date t = std::max(first, alive_from_) + care_.range(0, 20);
  for (; t <= end_; t += care_.range(27, 33)) {
    if (care_.chance(0.04)) continue;  // a missed month: gaps exist
    items_.clear();
    for (auto& d : regimen_) {
      if (d.start > t + 3 || d.stop < t || d.next_due > t + 5) continue;
      const CipCode& c = ref_.at(d.cip);
      int16_t boxes = 1;
      if (c.pack_months == 1) {
        const auto g = drug_catalog()[d.drug].group;
        if (g == DrugGroup::kInsulin)
          boxes = static_cast<int16_t>(care_.range(2, 3));
        else if (care_.chance(0.03))
          boxes = 2;
      }
      items_.push_back({d.cip, boxes});
      d.next_due = t + 28 * c.pack_months - 4;
    }
    pharmacy(t, items_, care_.chance(0.8) ? 1 : 3);
  }
}

void Builder::acute_episode(Date day, int age) {
  claim(day, nature::kGpConsultation, 1, 2500, 2500, 1, 0);
  const Date when = std::min(end_, day + (care_.chance(0.7) ? 0 : 1));
  items_.clear();
  auto give = [&](DrugGroup g, int boxes) {
    const auto drugs = drugs_of_group(g);
    double w[8];
    const size_t n = std::min<size_t>(drugs.size(), 8);
    for (size_t i = 0; i < n; ++i) w[i] = drug_catalog()[drugs[i]].weight;
    const uint16_t drug = drugs[care_.pick(std::span<const double>(w, n))];
    const auto packs = ref_.standard_packs(drug);
    items_.push_back(
        {packs[care_.below(static_cast<uint32_t>(packs.size()))], static_cast<int16_t>(boxes)});
  };
  if (care_.chance(0.75)) give(DrugGroup::kParacetamol, care_.range(1, 2));
  if (care_.chance(0.4)) {
    using G = DrugGroup;
    const double fosfo = out_.sex == 2 && age >= 15 ? 0.07 : 0;
    const double quino = age >= 18 ? 0.06 : 0;
    const double w[] = {0.45, 0.2, 0.12, 0.1, quino, fosfo};
    static constexpr G kAntibiotics[] = {G::kAmoxicillin,   G::kAmoxClav,  G::kMacrolide,
                                         G::kCephalosporin, G::kQuinolone, G::kFosfomycin};
    give(kAntibiotics[care_.pick(w)], 1);
  }
  if (age >= 12 && care_.chance(0.2)) give(DrugGroup::kNsaid, 1);
  if (care_.chance(0.08)) give(DrugGroup::kCorticoid, 1);
  if (care_.chance(0.1)) give(DrugGroup::kAntihistamine, 1);
  if (age >= 18 && care_.chance(0.05)) give(DrugGroup::kOpioidCombo, 1);
  if (care_.chance(0.04)) give(DrugGroup::kSalbutamol, 1);
  pharmacy(when, items_, 1);
}

void Builder::ambulatory_year(int y) {
  const Date lo = std::max({year_start(y), alive_from_, period_start_});
  const Date hi = std::min(year_end(y), end_);
  if (lo > hi) return;
  const int age = y - out_.birth_year;
  const int chronic = chronic_count();
  auto day = [&] { return random_day(care_, lo, hi); };

  const int gp = care_.poisson(4.0 + 0.05 * age + 1.3 * chronic + (age < 3 ? 4 : 0));
  for (int k = 0; k < gp; ++k) {
    const Date d = day();
    claim(d, nature::kGpConsultation, 1, 2500, 2500, 1, 0);
    const size_t prs = out_.prs.size() - 1;
    if (care_.chance(age < 6 ? 0.5 : 0.05)) {
      // A majoration line: same document, next PRS_ORD_NUM.
      PrsRow m = out_.prs[prs];
      m.key.prs_ord_num = 2;
      m.nature = nature::kMajoration;
      m.paid_cents = m.base_cents = 500;
      m.cpl_maj_top = 2;
      out_.prs.push_back(m);
    }
    quirk_copies(prs, 0, 0);
  }
  if (age >= 80) {
    const int visits = care_.poisson(1.5);
    for (int k = 0; k < visits; ++k)
      quirk_copies(claim(day(), nature::kHomeVisit, 1, 3500, 3500, 1, 0), 0, 0);
  }
  const int specialist = care_.poisson(1.3 + 0.7 * chronic);
  for (int k = 0; k < specialist; ++k) {
    const int spe = has(kDiabetes) && care_.chance(0.4)       ? 42
                    : has(kHypertension) && care_.chance(0.4) ? 3
                    : has(kDepression) && care_.chance(0.5)   ? 33
                    : age >= 60 && care_.chance(0.3)          ? 15
                                                              : 5;
    const int64_t paid = 3000 + (care_.chance(0.4) ? care_.range(1, 30) * 100 : 0);
    quirk_copies(claim(day(), nature::kSpecialistConsultation, 1, paid, 3000, spe, 1), 0, 0);
  }
  const int lab =
      care_.poisson(2.2 + 1.8 * (has(kDyslipidemia) || has(kDiabetes) || has(kHypertension)));
  for (int k = 0; k < lab; ++k) {
    const int64_t amount = care_.range(10, 80) * 100 + care_.range(0, 99);
    quirk_copies(claim(day(), nature::kBiology, 1, amount, amount, 38, 1), 0, 0);
  }
  const int dental = care_.chance(0.6) ? care_.poisson(1.8) : 0;
  for (int k = 0; k < dental; ++k) {
    const int64_t amount = care_.chance(0.7) ? 2300 : care_.range(30, 300) * 100;
    quirk_copies(claim(day(), nature::kDental, 1, amount, std::min<int64_t>(amount, 2300), 19, 0),
                 0, 0);
  }
  const int imaging = care_.poisson(0.4 + 0.01 * age);
  for (int k = 0; k < imaging; ++k) {
    const int64_t amount = care_.range(25, 60) * 100 + care_.range(0, 99);
    quirk_copies(claim(day(), nature::kImaging, 1, amount, amount, 6, 1), 0, 0);
  }
  if (age >= 60 && !has(kHomeNursing)) {
    const int acts = care_.poisson(1.0);  // blood samples, injections at home
    for (int k = 0; k < acts; ++k)
      quirk_copies(claim(day(), nature::kNursing, 1, 565, 565, 24, 1), 0, 0);
  }
  if (care_.chance(age >= 65 ? 0.1 : 0.05)) {
    Date d = day();
    const int sessions = care_.range(6, 15);
    for (int k = 0; k < sessions && d <= hi; ++k, d += care_.range(2, 4))
      quirk_copies(claim(d, nature::kPhysiotherapy, 1, 1613, 1613, 26, 1), 0, 0);
  }
  if (has(kHomeNursing)) {
    // Home nursing: a visit every day or two (part of the heavy tail).
    for (Date d = std::max(lo, onset_[kHomeNursing]); d <= hi; d += care_.range(1, 2)) {
      const int coef = care_.range(1, 3);
      const int64_t amount = 315 * coef + 250;
      quirk_copies(claim(d, nature::kNursing, coef, amount, amount, 24, 1), 0, 0);
    }
  }
  if (has(kDialysis) && !hospital_dialysis_) {
    // Dialysis in a private centre, billed in DCIR: three sessions a week.
    for (Date d = std::max(lo, onset_[kDialysis]); d <= hi; ++d) {
      const int weekday = static_cast<int>((d % 7 + 11) % 7);
      if (weekday != 1 && weekday != 3 && weekday != 5) continue;
      const int64_t amount = care_.range(25000, 35000);
      quirk_copies(claim(d, nature::kDialysis, 1, amount, amount, 0, 1), 0, 0);
    }
  }
  const int episodes = care_.poisson(1.6 + (age < 6 ? 1.5 : 0) + (age >= 75 ? 0.5 : 0));
  for (int k = 0; k < episodes; ++k) acute_episode(day(), age);
  if (age >= 65 && care_.chance(0.55)) {
    const Date from = std::max(lo, days_from_civil(y, 10, 10));
    const Date to = std::min(hi, days_from_civil(y, 12, 20));
    if (from <= to) {
      items_.clear();
      const uint16_t vaccine = drugs_of_group(DrugGroup::kFluVaccine)[0];
      items_.push_back({ref_.standard_packs(vaccine)[0], 1});
      pharmacy(random_day(care_, from, to), items_, 1);
    }
  }
}

void Builder::run() {
  demographics();
  period_start_ = year_start(opt_.first_year);
  period_end_ = year_end(opt_.last_year);
  alive_from_ = std::max(
      period_start_, days_from_civil(out_.birth_year, static_cast<unsigned>(out_.birth_month), 1));
  draw_death();
  draw_conditions();
  build_regimen();
  hospital_stays();
  dispense_chronic();
  for (int y = opt_.first_year; y <= opt_.last_year; ++y) ambulatory_year(y);
  // Every ER_PHA_F row whose code IR_PHA_R lacks, copies (info-only, regularisations) included.
  for (const PhaRow& h : out_.pha) out_.unknown_cip_rows += ref_.at(h.cip).referenced ? 0 : 1;
}

}  // namespace

PatientModel::PatientModel(const GeneratorOptions& options, const DrugReferential& referential)
    : options_(options), referential_(referential) {}

void PatientModel::generate(uint64_t index, PatientRecords& out) const {
  out.clear();
  Builder(*this, index, out).run();
}

bool is_twin_pair(const GeneratorOptions& options, uint64_t pair) {
  const double rate = options.quirks.rate(Quirk::kTwins);
  if (rate <= 0 || 2 * pair + 1 >= options.patients) return false;
  return unit_of(stream_key(options.seed, Stream::kPair, ~pair)) < rate;
}

std::array<char, 17> pseudonym(uint64_t seed, uint64_t person, uint64_t salt) {
  static constexpr char kAlphabet[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
  // mix64 is a bijection of 64-bit words: distinct persons get distinct 13-character cores.
  const uint64_t key = stream_key(seed, Stream::kDemographics, ~salt);
  uint64_t x = mix64(person ^ key);
  std::array<char, 17> s{};
  for (int i = 16; i >= 4; --i) {
    s[static_cast<size_t>(i)] = kAlphabet[x % 36];
    x /= 36;
  }
  uint64_t h = mix64(person + key);
  for (int i = 0; i < 4; ++i) {
    s[static_cast<size_t>(i)] = kAlphabet[h % 36];
    h /= 36;
  }
  return s;
}

std::array<char, 9> finess(uint64_t seed, uint16_t department, int h) {
  const std::string_view code = departments()[department].code;
  std::array<char, 9> s{};
  // FINESS starts with the department on 2 characters: "75", "2A", "97".
  s[0] = code[0] == '0' ? code[1] : code[0];
  s[1] = code[0] == '0' ? code[2] : code[1];
  s[2] = '0';
  uint64_t x = mix64(stream_key(seed, Stream::kReferential, 1000 + department)) % 10000;
  for (int i = 6; i >= 3; --i) {
    s[static_cast<size_t>(i)] = static_cast<char>('0' + x % 10);
    x /= 10;
  }
  s[7] = '0';
  s[8] = static_cast<char>('1' + h);
  return s;
}

}  // namespace snds::synth
