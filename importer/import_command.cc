#include "importer/import_command.h"

#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "api/import_job.h"
#include "common/logging.h"
#include "importer/credentials.h"
#include "importer/db/open_database.h"
#include "importer/export/exporter.h"
#include "importer/plan/split_planner.h"
#include "importer/run/committer.h"
#include "importer/run/split_runner.h"
#include "importer/run/target_layout.h"

namespace acequia::importer {
namespace {

using nlohmann::json;

constexpr const char* kUsage = R"(usage: acequia-import COMMAND [flags]

commands:
  plan                      query the split boundaries; print the plan (JSON)
  plan --plan-file FILE     also write the plan to FILE (atomically, directories created)
  run --split N             import split N of the plan (--plan FILE, or the plan on stdin)
  run                       plan, run every split in parallel threads, commit
  commit                    check every split finished; write <path>/_SUCCESS
  list-tables               list the source database's tables
  eval "SQL"                run one statement; print the rows as JSON lines
  export                    load the target's part files into spec.source.table, all or nothing

flags:
  --job FILE                the ImportJob manifest (or its spec); required
  --plan FILE|-             the plan from `plan` (run --split, commit); "-" is stdin
  --plan-file FILE          plan: where to write the whole plan; the termination log then
                            gets a summary when the plan is over 3,500 bytes
  --credentials DIR         files DIR/username and DIR/password
  --run-id ID               the run id for `plan` (default: UTC time + random)
  --parallelism N           threads for a local `run` (default: the split count)
  --termination-log FILE    where the one-line result goes (default /dev/termination-log)
  --log-level LEVEL         debug|info|warn|error (default info)
  --from DIR                export: read the part files from DIR (default: target.path)
  --update-key COL[,COL]    export: upsert on these columns instead of appending

credentials: --credentials DIR, else ACEQUIA_DB_USERNAME/ACEQUIA_DB_PASSWORD, else
/var/run/secrets/acequia/db/, else the driver's own (PGUSER, PGPASSWORD, ~/.pgpass, MYSQL_PWD).
)";

struct Flags {
  std::string command;
  std::vector<std::string> positional;
  std::map<std::string, std::string> values;

  std::string Get(const std::string& key, const std::string& fallback = "") const {
    auto it = values.find(key);
    return it == values.end() ? fallback : it->second;
  }
  bool Has(const std::string& key) const { return values.count(key) > 0; }
};

class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

Flags ParseFlags(const std::vector<std::string>& args) {
  static const std::vector<std::string> kKnown = {
      "job",       "plan",  "credentials", "run-id",     "parallelism", "termination-log",
      "log-level", "split", "from",        "update-key", "plan-file"};
  Flags flags;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a.rfind("--", 0) == 0) {
      std::string key = a.substr(2);
      std::string value;
      if (auto eq = key.find('='); eq != std::string::npos) {
        value = key.substr(eq + 1);
        key = key.substr(0, eq);
      } else {
        if (i + 1 >= args.size()) throw UsageError("flag --" + key + " needs a value");
        value = args[++i];
      }
      if (key == "password" || key == "username") {
        throw UsageError(
            "credentials are never taken from the command line: use --credentials "
            "DIR or ACEQUIA_DB_USERNAME/ACEQUIA_DB_PASSWORD");
      }
      if (std::find(kKnown.begin(), kKnown.end(), key) == kKnown.end()) {
        throw UsageError("unknown flag --" + key);
      }
      flags.values[key] = value;
    } else if (flags.command.empty()) {
      flags.command = a;
    } else {
      flags.positional.push_back(a);
    }
  }
  return flags;
}

