#include "callsink/sinks/file/file_sink.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <limits>
#include <system_error>

#include "callsink/base/fd_io.hpp"

namespace callsink {

namespace fs = std::filesystem;

namespace {

fs::path numbered(fs::path const& path, unsigned n) {
    return fs::path(path.string() + "." + std::to_string(n));
}

constexpr std::uint64_t kScanChunk = 64 * 1024;

boost::system::error_code to_boost(std::error_code const& ec) {
    return {ec.value(), boost::system::system_category()};
}

// Rotating a file smaller than a few records would rotate on every batch.
constexpr std::int64_t kMinRotationBytes = 4096;

constexpr std::string_view kPathWords = "a file path; relative to the config file's folder";
constexpr ConfigKey kPath = ConfigKey("path", KeyType::string)
                                .as_required()
                                .with_allowed(kPathWords)
                                .with_description("the file the records are appended to");
constexpr ConfigKey kMaxBytes =
    ConfigKey("max_bytes", KeyType::integer)
        .with_default("0")
        .with_range(IntRange::at_least(0))
        .with_allowed("`0` (never rotate), or 4096 or more")
        .with_description("rotate when the next batch would take the file past this size");
constexpr ConfigKey kMaxFiles = ConfigKey("max_files", KeyType::integer)
                                    .with_default("10")
                                    .with_range({1, 1000})
                                    .with_description("rotated files kept; older ones are deleted");
constexpr std::array<ConfigKey, 3> kFileSinkKeys{kPath, kMaxBytes, kMaxFiles};

// The rejects file's default is where the systemd unit's StateDirectory is.
constexpr ConfigKey kRejectsPath =
    ConfigKey("path", KeyType::string)
        .with_default("\"/var/lib/callsink/rejects.jsonl\"")
        .with_allowed(kPathWords)
        .with_description("the file that deliveries which are not valid events go to");
constexpr std::array<ConfigKey, 3> kRejectsFileKeys{kRejectsPath, kMaxBytes, kMaxFiles};
// The declared default without its TOML quotes (it needs no escapes).
constexpr std::string_view kDefaultRejectsPath =
    kRejectsPath.default_value.substr(1, kRejectsPath.default_value.size() - 2);

class FileSinkSettings final : public SinkSettings {
  public:
    FileSinkSettings(FileSinkOptions options, std::string path_key)
        : options_(std::move(options)), path_key_(std::move(path_key)) {}

    std::vector<SinkClaim> claims() const override {
        // Two writers on one file would interleave and rotate each other's data away.
        return {SinkClaim{options_.path.string(), path_key_, in_quotes(options_.path.string()),
                          "a file"}};
    }

    std::unique_ptr<Sink> open(SinkContext const& context) const override {
        std::string const path = options_.path.string();
        auto sink = std::make_unique<FileSink>(options_);
        if (auto ec = sink->open()) {
            throw ConfigError(path_key_, "cannot open " + sink->name() + ": " + ec.message() +
                                             "; check that the folder exists and is writable");
        }
        if (auto const torn = sink->torn_bytes_set_aside()) {
            context.logger->warn(
                "{} ended in a partial line ({} bytes, never acknowledged); moved it to {}.torn",
                path, torn, path);
        }
        return sink;
    }

    FileSinkOptions const& options() const { return options_; }

