// Split boundaries, as Sqoop's DataDrivenDBInputFormat computes them, for each kind of split
// column: n+1 increasing boundaries from min to max (fewer when the range is too small to cut n
// times). Split k covers [b[k], b[k+1]), the last one [b[n-1], b[n]]. The first and last
// boundaries are the database's own texts of MIN and MAX, so no row falls outside.
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"

namespace acequia::importer {

[[nodiscard]] Result<std::vector<std::string>> IntegerBoundaries(const std::string& min,
                                                                 const std::string& max, int n);
[[nodiscard]] Result<std::vector<std::string>> DecimalBoundaries(const std::string& min,
                                                                 const std::string& max, int n);
// "YYYY-MM-DD".
[[nodiscard]] Result<std::vector<std::string>> DateBoundaries(const std::string& min,
                                                              const std::string& max, int n);
// "YYYY-MM-DD HH:MM:SS[.ffffff][±HH[:MM]]"; intermediate boundaries carry min's zone suffix.
[[nodiscard]] Result<std::vector<std::string>> TimestampBoundaries(const std::string& min,
                                                                   const std::string& max, int n);
// UTF-8 text in code point (= byte) order, like Sqoop's TextSplitter.
[[nodiscard]] Result<std::vector<std::string>> TextBoundaries(const std::string& min,
                                                              const std::string& max, int n);

}  // namespace acequia::importer
