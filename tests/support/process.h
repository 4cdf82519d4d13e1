// Runs a real program as a child process for integration tests: argv, environment additions,
// stdout/stderr captured to files, signals, waiting with a timeout. The destructor kills a child
// that is still running. Test-only; one thread.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace acequia::testing {

class ChildProcess {
 public:
  ChildProcess(std::vector<std::string> argv, std::string log_dir,
               std::map<std::string, std::string> env = {});
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  void Start();
  void Signal(int sig);
  // The exit code (128 + signal when killed by one), or nullopt when still running at timeout.
  std::optional<int> Wait(std::chrono::milliseconds timeout);
  bool Running();
  pid_t pid() const { return pid_; }
  std::string Stdout() const;
  std::string Stderr() const;

 private:
  std::vector<std::string> argv_;
  std::string log_dir_;
  std::map<std::string, std::string> env_;
  pid_t pid_ = -1;
  std::optional<int> exit_code_;
};

// The path of a binary built by this project, from the compile definitions of the test target.
std::string AgentBinary();

// Whether process `pid` exists and is not a zombie (from /proc/<pid>/stat).
bool ProcessAlive(pid_t pid);
// The pid a program wrote to `path`, once the file holds one (-1 after WaitFor's timeout).
pid_t WaitForPidFile(const std::string& path);

}  // namespace acequia::testing
