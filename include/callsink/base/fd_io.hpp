// Small, allocation-free wrappers over POSIX file descriptors that report failure as an
// error_code instead of errno, for the sinks' hot path.
#pragma once

#include <boost/system/error_code.hpp>
#include <cstdint>
#include <string>
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

// Reads all of `size` bytes at `offset` into `out` (resized to what was read: less only at the
// end of the file), resuming after short reads and EINTR.
boost::system::error_code read_at(int fd, std::uint64_t offset, std::size_t size, std::string& out);

// fsync of a folder: makes the files created, renamed or deleted in it durable.
boost::system::error_code sync_folder(char const* folder);

}  // namespace callsink
