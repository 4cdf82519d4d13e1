#include "sidecar/core/event_json.h"

#include <openssl/evp.h>

#include <cstdint>
#include <string>

namespace acequia::sidecar {
namespace {

std::string Base64(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()),
                                static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

// The length of the valid UTF-8 sequence at text[i], or 0 when the byte there starts none.
size_t Utf8SequenceAt(std::string_view text, size_t i) {
  const auto c = static_cast<unsigned char>(text[i]);
  if (c < 0x80) return 1;
  size_t extra = 0;
  uint32_t code = 0;
  if ((c & 0xe0) == 0xc0) {
    extra = 1;
    code = c & 0x1f;
  } else if ((c & 0xf0) == 0xe0) {
    extra = 2;
    code = c & 0x0f;
  } else if ((c & 0xf8) == 0xf0) {
    extra = 3;
    code = c & 0x07;
  } else {
    return 0;
  }
  if (i + extra >= text.size()) return 0;
  for (size_t k = 1; k <= extra; ++k) {
    const auto d = static_cast<unsigned char>(text[i + k]);
    if ((d & 0xc0) != 0x80) return 0;
    code = (code << 6) | (d & 0x3f);
  }
  // Overlong forms, surrogates and code points past U+10FFFF are not UTF-8.
  static constexpr uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
  if (code < kMin[extra] || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return 0;
  return extra + 1;
}

// Appends `text` as a JSON string: '"', '\\' and control characters escaped (\b \f \n \r \t,
// others \u00XX), everything else as is; bytes that are not valid UTF-8 become U+FFFD.
void AppendJsonString(std::string_view text, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->push_back('"');
  size_t run = 0;  // start of the bytes not yet appended
  size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
      ++i;
      continue;
    }
    if (c >= 0x80) {
      const size_t n = Utf8SequenceAt(text, i);
      if (n > 0) {
        i += n;
        continue;
      }
    }
    out->append(text.data() + run, i - run);
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\b':
        out->append("\\b");
        break;
      case '\f':
        out->append("\\f");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      default:
        if (c < 0x20) {
          out->append("\\u00");
          out->push_back(kHex[c >> 4]);
          out->push_back(kHex[c & 15]);
        } else {
          out->append("\xef\xbf\xbd");  // U+FFFD for a byte that starts no UTF-8 sequence
        }
    }
    ++i;
    run = i;
  }
  out->append(text.data() + run, text.size() - run);
  out->push_back('"');
}

}  // namespace

bool IsValidUtf8(std::string_view text) {
  for (size_t i = 0; i < text.size();) {
    const size_t n = Utf8SequenceAt(text, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

std::string ToValidUtf8(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 8);
  for (size_t i = 0; i < text.size();) {
    const size_t n = Utf8SequenceAt(text, i);
    if (n == 0) {
      out.append("\xef\xbf\xbd");
      ++i;
    } else {
      out.append(text.data() + i, n);
      i += n;
    }
  }
  return out;
}

void AppendEventJson(const Event& event, std::string* out) {
  out->append(R"({"headers":{)");
  bool first = true;
  for (const auto& [key, value] : event.headers) {
    if (!first) out->push_back(',');
    first = false;
    AppendJsonString(key, out);
    out->push_back(':');
    AppendJsonString(value, out);
  }
  out->append(R"(},"body":)");
  if (IsValidUtf8(event.body)) {
    AppendJsonString(event.body, out);
  } else {
    out->push_back('"');
    out->append(Base64(event.body));
    out->append(R"(","encoding":"base64")");
  }
  out->push_back('}');
}

}  // namespace acequia::sidecar
