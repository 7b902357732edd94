// Where `callsink replay` reads the records it sends again, one function per source, each handing
// the records that fall in a time range to a callback, oldest first:
//
//   - the journal's folder (journal/journal_folder_reader.hpp), read as it is, beside the daemon;
//   - a file sink's current and rotated files (file_sink_reader.hpp), each line read back into
//     its Record (records/stored_event.hpp);
//   - the rejects file, whose raw bodies go through today's parser with their original `received`
//     data (ingest/ingest.hpp), handing on those that now parse and grouping the rest by reason;
//   - the dead-letter file (sinks/dead_letter_file.hpp): the records one sink refused, each line's
//     stored record read back as from a file sink's.
//
// Each reports what it read and passed over, for the summary. None writes anything. Run by hand,
// not on the hot path: a source that cannot be read throws std::runtime_error, naming it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include "callsink/events/msisdn_privacy.hpp"
#include "callsink/records/record.hpp"

namespace callsink {

// The records received from `from` (included) until `to` (excluded), in milliseconds since the
// Unix epoch; either end may be open.
struct TimeRange {
    std::optional<std::int64_t> from_ms;
    std::optional<std::int64_t> to_ms;

    bool bounded() const { return from_ms || to_ms; }
    bool contains(std::int64_t at_ms) const {
        return (!from_ms || at_ms >= *from_ms) && (!to_ms || at_ms < *to_ms);
    }
};

// Takes a record; false stops the read (the sender gave up).
using RecordHandler = std::function<bool(Record&& record)>;

struct SourceRead {
    std::string description;       // what was read, e.g. "journal /var/lib/callsink/journal"
    std::uint64_t handed = 0;      // records given to the handler
    std::uint64_t outside = 0;     // passed over: received outside the time range
    std::uint64_t unreadable = 0;  // lines or damaged records that hold no record to send
};

SourceRead journal_records(std::filesystem::path const& folder, TimeRange const& range,
                           RecordHandler const& handle);

SourceRead file_sink_records(std::filesystem::path const& path, TimeRange const& range,
                             RecordHandler const& handle);

// Why rejected bodies still fail: "code at field" (or the code alone, for the body as a whole),
// with how many and one message as an example.
struct StillRejected {
    std::uint64_t count = 0;
    std::string example;  // the parser's message for the first of them
};

struct RejectsRead : SourceRead {
    std::map<std::string, StillRejected> still_rejected;  // by reason
};

// `handle` gets the event records of the bodies that now parse, with their numbers protected per
// `privacy`, as the daemon stores them.
RejectsRead rejected_records(std::filesystem::path const& path, MsisdnPrivacy const& privacy,
                             TimeRange const& range, RecordHandler const& handle);

struct DeadLettersRead : SourceRead {
    std::uint64_t other_sinks = 0;  // dead letters of the other sinks, left alone
};

// The records sinks[sink] refused, from the dead-letter file at `path` and its rotations.
DeadLettersRead dead_letter_records(std::filesystem::path const& path, std::size_t sink,
                                    TimeRange const& range, RecordHandler const& handle);

}  // namespace callsink