  private:
    FileSinkOptions options_;
    std::string path_key_;
};

std::unique_ptr<SinkSettings> read_file_sink(ConfigTable const& table) {
    return file_sink_settings(read_file_sink_options(table), table.key_of(kPath.name));
}

// Reads max_bytes and max_files into `options`.
void read_rotation(ConfigTable const& table, FileSinkOptions& options) {
    if (auto max_bytes = table.integer(kMaxBytes)) {
        if (*max_bytes != 0 && *max_bytes < kMinRotationBytes) {
            table.fail(kMaxBytes.name, std::to_string(*max_bytes) +
                                           " is too small; expected 0 (no rotation) or at least " +
                                           std::to_string(kMinRotationBytes));
        }
        options.max_bytes = static_cast<std::uint64_t>(*max_bytes);
    }
    if (auto max_files = table.integer(kMaxFiles)) {
        options.max_files = static_cast<unsigned>(*max_files);
    }
}

}  // namespace

std::span<ConfigKey const> file_sink_keys() {
    return kFileSinkKeys;
}

std::span<ConfigKey const> rejects_file_keys() {
    return kRejectsFileKeys;
}

FileSinkOptions read_file_sink_options(ConfigTable const& table) {
    FileSinkOptions options;
    auto path = table.file_path(kPath);
    if (!path) {
        table.fail(kPath.name, "required for a file sink");
    }
    options.path = *path;
    read_rotation(table, options);
    return options;
}

FileSinkOptions read_rejects_file_options(ConfigTable const* table) {
    FileSinkOptions options{fs::path(kDefaultRejectsPath)};
    if (table == nullptr) {
        return options;
    }
    table->check_keys(kRejectsFileKeys);
    if (auto path = table->file_path(kRejectsPath)) {
        options.path = *path;
    }
    read_rotation(*table, options);
    return options;
}

std::unique_ptr<SinkSettings> file_sink_settings(FileSinkOptions options, std::string path_key) {
    return std::make_unique<FileSinkSettings>(std::move(options), std::move(path_key));
}

FileSinkOptions const* file_sink_options(SinkSettings const& settings) {
    auto const* file = dynamic_cast<FileSinkSettings const*>(&settings);
    return file == nullptr ? nullptr : &file->options();
}

SinkType file_sink_type() {
    return SinkType{"file", kFileSinkKeys, true, &read_file_sink};
}

FileSink::FileSink(FileSinkOptions options)
    : options_(std::move(options)), name_("file " + options_.path.string()) {}

FileSink::~FileSink() {
    close();
}

boost::system::error_code FileSink::open() {
    if (fd_ >= 0) {
        return {};
    }
    std::error_code dir_ec;
    if (options_.path.has_parent_path()) {
        fs::create_directories(options_.path.parent_path(), dir_ec);
        if (dir_ec) {
            return to_boost(dir_ec);
        }
    }
    int const fd = ::open(options_.path.c_str(), O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    if (fd < 0) {
        return last_error();
    }
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        auto ec = last_error();
        ::close(fd);
        return ec;
    }
    fd_ = fd;
    size_ = static_cast<std::uint64_t>(st.st_size);
    regular_ = S_ISREG(st.st_mode);
    if (auto ec = set_aside_torn_tail()) {
        close();
        return ec;
    }
    return {};
}

boost::system::error_code FileSink::set_aside_torn_tail() {
    torn_bytes_ = 0;
    // Read backwards to the last newline; everything after it is a torn line.
    std::uint64_t end = size_;
    std::string chunk;
    while (end > 0) {
        std::uint64_t const start = end > kScanChunk ? end - kScanChunk : 0;
        chunk.resize(end - start);
        if (::pread(fd_, chunk.data(), chunk.size(), static_cast<off_t>(start)) !=
            static_cast<ssize_t>(chunk.size())) {
            return last_error();
        }
        auto const newline = chunk.rfind('\n');
        if (newline != std::string::npos) {
            end = start + newline + 1;
            break;
        }
        end = start;
    }
    if (end == size_) {
        return {};
    }
    std::string tail(size_ - end, '\0');
    if (::pread(fd_, tail.data(), tail.size(), static_cast<off_t>(end)) !=
        static_cast<ssize_t>(tail.size())) {
        return last_error();
    }
    tail += '\n';
    fs::path const torn_path(options_.path.string() + ".torn");
    int const torn = ::open(torn_path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    if (torn < 0) {
        return last_error();
    }
    auto ec = write_all(torn, tail);
    if (!ec && ::fdatasync(torn) != 0) {
        ec = last_error();
    }
    ::close(torn);
    if (ec) {
        return ec;
    }
    if (::ftruncate(fd_, static_cast<off_t>(end)) != 0) {
        return last_error();
    }
    torn_bytes_ = size_ - end;
    size_ = end;
    return {};
}

void FileSink::close() {
    if (fd_ >= 0) {
        ::close(fd_);
        fd_ = -1;
    }
}

bool FileSink::try_recover() {
    // An open file's failures (ENOSPC, EIO) show only on a write; a closed one can be tested.
    return fd_ < 0 && !open();
}

boost::system::error_code FileSink::reopen() {
    close();
    return open();
}

boost::system::error_code FileSink::sync() {
    if (fd_ < 0) {
        return {};
    }
    return ::fdatasync(fd_) == 0 ? boost::system::error_code{} : last_error();
}

bool FileSink::writes_without_waiting(std::size_t bytes) const {
    // A FIFO, a pipe or a terminal waits for its reader.
    return fd_ >= 0 && regular_ && !due_to_rotate(bytes);
}

bool FileSink::due_to_rotate(std::size_t bytes) const {
    return options_.max_bytes > 0 && size_ > 0 && size_ + bytes > options_.max_bytes;
}

boost::system::error_code FileSink::write(std::span<Record const> batch) {
    if (auto ec = open()) {
        return ec;
    }
    buffer_.clear();
    for (Record const& record : batch) {
        buffer_ += record.line;
    }
    // Rotation is decided once per batch, before anything is written: a batch lands whole in
    // one file or not at all, so a batch that fails (answered 503, retried by 8x8) never leaves
    // part of itself behind. The price: a batch may take a file past max_bytes.
    if (due_to_rotate(buffer_.size())) {
        if (auto ec = rotate()) {
            return ec;
        }
    }
    return append(buffer_);
}

boost::system::error_code FileSink::append(std::string_view bytes) {
    if (bytes.empty()) {
        return {};
    }
    std::size_t written = 0;
    if (auto ec = write_all(fd_, bytes, written)) {
        // Cut a partial write back off, so the file still ends on a whole record and the retry
        // that follows a 503 does not land behind half a line.
        if (written > 0 && ::ftruncate(fd_, static_cast<off_t>(size_)) != 0) {
            close();  // the next write reopens and appends after whatever is there
        }
        return ec;
    }
    size_ += bytes.size();
    return {};
}

boost::system::error_code FileSink::rotate() {
    // Records in the file being rotated were acknowledged under the durability the pipeline
    // chose; make them durable before the name changes under them.
    if (auto ec = sync()) {
        return ec;
    }
    close();
    std::error_code ec;
    fs::remove(numbered(options_.path, options_.max_files), ec);
    // Shift .N-1 -> .N … .1 -> .2, then the file -> .1. A gap (a missing .k) is fine; any other
    // failure stops here, before the next rename could overwrite a kept file.
    for (unsigned n = options_.max_files; n > 1; --n) {
        fs::rename(numbered(options_.path, n - 1), numbered(options_.path, n), ec);
        if (ec && ec != std::errc::no_such_file_or_directory) {
            open();
            return to_boost(ec);
        }
    }
    fs::rename(options_.path, numbered(options_.path, 1), ec);
    if (ec) {
        open();
        return to_boost(ec);
    }
    return open();
}

}  // namespace callsink
