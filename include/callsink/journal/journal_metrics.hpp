// The journal's gauges on /metrics (ops/metrics.hpp), read at each render: its size and limit,
// and for each forwarded sink what it has not taken yet (records, bytes, the age of the oldest)
// and whether it is retrying. The counters (forwarded, errors, damaged records) are declared with
// every other in kCounterFamilies. Start-up only; the journal and the forwarders must outlive the
// renders (the daemon stops its server first).
#pragma once

#include <memory>
#include <span>

#include "callsink/journal/forwarder.hpp"
#include "callsink/journal/journal.hpp"
#include "callsink/ops/metrics.hpp"

namespace callsink {

void add_journal_gauges(Metrics& metrics, Journal const& journal,
                        std::span<std::unique_ptr<Forwarder> const> forwarders);

}  // namespace callsink
