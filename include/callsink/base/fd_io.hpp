// Small, allocation-free wrappers over POSIX file descriptors that report failure as an
// error_code instead of errno, for the sinks' hot path.
#pragma once

#include <boost/system/error_code.hpp>
#include <string_view>

namespace callsink {

// Writes all of `bytes`, resuming after short writes and EINTR. On failure, `written` says how
// much of it did reach the descriptor, so the caller can undo a partial write.
boost::system::error_code write_all(int fd, std::string_view bytes, std::size_t& written);

inline boost::system::error_code write_all(int fd, std::string_view bytes) {
    std::size_t written = 0;
    return write_all(fd, bytes, written);
}

// The last errno as an error_code in the system category.
boost::system::error_code last_error();

}  // namespace callsink
