// A postgres sink's table ([[sinks]] type = "postgres"): the environment variable that holds the
// libpq connection string (it carries a password, so it is never in the file), the schema, and
// how long a delivery may wait for the database. The connection string is checked by libpq when
// the file is read, without connecting, and never shown: messages name the variable instead.
//
// Start-up only.
#pragma once

#include <array>
#include <chrono>
#include <string>
#include <string_view>

#include "callsink/config/config_table.hpp"
#include "callsink/sinks/sink_registry.hpp"

namespace callsink {

struct PostgresSinkOptions {
    std::string conninfo;      // a libpq connection string or URI: secret
    std::string conninfo_env;  // the variable it came from, for messages
    std::string schema = "callsink";
    std::chrono::milliseconds delivery_timeout{5000};
    std::string conninfo_key = "conninfo_env";  // for messages: sinks[0].conninfo_env
};

// "host:port/dbname" from the connection string, without its user or password: how log lines and
// metrics name the database.
std::string describe_conninfo(std::string const& conninfo);

// The options of a postgres sink's settings; nullptr for another sink type's.
PostgresSinkOptions const* postgres_sink_options(SinkSettings const& settings);

// type = "postgres": required by default, since a 200 then means the row is committed.
SinkType postgres_sink_type();

}  // namespace callsink
