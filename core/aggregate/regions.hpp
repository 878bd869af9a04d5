// The department -> region referential of the SNDS (IR_DPT_V: GEO_DPT_COD -> GEO_REG_COD), for
// the aggregate dimension `region`. The pairs are embedded (a job needs no file beside the
// binary); data/nomenclatures/IR_DPT_V.csv is their source, and a test checks they agree.
#pragma once

#include <span>
#include <string_view>
#include <utility>

namespace snds {

// GEO_REG_COD of a BEN_RES_DPT as stored ("075" -> "11", "02A" -> "94", "971" -> "1"). A
// two-character code is read with its leading zero ("75" as "075"). Empty when the department is
// empty or absent from the referential.
std::string_view region_of_department(std::string_view department);

// Every (department, region) pair, sorted by department.
std::span<const std::pair<std::string_view, std::string_view>> department_regions();

}  // namespace snds
