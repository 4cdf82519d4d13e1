#include "importer/plan/import_plan.h"

#include <nlohmann/json.hpp>
#include <regex>

namespace acequia::importer {
namespace {

using nlohmann::json;

json Optional(const std::optional<std::string>& v) { return v ? json(*v) : json(nullptr); }
std::optional<std::string> OptionalFrom(const json& j, const char* key) {
  if (!j.contains(key) || j[key].is_null()) return std::nullopt;
  return j[key].get<std::string>();
}

}  // namespace

std::string IncrementalCondition(Dialect dialect, const ImportPlan& plan) {
  if (plan.check_column.empty()) return "";
  const std::string column = QuoteIdentifier(dialect, plan.check_column);
  if (!plan.incremental_upper) return "1 = 0";  // nothing new at plan time
  std::string out;
  if (plan.incremental_lower) {
    out =
        column + " > " + BoundLiteral(dialect, *plan.incremental_lower, plan.check_numeric).value();
    out += " AND ";
  }
  out +=
      column + " <= " + BoundLiteral(dialect, *plan.incremental_upper, plan.check_numeric).value();
  return out;
}

Result<std::string> BoundLiteral(Dialect dialect, const std::string& value, bool numeric) {
  if (numeric) {
    static const std::regex kNumber(R"(-?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?)");
    if (!std::regex_match(value, kNumber)) {
      return Status::InvalidArgument("expected a number, got \"" + value + "\"");
    }
    return value;
  }
  return QuoteLiteral(dialect, value);
}

std::string PlanToJson(const ImportPlan& plan) {
  json splits = json::array();
  for (const auto& s : plan.splits)
    splits.push_back({{"index", s.index}, {"condition", s.condition}});
  json j = {{"kind", "ImportPlan"},
            {"job", plan.job},
            {"runId", plan.run_id},
            {"splitBy", plan.split_by},
            {"splitKind", plan.split_kind},
            {"min", Optional(plan.min)},
            {"max", Optional(plan.max)},
            {"checkColumn", plan.check_column},
            {"checkNumeric", plan.check_numeric},
            {"lastValue", Optional(plan.incremental_lower)},
            {"upperBound", Optional(plan.incremental_upper)},
            {"columns", plan.columns},
            {"splits", splits}};
  return j.dump();
}

Result<ImportPlan> PlanFromJson(const std::string& text) {
  try {
    json j = json::parse(text);
    if (j.value("kind", "") != "ImportPlan") {
      return Status::InvalidArgument("not an import plan (kind is not ImportPlan)");
    }
    ImportPlan plan;
    plan.job = j.value("job", "");
    plan.run_id = j.at("runId").get<std::string>();
    plan.split_by = j.value("splitBy", "");
    plan.split_kind = j.value("splitKind", "");
    if (j.contains("columns")) plan.columns = j["columns"].get<std::vector<std::string>>();
    plan.min = OptionalFrom(j, "min");
    plan.max = OptionalFrom(j, "max");
    plan.check_column = j.value("checkColumn", "");
    plan.check_numeric = j.value("checkNumeric", false);
    plan.incremental_lower = OptionalFrom(j, "lastValue");
    plan.incremental_upper = OptionalFrom(j, "upperBound");
    for (const auto& s : j.at("splits")) {
      plan.splits.push_back({s.at("index").get<int>(), s.at("condition").get<std::string>()});
    }
    for (size_t i = 0; i < plan.splits.size(); ++i) {
      if (plan.splits[i].index != static_cast<int>(i)) {
        return Status::InvalidArgument("plan: split " + std::to_string(i) + " has index " +
                                       std::to_string(plan.splits[i].index));
      }
    }
    if (plan.splits.empty()) return Status::InvalidArgument("plan: no splits");
    static const std::regex kRunId("[A-Za-z0-9_.-]{1,64}");
    if (!std::regex_match(plan.run_id, kRunId)) {
      return Status::InvalidArgument("plan: invalid runId \"" + plan.run_id + "\"");
    }
    if (!plan.check_column.empty()) {
      for (const auto* bound : {&plan.incremental_lower, &plan.incremental_upper}) {
        if (*bound && plan.check_numeric) {
          auto lit = BoundLiteral(Dialect::kSqlite, **bound, true);
          if (!lit.ok()) return lit.status().Annotate("plan");
        }
      }
    }
    return plan;
  } catch (const json::exception& e) {
    return Status::InvalidArgument(std::string("invalid plan JSON: ") + e.what());
  }
}

std::string SelectWith(const api::ImportJobSpec& spec, Dialect dialect,
                       const std::string& conditions) {
  const auto& source = spec.source;
  if (!source.query.empty()) {
    std::string sql = source.query;
    const std::string marker = "$CONDITIONS";
    const std::string replacement = "(" + conditions + ")";
    for (size_t pos = 0; (pos = sql.find(marker, pos)) != std::string::npos;) {
      sql.replace(pos, marker.size(), replacement);
      pos += replacement.size();
    }
    return sql;
  }
  std::string columns;
  for (const auto& c : source.columns) {
    columns += (columns.empty() ? "" : ", ") + QuoteIdentifierPart(dialect, c);
  }
  if (columns.empty()) columns = "*";
  std::string sql = "SELECT " + columns + " FROM " + QuoteIdentifier(dialect, source.table);
  std::string where = source.where.empty() ? "" : "(" + source.where + ")";
  if (!conditions.empty()) where += (where.empty() ? "" : " AND ") + ("(" + conditions + ")");
  if (!where.empty()) sql += " WHERE " + where;
  return sql;
}

std::string SelectFor(const api::ImportJobSpec& spec, Dialect dialect, const ImportPlan& plan,
                      int split) {
  std::string conditions = IncrementalCondition(dialect, plan);
  const std::string& range = plan.splits.at(split).condition;
  if (conditions.empty())
    conditions = range;
  else
    conditions = "(" + conditions + ") AND (" + range + ")";
  return SelectWith(spec, dialect, conditions);
}

}  // namespace acequia::importer
