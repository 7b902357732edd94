#include "callsink/app/session_command.hpp"

#include <exception>
#include <functional>
#include <nlohmann/json.hpp>
#include <vector>

#include "callsink/app/file_sink_reader.hpp"
#if CALLSINK_WITH_POSTGRES
#include "callsink/app/postgres_reader.hpp"
#endif
#include "callsink/base/log_text.hpp"
#include "callsink/records/session_timeline.hpp"
#include "callsink/records/session_timeline_format.hpp"
#include "callsink/sinks/file/file_sink.hpp"

namespace callsink {
namespace {

constexpr int kExitNotFound = 1;
constexpr int kExitConfig = 2;

// The session's records, and what was read, for the message when there are none.
struct StoredRecords {
    std::vector<std::string> texts;
    std::string where;
};

using ReadSession = std::function<StoredRecords(std::string const& session_id)>;

// Reads from the first postgres sink; empty when the configuration has none (or the build has no
// postgres sink: -DCALLSINK_POSTGRES=OFF).
ReadSession postgres_reader(Config const& config) {
#if CALLSINK_WITH_POSTGRES
    for (SinkConfig const& sink : config.sinks) {
        if (PostgresSinkOptions const* options = postgres_sink_options(*sink.settings)) {
            return [options](std::string const& session_id) {
                return StoredRecords{postgres_session_records(*options, session_id),
                                     "PostgreSQL " + describe_conninfo(options->conninfo) +
                                         " (schema " + options->schema + ")"};
            };
        }
    }
#else
    (void)config;
#endif
    return {};
}

// The id as a JSON string, quotes included, is how a record of the session spells it: the cheap
// test that rules out every other line before one is parsed, and keeps a short id ("1") from
// matching, and holding in memory, every line that merely contains it. (8x8's ids are UUIDs,
// which every encoder writes the same way.)
StoredRecords read_files(FileSinkOptions const& options, std::string const& session_id) {
    std::string const quoted =
        nlohmann::json(session_id).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    MatchingLines found = file_sink_lines_containing(options.path, quoted);
    StoredRecords records{std::move(found.lines), ""};
    if (found.files.empty()) {
        records.where = options.path.string() + " (no such file yet)";
    }
    for (auto it = found.files.rbegin(); it != found.files.rend(); ++it) {
        records.where += (records.where.empty() ? "" : ", ") + it->string();
    }
    return records;
}

}  // namespace

int run_session_command(Config const& config, SessionQuery const& query, std::ostream& out,
                        std::ostream& err) {
    ReadSession const postgres = postgres_reader(config);
    FileSinkOptions const* file = nullptr;
    for (SinkConfig const& sink : config.sinks) {
        if (!file) {
            file = file_sink_options(*sink.settings);
        }
    }
    if (!postgres && !file) {
        err << "callsink: no file or postgres sink in the configuration: the other sink types "
               "keep nothing to read a session back from\n";
        return kExitConfig;
    }
    StoredRecords records;
    try {
        records = postgres ? postgres(query.session_id) : read_files(*file, query.session_id);
    } catch (std::exception const& e) {
        err << "callsink: " << e.what() << "\n";
        return kExitNotFound;
    }
    SessionTimeline const timeline = build_session_timeline(query.session_id, records.texts);
    if (timeline.empty()) {
        err << "callsink: no events for session " << log_value(query.session_id) << " in "
            << records.where << "\n";
        return kExitNotFound;
    }
    out << (query.json ? session_timeline_json(timeline) : session_timeline_text(timeline));
    out.flush();
    return 0;
}

}  // namespace callsink
