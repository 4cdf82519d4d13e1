#include "sidecar/convert/flume_mapping.h"

#include <array>
#include <cctype>

namespace acequia::sidecar::convert {
namespace {

constexpr ComponentKind kSource = ComponentKind::kSource;
constexpr ComponentKind kChannel = ComponentKind::kChannel;
constexpr ComponentKind kSink = ComponentKind::kSink;
constexpr ComponentKind kInterceptor = ComponentKind::kInterceptor;
constexpr ComponentKind kSelector = ComponentKind::kSelector;
constexpr ComponentKind kProcessor = ComponentKind::kSinkProcessor;

using V = ValueConversion;

constexpr auto kTypeNames = std::to_array<FlumeTypeName>({
    {kSource, "netcat", "netcat"},
    {kSource, "org.apache.flume.source.NetcatSource", "netcat"},
    {kSource, "http", "http"},
    {kSource, "org.apache.flume.source.http.HTTPSource", "http"},
    {kSource, "syslogtcp", "syslogtcp"},
    {kSource, "org.apache.flume.source.SyslogTcpSource", "syslogtcp"},
    {kSource, "multiport_syslogtcp", "multiport_syslogtcp"},
    {kSource, "org.apache.flume.source.MultiportSyslogTCPSource", "multiport_syslogtcp"},
    {kSource, "syslogudp", "syslogudp"},
    {kSource, "org.apache.flume.source.SyslogUDPSource", "syslogudp"},
    {kSource, "seq", "seq"},
    {kSource, "org.apache.flume.source.SequenceGeneratorSource", "seq"},
    {kSource, "exec", "exec"},
    {kSource, "org.apache.flume.source.ExecSource", "exec"},
    {kSource, "spooldir", "spooldir"},
    {kSource, "org.apache.flume.source.SpoolDirectorySource", "spooldir"},
    {kSource, "taildir", "taildir"},
    {kSource, "org.apache.flume.source.taildir.TaildirSource", "taildir"},

    {kChannel, "memory", "memory"},
    {kChannel, "org.apache.flume.channel.MemoryChannel", "memory"},
    {kChannel, "file", "file"},
    {kChannel, "org.apache.flume.channel.file.FileChannel", "file"},

    {kSink, "logger", "logger"},
    {kSink, "org.apache.flume.sink.LoggerSink", "logger"},
    {kSink, "null", "null"},
    {kSink, "org.apache.flume.sink.NullSink", "null"},
    {kSink, "file_roll", "file_roll"},
    {kSink, "org.apache.flume.sink.RollingFileSink", "file_roll"},
    {kSink, "http", "http"},
    {kSink, "org.apache.flume.sink.http.HttpSink", "http"},

    {kInterceptor, "timestamp", "timestamp"},
    {kInterceptor, "org.apache.flume.interceptor.TimestampInterceptor$Builder", "timestamp"},
    {kInterceptor, "host", "host"},
    {kInterceptor, "org.apache.flume.interceptor.HostInterceptor$Builder", "host"},
    {kInterceptor, "static", "static"},
    {kInterceptor, "org.apache.flume.interceptor.StaticInterceptor$Builder", "static"},
    {kInterceptor, "remove_header", "remove_header"},
    {kInterceptor, "org.apache.flume.interceptor.RemoveHeaderInterceptor$Builder", "remove_header"},
    {kInterceptor, "org.apache.flume.sink.solr.morphline.UUIDInterceptor$Builder", "uuid"},
    {kInterceptor, "regex_filter", "regex_filter"},
    {kInterceptor, "org.apache.flume.interceptor.RegexFilteringInterceptor$Builder",
     "regex_filter"},
    {kInterceptor, "regex_extractor", "regex_extractor"},
    {kInterceptor, "org.apache.flume.interceptor.RegexExtractorInterceptor$Builder",
     "regex_extractor"},
    {kInterceptor, "search_replace", "search_replace"},
    {kInterceptor, "org.apache.flume.interceptor.SearchAndReplaceInterceptor$Builder",
     "search_replace"},

    {kSelector, "replicating", "replicating"},
    {kSelector, "org.apache.flume.channel.ReplicatingChannelSelector", "replicating"},
    {kSelector, "multiplexing", "multiplexing"},
    {kSelector, "org.apache.flume.channel.MultiplexingChannelSelector", "multiplexing"},

    {kProcessor, "default", "default"},
    {kProcessor, "org.apache.flume.sink.DefaultSinkProcessor", "default"},
    {kProcessor, "failover", "failover"},
    {kProcessor, "org.apache.flume.sink.FailoverSinkProcessor", "failover"},
    {kProcessor, "load_balance", "load_balance"},
    {kProcessor, "org.apache.flume.sink.LoadBalancingSinkProcessor", "load_balance"},
});

constexpr std::string_view kForwardHint =
    "Acequia agents send to each other with the forward sink and source (another wire "
    "format: convert the agents on both sides of the hop)";

constexpr auto kUnsupportedTypes = std::to_array<UnsupportedFlumeType>({
    {kSource, "avro", kForwardHint},
    {kSource, "org.apache.flume.source.AvroSource", kForwardHint},
    {kSource, "thrift", kForwardHint},
    {kSource, "netcatudp", "syslogudp receives UDP datagrams as events"},
    {kSink, "avro", kForwardHint},
    {kSink, "org.apache.flume.sink.AvroSink", kForwardHint},
    {kSink, "thrift", kForwardHint},
    {kSink, "hdfs", "file_roll writes local files; ship them with a file-based collector"},
    {kChannel, "SPILLABLEMEMORY", "use the file channel (durable) or the memory channel"},
    {kChannel, "jdbc", "use the file channel, which is durable"},
    {kSelector, "load_balancing", ""},
});

constexpr std::string_view kUtf8 = "UTF-8";

constexpr auto kProperties = std::to_array<FlumeProperty>({
    // Sources.
    {kSource, "netcat", "bind", "bind", V::kSame},
    {kSource, "netcat", "port", "port", V::kSame},
    {kSource, "netcat", "max-line-length", "maxLineLength", V::kSame},
    {kSource, "netcat", "ack-every-event", "ack", V::kBool},
    {kSource, "netcat", "encoding", "", V::kAcceptedValue, "utf-8"},

    {kSource, "http", "bind", "bind", V::kSame},
    {kSource, "http", "port", "port", V::kSame},
    {kSource, "http", "handler", "handler", V::kValueName},

    {kSource, "syslogtcp", "host", "host", V::kSame},
    {kSource, "syslogtcp", "port", "port", V::kSame},
    {kSource, "syslogtcp", "eventSize", "eventSize", V::kSame},
    {kSource, "syslogtcp", "keepFields", "keepFields", V::kSame},
    {kSource, "syslogtcp", "clientIPHeader", "clientIPHeader", V::kSame},
    {kSource, "syslogtcp", "clientHostnameHeader", "clientHostnameHeader", V::kSame},
    {kSource, "syslogtcp", "charset", "charset", V::kSame},
    {kSource, "syslogtcp", "charset.default", "charset", V::kSame},

    {kSource, "multiport_syslogtcp", "host", "host", V::kSame},
    {kSource, "multiport_syslogtcp", "ports", "ports", V::kList},
    {kSource, "multiport_syslogtcp", "eventSize", "eventSize", V::kSame},
    {kSource, "multiport_syslogtcp", "keepFields", "keepFields", V::kSame},
    {kSource, "multiport_syslogtcp", "portHeader", "portHeader", V::kSame},
    {kSource, "multiport_syslogtcp", "clientIPHeader", "clientIPHeader", V::kSame},
    {kSource, "multiport_syslogtcp", "clientHostnameHeader", "clientHostnameHeader", V::kSame},
    {kSource, "multiport_syslogtcp", "charset.default", "charset", V::kSame},
    {kSource, "multiport_syslogtcp", "batchSize", "batchSize", V::kSame},
    {kSource, "multiport_syslogtcp", "readBufferSize", "", V::kIgnored,
     "Mina's read buffer: connections are read with their own buffers"},
    {kSource, "multiport_syslogtcp", "numProcessors", "", V::kIgnored,
     "Mina's processor threads: one thread serves every port"},

    {kSource, "syslogudp", "host", "host", V::kSame},
    {kSource, "syslogudp", "port", "port", V::kSame},
    {kSource, "syslogudp", "keepFields", "keepFields", V::kSame},
    {kSource, "syslogudp", "clientIPHeader", "clientIPHeader", V::kSame},
    {kSource, "syslogudp", "clientHostnameHeader", "clientHostnameHeader", V::kSame},
    {kSource, "syslogudp", "charset", "charset", V::kSame},
    {kSource, "syslogudp", "charset.default", "charset", V::kSame},

    {kSource, "seq", "totalEvents", "totalEvents", V::kSame},
    {kSource, "seq", "batchSize", "batchSize", V::kSame},

    {kSource, "exec", "command", "command", V::kSame},
    {kSource, "exec", "shell", "shell", V::kSame},
    {kSource, "exec", "restartThrottle", "restartThrottle", V::kMillis},
    {kSource, "exec", "restart", "restart", V::kBool},
    {kSource, "exec", "logStdErr", "logStdErr", V::kBool},
    {kSource, "exec", "batchSize", "batchSize", V::kSame},
    {kSource, "exec", "batchTimeout", "batchTimeout", V::kMillis},
    {kSource, "exec", "charset", "", V::kAcceptedValue, kUtf8},

    {kSource, "spooldir", "spoolDir", "spoolDir", V::kSame},
    {kSource, "spooldir", "fileSuffix", "fileSuffix", V::kSame},
    {kSource, "spooldir", "deletePolicy", "deletePolicy", V::kLowerCase},
    {kSource, "spooldir", "fileHeader", "fileHeader", V::kBool},
    {kSource, "spooldir", "fileHeaderKey", "fileHeaderKey", V::kSame},
    {kSource, "spooldir", "basenameHeader", "basenameHeader", V::kBool},
    {kSource, "spooldir", "basenameHeaderKey", "basenameHeaderKey", V::kSame},
    {kSource, "spooldir", "includePattern", "includePattern", V::kSame},
    {kSource, "spooldir", "ignorePattern", "ignorePattern", V::kSame},
    {kSource, "spooldir", "trackerDir", "trackerDir", V::kSame},
    {kSource, "spooldir", "trackingPolicy", "", V::kAcceptedValue, "rename"},
    {kSource, "spooldir", "consumeOrder", "consumeOrder", V::kLowerCase},
    {kSource, "spooldir", "pollDelay", "pollDelay", V::kMillis},
    {kSource, "spooldir", "recursiveDirectorySearch", "recursiveDirectorySearch", V::kBool},
    {kSource, "spooldir", "maxBackoff", "", V::kIgnored,
     "a full channel makes the source retry with the agent's own backoff"},
    {kSource, "spooldir", "batchSize", "batchSize", V::kSame},
    {kSource, "spooldir", "inputCharset", "", V::kAcceptedValue, kUtf8},
    {kSource, "spooldir", "deserializer", "deserializer", V::kValueName},
    {kSource, "spooldir", "deserializer.maxLineLength", "maxLineLength", V::kSame},
    {kSource, "spooldir", "deserializer.outputCharset", "", V::kAcceptedValue, kUtf8},
    {kSource, "spooldir", "deserializer.maxBlobLength", "maxBlobLength", V::kSame},
    {kSource, "spooldir", "bufferMaxLineLength", "maxLineLength", V::kSame},
    {kSource, "spooldir", "bufferMaxLines", "", V::kIgnored, "obsolete: Flume ignores it too"},

    {kSource, "taildir", "positionFile", "positionFile", V::kSame},
    {kSource, "taildir", "headers.", "headers", V::kMapEntry},
    {kSource, "taildir", "byteOffsetHeader", "byteOffsetHeader", V::kBool},
    {kSource, "taildir", "skipToEnd", "skipToEnd", V::kBool},
    {kSource, "taildir", "idleTimeout", "idleTimeout", V::kMillis},
    {kSource, "taildir", "writePosInterval", "writePosInterval", V::kMillis},
    {kSource, "taildir", "batchSize", "batchSize", V::kSame},
    {kSource, "taildir", "maxBatchCount", "", V::kIgnored,
     "files take turns after every batch here"},
    {kSource, "taildir", "backoffSleepIncrement", "", V::kIgnored,
     "idle files are polled every pollInterval (500ms)"},
    {kSource, "taildir", "maxBackoffSleep", "", V::kIgnored,
     "idle files are polled every pollInterval (500ms)"},
    {kSource, "taildir", "cachePatternMatching", "", V::kIgnored,
     "directories are listed at every poll"},
    {kSource, "taildir", "fileHeader", "fileHeader", V::kBool},
    {kSource, "taildir", "fileHeaderKey", "fileHeaderKey", V::kSame},

    // Channels.
    {kChannel, "memory", "capacity", "capacity", V::kSame},
    {kChannel, "memory", "transactionCapacity", "transactionCapacity", V::kSame},
    {kChannel, "memory", "keep-alive", "keepAlive", V::kSeconds},
    {kChannel, "memory", "byteCapacityBufferPercentage", "byteCapacityBufferPercentage", V::kSame},
    {kChannel, "memory", "byteCapacity", "byteCapacity", V::kSame},

    {kChannel, "file", "checkpointDir", "checkpointDir", V::kSame},
    {kChannel, "file", "dataDirs", "dataDirs", V::kList},
    {kChannel, "file", "transactionCapacity", "transactionCapacity", V::kSame},
    {kChannel, "file", "checkpointInterval", "checkpointInterval", V::kMillis},
    {kChannel, "file", "maxFileSize", "maxFileSize", V::kSame},
    {kChannel, "file", "minimumRequiredSpace", "minimumRequiredSpace", V::kSame},
    {kChannel, "file", "capacity", "capacity", V::kSame},
    {kChannel, "file", "keep-alive", "keepAlive", V::kSeconds},
    {kChannel, "file", "useDualCheckpoints", "", V::kAcceptedValue, "false"},
    {kChannel, "file", "use-log-replay-v1", "", V::kAcceptedValue, "false"},
    {kChannel, "file", "use-fast-replay", "", V::kAcceptedValue, "false"},
    {kChannel, "file", "checkpointOnClose", "", V::kIgnored,
     "start-up replays only the log written after the last checkpoint"},

    // Sinks.
    {kSink, "logger", "maxBytesToLog", "maxBytesToLog", V::kSame},
    {kSink, "null", "batchSize", "batchSize", V::kSame},

    {kSink, "file_roll", "sink.directory", "directory", V::kSame},
    {kSink, "file_roll", "sink.rollInterval", "rollInterval", V::kSeconds},
    {kSink, "file_roll", "sink.batchSize", "batchSize", V::kSame},
    {kSink, "file_roll", "batchSize", "batchSize", V::kSame},
    {kSink, "file_roll", "sink.pathManager", "", V::kAcceptedValue, "DEFAULT"},
    {kSink, "file_roll", "sink.pathManager.prefix", "filePrefix", V::kSame},
    {kSink, "file_roll", "sink.pathManager.extension", "fileSuffix", V::kPrefixed, "."},
    {kSink, "file_roll", "sink.serializer", "serializer", V::kValueName},
    {kSink, "file_roll", "sink.serializer.compressionCodec", "compression", V::kValueName},
    {kSink, "file_roll", "sink.serializer.syncIntervalBytes", "syncIntervalBytes", V::kSame},
    {kSink, "file_roll", "sink.serializer.appendNewline", "", V::kAcceptedValue, "true"},

    {kSink, "http", "endpoint", "endpoint", V::kSame},
    {kSink, "http", "connectTimeout", "connectTimeout", V::kMillis},
    {kSink, "http", "requestTimeout", "requestTimeout", V::kMillis},
    {kSink, "http", "contentTypeHeader", "contentType", V::kSame},
    {kSink, "http", "acceptHeader", "headers", V::kFixedMapEntry, "Accept"},
    {kSink, "http", "defaultBackoff", "defaultBackoff", V::kBool},
    {kSink, "http", "defaultRollback", "defaultRollback", V::kBool},
    {kSink, "http", "defaultIncrementMetrics", "defaultIncrementMetrics", V::kBool},
    {kSink, "http", "backoff.", "backoff", V::kMapEntry},
    {kSink, "http", "rollback.", "rollback", V::kMapEntry},
    {kSink, "http", "incrementMetrics.", "incrementMetrics", V::kMapEntry},

    // Interceptors.
    {kInterceptor, "timestamp", "headerName", "header", V::kSame},
    {kInterceptor, "timestamp", "header", "header", V::kSame},
    {kInterceptor, "timestamp", "preserveExisting", "preserveExisting", V::kBool},
    {kInterceptor, "host", "hostHeader", "hostHeader", V::kSame},
    {kInterceptor, "host", "useIP", "useIP", V::kBool},
    {kInterceptor, "host", "preserveExisting", "preserveExisting", V::kBool},
    {kInterceptor, "static", "key", "key", V::kSame},
    {kInterceptor, "static", "value", "value", V::kSame},
    {kInterceptor, "static", "preserveExisting", "preserveExisting", V::kBool},
    {kInterceptor, "remove_header", "withName", "withName", V::kSame},
    {kInterceptor, "remove_header", "fromList", "fromList", V::kSame},
    {kInterceptor, "remove_header", "fromListSeparator", "fromListSeparator", V::kSame},
    {kInterceptor, "remove_header", "matching", "matching", V::kSame},
    {kInterceptor, "uuid", "headerName", "headerName", V::kSame},
    {kInterceptor, "uuid", "preserveExisting", "preserveExisting", V::kBool},
    {kInterceptor, "uuid", "prefix", "prefix", V::kSame},
    {kInterceptor, "regex_filter", "regex", "regex", V::kSame},
    {kInterceptor, "regex_filter", "excludeEvents", "excludeEvents", V::kBool},
    {kInterceptor, "regex_extractor", "regex", "regex", V::kSame},
    {kInterceptor, "search_replace", "searchPattern", "searchPattern", V::kSame},
    {kInterceptor, "search_replace", "replaceString", "replaceString", V::kSame},
    {kInterceptor, "search_replace", "charset", "charset", V::kSame},

    // Channel selectors (keys after "selector.").
    {kSelector, "replicating", "optional", "optional", V::kList},
    {kSelector, "multiplexing", "header", "header", V::kSame},
    {kSelector, "multiplexing", "mapping.", "mapping", V::kMapEntry},
    {kSelector, "multiplexing", "optional.", "optional", V::kMapEntry},
    {kSelector, "multiplexing", "default", "default", V::kList},

    // Sink processors (keys after "processor.").
    {kProcessor, "failover", "priority.", "priority", V::kMapEntry},
    {kProcessor, "failover", "maxpenalty", "maxpenalty", V::kMillis},
    {kProcessor, "load_balance", "backoff", "backoff", V::kBool},
    {kProcessor, "load_balance", "selector", "selector", V::kValueName},
    {kProcessor, "load_balance", "selector.maxTimeOut", "maxTimeOut", V::kMillis},
});

constexpr auto kValueNames = std::to_array<FlumeValueName>({
    {kSource, "http", "handler", "org.apache.flume.source.http.JSONHandler", "json"},
    {kSource, "spooldir", "deserializer", "LINE", "line"},
    {kSource, "spooldir", "deserializer", "org.apache.flume.serialization.LineDeserializer$Builder",
     "line"},
    {kSource, "spooldir", "deserializer",
     "org.apache.flume.sink.solr.morphline.BlobDeserializer$Builder", "blob"},
    {kSink, "file_roll", "serializer", "TEXT", "text"},
    {kSink, "file_roll", "serializer", "avro_event", "avro_event"},
    {kSink, "file_roll", "serializer",
     "org.apache.flume.serialization.FlumeEventAvroEventSerializer$Builder", "avro_event"},
    {kSink, "file_roll", "compression", "null", "none"},
    {kSink, "file_roll", "compression", "deflate", "deflate"},
    {kSink, "file_roll", "compression", "snappy", "snappy"},
    {kProcessor, "load_balance", "selector", "round_robin", "round_robin"},
    {kProcessor, "load_balance", "selector", "random", "random"},
});

constexpr auto kImplied = std::to_array<ImpliedProperty>({
    {kSource, "exec", "shell", "", "Flume runs the command without a shell unless shell is set"},
    {kSink, "file_roll", "filePrefix", "", "Flume names files <start-ms>-<n>"},
    {kSink, "file_roll", "fileSuffix", "", "Flume names files <start-ms>-<n>"},
    {kSink, "http", "format", "text", "Flume's http sink posts event bodies as they are"},
});

}  // namespace

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

std::span<const FlumeTypeName> FlumeTypeNames() { return kTypeNames; }
std::span<const UnsupportedFlumeType> UnsupportedFlumeTypes() { return kUnsupportedTypes; }
std::span<const FlumeProperty> FlumeProperties() { return kProperties; }
std::span<const FlumeValueName> FlumeValueNames() { return kValueNames; }
std::span<const ImpliedProperty> ImpliedProperties() { return kImplied; }

namespace {
// A class name holds a dot; Flume compares aliases case-insensitively and class names exactly.
bool SameTypeName(std::string_view table, std::string_view given) {
  return table.find('.') != std::string_view::npos ? table == given
                                                   : EqualsIgnoreCase(table, given);
}
}  // namespace

std::optional<std::string_view> OurTypeName(ComponentKind kind, std::string_view flume_type) {
  for (const auto& t : kTypeNames) {
    if (t.kind == kind && SameTypeName(t.flume, flume_type)) return t.ours;
  }
  return std::nullopt;
}

const UnsupportedFlumeType* FindUnsupportedType(ComponentKind kind, std::string_view flume_type) {
  for (const auto& t : kUnsupportedTypes) {
    if (t.kind == kind && SameTypeName(t.flume, flume_type)) return &t;
  }
  return nullptr;
}

const FlumeProperty* FindFlumeProperty(ComponentKind kind, std::string_view type,
                                       std::string_view key) {
  const FlumeProperty* prefix_match = nullptr;
  for (const auto& p : kProperties) {
    if (p.kind != kind || p.type != type) continue;
    if (p.conversion == V::kMapEntry) {
      if (key.size() > p.flume.size() && key.substr(0, p.flume.size()) == p.flume &&
          (prefix_match == nullptr || p.flume.size() > prefix_match->flume.size())) {
        prefix_match = &p;
      }
    } else if (p.flume == key) {
      return &p;
    }
  }
  return prefix_match;
}

std::optional<std::string_view> OurValueName(ComponentKind kind, std::string_view type,
                                             std::string_view ours, std::string_view flume_value) {
  for (const auto& v : kValueNames) {
    if (v.kind == kind && v.type == type && v.ours == ours &&
        EqualsIgnoreCase(v.flume_value, flume_value)) {
      return v.our_value;
    }
  }
  return std::nullopt;
}

}  // namespace acequia::sidecar::convert
