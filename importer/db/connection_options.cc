#include "importer/db/connection_options.h"

namespace acequia::importer {

std::string ScrubSecret(std::string message, const std::optional<std::string>& secret) {
  if (!secret || secret->empty()) return message;
  size_t pos = 0;
  while ((pos = message.find(*secret, pos)) != std::string::npos) {
    message.replace(pos, secret->size(), "***");
    pos += 3;
  }
  return message;
}

}  // namespace acequia::importer
