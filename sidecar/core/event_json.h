// One event as a JSON object, the form the http source reads and the http sink (format json)
// and the file_roll sink (serializer json) write: {"headers":{...},"body":"..."}, compact, with a
// body that is not valid UTF-8 base64-encoded and marked "encoding":"base64". Written straight
// into the caller's buffer (no JSON tree per event): the escaping is RFC 8259's, as nlohmann's
// dump() writes it, and header names or values that are not valid UTF-8 get U+FFFD for each
// invalid byte. Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "sidecar/core/event.h"

namespace acequia::sidecar {

// Strict UTF-8: no overlong forms, surrogates or code points past U+10FFFF.
bool IsValidUtf8(std::string_view text);

// `text` with U+FFFD for every byte that is not part of valid UTF-8 (for formats whose strings
// must be UTF-8, such as Avro's string).
std::string ToValidUtf8(std::string_view text);

// Appends `event` as one JSON object (no newline).
void AppendEventJson(const Event& event, std::string* out);

}  // namespace acequia::sidecar
