#include "callsink/journal/journal.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <stdexcept>

#include "callsink/base/fd_io.hpp"
#include "callsink/journal/checkpoint.hpp"
#include "callsink/journal/journal_errors.hpp"
#include "callsink/journal/journal_frame.hpp"

namespace callsink {

namespace {

namespace fs = std::filesystem;

constexpr std::string_view kSegmentPrefix = "segment-";
constexpr std::string_view kSegmentSuffix = ".journal";
constexpr std::string_view kQuarantine = "quarantine";

std::string segment_name(std::uint64_t first_sequence) {
    char name[64];
    std::snprintf(name, sizeof name, "segment-%020" PRIu64 ".journal", first_sequence);
    return name;
}

std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

[[noreturn]] void fail(std::string const& what, fs::path const& path, std::string const& why) {
    throw std::runtime_error("journal: cannot " + what + " " + path.string() + ": " + why +
                             "; check journal.path and the folder's owner and permissions");
}

std::string read_whole(fs::path const& path) {
    int const fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        fail("read", path, last_error().message());
    }
    std::string bytes;
    auto const size = static_cast<std::size_t>(fs::file_size(path));
    auto const ec = read_at(fd, 0, size, bytes);
    ::close(fd);
    if (ec) {
        fail("read", path, ec.message());
    }
    return bytes;
}

// Writes `bytes` as `path`, whole or not at all: a temporary file, synced, renamed over it.
void replace_whole(fs::path const& path, std::string_view bytes) {
    fs::path temporary = path;
    temporary += ".repair";
    int const fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
    if (fd < 0) {
        fail("write", temporary, last_error().message());
    }
    auto ec = write_all(fd, bytes);
    if (!ec && ::fdatasync(fd) != 0) {
        ec = last_error();
    }
    ::close(fd);
    if (!ec && ::rename(temporary.c_str(), path.c_str()) != 0) {
        ec = last_error();
    }
    if (ec) {
        fail("rewrite", path, ec.message());
    }
}

}  // namespace

std::optional<std::uint64_t> journal_segment_number(fs::path const& path) {
    std::string const name = path.filename().string();
    if (!name.starts_with(kSegmentPrefix) || !name.ends_with(kSegmentSuffix)) {
        return std::nullopt;
    }
    std::string const digits = name.substr(
        kSegmentPrefix.size(), name.size() - kSegmentPrefix.size() - kSegmentSuffix.size());
    if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos) {
        return std::nullopt;
    }
    return std::stoull(digits);
}

