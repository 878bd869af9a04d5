// Batch encoding: column count, then per column its name, type and values.
#include "core/serialize.hpp"

namespace snds {

void encode_batch(ByteWriter& w, const Batch& b) {
  w.put<uint32_t>(static_cast<uint32_t>(b.columns.size()));
  for (const auto& c : b.columns) {
    w.put_string(c.name);
    w.put<uint8_t>(static_cast<uint8_t>(c.type));
    switch (c.type) {
      case ColumnType::kInt64:
      case ColumnType::kDecimal:
        w.put_vector(c.ints);
        break;
      case ColumnType::kDate:
        w.put_vector(c.dates);
        break;
      case ColumnType::kString:
        w.put_vector(c.strings.offsets());
        w.put_string(c.strings.bytes());
        break;
    }
  }
}

Batch decode_batch(ByteReader& r) {
  Batch b;
  const auto n = r.get<uint32_t>();
  b.columns.reserve(n);
  for (uint32_t i = 0; i < n; ++i) {
    Column c;
    c.name = r.get_string();
    c.type = static_cast<ColumnType>(r.get<uint8_t>());
    switch (c.type) {
      case ColumnType::kInt64:
      case ColumnType::kDecimal:
        c.ints = r.get_vector<int64_t>();
        break;
      case ColumnType::kDate:
        c.dates = r.get_vector<Date>();
        break;
      case ColumnType::kString: {
        auto offsets = r.get_vector<uint64_t>();
        auto bytes = r.get_string();
        c.strings.assign(std::move(bytes), std::move(offsets));
        break;
      }
      default:
        throw internal_error("corrupt batch encoding (column type {})", static_cast<int>(c.type));
    }
    b.columns.push_back(std::move(c));
  }
  return b;
}

}  // namespace snds
