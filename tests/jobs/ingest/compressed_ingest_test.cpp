// Compressed extracts ingest to the same store as their plain twin: every file of the mini
// extract gzipped (several members), zstd- or bzip2-compressed gives the plain store's rows, in the
// same shards, with the same input order (`_src`: file, byte offset of the decompressed data), line
// numbers of rejects and counts, at 1-4 ranks (ranks sharing one compressed file's blocks) and
// 1-2 threads, with blocks far smaller than the files.
#include <gtest/gtest.h>
#include <zlib.h>
#include <zstd.h>

#include <bzlib.h>

#include <algorithm>

#include <boost/json.hpp>

#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "jobs/commands.hpp"
#include "jobs/ingest/ingest_config.hpp"
#include "jobs/ingest/ingest_run.hpp"
#include "runtime/communicator.hpp"
#include "tests/support/mini_extract.hpp"
#include "tests/support/store_dump.hpp"
#include "tests/support/test_support.hpp"

namespace snds {
namespace fs = std::filesystem;

namespace {

// pigz-like: the text cut into members at arbitrary points.
std::string gzip_members(const std::string& data) {
  std::string out;
  const size_t cuts[] = {0, data.size() / 3, data.size() / 3 + 1, data.size()};
  for (size_t k = 0; k + 1 < std::size(cuts); ++k) {
    out += test::gzip_member(std::string_view(data).substr(cuts[k], cuts[k + 1] - cuts[k]));
  }
  return out;
}

std::string zstd(const std::string& data) {
  std::string out(ZSTD_compressBound(data.size()), '\0');
  out.resize(ZSTD_compress(out.data(), out.size(), data.data(), data.size(), 1));
  return out;
}

std::string bzip2(const std::string& data) {
  auto len = static_cast<unsigned>(data.size() + data.size() / 100 + 600);
  std::string out(len, '\0');
  EXPECT_EQ(BZ2_bzBuffToBuffCompress(out.data(), &len, const_cast<char*>(data.data()),
                                     static_cast<unsigned>(data.size()), 9, 0, 0),
            BZ_OK);
  out.resize(len);
  return out;
}

void ingest(const fs::path& yaml, int ranks, int threads) {
  ConfigMap m = load_config(yaml.string());
  const IngestConfig c = read_ingest_config(m);
  run_in_process(ranks, [&](Communicator& comm) {
    CommandContext ctx{comm, threads};
    run_ingest(c, ctx, false);
  });
}

boost::json::object manifest(const fs::path& store) {
  return boost::json::parse(test::read_text(store / "manifest.json")).as_object();
}

// The reject file with file paths reduced to their table part (plain and compressed twins name
// the same rows).
std::string rejects_without_paths(const fs::path& store, const fs::path& inputs) {
  std::string s = test::read_text(store / "rejects.csv");
  for (const std::string& cut :
       {inputs.string() + "/", std::string(".csv.gz"), std::string(".csv.zst"),
        std::string(".csv.bz2"), std::string(".csv")})
    for (size_t p; (p = s.find(cut)) != std::string::npos;) s.replace(p, cut.size(), "");
  return s;
}

class CompressedIngest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new test::TempDir("compressed-ingest");
    const fs::path plain = dir_->path() / "plain";
    test::write_mini_extract(plain, 400, 7);
    // The twin: each file compressed, the three formats spread over the tables.
    int k = 0;
    for (const auto& e : fs::directory_iterator(plain)) names_.push_back(e.path().filename());
    std::sort(names_.begin(), names_.end());
    for (const auto& name : names_) {
      const std::string text = test::read_text(plain / name);
      const fs::path twin = dir_->path() / "twin" / name.string();
      switch (k++ % 3) {
        case 0:
          test::write_text(twin.string() + ".gz", gzip_members(text));
          break;
        case 1:
          test::write_text(twin.string() + ".zst", zstd(text));
          break;
        default:
          test::write_text(twin.string() + ".bz2", bzip2(text));
      }
    }
    test::write_ingest_config(dir_->path() / "ref.yaml", plain, dir_->path() / "ref", 5);
    ingest(dir_->path() / "ref.yaml", 1, 1);
    reference_ = test::dump_store(dir_->path() / "ref");
  }
  static void TearDownTestSuite() { delete dir_; }
  static test::TempDir* dir_;
  static std::vector<fs::path> names_;
  static std::string reference_;
};
test::TempDir* CompressedIngest::dir_ = nullptr;
std::vector<fs::path> CompressedIngest::names_;
std::string CompressedIngest::reference_;

}  // namespace

