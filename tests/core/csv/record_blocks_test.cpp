// Record-aligned blocks of a streamed CSV body: whatever the block size, the blocks tile the body,
// each starts at a record start, and parsing them one by one gives the sequential parse's rows,
// byte offsets, line numbers and rejects (quoted `;`, `""` and newlines, CRLF, an unterminated
// quote at the end, records longer than a block).
#include "core/csv/record_blocks.hpp"

#include <gtest/gtest.h>
#include <zlib.h>

#include <algorithm>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "core/csv/table_parser.hpp"
#include "tests/support/test_support.hpp"

namespace snds {
namespace {

const std::string kHeader = "PHA_CIP_C13;PHA_ATC_C07;PHA_LABEL\n";

// A drug referential with awkward records: quoted labels holding `;`, `""` and newlines, CRLF
// ends, bad rows, one very long label, and an unterminated quote at the very end.
std::string awkward_csv(unsigned seed) {
  std::mt19937 rng(seed);
  std::string s = "\xEF\xBB\xBF" + kHeader;
  for (int i = 0; i < 3000; ++i) {
    s += std::to_string(3400930000000 + i) + ";A10BA02;";
    switch (rng() % 6) {
      case 0:
        s += "\"box; of \"\"30\"\"\nsecond line\n\"";
        break;
      case 1:
        s += "plain label\r";
        break;
      case 2:
        s += "\"" + std::string(rng() % 3 == 0 ? 5000 : 40, 'x') + "\n\"";
        break;
      case 3:
        s += "too;many";
        break;
      default:
        s += "label " + std::to_string(i);
    }
    s += "\n";
  }
  return s + "3400930999999;A;\"never closed\nstill inside\n";
}

TEST(RecordBlocks, BlocksOfAnySizeParseLikeTheWholeFile) {
  test::TempDir dir;
  const std::string text = awkward_csv(11);
  const std::string path = (dir / "IR_PHA_R.csv.gz").string();
  test::write_text(path, test::gzip_member(text, 1));
  const CsvHeader h = read_header(TableKind::kIrPhaR, text.data(), text.size(), "f");
  const ParseResult whole =
      parse_records(h.map, text.data() + h.body_offset, text.size() - h.body_offset, h.body_offset,
                    h.body_line, 2, "f");
  ASSERT_GT(whole.rejects.size(), 400u);  // the test data exercises rejects
  for (size_t block_bytes :
       {size_t{1}, size_t{64}, size_t{4096}, size_t{100'000}, size_t{1} << 24}) {
    SCOPED_TRACE(block_bytes);
    RecordBlockReader reader(path, InputCompression::kGzip, h.body_offset, h.body_line,
                             block_bytes);
    std::string block_text;
    RecordBlock b;
    uint64_t expect_offset = h.body_offset, blocks = 0, read = 0;
    std::vector<uint64_t> order;
    std::vector<uint64_t> reject_lines;
    Batch rows = h.map.empty_batch();
    while (reader.next(b, &block_text)) {
      ASSERT_EQ(b.index, blocks++);
      ASSERT_EQ(b.offset, expect_offset);  // blocks tile the body
      ASSERT_EQ(block_text.size(), b.size);
      ASSERT_EQ(block_text, text.substr(b.offset, b.size));
      ASSERT_TRUE(b.offset + b.size == text.size() || text[b.offset + b.size - 1] == '\n');
      expect_offset += b.size;
      ParseResult p =
          parse_records(h.map, block_text.data(), b.size, b.offset, b.first_line, 2, "f");
      rows.append(p.rows);
      order.insert(order.end(), p.source_order.begin(), p.source_order.end());
      for (const auto& r : p.rejects) reject_lines.push_back(r.line);
      read += p.rows_read;
    }
    EXPECT_EQ(expect_offset, text.size());
    if (block_bytes >= text.size()) {
      EXPECT_EQ(blocks, 1u);
    }
    EXPECT_EQ(read, whole.rows_read);
    EXPECT_EQ(order, whole.source_order);
    ASSERT_EQ(reject_lines.size(), whole.rejects.size());
    for (size_t i = 0; i < reject_lines.size(); ++i)
      EXPECT_EQ(reject_lines[i], whole.rejects[i].line);
    EXPECT_EQ(rows.at("PHA_LABEL").strings.bytes(), whole.rows.at("PHA_LABEL").strings.bytes());
    EXPECT_EQ(reader.file_bytes_read(), std::filesystem::file_size(path));
  }
}

TEST(RecordBlocks, ReadersThatSkipBlocksCutTheSameBlocks) {
  // Two readers sharing a file (each parses every other block) see the same cuts as one reader
  // that keeps every block: ranks can share a compressed file without talking.
  test::TempDir dir;
  const std::string text = awkward_csv(12);
  const std::string path = (dir / "IR_PHA_R.csv.gz").string();
  test::write_text(path, test::gzip_member(text, 1));
  const size_t body = kHeader.size() + 3;
  std::vector<std::pair<uint64_t, uint64_t>> all, shared;
  {
    RecordBlockReader r(path, InputCompression::kGzip, body, 2, 5000);
    std::string t;
    RecordBlock b;
    while (r.next(b, &t)) all.emplace_back(b.offset, b.first_line);
  }
  for (uint64_t slot : {0u, 1u}) {
    RecordBlockReader r(path, InputCompression::kGzip, body, 2, 5000);
    std::string t;
    RecordBlock b;
    for (;;) {
      const bool mine = r.next_index() % 2 == slot;
      if (!r.next(b, mine ? &t : nullptr)) break;
      if (mine) shared.emplace_back(b.offset, b.first_line);
    }
  }
  std::sort(shared.begin(), shared.end());
  ASSERT_GT(all.size(), 20u);
  EXPECT_EQ(shared, all);
}

}  // namespace
}  // namespace snds
