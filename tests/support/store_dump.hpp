// The logical content of a store, as text, for "same answer everywhere" tests: every stored row
// of every table rendered as one line (columns by name, in a fixed order), lines sorted, tables
// in name order. Two stores with the same content give the same dump whatever their shard count
// and whoever wrote them; `per_shard` keeps the shard number, for stores of equal shard counts.
#pragma once

#include <filesystem>
#include <string>

namespace snds::test {

// `with_source` false leaves out the `_src` column (file index and byte offset of each row): for
// stores of the same rows read from differently laid-out files.
std::string dump_store(const std::filesystem::path& store, bool per_shard = false,
                       bool with_source = true);

}  // namespace snds::test
