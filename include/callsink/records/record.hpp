// What the pipeline stores and the sinks write: one Record per delivery, an event or a rejection,
// holding its JSON Lines record (docs/records.md) and what the pipeline and the sinks need
// besides the line: the event's summary (its type, ids and log fields) and its redelivery key.
// Built by the encoders (event_record.hpp, one_pass_encoder.hpp); plain data after that.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "callsink/events/event_identity.hpp"
#include "callsink/records/redelivery_key.hpp"

namespace callsink {

// How a delivery reached callsink; callsink's own metadata, never 8x8's.
struct Received {
    std::string at;          // RFC 3339 UTC with milliseconds, e.g. "2026-11-22T18:00:00.123Z"
    std::string path;        // request path without the query, e.g. "/status"
    std::string remote;      // client address
    std::string request_id;  // unique per delivery, also sent back as X-Request-Id
};

enum class RecordKind { event, rejection };

// What the log sink prints about an event, and what a sink that indexes events needs: the type,
// its ids and its type's summary fields (events/event_identity.hpp), never a phone number. The ids
// and the field values share one buffer: a summary costs one allocation, not one per value.
class EventSummary {
  public:
    static constexpr std::size_t kMaxFields = kMaxSummaryFields;

    std::string_view event_type;  // a registered type's name (static storage); "" for a rejection
    std::size_t type_index = 0;   // its place in event_types(), which is its metrics slot

    // "" where the type has none.
    std::string_view event_id() const { return std::string_view(text_).substr(0, event_id_end_); }
    std::string_view session_id() const {
        return std::string_view(text_).substr(event_id_end_, ids_end_ - event_id_end_);
    }
    void set_ids(std::string_view event_id, std::string_view session_id);

    // `label` must outlive the summary (the type's identity is static). Beyond kMaxFields, ignored.
    void add(std::string_view label, std::string_view value);

    std::size_t size() const { return count_; }
    std::string_view label(std::size_t i) const { return labels_[i]; }
    std::string_view value(std::size_t i) const {
        return std::string_view(text_).substr(ids_end_ + starts_[i], starts_[i + 1] - starts_[i]);
    }

    friend bool operator==(EventSummary const& a, EventSummary const& b);

  private:
    std::string text_;  // the event id, the session id, then each field's value, back to back
    std::uint32_t event_id_end_ = 0;
    std::uint32_t ids_end_ = 0;
    std::array<std::string_view, kMaxFields> labels_{};
    std::array<std::uint32_t, kMaxFields + 1> starts_{};  // from ids_end_
    std::size_t count_ = 0;
};

struct Record {
    RecordKind kind = RecordKind::event;
    std::string line;  // one JSON Lines record, ending in '\n'
    EventSummary summary;
    RedeliveryKey redelivery_key;  // same key, same event: stored once (zero: never deduplicated)
    std::string request_id;        // received.requestId, for sinks that pass it on (Kafka headers)

    // The line without its '\n': the record's JSON, as a message or a column holds it.
    std::string_view json() const {
        std::string_view text(line);
        if (!text.empty() && text.back() == '\n') {
            text.remove_suffix(1);
        }
        return text;
    }
};

}  // namespace callsink
