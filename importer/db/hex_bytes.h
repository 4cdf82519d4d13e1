// Binary values as text, the way PostgreSQL prints bytea: "\x" and two lower-case hex digits per
// byte. SQLite and MariaDB blobs are rendered the same so every driver writes bytes alike.
// Pure; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace acequia::importer {

inline void HexBytes(std::string_view bytes, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->assign("\\x");
  out->reserve(2 + bytes.size() * 2);
  for (unsigned char c : bytes) {
    out->push_back(kHex[c >> 4]);
    out->push_back(kHex[c & 15]);
  }
}

}  // namespace acequia::importer
