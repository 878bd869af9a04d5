// Inflate speed of one .gz file: zlib streamed in 16 MB blocks (what the ingest does,
// core/csv/decompress.cpp) against libdeflate, which only decompresses a whole member held in
// memory (input and output buffers of the member's full size). One core, best of N runs, MB/s of
// decompressed CSV per CPU second (process CPU time: a loaded machine gives the same figure).
// Not part of the build (libdeflate is not a build dependency):
//   apt-get install libdeflate-dev
//   g++ -O2 -std=c++20 bench/inflate_speed.cpp -o /tmp/inflate_speed -lz -ldeflate
//   /tmp/inflate_speed FILE.csv.gz [runs]
#include <libdeflate.h>
#include <zlib.h>

#include <time.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace {

// Process CPU time, not wall time: the figure holds on a machine shared with other work.
double now() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

// Streams every member through one 16 MB output block; returns the decompressed byte count.
size_t zlib_stream(const std::string& in) {
  std::vector<unsigned char> out(size_t{16} << 20);
  z_stream z{};
  inflateInit2(&z, 16 + MAX_WBITS);
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  size_t total = 0;
  for (;;) {
    z.next_out = out.data();
    z.avail_out = static_cast<uInt>(out.size());
    const int rc = inflate(&z, Z_NO_FLUSH);
    total += out.size() - z.avail_out;
    if (rc == Z_STREAM_END) {
      if (z.avail_in == 0) break;
      inflateReset(&z);
    } else if (rc != Z_OK) {
      std::fprintf(stderr, "zlib error %d\n", rc);
      break;
    }
  }
  inflateEnd(&z);
  return total;
}

// Whole members, one after the other, into an output buffer of the file's full size.
size_t libdeflate_whole(const std::string& in, std::vector<char>& out) {
  libdeflate_decompressor* d = libdeflate_alloc_decompressor();
  size_t in_pos = 0, out_pos = 0;
  while (in_pos < in.size()) {
    size_t used = 0, produced = 0;
    const auto rc =
        libdeflate_gzip_decompress_ex(d, in.data() + in_pos, in.size() - in_pos,
                                      out.data() + out_pos, out.size() - out_pos, &used, &produced);
    if (rc != LIBDEFLATE_SUCCESS) {
      std::fprintf(stderr, "libdeflate error %d\n", static_cast<int>(rc));
      break;
    }
    in_pos += used;
    out_pos += produced;
  }
  libdeflate_free_decompressor(d);
  return out_pos;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: inflate_speed FILE.gz [runs]\n");
    return 2;
  }
  const int runs = argc > 2 ? std::atoi(argv[2]) : 3;
  std::ifstream f(argv[1], std::ios::binary);
  const std::string in((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  double best_z = 1e9, best_d = 1e9;
  size_t n_z = 0, n_d = 0;
  std::vector<char> out;
  for (int r = 0; r < runs; ++r) {
    double t = now();
    n_z = zlib_stream(in);
    best_z = std::min(best_z, now() - t);
    if (out.size() < n_z) out.resize(n_z + 1);
    t = now();
    n_d = libdeflate_whole(in, out);
    best_d = std::min(best_d, now() - t);
  }
  std::printf("%s: %.1f MB gz -> %.1f MB\n", argv[1], static_cast<double>(in.size()) / 1e6,
              static_cast<double>(n_z) / 1e6);
  std::printf("zlib %s streamed: %.2f s, %.0f MB/s\n", zlibVersion(), best_z,
              static_cast<double>(n_z) / 1e6 / best_z);
  std::printf("libdeflate whole member: %.2f s, %.0f MB/s (%zu bytes)\n", best_d,
              static_cast<double>(n_d) / 1e6 / best_d, n_d);
  return 0;
}
