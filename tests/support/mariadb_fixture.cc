#include "tests/support/mariadb_fixture.h"

#include <signal.h>

#include <filesystem>
#include <stdexcept>
#include <thread>

namespace acequia::testing {
namespace {

MariadbServer* g_shared = nullptr;

}  // namespace

MariadbServer::MariadbServer() = default;

MariadbServer::~MariadbServer() { Stop(); }

CommandOutput MariadbServer::Client(const std::vector<std::string>& args) const {
  std::vector<std::string> argv = {"/usr/bin/mariadb", "--no-defaults",
                                   "--socket=" + (dir_ / "sock"), "-uroot"};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunProgram(argv);
}

void MariadbServer::Start() {
  std::filesystem::create_directories(dir_ / "logs");
  auto install =
      RunProgram({"/usr/bin/mariadb-install-db", "--no-defaults", "--datadir=" + (dir_ / "data"),
                  "--auth-root-authentication-method=normal", "--user=root", "--skip-test-db",
                  "--skip-name-resolve"});
  if (install.exit_code != 0) throw std::runtime_error("mariadb-install-db failed: " + install.err);
  port_ = FreePort();
  server_ = std::make_unique<ChildProcess>(
      std::vector<std::string>{
          "/usr/sbin/mariadbd", "--no-defaults", "--datadir=" + (dir_ / "data"),
          "--port=" + std::to_string(port_), "--bind-address=127.0.0.1",
          "--socket=" + (dir_ / "sock"), "--user=root", "--skip-name-resolve", "--skip-log-bin",
          "--innodb-buffer-pool-size=32M", "--innodb-flush-log-at-trx-commit=0",
          "--innodb-doublewrite=0", "--pid-file=" + (dir_ / "mariadbd.pid")},
      dir_ / "logs");
  server_->Start();
  bool up = WaitFor(
      [&] {
        return server_->Running() && Client({"-e", "SELECT 1"}).exit_code == 0;
      },
      std::chrono::seconds(30));
  if (!up) throw std::runtime_error("mariadbd did not start: " + server_->Stderr());
  auto setup = Client({"-e", std::string("CREATE DATABASE ") + kDatabase + "; CREATE USER '" +
                                 kUser + "'@'%' IDENTIFIED BY '" + kPassword + "'; GRANT ALL ON " +
                                 kDatabase + ".* TO '" + kUser + "'@'%';"});
  if (setup.exit_code != 0) throw std::runtime_error("creating the test user failed: " + setup.err);
}

void MariadbServer::Stop() {
  if (!server_) return;
  server_->Signal(SIGTERM);
  if (!server_->Wait(std::chrono::seconds(20))) server_->Signal(SIGKILL);
  server_->Wait(std::chrono::seconds(5));
  server_.reset();
}

void MariadbServer::Exec(const std::string& sql) const {
  auto r = Client({kDatabase, "-e", sql});
  if (r.exit_code != 0) throw std::runtime_error("SQL failed: " + r.err + "\n" + sql);
}

MariadbServer* SharedMariadb() {
  static bool tried = false;
  static std::string error;
  if (!tried) {
    tried = true;
    auto server = std::make_unique<MariadbServer>();
    try {
      server->Start();
      g_shared = server.release();
    } catch (const std::exception& e) {
      error = e.what();
    }
  }
  if (g_shared == nullptr) ADD_FAILURE() << "MariaDB test server: " << error;
  return g_shared;
}

void MariadbEnvironment::SetUp() {}

void MariadbEnvironment::TearDown() {
  delete g_shared;
  g_shared = nullptr;
}

}  // namespace acequia::testing
