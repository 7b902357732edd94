// Reads the records a journal folder holds (journal.hpp) without changing anything in it, for
// `callsink replay`, which runs beside a daemon that appends to the journal, forwards from it and
// deletes the segments its forwarders have passed. Nothing is repaired, quarantined, numbered or
// checkpointed: that is the daemon's, and two writers would fight over it.
//
// It reads past what the daemon reads past: damage (a frame whose checksums fail, a record that
// does not decode) is skipped, and the next whole frame is found as the daemon's scan finds it
// (segment_scan.hpp); the bytes after the last whole frame of a segment (a write under way, or a
// torn tail the daemon cuts off at its next start) are not read. The segments are those listed
// when the read begins, oldest first, each read as it is when its turn comes: one the daemon
// deletes meanwhile is passed over (counted), and records appended after the read began may or
// may not be read. A record is handed over once, in sequence order, even if a segment is
// rewritten under it.
//
// Not for the hot path: it reads one segment whole at a time, and failures throw.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>

#include "callsink/journal/journal.hpp"

namespace callsink {

struct JournalFolderRead {
    std::size_t segments = 0;            // read
    std::size_t segments_gone = 0;       // deleted by the daemon between the listing and their turn
    std::uint64_t records = 0;           // handed over
    std::uint64_t damaged = 0;           // spans of damage and records that do not decode, skipped
    std::uint64_t damaged_bytes = 0;     // in them
    std::uint64_t unfinished_bytes = 0;  // after the last whole frame of each segment
};

// Calls `on_record` with each record of `folder`, in journal order (`after` is left zero: a
// position means nothing outside the daemon's journal); stops early when it returns false.
// Throws std::runtime_error, naming the folder or the segment, when the folder cannot be listed
// or a segment that exists cannot be read.
JournalFolderRead read_journal_folder(std::filesystem::path const& folder,
                                      std::function<bool(JournalEntry&& entry)> const& on_record);

}  // namespace callsink
