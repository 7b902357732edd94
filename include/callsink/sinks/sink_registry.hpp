// Builds the configured sinks ([[sinks]] and [rejects]) and opens their files, at start-up: a
// file that cannot be opened is an exception naming the config key, the path and the reason.
// Adding a sink type touches its own files and one branch here, never the server.
#pragma once

#include <spdlog/logger.h>

#include <memory>
#include <vector>

#include "callsink/app/config_file.hpp"
#include "callsink/pipeline/pipeline.hpp"

namespace callsink {

std::vector<SinkSlot> make_event_sinks(std::vector<SinkOptions> const& options,
                                       std::shared_ptr<spdlog::logger> const& logger);

SinkSlot make_rejects_sink(RejectsOptions const& options, spdlog::logger& logger);

}  // namespace callsink
