// `callsink session ID`: what callsink stored about one masked session, shown as a timeline
// (records/session_timeline.hpp). It reads the first postgres sink of the configuration when
// there is one (the database holds what every replica stored), otherwise the first file sink's
// files and their rotations; the other sink types keep nothing to read back. Run by hand, never
// by the daemon: it opens no sink for writing and does not need the daemon to be running.
//
// Exit status, as the daemon's: 0 shown; 1 no event of the session, or the store could not be
// read; 2 a configuration with no sink to read from.
#pragma once

#include <ostream>
#include <string>

#include "callsink/app/config_file.hpp"

namespace callsink {

struct SessionQuery {
    std::string session_id;
    bool json = false;  // one JSON object instead of text
};

// Writes the timeline to `out`, and any problem, as one line starting "callsink: ", to `err`.
int run_session_command(Config const& config, SessionQuery const& query, std::ostream& out,
                        std::ostream& err);

}  // namespace callsink
