// `callsink replay`: sends stored records to a sink again, read from where callsink keeps them,
// for a new PostgreSQL database to backfill, a Kafka topic that lost data, or deliveries rejected
// before an upgrade that now parse (docs/operations.md, "Replaying records"):
//
//   --sink N          the journal's records (or, without a [journal], the first file sink's files
//                     other than sinks[N] itself) to sinks[N]
//   --rejects         the rejects file's bodies that today's parser accepts, to every event sink
//   --dead-letter     the records sinks[N] refused for good, from the dead-letter file, to
//   --sink N          sinks[N] again (once the cause is fixed); the file is not rewritten
//
// each optionally limited to the records received from --from until --to. Each target sink is
// opened as the daemon opens it (SinkSettings::open) and fed by a ReplaySender (replay_sender.hpp):
// batches, the forwarders' backoff for a bounded time, progress on standard error. Sending again
// is idempotent where the sink is: PostgreSQL's primary key (records it holds are counted as
// already stored and not sent), Kafka's redeliveryKey header (its consumers drop copies). A file,
// stdout or log sink keeps every copy.
//
// It reads the journal and the files without changing them, so it runs beside the daemon.
// Exit status: 0 every record sent (or already stored); 1 a sink could not be opened or kept
// refusing records past --retry-for, or a source could not be read; 2 bad flags or configuration.
#pragma once

#include <spdlog/logger.h>

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <ostream>
#include <string>

#include "callsink/app/config_file.hpp"

namespace callsink {

struct ReplayRequest {
    enum class Form { stored, rejects, dead_letter };
    Form form = Form::stored;
    std::optional<std::size_t> sink;  // --sink N
    std::string from;                 // --from, RFC 3339; empty: from the oldest
    std::string to;                   // --to, RFC 3339; empty: to the newest
    std::chrono::seconds retry_for{60};
};

// Progress, the summary and any problem go to `out` (standard error: standard output may be a
// stdout sink's), the sinks' own log lines through `logger`.
int run_replay_command(Config const& config, ReplayRequest const& request,
                       std::shared_ptr<spdlog::logger> const& logger, std::ostream& out);

}  // namespace callsink
