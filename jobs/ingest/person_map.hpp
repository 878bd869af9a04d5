// The ingest's person routing (docs/data-model.md, "Persons"): when IR_BEN_R has BEN_IDT_ANO, a
// person's pseudo-NIRs may hash to different shards; every row keyed by a BEN_NIR_PSA (or
// NIR_ANO_17) of such a person must go to one shard. A first round reads IR_BEN_R only and
// builds, on every rank, the same small map: BEN_NIR_PSA -> shard, for the NIRs whose person's
// shard (that of its NIR of smallest hash) is not their own. Every other NIR keeps
// shard_of_patient(nir): without BEN_IDT_ANO (or without a person of several NIRs) the map is
// empty and the store is the same as before.
//
// NIRs are linked when rows carry them with one BEN_IDT_ANO (rows with a fictitious BEN_CDI_NIR
// link nothing), transitively: twins share a BEN_NIR_PSA, and a pseudo-NIR with two BEN_IDT_ANO
// (a conflict, resolved per shard by core/events/persons.hpp) must see both persons in its
// shard. Identifiers travel as their 64-bit hashes (16 bytes a row, whatever their length): two
// NIRs or two BEN_IDT_ANO sharing a hash would at worst put two persons in one shard, and a NIR
// of another person sharing an exception's hash would move, with all its rows, to another shard.
// Neither changes an answer: which rows make a person is decided per shard, on the values
// (core/events/persons.hpp).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <boost/unordered/unordered_flat_map.hpp>

#include "core/column.hpp"
#include "core/hash.hpp"

namespace snds {

class Communicator;

// One (BEN_IDT_ANO, BEN_NIR_PSA) seen in IR_BEN_R, as hash_bytes of each.
struct PersonLink {
  uint64_t id = 0;
  uint64_t nir = 0;
  auto operator<=>(const PersonLink&) const = default;
};

// The links of a parsed IR_BEN_R batch, appended to `out`: rows with a BEN_IDT_ANO and a
// BEN_NIR_PSA, whose BEN_CDI_NIR (when the file has it) is not fictitious.
void collect_person_links(const Batch& ir_ben_r, std::vector<PersonLink>& out);

class PersonRouting {
 public:
  // Collective: every rank gives its own links (any share of IR_BEN_R); every rank gets the
  // same routing. The links are moved to the rank owning their BEN_IDT_ANO's hash, grouped
  // there, and only groups of several NIRs (a few percent of persons) are gathered everywhere.
  static PersonRouting build(Communicator& comm, std::vector<PersonLink>&& mine, uint32_t shards);

  uint32_t shard_of(std::string_view nir, uint32_t shards) const {
    if (!moved_.empty()) {
      auto it = moved_.find(hash_bytes(nir));
      if (it != moved_.end()) return it->second;
    }
    return shard_of_patient(nir, shards);
  }
  // BEN_IDT_ANO values naming several BEN_NIR_PSA (persons to link), over the whole extract.
  uint64_t linked_ids() const { return linked_ids_; }
  // NIRs routed away from their own hash's shard.
  size_t moved() const { return moved_.size(); }

 private:
  boost::unordered_flat_map<uint64_t, uint32_t> moved_;
  uint64_t linked_ids_ = 0;
};

}  // namespace snds
