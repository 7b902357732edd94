#include "callsink/journal/journal_metrics.hpp"

namespace callsink {

void add_journal_gauges(Metrics& metrics, Journal const& journal,
                        std::span<std::unique_ptr<Forwarder> const> forwarders) {
    metrics.add_gauge("callsink_journal_bytes", "Bytes in the journal's segment files.",
                      [&journal] { return static_cast<double>(journal.bytes()); });
    metrics.add_gauge("callsink_journal_max_bytes",
                      "journal.max_bytes: past it, with a forwarded sink that far behind, "
                      "deliveries get 503.",
                      [&journal] { return static_cast<double>(journal.max_bytes()); });
    for (auto const& each : forwarders) {
        Forwarder const* forwarder = each.get();
        auto const labels = [forwarder] {
            return std::vector<std::pair<std::string, std::string>>{{"sink", forwarder->name()}};
        };
        metrics.add_gauge(
            "callsink_journal_unforwarded_records",
            "Records in the journal a forwarded sink has not taken yet, by forwarded sink.",
            labels(),
            [forwarder] { return static_cast<double>(forwarder->status().unforwarded_records); });
        metrics.add_gauge(
            "callsink_journal_unforwarded_bytes",
            "Bytes of the journal a forwarded sink has not taken yet (what journal.max_bytes "
            "bounds), by forwarded sink.",
            labels(),
            [forwarder] { return static_cast<double>(forwarder->status().unforwarded_bytes); });
        metrics.add_gauge("callsink_journal_oldest_unforwarded_age_seconds",
                          "Age of the oldest record a forwarded sink has not taken yet; 0 when "
                          "it has them all, by forwarded sink.",
                          labels(), [forwarder] { return forwarder->status().oldest_age_seconds; });
        metrics.add_gauge(
            "callsink_journal_forwarder_retrying",
            "1 while a forwarded sink's last send failed and the next waits for its backoff, "
            "by forwarded sink.",
            labels(), [forwarder] { return forwarder->status().retrying ? 1.0 : 0.0; });
    }
}

}  // namespace callsink
