/* The body of the HDF5 zstd filter (registered id 32015), shared by the in-process filter
 * (core/store/zstd_filter.cpp) and the h5dump plugin module (core/store/plugin/), so that both
 * speak exactly the stream format of the public HDF5 zstd plugin: a chunk is one plain zstd frame
 * (content size recorded), cd_values[0] is the optional compression level.
 * Plain C (also valid C++) because the plugin is a C module; the caller passes the allocator, since
 * HDF5 frees the returned buffer with its own (H5free_memory in-process, free() in a plugin). */
#ifndef SNDS_STORE_ZSTD_CODEC_H
#define SNDS_STORE_ZSTD_CODEC_H

#include <stddef.h>
#include <string.h>
#include <zstd.h>

#define SNDS_ZSTD_FILTER_ID 32015
#define SNDS_ZSTD_FILTER_NAME "Zstandard compression: http://www.zstd.net"

typedef void* (*snds_zstd_alloc_fn)(size_t size);
typedef void (*snds_zstd_free_fn)(void* ptr);

/* Frames written by other tools may omit their content size: decode them by streaming into a
 * buffer that doubles until the frame ends. Returns the decoded size, 0 on failure. */
static size_t snds_zstd_decode_streaming(const void* in, size_t in_size, void** out_buf,
                                         size_t* out_capacity, snds_zstd_alloc_fn alloc,
                                         snds_zstd_free_fn release) {
  ZSTD_DStream* stream = ZSTD_createDStream();
  size_t capacity = in_size * 4 + 4096;
  void* out = alloc(capacity);
  ZSTD_inBuffer input;
  ZSTD_outBuffer output;
  size_t ret = 0;
  if (stream == NULL || out == NULL) goto fail;
  ZSTD_initDStream(stream);
  input.src = in;
  input.size = in_size;
  input.pos = 0;
  output.dst = out;
  output.size = capacity;
  output.pos = 0;
  for (;;) {
    ret = ZSTD_decompressStream(stream, &output, &input);
    if (ZSTD_isError(ret)) goto fail;
    if (ret == 0) break;                                                /* frame complete */
    if (input.pos == input.size && output.pos < output.size) goto fail; /* truncated frame */
    if (output.pos == output.size) {
      void* bigger = alloc(capacity * 2);
      if (bigger == NULL) goto fail;
      memcpy(bigger, out, output.pos);
      release(out);
      out = bigger;
      capacity *= 2;
      output.dst = out;
      output.size = capacity;
    }
  }
  ZSTD_freeDStream(stream);
  *out_buf = out;
  *out_capacity = capacity;
  return output.pos;
fail:
  if (stream != NULL) ZSTD_freeDStream(stream);
  if (out != NULL) release(out);
  return 0;
}

/* The HDF5 filter function, with HDF5's contract: returns the new data size (0 on failure) and
 * replaces *buf (whose allocated size is *buf_size) by a buffer from `alloc`. */
static size_t snds_zstd_filter_body(int reverse, size_t cd_nelmts, const unsigned int cd_values[],
                                    size_t nbytes, size_t* buf_size, void** buf,
                                    snds_zstd_alloc_fn alloc, snds_zstd_free_fn release) {
  void* out = NULL;
  size_t out_size = 0;
  size_t out_capacity = 0;
  if (reverse) {
    const unsigned long long content = ZSTD_getFrameContentSize(*buf, nbytes);
    if (content == ZSTD_CONTENTSIZE_ERROR) return 0;
    if (content == ZSTD_CONTENTSIZE_UNKNOWN) {
      out_size = snds_zstd_decode_streaming(*buf, nbytes, &out, &out_capacity, alloc, release);
      if (out_size == 0) return 0;
    } else {
      size_t got;
      out_size = (size_t)content;
      out_capacity = out_size > 0 ? out_size : 1;
      out = alloc(out_capacity);
      if (out == NULL) return 0;
      got = ZSTD_decompress(out, out_size, *buf, nbytes);
      if (ZSTD_isError(got) || got != out_size) {
        release(out);
        return 0;
      }
    }
  } else {
    const int level = cd_nelmts > 0 ? (int)cd_values[0] : ZSTD_CLEVEL_DEFAULT;
    out_capacity = ZSTD_compressBound(nbytes);
    out = alloc(out_capacity);
    if (out == NULL) return 0;
    out_size = ZSTD_compress(out, out_capacity, *buf, nbytes, level);
    if (ZSTD_isError(out_size)) {
      release(out);
      return 0;
    }
  }
  release(*buf);
  *buf = out;
  *buf_size = out_capacity;
  return out_size;
}

#endif /* SNDS_STORE_ZSTD_CODEC_H */
