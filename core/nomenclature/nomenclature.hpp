// The SNDS nomenclatures compiled in (core/nomenclature/README.md): the real ICD-10, CCAM, NABM
// and ALD codes, to check the code lists of configs (an unknown code is likely a typo or a code
// written another way, `I21.4` for `I214`) and the generator's codes.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace snds {

enum class CodeSystem { kIcd10, kCcam, kNabm, kAld };

// "ICD-10 (IR_CIM_V)", "CCAM (IR_CCAM_V63)", "NABM (IR_BIO_R)", "ALD (IR_ALD_V)".
const char* code_system_name(CodeSystem system);

// Every code of the system, distinct, in byte order (read at first use, thread-safe). ALD: the
// ALD_030_COD of IR_ALD_V and the IMB_ALD_NUM values 31 (off the list) and 32 (polypathology).
const std::vector<std::string>& nomenclature_codes(CodeSystem system);

// Whether `code` is a code of the system.
bool is_known_code(CodeSystem system, std::string_view code);
// Whether some code of the system starts with `prefix` (an empty prefix: true).
bool is_known_prefix(CodeSystem system, std::string_view prefix);

// The real codes closest to `code` (at most `n`, best first): for a prefix, the codes cut to its
// length; fewest edits (Levenshtein), then longest common start, then byte order.
std::vector<std::string> closest_codes(CodeSystem system, std::string_view code, bool prefix,
                                       size_t n = 3);

// The warning for a config code that is not real, or "" when it is: "<what> <code> is no
// <system> code (closest: A, B, C)". `prefix`: the list matches by prefix.
std::string unknown_code_warning(CodeSystem system, std::string_view code, bool prefix);

}  // namespace snds
