// The journal: the records a forwarded sink (Kafka, PostgreSQL) has not taken yet, on local disk,
// so that a delivery is answered 200 once it is here and an outage of the sink costs nothing but
// a backlog (docs/architecture.md, "The journal").
//
// A folder of segment files, segment-<first sequence number>.journal, each a run of frames
// (journal_frame.hpp) appended in order; the newest is the one appended to, and a new one starts
// once it holds segment_bytes (between batches, so a segment may overshoot by one batch). Each
// record has a sequence number one above the last. Readers (one per forwarder,
// journal_reader.hpp) read from a position of their own, and tell the journal when they have
// passed one (move_reader); a segment every reader has passed is deleted. What the slowest reader
// has not passed may not exceed max_bytes: an append that would take it past is refused
// (JournalErrc::full) until a reader moves on, so the disk holds at most max_bytes, plus the part
// of one segment already passed, plus one batch.
//
// Opening scans every segment (segment_scan.hpp): the torn tail of the newest (a write a crash cut
// short, never acknowledged) is cut off and logged with the bytes dropped; damage anywhere else,
// or the tail of an older segment, is copied to quarantine/<segment>@<offset>, counted
// (callsink_journal_damaged_records_total), logged, and the segment is rewritten without it, so
// the daemon starts and forwards the rest with nobody deleting files. Damage a reader meets later
// is handled the same way (quarantine()). The records are numbered on past the highest checkpoint
// in the folder (checkpoint.hpp), so a checkpoint never points past a record it has not seen.
//
// Threading. The appending methods (append, sync, publish, due_to_rotate, close) are called by
// one thread at a time: the pipeline's, holding its writer's role (pipeline.hpp, invariant 1).
// Appended records become visible to readers when published: after the write, or with durability
// "fsync" after the sync, so a reader never sends what a crash could still take back. Readers,
// the figures and move_reader() may be used from any thread; add_reader() at start-up only, before
// anything is appended. The journal's mutex is never held while a reader's callback runs, nor
// during I/O.
#pragma once

#include <spdlog/logger.h>

#include <boost/system/error_code.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "callsink/journal/segment_scan.hpp"
#include "callsink/ops/metrics.hpp"
#include "callsink/records/record.hpp"

namespace callsink {

// [journal] in the configuration file (journal_table.hpp).
struct JournalOptions {
    std::filesystem::path path;                            // the folder
    std::uint64_t max_bytes = 10ULL * 1024 * 1024 * 1024;  // not yet forwarded, at most
    std::uint64_t segment_bytes = 64ULL * 1024 * 1024;
    // How long the forwarders may go on at shutdown to send what the journal holds.
    std::chrono::milliseconds drain_timeout{5'000};
};

// A place in the journal: between two records, or at its end.
struct JournalPosition {
    // Bytes from the start of the oldest segment there was when the journal was opened (so a
    // position means nothing across a restart: a checkpoint keeps the sequence number).
    std::uint64_t offset = 0;
    std::uint64_t sequence = 0;  // of the record at `offset`; at the end, the next one's
    friend bool operator==(JournalPosition const&, JournalPosition const&) = default;
};

struct JournalEntry {
    std::uint64_t sequence = 0;
    std::int64_t appended_at_ms = 0;  // system clock
    Record record;
    JournalPosition after;  // the position just past it
};

// The first sequence number a segment file's name gives (segment-<number>.journal); nullopt for
// any other file of the folder.
std::optional<std::uint64_t> journal_segment_number(std::filesystem::path const& path);

class Journal {
  public:
    // Opens the folder, creating it, and scans its segments (see above). Throws
    // std::runtime_error, saying what to do, when the folder cannot be used.
    Journal(JournalOptions options, std::shared_ptr<spdlog::logger> logger, Metrics& metrics);
    ~Journal();
    Journal(Journal const&) = delete;
    Journal& operator=(Journal const&) = delete;

    std::filesystem::path const& folder() const { return options_.path; }
    std::uint64_t max_bytes() const { return options_.max_bytes; }

    // ---- Appending: one thread at a time.

