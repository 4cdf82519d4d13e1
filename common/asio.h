// Boost.Asio, included the one way that compiles: Boost 1.74's awaitable.hpp uses std::exchange
// without including <utility> itself, which C++20 library headers no longer pull in for it.
#pragma once

// clang-format off
#include <utility>
#include <boost/asio.hpp>
// clang-format on
