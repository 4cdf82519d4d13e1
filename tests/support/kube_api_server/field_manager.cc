#include "tests/support/kube_api_server/field_manager.h"

#include <algorithm>
#include <map>
#include <set>

namespace acequia::testing::kube {
namespace {

using Path = std::vector<std::string>;  // "f:spec", "k:{\"name\":\"x\"}"
using FieldSet = std::set<Path>;

// The merge key of a list field of a built-in kind, from the fields' patchMergeKey tags.
std::optional<std::string> MergeKey(const std::string& field, const Json& list) {
  static const std::map<std::string, std::string> kKeys = {{"containers", "name"},
                                                           {"initContainers", "name"},
                                                           {"ephemeralContainers", "name"},
                                                           {"volumes", "name"},
                                                           {"env", "name"},
                                                           {"imagePullSecrets", "name"},
                                                           {"volumeMounts", "mountPath"},
                                                           {"volumeDevices", "devicePath"},
                                                           {"ownerReferences", "uid"},
                                                           {"conditions", "type"},
                                                           {"hostAliases", "ip"},
                                                           {"volumeClaimTemplates", "name"}};
  std::string key;
  if (auto it = kKeys.find(field); it != kKeys.end()) {
    key = it->second;
  } else if (field == "ports") {
    key = !list.empty() && list.front().is_object() && list.front().contains("containerPort")
              ? "containerPort"
              : "port";
  } else {
    return std::nullopt;
  }
  for (const auto& item : list) {
    if (!item.is_object() || !item.contains(key)) return std::nullopt;
  }
  return key;
}

std::optional<std::string> ListKey(const std::string& field, const Json& list, bool custom) {
  if (field == "ownerReferences") return MergeKey(field, list);
  if (custom) return std::nullopt;
  return MergeKey(field, list);
}

std::string ItemToken(const std::string& key, const Json& item) {
  return "k:" + Json{{key, item.at(key)}}.dump();
}

bool MatchesToken(const Json& item, const std::string& token) {
  if (!item.is_object()) return false;
  Json key = Json::parse(token.substr(2));
  for (const auto& [k, v] : key.items()) {
    auto it = item.find(k);
    if (it == item.end() || *it != v) return false;
  }
  return true;
}

void Collect(const Json& value, Path& prefix, FieldSet& out, bool custom) {
  if (value.is_object() && !value.empty()) {
    for (const auto& [k, child] : value.items()) {
      prefix.push_back("f:" + k);
      if (child.is_object() && !child.empty()) {
        Collect(child, prefix, out, custom);
      } else if (child.is_array() && !child.empty()) {
        if (auto key = ListKey(k, child, custom)) {
          for (const auto& item : child) {
            prefix.push_back(ItemToken(*key, item));
            out.insert(prefix);  // the item itself
            Collect(item, prefix, out, custom);
            prefix.pop_back();
          }
        } else {
          out.insert(prefix);
        }
      } else {
        out.insert(prefix);
      }
      prefix.pop_back();
    }
  } else if (!prefix.empty()) {
    out.insert(prefix);
  }
}

// The object without the fields nobody owns (identity, server-set metadata) and, depending on
// the endpoint, without status or without everything but status.
Json OwnedPart(const Json& object, const FieldScope& scope) {
  Json out = object.is_object() ? object : Json::object();
  out.erase("apiVersion");
  out.erase("kind");
  if (scope.status_subresource) {
    if (scope.status_endpoint) {
      Json only = Json::object();
      if (out.contains("status")) only["status"] = out["status"];
      return only;
    }
    out.erase("status");
  }
  if (out.contains("metadata") && out["metadata"].is_object()) {
    auto& m = out["metadata"];
    for (const char* k : {"name", "namespace", "uid", "resourceVersion", "generation",
                          "creationTimestamp", "managedFields", "deletionTimestamp",
                          "deletionGracePeriodSeconds", "selfLink", "generateName"}) {
      m.erase(k);
    }
    if (m.empty()) out.erase("metadata");
  }
  return out;
}

FieldSet Fields(const Json& object, const FieldScope& scope) {
  FieldSet out;
  Path prefix;
  Collect(OwnedPart(object, scope), prefix, out, scope.custom);
  return out;
}

const Json* ValueAt(const Json& object, const Path& path) {
  const Json* node = &object;
  for (const auto& token : path) {
    if (token.starts_with("f:")) {
      if (!node->is_object()) return nullptr;
      auto it = node->find(token.substr(2));
      if (it == node->end()) return nullptr;
      node = &*it;
    } else {
      if (!node->is_array()) return nullptr;
      auto it = std::find_if(node->begin(), node->end(),
                             [&](const Json& item) { return MatchesToken(item, token); });
      if (it == node->end()) return nullptr;
      node = &*it;
    }
  }
  return node;
}

void RemoveAt(Json& object, const Path& path) {
  Json* node = &object;
  for (size_t i = 0; i + 1 < path.size(); ++i) {
    const auto& token = path[i];
    if (token.starts_with("f:")) {
      if (!node->is_object() || !node->contains(token.substr(2))) return;
      node = &(*node)[token.substr(2)];
    } else {
      if (!node->is_array()) return;
      auto it = std::find_if(node->begin(), node->end(),
                             [&](const Json& item) { return MatchesToken(item, token); });
      if (it == node->end()) return;
      node = &*it;
    }
  }
  const auto& last = path.back();
  if (last.starts_with("f:")) {
    if (node->is_object()) node->erase(last.substr(2));
  } else if (node->is_array()) {
    for (size_t i = 0; i < node->size(); ++i) {
      if (MatchesToken((*node)[i], last)) {
        node->erase(i);
        break;
      }
    }
  }
}

std::string PathString(const Path& path) {
  std::string out;
  for (const auto& t : path)
    out += t.starts_with("f:") ? "." + t.substr(2) : "[" + t.substr(2) + "]";
  return out;
}

Json ToTrie(const FieldSet& fields) {
  Json trie = Json::object();
  for (const auto& path : fields) {
    Json* node = &trie;
    for (const auto& token : path) node = &(*node)[token];
    if (node->is_null()) *node = Json::object();
  }
  for (const auto& path : fields) {
    Json* node = &trie;
    for (const auto& token : path) node = &(*node)[token];
    if (!node->empty() && !node->contains(".")) (*node)["."] = Json::object();
  }
  return trie;
}

void FromTrie(const Json& node, Path& prefix, FieldSet& out) {
  if (!node.is_object()) return;
  if (node.empty() || node.contains(".")) {
    if (!prefix.empty()) out.insert(prefix);
  }
  for (const auto& [k, child] : node.items()) {
    if (k == ".") continue;
    prefix.push_back(k);
    FromTrie(child, prefix, out);
    prefix.pop_back();
  }
}

struct Entry {
  Json meta;  // everything but fieldsV1
  FieldSet fields;
};

std::vector<Entry> ReadEntries(const Json& object) {
  std::vector<Entry> entries;
  const Json* managed = ValueAt(object, {"f:metadata", "f:managedFields"});
  if (!managed || !managed->is_array()) return entries;
  for (const auto& e : *managed) {
    Entry entry;
    entry.meta = e;
    entry.meta.erase("fieldsV1");
    Path prefix;
    FromTrie(e.value("fieldsV1", Json::object()), prefix, entry.fields);
    entries.push_back(std::move(entry));
  }
  return entries;
}

void WriteEntries(Json& object, const std::vector<Entry>& entries) {
  Json managed = Json::array();
  for (const auto& e : entries) {
    if (e.fields.empty()) continue;
    Json m = e.meta;
    m["fieldsType"] = "FieldsV1";
    m["fieldsV1"] = ToTrie(e.fields);
    managed.push_back(std::move(m));
  }
  if (managed.empty()) {
    object["metadata"].erase("managedFields");
  } else {
    object["metadata"]["managedFields"] = std::move(managed);
  }
}

bool IsItemMarker(const Path& path) { return !path.empty() && path.back().starts_with("k:"); }

std::string SubresourceOf(const FieldScope& scope) {
  return scope.status_subresource && scope.status_endpoint ? "status" : "";
}

bool SameEntry(const Entry& e, const std::string& manager, const std::string& operation,
               const std::string& subresource) {
  return e.meta.value("manager", "") == manager && e.meta.value("operation", "") == operation &&
         e.meta.value("subresource", "") == subresource;
}

Entry& FindOrAdd(std::vector<Entry>& entries, const std::string& manager,
                 const std::string& operation, const std::string& subresource,
                 const std::string& api_version, const std::string& now) {
  for (auto& e : entries) {
    if (SameEntry(e, manager, operation, subresource)) {
      e.meta["time"] = now;
      e.meta["apiVersion"] = api_version;
      return e;
    }
  }
  Entry e;
  e.meta = {
      {"manager", manager}, {"operation", operation}, {"apiVersion", api_version}, {"time", now}};
  if (!subresource.empty()) e.meta["subresource"] = subresource;
  entries.push_back(std::move(e));
  return entries.back();
}

// Merges an applied configuration into the live object: maps field by field, associative lists
// item by item (applied items first, in applied order, then the others), everything else replaced.
void MergeApplied(Json& live, const Json& applied, bool custom) {
  for (const auto& [k, v] : applied.items()) {
    if (!live.contains(k) || v.is_null()) {
      if (v.is_null()) {
        live.erase(k);
      } else {
        live[k] = v;
      }
      continue;
    }
    Json& target = live[k];
    if (v.is_object() && target.is_object()) {
      MergeApplied(target, v, custom);
    } else if (v.is_array() && target.is_array()) {
      auto key = ListKey(k, v, custom);
      if (key && MergeKey(k, target)) {
        Json merged = Json::array();
        std::set<std::string> seen;
        for (const auto& item : v) {
          std::string token = ItemToken(*key, item);
          seen.insert(token);
          auto it = std::find_if(target.begin(), target.end(),
                                 [&](const Json& t) { return MatchesToken(t, token); });
          Json m = it == target.end() ? Json::object() : *it;
          MergeApplied(m, item, custom);
          merged.push_back(std::move(m));
        }
        for (const auto& item : target) {
          if (!seen.count(ItemToken(*key, item))) merged.push_back(item);
        }
        target = std::move(merged);
      } else {
        target = v;
      }
    } else {
      target = v;
    }
  }
}

void ApplySetElementOrder(Json& list, const Json& order, const std::string& key) {
  Json ordered = Json::array();
  std::vector<bool> used(list.size(), false);
  for (const auto& o : order) {
    for (size_t i = 0; i < list.size(); ++i) {
      if (used[i]) continue;
      bool match = key.empty() ? list[i] == o
                               : (list[i].is_object() && o.is_object() && list[i].contains(key) &&
                                  o.contains(key) && list[i][key] == o[key]);
      if (match) {
        ordered.push_back(list[i]);
        used[i] = true;
        break;
      }
    }
  }
  for (size_t i = 0; i < list.size(); ++i) {
    if (!used[i]) ordered.push_back(list[i]);
  }
  list = std::move(ordered);
}

Result<Json> Strategic(const Json& original, const Json& patch) {
  if (!patch.is_object()) return patch;
  if (patch.value("$patch", "") == "replace") {
    Json out = patch;
    out.erase("$patch");
    return out;
  }
  Json out = original.is_object() ? original : Json::object();
  if (auto rk = patch.find("$retainKeys"); rk != patch.end() && rk->is_array()) {
    std::set<std::string> keep;
    for (const auto& k : *rk) keep.insert(k.get<std::string>());
    for (auto it = out.begin(); it != out.end();) {
      it = keep.count(it.key()) ? std::next(it) : out.erase(it);
    }
  }
  for (const auto& [k, v] : patch.items()) {
    if (k == "$patch" || k == "$retainKeys" || k.starts_with("$setElementOrder/")) continue;
    if (k.starts_with("$deleteFromPrimitiveList/")) {
      std::string field = k.substr(std::string("$deleteFromPrimitiveList/").size());
      if (out.contains(field) && out[field].is_array() && v.is_array()) {
        Json kept = Json::array();
        for (const auto& item : out[field]) {
          if (std::find(v.begin(), v.end(), item) == v.end()) kept.push_back(item);
        }
        out[field] = kept;
      }
      continue;
    }
    if (v.is_null()) {
      out.erase(k);
    } else if (v.is_object()) {
      if (v.value("$patch", "") == "delete") {
        out.erase(k);
        continue;
      }
      auto merged = Strategic(out.contains(k) ? out[k] : Json(nullptr), v);
      if (!merged.ok()) return merged.status();
      out[k] = std::move(*merged);
    } else if (v.is_array()) {
      Json current = out.contains(k) && out[k].is_array() ? out[k] : Json::array();
      std::optional<std::string> key;
      Json without_directives = Json::array();
      for (const auto& item : v) {
        if (!(item.is_object() && item.value("$patch", "") == "delete")) {
          without_directives.push_back(item);
        }
      }
      key = MergeKey(k, v);
      if (key && MergeKey(k, current)) {
        for (const auto& item : v) {
          std::string token = ItemToken(*key, item);
          auto it = std::find_if(current.begin(), current.end(),
                                 [&](const Json& c) { return MatchesToken(c, token); });
          if (item.value("$patch", "") == "delete") {
            if (it != current.end()) current.erase(it);
          } else if (it != current.end()) {
            auto merged = Strategic(*it, item);
            if (!merged.ok()) return merged.status();
            *it = std::move(*merged);
          } else {
            Json fresh = item;
            fresh.erase("$patch");
            current.push_back(std::move(fresh));
          }
        }
        out[k] = std::move(current);
      } else {
        out[k] = without_directives;
      }
    } else {
      out[k] = v;
    }
  }
  for (const auto& [k, v] : patch.items()) {
    if (!k.starts_with("$setElementOrder/")) continue;
    std::string field = k.substr(std::string("$setElementOrder/").size());
    if (out.contains(field) && out[field].is_array() && v.is_array()) {
      auto key = MergeKey(field, v);
      ApplySetElementOrder(out[field], v, key.value_or(""));
    }
  }
  return out;
}

}  // namespace

Result<Json> StrategicMergePatch(const Json& original, const Json& patch) {
  if (!patch.is_object()) return Status::InvalidArgument("a strategic merge patch is an object");
  return Strategic(original, patch);
}

std::vector<ApplyConflict> ServerSideApply(Json& live, const Json& applied,
                                           const std::string& manager, bool force,
                                           const FieldScope& scope, const std::string& api_version,
                                           const std::string& now) {
  const std::string subresource = SubresourceOf(scope);
  Json result = live.is_null() ? Json::object() : live;
  std::vector<Entry> entries = ReadEntries(result);
  const FieldSet applied_fields = Fields(applied, scope);

  std::vector<ApplyConflict> conflicts;
  std::vector<std::pair<size_t, Path>> taken;
  for (size_t i = 0; i < entries.size(); ++i) {
    if (SameEntry(entries[i], manager, "Apply", subresource)) continue;
    for (const auto& path : applied_fields) {
      if (IsItemMarker(path) || !entries[i].fields.count(path)) continue;
      const Json* current = ValueAt(result, path);
      const Json* wanted = ValueAt(applied, path);
      if (current && wanted && *current == *wanted) continue;  // shared ownership
      conflicts.push_back({entries[i].meta.value("manager", ""), PathString(path)});
      taken.emplace_back(i, path);
    }
  }
  if (!conflicts.empty() && !force) return conflicts;
  for (const auto& [i, path] : taken) entries[i].fields.erase(path);

  // Fields this manager applied before and dropped now go away unless someone else owns them.
  FieldSet previous;
  for (const auto& e : entries) {
    if (SameEntry(e, manager, "Apply", subresource)) previous = e.fields;
  }
  std::vector<Path> removed;
  for (const auto& path : previous) {
    if (applied_fields.count(path)) continue;
    bool owned_elsewhere = false;
    for (const auto& e : entries) {
      if (SameEntry(e, manager, "Apply", subresource)) continue;
      for (const auto& other : e.fields) {
        if (other.size() >= path.size() && std::equal(path.begin(), path.end(), other.begin())) {
          owned_elsewhere = true;
        }
      }
    }
    if (!owned_elsewhere) removed.push_back(path);
  }
  std::sort(removed.begin(), removed.end(),
            [](const Path& a, const Path& b) { return a.size() > b.size(); });
  for (const auto& path : removed) RemoveAt(result, path);

  Json to_merge = applied;
  to_merge.erase("status");
  if (scope.status_subresource) {
    if (scope.status_endpoint) {
      to_merge = Json::object();
      if (applied.contains("status")) to_merge["status"] = applied["status"];
    }
  } else if (applied.contains("status")) {
    to_merge["status"] = applied["status"];
  }
  if (to_merge.contains("metadata")) {
    for (const char* k : {"uid", "resourceVersion", "generation", "creationTimestamp",
                          "managedFields", "deletionTimestamp", "selfLink"}) {
      to_merge["metadata"].erase(k);
    }
  }
  MergeApplied(result, to_merge, scope.custom);

  Entry& mine = FindOrAdd(entries, manager, "Apply", subresource, api_version, now);
  mine.fields = applied_fields;
  WriteEntries(result, entries);
  live = std::move(result);
  return {};
}

void RecordUpdate(const Json* old, Json& updated, const std::string& manager,
                  const FieldScope& scope, const std::string& api_version, const std::string& now) {
  const std::string subresource = SubresourceOf(scope);
  std::vector<Entry> entries = ReadEntries(updated);
  FieldSet before = old ? Fields(*old, scope) : FieldSet{};
  FieldSet after = Fields(updated, scope);
  FieldSet changed;
  for (const auto& path : after) {
    if (!before.count(path)) {
      changed.insert(path);
      continue;
    }
    if (IsItemMarker(path)) continue;
    const Json* a = ValueAt(*old, path);
    const Json* b = ValueAt(updated, path);
    if (!a || !b || *a != *b) changed.insert(path);
  }
  for (auto& e : entries) {
    for (auto it = e.fields.begin(); it != e.fields.end();) {
      bool gone = before.count(*it) && !after.count(*it);
      bool stolen = changed.count(*it) && !SameEntry(e, manager, "Update", subresource);
      it = gone || stolen ? e.fields.erase(it) : std::next(it);
    }
  }
  if (!changed.empty()) {
    Entry& mine = FindOrAdd(entries, manager, "Update", subresource, api_version, now);
    mine.fields.insert(changed.begin(), changed.end());
  }
  if (!updated.contains("metadata")) updated["metadata"] = Json::object();
  WriteEntries(updated, entries);
}

}  // namespace acequia::testing::kube
