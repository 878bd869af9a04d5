// The generator's fixed knowledge: France's age pyramid and departments, the drugs dispensed (by
// ATC class), the kinds of hospital stays (ICD-10 diagnoses, GHM roots, lengths) and the claim
// natures. Codes have the right shape and plausible meaning; they are not an official referential.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace snds::synth {

struct Department {
  std::string_view code;  // BEN_RES_DPT: "075", "02A", "971"
  double weight;          // population share (any unit)
};
std::span<const Department> departments();

struct AgeBand {
  int lo, hi;         // ages, inclusive
  double weight;      // population share (any unit)
  double male_share;  // share of men in the band
};
std::span<const AgeBand> age_pyramid();

// Therapeutic groups the patient model reasons with; each holds one or more ATC codes.
enum class DrugGroup : uint8_t {
  kStatin,
  kEzetimibe,
  kMetformin,
  kSulfonylurea,
  kGlp1,
  kInsulin,
  kAce,
  kArb,
  kBetaBlocker,
  kCalciumBlocker,
  kDiuretic,
  kLevothyroxine,
  kSsri,
  kBenzodiazepine,
  kHypnotic,
  kAspirin,
  kAnticoagulant,
  kInhaledCombo,
  kSalbutamol,
  kTiotropium,
  kPpi,
  kAllopurinol,
  kContraceptive,
  kEpoetin,
  kSevelamer,
  kHormoneTherapy,
  kAmoxicillin,
  kAmoxClav,
  kMacrolide,
  kCephalosporin,
  kQuinolone,
  kFosfomycin,
  kParacetamol,
  kOpioidCombo,
  kNsaid,
  kCorticoid,
  kAntihistamine,
  kFluVaccine,
  kVitaminD,
  kCount
};
inline constexpr size_t kDrugGroupCount = static_cast<size_t>(DrugGroup::kCount);

struct DrugSpec {
  std::string_view atc;    // PHA_ATC_C07, 7 characters
  std::string_view label;  // base of PHA_MED_NOM
  DrugGroup group;
  double weight;       // choice weight within its group
  uint32_t price_min;  // cents, for a standard pack
  uint32_t price_max;
  bool chronic;  // has large (90-day) packs
};
std::span<const DrugSpec> drug_catalog();
// Indexes into drug_catalog() of a group's drugs.
std::span<const uint16_t> drugs_of_group(DrugGroup g);

// Kinds of hospital stay the model produces; each has its diagnoses and GHM root.
enum class StayKind : uint8_t {
  kMyocardialInfarction,
  kHeartFailure,
  kStroke,
  kAtrialFibrillation,
  kPneumonia,
  kCopd,
  kHipFracture,
  kCancerSurgery,
  kChemotherapy,
  kDelivery,
  kAppendicitis,
  kCholecystitis,
  kCataract,
  kKneeReplacement,
  kGastroenteritis,
  kSyncope,
  kBronchiolitis,
  kAbdominalPain,
  kDialysis,
  kCount
};
inline constexpr size_t kStayKindCount = static_cast<size_t>(StayKind::kCount);

// How the 6th character of a GHM (its severity) is written.
enum class Severity : uint8_t {
  kLevel,       // 1-4, from the number of associated diagnoses
  kLetter,      // A-D (deliveries)
  kAmbulatory,  // J (same-day surgery)
  kSession,     // Z (sessions: chemotherapy, dialysis)
};

struct StayKindSpec {
  StayKind kind;
  std::span<const std::string_view> dp;  // main diagnoses (ICD-10 without dot); cancers: unused
  std::string_view ghm_root;             // 5 characters; the 6th is the severity
  Severity severity;
  int los_min, los_max;  // SEJ_NBJ
};
const StayKindSpec& stay_kind(StayKind k);

// Cancers (DP of a surgery stay, DR of the chemotherapy sessions), by sex: 0 any, 1 men, 2 women.
struct CancerSpec {
  std::string_view code;
  int sex;
  double weight;
  std::string_view surgery_ghm_root;
};
std::span<const CancerSpec> cancers();

// Associated diagnoses (DAS) of chronic conditions and a few frequent extra codes.
namespace das {
inline constexpr std::string_view kHypertension = "I10";
inline constexpr std::string_view kDiabetes = "E119";
inline constexpr std::string_view kDyslipidemia = "E780";
inline constexpr std::string_view kHypothyroidism = "E039";
inline constexpr std::string_view kDepression = "F329";
inline constexpr std::string_view kKidneyFailure = "N185";
inline constexpr std::string_view kAtrialFibrillation = "I489";
inline constexpr std::string_view kCopd = "J449";
inline constexpr std::string_view kOldInfarction = "I252";
}  // namespace das
std::span<const std::string_view> frequent_das();
// Codes used as DAS for an acute myocardial infarction seen during another stay.
std::span<const std::string_view> infarction_codes();

// PRS_NAT_REF of the claim lines the model writes.
namespace nature {
inline constexpr int kGpConsultation = 1111;
inline constexpr int kSpecialistConsultation = 1112;
inline constexpr int kHomeVisit = 1211;
inline constexpr int kMajoration = 1098;
inline constexpr int kNursing = 3111;
inline constexpr int kPhysiotherapy = 3122;
inline constexpr int kPharmacy = 3317;
inline constexpr int kDispensingFee = 3336;  // second line of a pharmacy document
inline constexpr int kBiology = 7101;
inline constexpr int kDialysis = 2501;
inline constexpr int kDental = 1311;
inline constexpr int kImaging = 1411;
}  // namespace nature

}  // namespace snds::synth
