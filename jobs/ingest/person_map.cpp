// The person routing: links grouped by BEN_IDT_ANO, then NIRs united into components.
#include "jobs/ingest/person_map.hpp"

#include <algorithm>
#include <numeric>

#include "core/events/persons.hpp"
#include "core/serialize.hpp"
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
    out.push_back({std::string(v), std::string(key)});
  }
}

namespace {

void dedupe(std::vector<PersonLink>& links) {
  std::sort(links.begin(), links.end());
  links.erase(std::unique(links.begin(), links.end()), links.end());
}

// Union-find over NIR ids; the root of a component is its smallest id (the NIRs are numbered
// in byte order), so the component's smallest NIR names it.
struct Components {
  std::vector<uint32_t> parent;
  explicit Components(size_t n) : parent(n) { std::iota(parent.begin(), parent.end(), 0u); }
  uint32_t find(uint32_t x) {
    while (parent[x] != x) x = parent[x] = parent[parent[x]];
    return x;
  }
  void unite(uint32_t a, uint32_t b) {
    a = find(a);
    b = find(b);
    if (a != b) parent[std::max(a, b)] = std::min(a, b);
  }
};

}  // namespace

PersonRouting PersonRouting::build(Communicator& comm, std::vector<PersonLink>&& mine,
                                   uint32_t shards) {
  const auto ranks = static_cast<size_t>(comm.size());
  dedupe(mine);
  // 1. Each link to the rank owning its BEN_IDT_ANO.
  std::vector<Bytes> send(ranks);
  {
    std::vector<std::vector<const PersonLink*>> to(ranks);
    for (const auto& l : mine) to[hash_bytes(l.id) % ranks].push_back(&l);
    for (size_t r = 0; r < ranks; ++r) {
      ByteWriter w(send[r]);
      w.put<uint64_t>(to[r].size());
      for (const PersonLink* l : to[r]) {
        w.put_string(l->id);
        w.put_string(l->nir);
      }
    }
  }
  mine.clear();
  mine.shrink_to_fit();
  std::vector<PersonLink> owned;
  for (const Bytes& b : comm.alltoallv(send)) {
    ByteReader r(b);
    for (auto n = r.get<uint64_t>(); n > 0; --n) {
      PersonLink l;
      l.id = r.get_string();
      l.nir = r.get_string();
      owned.push_back(std::move(l));
    }
  }
  send.clear();
  dedupe(owned);
  // 2. Groups of several NIRs under one BEN_IDT_ANO, to every rank.
  Bytes groups;
  {
    ByteWriter w(groups);
    uint64_t count = 0;
    for (size_t i = 0; i < owned.size();) {
      size_t j = i;
      while (j < owned.size() && owned[j].id == owned[i].id) ++j;
      if (j - i > 1) ++count;
      i = j;
    }
    w.put<uint64_t>(count);
    for (size_t i = 0; i < owned.size();) {
      size_t j = i;
      while (j < owned.size() && owned[j].id == owned[i].id) ++j;
      if (j - i > 1) {
        w.put<uint64_t>(j - i);
        for (size_t k = i; k < j; ++k) w.put_string(owned[k].nir);
      }
      i = j;
    }
  }
  owned.clear();
  owned.shrink_to_fit();
  std::vector<std::vector<std::string>> linked;
  for (const Bytes& b : comm.allgather(groups)) {
    ByteReader r(b);
    for (auto n = r.get<uint64_t>(); n > 0; --n) {
      std::vector<std::string> g(r.get<uint64_t>());
      for (auto& nir : g) nir = r.get_string();
      linked.push_back(std::move(g));
    }
  }
  // 3. The same components on every rank, whatever the order groups arrived in.
  PersonRouting routing;
  routing.linked_ids_ = linked.size();
  std::vector<std::string_view> nirs;
  for (const auto& g : linked)
    for (const auto& n : g) nirs.push_back(n);
  std::sort(nirs.begin(), nirs.end());
  nirs.erase(std::unique(nirs.begin(), nirs.end()), nirs.end());
  auto id_of = [&](std::string_view n) {
    return static_cast<uint32_t>(std::lower_bound(nirs.begin(), nirs.end(), n) - nirs.begin());
  };
  Components components(nirs.size());
  for (const auto& g : linked)
    for (size_t k = 1; k < g.size(); ++k) components.unite(id_of(g[0]), id_of(g[k]));
  for (uint32_t i = 0; i < nirs.size(); ++i) {
    const uint32_t target = shard_of_patient(nirs[components.find(i)], shards);
    if (target != shard_of_patient(nirs[i], shards))
      routing.moved_.emplace(hash_bytes(nirs[i]), target);
  }
  return routing;
}

}  // namespace snds