std::string ReadAll(std::istream& in) {
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Kubernetes keeps at most 4096 bytes of a termination message; a plan longer than this goes to
// the termination log as a summary (run id, split count, where the whole plan is).
constexpr size_t kMaxPlanMessage = 3500;

// Writes the one-line result where Kubernetes reads the termination message.
void WriteTerminationLog(const Flags& flags, const std::string& line) {
  std::string path = flags.Get("termination-log");
  if (path.empty()) {
    if (::access("/dev/termination-log", W_OK) != 0) return;
    path = "/dev/termination-log";
  }
  std::ofstream out(path, std::ios::trunc);
  out << line << "\n";
}

class Command {
 public:
  Command(Flags flags, std::istream& in, std::ostream& out)
      : flags_(std::move(flags)), in_(in), out_(out) {}

  Status Execute() {
    const std::string& c = flags_.command;
    if (c == "plan") return Plan();
    if (c == "run") return flags_.Has("split") ? RunSplit() : RunAll();
    if (c == "commit") return Commit();
    if (c == "list-tables") return ListTables();
    if (c == "eval") return Eval();
    if (c == "export") return Export();
    throw UsageError(c.empty() ? "no command given" : "unknown command \"" + c + "\"");
  }

 private:
  Status LoadJob() {
    if (!flags_.Has("job")) throw UsageError("--job FILE is required");
    auto job = api::LoadImportJobFile(flags_.Get("job"));
    if (!job.ok()) return job.status();
    job_ = std::move(job).value();
    auto credentials = ResolveCredentials(flags_.Get("credentials"));
    if (!credentials.ok()) return credentials.status();
    credentials_ = *credentials;
    return Status::Ok();
  }

  int IntFlag(const std::string& key) const {
    const std::string text = flags_.Get(key);
    int value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || value < 0) {
      throw UsageError("--" + key + " needs a non-negative integer, got \"" + text + "\"");
    }
    return value;
  }

  Result<std::unique_ptr<Database>> Connect(bool writable = false) {
    return OpenDatabase(job_->spec.source, credentials_, writable);
  }

  Result<ImportPlan> ReadPlan() {
    std::string path = flags_.Get("plan", "-");
    std::string text;
    if (path == "-") {
      text = ReadAll(in_);
    } else {
      std::ifstream file(path);
      if (!file) return Status::NotFound("cannot read plan " + path);
      text = ReadAll(file);
    }
    return PlanFromJson(text);
  }

  void Emit(const std::string& line) {
    out_ << line << "\n";
    out_.flush();
    WriteTerminationLog(flags_, line);
  }

  Result<ImportPlan> MakePlan() {
    if (Status s = CheckWriteMode(job_->spec.target); !s.ok()) return s;
    auto db = Connect();
    if (!db.ok()) return db.status();
    SplitPlanner planner(**db, *job_);
    return planner.Plan(flags_.Get("run-id", NewRunId()));
  }

  Status Plan() {
    const auto start = std::chrono::steady_clock::now();
    if (Status s = LoadJob(); !s.ok()) return s;
    auto plan = MakePlan();
    if (!plan.ok()) return plan.status();
    json j = json::parse(PlanToJson(*plan));
    j["phase"] = "plan";
    j["splitCount"] = plan->splits.size();
    j["durationSeconds"] = SecondsSince(start);
    const std::string line = j.dump();
    json summary = {{"phase", "plan"},
                    {"runId", plan->run_id},
                    {"splitCount", plan->splits.size()},
                    {"truncated", true}};
    if (flags_.Has("plan-file")) {
      const std::filesystem::path file = flags_.Get("plan-file");
      std::error_code ec;
      if (file.has_parent_path()) std::filesystem::create_directories(file.parent_path(), ec);
      if (ec) {
        return Status::IoError("cannot create " + file.parent_path().string() + ": " +
                               ec.message());
      }
      if (Status s = WriteFileAtomically(file.string(), line + "\n"); !s.ok()) return s;
      summary["planFile"] = file.string();
    }
    out_ << line << "\n";
    out_.flush();
    WriteTerminationLog(flags_, line.size() <= kMaxPlanMessage ? line : summary.dump());
    LogMessage(LogLevel::kInfo, "plan")
        << "run " << plan->run_id << ": " << plan->splits.size() << " splits";
    return Status::Ok();
  }

  Status RunSplit() {
    if (Status s = LoadJob(); !s.ok()) return s;
    const int split = IntFlag("split");
    auto plan = ReadPlan();
    if (!plan.ok()) return plan.status();
    auto db = Connect();
    if (!db.ok()) return db.status();
    SplitRunner runner(**db, *job_, *plan);
    auto result = runner.Run(split);
    if (!result.ok()) return result.status();
    json j = json::parse(result->ToJson());
    j["phase"] = "run";
    j["runId"] = plan->run_id;
    Emit(j.dump());
    return Status::Ok();
  }

  Status Commit() {
    const auto start = std::chrono::steady_clock::now();
    if (Status s = LoadJob(); !s.ok()) return s;
    auto plan = ReadPlan();
    if (!plan.ok()) return plan.status();
    auto result = CommitRun(*job_, *plan);
    if (!result.ok()) return result.status();
    EmitTotals("commit", *plan, *result, start);
    return Status::Ok();
  }

  void EmitTotals(const char* phase, const ImportPlan& plan, const CommitResult& result,
                  std::chrono::steady_clock::time_point start) {
    json j = {{"phase", phase},
              {"runId", plan.run_id},
              {"splits", plan.splits.size()},
              {"rows", result.rows},
              {"bytes", result.bytes},
              {"files", result.files},
              {"lastValue", result.last_value ? json(*result.last_value) : json()},
              {"durationSeconds", SecondsSince(start)}};
    Emit(j.dump());
  }

  // All three phases in this process, the splits in parallel threads.
  Status RunAll() {
    const auto start = std::chrono::steady_clock::now();
    if (Status s = LoadJob(); !s.ok()) return s;
    auto plan = MakePlan();
    if (!plan.ok()) return plan.status();
    LogMessage(LogLevel::kInfo, "run")
        << "run " << plan->run_id << ": " << plan->splits.size() << " splits";
    const int splits = static_cast<int>(plan->splits.size());
    int threads = splits;
    if (flags_.Has("parallelism")) threads = std::max(1, IntFlag("parallelism"));
    threads = std::min(threads, splits);
    std::mutex mu;
    int next = 0;
    Status first_error;
    auto worker = [&] {
      std::unique_ptr<Database> db;
      while (true) {
        int split;
        {
          std::lock_guard<std::mutex> lock(mu);
          if (next >= splits || !first_error.ok()) return;
          split = next++;
        }
        Status s;
        if (!db) {
          auto opened = Connect();
          if (opened.ok())
            db = std::move(opened).value();
          else
            s = opened.status();
        }
        if (s.ok()) {
          SplitRunner runner(*db, *job_, *plan);
          auto result = runner.Run(split);
          if (result.ok()) {
            LogMessage(LogLevel::kInfo, "run") << "split " << split << ": " << result->rows
                                               << " rows, " << result->bytes << " bytes";
          } else {
            s = result.status();
          }
        }
        if (!s.ok()) {
          std::lock_guard<std::mutex> lock(mu);
          if (first_error.ok()) first_error = s;
          return;
        }
      }
    };
    std::vector<std::thread> pool;
    for (int i = 0; i < threads; ++i) pool.emplace_back(worker);
    for (auto& t : pool) t.join();
    if (!first_error.ok()) return first_error;
    auto result = CommitRun(*job_, *plan);
    if (!result.ok()) return result.status();
    EmitTotals("run", *plan, *result, start);
    return Status::Ok();
  }

  Status ListTables() {
    if (Status s = LoadJob(); !s.ok()) return s;
    auto db = Connect();
    if (!db.ok()) return db.status();
    auto tables = (*db)->ListTables();
    if (!tables.ok()) return tables.status();
    Emit(json{{"tables", *tables}}.dump());
    return Status::Ok();
  }

  Status Export() {
    const auto start = std::chrono::steady_clock::now();
    if (!flags_.positional.empty()) throw UsageError("export takes no arguments");
    if (Status s = LoadJob(); !s.ok()) return s;
    ExportOptions options;
    options.from_dir = flags_.Get("from");
    if (flags_.Has("update-key")) {
      std::stringstream keys(flags_.Get("update-key"));
      for (std::string key; std::getline(keys, key, ',');) {
        if (key.empty()) throw UsageError("--update-key has an empty column name");
        options.update_key.push_back(key);
      }
    }
    auto db = Connect(/*writable=*/true);
    if (!db.ok()) return db.status();
    auto result = Exporter(**db, *job_, options).Run();
    if (!result.ok()) return result.status();
    json j = json::parse(result->ToJson());
    j["durationSeconds"] = SecondsSince(start);
    Emit(j.dump());
    return Status::Ok();
  }

  Status Eval() {
    if (flags_.positional.size() != 1) throw UsageError("eval needs one SQL statement");
    if (Status s = LoadJob(); !s.ok()) return s;
    auto db = Connect();
    if (!db.ok()) return db.status();
    std::vector<Column> columns;
    auto rows = (*db)->QueryAll(flags_.positional[0], &columns);
    if (!rows.ok()) return rows.status();
    for (const auto& row : *rows) {
      json line = json::object();
      for (size_t i = 0; i < row.size() && i < columns.size(); ++i) {
        line[columns[i].name] = row[i] ? json(*row[i]) : json();
      }
      out_ << line.dump(-1, ' ', false, json::error_handler_t::replace) << "\n";
    }
    json summary = {{"phase", "eval"}, {"rows", rows->size()}};
    WriteTerminationLog(flags_, summary.dump());
    return Status::Ok();
  }

  Flags flags_;
  std::istream& in_;
  std::ostream& out_;
  std::optional<api::ImportJob> job_;
  Credentials credentials_;
};

}  // namespace

int RunImportCommand(const std::vector<std::string>& args, std::istream& in, std::ostream& out,
                     std::ostream& err) {
  Flags flags;
  if (std::find_if(args.begin(), args.end(), [](const std::string& a) {
        return a == "--help" || a == "-h" || a == "help";
      }) != args.end()) {
    out << kUsage;
    return 0;
  }
  try {
    flags = ParseFlags(args);
    if (args.empty()) {
      err << kUsage;
      return 2;
    }
    if (flags.Has("log-level")) {
      LogLevel level;
      if (!ParseLogLevel(flags.Get("log-level"), &level)) throw UsageError("bad --log-level");
      SetLogLevel(level);
    }
    Status s = Command(flags, in, out).Execute();
    if (!s.ok()) {
      err << "acequia-import " << flags.command << ": " << s.message() << "\n";
      WriteTerminationLog(flags, json{{"phase", flags.command},
                                      {"error", s.message()},
                                      {"code", std::string(CodeName(s.code()))}}
                                     .dump(-1, ' ', false, json::error_handler_t::replace));
      return 1;
    }
    return 0;
  } catch (const UsageError& e) {
    err << "acequia-import: " << e.what() << "\n\n" << kUsage;
    return 2;
  }
}

}  // namespace acequia::importer
