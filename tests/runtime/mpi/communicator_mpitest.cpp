// The MPI backend under mpirun (np 1-4): the properties the in-process backend is tested for, by
// the same bodies (tests/runtime/communicator_properties.hpp).
#include <gtest/gtest.h>

#include "runtime/communicator.hpp"
#include "tests/runtime/communicator_properties.hpp"

namespace snds {

TEST(MpiCommunicator, ReductionsAgree) {
  test::reductions_agree(mpi_world());
}

TEST(MpiCommunicator, BroadcastsAndGathers) {
  test::broadcasts_and_gathers(mpi_world());
}

TEST(MpiCommunicator, AllToAllDeliversEachPairsBuffer) {
  test::all_to_all_delivers_each_pairs_buffer(mpi_world());
}

TEST(MpiCommunicator, PointToPointFromAnySource) {
  test::point_to_point_from_any_source(mpi_world());
}

TEST(MpiCommunicator, AFailureOnOneRankFailsEveryRankWithItsCode) {
  test::a_failure_on_one_rank_fails_every_rank_with_its_code(mpi_world());
}

}  // namespace snds
