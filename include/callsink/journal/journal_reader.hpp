// One forwarder's way through the journal (journal.hpp): reads the published records after its
// position, a batch at a time, from the segment files, and moves the position past them. Damage
// it meets (bit rot after the journal was opened) is copied aside by the journal and skipped, as
// at start-up; a record this build cannot decode is too. Whoever owns the reader tells the
// journal when it has passed a position (Journal::move_reader), which may be later than the
// reader's: a forwarder does once its sink took the batch.
//
// Used by one thread (its forwarder's); the journal it reads may be appended to meanwhile.
#pragma once

#include <boost/system/error_code.hpp>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "callsink/journal/journal.hpp"

namespace callsink {

class JournalReader {
  public:
    JournalReader(std::shared_ptr<Journal> journal, JournalPosition from);
    ~JournalReader();
    JournalReader(JournalReader const&) = delete;
    JournalReader& operator=(JournalReader const&) = delete;

    // Appends to `out` the records after position(), in order: at most `max_records`, and no more
    // once `max_bytes` of frames are read (one at least); none when the reader is at the end.
    // Moves position() past them. A segment that cannot be read is an error, and the position
    // stays.
    boost::system::error_code read(std::size_t max_records, std::size_t max_bytes,
                                   std::vector<JournalEntry>& out);

    JournalPosition position() const { return position_; }

  private:
    boost::system::error_code open(Journal::SegmentRef const& segment);
    // Skips damage at position_ in `segment`: copied aside, and the position moved past `size`
    // bytes (a whole frame that does not decode), else to the next whole frame or the segment's
    // end.
    boost::system::error_code skip_damage(Journal::SegmentRef const& segment,
                                          std::optional<std::size_t> size);

    std::shared_ptr<Journal> journal_;
    JournalPosition position_;
    int fd_ = -1;
    std::filesystem::path open_path_;
    std::string buffer_;
};

}  // namespace callsink