Journal::Journal(JournalOptions options, std::shared_ptr<spdlog::logger> logger, Metrics& metrics)
    : options_(std::move(options)), logger_(std::move(logger)), metrics_(metrics) {
    std::error_code ec;
    fs::create_directories(options_.path / kQuarantine, ec);
    if (ec) {
        fail("create", options_.path, ec.message());
    }
    open_segments();
    fd_ = ::open(active_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (fd_ < 0) {
        fail("open", active_path_, last_error().message());
    }
    // A segment made, repaired or removed: its name must survive a power cut as records do.
    if (folder_changed_) {
        if (auto const synced = sync_folder(options_.path.c_str())) {
            fail("sync", options_.path, synced.message());
        }
    }
}

Journal::~Journal() {
    close();
}

void Journal::open_segments() {
    std::vector<std::pair<std::uint64_t, fs::path>> found;
    std::error_code ec;
    for (fs::directory_entry const& entry : fs::directory_iterator(options_.path, ec)) {
        if (entry.path().extension() == ".repair") {
            fs::remove(entry.path(), ec);  // a repair a crash interrupted: the original stands
        } else if (auto const number = journal_segment_number(entry.path())) {
            found.emplace_back(*number, entry.path());
        }
    }
    if (ec) {
        fail("list", options_.path, ec.message());
    }
    std::sort(found.begin(), found.end());
    std::uint64_t base = 0;
    std::uint64_t last_sequence = 0;
    for (std::size_t i = 0; i < found.size(); ++i) {
        Segment segment;
        segment.first_sequence = found[i].first;
        if (scan_and_repair(found[i].second, i + 1 == found.size(), base, segment, last_sequence)) {
            base += segment.size;
            segments_.push_back(std::move(segment));
        }
    }
    // Past every record, every segment's name and every checkpoint (see the header).
    next_sequence_ = std::max({last_sequence + 1, highest_checkpoint(options_.path),
                               found.empty() ? 1 : found.back().first});
    if (segments_.empty()) {
        segments_.push_back(
            Segment{options_.path / segment_name(next_sequence_), next_sequence_, base, 0});
        folder_changed_ = true;
    }
    active_path_ = segments_.back().path;
    active_size_ = segments_.back().size;
    appended_end_ = base;
    published_ = JournalPosition{base, next_sequence_};
    logger_->info("journal {}: {} segment(s), {} bytes; the next record is number {}",
                  options_.path.string(), segments_.size(), base, next_sequence_);
}

bool Journal::scan_and_repair(fs::path const& path, bool newest, std::uint64_t base,
                              Segment& segment, std::uint64_t& last_sequence) {
    segment.path = path;
    segment.base = base;
    std::string const bytes = read_whole(path);
    SegmentScan const scan = scan_segment(bytes);
    std::vector<ByteSpan> aside = scan.damaged;
    ByteSpan const tail{scan.whole_end, bytes.size()};
    if (tail.size() > 0 && newest) {
        if (::truncate(path.c_str(), static_cast<off_t>(tail.begin)) != 0) {
            fail("cut the torn tail off", path, last_error().message());
        }
        logger_->warn(
            "journal {}: torn tail cut off, {} bytes dropped after the last whole record (a "
            "write that a crash interrupted, never acknowledged){}",
            path.string(), tail.size(),
            scan.tail_incomplete ? "" : "; they did not read as the start of a record");
    } else if (tail.size() > 0) {
        aside.push_back(tail);
    }
    std::uint64_t damaged_bytes = 0;
    for (ByteSpan const& span : aside) {
        copy_aside(path, span, bytes);
        damaged_bytes += span.size();
    }
    if (!aside.empty()) {
        metrics_.add(Counter::journal_damaged, 0, aside.size());
        logger_->error(
            "journal {}: {} damaged span(s), {} bytes, copied to {} and skipped; the records "
            "around them are kept and forwarded",
            path.string(), aside.size(), damaged_bytes, (options_.path / kQuarantine).string());
        std::string whole;
        whole.reserve(bytes.size() - damaged_bytes);
        std::size_t at = 0;
        for (ByteSpan const& span : aside) {
            whole.append(bytes, at, span.begin - at);
            at = span.end;
        }
        whole.append(bytes, at, scan.whole_end > at ? scan.whole_end - at : 0);
        replace_whole(path, whole);
        folder_changed_ = true;
        segment.size = whole.size();
    } else {
        segment.size = scan.whole_end;
    }
    if (scan.frames == 0 && !newest) {
        std::error_code ec;
        fs::remove(path, ec);
        folder_changed_ = true;
        return false;
    }
    if (scan.frames > 0) {
        segment.first_sequence = scan.first_sequence;
        last_sequence = std::max(last_sequence, scan.last_sequence);
    }
    return true;
}

void Journal::copy_aside(fs::path const& segment, ByteSpan span, std::string_view bytes) {
    fs::path const file = options_.path / kQuarantine /
                          (segment.filename().string() + "@" + std::to_string(span.begin));
    int const fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
    boost::system::error_code ec = fd < 0 ? last_error() : boost::system::error_code{};
    if (!ec) {
        // Not synced: a copy for a person to look at, which nothing reads back.
        ec = write_all(fd, bytes.substr(span.begin, span.size()));
        ::close(fd);
    }
    if (ec) {
        logger_->error("journal: cannot copy damaged bytes to {}: {}; they are skipped anyway",
                       file.string(), ec.message());
    }
}

boost::system::error_code Journal::append(std::span<Record const> batch) {
    if (closed_) {
        return JournalErrc::closed;
    }
    if (batch.empty()) {
        return {};
    }
    if (due_to_rotate()) {
        if (auto ec = rotate()) {
            return ec;
        }
    }
    frames_.clear();
    std::int64_t const at = now_ms();
    std::uint64_t sequence = next_sequence_;
    for (Record const& record : batch) {
        append_frame(sequence++, at, record, frames_);
    }
    {
        std::lock_guard lock(mutex_);
        if (appended_end_ + frames_.size() - slowest_reader() > options_.max_bytes) {
            full_ = true;
            return JournalErrc::full;
        }
    }
    std::size_t written = 0;
    if (auto ec = write_all(fd_, frames_, written)) {
        if (written > 0 && ::ftruncate(fd_, static_cast<off_t>(active_size_)) != 0) {
            logger_->error("journal {}: a failed append could not be cut back: {}",
                           active_path_.string(), last_error().message());
        }
        return ec;
    }
    active_size_ += frames_.size();
    next_sequence_ = sequence;
    std::lock_guard lock(mutex_);
    appended_end_ += frames_.size();
    return {};
}

boost::system::error_code Journal::sync() {
    if (fd_ < 0) {
        return {};
    }
    if (::fdatasync(fd_) != 0) {
        auto const ec = last_error();
        if (auto const cut = cut_back()) {
            logger_->error("journal {}: records whose sync failed could not be cut back: {}",
                           active_path_.string(), cut.message());
        }
        return ec;
    }
    return {};
}

boost::system::error_code Journal::cut_back() {
    std::lock_guard lock(mutex_);
    Segment const& newest = segments_.back();
    std::uint64_t const size = published_.offset - newest.base;
    appended_end_ = published_.offset;
    next_sequence_ = published_.sequence;
    active_size_ = size;
    return ::ftruncate(fd_, static_cast<off_t>(size)) == 0 ? boost::system::error_code{}
                                                           : last_error();
}

void Journal::publish() {
    {
        std::lock_guard lock(mutex_);
        if (published_.offset == appended_end_) {
            return;
        }
        published_ = JournalPosition{appended_end_, next_sequence_};
        segments_.back().size = appended_end_ - segments_.back().base;
    }
    std::lock_guard lock(callbacks_mutex_);
    for (Reader const& reader : readers_) {  // the vector is fixed since start-up
        if (reader.on_published) {
            reader.on_published();
        }
    }
}

void Journal::stop_telling(std::size_t reader) {
    std::lock_guard lock(callbacks_mutex_);
    readers_[reader].on_published = {};
}

bool Journal::due_to_rotate() const {
    return active_size_ >= options_.segment_bytes;
}

boost::system::error_code Journal::rotate() {
    fs::path const path = options_.path / segment_name(next_sequence_);
    int const fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0640);
    if (fd < 0) {
        return last_error();
    }
    // The new file's name must survive a power cut as its records do.
    if (auto ec = sync_folder(options_.path.c_str())) {
        ::close(fd);
        ::unlink(path.c_str());
        return ec;
    }
    ::close(fd_);
    fd_ = fd;
    active_path_ = path;
    active_size_ = 0;
    std::lock_guard lock(mutex_);
    segments_.push_back(Segment{path, next_sequence_, appended_end_, 0});
    return {};
}

