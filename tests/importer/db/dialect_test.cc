#include "importer/db/dialect.h"

#include <gtest/gtest.h>

namespace acequia::importer {
namespace {

TEST(DialectTest, QuotesIdentifiersPerDialectDoublingEmbeddedQuotes) {
  EXPECT_EQ(QuoteIdentifier(Dialect::kPostgresql, "order"), "\"order\"");
  EXPECT_EQ(QuoteIdentifier(Dialect::kSqlite, "weird name\"x"), "\"weird name\"\"x\"");
  EXPECT_EQ(QuoteIdentifier(Dialect::kMariadb, "we`ird"), "`we``ird`");
  EXPECT_EQ(QuoteIdentifier(Dialect::kPostgresql, "public.orders"), "\"public\".\"orders\"");
  EXPECT_EQ(QuoteIdentifierPart(Dialect::kPostgresql, "a.b"), "\"a.b\"");
}

TEST(DialectTest, QuotesLiteralsAndMariadbBackslashes) {
  EXPECT_EQ(QuoteLiteral(Dialect::kPostgresql, "it's \\ ok"), "'it''s \\ ok'");
  EXPECT_EQ(QuoteLiteral(Dialect::kMariadb, "it's \\' ok"), "'it''s \\\\'' ok'");
}

TEST(DialectTest, ByteOrderComparison) {
  EXPECT_EQ(ByteOrder(Dialect::kPostgresql, "\"name\""), "\"name\" COLLATE \"C\"");
  EXPECT_EQ(ByteOrder(Dialect::kMariadb, "`name`"), "BINARY `name`");
}

}  // namespace
}  // namespace acequia::importer
