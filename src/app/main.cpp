// callsink's command line: parses the flags, loads the configuration, builds the logger and hands
// over to run_daemon. Exit status: 0 done, 2 bad flags or configuration, 1 failed at start-up
// with a valid configuration (the port is taken, a sink file cannot be opened).
#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdio>
#include <exception>
#include <string>

#include "callsink/app/config_file.hpp"
#include "callsink/app/daemon.hpp"
#include "callsink/ops/daemon_log.hpp"

namespace {

constexpr int kExitStartup = 1;
constexpr int kExitUsage = 2;

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{
        "callsink receives 8x8 Number Masking voice webhooks (call status, session summary, "
        "virtual number and recording updates) "
        "and stores each delivery as one JSON line.",
        "callsink"};
    std::string config_path;
    std::string listen;
    bool check = false;
    app.add_option("-c,--config", config_path, "TOML configuration file")
        ->required()
        ->option_text("FILE");
    app.add_option("-l,--listen", listen, "listen address, overriding server.listen")
        ->option_text("HOST:PORT");
    app.add_flag("--check", check, "validate the configuration and exit");
    app.set_version_flag("-V,--version", "callsink " CALLSINK_VERSION);
    app.footer(
        "Example: callsink --config /etc/callsink/callsink.toml\n"
        "Signals: SIGTERM/SIGINT drain and stop, SIGHUP reopens files (logrotate).");
    try {
        app.parse(argc, argv);
    } catch (CLI::ParseError const& e) {
        int const status = app.exit(e);
        return status == 0 ? 0 : kExitUsage;
    }

    callsink::Config config;
    try {
        config = callsink::load_config(config_path, callsink::process_environment());
        if (!listen.empty()) {
            config.server.listen = callsink::parse_listen_address(listen, "--listen");
        }
    } catch (callsink::ConfigError const& e) {
        std::fprintf(stderr, "callsink: config %s: %s\n", config_path.c_str(), e.what());
        return kExitUsage;
    }
    if (check) {
        std::printf("callsink: config %s is valid\n", config_path.c_str());
        return 0;
    }

    // A stdout sink whose reader went away must fail its write (EPIPE), not kill the daemon.
    std::signal(SIGPIPE, SIG_IGN);
    auto logger = callsink::make_daemon_logger(config.log);
    try {
        return callsink::run_daemon(config, logger);
    } catch (std::exception const& e) {
        logger->critical("cannot start: {}", e.what());
        return kExitStartup;
    }
}
