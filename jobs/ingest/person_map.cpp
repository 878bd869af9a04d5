// The person routing: links grouped by BEN_IDT_ANO, then NIRs united into components.
#include "jobs/ingest/person_map.hpp"

#include <algorithm>
#include <numeric>

#include "core/events/persons.hpp"
#include "core/serialize.hpp"
#include "core/union_find.hpp"
#include "runtime/communicator.hpp"

namespace snds {

void collect_person_links(const Batch& ben, std::vector<PersonLink>& out) {
  const int nir = ben.find("BEN_NIR_PSA"), id = ben.find("BEN_IDT_ANO"),
            cdi = ben.find("BEN_CDI_NIR");
  if (nir < 0 || id < 0) return;
  const Column& n = ben.columns[static_cast<size_t>(nir)];
  const Column& i = ben.columns[static_cast<size_t>(id)];
  const Column* c = cdi >= 0 ? &ben.columns[static_cast<size_t>(cdi)] : nullptr;
  for (size_t r = 0; r < ben.rows(); ++r) {
    const std::string_view v = i.string_at(r), key = n.string_at(r);
    if (v.empty() || key.empty() || (c && is_fictitious_nir(c->string_at(r)))) continue;
    out.push_back({hash_bytes(v), hash_bytes(key)});
  }
}

namespace {

void dedupe(std::vector<PersonLink>& links) {
  std::sort(links.begin(), links.end());
  links.erase(std::unique(links.begin(), links.end()), links.end());
}

}  // namespace

PersonRouting PersonRouting::build(Communicator& comm, std::vector<PersonLink>&& mine,
                                   uint32_t shards) {
  const auto ranks = static_cast<size_t>(comm.size());
  dedupe(mine);
  // 1. Each link to the rank owning its BEN_IDT_ANO.
  std::vector<Bytes> send(ranks);
  {
    std::vector<std::vector<PersonLink>> to(ranks);
    for (const auto& l : mine) to[l.id % ranks].push_back(l);
    for (size_t r = 0; r < ranks; ++r) ByteWriter(send[r]).put_vector(to[r]);
  }
  mine.clear();
  mine.shrink_to_fit();
  std::vector<PersonLink> owned;
  for (const Bytes& b : comm.alltoallv(send)) {
    ByteReader r(b);
    const auto part = r.get_vector<PersonLink>();
    owned.insert(owned.end(), part.begin(), part.end());
  }
  send.clear();
  dedupe(owned);
  // 2. Groups of several NIRs under one BEN_IDT_ANO, to every rank: sizes, then the NIRs.
  std::vector<uint64_t> sizes, members;
  for (size_t i = 0; i < owned.size();) {
    size_t j = i;
    while (j < owned.size() && owned[j].id == owned[i].id) ++j;
    if (j - i > 1) {
      sizes.push_back(j - i);
      for (size_t k = i; k < j; ++k) members.push_back(owned[k].nir);
    }
    i = j;
  }
  owned.clear();
  owned.shrink_to_fit();
  Bytes groups;
  {
    ByteWriter w(groups);
    w.put_vector(sizes);
    w.put_vector(members);
  }
  std::vector<std::vector<uint64_t>> linked;
  for (const Bytes& b : comm.allgather(groups)) {
    ByteReader r(b);
    const auto n = r.get_vector<uint64_t>();
    const auto nirs = r.get_vector<uint64_t>();
    size_t at = 0;
    for (const uint64_t k : n) {
      linked.emplace_back(nirs.begin() + static_cast<std::ptrdiff_t>(at),
                          nirs.begin() + static_cast<std::ptrdiff_t>(at + k));
      at += k;
    }
  }
  // 3. The same components on every rank, whatever the order groups arrived in.
  PersonRouting routing;
  routing.linked_ids_ = linked.size();
  std::vector<uint64_t> nirs;
  for (const auto& g : linked) nirs.insert(nirs.end(), g.begin(), g.end());
  std::sort(nirs.begin(), nirs.end());
  nirs.erase(std::unique(nirs.begin(), nirs.end()), nirs.end());
  auto id_of = [&](uint64_t n) {
    return static_cast<uint32_t>(std::lower_bound(nirs.begin(), nirs.end(), n) - nirs.begin());
  };
  UnionFind components(nirs.size());
  for (const auto& g : linked)
    for (size_t k = 1; k < g.size(); ++k) components.unite(id_of(g[0]), id_of(g[k]));
  // shard_of_patient(nir) is hash_bytes(nir) % shards: the same rule on the hashes.
  for (uint32_t i = 0; i < nirs.size(); ++i) {
    const auto target = static_cast<uint32_t>(nirs[components.find(i)] % shards);
    if (target != nirs[i] % shards) routing.moved_.emplace(nirs[i], target);
  }
  return routing;
}

}  // namespace snds
