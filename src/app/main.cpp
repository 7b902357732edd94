// callsink's command line: parses the flags, loads the configuration, builds the logger and hands
// over to run_daemon, or, for `callsink session ID`, to run_session_command, or, for
// `callsink replay`, to run_replay_command. Exit status: 0 done, 2 bad flags or configuration, 1
// failed at start-up with a valid configuration (the port is taken, a sink file cannot be opened),
// for `session` no events found, for `replay` records not sent.
#include <CLI/CLI.hpp>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <exception>
#include <iostream>
#include <string>

#include "callsink/app/config_file.hpp"
#include "callsink/app/daemon.hpp"
#include "callsink/app/replay_command.hpp"
#include "callsink/app/session_command.hpp"
#include "callsink/http/listen_address.hpp"
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
    // Required unless a subcommand took it: the subcommand's --config fills the same string.
    app.add_option("-c,--config", config_path, "TOML configuration file")->option_text("FILE");
    app.add_option("-l,--listen", listen, "listen address, overriding server.listen")
        ->option_text("HOST:PORT");
    app.add_flag("--check", check, "validate the configuration and exit");
    app.set_version_flag("-V,--version", "callsink " CALLSINK_VERSION);
    app.footer(
        "Example: callsink --config /etc/callsink/callsink.toml\n"
        "         callsink session 1f048a84-ea6d-11ee-911b-078f7290bf52 --config FILE\n"
        "         callsink replay --config FILE --sink 1 --from 2026-12-01T00:00:00Z\n"
        "Signals: SIGTERM/SIGINT drain and stop, SIGHUP reopens files (logrotate).");

    callsink::SessionQuery session_query;
    CLI::App* session = app.add_subcommand(
        "session",
        "show one session as stored: both legs' statuses in time order, then the summary");
    session->add_option("SESSION_ID", session_query.session_id, "the session's sessionId")
        ->required();
    session->add_option("-c,--config", config_path, "TOML configuration file")->option_text("FILE");
    session->add_flag("--json", session_query.json, "print one JSON object instead of text");
    session->footer(
        "Reads the postgres sink when one is configured, else the file sink's files and their "
        "rotations.\nExit status: 0 shown, 1 no events for the session (or the store could not be "
        "read), 2 bad flags or configuration.");

    callsink::ReplayRequest replay_request;
    bool replay_rejects = false;
    bool replay_dead_letter = false;
    unsigned retry_seconds = 60;
    CLI::App* replay = app.add_subcommand(
        "replay",
        "send stored records to a sink again: the journal's (or a file sink's) to "
        "sinks[N], the rejected bodies that now parse to the event sinks, or the dead letters "
        "of sinks[N] to sinks[N]");
    replay->add_option("-c,--config", config_path, "TOML configuration file")->option_text("FILE");
    CLI::Option* replay_sink =
        replay
            ->add_option("--sink", replay_request.sink,
                         "the index of the sink to send to, as sinks[N] in messages")
            ->option_text("N");
    replay
        ->add_flag("--rejects", replay_rejects,
                   "run the rejects file's bodies through today's parser and store those that "
                   "now parse in every sink, with their original received data")
        ->excludes(replay_sink);
    replay
        ->add_flag("--dead-letter", replay_dead_letter,
                   "send the records sinks[N] refused for good, from the dead-letter file, to "
                   "sinks[N] again (after fixing the cause)")
        ->needs(replay_sink);
    replay
        ->add_option("--from", replay_request.from,
                     "only records received at or after this time (RFC 3339)")
        ->option_text("TIME");
    replay
        ->add_option("--to", replay_request.to, "only records received before this time (RFC 3339)")
        ->option_text("TIME");
    replay
        ->add_option("--retry-for", retry_seconds,
                     "how long a sink may keep failing before replay gives up (default 60)")
        ->option_text("SECONDS");
    replay->footer(
        "Reads the journal (or, without [journal], the first other file sink's files and their "
        "rotations) without changing it, so it runs beside the daemon. Sending again is "
        "idempotent by the redelivery key: PostgreSQL skips what it holds, Kafka consumers drop "
        "copies by the redeliveryKey header. Progress and the summary go to standard error "
        "(standard output stays a stdout sink's).\n"
        "Exit status: 0 every record sent or already stored, 1 some not sent (a sink down past "
        "--retry-for, a source unreadable), 2 bad flags or configuration.");
    app.require_subcommand(0, 1);
    try {
        app.parse(argc, argv);
        if (config_path.empty()) {
            throw CLI::RequiredError("--config");
        }
        if (session->parsed() && session_query.session_id.empty()) {
            throw CLI::ValidationError("SESSION_ID", "must not be empty");
        }
        if ((session->parsed() || replay->parsed()) && (check || !listen.empty())) {
            throw CLI::ValidationError(session->parsed() ? "session" : "replay",
                                       "--check and --listen are the daemon's flags");
        }
        if (replay->parsed() && !replay_rejects && !replay_request.sink) {
            throw CLI::ValidationError("replay", "needs --sink N (or --rejects)");
        }
        replay_request.retry_for = std::chrono::seconds(retry_seconds);
        replay_request.form = replay_rejects       ? callsink::ReplayRequest::Form::rejects
                              : replay_dead_letter ? callsink::ReplayRequest::Form::dead_letter
                                                   : callsink::ReplayRequest::Form::stored;
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
    if (session->parsed()) {
        return callsink::run_session_command(config, session_query, std::cout, std::cerr);
    }
    if (replay->parsed()) {
        std::signal(SIGPIPE, SIG_IGN);  // as the daemon: a stdout sink's reader may go away
        return callsink::run_replay_command(config, replay_request,
                                            callsink::make_daemon_logger(config.log), std::cerr);
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
