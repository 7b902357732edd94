#include "callsink/app/file_sink_reader.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <stdexcept>
#include <system_error>
#include <utility>

namespace callsink {

namespace fs = std::filesystem;

namespace {

// The N of `<name>.<N>`; nullopt for any other file name.
std::optional<unsigned> rotation_number(std::string const& file_name, std::string const& name) {
    if (file_name.size() <= name.size() + 1 || file_name.compare(0, name.size(), name) != 0 ||
        file_name[name.size()] != '.') {
        return std::nullopt;
    }
    char const* first = file_name.data() + name.size() + 1;
    char const* last = file_name.data() + file_name.size();
    unsigned number = 0;
    auto const [end, ec] = std::from_chars(first, last, number);
    if (ec != std::errc() || end != last || *first == '0') {
        return std::nullopt;
    }
    return number;
}

// The highest N of the `<path>.<N>` that exist now; 0 when there is none.
unsigned highest_rotation(fs::path const& path) {
    fs::path const folder = path.has_parent_path() ? path.parent_path() : fs::path(".");
    std::string const name = path.filename().string();
    unsigned highest = 0;
    std::error_code ec;
    for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec)) {
        highest =
            std::max(highest, rotation_number(it->path().filename().string(), name).value_or(0));
    }
    return highest;
}

[[noreturn]] void fail(fs::path const& file, int error) {
    throw std::runtime_error("cannot read " + file.string() + ": " + std::strerror(error));
}

class Fd {
  public:
    explicit Fd(int fd) : fd_(fd) {}
    ~Fd() {
        if (fd_ >= 0) {
            ::close(fd_);
        }
    }
    Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
    Fd& operator=(Fd&&) = delete;
    Fd(Fd const&) = delete;
    Fd& operator=(Fd const&) = delete;
    int get() const { return fd_; }

  private:
    int fd_;
};

// A file of records is read once, front to back, in large reads.
constexpr std::size_t kChunk = 1 << 20;

// Calls `consider` with each line of `fd`, without its '\n', until it returns false (then returns
// false); a last line without '\n' (a write in progress, or a torn tail) counts too.
template <typename Consider>
bool scan_lines(int fd, fs::path const& file, Consider const& consider) {
    auto chunk = std::make_unique<char[]>(kChunk);
    std::string partial;  // the start of a line the previous chunk ended in
    for (;;) {
        ssize_t const got = ::read(fd, chunk.get(), kChunk);
        if (got < 0) {
            if (errno == EINTR) {
                continue;
            }
            fail(file, errno);
        }
        if (got == 0) {
            break;
        }
        std::string_view rest(chunk.get(), static_cast<std::size_t>(got));
        for (std::size_t newline = rest.find('\n'); newline != std::string_view::npos;
             newline = rest.find('\n')) {
            bool go_on = true;
            if (partial.empty()) {
                go_on = consider(rest.substr(0, newline));
            } else {
                partial.append(rest.substr(0, newline));
                go_on = consider(std::string_view(partial));
                partial.clear();
            }
            if (!go_on) {
                return false;
            }
            rest.remove_prefix(newline + 1);
        }
        partial.append(rest);
    }
    return partial.empty() || consider(std::string_view(partial));
}

// Opens `path` and its rotations newest first, each once (a file read under its name before a
// rotation renamed it is passed over), and hands each to `visit` with its name.
template <typename Visit>
void each_file(fs::path const& path, Visit const& visit) {
    std::set<std::pair<dev_t, ino_t>> read_already;
    unsigned const highest = highest_rotation(path);
    for (unsigned n = 0;; ++n) {
        fs::path const file = n == 0 ? path : fs::path(path.string() + "." + std::to_string(n));
        int const fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            if (errno != ENOENT) {
                fail(file, errno);
            }
            if (n >= highest) {
                break;  // past the oldest, even if a rotation moved it up a number meanwhile
            }
            continue;  // a gap, or the current file not created yet
        }
        Fd open_file(fd);
        struct stat st {};
        if (::fstat(fd, &st) != 0) {
            fail(file, errno);
        }
        if (!read_already.emplace(st.st_dev, st.st_ino).second) {
            continue;  // read under its name before a rotation
        }
        visit(std::move(open_file), file);
    }
}

}  // namespace

MatchingLines file_sink_lines_containing(fs::path const& path, std::string_view text) {
    MatchingLines result;
    std::boyer_moore_horspool_searcher const searcher(text.begin(), text.end());
    each_file(path, [&](Fd open_file, fs::path const& file) {
        scan_lines(open_file.get(), file, [&](std::string_view line) {
            if (std::search(line.begin(), line.end(), searcher) != line.end()) {
                result.lines.emplace_back(line);
            }
            return true;
        });
        result.files.push_back(file);
    });
    return result;
}

std::vector<fs::path> each_file_sink_line(fs::path const& path, FileSinkLineVisitor const& visit) {
    // Every file is opened before any is read: a rotation during the read renames them, and the
    // oldest, read first, would otherwise hide the ones a rotation moved past it.
    std::vector<std::pair<Fd, fs::path>> files;
    each_file(path, [&](Fd open_file, fs::path const& file) {
        files.emplace_back(std::move(open_file), file);
    });
    std::vector<fs::path> read;
    for (auto it = files.rbegin(); it != files.rend(); ++it) {
        read.push_back(it->second);
        if (!scan_lines(it->first.get(), it->second,
                        [&](std::string_view line) { return visit(line, it->second); })) {
            break;
        }
    }
    return read;
}

}  // namespace callsink
