#include "callsink/journal/journal_reader.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>

#include "callsink/base/fd_io.hpp"
#include "callsink/journal/journal_frame.hpp"
#include "callsink/journal/record_codec.hpp"

namespace callsink {

namespace {

// What one read(2) asks for at least: a batch of small records in one call.
constexpr std::size_t kMinChunk = 64 * 1024;

}  // namespace

JournalReader::JournalReader(std::shared_ptr<Journal> journal, JournalPosition from)
    : journal_(std::move(journal)), position_(from) {}

JournalReader::~JournalReader() {
    if (fd_ >= 0) {
        ::close(fd_);
    }
}

boost::system::error_code JournalReader::open(Journal::SegmentRef const& segment) {
    if (fd_ >= 0 && open_path_ == segment.path) {
        return {};
    }
    if (fd_ >= 0) {
        ::close(fd_);
    }
    fd_ = ::open(segment.path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) {
        open_path_.clear();
        return last_error();
    }
    open_path_ = segment.path;
    return {};
}

boost::system::error_code JournalReader::read(std::size_t max_records, std::size_t max_bytes,
                                              std::vector<JournalEntry>& out) {
    std::size_t taken_records = 0;
    std::size_t taken_bytes = 0;
    while (taken_records < max_records && taken_bytes < max_bytes) {
        std::optional<Journal::SegmentRef> const segment = journal_->segment_at(position_.offset);
        if (!segment) {
            position_.sequence = std::max(position_.sequence, journal_->end().sequence);
            break;
        }
        if (auto ec = open(*segment)) {
            return ec;
        }
        std::uint64_t const local = position_.offset - segment->base;
        auto const available = static_cast<std::size_t>(segment->size - local);
        std::size_t const want = std::min(available, std::max(max_bytes - taken_bytes, kMinChunk));
        if (auto ec = read_at(fd_, local, want, buffer_)) {
            return ec;
        }
        FrameView const first = read_frame(buffer_);
        if (first.check == FrameCheck::incomplete && first.size > buffer_.size() &&
            first.size <= available) {
            // A record larger than the chunk: read it whole, next time round.
            if (auto ec = read_at(fd_, local, first.size, buffer_)) {
                return ec;
            }
        }
        // The whole frames at the start of the chunk; what follows them is read again next time
        // round, so damage is always met at the start of a chunk, and skipped there.
        std::string_view chunk = buffer_;
        while (taken_records < max_records && taken_bytes < max_bytes) {
            FrameView const frame = read_frame(chunk);
            std::optional<Record> record;
            if (frame.check == FrameCheck::whole) {
                record = decode_record(frame.payload);
            }
            if (!record) {
                if (chunk.data() == buffer_.data()) {
                    // Damage, or a record this build cannot decode, which no sink could take.
                    std::optional<std::size_t> const size =
                        frame.check == FrameCheck::whole ? std::optional(frame.size) : std::nullopt;
                    if (auto ec = skip_damage(*segment, size)) {
                        return ec;
                    }
                }
                break;
            }
            position_.offset += frame.size;
            position_.sequence = frame.sequence + 1;
            out.push_back(
                JournalEntry{frame.sequence, frame.appended_at_ms, std::move(*record), position_});
            chunk.remove_prefix(frame.size);
            ++taken_records;
            taken_bytes += frame.size;
        }
    }
    return {};
}

boost::system::error_code JournalReader::skip_damage(Journal::SegmentRef const& segment,
                                                     std::optional<std::size_t> size) {
    auto const local = static_cast<std::size_t>(position_.offset - segment.base);
    if (auto ec = read_at(fd_, 0, static_cast<std::size_t>(segment.size), buffer_)) {
        return ec;
    }
    std::size_t const next = size ? local + *size : find_whole_frame(buffer_, local);
    journal_->quarantine(segment, ByteSpan{local, next}, buffer_);
    position_.offset = segment.base + next;
    return {};
}

}  // namespace callsink
