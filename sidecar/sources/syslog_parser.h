// Turns one syslog message into a Flume event, as Flume's syslog sources do (pure: no I/O, no
// clock; the caller passes the current time, which only RFC 3164's year-less dates need).
//
// Accepted forms (after the PRI "<0>".."<191>"):
//   RFC 5424  VERSION SP TIMESTAMP SP HOSTNAME SP APP-NAME SP PROCID SP MSGID SP SD [SP MSG]
//             TIMESTAMP is RFC 3339 ("2003-10-11T22:14:15.003Z", "…+02:00") or "-"; any field may
//             be the NILVALUE "-"; SD is "-" or one or more [id param="value" …] elements.
//   RFC 3164  TIMESTAMP SP [HOSTNAME SP] MSG with TIMESTAMP "Mmm dd hh:mm:ss" (day space-padded
//             or not), optionally with the year "Mmm dd yyyy hh:mm:ss", or RFC 3339 as rsyslog's
//             forward format sends it. A year-less date takes the year that puts it between eleven
//             months before and one month after `now`. Dates without a zone are the agent's local
//             time (Options::rfc3164_utc: UTC). The token after the date is the hostname unless it
//             ends with ':' or holds '[' (then it is the tag: no hostname was sent).
//
// Headers (Flume's names first): Facility, Severity (PRI / 8, PRI % 8), priority (the PRI
// digits), version (5424), timestamp (milliseconds since the epoch, absent for "-"), host,
// appName, procId, msgId, structuredData (5424 fields that are not "-"; for RFC 3164 appName and
// procId come from a "tag[pid]:" prefix of MSG, which stays in the body as in Flume).
// Body: MSG for 5424, everything after the hostname for 3164 (Flume's body), unless keepFields
// puts header fields back (see SyslogKeepFields). A message that matches neither form keeps its
// raw text as body and gets flume.syslog.status = Invalid (plus Facility/Severity/priority when
// at least the PRI was readable); nothing is ever dropped.
// Threading: a SyslogParser caches the last RFC 3164 date it converted; use one per thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"
#include "sidecar/core/event.h"

namespace acequia::sidecar {

// Flume's header telling a message that could not be parsed (Invalid) or that was longer than
// eventSize and arrives in parts (Incomplete).
inline constexpr std::string_view kSyslogStatusHeader = "flume.syslog.status";
inline constexpr std::string_view kSyslogInvalid = "Invalid";
inline constexpr std::string_view kSyslogIncomplete = "Incomplete";

// Which header fields stay in the body (Flume's keepFields): "none" (the body is the message),
// "all" (the body is the whole raw message), or a list of priority, version, timestamp, hostname
// separated by spaces or commas, put back in front of the message in their original text.
// "true" and "false" are Flume's deprecated spellings of all and none.
struct SyslogKeepFields {
  bool all = false;
  bool priority = false;
  bool version = false;
  bool timestamp = false;
  bool hostname = false;

  static Result<SyslogKeepFields> Parse(std::string_view text);
};

class SyslogParser {
 public:
  struct Options {
    SyslogKeepFields keep;
    bool rfc3164_utc = false;  // dates without a zone are UTC rather than local time
  };

  explicit SyslogParser(Options options) : options_(options) {}

  // Fills `event` (which should be empty) from `message`, one frame without its framing.
  // Returns false when the message matched no syslog form (the event is then marked Invalid).
  bool Parse(std::string_view message, int64_t now_ms, Event& event);

  // Milliseconds since the epoch of an RFC 3339 timestamp; false when it is not one.
  bool ParseRfc3339(std::string_view text, int64_t* ms);

 private:
  // Local (or UTC) civil time to milliseconds since the epoch.
  int64_t CivilToMillis(int64_t year, int month, int day, int hour, int minute, int second,
                        bool utc) const;
  bool ParseRfc3164Date(std::string_view text, int64_t now_ms, int64_t* ms);

  Options options_;
  std::string cached_date_;  // the last RFC 3164 date text converted, and its result
  int64_t cached_ms_ = 0;
  int64_t cached_at_ms_ = 0;
};

}  // namespace acequia::sidecar
