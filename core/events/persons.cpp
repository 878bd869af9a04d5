// Persons: the identifier rules and the grouping of IR_BEN_R rows into persons.
#include "core/events/persons.hpp"

#include <numeric>
#include <unordered_map>

namespace snds {

bool is_placeholder_nir(std::string_view nir) {
  if (nir.empty()) return true;
  if (nir.size() < 2) return false;
  for (size_t i = 0; i + 1 < nir.size(); ++i)
    if (nir[i] != 'x' && nir[i] != 'X') return false;
  return true;
}

bool is_fictitious_nir(std::string_view cdi) {
  return !cdi.empty() && cdi != "00";
}

void PersonCounts::add(const PersonCounts& o) {
  persons += o.persons;
  persons_linked += o.persons_linked;
  pseudo_nirs_linked += o.pseudo_nirs_linked;
  several_ids += o.several_ids;
  fictitious_rows += o.fictitious_rows;
  rows_without_id += o.rows_without_id;
}

std::vector<int64_t> assign_persons(std::span<const std::string_view> nir,
                                    std::span<const int64_t> rank,
                                    std::span<const std::string_view> idt,
                                    std::span<const std::string_view> cdi, PersonCounts* counts) {
  const size_t n = nir.size();
  PersonCounts c;
  std::vector<uint32_t> order(n);
  std::iota(order.begin(), order.end(), 0u);
  std::stable_sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
    if (nir[a] != nir[b]) return nir[a] < nir[b];
    return rank[a] < rank[b];
  });
  std::vector<int64_t> person(n, -1);
  std::unordered_map<std::string_view, int64_t> person_of_id;
  std::vector<uint32_t> pseudo_nirs_of;  // per person
  for (size_t i = 0; i < n;) {
    size_t j = i;
    std::string_view id;
    bool several = false;
    for (; j < n && nir[order[j]] == nir[order[i]] && rank[order[j]] == rank[order[i]]; ++j) {
      const uint32_t r = order[j];
      if (!cdi.empty() && is_fictitious_nir(cdi[r])) {
        ++c.fictitious_rows;
        continue;
      }
      if (idt[r].empty()) {
        ++c.rows_without_id;
        continue;
      }
      if (id.empty() || idt[r] < id) {
        several = several || !id.empty();
        id = idt[r];
      } else if (idt[r] != id) {
        several = true;
      }
    }
    if (several) ++c.several_ids;
    int64_t p = -1;
    if (!id.empty()) {
      auto [it, fresh] = person_of_id.emplace(id, static_cast<int64_t>(pseudo_nirs_of.size()));
      p = it->second;
      if (fresh) pseudo_nirs_of.push_back(0);
    } else {
      p = static_cast<int64_t>(pseudo_nirs_of.size());
      pseudo_nirs_of.push_back(0);
    }
    ++pseudo_nirs_of[static_cast<size_t>(p)];
    for (size_t k = i; k < j; ++k) person[order[k]] = p;
    i = j;
  }
  c.persons = pseudo_nirs_of.size();
  for (const uint32_t k : pseudo_nirs_of)
    if (k > 1) {
      ++c.persons_linked;
      c.pseudo_nirs_linked += k;
    }
  if (counts) counts->add(c);
  return person;
}

}  // namespace snds