    // Appends the batch after the last record, or nothing: JournalErrc::full when it would take
    // what the slowest reader has not passed beyond max_bytes, an I/O error (the file is cut back
    // to where it was).
    boost::system::error_code append(std::span<Record const> batch);
    // fdatasync of what append() wrote. On failure what was appended since the last publish() is
    // cut back off: it was never acknowledged, and is never read.
    boost::system::error_code sync();
    // Makes what append() wrote visible to readers, and calls their callbacks.
    void publish();
    // The newest segment holds segment_bytes: the next append starts another (and may wait on
    // the folder's sync).
    bool due_to_rotate() const;
    void close();

    // ---- Figures: any thread.

    JournalPosition end() const;  // after the last published record
    std::uint64_t bytes() const;  // in the segment files
    // False from an append refused for room (JournalErrc::full) until the slowest reader moves.
    bool has_room() const;

    // ---- Readers.

    // A reader, at the oldest record; `on_published` is called (from the appending thread) after
    // each publish(). Start-up only. Returns its id, for move_reader().
    std::size_t add_reader(std::function<void()> on_published);
    // The position of the first record numbered `sequence` or higher that the journal holds (a
    // checkpoint's): the oldest record when those before it are gone, the end when it is past.
    JournalPosition find(std::uint64_t sequence) const;
    // The reader has passed everything before `to`: segments every reader has passed are deleted.
    void move_reader(std::size_t reader, JournalPosition to);
    // No more callbacks for the reader: once it returns, none runs or will.
    void stop_telling(std::size_t reader);

    // For JournalReader: the published part of the segment holding `offset` (when `offset` ends
    // a segment that is not the newest, the next one); nullopt at the end.
    struct SegmentRef {
        std::filesystem::path path;
        std::uint64_t base = 0;  // the offset of its first byte
        std::uint64_t size = 0;  // published bytes
    };
    std::optional<SegmentRef> segment_at(std::uint64_t offset) const;
    // Damage a reader found at `span` of `segment`, whose bytes are `bytes`: copied aside, counted
    // and logged, once whichever reader finds it first.
    void quarantine(SegmentRef const& segment, ByteSpan span, std::string_view bytes);

  private:
    struct Segment {
        std::filesystem::path path;
        std::uint64_t first_sequence = 0;  // of its first record, or its name's
        std::uint64_t base = 0;
        std::uint64_t size = 0;  // published bytes
    };
    struct Reader {
        JournalPosition at;
        std::function<void()> on_published;
    };

    void open_segments();
    // Scans one segment at start-up and repairs it; false when it is left empty and removed.
    bool scan_and_repair(std::filesystem::path const& path, bool newest, std::uint64_t base,
                         Segment& segment, std::uint64_t& last_sequence);
    void copy_aside(std::filesystem::path const& segment, ByteSpan span, std::string_view bytes);
    boost::system::error_code rotate();
    boost::system::error_code cut_back();  // to what is published
    std::uint64_t slowest_reader() const;  // with mutex_ held

    JournalOptions options_;
    std::shared_ptr<spdlog::logger> logger_;
    Metrics& metrics_;

    // The appending thread's.
    int fd_ = -1;  // of the newest segment
    std::filesystem::path active_path_;
    std::uint64_t next_sequence_ = 1;
    std::uint64_t active_size_ = 0;  // bytes in the newest segment's file
    std::string frames_;             // reused
    bool closed_ = false;
    bool folder_changed_ = false;  // at start-up: a segment made, rewritten or removed

    mutable std::mutex mutex_;        // guards what follows
    std::deque<Segment> segments_;    // oldest first; never empty
    std::uint64_t appended_end_ = 0;  // written by the appending thread, under the mutex
    JournalPosition published_;
    std::vector<Reader> readers_;
    // Guards the readers' callbacks, held while publish() calls them (then taken before mutex_).
    std::mutex callbacks_mutex_;
    std::set<std::uint64_t> quarantined_;  // the offsets of damage readers found
    bool full_ = false;                    // see has_room()
};

}  // namespace callsink
