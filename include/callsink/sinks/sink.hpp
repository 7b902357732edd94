// The destination of stored records, and the record itself as the pipeline hands it on.
//
// A sink only knows how to put bytes somewhere: a file, standard output, a log. Ordering,
// batching, durability and retries belong to the pipeline (pipeline.hpp), which calls a sink from
// its single writer thread only, so a sink needs no locking of its own (the split spdlog's
// base_sink makes between the lock and sink_it_()).
#pragma once

#include <boost/system/error_code.hpp>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "callsink/pipeline/dedupe_window.hpp"

namespace callsink {

enum class RecordKind { event, rejection };

// What the log sink prints about an event: enough to grep, never a phone number.
struct EventSummary {
    std::string event_type;
    std::string session_id;
    std::string call_id;    // empty for SESSION_SUMMARY
    std::string status;     // callStatus or sessionStatus
    std::string direction;  // callDirection; empty when absent
};

struct Record {
    RecordKind kind = RecordKind::event;
    std::string line;  // one JSON Lines record, ending in '\n'
    EventSummary summary;
    DedupeKey dedupe_key;  // same key, same event: stored once (zero: never deduplicated)
};

class Sink {
  public:
    virtual ~Sink() = default;

    // Names the sink in log lines and errors, e.g. "file /var/lib/callsink/events.jsonl".
    virtual std::string const& name() const = 0;

    // Writes every record of the batch, in order, or fails. On failure nothing of the batch may
    // remain half-written where a reader would see it, so a retry cannot duplicate or tear a line.
    virtual boost::system::error_code write(std::span<Record const> batch) = 0;

    // Makes what write() wrote durable (fdatasync); a no-op where that means nothing.
    virtual boost::system::error_code sync() = 0;

    // Reopens the destination by name (after logrotate moved it away).
    virtual boost::system::error_code reopen() = 0;

    virtual void close() = 0;

    // Tries, without a record to write, to undo a failure that needs none to test, such as a
    // file that could not be opened. True only when the sink is known to work again; a sink
    // that cannot tell (a full disk shows only on a write) returns false.
    virtual bool try_recover() { return false; }

    // Records this sink discarded because it could not keep up (best-effort sinks only).
    virtual std::uint64_t dropped() const { return 0; }
};

}  // namespace callsink
