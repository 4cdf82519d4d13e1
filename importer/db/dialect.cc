#include "importer/db/dialect.h"

namespace acequia::importer {

std::string QuoteIdentifierPart(Dialect dialect, std::string_view name) {
  const char q = dialect == Dialect::kMariadb ? '`' : '"';
  std::string out(1, q);
  for (char c : name) {
    if (c == q) out += q;
    if (c == '\0') continue;  // no database accepts NUL in a name; dropping it keeps SQL intact
    out += c;
  }
  out += q;
  return out;
}

std::string QuoteIdentifier(Dialect dialect, std::string_view name) {
  std::string out;
  size_t start = 0;
  while (true) {
    size_t dot = name.find('.', start);
    out += QuoteIdentifierPart(
        dialect,
        name.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start));
    if (dot == std::string_view::npos) break;
    out += '.';
    start = dot + 1;
  }
  return out;
}

std::string QuoteLiteral(Dialect dialect, std::string_view value) {
  std::string out = "'";
  for (char c : value) {
    if (c == '\'') out += '\'';
    if (c == '\\' && dialect == Dialect::kMariadb) out += '\\';
    out += c;
  }
  out += '\'';
  return out;
}

std::string ByteOrder(Dialect dialect, const std::string& quoted_column) {
  switch (dialect) {
    case Dialect::kPostgresql:
      return quoted_column + " COLLATE \"C\"";
    case Dialect::kMariadb:
      return "BINARY " + quoted_column;
    case Dialect::kSqlite:
      return quoted_column + " COLLATE BINARY";
  }
  return quoted_column;
}

}  // namespace acequia::importer
