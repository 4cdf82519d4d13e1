// Small helpers for tests that touch the real world: temp directories, free ports, files,
// waiting for a condition. Test-only; not thread-safe unless stated.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace acequia::testing {

// A fresh directory under $TMPDIR, removed with its contents on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// A TCP port on 127.0.0.1 that nothing listened on a moment ago.
int FreePort();

std::string ReadFile(const std::string& path);
void WriteFile(const std::string& path, const std::string& content);
// Every regular file under `dir`, recursively, sorted.
std::vector<std::string> ListFiles(const std::string& dir);
// Lines of every file under `dir` whose name passes `keep`, concatenated in file order.
std::vector<std::string> ReadLinesUnder(const std::string& dir,
                                        const std::function<bool(const std::string&)>& keep);

// Polls `condition` every 20 ms until it holds or `timeout` passes; returns its last value.
bool WaitFor(const std::function<bool()>& condition,
             std::chrono::milliseconds timeout = std::chrono::seconds(10));

}  // namespace acequia::testing
