// An event, as in Flume: a set of string headers and an opaque body of bytes.
// A plain value; not synchronised (an event belongs to one stage at a time).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace acequia::sidecar {

// Headers are few per event, so a flat vector beats a map for speed and memory.
class Headers {
 public:
  using Entry = std::pair<std::string, std::string>;

  const std::string* Find(std::string_view key) const {
    for (const auto& e : entries_) {
      if (e.first == key) return &e.second;
    }
    return nullptr;
  }
  bool Has(std::string_view key) const { return Find(key) != nullptr; }
  void Set(std::string_view key, std::string value) {
    for (auto& e : entries_) {
      if (e.first == key) {
        e.second = std::move(value);
        return;
      }
    }
    entries_.emplace_back(std::string(key), std::move(value));
  }
  bool Remove(std::string_view key) {
    for (auto it = entries_.begin(); it != entries_.end(); ++it) {
      if (it->first == key) {
        entries_.erase(it);
        return true;
      }
    }
    return false;
  }
  bool empty() const { return entries_.empty(); }
  size_t size() const { return entries_.size(); }
  auto begin() const { return entries_.begin(); }
  auto end() const { return entries_.end(); }
  bool operator==(const Headers& other) const = default;

 private:
  std::vector<Entry> entries_;
};

struct Event {
  Headers headers;
  std::string body;

  bool operator==(const Event& other) const = default;
};

}  // namespace acequia::sidecar