void Journal::close() {
    if (fd_ >= 0) {
        ::close(fd_);
        fd_ = -1;
    }
    closed_ = true;
}

JournalPosition Journal::end() const {
    std::lock_guard lock(mutex_);
    return published_;
}

std::uint64_t Journal::bytes() const {
    std::lock_guard lock(mutex_);
    return appended_end_ - segments_.front().base;
}

bool Journal::has_room() const {
    std::lock_guard lock(mutex_);
    return !full_;
}

std::uint64_t Journal::slowest_reader() const {
    std::uint64_t slowest = appended_end_;
    for (Reader const& reader : readers_) {
        slowest = std::min(slowest, reader.at.offset);
    }
    return slowest;
}

std::size_t Journal::add_reader(std::function<void()> on_published) {
    std::lock_guard lock(mutex_);
    Segment const& oldest = segments_.front();
    JournalPosition const start = oldest.size == 0 && segments_.size() == 1
                                      ? published_
                                      : JournalPosition{oldest.base, oldest.first_sequence};
    readers_.push_back(Reader{start, std::move(on_published)});
    return readers_.size() - 1;
}

JournalPosition Journal::find(std::uint64_t sequence) const {
    std::vector<Segment> segments;
    JournalPosition end;
    {
        std::lock_guard lock(mutex_);
        segments.assign(segments_.begin(), segments_.end());
        end = published_;
    }
    if (sequence >= end.sequence) {
        return end;
    }
    // The last segment whose first record is at or before it, or the oldest.
    auto it = std::upper_bound(
        segments.begin(), segments.end(), sequence,
        [](std::uint64_t wanted, Segment const& s) { return wanted < s.first_sequence; });
    if (it != segments.begin()) {
        --it;
    }
    for (; it != segments.end(); ++it) {
        std::string const bytes = read_whole(it->path);
        std::string_view const published = std::string_view(bytes).substr(0, it->size);
        std::size_t at = 0;
        while (at < published.size()) {
            FrameView const frame = read_frame(published.substr(at));
            if (frame.check != FrameCheck::whole) {
                break;  // damage: the reader meets it, and quarantines it
            }
            if (frame.sequence >= sequence) {
                return JournalPosition{it->base + at, frame.sequence};
            }
            at += frame.size;
        }
    }
    return end;
}

void Journal::move_reader(std::size_t reader, JournalPosition to) {
    std::vector<fs::path> passed;
    {
        std::lock_guard lock(mutex_);
        std::uint64_t const before = slowest_reader();
        readers_[reader].at = to;
        std::uint64_t const slowest = slowest_reader();
        if (slowest > before) {
            full_ = false;  // room made: the next append may fit
        }
        while (segments_.size() > 1 && segments_.front().base + segments_.front().size <= slowest) {
            passed.push_back(segments_.front().path);
            segments_.pop_front();
        }
    }
    for (fs::path const& path : passed) {
        if (::unlink(path.c_str()) != 0) {
            logger_->error("journal: cannot delete {}, which every forwarder has passed: {}",
                           path.string(), last_error().message());
        }
    }
}

std::optional<Journal::SegmentRef> Journal::segment_at(std::uint64_t offset) const {
    std::lock_guard lock(mutex_);
    if (offset >= published_.offset) {
        return std::nullopt;
    }
    for (Segment const& segment : segments_) {
        if (offset >= segment.base && offset < segment.base + segment.size) {
            return SegmentRef{segment.path, segment.base, segment.size};
        }
    }
    return std::nullopt;
}

void Journal::quarantine(SegmentRef const& segment, ByteSpan span, std::string_view bytes) {
    {
        std::lock_guard lock(mutex_);
        if (!quarantined_.insert(segment.base + span.begin).second) {
            return;
        }
    }
    copy_aside(segment.path, span, bytes);
    metrics_.add(Counter::journal_damaged);
    logger_->error("journal {}: {} damaged bytes at {} copied to {} and skipped",
                   segment.path.string(), span.size(), span.begin,
                   (options_.path / kQuarantine).string());
}

}  // namespace callsink
