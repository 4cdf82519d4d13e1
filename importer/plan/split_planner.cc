#include "importer/plan/split_planner.h"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <random>

#include "importer/plan/boundaries.h"

namespace acequia::importer {
namespace {

bool IsNumeric(ValueKind kind) {
  return kind == ValueKind::kInteger || kind == ValueKind::kDecimal || kind == ValueKind::kFloat;
}

std::string LastPart(const std::string& name) {
  size_t dot = name.rfind('.');
  return dot == std::string::npos ? name : name.substr(dot + 1);
}

}  // namespace

std::string NewRunId() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  std::random_device rd;
  char suffix[8];
  std::snprintf(suffix, sizeof suffix, "-%04x", rd() & 0xFFFF);
  return std::string(buf) + suffix;
}

std::string SplitPlanner::ColumnRef(const std::string& name) const {
  if (job_.spec.source.query.empty()) return QuoteIdentifier(db_.dialect(), name);
  return QuoteIdentifierPart(db_.dialect(), LastPart(name));
}

std::string SplitPlanner::Aggregate(const std::string& exprs, const std::string& conditions) const {
  const auto& source = job_.spec.source;
  if (source.query.empty()) {
    std::string sql = "SELECT " + exprs + " FROM " + QuoteIdentifier(db_.dialect(), source.table);
    std::string where = source.where.empty() ? "" : "(" + source.where + ")";
    if (!conditions.empty()) where += (where.empty() ? "" : " AND ") + ("(" + conditions + ")");
    if (!where.empty()) sql += " WHERE " + where;
    return sql;
  }
  return "SELECT " + exprs + " FROM (" +
         SelectWith(job_.spec, db_.dialect(), conditions.empty() ? "1 = 1" : conditions) +
         ") AS acequia_q";
}

Result<std::vector<Column>> SplitPlanner::OutputColumns() {
  const auto& source = job_.spec.source;
  if (source.query.empty()) {
    auto table = db_.DescribeTable(source.table);
    if (!table.ok()) return table.status();
    table_columns_ = *table;
    for (const auto& wanted : source.columns) {
      bool found = false;
      for (const auto& c : table_columns_) found = found || c.name == wanted;
      if (!found) {
        return Status::NotFound("column \"" + wanted + "\" does not exist in table \"" +
                                source.table + "\"");
      }
    }
  }
  auto columns = db_.DescribeQuery(SelectWith(job_.spec, db_.dialect(), "1 = 0"));
  if (!columns.ok()) return columns.status().Annotate("checking the import's SELECT");
  if (!source.query.empty()) table_columns_ = *columns;
  return columns;
}

Result<Column> SplitPlanner::FindColumn(const std::string& name) {
  const std::string key = job_.spec.source.query.empty() ? name : LastPart(name);
  for (const auto& c : table_columns_) {
    if (c.name == key) return c;
  }
  return Status::NotFound("column \"" + name + "\" does not exist in " +
                          (job_.spec.source.query.empty()
                               ? "table \"" + job_.spec.source.table + "\""
                               : std::string("the query's result")));
}

