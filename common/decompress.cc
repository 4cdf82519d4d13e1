#include "common/decompress.h"

#include <zlib.h>
#include <zstd.h>

namespace acequia {

Status Inflate(std::string_view data, DeflateFormat format, std::string* out) {
  z_stream z{};
  if (inflateInit2(&z, format == DeflateFormat::kRaw ? -15 : 15 + 32) != Z_OK) {
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
