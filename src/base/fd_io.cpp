#include "callsink/base/fd_io.hpp"

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

}  // namespace callsink
