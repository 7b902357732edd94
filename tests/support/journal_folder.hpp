// A journal for a test, in a folder of the test's own: 1 MiB segments and a 1 GiB limit unless the
// test passes smaller ones to see segments turn over or the journal fill.
#pragma once

#include <spdlog/logger.h>

#include <cstdint>
#include <filesystem>
#include <memory>

#include "callsink/journal/journal.hpp"
#include "callsink/ops/metrics.hpp"

namespace callsink::testing {

inline std::shared_ptr<Journal> open_journal(std::filesystem::path const& folder,
                                             std::shared_ptr<spdlog::logger> const& logger,
                                             Metrics& metrics,
                                             std::uint64_t segment_bytes = 1 << 20,
                                             std::uint64_t max_bytes = 1 << 30) {
    JournalOptions options;
    options.path = folder;
    options.segment_bytes = segment_bytes;
    options.max_bytes = max_bytes;
    return std::make_shared<Journal>(options, logger, metrics);
}

}  // namespace callsink::testing
