// The generator's fixed tables. Populations are rounded 2020 figures (thousands); prices are per
// standard pack, in cents, in the range French prices fall in.
#include "synth/catalogs.hpp"

#include <array>
#include <vector>

namespace snds::synth {
namespace {

constexpr Department kDepartments[] = {
    {"001", 650},  {"002", 530},  {"003", 335},  {"004", 165},  {"005", 141},  {"006", 1090},
    {"007", 328},  {"008", 270},  {"009", 153},  {"010", 310},  {"011", 375},  {"012", 279},
    {"013", 2040}, {"014", 695},  {"015", 144},  {"016", 352},  {"017", 650},  {"018", 302},
    {"019", 240},  {"02A", 158},  {"02B", 181},  {"021", 534},  {"022", 600},  {"023", 117},
    {"024", 413},  {"025", 543},  {"026", 516},  {"027", 600},  {"028", 432},  {"029", 915},
    {"030", 748},  {"031", 1400}, {"032", 191},  {"033", 1620}, {"034", 1176}, {"035", 1079},
    {"036", 219},  {"037", 610},  {"038", 1270}, {"039", 259},  {"040", 413},  {"041", 330},
    {"042", 765},  {"043", 227},  {"044", 1430}, {"045", 680},  {"046", 174},  {"047", 331},
    {"048", 76},   {"049", 818},  {"050", 495},  {"051", 566},  {"052", 172},  {"053", 307},
    {"054", 733},  {"055", 184},  {"056", 760},  {"057", 1044}, {"058", 204},  {"059", 2605},
    {"060", 829},  {"061", 280},  {"062", 1465}, {"063", 662},  {"064", 682},  {"065", 228},
    {"066", 479},  {"067", 1140}, {"068", 764},  {"069", 1860}, {"070", 235},  {"071", 551},
    {"072", 566},  {"073", 436},  {"074", 826},  {"075", 2165}, {"076", 1255}, {"077", 1421},
    {"078", 1448}, {"079", 374},  {"080", 570},  {"081", 389},  {"082", 258},  {"083", 1076},
    {"084", 560},  {"085", 685},  {"086", 438},  {"087", 374},  {"088", 365},  {"089", 335},
    {"090", 141},  {"091", 1296}, {"092", 1624}, {"093", 1644}, {"094", 1396}, {"095", 1241},
    {"971", 384},  {"972", 361},  {"973", 285},  {"974", 860},  {"976", 279},
};

constexpr AgeBand kPyramid[] = {
    {0, 4, 3600, 0.512},   {5, 9, 4000, 0.511},   {10, 14, 4150, 0.510}, {15, 19, 4100, 0.510},
    {20, 24, 3750, 0.500}, {25, 29, 3650, 0.490}, {30, 34, 3950, 0.485}, {35, 39, 4150, 0.487},
    {40, 44, 4100, 0.492}, {45, 49, 4450, 0.493}, {50, 54, 4400, 0.490}, {55, 59, 4300, 0.482},
    {60, 64, 4050, 0.472}, {65, 69, 3850, 0.466}, {70, 74, 3550, 0.455}, {75, 79, 2450, 0.434},
    {80, 84, 1950, 0.405}, {85, 89, 1400, 0.355}, {90, 94, 650, 0.290},  {95, 104, 190, 0.200},
};

using G = DrugGroup;
constexpr DrugSpec kDrugs[] = {
    {"C10AA05", "ATORVASTATINE 20MG CPR", G::kStatin, 0.45, 600, 1800, true},
    {"C10AA07", "ROSUVASTATINE 10MG CPR", G::kStatin, 0.30, 600, 1800, true},
    {"C10AA01", "SIMVASTATINE 20MG CPR", G::kStatin, 0.15, 500, 1500, true},
    {"C10AA03", "PRAVASTATINE 20MG CPR", G::kStatin, 0.10, 500, 1500, true},
    {"C10AX09", "EZETIMIBE 10MG CPR", G::kEzetimibe, 1.0, 1500, 2500, true},
    {"A10BA02", "METFORMINE 1000MG CPR", G::kMetformin, 1.0, 250, 600, true},
    {"A10BB09", "GLICLAZIDE 60MG CPR LM", G::kSulfonylurea, 0.8, 300, 800, true},
    {"A10BB12", "GLIMEPIRIDE 2MG CPR", G::kSulfonylurea, 0.2, 300, 800, true},
    {"A10BJ02", "LIRAGLUTIDE 6MG/ML STYLO", G::kGlp1, 0.5, 7000, 11000, true},
    {"A10BJ06", "SEMAGLUTIDE 1MG STYLO", G::kGlp1, 0.5, 7000, 11000, true},
    {"A10AE04", "INSULINE GLARGINE 100UI/ML", G::kInsulin, 0.7, 3500, 6500, true},
    {"A10AB05", "INSULINE ASPARTE 100UI/ML", G::kInsulin, 0.3, 3500, 6500, true},
    {"C09AA05", "RAMIPRIL 5MG CPR", G::kAce, 0.6, 300, 900, true},
    {"C09AA02", "ENALAPRIL 20MG CPR", G::kAce, 0.2, 300, 900, true},
    {"C09AA04", "PERINDOPRIL 5MG CPR", G::kAce, 0.2, 300, 900, true},
    {"C09CA01", "LOSARTAN 50MG CPR", G::kArb, 0.3, 500, 1500, true},
    {"C09CA03", "VALSARTAN 80MG CPR", G::kArb, 0.3, 500, 1500, true},
    {"C09CA04", "IRBESARTAN 150MG CPR", G::kArb, 0.25, 500, 1500, true},
    {"C09DA01", "LOSARTAN HYDROCHLOROTHIAZIDE CPR", G::kArb, 0.15, 500, 1500, true},
    {"C07AB07", "BISOPROLOL 5MG CPR", G::kBetaBlocker, 0.5, 300, 900, true},
    {"C07AB12", "NEBIVOLOL 5MG CPR", G::kBetaBlocker, 0.3, 300, 900, true},
    {"C07AB02", "METOPROLOL 100MG CPR", G::kBetaBlocker, 0.2, 300, 900, true},
    {"C08CA01", "AMLODIPINE 5MG GELULE", G::kCalciumBlocker, 0.7, 300, 800, true},
    {"C08CA13", "LERCANIDIPINE 10MG CPR", G::kCalciumBlocker, 0.3, 300, 800, true},
    {"C03CA01", "FUROSEMIDE 40MG CPR", G::kDiuretic, 0.5, 200, 600, true},
    {"C03AA03", "HYDROCHLOROTHIAZIDE 25MG CPR", G::kDiuretic, 0.3, 200, 600, true},
    {"C03DA01", "SPIRONOLACTONE 25MG CPR", G::kDiuretic, 0.2, 200, 600, true},
    {"H03AA01", "LEVOTHYROXINE 75MICROG CPR", G::kLevothyroxine, 1.0, 150, 400, true},
    {"N06AB10", "ESCITALOPRAM 10MG CPR", G::kSsri, 0.4, 500, 1400, true},
    {"N06AB04", "CITALOPRAM 20MG CPR", G::kSsri, 0.2, 500, 1400, true},
    {"N06AB05", "PAROXETINE 20MG CPR", G::kSsri, 0.2, 500, 1400, true},
    {"N06AB06", "SERTRALINE 50MG GELULE", G::kSsri, 0.2, 500, 1400, true},
    {"N05BA12", "ALPRAZOLAM 0,25MG CPR", G::kBenzodiazepine, 0.4, 150, 300, true},
    {"N05BA06", "LORAZEPAM 1MG CPR", G::kBenzodiazepine, 0.3, 150, 300, true},
    {"N05BA04", "OXAZEPAM 10MG CPR", G::kBenzodiazepine, 0.3, 150, 300, true},
    {"N05CF02", "ZOLPIDEM 10MG CPR", G::kHypnotic, 0.6, 150, 300, true},
    {"N05CF01", "ZOPICLONE 7,5MG CPR", G::kHypnotic, 0.4, 150, 300, true},
    {"B01AC06", "ACIDE ACETYLSALICYLIQUE 75MG SACHET", G::kAspirin, 0.8, 200, 500, true},
    {"B01AC04", "CLOPIDOGREL 75MG CPR", G::kAspirin, 0.2, 800, 1500, true},
    {"B01AF01", "RIVAROXABAN 20MG CPR", G::kAnticoagulant, 0.4, 4500, 5500, true},
    {"B01AF02", "APIXABAN 5MG CPR", G::kAnticoagulant, 0.45, 4500, 5500, true},
    {"B01AA12", "FLUINDIONE 20MG CPR", G::kAnticoagulant, 0.15, 300, 600, true},
    {"R03AK06", "SALMETEROL FLUTICASONE INHAL", G::kInhaledCombo, 0.5, 3000, 4500, true},
    {"R03AK07", "FORMOTEROL BUDESONIDE INHAL", G::kInhaledCombo, 0.5, 3000, 4500, true},
    {"R03AC02", "SALBUTAMOL 100MICROG INHAL", G::kSalbutamol, 1.0, 300, 500, false},
    {"R03BB04", "TIOTROPIUM 18MICROG INHAL", G::kTiotropium, 1.0, 3500, 4500, true},
    {"A02BC05", "ESOMEPRAZOLE 20MG GELULE", G::kPpi, 0.4, 300, 900, true},
    {"A02BC01", "OMEPRAZOLE 20MG GELULE", G::kPpi, 0.35, 300, 900, true},
    {"A02BC02", "PANTOPRAZOLE 40MG CPR", G::kPpi, 0.25, 300, 900, true},
    {"M04AA01", "ALLOPURINOL 100MG CPR", G::kAllopurinol, 1.0, 200, 500, true},
    {"G03AA07", "LEVONORGESTREL ETHINYLESTRADIOL CPR", G::kContraceptive, 1.0, 200, 900, true},
    {"B03XA01", "EPOETINE ALFA 10000UI SER", G::kEpoetin, 1.0, 20000, 40000, false},
    {"V03AE02", "SEVELAMER 800MG CPR", G::kSevelamer, 1.0, 10000, 16000, false},
    {"L02BG04", "LETROZOLE 2,5MG CPR", G::kHormoneTherapy, 0.4, 3000, 6000, true},
    {"L02BA01", "TAMOXIFENE 20MG CPR", G::kHormoneTherapy, 0.3, 1000, 3000, true},
    {"L02AE02", "LEUPRORELINE 11,25MG INJ", G::kHormoneTherapy, 0.3, 12000, 15000, false},
    {"J01CA04", "AMOXICILLINE 1G CPR", G::kAmoxicillin, 1.0, 200, 600, false},
    {"J01CR02", "AMOXICILLINE ACIDE CLAVULANIQUE 1G CPR", G::kAmoxClav, 1.0, 400, 900, false},
    {"J01FA10", "AZITHROMYCINE 250MG CPR", G::kMacrolide, 0.6, 400, 900, false},
    {"J01FA09", "CLARITHROMYCINE 500MG CPR", G::kMacrolide, 0.4, 400, 900, false},
    {"J01DD13", "CEFPODOXIME 100MG CPR", G::kCephalosporin, 0.6, 500, 1200, false},
    {"J01DD04", "CEFTRIAXONE 1G INJ", G::kCephalosporin, 0.4, 500, 1200, false},
    {"J01MA02", "CIPROFLOXACINE 500MG CPR", G::kQuinolone, 0.6, 400, 1200, false},
    {"J01MA12", "LEVOFLOXACINE 500MG CPR", G::kQuinolone, 0.4, 400, 1200, false},
    {"J01XX01", "FOSFOMYCINE 3G SACHET", G::kFosfomycin, 1.0, 400, 600, false},
    {"N02BE01", "PARACETAMOL 1000MG CPR", G::kParacetamol, 1.0, 100, 250, false},
    {"N02AJ13", "TRAMADOL PARACETAMOL CPR", G::kOpioidCombo, 0.6, 200, 500, false},
    {"N02AJ06", "CODEINE PARACETAMOL CPR", G::kOpioidCombo, 0.4, 200, 500, false},
    {"M01AE01", "IBUPROFENE 400MG CPR", G::kNsaid, 0.6, 150, 350, false},
    {"M01AE03", "KETOPROFENE 100MG CPR", G::kNsaid, 0.4, 150, 350, false},
    {"H02AB06", "PREDNISOLONE 20MG CPR", G::kCorticoid, 0.6, 200, 500, false},
    {"H02AB07", "PREDNISONE 20MG CPR", G::kCorticoid, 0.4, 200, 500, false},
    {"R06AE07", "CETIRIZINE 10MG CPR", G::kAntihistamine, 0.5, 200, 500, false},
    {"R06AX27", "DESLORATADINE 5MG CPR", G::kAntihistamine, 0.5, 200, 500, false},
    {"J07BB02", "VACCIN GRIPPAL INACTIVE SER", G::kFluVaccine, 1.0, 600, 1100, false},
    {"A11CC05", "COLECALCIFEROL 100000UI AMP", G::kVitaminD, 1.0, 150, 300, false},
};

constexpr std::string_view kDpMi[] = {"I210", "I211", "I212", "I214", "I219", "I220", "I221"};
constexpr std::string_view kDpHf[] = {"I500", "I501", "I509", "I110"};
constexpr std::string_view kDpStroke[] = {"I630", "I633", "I634", "I635", "I639", "I619"};
constexpr std::string_view kDpAf[] = {"I480", "I481", "I482"};
constexpr std::string_view kDpPneumonia[] = {"J189", "J181", "J159", "J150", "J13"};
constexpr std::string_view kDpCopd[] = {"J441", "J440"};
constexpr std::string_view kDpHip[] = {"S7200", "S7210", "S7220"};
constexpr std::string_view kDpChemo[] = {"Z511"};
constexpr std::string_view kDpDelivery[] = {"O800", "O801", "O829", "O700"};
constexpr std::string_view kDpAppendicitis[] = {"K358", "K359", "K353"};
constexpr std::string_view kDpCholecystitis[] = {"K800", "K802", "K810"};
constexpr std::string_view kDpCataract[] = {"H259", "H251", "H269"};
constexpr std::string_view kDpKnee[] = {"M170", "M171"};
constexpr std::string_view kDpGastro[] = {"A099", "A084", "A090"};
constexpr std::string_view kDpSyncope[] = {"R55"};
constexpr std::string_view kDpBronchiolitis[] = {"J219", "J210"};
constexpr std::string_view kDpAbdominal[] = {"R104", "R101", "K590"};
constexpr std::string_view kDpDialysis[] = {"Z491"};

using K = StayKind;
using S = Severity;
const StayKindSpec kStayKinds[] = {
    {K::kMyocardialInfarction, kDpMi, "05M04", S::kLevel, 3, 10},
    {K::kHeartFailure, kDpHf, "05M09", S::kLevel, 5, 14},
    {K::kStroke, kDpStroke, "01M30", S::kLevel, 6, 20},
    {K::kAtrialFibrillation, kDpAf, "05M12", S::kLevel, 1, 5},
    {K::kPneumonia, kDpPneumonia, "04M05", S::kLevel, 4, 12},
    {K::kCopd, kDpCopd, "04M13", S::kLevel, 4, 10},
    {K::kHipFracture, kDpHip, "08C47", S::kLevel, 7, 15},
    {K::kCancerSurgery, {}, "06C04", S::kLevel, 3, 12},
    {K::kChemotherapy, kDpChemo, "28Z07", S::kSession, 0, 0},
    {K::kDelivery, kDpDelivery, "14Z14", S::kLetter, 2, 5},
    {K::kAppendicitis, kDpAppendicitis, "06C09", S::kLevel, 2, 5},
    {K::kCholecystitis, kDpCholecystitis, "07C14", S::kLevel, 2, 6},
    {K::kCataract, kDpCataract, "02C05", S::kAmbulatory, 0, 0},
    {K::kKneeReplacement, kDpKnee, "08C24", S::kLevel, 3, 7},
    {K::kGastroenteritis, kDpGastro, "06M11", S::kLevel, 1, 3},
    {K::kSyncope, kDpSyncope, "05M15", S::kLevel, 1, 3},
    {K::kBronchiolitis, kDpBronchiolitis, "04M18", S::kLevel, 2, 6},
    {K::kAbdominalPain, kDpAbdominal, "06M12", S::kLevel, 1, 3},
    {K::kDialysis, kDpDialysis, "28Z04", S::kSession, 0, 0},
};

constexpr CancerSpec kCancers[] = {
    {"C189", 0, 0.20, "06C04"}, {"C180", 0, 0.05, "06C04"}, {"C20", 0, 0.07, "06C05"},
    {"C349", 0, 0.20, "04C02"}, {"C509", 2, 0.30, "09C05"}, {"C61", 1, 0.30, "12C11"},
    {"C259", 0, 0.06, "07C09"}, {"C64", 0, 0.04, "11C02"},  {"C679", 0, 0.05, "11C04"},
};

constexpr std::string_view kFrequentDas[] = {"E669", "F171", "D649", "E876", "N179",
                                             "Z915", "Z864", "R262", "B962", "Z921"};
constexpr std::string_view kInfarctionDas[] = {"I214", "I219"};

}  // namespace

std::span<const Department> departments() {
  return kDepartments;
}
std::span<const AgeBand> age_pyramid() {
  return kPyramid;
}
std::span<const DrugSpec> drug_catalog() {
  return kDrugs;
}

std::span<const uint16_t> drugs_of_group(DrugGroup g) {
  static const std::array<std::vector<uint16_t>, kDrugGroupCount> kByGroup = [] {
    std::array<std::vector<uint16_t>, kDrugGroupCount> by;
    for (size_t i = 0; i < std::size(kDrugs); ++i)
      by[static_cast<size_t>(kDrugs[i].group)].push_back(static_cast<uint16_t>(i));
    return by;
  }();
  return kByGroup[static_cast<size_t>(g)];
}

const StayKindSpec& stay_kind(StayKind k) {
  return kStayKinds[static_cast<size_t>(k)];
}
std::span<const CancerSpec> cancers() {
  return kCancers;
}
std::span<const std::string_view> frequent_das() {
  return kFrequentDas;
}
std::span<const std::string_view> infarction_codes() {
  return kInfarctionDas;
}

}  // namespace snds::synth
