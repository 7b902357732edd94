#include "callsink/base/fd_io.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

namespace callsink {

boost::system::error_code last_error() {
    return {errno, boost::system::system_category()};
}

boost::system::error_code write_all(int fd, std::string_view bytes, std::size_t& written) {
    written = 0;
    while (written < bytes.size()) {
        ssize_t const n = ::write(fd, bytes.data() + written, bytes.size() - written);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return last_error();
        }
        written += static_cast<std::size_t>(n);
    }
    return {};
}

boost::system::error_code read_at(int fd, std::uint64_t offset, std::size_t size,
                                  std::string& out) {
    out.resize(size);
    std::size_t got = 0;
    while (got < size) {
        ssize_t const n =
            ::pread(fd, out.data() + got, size - got, static_cast<off_t>(offset + got));
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            out.resize(got);
            return last_error();
        }
        if (n == 0) {
            break;
        }
        got += static_cast<std::size_t>(n);
    }
    out.resize(got);
    return {};
}

boost::system::error_code sync_folder(char const* folder) {
    int const fd = ::open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        return last_error();
    }
    boost::system::error_code ec;
    if (::fsync(fd) != 0) {
        ec = last_error();
    }
    ::close(fd);
    return ec;
}

}  // namespace callsink