TEST_F(CompressedIngest, TheCompressedTwinGivesThePlainStoreAtOneToFourRanks) {
  const auto ref = manifest(dir_->path() / "ref");
  const struct {
    int ranks, threads;
    const char* chunk;
  } layouts[] = {{1, 1, "1"}, {2, 1, "1"}, {3, 2, "4"}, {4, 1, "2"}, {2, 2, "32768"}};
  for (const auto& l : layouts) {
    SCOPED_TRACE(fmt::format("{} ranks x {} threads, {} KB blocks", l.ranks, l.threads, l.chunk));
    const fs::path store = dir_->path() / fmt::format("s{}_{}_{}", l.ranks, l.threads, l.chunk);
    const fs::path yaml = store.string() + ".yaml";
    test::write_ingest_config(yaml, dir_->path() / "twin", store, 5,
                              fmt::format("read_chunk_kb: {}\n", l.chunk));
    ingest(yaml, l.ranks, l.threads);
    // Same shards, same rows in the same order (the per-shard dump keeps each shard apart).
    EXPECT_EQ(test::dump_store(store, true), test::dump_store(dir_->path() / "ref", true));
    EXPECT_EQ(rejects_without_paths(store, dir_->path() / "twin"),
              rejects_without_paths(dir_->path() / "ref", dir_->path() / "plain"));
    const auto m = manifest(store);
    EXPECT_EQ(m.at("tables"), ref.at("tables"));
    EXPECT_EQ(m.at("rows_per_shard"), ref.at("rows_per_shard"));
    // Inputs: rows per file as in the plain twin; CRC-32 and size of the file as stored.
    const auto& inputs = m.at("inputs").as_array();
    const auto& ref_inputs = ref.at("inputs").as_array();
    ASSERT_EQ(inputs.size(), ref_inputs.size());
    for (size_t i = 0; i < inputs.size(); ++i) {
      const auto& in = inputs[i].as_object();
      const std::string bytes = test::read_text(std::string(in.at("path").as_string()));
      EXPECT_EQ(in.at("rows_read"), ref_inputs[i].at("rows_read"));
      EXPECT_EQ(in.at("rejected"), ref_inputs[i].at("rejected"));
      EXPECT_EQ(in.at("bytes").to_number<uint64_t>(), bytes.size());
      EXPECT_EQ(in.at("crc32").as_string(),
                fmt::format("{:08x}", crc32(0L, reinterpret_cast<const Bytef*>(bytes.data()),
                                            static_cast<uInt>(bytes.size()))));
    }
  }
}

TEST_F(CompressedIngest, ACorruptCompressedFileFailsWithExitCode3NamingIt) {
  const fs::path in = dir_->path() / "bad";
  fs::create_directories(in);
  for (const auto& e : fs::directory_iterator(dir_->path() / "twin"))
    fs::copy_file(e.path(), in / e.path().filename());
  // Cut the largest compressed file in half: its header reads fine, its end is missing.
  fs::path largest;
  for (const auto& e : fs::directory_iterator(in))
    if (largest.empty() || fs::file_size(e.path()) > fs::file_size(largest)) largest = e.path();
  const std::string bytes = test::read_text(largest);
  test::write_text(largest, bytes.substr(0, bytes.size() / 2));
  test::write_ingest_config(dir_->path() / "bad.yaml", in, dir_->path() / "bad_store", 5,
                            "read_chunk_kb: 1\n");
  try {
    ingest(dir_->path() / "bad.yaml", 2, 1);
    FAIL() << "expected a data error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::kData);
    EXPECT_NE(std::string(e.what()).find(largest.string() + ": truncated"), std::string::npos)
        << e.what();
  }
}

}  // namespace snds
