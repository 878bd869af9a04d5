// The mini extract writer (see mini_extract.hpp).
#include "tests/support/mini_extract.hpp"

#include <zlib.h>

#include <fstream>
#include <random>
#include <vector>

#include <fmt/format.h>

namespace snds::test {
namespace fs = std::filesystem;

namespace {

std::string date_form(int form, int y, int m, int d) {
  static const char* kMonths[] = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                  "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
  switch (form % 3) {
    case 0:
      return fmt::format("{:04d}-{:02d}-{:02d}", y, m, d);
    case 1:
      return fmt::format("{:02d}/{:02d}/{:04d}", d, m, y);
    default:
      return fmt::format("{:02d}{}{:04d}:00:00:00", d, kMonths[m - 1], y);
  }
}

void write(const fs::path& path, const std::string& text, bool gz) {
  if (gz) {
    gzFile f = gzopen((path.string() + ".gz").c_str(), "wb");
    gzwrite(f, text.data(), static_cast<unsigned>(text.size()));
    gzclose(f);
    return;
  }
  std::ofstream(path, std::ios::binary) << text;
}

}  // namespace

std::map<std::string, MiniCounts> write_mini_extract(const fs::path& dir, int patients,
                                                     uint64_t seed, bool gzip_some) {
  fs::create_directories(dir);
  std::mt19937_64 rng(seed);
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<uint64_t>(n)); };
  std::map<std::string, MiniCounts> counts;

  // IR_PHA_R: 20 drugs; CIP 3400930000099 is dispensed but absent.
  std::string pha_r = "PHA_CIP_C13;PHA_ATC_C07;PHA_LABEL\n";
  const char* atcs[] = {"C10AA01", "C10AA05", "A10BA02", "C09AA02",
                        "H03AA01", "J01CA04", "N02BE01"};
  for (int i = 0; i < 20; ++i) {
    pha_r += fmt::format("{};{};\"Drug {}; box of 30\"\n", 3400930000000 + i, atcs[i % 7], i);
    ++counts["IR_PHA_R"].written;
  }
  write(dir / "IR_PHA_R.csv", pha_r, false);

  // IR_BEN_R with NUM_ENQ, shuffled order, one twin in 50.
  std::string ben =
      "BEN_SEX_COD;NUM_ENQ;BEN_RNG_GEM;BEN_NAI_ANN;BEN_NAI_MOI;BEN_RES_DPT;BEN_DCD_DTE;BEN_CDI_"
      "NIR\n";
  // ER_PRS_F in two files: ISO dates with '.' decimals, and dd/mm/yyyy with ',' and quotes.
  std::string prs[2] = {
      "DCT_ORD_NUM;FLX_DIS_DTD;FLX_EMT_NUM;FLX_EMT_ORD;FLX_EMT_TYP;FLX_TRT_DTD;ORG_CLE_NUM;PRS_ORD_"
      "NUM;REM_TYP_AFF;BEN_NIR_PSA;BEN_RNG_GEM;EXE_SOI_DTD;PRS_NAT_REF;PRS_ACT_QTE;PRS_PAI_MNT;DPN_"
      "QLF;COMMENT\n",
      "BEN_NIR_PSA;BEN_RNG_GEM;EXE_SOI_DTD;PRS_NAT_REF;PRS_ACT_QTE;PRS_PAI_MNT;DPN_QLF;DCT_ORD_NUM;"
      "FLX_DIS_DTD;FLX_EMT_NUM;FLX_EMT_ORD;FLX_EMT_TYP;FLX_TRT_DTD;ORG_CLE_NUM;PRS_ORD_NUM;REM_TYP_"
      "AFF\n"};
  std::string pha =
      "DCT_ORD_NUM;FLX_DIS_DTD;FLX_EMT_NUM;FLX_EMT_ORD;FLX_EMT_TYP;FLX_TRT_DTD;ORG_CLE_NUM;PRS_ORD_"
      "NUM;REM_TYP_AFF;PHA_PRS_C13;PHA_ACT_QSN\n";
  std::string mco_c =
      "ETA_NUM;RSA_NUM;NUM_ENQ;EXE_SOI_DTD;EXE_SOI_DTF;NIR_RET;NAI_RET;SEX_RET;SEJ_RET;FHO_RET;PMS_"
      "RET;DAT_RET\n";
  std::string mco_b = "ETA_NUM;RSA_NUM;DGN_PAL;DGN_REL;GRG_GHM;SEJ_NBJ\n";
  std::string mco_d = "ETA_NUM;RSA_NUM;ASS_DGN\n";
  int64_t dct = 1;
  int rsa = 1;
  for (int p = 0; p < patients; ++p) {
    const std::string nir = fmt::format("P{:016d}", p * 7919 % 10000019);
    const int twins = p % 50 == 7 ? 2 : 1;
    for (int rank = 1; rank <= twins; ++rank) {
      ben += fmt::format("{};{};{};{};{};{:03d};{};00\n", 1 + pick(2), nir, rank, 1930 + pick(80),
                         1 + pick(12), 1 + pick(95), p % 30 == 3 ? "2021-05-04" : "1600-01-01");
      ++counts["IR_BEN_R"].written;
    }
    const int claims = 2 + pick(8);
    for (int c = 0; c < claims; ++c) {
      const int y = 2019 + pick(4), m = 1 + pick(12), d = 1 + pick(28);
      const int f = pick(2);
      const int rank = 1 + (twins == 2 ? pick(2) : 0);
      const bool pharmacy = pick(3) != 0;
      const int nat = pharmacy ? 3317 : 1111;
      const int qlf = pick(20) == 0 ? 71 : 0;
      const int cents = pick(10000);
      const int dis_m = m == 12 ? 1 : m + 1, dis_y = m == 12 ? y + 1 : y;
      if (f == 0) {
        const std::string comment = pick(10) == 0 ? "\"line one\nline \"\"two\"\"; three\"" : "";
        prs[0] +=
            fmt::format("{};{};1234;1;1;{};01C751;1;0;{};{};{};{};1;{}.{:02d};{};{}\n", dct,
                        date_form(0, dis_y, dis_m, 1), date_form(0, dis_y, dis_m, 1), nir, rank,
                        date_form(0, y, m, d), nat, cents / 100, cents % 100, qlf, comment);
      } else {
        prs[1] += fmt::format("\"{}\";{};{};{};1;{},{:02d};{};{};{};1234;1;1;{};\"01C751\";1;0\n",
                              nir, rank, date_form(1, y, m, d), nat, cents / 100, cents % 100, qlf,
                              dct, date_form(1, dis_y, dis_m, 1), date_form(1, dis_y, dis_m, 1));
      }
      ++counts["ER_PRS_F"].written;
      if (pharmacy) {
        const int lines = 1 + pick(2);
        for (int l = 0; l < lines; ++l) {
          // Pharmacy dates in SAS form: the join must meet ISO and dd/mm/yyyy parents.
          pha += fmt::format("{};{};1234;1;1;{};01C751;1;0;{};{}\n", dct,
                             date_form(2, dis_y, dis_m, 1), date_form(2, dis_y, dis_m, 1),
                             pick(15) == 0 ? 3400930000099 : 3400930000000 + pick(20),
                             pick(10) == 0 ? "-1" : "2");
          ++counts["ER_PHA_F"].written;
        }
      }
      ++dct;
    }
    // A pharmacy row whose claim line does not exist: an orphan.
    if (p % 40 == 11) {
      pha += fmt::format("{};2020-02-01;1234;1;1;2020-02-01;01C751;1;0;3400930000001;1\n",
                         900000000 + p);
      ++counts["ER_PHA_F"].written;
      ++counts["ER_PHA_F"].orphans;
    }
    // Malformed rows: a wrong field count and a bad number.
    if (p % 97 == 5) {
      prs[0] += fmt::format("{};2020-01-01;1234;1;1\n", dct++);
      ++counts["ER_PRS_F"].written;
      ++counts["ER_PRS_F"].rejected;
      pha += "1;2020-02-01;1234;1;1;2020-02-01;01C751;1;0;3400930000001;two\n";
      ++counts["ER_PHA_F"].written;
      ++counts["ER_PHA_F"].rejected;
    }
    if (p % 8 == 1) {
      const int y = 2020 + pick(2);
      const std::string eta = fmt::format("{:09d}", 750000000 + pick(30));
      const std::string tbl = fmt::format("T_MCO{:02d}", y % 100);
      const bool bad = pick(10) == 0;
      mco_c += fmt::format("{};{:010d};{};{};{};0;0;0;{};0;0;0\n", eta, rsa, nir,
                           date_form(2, y, 3, 10), date_form(2, y, 3, 12), bad ? "1" : "0");
      mco_b += fmt::format("{};{:010d};{};;{};2\n", eta, rsa, pick(2) ? "I214" : "J189",
                           pick(20) ? "05M09T" : "90Z00Z");
      mco_d += fmt::format("{};{:010d};E119\n", eta, rsa);
      counts[tbl + "C"].written++;
      counts[tbl + "B"].written++;
      counts[tbl + "D"].written++;
      ++rsa;
    }
  }
  // A stay summary without its C row: an orphan.
  mco_b += "750000001;9999999999;S720;;08C47T;4\n";
  write(dir / "IR_BEN_R.csv", ben, gzip_some);
  write(dir / "ER_PRS_F_1.csv", prs[0], false);
  write(dir / "ER_PRS_F_2.csv", prs[1], gzip_some);
  write(dir / "ER_PHA_F.csv", pha, false);
  // All stays in one file per table kind, named for 2020 (the tables of the other year live in
  // the same files: a stay's year is the file's, so both years' rows are 2020's here).
  write(dir / "T_MCO20C.csv", mco_c, false);
  write(dir / "T_MCO20B.csv", mco_b, false);
  write(dir / "T_MCO20D.csv", mco_d, false);
  std::map<std::string, MiniCounts> out;
  for (auto& [t, c] : counts) {
    if (t.rfind("T_MCO", 0) == 0) {
      auto& o = out["T_MCO20" + t.substr(7)];
      o.written += c.written;
      o.rejected += c.rejected;
      o.orphans += c.orphans;
    } else {
      out[t] = c;
    }
  }
  out["T_MCO20B"].written++;
  out["T_MCO20B"].orphans++;
  return out;
}

void write_ingest_config(const fs::path& path, const fs::path& inputs, const fs::path& store,
                         int shards, const std::string& extra) {
  std::ofstream(path) << fmt::format(
      "store: {}\nshards: {}\ninputs: {}\nmax_reject_ratio: 0.05\n{}", store.string(), shards,
      inputs.string(), extra);
}

}  // namespace snds::test
