#include "api/catalog.h"

#include <re2/re2.h>

#include <array>

namespace acequia::api {
namespace {

using P = PropertySpec;
using T = PropertyType;
constexpr int64_t kMaxPort = 65535;
// The keys of the http sink's per-status maps: an exact code or a class.
constexpr std::string_view kStatusKeyPattern = "[1-5]([0-9][0-9]|[Xx][Xx])";
constexpr std::string_view kStatusKeyHint =
    "a status code such as \"503\" or a class such as \"5XX\"";
// HTTP header names (RFC 9110 tokens).
constexpr std::string_view kHeaderNamePattern = "[!#$%&'*+.^_`|~0-9A-Za-z-]+";
constexpr std::string_view kHeaderNameHint = "an HTTP header name (a token: no spaces or ':')";

// http: the endpoint is an http(s) URL with a host; header values hold no line break.
std::vector<FieldError> HttpSinkRules(const PropertyValues& values) {
  static const re2::RE2 kUrl(
      R"(https?://([^/?#@\s]*@)?(\[[0-9A-Fa-f:.]+\]|[^/?#:@\[\]\s]+)(:[0-9]{1,5})?([/?#]\S*)?)");
  std::vector<FieldError> errors;
  if (!re2::RE2::FullMatch(values.GetString("endpoint"), kUrl)) {
    errors.push_back({"endpoint",
                      "expected an http:// or https:// URL naming a host, such as "
                      "https://collector:8080/events"});
  }
  for (const auto& [name, value] : values.GetMap("headers")) {
    if (value.find_first_of("\r\n") != std::string::npos) {
      errors.push_back({"headers", "the value of \"" + name + "\" holds a line break"});
    }
  }
  return errors;
}

// file_roll: a directory to write to; at most 24 hours to round to; deflate and snappy are Avro
// block codecs.
std::vector<FieldError> FileRollRules(const PropertyValues& values) {
  std::vector<FieldError> errors;
  if (values.GetString("directory").empty()) errors.push_back({"directory", "must not be empty"});
  if (values.GetString("roundUnit") == "hour" && values.GetInt("roundValue") > 24) {
    errors.push_back({"roundValue", "at most 24 for roundUnit hour, got " +
                                        std::to_string(values.GetInt("roundValue"))});
  }
  const std::string& compression = values.GetString("compression");
  if (values.GetString("serializer") != "avro_event" &&
      (compression == "deflate" || compression == "snappy")) {
    errors.push_back({"compression", compression +
                                         " compresses Avro blocks: it needs serializer avro_event "
                                         "(use gzip or zstd to compress text or json)"});
  }
  return errors;
}

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
       "syslogtcp",
       "Receives syslog messages (RFC 5424 and RFC 3164) over TCP, octet-counted (RFC 6587 "
       "\"LEN SP MSG\") or newline-terminated, told apart per message, one event per message. "
       "A full channel stops the reading, so TCP pushes back on the sender. "
       "Headers: Facility, Severity, priority, version, timestamp (epoch milliseconds), host, "
       "appName, procId, msgId, structuredData (each when present). A malformed message is kept "
       "whole with flume.syslog.status=Invalid. The body is the message (for RFC 3164, as in "
       "Flume, everything after the hostname) unless keepFields says otherwise.",
       {
           P{"host", T::kString, "0.0.0.0", "Address to listen on."},
           P{"port", T::kInt, std::nullopt, "TCP port to listen on.", true, 1, kMaxPort},

           P{"eventSize", T::kInt, "2500",
             "Longest message in bytes (without its framing). A longer one is never dropped: it "
             "arrives as several events of at most eventSize bytes marked "
             "flume.syslog.status=Incomplete, the first with the parsed headers, the others with "
             "the same headers and the following raw bytes.",
             false, 10, 64 << 20},
           P{"keepFields", T::kString, "none",
             "Header fields kept in the body: none (the body is the message), all (the whole raw "
             "message), or a list of priority, version, timestamp, hostname (put back in front of "
             "the message as sent). true and false are Flume's old spellings of all and none."},
           P{"clientIPHeader", T::kString, "",
             "If set, the header that gets the sender's IP address (from the socket, not the "
             "message)."},
           P{"clientHostnameHeader", T::kString, "",
             "If set, the header that gets the sender's host name, by reverse DNS lookup of its "
             "address (once per connection for TCP, cached per address for UDP)."},
           P{"batchSize", T::kInt, "100",
             "Most events put in one channel transaction; at most the channels' "
             "transactionCapacity.",
             false, 1, 1'000'000},
           P{"maxConnections", T::kInt, "1024", "Most client connections served at once.", false, 1,
             1'000'000},
           P{"charset", T::kString, "UTF-8",
             "Accepted for compatibility with Flume and ignored: messages are parsed and kept as "
             "the bytes that arrived (syslog headers are ASCII)."},
       }},
      {ComponentKind::kSource,
       "multiport_syslogtcp",
       "The syslogtcp source listening on several TCP ports at once (one thread for all), "
       "optionally recording the port in a header. "
       "Headers: Facility, Severity, priority, version, timestamp (epoch milliseconds), host, "
       "appName, procId, msgId, structuredData (each when present). A malformed message is kept "
       "whole with flume.syslog.status=Invalid. The body is the message (for RFC 3164, as in "
       "Flume, everything after the hostname) unless keepFields says otherwise.",
       {
           P{"host", T::kString, "0.0.0.0", "Address to listen on."},
           P{"ports", T::kIntList, std::nullopt,
             "TCP ports to listen on: a list, or Flume's space-separated text \"10001 10002\".",
             true, 1, kMaxPort},
           P{"portHeader", T::kString, "",
             "If set, the header that gets the port a message arrived on, for interceptors and "
             "selectors."},

           P{"eventSize", T::kInt, "2500",
             "Longest message in bytes (without its framing). A longer one is never dropped: it "
             "arrives as several events of at most eventSize bytes marked "
             "flume.syslog.status=Incomplete, the first with the parsed headers, the others with "
             "the same headers and the following raw bytes.",
             false, 10, 64 << 20},
           P{"keepFields", T::kString, "none",
             "Header fields kept in the body: none (the body is the message), all (the whole raw "
             "message), or a list of priority, version, timestamp, hostname (put back in front of "
             "the message as sent). true and false are Flume's old spellings of all and none."},
           P{"clientIPHeader", T::kString, "",
             "If set, the header that gets the sender's IP address (from the socket, not the "
             "message)."},
           P{"clientHostnameHeader", T::kString, "",
             "If set, the header that gets the sender's host name, by reverse DNS lookup of its "
             "address (once per connection for TCP, cached per address for UDP)."},
           P{"batchSize", T::kInt, "100",
             "Most events put in one channel transaction; at most the channels' "
             "transactionCapacity.",
             false, 1, 1'000'000},
           P{"maxConnections", T::kInt, "1024", "Most client connections served at once.", false, 1,
             1'000'000},
           P{"charset", T::kString, "UTF-8",
             "Accepted for compatibility with Flume and ignored: messages are parsed and kept as "
             "the bytes that arrived (syslog headers are ASCII)."},
       }},
      {ComponentKind::kSource,
       "syslogudp",
       "Receives syslog messages (RFC 5424 and RFC 3164) over UDP, one datagram per event. UDP "
       "cannot push back: while a channel stays full beyond its keepAlive, arriving messages are "
       "dropped, counted as rejected and logged at most every 10 s. "
       "Headers: Facility, Severity, priority, version, timestamp (epoch milliseconds), host, "
       "appName, procId, msgId, structuredData (each when present). A malformed message is kept "
       "whole with flume.syslog.status=Invalid. The body is the message (for RFC 3164, as in "
       "Flume, everything after the hostname) unless keepFields says otherwise.",
       {
           P{"host", T::kString, "0.0.0.0", "Address to listen on."},
           P{"port", T::kInt, std::nullopt, "UDP port to listen on.", true, 1, kMaxPort},
           P{"keepFields", T::kString, "none",
             "Header fields kept in the body: none (the body is the message), all (the whole raw "
             "message), or a list of priority, version, timestamp, hostname (put back in front of "
             "the message as sent). true and false are Flume's old spellings of all and none."},
           P{"clientIPHeader", T::kString, "",
             "If set, the header that gets the sender's IP address (from the socket, not the "
             "message)."},
           P{"clientHostnameHeader", T::kString, "",
             "If set, the header that gets the sender's host name, by reverse DNS lookup of its "
             "address (once per connection for TCP, cached per address for UDP)."},
           P{"batchSize", T::kInt, "100",
             "Most events put in one channel transaction; at most the channels' "
             "transactionCapacity.",
             false, 1, 1'000'000},
           P{"charset", T::kString, "UTF-8",
             "Accepted for compatibility with Flume and ignored: messages are parsed and kept as "
             "the bytes that arrived (syslog headers are ASCII)."},
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
      {ComponentKind::kSource,
       "forward",
       "Receives events from other agents' forward sinks (agent-to-agent fan-in, Flume's avro "
       "source role) over TCP or TLS: length-framed, CRC-checked batches, each ACKed only after "
       "it is committed to the channels, or answered retry later when a channel is full. Wire "
       "format: docs/forward-protocol.md.",
       {
           P{"bind", T::kString, "0.0.0.0", "Address to listen on."},
           P{"port", T::kInt, std::nullopt, "TCP port to listen on.", true, 1, kMaxPort},
           P{"maxFrameSize", T::kSize, "16Mi",
             "Largest accepted frame payload; a larger frame is refused and the connection "
             "closed. Announced to senders, which cut their batches to fit.",
             false, 64, int64_t{1} << 30},
           P{"maxBatchSize", T::kInt, "10000",
             "Most events per batch, announced to senders (lowered to the channels' "
             "transactionCapacity); a batch commits in one transaction per channel.",
             false, 1, 1'000'000},
           P{"idleTimeout", T::kDuration, "2m",
             "Close a connection that sends nothing (not even a PING) for this long."},
           P{"maxConnections", T::kInt, "1024", "Most sender connections served at once.", false, 1,
             1'000'000},
           P{"tls.enabled", T::kBool, "false", "Serve TLS (1.2 or newer) instead of plain TCP."},
           P{"tls.certFile", T::kString, "",
             "PEM server certificate (chain); re-read when the file changes."},
           P{"tls.keyFile", T::kString, "", "PEM private key of tls.certFile."},
           P{"tls.clientCaFile", T::kString, "",
             "PEM CA bundle: when set, senders must present a certificate it signed (mutual "
             "TLS)."},
       }},
      {ComponentKind::kSource,
       "exec",
       "Runs a command and turns every line it writes to stdout into an event (Flume's "
       "ExecSource). A full channel stops the source reading the command's output, so the "
       "command blocks on its next write and no line is dropped; lines longer than "
       "maxLineLength are rejected (counted and logged), never truncated. The command runs in its "
       "own process group, which gets SIGTERM when the source stops and SIGKILL stopTimeout "
       "later. Lines are bytes: no charset conversion.",
       {
           P{"command", T::kString, std::nullopt, "The command to run.", true},
           P{"shell", T::kString, "/bin/sh -c",
             "The shell invocation the command is appended to, split at spaces (empty: the "
             "command itself is split at spaces and run without a shell)."},
           P{"restart", T::kBool, "false", "Run the command again when it exits."},
           P{"restartThrottle", T::kDuration, "10s", "Pause before running it again."},
           P{"logStdErr", T::kBool, "false",
             "Log the command's stderr lines (at info); otherwise stderr is discarded."},
           P{"batchSize", T::kInt, "20",
             "Most events put in one channel transaction; at most the channels' "
             "transactionCapacity.",
             false, 1, 1'000'000},
           P{"batchTimeout", T::kDuration, "3s",
             "Longest time a line waits for its batch to fill before it is committed anyway."},
           P{"maxLineLength", T::kInt, "65536",
             "Longest accepted line in bytes, without the newline.", false, 1, 64 << 20},
           P{"stopTimeout", T::kDuration, "5s",
             "How long the command may take to exit after SIGTERM before it gets SIGKILL."},
       }},
      {ComponentKind::kSource,
       "spooldir",
       "Reads the files put into a directory (Flume's Spooling Directory source), one at a time, "
       "and renames each with fileSuffix (or deletes it) once all of its events are committed. "
       "The committed offset of the current file is kept in trackerDir, so a restart (even after "
       "kill -9) continues the file where it stopped: only a batch whose commit was under way "
       "at a crash can repeat. A "
       "file must not change once it is in the directory: a file whose size or modification time "
       "changes while it is read is reported as an error and the source stops taking files until "
       "it is restarted (Flume's rule); what was committed stays committed. Files are read as "
       "bytes (inputCharset UTF-8 only: no conversion).",
       {
           P{"spoolDir", T::kString, std::nullopt, "Directory to read files from.", true},
           P{"fileSuffix", T::kString, ".COMPLETED",
             "Appended to a file's name once it is completely committed; such files are never "
             "read again."},
           P{"deletePolicy",
             T::kString,
             "never",
             "never: rename completed files with fileSuffix; immediate: delete them.",
             false,
             std::nullopt,
             std::nullopt,
             {"never", "immediate"}},
           P{"includePattern", T::kRegex, "^.*$",
             "Regular expression a file name must match (whole) to be read."},
           P{"ignorePattern", T::kRegex, "^$",
             "Regular expression; file names matching it (whole) are not read. Names starting "
             "with a dot are never read."},
           P{"trackerDir", T::kString, ".flumespool",
             "Directory of the progress record (relative paths are under spoolDir)."},
           P{"consumeOrder",
             T::kString,
             "oldest",
             "Which file is read next: oldest or youngest modification time (ties by name), or "
             "random.",
             false,
             std::nullopt,
             std::nullopt,
             {"oldest", "youngest", "random"}},
           P{"recursiveDirectorySearch", T::kBool, "false",
             "Also read files in subdirectories (except hidden ones and trackerDir)."},
           P{"pollDelay", T::kDuration, "500ms", "Pause between looks at an idle directory."},
           P{"batchSize", T::kInt, "100",
             "Most events put in one channel transaction; at most the channels' "
             "transactionCapacity.",
             false, 1, 1'000'000},
           P{"deserializer",
             T::kString,
             "line",
             "line: one event per line; blob: the whole file as one event.",
             false,
             std::nullopt,
             std::nullopt,
             {"line", "blob"}},
           P{"maxLineLength", T::kInt, "65536",
             "line: longest accepted line in bytes, without the newline; longer lines are "
             "rejected (counted and logged with their offset), never truncated.",
             false, 1, 64 << 20},
           P{"maxBlobLength", T::kSize, "100000000",
             "blob: most bytes in one event; a larger file becomes several events of at most "
             "this size, in order.",
             false, 1, int64_t{1} << 31},
           P{"inputCharset",
             T::kString,
             "UTF-8",
             "Accepted for compatibility with Flume: only UTF-8 (bytes pass unchanged).",
             false,
             std::nullopt,
             std::nullopt,
             {"UTF-8"}},
           P{"fileHeader", T::kBool, "false", "Set a header to the file's absolute path."},
           P{"fileHeaderKey", T::kString, "file", "Name of that header."},
           P{"basenameHeader", T::kBool, "false", "Set a header to the file's name."},
           P{"basenameHeaderKey", T::kString, "basename", "Name of that header."},
       }},
      {ComponentKind::kSource,
       "taildir",
       "Follows files as they grow (Flume's Taildir source) and turns every complete line into "
       "an event. Each file group names a directory and a glob on file names. The byte offset "
       "of every file is advanced only after its lines are committed and is written, with the "
       "file's inode, to positionFile after every commit, so a restart (even after kill -9) "
       "continues every file at its last committed line: only a batch whose commit was under "
       "way at a crash can repeat. A file renamed by rotation is read to its end (found by "
       "inode, also after a restart) before the new file; a file truncated in place "
       "(copytruncate) is read again from its start.",
       {
           P{"filegroups", T::kStringMap, std::nullopt,
             "Group name to path: a directory and a glob (*, ?, [...]) on the file name, like "
             "/var/log/app/*.log. Flume takes a regular expression for the name; this is a glob.",
             true},
           P{"positionFile", T::kString, "",
             "JSON file of [{inode, pos, file}] (empty: "
             "/var/lib/acequia/<flow>/<source>/taildir_position.json)."},
           P{"headers", T::kStringMap, "{}",
             "Headers set on a group's events, keyed <group>.<header> (Flume's "
             "headers.<group>.<header>)."},
           P{"byteOffsetHeader", T::kBool, "false",
             "Set the header byteoffset to the offset of the line in its file."},
           P{"skipToEnd", T::kBool, "false",
             "At start-up, begin files that positionFile does not know at their end."},
           P{"idleTimeout", T::kDuration, "120s",
             "Close a file that has not grown for this long (a rotated-away file is then "
             "forgotten)."},
           P{"writePosInterval", T::kDuration, "3s",
             "Interval of position file writes besides those after every commit."},
           P{"pollInterval", T::kDuration, "500ms", "Pause between looks for new data."},
           P{"batchSize", T::kInt, "100",
             "Most events put in one channel transaction; at most the channels' "
             "transactionCapacity.",
             false, 1, 1'000'000},
           P{"maxLineLength", T::kInt, "65536",
             "Longest accepted line in bytes, without the newline; longer lines are rejected "
             "(counted and logged with their offset), never truncated.",
             false, 1, 64 << 20},
           P{"fileHeader", T::kBool, "false", "Set a header to the file's absolute path."},
           P{"fileHeaderKey", T::kString, "file", "Name of that header."},
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
       "Writes events to files under directory — one per line (the body, or a JSON object with "
       "serializer json) or as Avro records (serializer avro_event) — and rolls them by time, "
       "size, count or idleness. A file is written as "
       "<prefix><start-ms>-<n><suffix><inUseSuffix> and renamed without inUseSuffix when closed, "
       "so readers never see a partial file.",
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
           P{"idleTimeout", T::kDuration, "0",
             "Roll a file that received no event for this long (0: never by idleness)."},
           P{"maxOpenFiles", T::kInt, "5000",
             "Most files open at once (one per resolved directory); opening one more rolls the "
             "least recently written. Each open file holds a file descriptor.",
             false, 1, std::nullopt},
           P{"round", T::kBool, "false",
             "Round the time used by the directory's time escapes down to a multiple of "
             "roundValue roundUnits (in local time), e.g. 10 minutes."},
           P{"roundValue", T::kInt, "1",
             "The multiple round rounds down to: at most 60 for second and minute, 24 for hour.",
             false, 1, 60},
           P{"roundUnit",
             T::kString,
             "second",
             "Unit of roundValue.",
             false,
             std::nullopt,
             std::nullopt,
             {"second", "minute", "hour"}},
           P{"serializer",
             T::kString,
             "text",
             "text: each body followed by a newline; json: one {\"headers\": {...}, \"body\": "
             "\"...\"} object per line (a body that is not valid UTF-8 is base64-encoded, with "
             "\"encoding\": \"base64\"); avro_event: an Avro object container file of Flume's "
             "Event records ({headers: map<string>, body: bytes}), a block per batch, which any "
             "Avro reader opens.",
             false,
             std::nullopt,
             std::nullopt,
             {"text", "json", "avro_event"}},
           P{"compression",
             T::kString,
             "none",
             "With text and json, gzip or zstd compress the file: every write is one complete "
             "gzip member or zstd frame (gzip -dc or zstd -dc reads the file whole, and a failed "
             "batch is still cut away at its boundary); the file name gets .gz or .zst after "
             "fileSuffix. With avro_event the codec compresses each Avro block instead and the "
             "file stays one Avro container: gzip or deflate (Avro's deflate), zstd (Avro's "
             "zstandard) or snappy (avro_event only).",
             false,
             std::nullopt,
             std::nullopt,
             {"none", "gzip", "zstd", "deflate", "snappy"}},
           P{"syncIntervalBytes", T::kSize, "2Mi",
             "avro_event: a batch whose records pass this many bytes is written as several Avro "
             "blocks of about this size (Flume's serializer.syncIntervalBytes).",
             false, 1024, 64 << 20},
       },
       FileRollRules},
      {ComponentKind::kSink,
       "http",
       "POSTs each batch to an HTTP or HTTPS endpoint (Flume's HTTP sink): format json sends a "
       "JSON array of {headers, body} objects, the form the http source reads (a body that is not "
       "valid UTF-8 is sent base64-encoded with \"encoding\": \"base64\"); format text sends the "
       "bodies, one per line. The batch is committed only after a 2xx answer. Any other answer "
       "rolls it back and backs off by default; per-status overrides (exact code \"400\" or class "
       "\"4XX\", an exact code winning) can instead drop a batch the endpoint will never accept, "
       "counted in acequia_sink_events_dropped_total. No answer (refused, timed out, TLS failure) "
       "always rolls back, counts a connection failure and backs off.",
       {
           P{"endpoint", T::kString, std::nullopt,
             "URL to POST to: http://host[:port]/path or https://…", true},
           P{"format",
             T::kString,
             "json",
             "json: a JSON array of {headers, body}; text: the bodies, each followed by a newline.",
             false,
             std::nullopt,
             std::nullopt,
             {"json", "text"}},
           P{"contentType", T::kString, "",
             "Content-Type of the requests (empty: application/json for json, text/plain; "
             "charset=utf-8 for text)."},
           P{"headers",
             T::kStringMap,
             "{}",
             "Extra request headers, e.g. {X-Tenant: shop}.",
             false,
             std::nullopt,
             std::nullopt,
             {},
             kHeaderNamePattern,
             kHeaderNameHint},
           P{"batchSize", T::kInt, "100", "Most events taken per transaction and sent per request.",
             false, 1, 1'000'000},
           P{"connectTimeout", T::kDuration, "5s",
             "Longest wait to connect, and for any single read or write of the exchange."},
           P{"requestTimeout", T::kDuration, "5s",
             "Longest time one whole request may take, from connecting to the end of the answer."},
           P{"caFile", T::kString, "",
             "PEM file of the certificate authorities to trust for https (empty: the system's)."},
           P{"insecureSkipVerify", T::kBool, "false",
             "Do not verify the server's certificate (tests only: anyone can pose as the "
             "endpoint)."},
           P{"bearerTokenFile", T::kString, "",
             "File holding a token sent as Authorization: Bearer; re-read when it changes (a "
             "rotated Secret), never logged."},
           P{"defaultBackoff", T::kBool, "true",
             "Back off before retrying after a non-2xx answer, unless backoff overrides it."},
           P{"defaultRollback", T::kBool, "true",
             "Roll a batch back (and retry it) after a non-2xx answer, unless rollback overrides "
             "it; false drops it."},
           P{"defaultIncrementMetrics", T::kBool, "false",
             "Count a dropped batch's events as drained too, unless incrementMetrics overrides "
             "it."},
           P{"backoff",
             T::kBoolMap,
             "{}",
             "Per status code (\"503\") or class (\"5XX\"): whether to back off.",
             false,
             std::nullopt,
             std::nullopt,
             {},
             kStatusKeyPattern,
             kStatusKeyHint},
           P{"rollback",
             T::kBoolMap,
             "{}",
             "Per status code (\"400\") or class (\"4XX\"): whether to roll back (true) or drop "
             "(false) the batch.",
             false,
             std::nullopt,
             std::nullopt,
             {},
             kStatusKeyPattern,
             kStatusKeyHint},
           P{"incrementMetrics",
             T::kBoolMap,
             "{}",
             "Per status code or class: whether a dropped batch counts as drained.",
             false,
             std::nullopt,
             std::nullopt,
             {},
             kStatusKeyPattern,
             kStatusKeyHint},
       },
       HttpSinkRules},
      {ComponentKind::kSink,
       "forward",
       "Sends events to another agent's forward source (agent-to-agent, Flume's avro sink role) "
       "over TCP or TLS and commits its take only once the receiver ACKed the batch as "
       "committed; a timeout or broken connection rolls back and reconnects with backoff. Wire "
       "format: docs/forward-protocol.md.",
       {
           P{"hostname", T::kString, std::nullopt, "Receiver's host name or address.", true},
           P{"port", T::kInt, std::nullopt, "Receiver's port.", true, 1, kMaxPort},
           P{"batchSize", T::kInt, "100", "Most events taken per transaction.", false, 1,
             1'000'000},
           P{"connectTimeout", T::kDuration, "20s",
             "Longest wait to connect (resolve, TCP, TLS handshake, HELLO)."},
           P{"requestTimeout", T::kDuration, "20s",
             "Longest wait for a batch's ACK; then the batch is rolled back and the connection "
             "closed."},
           P{"keepAliveInterval", T::kDuration, "30s",
             "Send a PING on a connection idle this long (0: never)."},
           P{"tls.enabled", T::kBool, "false", "Connect with TLS (1.2 or newer)."},
           P{"tls.caFile", T::kString, "",
             "PEM CA bundle that signs the receiver's certificate (empty: the system's CAs)."},
           P{"tls.certFile", T::kString, "",
             "PEM client certificate, for receivers that require one (mutual TLS)."},
           P{"tls.keyFile", T::kString, "", "PEM private key of tls.certFile."},
           P{"tls.serverName", T::kString, "",
             "Name the receiver's certificate must carry, also sent as SNI (empty: hostname)."},
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
      {ComponentKind::kSinkProcessor,
       "failover",
       "Sends every batch to the live sink with the highest priority. A sink whose delivery fails "
       "is penalised (left out for 2^failures seconds, at most maxpenalty) and the same events go "
       "to the next live sink at once; once its penalty is over it takes over again. The group "
       "runs its sinks on one thread; they may read different channels.",
       {
           P{"priority", T::kIntMap, "{}",
             "Sink name to priority, higher first (a sink not listed has 0; ties go to the sink "
             "listed first in sinks)."},
           P{"maxpenalty", T::kDuration, "30s", "Longest time a failed sink is left out."},
       }},
      {ComponentKind::kSinkProcessor,
       "load_balance",
       "Spreads batches over the group's sinks: each batch goes to the next sink in turn "
       "(round_robin) or to a random one, and to the following one when that sink fails. The group "
       "runs its sinks on one thread; they may read different channels.",
       {
           P{"selector",
             T::kString,
             "round_robin",
             "round_robin or random.",
             false,
             std::nullopt,
             std::nullopt,
             {"round_robin", "random"}},
           P{"backoff", T::kBool, "false",
             "Leave a failed sink out for 2^failures seconds (at most maxTimeOut) instead of "
             "offering it the next batch again."},
           P{"maxTimeOut", T::kDuration, "30s", "Longest time a failed sink is left out."},
       }},
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
