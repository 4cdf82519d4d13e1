// SQL dialect details the importer needs: how to quote identifiers and string literals, and how
// to compare text in byte order. Every name the user gives (table, columns, split column) reaches
// SQL only through QuoteIdentifier, so a name can never inject SQL. Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace acequia::importer {

enum class Dialect { kPostgresql, kMariadb, kSqlite };

// "order" for PostgreSQL and SQLite, `order` for MariaDB; embedded quote characters are doubled.
// A dotted name ("public.orders") is quoted part by part.
std::string QuoteIdentifier(Dialect dialect, std::string_view name);
// One name, never split at dots.
std::string QuoteIdentifierPart(Dialect dialect, std::string_view name);
// 'it''s'; MariaDB also escapes backslashes (unless NO_BACKSLASH_ESCAPES, which we do not set).
std::string QuoteLiteral(Dialect dialect, std::string_view value);
// An expression over `quoted_column` that compares text byte by byte (code point order for
// UTF-8), whatever the column's collation: PostgreSQL COLLATE "C", MariaDB BINARY.
std::string ByteOrder(Dialect dialect, const std::string& quoted_column);

}  // namespace acequia::importer
