// Agreeing on failure across ranks. A phase that may fail on some ranks only runs inside
// all_or_none(): when any rank fails, every rank leaves the phase with an Error of the same exit
// code, so no rank is left waiting in a collective. The rank that failed carries the message;
// the others carry a PeerFailure, which main() does not print.
#pragma once

#include <exception>

#include "core/error.hpp"
#include "runtime/communicator.hpp"

namespace snds {

class PeerFailure : public Error {
 public:
  explicit PeerFailure(ExitCode code) : Error(code, "another rank failed") {}
};

template <typename F>
void all_or_none(Communicator& comm, F&& fn) {
  std::exception_ptr failure;
  uint64_t code = 0;
  try {
    fn();
  } catch (const Error& e) {
    failure = std::current_exception();
    code = static_cast<uint64_t>(e.code());
  } catch (const std::bad_alloc&) {
    failure = std::make_exception_ptr(
        internal_error("out of memory: lower memory_budget_mb or use more ranks/nodes"));
    code = static_cast<uint64_t>(ExitCode::kInternal);
  } catch (const std::exception& e) {
    failure = std::make_exception_ptr(internal_error("{}", e.what()));
    code = static_cast<uint64_t>(ExitCode::kInternal);
  }
  const uint64_t worst = comm.max(code);
  if (worst == 0) return;
  if (failure) std::rethrow_exception(failure);
  throw PeerFailure(static_cast<ExitCode>(worst));
}

}  // namespace snds
