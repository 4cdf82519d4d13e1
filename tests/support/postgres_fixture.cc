#include "tests/support/postgres_fixture.h"

#include <fcntl.h>
#include <pwd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <stdexcept>
#include <thread>

namespace acequia::testing {
namespace {

constexpr const char* kBin = "/usr/lib/postgresql/15/bin/";
PostgresServer* g_shared = nullptr;

void ChownTree(const std::string& path, uid_t uid, gid_t gid) {
  if (::chown(path.c_str(), uid, gid) != 0) throw std::runtime_error("chown " + path);
  for (const auto& e : std::filesystem::recursive_directory_iterator(path)) {
    if (::chown(e.path().c_str(), uid, gid) != 0)
      throw std::runtime_error("chown " + e.path().string());
  }
}

}  // namespace

CommandOutput RunProgram(const std::vector<std::string>& argv,
                         const std::map<std::string, std::string>& env) {
  TempDir logs;
  const std::string out_path = logs / "out";
  const std::string err_path = logs / "err";
  pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    int in = ::open("/dev/null", O_RDONLY);
    int out = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int err = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(in, STDIN_FILENO);
    ::dup2(out, STDOUT_FILENO);
    ::dup2(err, STDERR_FILENO);
    for (const auto& [k, v] : env) ::setenv(k.c_str(), v.c_str(), 1);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  CommandOutput result;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  result.out = ReadFile(out_path);
  result.err = ReadFile(err_path);
  return result;
}

PostgresServer::PostgresServer() = default;

PostgresServer::~PostgresServer() { Stop(); }

void PostgresServer::Start() {
  struct passwd* pw = ::getpwnam("postgres");
  if (pw == nullptr) throw std::runtime_error("no postgres user (install the postgresql package)");
  std::filesystem::create_directories(dir_ / "sock");
  ChownTree(dir_.path(), pw->pw_uid, pw->pw_gid);
  const std::string runuser = "/usr/sbin/runuser";
  auto initdb =
      RunProgram({runuser, "-u", "postgres", "--", std::string(kBin) + "initdb", "-D",
                  dir_ / "data", "-U", "postgres", "--auth-local=trust",
                  "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"});
  if (initdb.exit_code != 0) throw std::runtime_error("initdb failed: " + initdb.err);
  port_ = FreePort();
  auto start = RunProgram({runuser, "-u", "postgres", "--", std::string(kBin) + "pg_ctl", "-D",
                           dir_ / "data", "-l", dir_ / "server.log", "-w", "-t", "30", "-o",
                           "-c listen_addresses=127.0.0.1 -p " + std::to_string(port_) + " -k " +
                               (dir_ / "sock") +
                               " -c fsync=off -c synchronous_commit=off "
                               "-c full_page_writes=off",
                           "start"});
  if (start.exit_code != 0) {
    throw std::runtime_error("postgres did not start: " + start.err +
                             ReadFile(dir_ / "server.log"));
  }
  running_ = true;
  auto setup =
      RunProgram({"/usr/bin/psql", "-h", dir_ / "sock", "-p", std::to_string(port_), "-U",
                  "postgres", "-d", "postgres", "-v", "ON_ERROR_STOP=1", "-q", "-c",
                  std::string("CREATE ROLE ") + kUser + " LOGIN PASSWORD '" + kPassword + "'", "-c",
                  std::string("CREATE DATABASE ") + kDatabase + " OWNER " + kUser});
  if (setup.exit_code != 0) throw std::runtime_error("creating the test role failed: " + setup.err);
}

void PostgresServer::Stop() {
  if (!running_) return;
  running_ = false;
  RunProgram({"/usr/sbin/runuser", "-u", "postgres", "--", std::string(kBin) + "pg_ctl", "-D",
              dir_ / "data", "-m", "immediate", "-w", "stop"});
}

void PostgresServer::Exec(const std::string& sql) const {
  const std::string file = dir_ / "exec.sql";
  WriteFile(file, sql);
  auto r = RunProgram({"/usr/bin/psql", "-h", dir_ / "sock", "-p", std::to_string(port_), "-U",
                       "postgres", "-d", kDatabase, "-v", "ON_ERROR_STOP=1", "-q", "-f", file});
  if (r.exit_code != 0) throw std::runtime_error("SQL failed: " + r.err + "\n" + sql);
}

CommandOutput PostgresServer::Psql(const std::vector<std::string>& args) const {
  std::vector<std::string> argv = {"/usr/bin/psql",
                                   "-X",
                                   "-h",
                                   host(),
                                   "-p",
                                   std::to_string(port_),
                                   "-U",
                                   kUser,
                                   "-d",
                                   kDatabase,
                                   "-v",
                                   "ON_ERROR_STOP=1"};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunProgram(argv, {{"PGPASSWORD", kPassword}});
}

PostgresServer* SharedPostgres() {
  static bool tried = false;
  static std::string error;
  if (!tried) {
    tried = true;
    auto server = std::make_unique<PostgresServer>();
    try {
      server->Start();
      g_shared = server.release();
    } catch (const std::exception& e) {
      error = e.what();
    }
  }
  if (g_shared == nullptr) ADD_FAILURE() << "PostgreSQL test server: " << error;
  return g_shared;
}

void PostgresEnvironment::SetUp() {}

void PostgresEnvironment::TearDown() {
  delete g_shared;
  g_shared = nullptr;
}

}  // namespace acequia::testing
