// One shard's tables in memory, as read from the store: table instance name ("ER_PRS_F",
// "T_MCO19C"...) -> rows sorted by patient then date (see core/store/store_layout.hpp).
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "core/column.hpp"

namespace snds {

struct ShardData {
  uint32_t shard = 0;
  std::map<std::string, Batch> tables;

  const Batch* find(const std::string& table) const {
    auto it = tables.find(table);
    return it == tables.end() ? nullptr : &it->second;
  }
};

}  // namespace snds