Result<ImportPlan> SplitPlanner::Plan(const std::string& run_id) {
  const auto& spec = job_.spec;
  const Dialect d = db_.dialect();
  ImportPlan plan;
  plan.job = job_.name;
  plan.run_id = run_id;
  auto columns = OutputColumns();
  if (!columns.ok()) return columns.status();
  for (const auto& c : *columns) plan.columns.push_back(c.name);

  // 1. The incremental window, fixed now: (lastValue, MAX(checkColumn)].
  if (spec.incremental.enabled()) {
    auto check = FindColumn(spec.incremental.check_column);
    if (!check.ok()) return check.status().Annotate("spec.incremental.checkColumn");
    plan.check_column = spec.incremental.check_column;
    plan.check_numeric = IsNumeric(check->kind);
    plan.incremental_lower = spec.incremental.last_value;
    std::string lower;
    if (plan.incremental_lower) {
      auto lit = BoundLiteral(d, *plan.incremental_lower, plan.check_numeric);
      if (!lit.ok()) return lit.status().Annotate("spec.incremental.lastValue");
      lower = QuoteIdentifier(d, plan.check_column) + " > " + *lit;
    }
    auto rows = db_.QueryAll(Aggregate("MAX(" + ColumnRef(plan.check_column) + ")", lower));
    if (!rows.ok()) return rows.status().Annotate("reading MAX of the check column");
    if (!rows->empty() && !rows->front().empty()) plan.incremental_upper = rows->front()[0];
  }
  const std::string window = IncrementalCondition(d, plan);

  // 2. The splits.
  if (spec.split.count <= 1) {
    plan.split_by = spec.split.by;
    plan.splits.push_back({0, "1 = 1"});
    return plan;
  }
  plan.split_by = spec.split.by;
  auto column = FindColumn(spec.split.by);
  if (!column.ok()) return column.status().Annotate("spec.split.by");
  ValueKind kind = column->kind;
  if (d == Dialect::kSqlite && (kind == ValueKind::kDate || kind == ValueKind::kTimestamp)) {
    kind = ValueKind::kText;  // SQLite keeps dates as text and compares them as text
  }
  const std::string ref = ColumnRef(spec.split.by);
  const std::string inner = QuoteIdentifier(d, spec.split.by);  // in the split conditions
  const bool text = kind == ValueKind::kText;
  const std::string agg_expr = text ? ByteOrder(d, ref) : ref;
  const std::string cond_expr = text ? ByteOrder(d, inner) : inner;

  std::optional<std::string> min, max;
  bool has_nulls = true;
  if (!spec.split.boundary_query.empty()) {
    auto rows = db_.QueryAll(spec.split.boundary_query);
    if (!rows.ok()) return rows.status().Annotate("spec.split.boundaryQuery");
    if (rows->size() != 1 || rows->front().size() < 2) {
      return Status::InvalidArgument(
          "spec.split.boundaryQuery: must return one row with two columns (min, max)");
    }
    min = rows->front()[0];
    max = rows->front()[1];
  } else {
    auto rows =
        db_.QueryAll(Aggregate("MIN(" + agg_expr + "), MAX(" + agg_expr + "), SUM(CASE WHEN " +
                                   ref + " IS NULL THEN 1 ELSE 0 END)",
                               window));
    if (!rows.ok()) return rows.status().Annotate("reading MIN/MAX of the split column");
    const auto& row = rows->front();
    min = row[0];
    max = row[1];
    has_nulls = row[2] && *row[2] != "0";
  }
  plan.min = min;
  plan.max = max;
  if (!min || !max) {  // no non-NULL values in range
    plan.split_kind = std::string(ValueKindName(kind));
    plan.splits.push_back({0, has_nulls ? inner + " IS NULL" : "1 = 0"});
    return plan;
  }
  Result<std::vector<std::string>> bounds = Status::Internal("unset");
  const int n = static_cast<int>(spec.split.count);
  bool numeric = false;
  switch (kind) {
    case ValueKind::kInteger:
      bounds = IntegerBoundaries(*min, *max, n);
      numeric = true;
      if (!bounds.ok() && d == Dialect::kSqlite) bounds = DecimalBoundaries(*min, *max, n);
      break;
    case ValueKind::kDecimal:
    case ValueKind::kFloat:
      bounds = DecimalBoundaries(*min, *max, n);
      numeric = true;
      break;
    case ValueKind::kDate:
      bounds = DateBoundaries(*min, *max, n);
      break;
    case ValueKind::kTimestamp:
    case ValueKind::kTimestampTz:
      bounds = TimestampBoundaries(*min, *max, n);
      break;
    case ValueKind::kText:
      bounds = TextBoundaries(*min, *max, n);
      break;
    case ValueKind::kOther:
      if (d == Dialect::kSqlite) {  // no declared type: go by the values
        bounds = IntegerBoundaries(*min, *max, n);
        if (!bounds.ok()) bounds = DecimalBoundaries(*min, *max, n);
        numeric = true;
        kind = ValueKind::kDecimal;
        break;
      }
      [[fallthrough]];
    default:
      return Status::InvalidArgument("spec.split.by: cannot split on column \"" + spec.split.by +
                                     "\" of type " + std::string(ValueKindName(column->kind)) +
                                     " (" + column->type_name +
                                     "); split on an integer, decimal, date, timestamp or text "
                                     "column");
  }
  if (!bounds.ok()) return bounds.status().Annotate("spec.split.by");
  plan.split_kind = std::string(ValueKindName(kind));
  std::vector<std::string> literals;
  for (const auto& b : *bounds) {
    auto lit = BoundLiteral(d, b, numeric);
    if (!lit.ok()) return lit.status().Annotate("spec.split.by");
    literals.push_back(*lit);
  }
  // Floating-point MIN/MAX may come back rounded (SQLite prints 15 digits, MariaDB FLOAT 6), so
  // the outer splits are left open there: "< b[1]" and ">= b[n-1]"; the values are still those
  // between MIN and MAX, and the incremental window still bounds them.
  const bool open_ends =
      kind == ValueKind::kFloat || (d != Dialect::kPostgresql && kind == ValueKind::kDecimal);
  const size_t ranges = literals.size() - 1;
  for (size_t k = 0; k < ranges; ++k) {
    const bool first = k == 0;
    const bool last = k + 1 == ranges;
    std::string lower = cond_expr + " >= " + literals[k];
    std::string upper = cond_expr + (last ? " <= " : " < ") + literals[k + 1];
    std::string cond;
    if (open_ends && first && last)
      cond = inner + " IS NOT NULL";
    else if (open_ends && first)
      cond = upper;
    else if (open_ends && last)
      cond = lower;
    else
      cond = lower + " AND " + upper;
    plan.splits.push_back({static_cast<int>(k), std::move(cond)});
  }
  if (has_nulls) {
    plan.splits.push_back({static_cast<int>(plan.splits.size()), inner + " IS NULL"});
  }
  return plan;
}

}  // namespace acequia::importer
