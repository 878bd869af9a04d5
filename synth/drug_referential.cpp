// Building the CIP13 referential from the seed: a few packs per drug, unique codes, prices within
// the drug's range (a large pack costs about 2.7 standard ones).
#include "synth/drug_referential.hpp"

#include <unordered_set>

#include "synth/rng.hpp"

namespace snds::synth {

char ean13_check_digit(const char* first12) {
  int sum = 0;
  for (int i = 0; i < 12; ++i) sum += (first12[i] - '0') * (i % 2 == 0 ? 1 : 3);
  return static_cast<char>('0' + (10 - sum % 10) % 10);
}

DrugReferential::DrugReferential(uint64_t seed, double odd_label_rate) {
  const auto drugs = drug_catalog();
  standard_.resize(drugs.size());
  large_.resize(drugs.size());
  unreferenced_.resize(drugs.size());
  Rng rng(stream_key(seed, Stream::kReferential, 0));
  std::unordered_set<uint64_t> used;
  auto new_code = [&](uint16_t drug, uint8_t months, bool referenced) {
    CipCode c{};
    uint64_t digits;
    do {
      digits = rng.next() % 10000000ULL;
    } while (!used.insert(digits).second);
    char buf[13] = {'3', '4', '0', '0', '9'};
    for (int k = 11; k >= 5; --k) {
      buf[k] = static_cast<char>('0' + digits % 10);
      digits /= 10;
    }
    buf[12] = ean13_check_digit(buf);
    std::copy(buf, buf + 13, c.cip.begin());
    c.drug = drug;
    c.pack_months = months;
    c.referenced = referenced;
    c.odd_label = referenced && rng.chance(odd_label_rate);
    const DrugSpec& d = drugs[drug];
    const uint32_t price =
        d.price_min + static_cast<uint32_t>(rng.below(d.price_max - d.price_min + 1));
    c.price_cents = months == 3 ? price * 27 / 10 : price;
    static constexpr uint16_t kUnits[] = {28, 30, 20, 14, 16};
    c.pack_units = months == 3 ? 90 : kUnits[rng.below(5)];
    codes_.push_back(c);
    return static_cast<uint32_t>(codes_.size() - 1);
  };
  for (uint16_t d = 0; d < drugs.size(); ++d) {
    const int standard = rng.range(2, 4);
    for (int k = 0; k < standard; ++k) standard_[d].push_back(new_code(d, 1, true));
    if (drugs[d].chronic) {
      const int large = rng.range(1, 2);
      for (int k = 0; k < large; ++k) large_[d].push_back(new_code(d, 3, true));
    }
    unreferenced_[d] = new_code(d, 1, false);
  }
}

std::string DrugReferential::label(uint32_t i) const {
  const CipCode& c = codes_[i];
  std::string s(drug_catalog()[c.drug].label);
  if (c.odd_label) {
    s += "; B/" + std::to_string(c.pack_units) + " \"GE\"";
  } else {
    s += " B/" + std::to_string(c.pack_units);
  }
  return s;
}

}  // namespace snds::synth
