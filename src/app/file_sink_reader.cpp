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
    ~Fd() { ::close(fd_); }
    Fd(Fd const&) = delete;
    Fd& operator=(Fd const&) = delete;
    int get() const { return fd_; }

  private:
    int fd_;
};

// A file of records is read once, front to back, in large reads.
constexpr std::size_t kChunk = 1 << 20;

// Calls `keep` with each line of `fd` containing the text; a last line without '\n' (a write in
// progress, or a torn tail) counts too.
template <typename Keep>
void scan_lines(
    int fd, fs::path const& file,
    std::boyer_moore_horspool_searcher<std::string_view::const_iterator> const& searcher,
    Keep const& keep) {
    auto chunk = std::make_unique<char[]>(kChunk);
    std::string partial;  // the start of a line the previous chunk ended in
    auto consider = [&](std::string_view line) {
        if (std::search(line.begin(), line.end(), searcher) != line.end()) {
            keep(line);
        }
    };
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
            if (partial.empty()) {
                consider(rest.substr(0, newline));
            } else {
                partial.append(rest.substr(0, newline));
                consider(partial);
                partial.clear();
            }
            rest.remove_prefix(newline + 1);
        }
        partial.append(rest);
    }
    if (!partial.empty()) {
        consider(partial);
    }
}

}  // namespace

MatchingLines file_sink_lines_containing(fs::path const& path, std::string_view text) {
    MatchingLines result;
    std::boyer_moore_horspool_searcher const searcher(text.begin(), text.end());
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
        Fd const open_file(fd);
        struct stat st {};
        if (::fstat(fd, &st) != 0) {
            fail(file, errno);
        }
        if (!read_already.emplace(st.st_dev, st.st_ino).second) {
            continue;  // read under its name before a rotation
        }
        scan_lines(fd, file, searcher,
                   [&](std::string_view line) { result.lines.emplace_back(line); });
        result.files.push_back(file);
    }
    return result;
}

}  // namespace callsink
