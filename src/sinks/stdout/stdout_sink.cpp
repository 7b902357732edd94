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

SinkType stdout_sink_type() {
    return SinkType{
        "stdout", {}, false, [](ConfigTable const&) {
            return settings_without_options([](SinkContext const&) -> std::unique_ptr<Sink> {
                return std::make_unique<StdoutSink>();
            });
        }};
}

}  // namespace callsink
