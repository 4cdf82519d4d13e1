// A small leveled logger writing one line per message to stderr:
//   2026-11-21T04:22:24.123Z INFO  [sink/archive] rolled /data/x.log (1000 events)
// Thread-safe: each line is written with a single write(2). The level is process-wide and
// set once at start-up (the only global besides the plugin registries).
#pragma once

#include <sstream>
#include <string>
#include <string_view>

namespace acequia {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

void SetLogLevel(LogLevel level);
LogLevel GetLogLevel();
bool ParseLogLevel(std::string_view text, LogLevel* level);
void LogLine(LogLevel level, std::string_view scope, std::string_view message);

// Streams a message and writes it on destruction: LogMessage(LogLevel::kInfo, "agent") << "x";
class LogMessage {
 public:
  LogMessage(LogLevel level, std::string_view scope) : level_(level), scope_(scope) {}
  ~LogMessage() { LogLine(level_, scope_, stream_.str()); }
  LogMessage(const LogMessage&) = delete;
  LogMessage& operator=(const LogMessage&) = delete;

  template <typename T>
  LogMessage& operator<<(const T& value) {
    stream_ << value;
    return *this;
  }

 private:
  LogLevel level_;
  std::string scope_;
  std::ostringstream stream_;
};

inline bool LogEnabled(LogLevel level) { return level >= GetLogLevel(); }

}  // namespace acequia
