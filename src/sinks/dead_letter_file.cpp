#include "callsink/sinks/dead_letter_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "callsink/base/fd_io.hpp"
#include "callsink/base/log_text.hpp"

namespace callsink {
namespace {

constexpr std::string_view kMember = ",\"deadLetter\":";
// A flood of poison records is one log line a minute per sink, with the count.
constexpr std::chrono::seconds kLogInterval{60};

std::string_view without_newline(std::string_view line) {
    if (!line.empty() && line.back() == '\n') {
        line.remove_suffix(1);
    }
    return line;
}

struct CloseFd {
    int fd;
    ~CloseFd() {
        if (fd >= 0) {
            ::close(fd);
        }
    }
};

}  // namespace

std::string dead_letter_line(std::string_view record_line, DeadLetter const& letter) {
    std::string_view const object = without_newline(record_line);
    nlohmann::ordered_json const member = {{"sink", letter.sink},
                                           {"sinkIndex", letter.sink_index},
                                           {"error", letter.error},
                                           {"at", letter.at}};
    // The record's own bytes stay as they are (a jq or a replay reads the same record): only its
    // closing brace moves past the added member. Not valid UTF-8 in the sink's words is replaced.
    std::string line(object.substr(0, object.empty() ? 0 : object.size() - 1));
    line += kMember;
    line += member.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
    line += "}\n";
    return line;
}

std::optional<ReadDeadLetter> parse_dead_letter_line(std::string_view line) {
    std::string_view const object = without_newline(line);
    // The member is the last: its own strings cannot hold the text `,"deadLetter":` (their quotes
    // are escaped), and the record's members all come before it.
    std::size_t const at = object.rfind(kMember);
    if (at == std::string_view::npos || !object.ends_with('}')) {
        return std::nullopt;
    }
    std::string_view const member =
        object.substr(at + kMember.size(), object.size() - 1 - at - kMember.size());
    auto const json = nlohmann::json::parse(member, nullptr, false);
    if (json.is_discarded() || !json.is_object() || !json.contains("sink") ||
        !json["sink"].is_string() || !json.contains("sinkIndex") ||
        !json["sinkIndex"].is_number_unsigned() || !json.contains("error") ||
        !json["error"].is_string() || !json.contains("at") || !json["at"].is_string()) {
        return std::nullopt;
    }
    ReadDeadLetter read;
    read.record_line = std::string(object.substr(0, at)) + "}\n";
    read.letter.sink = json["sink"].get<std::string>();
    read.letter.sink_index = json["sinkIndex"].get<std::size_t>();
    read.letter.error = json["error"].get<std::string>();
    read.letter.at = json["at"].get<std::string>();
    return read;
}

boost::system::error_code DeadLetterRoute::take_refused(Sink const& sink,
                                                        std::span<Record const> batch,
                                                        boost::system::error_code ec) const {
    std::span<RefusedRecord const> const refused = sink.refused();
    if (!ec || file_ == nullptr || refused.empty()) {
        return ec;
    }
    if (file_->write(sink_, batch, refused)) {
        return ec;  // logged by write(); the batch goes again, and this with it
    }
    return {};
}

DeadLetterFile::DeadLetterFile(DeadLetterOptions options, std::shared_ptr<spdlog::logger> logger,
                               Metrics& metrics, WaitClock& clock, Clock now)
    : options_(std::move(options)),
      logger_(std::move(logger)),
      metrics_(metrics),
      clock_(clock),
      now_(std::move(now)) {}

DeadLetterRoute DeadLetterFile::route(std::string name, std::size_t index) {
    std::size_t const metrics_index = metrics_.add_dead_letter_sink(name);
    sinks_.push_back(SinkState{std::move(name), index, metrics_index, 0, std::nullopt});
    return DeadLetterRoute(*this, sinks_.size() - 1);
}

boost::system::error_code DeadLetterFile::write(std::size_t sink, std::span<Record const> batch,
                                                std::span<RefusedRecord const> refused) {
    std::lock_guard lock(mutex_);
    SinkState& state = sinks_.at(sink);
    std::string const at = format_rfc3339_ms(now_());
    lines_.clear();
    for (RefusedRecord const& each : refused) {
        if (each.index >= batch.size()) {
            return boost::system::errc::make_error_code(boost::system::errc::invalid_argument);
        }
        lines_ += dead_letter_line(batch[each.index].line,
                                   DeadLetter{state.name, state.index, each.error, at});
    }
    if (auto ec = append(lines_)) {
        std::string const failure = ec.message();
        if (failure != last_failure_) {
            last_failure_ = failure;
            logger_->error(
                "cannot write to the dead-letter file {}: {}; {} record(s) that {} refuses for "
                "good are sent again until it can be written (fix the file or its folder)",
                options_.path.string(), failure, refused.size(), state.name);
        }
        return ec;
    }
    if (!last_failure_.empty()) {
        logger_->info("the dead-letter file {} is written again", options_.path.string());
        last_failure_.clear();
    }
    metrics_.add(Counter::sink_dead_letters, state.metrics_index, refused.size());
    state.unlogged += refused.size();
    log_written(state, batch[refused.back().index], refused.back().error);
    return {};
}

boost::system::error_code DeadLetterFile::append(std::string_view lines) {
    std::error_code made;
    std::filesystem::path const folder = options_.path.parent_path();
    bool const existed = std::filesystem::exists(options_.path, made);
    if (!folder.empty()) {
        std::filesystem::create_directories(folder, made);
    }
    CloseFd file{::open(options_.path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640)};
    if (file.fd < 0) {
        return last_error();
    }
    // A torn line is possible only if the disk fills mid-write; a reader skips what does not
    // parse (parse_dead_letter_line), and the records are sent again.
    if (auto ec = write_all(file.fd, lines)) {
        return ec;
    }
    if (!options_.sync) {
        return {};
    }
    if (::fdatasync(file.fd) != 0) {
        return last_error();
    }
    // A new file is durable once its folder's entry is.
    return existed ? boost::system::error_code{}
                   : sync_folder(folder.empty() ? "." : folder.c_str());
}

void DeadLetterFile::log_written(SinkState& state, Record const& last, std::string_view error) {
    auto const now = clock_.now();
    if (state.logged_at && now - *state.logged_at < kLogInterval) {
        return;  // counted in state.unlogged, logged with the next line
    }
    logger_->warn(
        "{}: {} record(s) it refuses for good written to the dead-letter file {} and answered "
        "(the last: redeliveryKey {}, request {}: {}); more are logged at most once a minute, "
        "callsink_sink_dead_letter_total counts each; once the cause is fixed, send them again "
        "with callsink replay --dead-letter --sink {}",
        state.name, state.unlogged, options_.path.string(), last.redelivery_key.hex(),
        log_value(last.request_id), error, state.index);
    state.unlogged = 0;
    state.logged_at = now;
}

}  // namespace callsink
