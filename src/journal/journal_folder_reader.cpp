#include "callsink/journal/journal_folder_reader.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <stdexcept>
#include <utility>
#include <vector>

#include "callsink/base/fd_io.hpp"
#include "callsink/journal/journal_frame.hpp"
#include "callsink/journal/record_codec.hpp"
#include "callsink/journal/segment_scan.hpp"

namespace callsink {

namespace fs = std::filesystem;

namespace {

[[noreturn]] void fail(fs::path const& path, std::string const& why) {
    throw std::runtime_error("cannot read the journal's " + path.string() + ": " + why +
                             "; check journal.path and that this user may read the folder");
}

std::vector<std::pair<std::uint64_t, fs::path>> list_segments(fs::path const& folder) {
    std::vector<std::pair<std::uint64_t, fs::path>> found;
    std::error_code ec;
    for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec)) {
        if (auto const number = journal_segment_number(it->path())) {
            found.emplace_back(*number, it->path());
        }
    }
    if (ec) {
        fail(folder, ec.message());
    }
    std::sort(found.begin(), found.end());
    return found;
}

// The whole segment; false when it is gone (the daemon deleted it after the listing).
bool read_segment(fs::path const& path, std::string& bytes) {
    int const fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT) {
            return false;
        }
        fail(path, last_error().message());
    }
    struct stat st {};
    boost::system::error_code ec;
    if (::fstat(fd, &st) != 0) {
        ec = last_error();
    } else {
        ec = read_at(fd, 0, static_cast<std::size_t>(st.st_size), bytes);
    }
    ::close(fd);
    if (ec) {
        fail(path, ec.message());
    }
    return true;
}

}  // namespace

JournalFolderRead read_journal_folder(fs::path const& folder,
                                      std::function<bool(JournalEntry&& entry)> const& on_record) {
    JournalFolderRead read;
    std::uint64_t next_sequence = 0;  // handed over: every record numbered below it
    std::string bytes;
    for (auto const& [number, path] : list_segments(folder)) {
        if (!read_segment(path, bytes)) {
            ++read.segments_gone;
            continue;
        }
        ++read.segments;
        std::string_view const view = bytes;
        SegmentScan const scan = scan_segment(view);
        read.unfinished_bytes += view.size() - scan.whole_end;
        auto damage = scan.damaged.begin();
        for (std::size_t at = 0; at < scan.whole_end;) {
            if (damage != scan.damaged.end() && damage->begin == at) {
                ++read.damaged;
                read.damaged_bytes += damage->size();
                at = damage++->end;
                continue;
            }
            FrameView const frame = read_frame(view.substr(at));  // whole: the scan found it
            at += frame.size;
            std::optional<Record> record = decode_record(frame.payload);
            if (!record) {
                ++read.damaged;
                read.damaged_bytes += frame.size;
                continue;
            }
            if (frame.sequence < next_sequence) {
                continue;  // handed over already, from the segment before a rewrite
            }
            next_sequence = frame.sequence + 1;
            ++read.records;
            if (!on_record(JournalEntry{frame.sequence, frame.appended_at_ms, std::move(*record),
                                        JournalPosition{}})) {
                return read;
            }
        }
    }
    return read;
}

}  // namespace callsink
