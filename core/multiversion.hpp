// Function multiversioning for the per-row loops that only vectorise well beyond the x86-64
// baseline (sign extension to 64 bits, 64-bit compares and blends): GCC compiles an AVX2 clone
// beside the baseline one and the loader picks by the CPU (ifunc). Binaries stay portable to
// any x86-64 node; other compilers and targets get the plain function.
#pragma once

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && \
    !defined(__SANITIZE_ADDRESS__)
#define SNDS_MULTIVERSION __attribute__((target_clones("avx2", "default")))
#else
#define SNDS_MULTIVERSION
#endif
