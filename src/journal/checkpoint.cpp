#include "callsink/journal/checkpoint.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <charconv>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "callsink/base/crc32c.hpp"
#include "callsink/base/fd_io.hpp"
#include "callsink/base/siphash.hpp"

namespace callsink {

namespace {

namespace fs = std::filesystem;

constexpr std::string_view kPrefix = "forwarded-";
constexpr std::string_view kSuffix = ".checkpoint";
constexpr std::string_view kFirstLine = "callsink journal checkpoint 1\n";
// Any fixed key: the hash only tells sinks' files apart.
constexpr SipKey kNameKey{0x6a6f75726e616c31, 0x636865636b706f69};

std::string hex(std::uint64_t value) {
    char text[17];
    std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(value));
    return text;
}

}  // namespace

fs::path checkpoint_file(fs::path const& folder, std::string_view sink_name) {
    return folder /
           (std::string(kPrefix) + hex(siphash24(kNameKey, sink_name)) + std::string(kSuffix));
}

std::optional<std::uint64_t> read_checkpoint(fs::path const& file) {
    std::ifstream in(file);
    std::stringstream text;
    text << in.rdbuf();
    std::string const content = text.str();
    if (!content.starts_with(kFirstLine)) {
        return std::nullopt;
    }
    // "next <n> crc <8 hex digits>", the CRC of "<n>".
    std::size_t const at = content.find("\nnext ");
    if (at == std::string::npos) {
        return std::nullopt;
    }
    std::string_view rest = std::string_view(content).substr(at + 6);
    std::uint64_t next = 0;
    auto const [number_end, number_error] =
        std::from_chars(rest.data(), rest.data() + rest.size(), next);
    if (number_error != std::errc{}) {
        return std::nullopt;
    }
    std::string_view const number(rest.data(), static_cast<std::size_t>(number_end - rest.data()));
    rest.remove_prefix(number.size());
    if (!rest.starts_with(" crc ")) {
        return std::nullopt;
    }
    rest.remove_prefix(5);
    std::uint32_t crc = 0;
    auto const [crc_end, crc_error] =
        std::from_chars(rest.data(), rest.data() + rest.size(), crc, 16);
    if (crc_error != std::errc{} || crc != crc32c(number)) {
        return std::nullopt;
    }
    return next;
}

boost::system::error_code write_checkpoint(fs::path const& file, std::string_view sink_name,
                                           std::uint64_t next_sequence) {
    std::string const number = std::to_string(next_sequence);
    char crc[9];
    std::snprintf(crc, sizeof crc, "%08x", crc32c(number));
    std::string text(kFirstLine);
    // The name is for a person reading the folder; newlines would only confuse them.
    std::string name(sink_name);
    for (char& c : name) {
        c = c == '\n' ? ' ' : c;
    }
    text.append("sink ").append(name).append("\nnext ").append(number).append(" crc ");
    text.append(crc).append("\n");
    fs::path temporary = file;
    temporary += ".new";
    int const fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
    if (fd < 0) {
        return last_error();
    }
    boost::system::error_code ec = write_all(fd, text);
    if (!ec && ::fdatasync(fd) != 0) {
        ec = last_error();
    }
    ::close(fd);
    if (!ec && ::rename(temporary.c_str(), file.c_str()) != 0) {
        ec = last_error();
    }
    if (ec) {
        ::unlink(temporary.c_str());
        return ec;
    }
    return sync_folder(file.parent_path().c_str());
}

std::uint64_t highest_checkpoint(fs::path const& folder) {
    std::uint64_t highest = 0;
    std::error_code ec;
    for (fs::directory_entry const& entry : fs::directory_iterator(folder, ec)) {
        std::string const name = entry.path().filename().string();
        if (name.starts_with(kPrefix) && name.ends_with(kSuffix)) {
            highest = std::max(highest, read_checkpoint(entry.path()).value_or(0));
        }
    }
    return highest;
}

}  // namespace callsink
