#include "common/compression.h"

#include <zlib.h>
#include <zstd.h>

namespace acequia {
namespace {

// zlib's window bits for `format`: negative for raw deflate, +16 for gzip, +32 to accept gzip or
// zlib when inflating.
int WindowBits(DeflateFormat format, bool inflating) {
  if (format == DeflateFormat::kRaw) return -15;
  return 15 + (inflating ? 32 : 16);
}

}  // namespace

Status Deflate(std::string_view data, DeflateFormat format, std::string* out) {
  z_stream z{};
  if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, WindowBits(format, false), 8,
                   Z_DEFAULT_STRATEGY) != Z_OK) {
    return Status::Internal("zlib: deflateInit2 failed");
  }
  const size_t start = out->size();
  out->resize(start + deflateBound(&z, static_cast<uLong>(data.size())));  // wrapper included
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out->data() + start);
  z.avail_out = static_cast<uInt>(out->size() - start);
  const int rc = deflate(&z, Z_FINISH);
  out->resize(start + z.total_out);
  deflateEnd(&z);
  return rc == Z_STREAM_END ? Status::Ok() : Status::Internal("zlib: deflate did not finish");
}

Status Inflate(std::string_view data, DeflateFormat format, std::string* out) {
  z_stream z{};
  if (inflateInit2(&z, WindowBits(format, true)) != Z_OK) {
    return Status::Internal("zlib: inflateInit2 failed");
  }
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  char buffer[65536];
  int rc;
  do {
    z.next_out = reinterpret_cast<Bytef*>(buffer);
    z.avail_out = sizeof buffer;
    rc = inflate(&z, Z_NO_FLUSH);
    out->append(buffer, sizeof buffer - z.avail_out);
  } while (rc == Z_OK);
  inflateEnd(&z);
  if (rc != Z_STREAM_END) {
    return Status::InvalidArgument(format == DeflateFormat::kRaw ? "corrupt deflate data"
                                                                 : "corrupt gzip data");
  }
  return Status::Ok();
}

Status ZstdCompress(std::string_view data, int level, std::string* out) {
  const size_t start = out->size();
  out->resize(start + ZSTD_compressBound(data.size()));
  const size_t n =
      ZSTD_compress(out->data() + start, out->size() - start, data.data(), data.size(), level);
  if (ZSTD_isError(n)) {
    out->resize(start);
    return Status::Internal(std::string("zstd: ") + ZSTD_getErrorName(n));
  }
  out->resize(start + n);
  return Status::Ok();
}

Status ZstdDecompress(std::string_view data, std::string* out) {
  ZSTD_DCtx* context = ZSTD_createDCtx();
  ZSTD_inBuffer in{data.data(), data.size(), 0};
  char buffer[65536];
  size_t rc = 0;
  while (in.pos < in.size) {
    ZSTD_outBuffer chunk{buffer, sizeof buffer, 0};
    rc = ZSTD_decompressStream(context, &chunk, &in);
    if (ZSTD_isError(rc)) break;
    out->append(buffer, chunk.pos);
  }
  ZSTD_freeDCtx(context);
  // rc is 0 once a frame is complete: anything else means corrupt or cut short.
  if (ZSTD_isError(rc) || rc != 0) return Status::InvalidArgument("corrupt zstd data");
  return Status::Ok();
}

}  // namespace acequia
