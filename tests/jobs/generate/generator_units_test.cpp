// The generator's pieces: random streams, pseudonyms, the CIP13 referential, field writers, file
// formats, quirk options, chunked gzip, malformed-row accounting and the patient model.
#include <gtest/gtest.h>

#include <zlib.h>

#include <set>
#include <unordered_set>

#include "core/error.hpp"
#include "core/synth/catalogs.hpp"
#include "core/synth/csv_text.hpp"
#include "core/synth/drug_referential.hpp"
#include "core/synth/gzip_chunks.hpp"
#include "core/synth/patient_model.hpp"
#include "core/synth/rng.hpp"
#include "core/synth/row_formatter.hpp"
#include "core/synth/table_layout.hpp"
#include "jobs/args.hpp"
#include "jobs/generate/generate_options.hpp"
#include "jobs/generate/generator.hpp"

namespace snds::synth {
namespace {

TEST(GeneratorRng, StreamsDependOnSeedKindAndIndexOnly) {
  Rng a(stream_key(1, Stream::kCare, 5)), b(stream_key(1, Stream::kCare, 5));
  for (int i = 0; i < 100; ++i) EXPECT_EQ(a.next(), b.next());
  EXPECT_NE(stream_key(1, Stream::kCare, 5), stream_key(2, Stream::kCare, 5));
  EXPECT_NE(stream_key(1, Stream::kCare, 5), stream_key(1, Stream::kQuirk, 5));
  EXPECT_NE(stream_key(1, Stream::kCare, 5), stream_key(1, Stream::kCare, 6));
  Rng r(3);
  double sum = 0;
  for (int i = 0; i < 20000; ++i) sum += r.poisson(2.5);
  EXPECT_NEAR(sum / 20000, 2.5, 0.05);
  for (int i = 0; i < 1000; ++i) {
    const int x = r.range(3, 7);
    EXPECT_TRUE(x >= 3 && x <= 7);
  }
}

TEST(GeneratorPseudonym, SeventeenCharactersUniquePerPerson) {
  std::unordered_set<std::string> seen;
  for (uint64_t p = 0; p < 100000; ++p) {
    const auto s = pseudonym(42, p);
    const std::string v(s.begin(), s.end());
    for (char c : v) EXPECT_TRUE((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z'));
    EXPECT_TRUE(seen.insert(v).second);
  }
  EXPECT_NE(std::string(pseudonym(42, 1).data(), 17), std::string(pseudonym(43, 1).data(), 17));
}

TEST(GeneratorReferential, FewHundredValidUniqueCip13PerSeedWithOneUnreferencedCodePerDrug) {
  EXPECT_EQ(ean13_check_digit("400638133393"), '1');  // EAN 4006381333931
  const DrugReferential a(42, 0.01), b(42, 0.01), c(43, 0.01);
  ASSERT_EQ(a.codes().size(), b.codes().size());
  std::set<std::string> referenced, all;
  for (uint32_t i = 0; i < a.codes().size(); ++i) {
    const CipCode& x = a.at(i);
    EXPECT_EQ(x.code(), b.at(i).code());
    EXPECT_EQ(x.code().substr(0, 5), "34009");
    EXPECT_EQ(x.code()[12], ean13_check_digit(x.cip.data()));
    EXPECT_TRUE(all.insert(std::string(x.code())).second);
    if (x.referenced) referenced.insert(std::string(x.code()));
  }
  EXPECT_GE(referenced.size(), 200u);
  EXPECT_LE(referenced.size(), 600u);
  for (uint16_t d = 0; d < drug_catalog().size(); ++d) {
    EXPECT_FALSE(a.at(a.unreferenced(d)).referenced);
    EXPECT_FALSE(a.standard_packs(d).empty());
    EXPECT_EQ(drug_catalog()[d].atc.size(), 7u);
  }
  EXPECT_NE(a.at(0).code(), c.at(0).code());
}

TEST(GeneratorCatalogs, StayKindsAreListedInEnumOrderAndPyramidCoversAllAges) {
  for (size_t k = 0; k < kStayKindCount; ++k)
    EXPECT_EQ(static_cast<size_t>(stay_kind(static_cast<StayKind>(k)).kind), k);
  int next = 0;
  for (const auto& band : age_pyramid()) {
    EXPECT_EQ(band.lo, next);
    next = band.hi + 1;
  }
  EXPECT_GE(next, 100);
  for (const auto& d : departments()) EXPECT_EQ(d.code.size(), 3u);
  for (size_t g = 0; g < kDrugGroupCount; ++g)
    EXPECT_FALSE(drugs_of_group(static_cast<DrugGroup>(g)).empty());
}

std::string put(auto&& fn) {
  char buf[128];
  char* end = fn(buf);
  return std::string(buf, end);
}

TEST(GeneratorText, FieldsAreWrittenInTheContractForms) {
  using namespace text;
  const Date d = days_from_civil(2020, 3, 5);
  EXPECT_EQ(put([&](char* p) { return put_date(p, d, DateForm::kIso, true); }), "2020-03-05");
  EXPECT_EQ(put([&](char* p) { return put_date(p, d, DateForm::kDmy, true); }), "05/03/2020");
  EXPECT_EQ(put([&](char* p) { return put_date(p, d, DateForm::kSas, true); }),
            "05MAR2020:00:00:00");
  EXPECT_EQ(put([&](char* p) { return put_date(p, kMissingDate, DateForm::kDmy, true); }),
            "01/01/1600");
  EXPECT_EQ(put([&](char* p) { return put_date(p, kMissingDate, DateForm::kSas, true); }),
            "01JAN1600:00:00:00");
  EXPECT_EQ(put([&](char* p) { return put_date(p, kMissingDate, DateForm::kIso, false); }), "");
  // Outside the preformatted range too.
  EXPECT_EQ(put([&](char* p) {
              return put_date(p, days_from_civil(1950, 12, 31), DateForm::kIso, true);
            }),
            "1950-12-31");
  EXPECT_EQ(put([&](char* p) { return put_cents(p, -1234, true); }), "-12,34");
  EXPECT_EQ(put([&](char* p) { return put_cents(p, 5, false); }), "0.05");
  for (int64_t v : {int64_t{0}, int64_t{7}, int64_t{42}, int64_t{999}, int64_t{1000}, int64_t{-5},
                    int64_t{123456789012345}, INT64_MIN, INT64_MAX})
    EXPECT_EQ(put([&](char* p) { return put_i64(p, v); }), std::to_string(v));
  EXPECT_EQ(put([&](char* p) { return put_padded(p, 42, 10); }), "0000000042");
}

TEST(GeneratorFormats, FileFormatsDependOnSeedTablePartAndQuirksOnly) {
  GeneratorOptions o;
  o.seed = 5;
  o.quirks = QuirkSettings::none();
  const FileFormat plain = choose_format(o, TableKind::kErPrsF, "ER_PRS_F", 3);
  EXPECT_EQ(plain.date_form, DateForm::kIso);
  EXPECT_FALSE(plain.decimal_comma || plain.num_enq || plain.shuffled || plain.extra_columns ||
               plain.gzip || plain.missing_as_1600);
  std::string expected;
  for (const auto& c : table_spec(TableKind::kErPrsF).columns)
    if (c.required) expected += std::string(c.name) + ";";
  expected += "BSE_REM_MNT;PSP_SPE_COD;";  // always written: Open Medic's base and prescriber
  expected.back() = '\n';
  EXPECT_EQ(plain.header(TableKind::kErPrsF), expected);

  o.quirks = QuirkSettings::defaults();
  for (auto q : {Quirk::kDates, Quirk::kNumEnq, Quirk::kShuffle, Quirk::kExtraColumns})
    o.quirks.set(q, 1);
  const FileFormat all = choose_format(o, TableKind::kMcoC, "T_MCO20C", 1);
  EXPECT_NE(all.date_form, DateForm::kIso);
  EXPECT_TRUE(all.num_enq && all.shuffled && all.extra_columns);
  EXPECT_NE(all.header(TableKind::kMcoC).find("NUM_ENQ"), std::string::npos);
  EXPECT_NE(all.header(TableKind::kMcoC).find("ENT_DAT"), std::string::npos);
  const FileFormat again = choose_format(o, TableKind::kMcoC, "T_MCO20C", 1);
  EXPECT_EQ(again.columns, all.columns);
  // Across parts and tables the draws differ.
  o.quirks = QuirkSettings::defaults();
  std::set<int> forms;
  for (uint32_t part = 0; part < 40; ++part)
    forms.insert(
        static_cast<int>(choose_format(o, TableKind::kErPrsF, "ER_PRS_F", part).date_form));
  EXPECT_EQ(forms.size(), 3u);
}

TEST(GeneratorOptionsParsing, QuirkListsYearsAndRates) {
  auto q = parse_quirks("none,dates=1,gzip");
  EXPECT_EQ(q.rate(Quirk::kDates), 1.0);
  EXPECT_EQ(q.rate(Quirk::kGzip), quirk_info(Quirk::kGzip).default_rate);
  EXPECT_EQ(q.rate(Quirk::kOrphans), 0.0);
  q = parse_quirks("malformed=0.001,all");
  EXPECT_EQ(q.rate(Quirk::kMalformed), quirk_info(Quirk::kMalformed).default_rate);
  EXPECT_EQ(parse_quirks("").rates, QuirkSettings::defaults().rates);
  EXPECT_EQ(QuirkSettings::defaults().scaled(100).rate(Quirk::kDates), 1.0);
  try {
    parse_quirks("orphan=0.1");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::kUsage);
    EXPECT_NE(std::string(e.what()).find("did you mean 'orphans'"), std::string::npos) << e.what();
  }
  EXPECT_THROW(parse_quirks("dates=2"), Error);
  EXPECT_THROW(parse_quirks("dates=x"), Error);
  EXPECT_EQ(parse_years("2019-2022"), std::make_pair(2019, 2022));
  EXPECT_EQ(parse_years("2021"), std::make_pair(2021, 2021));
  EXPECT_THROW(parse_years("2022-2019"), Error);
  EXPECT_THROW(parse_years("1999-2001"), Error);
  EXPECT_THROW(parse_years("20x9"), Error);

  const Args args("generate",
                  {"--patients", "10", "--seed", "-3", "--out", "x", "--quirk-rate", "0", "--gzip"},
                  ArgSpec{{"patients", "seed", "out", "years", "quirks", "quirk-rate"}, {"gzip"}});
  const auto r = parse_generate_args(args);
  EXPECT_EQ(r.options.patients, 10u);
  EXPECT_EQ(r.options.seed, static_cast<uint64_t>(-3));
  EXPECT_EQ(r.options.quirks.rate(Quirk::kGzip), 1.0);
  EXPECT_EQ(r.options.quirks.rate(Quirk::kTwins), 0.0);
  EXPECT_FALSE(r.sas7bdat);

  const ArgSpec with_format{{"patients", "seed", "out", "format"}, {"gzip"}};
  EXPECT_TRUE(
      parse_generate_args(
          Args("generate", {"--patients", "1", "--seed", "1", "--out", "x", "--format", "sas7bdat"},
               with_format))
          .sas7bdat);
  for (const std::vector<std::string>& bad :
       {std::vector<std::string>{"--format", "sas"},
        std::vector<std::string>{"--format", "sas7bdat", "--gzip"}}) {
    std::vector<std::string> argv = {"--patients", "1", "--seed", "1", "--out", "x"};
    argv.insert(argv.end(), bad.begin(), bad.end());
    try {
      parse_generate_args(Args("generate", argv, with_format));
      FAIL() << bad[1];
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ExitCode::kUsage);
      EXPECT_NE(std::string(e.what()).find("--"), std::string::npos) << e.what();
    }
  }
}

TEST(GeneratorGzip, ChunksCompressedApartMakeOneValidMember) {
  std::string text, member = GzipMember::header();
  GzipMember m;
  ChunkDeflater deflater(1);
  std::string out;
  for (int chunk = 0; chunk < 3; ++chunk) {
    std::string part;
    for (int i = 0; i < 5000; ++i)
      part += "row;" + std::to_string(chunk * 5000 + i) + ";2020-01-01\n";
    text += part;
    m.add(deflater.deflate(part, out), part.size());
    member += out;
  }
  member += m.trailer();
  std::string back(text.size() + 16, '\0');
  z_stream s{};
  ASSERT_EQ(inflateInit2(&s, 16 + MAX_WBITS), Z_OK);
  s.next_in = reinterpret_cast<Bytef*>(member.data());
  s.avail_in = static_cast<uInt>(member.size());
  s.next_out = reinterpret_cast<Bytef*>(back.data());
  s.avail_out = static_cast<uInt>(back.size());
  EXPECT_EQ(inflate(&s, Z_FINISH), Z_STREAM_END);  // CRC and length checked by zlib
  EXPECT_EQ(s.total_out, text.size());
  EXPECT_EQ(s.avail_in, 0u);
  inflateEnd(&s);
  back.resize(text.size());
  EXPECT_EQ(back, text);
}

TEST(GeneratorMalformed, CountIsFloorOfRowsTimesRateWhateverTheSplit) {
  const double rate = 0.0007;
  for (uint64_t total : {0ULL, 10ULL, 1428ULL, 1429ULL, 123457ULL}) {
    for (int parts : {1, 2, 3, 7}) {
      uint64_t sum = 0;
      for (int p = 0; p < parts; ++p) {
        const auto [lo, hi] = patient_range(total, p, parts);  // any split of the rows
        sum += malformed_before(hi, rate) - malformed_before(lo, rate);
      }
      EXPECT_EQ(sum, static_cast<uint64_t>(std::floor(total * rate))) << total << " " << parts;
    }
  }
}

TEST(GeneratorMalformed, MalformedRowsHaveExactlyOneDefect) {
  GeneratorOptions o;
  o.patients = 10;
  const DrugReferential ref(o.seed, 0);
  const auto slots = table_slots(o);
  std::vector<FileFormat> formats;
  for (const auto& s : slots) formats.push_back(choose_format(o, s.kind, s.name, 0));
  const RowFormatter f(o, ref, slots, formats);
  int wrong_count = 0, bad_value = 0;
  for (uint64_t m = 0; m < 200; ++m) {
    const std::string row = f.malformed_row(kSlotErPrsF, m);
    EXPECT_EQ(row.back(), '\n');
    const auto fields = static_cast<size_t>(std::count(row.begin(), row.end(), ';') + 1);
    if (fields != formats[kSlotErPrsF].columns.size()) {
      ++wrong_count;
      EXPECT_EQ(row.find("#VALUE!"), std::string::npos);
    } else {
      ++bad_value;
      EXPECT_TRUE(row.find("#VALUE!") != std::string::npos || row.find("0A") != std::string::npos ||
                  row.find("ABC") != std::string::npos)
          << row;
    }
    EXPECT_EQ(row, f.malformed_row(kSlotErPrsF, m));
  }
  EXPECT_GT(wrong_count, 50);
  EXPECT_GT(bad_value, 50);
}

class GeneratorModel : public ::testing::Test {
 protected:
  static GeneratorOptions make_options() {
    GeneratorOptions o;
    o.patients = 3000;
    o.seed = 11;
    return o;
  }
  GeneratorModel() : options_(make_options()), ref_(options_.seed, 0.01), model_(options_, ref_) {}
  GeneratorOptions options_;
  DrugReferential ref_;
  PatientModel model_;
};

TEST_F(GeneratorModel, APatientIsAPureFunctionOfSeedAndIndex) {
  PatientRecords a, b;
  model_.generate(17, a);
  model_.generate(900, b);  // another patient in between: no hidden state
  model_.generate(17, b);
  EXPECT_EQ(a.nir, b.nir);
  ASSERT_EQ(a.prs.size(), b.prs.size());
  for (size_t i = 0; i < a.prs.size(); ++i) {
    EXPECT_EQ(a.prs[i].key.dct_ord_num, b.prs[i].key.dct_ord_num);
    EXPECT_EQ(a.prs[i].exe_soi_dtd, b.prs[i].exe_soi_dtd);
    EXPECT_EQ(a.prs[i].paid_cents, b.prs[i].paid_cents);
  }
  EXPECT_EQ(a.pha.size(), b.pha.size());
  EXPECT_EQ(a.stays.size(), b.stays.size());
}

TEST_F(GeneratorModel, KeysAreUniqueCareStaysInThePeriodAndBeforeDeath) {
  PatientRecords r;
  std::set<std::pair<int64_t, int>> keys;
  std::set<int64_t> rsa;
  const Date start = days_from_civil(2019, 1, 1), end = days_from_civil(2022, 12, 31);
  for (uint64_t p = 0; p < 500; ++p) {
    model_.generate(p, r);
    for (const auto& l : r.prs) {
      EXPECT_TRUE(keys.emplace(l.key.dct_ord_num, l.key.prs_ord_num).second);
      EXPECT_EQ(l.key.dct_ord_num >> kDocumentBits, static_cast<int64_t>(p));
      EXPECT_GE(l.exe_soi_dtd, start);
      EXPECT_LE(l.exe_soi_dtd, r.death == kMissingDate ? end : r.death);
      EXPECT_EQ(civil_from_days(l.key.flx_dis_dtd).day, 1u);
      EXPECT_GT(l.key.flx_dis_dtd, l.exe_soi_dtd);
    }
    for (const auto& s : r.stays) {
      EXPECT_TRUE(rsa.insert(s.rsa).second);
      EXPECT_GE(s.admission, start);
      EXPECT_LE(s.admission, s.discharge);
      EXPECT_LE(s.discharge, r.death == kMissingDate ? end : r.death);
      EXPECT_EQ(s.year, civil_from_days(s.discharge).year);
    }
  }
}

TEST_F(GeneratorModel, TwinsShareTheirIdentifierAndBirthButNotTheirCare) {
  options_.quirks.set(Quirk::kTwins, 1.0);  // every pair
  PatientRecords a, b;
  model_.generate(40, a);
  model_.generate(41, b);
  EXPECT_EQ(a.nir, b.nir);
  EXPECT_EQ(a.rng_gem, 1);
  EXPECT_EQ(b.rng_gem, 2);
  EXPECT_EQ(a.birth_year, b.birth_year);
  EXPECT_EQ(a.birth_month, b.birth_month);
  EXPECT_NE(a.idt, b.idt);
  EXPECT_NE(a.prs.size() * 1000 + a.pha.size(), b.prs.size() * 1000 + b.pha.size());
}

TEST_F(GeneratorModel, SwitchingEventQuirksOffLeavesTheCareAsItWas) {
  PatientRecords with, without;
  GeneratorOptions off = options_;
  for (auto q : {Quirk::kInfo71, Quirk::kRegularisation, Quirk::kOrphans, Quirk::kUnknownCip,
                 Quirk::kLateClaims})
    off.quirks.set(q, 0);
  const PatientModel plain(off, ref_);
  uint64_t lines = 0;
  for (uint64_t p = 0; p < 300; ++p) {
    model_.generate(p, with);
    plain.generate(p, without);
    EXPECT_EQ(without.info71_lines + without.regularisation_lines + without.orphan_rows +
                  without.unknown_cip_rows,
              0u);
    // The original lines are the same, in the same order, with the same documents.
    std::vector<const PrsRow*> originals;
    for (const auto& l : with.prs)
      if (l.dpn_qlf != 71 && l.quantity >= 0) originals.push_back(&l);
    ASSERT_EQ(originals.size(), without.prs.size()) << p;
    for (size_t i = 0; i < originals.size(); ++i) {
      EXPECT_EQ(originals[i]->key.dct_ord_num, without.prs[i].key.dct_ord_num);
      EXPECT_EQ(originals[i]->exe_soi_dtd, without.prs[i].exe_soi_dtd);
      EXPECT_EQ(originals[i]->paid_cents, without.prs[i].paid_cents);
    }
    lines += with.prs.size() - without.prs.size();
  }
  EXPECT_GT(lines, 0u);
}

}  // namespace
}  // namespace snds::synth
