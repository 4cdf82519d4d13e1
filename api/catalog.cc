#include "api/catalog.h"

#include <array>

namespace acequia::api {
namespace {

using P = PropertySpec;
using T = PropertyType;
constexpr int64_t kMaxPort = 65535;

const std::vector<ComponentType>& Sources() {
  static const std::vector<ComponentType> kSources = {
      {ComponentKind::kSource,
       "netcat",
       "Listens on a TCP port and turns every newline-terminated line into one event. Lines longer "
       "than maxLineLength are rejected (answered with FAILED when ack is on), never truncated.",
       {
           P{"bind", T::kString, "0.0.0.0", "Address to listen on."},
           P{"port", T::kInt, std::nullopt, "TCP port to listen on.", true, 1, kMaxPort},
           P{"maxLineLength", T::kInt, "512",
             "Longest accepted line in bytes, without the newline.", false, 1, 64 << 20},
           P{"ack", T::kBool, "true",
             "Answer every line with OK once it is committed to the channels (FAILED: reason when "
             "it is rejected)."},
           P{"batchSize", T::kInt, "100",
             "Most events put in one channel transaction; at most the channels' "
             "transactionCapacity.",
             false, 1, 1'000'000},
           P{"maxConnections", T::kInt, "1024", "Most client connections served at once.", false, 1,
             1'000'000},
       }},
      {ComponentKind::kSource,
       "http",
       "Accepts events by HTTP POST: a JSON array of {headers, body} objects (Flume's JSONHandler) "
       "or, with Content-Type text/plain, one event per line. Answers 200 after commit, 400 with "
       "the reason for a malformed body, 413 for a body or batch that is too large, and 503 with "
       "Retry-After when a channel is full.",
       {
           P{"bind", T::kString, "0.0.0.0", "Address to listen on."},
           P{"port", T::kInt, std::nullopt, "TCP port to listen on.", true, 1, kMaxPort},
           P{"handler",
             T::kString,
             "json",
             "How a body without a telling Content-Type is read: json or text.",
             false,
             std::nullopt,
             std::nullopt,
             {"json", "text"}},
           P{"maxBodySize", T::kSize, "16Mi", "Largest accepted request body.", false, 1,
             int64_t{1} << 31},
           P{"retryAfter", T::kDuration, "1s",
             "Value of the Retry-After header sent with 503 when a channel is full."},
       }},
      {ComponentKind::kSource,
       "seq",
       "Generates events whose bodies are the numbers 0, 1, 2, … as decimal text (Flume's "
       "SequenceGeneratorSource), for tests and benchmarks. A full channel makes it offer the "
       "same batch again, so no number is skipped or repeated.",
       {
           P{"totalEvents", T::kInt, "0",
             "How many events to generate before stopping (0: no limit, until the agent stops).",
             false, 0, std::nullopt},
           P{"batchSize", T::kInt, "100",
             "Most events put in one channel transaction; at most the channels' "
             "transactionCapacity.",
             false, 1, 1'000'000},
       }},
  };
  return kSources;
}

const std::vector<ComponentType>& Channels() {
  static const std::vector<ComponentType> kChannels = {
      {ComponentKind::kChannel,
       "memory",
       "Holds events in memory: fast, bounded, and lost if the agent crashes.",
       {
           P{"capacity", T::kInt, "10000", "Most events held.", false, 1, int64_t{1} << 40},
           P{"transactionCapacity", T::kInt, "1000",
             "Most events one put or take transaction may carry.", false, 1, int64_t{1} << 40},
           P{"byteCapacity", T::kSize, "0",
             "Most body bytes held (0: only capacity limits). Headers are not counted, as in "
             "Flume.",
             false, 0, std::nullopt},
           P{"byteCapacityBufferPercentage", T::kInt, "20",
             "Share of byteCapacity kept free for headers.", false, 0, 99},
           P{"keepAlive", T::kDuration, "3s",
             "How long a put waits for free space before failing with channel full."},
       }},
      {ComponentKind::kChannel,
       "file",
       "Holds events in a write-ahead log on disk: a transaction that returned from commit "
       "survives a crash of the agent (kill -9) and, with fsync: commit, of the machine. "
       "Start-up reads the last checkpoint of the queue and replays only the log written after "
       "it. Format and guarantees: docs/file-channel.md.",
       {
           P{"checkpointDir", T::kString, "",
             "Directory of the queue checkpoint and the lock file in_use.lock (empty: "
             "/var/lib/acequia/<flow>/<channel>/checkpoint). Two agents never share it: the "
             "second refuses to start."},
           P{"dataDirs", T::kStringList, "",
             "Directories of the log segments, used in turn (empty: "
             "/var/lib/acequia/<flow>/<channel>/data)."},
           P{"capacity", T::kInt, "1000000", "Most events held.", false, 1, int64_t{1} << 40},
           P{"transactionCapacity", T::kInt, "10000",
             "Most events one put or take transaction may carry.", false, 1, int64_t{1} << 40},
           P{"checkpointInterval", T::kDuration, "30s",
             "Time between checkpoints of the queue; fully consumed segments are deleted after "
             "each one."},
           P{"maxFileSize", T::kSize, "64Mi",
             "Size at which the log rolls to a new segment (Flume: 2146435071).", false, 1 << 20,
             2146435071},
           P{"minimumRequiredSpace", T::kSize, "500Mi",
             "Free space a data directory must keep: below it puts wait and then fail with "
             "channel full, as when the channel is at capacity.",
             false, 0, std::nullopt},
           P{"keepAlive", T::kDuration, "3s",
             "How long a put waits for free space (in the channel or on disk) before failing "
             "with channel full."},
           P{"fsync",
             T::kString,
             "commit",
             "commit: a put commit returns once the log is on disk (one fdatasync serves every "
             "transaction committing at the same time; take commits ride on the next one). none: "
             "written to the kernel only, which survives kill -9 but not a power loss; unsafe, "
             "for tests and benchmarks.",
             false,
             std::nullopt,
             std::nullopt,
             {"commit", "none"}},
       }},
  };
  return kChannels;
}

const std::vector<ComponentType>& Sinks() {
  static const std::vector<ComponentType> kSinks = {
      {ComponentKind::kSink,
       "logger",
       "Logs every event (headers and the start of the body).",
       {
           P{"maxBytesToLog", T::kInt, "16", "Most body bytes written per event.", false, 0,
             1 << 20},
           P{"batchSize", T::kInt, "100", "Most events taken per transaction.", false, 1,
             1'000'000},
       }},
      {ComponentKind::kSink,
       "null",
       "Takes events and discards them (for tests and benchmarks).",
       {
           P{"batchSize", T::kInt, "100", "Most events taken per transaction.", false, 1,
             1'000'000},
       }},
      {ComponentKind::kSink,
       "file_roll",
       "Writes event bodies, one per line, to files under directory, and rolls them by time, size "
       "or count. A file is written as <prefix><start-ms>-<n><suffix><inUseSuffix> and renamed "
       "without inUseSuffix when closed, so readers never see a partial file.",
       {
           P{"directory", T::kString, std::nullopt,
             "Output directory; may hold escapes %Y %m %d %H %M %S (from the event's timestamp "
             "header, or the clock when it has none), %{header} and %% for a literal %, resolved "
             "per event. Unknown escapes stay as written; '/' and '..' in header values are "
             "replaced so an event cannot leave the directory.",
             true},
           P{"rollInterval", T::kDuration, "30s", "Roll after this long (0: never by time)."},
           P{"rollSize", T::kSize, "0", "Roll once a file holds this many bytes (0: never).", false,
             0, std::nullopt},
           P{"rollCount", T::kInt, "0", "Roll once a file holds this many events (0: never).",
             false, 0, std::nullopt},
           P{"batchSize", T::kInt, "100", "Most events taken per transaction.", false, 1,
             1'000'000},
           P{"filePrefix", T::kString, "events-", "Start of every file name."},
           P{"fileSuffix", T::kString, ".log", "End of every closed file's name."},
           P{"inUseSuffix", T::kString, ".tmp", "Suffix of a file while it is being written."},
           P{"useLocalTimeStamp", T::kBool, "false",
             "Resolve time escapes with the local clock instead of the event's timestamp "
             "header."},
       }},
  };
  return kSinks;
}

const std::vector<ComponentType>& Interceptors() {
  static const std::vector<ComponentType> kInterceptors = {
      {ComponentKind::kInterceptor,
       "timestamp",
       "Sets a header to the time the event passed, in milliseconds since the epoch.",
       {
           P{"header", T::kString, "timestamp", "Header to set."},
           P{"preserveExisting", T::kBool, "false", "Keep a header that is already there."},
       }},
      {ComponentKind::kInterceptor,
       "host",
       "Sets a header to this agent's host address or name.",
       {
           P{"hostHeader", T::kString, "host", "Header to set."},
           P{"useIP", T::kBool, "true", "Use the IP address rather than the host name."},
           P{"preserveExisting", T::kBool, "false", "Keep a header that is already there."},
       }},
      {ComponentKind::kInterceptor,
       "static",
       "Sets a fixed header on every event.",
       {
           P{"key", T::kString, "key", "Header name."},
           P{"value", T::kString, "value", "Header value."},
           P{"preserveExisting", T::kBool, "true", "Keep a header that is already there."},
       }},
      {ComponentKind::kInterceptor,
       "remove_header",
       "Removes headers: the one named withName, those listed in fromList, and those whose whole "
       "name matches the regular expression matching. Regular expressions use RE2 syntax (no "
       "backreferences or lookaround) and are checked when the flow is loaded.",
       {
           P{"withName", T::kString, std::nullopt, "Name of one header to remove."},
           P{"fromList", T::kString, std::nullopt,
             "Names of headers to remove, separated by fromListSeparator."},
           P{"fromListSeparator", T::kRegex, "\\s*,\\s*",
             "Regular expression separating the names in fromList."},
           P{"matching", T::kRegex, std::nullopt,
             "Regular expression; every header whose whole name matches it is removed."},
       }},
      {ComponentKind::kInterceptor,
       "uuid",
       "Sets a header to prefix followed by a random (version 4) UUID, to tell events apart "
       "downstream.",
       {
           P{"headerName", T::kString, "id", "Header to set."},
           P{"preserveExisting", T::kBool, "true", "Keep a header that is already there."},
           P{"prefix", T::kString, "", "Text put before the UUID."},
       }},
      {ComponentKind::kInterceptor,
       "regex_filter",
       "Keeps the events whose body contains a match of regex and drops the others (with "
       "excludeEvents, drops the matching ones instead). Dropped events are counted in the "
       "interceptor's metrics. RE2 syntax, checked when the flow is loaded.",
       {
           P{"regex", T::kRegex, ".*", "Regular expression searched for in the body."},
           P{"excludeEvents", T::kBool, "false", "Drop matching events rather than keep them."},
       }},
      {ComponentKind::kInterceptor,
       "regex_extractor",
       "Searches the body for the first match of regex and copies its capture groups into "
       "headers: group i into the header named by the i-th entry of serializers (Flume's "
       "serializers = s1 s2 with serializers.s1.name = …, written as a list of names; only the "
       "default pass-through serializer exists). Existing headers are overwritten; groups that "
       "did not match set nothing. RE2 syntax, checked when the flow is loaded.",
       {
           P{"regex", T::kRegex, std::nullopt, "Regular expression with capture groups.", true},
           P{"serializers", T::kStringList, "",
             "Header names for capture groups 1, 2, …; at most as many as the regex has groups."},
       }},
      {ComponentKind::kInterceptor,
       "search_replace",
       "Replaces every match of searchPattern in the body with replaceString. RE2 syntax, checked "
       "when the flow is loaded.",
       {
           P{"searchPattern", T::kRegex, std::nullopt, "Regular expression to replace.", true},
           P{"replaceString", T::kString, "",
             "Replacement, as in Java: $1 to $9 insert a capture group, a backslash makes the next "
             "character literal (\\$ for a dollar sign)."},
           P{"charset", T::kString, "UTF-8",
             "Accepted for compatibility with Flume and ignored: bodies are replaced as bytes."},
       }},
  };
  return kInterceptors;
}

const std::vector<ComponentType>& Selectors() {
  static const std::vector<ComponentType> kSelectors = {
      {ComponentKind::kSelector,
       "replicating",
       "Puts every event into all of the source's channels. A failed put into an optional channel "
       "is ignored; into any other it fails the batch.",
       {
           P{"optional", T::kStringList, "", "Channels whose failures are ignored."},
       }},
      {ComponentKind::kSelector,
       "multiplexing",
       "Routes each event by the value of one header: mapping names the channels for each value, "
       "default those for any other value.",
       {
           P{"header", T::kString, "flume.selector.header", "Header whose value picks channels."},
           P{"mapping", T::kListMap, "{}", "Header value to required channels."},
           P{"optional", T::kListMap, "{}", "Header value to optional channels."},
           P{"default", T::kStringList, "", "Channels for values with no mapping."},
       }},
  };
  return kSelectors;
}

const std::vector<ComponentType>& SinkProcessors() {
  static const std::vector<ComponentType> kProcessors = {
      {ComponentKind::kSinkProcessor, "default", "Runs the group's single sink.", {}},
  };
  return kProcessors;
}

constexpr std::array<std::string_view, 5> kSourceKeys = {"name", "type", "channels", "selector",
                                                         "interceptors"};
constexpr std::array<std::string_view, 2> kChannelKeys = {"name", "type"};
constexpr std::array<std::string_view, 3> kSinkKeys = {"name", "type", "channel"};
constexpr std::array<std::string_view, 1> kTypeOnly = {"type"};

}  // namespace

std::string_view ComponentKindName(ComponentKind kind) {
  switch (kind) {
    case ComponentKind::kSource:
      return "source";
    case ComponentKind::kChannel:
      return "channel";
    case ComponentKind::kSink:
      return "sink";
    case ComponentKind::kInterceptor:
      return "interceptor";
    case ComponentKind::kSelector:
      return "selector";
    case ComponentKind::kSinkProcessor:
      return "sink processor";
  }
  return "?";
}

const PropertySpec* ComponentType::Find(std::string_view property) const {
  for (const auto& p : properties) {
    if (p.name == property) return &p;
  }
  return nullptr;
}

std::span<const ComponentType> CatalogOf(ComponentKind kind) {
  switch (kind) {
    case ComponentKind::kSource:
      return Sources();
    case ComponentKind::kChannel:
      return Channels();
    case ComponentKind::kSink:
      return Sinks();
    case ComponentKind::kInterceptor:
      return Interceptors();
    case ComponentKind::kSelector:
      return Selectors();
    case ComponentKind::kSinkProcessor:
      return SinkProcessors();
  }
  return {};
}

const ComponentType* FindComponentType(ComponentKind kind, std::string_view name) {
  for (const auto& type : CatalogOf(kind)) {
    if (type.name == name) return &type;
  }
  return nullptr;
}

std::span<const std::string_view> StructuralKeys(ComponentKind kind) {
  switch (kind) {
    case ComponentKind::kSource:
      return kSourceKeys;
    case ComponentKind::kChannel:
      return kChannelKeys;
    case ComponentKind::kSink:
      return kSinkKeys;
    default:
      return kTypeOnly;
  }
}

}  // namespace acequia::api
