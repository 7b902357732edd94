#include "callsink/sinks/stdout/stdout_sink.hpp"

#include "callsink/base/fd_io.hpp"

namespace callsink {

StdoutSink::StdoutSink(int fd) : fd_(fd) {}

boost::system::error_code StdoutSink::write(std::span<Record const> batch) {
    buffer_.clear();
    for (Record const& record : batch) {
        buffer_ += record.line;
    }
    return write_all(fd_, buffer_);
}

}  // namespace callsink
