// Runs callsink: builds the sinks, the journal and its forwarders, the pipeline, the request
// handler and the server from a loaded Config, runs the io threads, and handles the signals.
// SIGTERM and SIGINT stop accepting, let in-flight requests finish (closing what is left after a
// deadline), then flush, sync and close every sink, give the forwarders journal.drain_timeout_ms
// to send what the journal holds, and return 0. SIGHUP reopens the files (logrotate). Start-up
// failures throw.
#pragma once

#include <spdlog/logger.h>

#include <memory>

#include "callsink/app/config_file.hpp"

namespace callsink {

int run_daemon(Config const& config, std::shared_ptr<spdlog::logger> const& logger);

}  // namespace callsink
