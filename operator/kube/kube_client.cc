#include "operator/kube/kube_client.h"

namespace acequia::kube {

Status ApiError(int http_code, const std::string& reason, const std::string& message) {
  std::string text = std::to_string(http_code) + " " + reason + ": " + message;
  Status::Code code = Status::Code::kInternal;
  switch (http_code) {
    case 400:
    case 403:
    case 405:
    case 415:
    case 422:
      code = Status::Code::kInvalidArgument;
      break;
    case 404:
      code = Status::Code::kNotFound;
      break;
    case 409:
      code = reason == "AlreadyExists" ? Status::Code::kAlreadyExists : Status::Code::kUnavailable;
      break;
    case 429:
      code = Status::Code::kResourceExhausted;
      break;
    case 504:
      code = Status::Code::kDeadlineExceeded;
      break;
    default:
      code = Status::Code::kUnavailable;  // 401 (token rotation), 410, 5xx: retry later
  }
  return Status(code, text);
}

int HttpCodeOf(const Status& status) {
  const std::string& m = status.message();
  if (m.size() < 4 || m[3] != ' ') return 0;
  int code = 0;
  for (int i = 0; i < 3; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(m[i]))) return 0;
    code = code * 10 + (m[i] - '0');
  }
  return code;
}

std::string ReasonOf(const Status& status) {
  if (HttpCodeOf(status) == 0) return "";
  const std::string& m = status.message();
  size_t colon = m.find(':', 4);
  return colon == std::string::npos ? "" : m.substr(4, colon - 4);
}

}  // namespace acequia::kube
