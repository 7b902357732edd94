// callsink_kafka_mock: a Kafka cluster for the integration tests, librdkafka's mock cluster in a
// process of its own, driven by one-line commands on stdin. Debian packages no Kafka broker, and
// the mock speaks enough of the protocol for a producer, a low-level consumer and error injection.
//
//   callsink_kafka_mock [--brokers N] [--topic NAME[,NAME...]]... [--partitions P] [--debug CTX]
//
// creates N brokers (default 3, ids 1..N) and each topic with P partitions (default 3) and
// replication factor min(N, 3), prints `bootstrap=HOST:PORT,...` and then answers every command
// line with one line, `ok...` or `error <message>`:
//
//   down ID|all, up ID|all     stop / restart a broker's listener (connections are dropped;
//                              partition leadership does not move)
//   rtt ID|all MS              delay every response of the broker(s) by MS milliseconds
//   errors API CODE COUNT      the next COUNT requests of API (produce, fetch, metadata or a
//                              number) fail with CODE (a name such as NOT_LEADER_FOR_PARTITION, or
//                              a number; _TRANSPORT makes the broker drop the connection)
//   clear API                  forgets the errors still pushed for API
//   leader TOPIC PARTITION ID  moves a partition's leader (-1: no leader)
//   topic-error TOPIC CODE     Metadata answers CODE for TOPIC (NO_ERROR or 0 clears it), e.g.
//                              UNKNOWN_TOPIC_OR_PART for a topic that does not exist
//   consume TOPIC              every message now in TOPIC, one JSON line each, sorted by
//                              partition and offset, then `ok COUNT`; `error ...` (and no JSON
//                              lines) when the partitions cannot be read to their end in 10 s
//   quit                       (or end of input) destroys the cluster and exits 0
//
// librdkafka 2.0.2's mock answers Metadata up to v2 only, which has no AllowAutoTopicCreation
// flag: any client asking about a topic that does not exist creates it (4 partitions), consume
// included (`consume nosuch` answers `ok 0`). `topic-error` is how to make a topic missing.
//
// A consumed message's line: {"topic":..., "partition":N, "offset":N, "key":"..." or null,
// "headers":{"name":"value" or null, ...} (the last one wins for a repeated name), "value":"..."
// or null}. Key, header and value bytes that are not UTF-8 are replaced with U+FFFD.
// Bad arguments exit 2 with a message on stderr. librdkafka's own log goes to stderr.
#include <librdkafka/rdkafka.h>
// rdkafka_mock.h must come after rdkafka.h.
#include <librdkafka/rdkafka_mock.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <limits>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <tuple>
#include <vector>

namespace {

constexpr int kExitUsage = 2;
constexpr int kMaxBrokers = 64;
constexpr int kMaxPartitions = 1000;
constexpr std::chrono::milliseconds kConsumeTimeout{10'000};
constexpr std::chrono::milliseconds kPollSlice{100};
constexpr char const* kProgram = "callsink_kafka_mock";
constexpr char const* kUsage =
    "usage: callsink_kafka_mock [--brokers N] [--topic NAME[,NAME...]]... [--partitions P]\n"
    "                           [--debug CONTEXTS]\n"
    "Starts a librdkafka mock cluster, prints bootstrap=HOST:PORT,... and reads commands from\n"
    "stdin: down ID|all, up ID|all, rtt ID|all MS, errors API CODE COUNT, clear API,\n"
    "leader TOPIC PARTITION ID, topic-error TOPIC CODE, consume TOPIC, quit.\n";

// -- small helpers ---------------------------------------------------------------------------

struct UsageError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// A command that cannot be carried out; its message follows `error ` on the reply line.
struct CommandError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

template <typename Int>
std::optional<Int> parse_int(std::string_view text) {
    Int value{};
    auto const* end = text.data() + text.size();
    auto const [ptr, ec] = std::from_chars(text.data(), end, value);
    if (text.empty() || ec != std::errc{} || ptr != end) {
        return std::nullopt;
    }
    return value;
}

std::string upper(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    return out;
}

std::vector<std::string> split_words(std::string const& line) {
    std::istringstream in(line);
    std::vector<std::string> words;
    for (std::string word; in >> word;) {
        words.push_back(word);
    }
    return words;
}

std::vector<std::string> split_commas(std::string_view text) {
    std::vector<std::string> parts;
    while (true) {
        auto const comma = text.find(',');
        parts.emplace_back(text.substr(0, comma));
        if (comma == std::string_view::npos) {
            return parts;
        }
        text.remove_prefix(comma + 1);
    }
}

// -- librdkafka handles ----------------------------------------------------------------------

struct KafkaDeleter {
    void operator()(rd_kafka_t* rk) const { rd_kafka_destroy(rk); }
};
using Kafka = std::unique_ptr<rd_kafka_t, KafkaDeleter>;

struct ConfDeleter {
    void operator()(rd_kafka_conf_t* conf) const { rd_kafka_conf_destroy(conf); }
};
using Conf = std::unique_ptr<rd_kafka_conf_t, ConfDeleter>;

struct TopicDeleter {
    void operator()(rd_kafka_topic_t* rkt) const { rd_kafka_topic_destroy(rkt); }
};
using Topic = std::unique_ptr<rd_kafka_topic_t, TopicDeleter>;

struct MetadataDeleter {
    void operator()(rd_kafka_metadata_t const* md) const { rd_kafka_metadata_destroy(md); }
};
using Metadata = std::unique_ptr<rd_kafka_metadata_t const, MetadataDeleter>;

struct PartitionListDeleter {
    void operator()(rd_kafka_topic_partition_list_t* list) const {
        rd_kafka_topic_partition_list_destroy(list);
    }
};
using PartitionList = std::unique_ptr<rd_kafka_topic_partition_list_t, PartitionListDeleter>;

struct MessageDeleter {
    void operator()(rd_kafka_message_t* msg) const { rd_kafka_message_destroy(msg); }
};
using Message = std::unique_ptr<rd_kafka_message_t, MessageDeleter>;

struct MockDeleter {
    void operator()(rd_kafka_mock_cluster_t* mcluster) const {
        rd_kafka_mock_cluster_destroy(mcluster);
    }
};
using MockCluster = std::unique_ptr<rd_kafka_mock_cluster_t, MockDeleter>;

std::string err_text(rd_kafka_resp_err_t err) {
    return std::string(rd_kafka_err2name(err)) + " (" + rd_kafka_err2str(err) + ")";
}

void set_conf(rd_kafka_conf_t* conf, char const* name, std::string const& value) {
    char errstr[512];
    if (rd_kafka_conf_set(conf, name, value.c_str(), errstr, sizeof errstr) != RD_KAFKA_CONF_OK) {
        throw std::runtime_error(std::string("librdkafka setting ") + name + ": " + errstr);
    }
}

Kafka new_client(rd_kafka_type_t type, Conf conf) {
    char errstr[512];
    // rd_kafka_new takes the configuration only when it succeeds.
    rd_kafka_t* rk = rd_kafka_new(type, conf.get(), errstr, sizeof errstr);
    if (rk == nullptr) {
        throw std::runtime_error(std::string("rd_kafka_new: ") + errstr);
    }
    static_cast<void>(conf.release());
    return Kafka(rk);
}

Conf base_conf(std::string const& client_id, std::string const& debug) {
    Conf conf(rd_kafka_conf_new());
    set_conf(conf.get(), "client.id", client_id);
    if (!debug.empty()) {
        set_conf(conf.get(), "debug", debug);
    }
    return conf;
}

// -- command arguments -----------------------------------------------------------------------

struct Options {
    int brokers = 3;
    std::vector<std::string> topics;
    int partitions = 3;
    std::string debug;
};

Options parse_options(int argc, char** argv) {
    Options options;
    auto count = [](std::string const& flag, std::string const& text, int max) {
        auto const value = parse_int<int>(text);
        if (!value || *value < 1 || *value > max) {
            throw UsageError(flag + " needs a whole number from 1 to " + std::to_string(max) +
                             ", not '" + text + "'");
        }
        return *value;
    };
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        if (arg == "-h" || arg == "--help") {
            std::fputs(kUsage, stdout);
            std::exit(0);
        }
        std::string value;
        if (auto const eq = arg.find('='); arg.starts_with("--") && eq != std::string::npos) {
            value = arg.substr(eq + 1);
            arg.resize(eq);
        } else if (arg == "--brokers" || arg == "--topic" || arg == "--partitions" ||
                   arg == "--debug") {
            if (i + 1 >= argc) {
                throw UsageError(arg + " needs a value");
            }
            value = argv[++i];
        }
        if (arg == "--brokers") {
            options.brokers = count(arg, value, kMaxBrokers);
        } else if (arg == "--partitions") {
            options.partitions = count(arg, value, kMaxPartitions);
        } else if (arg == "--topic") {
            for (auto& name : split_commas(value)) {
                if (name.empty()) {
                    throw UsageError("--topic has an empty topic name in '" + value + "'");
                }
                options.topics.push_back(std::move(name));
            }
        } else if (arg == "--debug") {
            options.debug = value;
        } else {
            throw UsageError("unknown argument '" + arg + "'");
        }
    }
    return options;
}

// A broker id as the mock numbers them (1..brokers), or -1 for `all`.
int32_t broker_arg(std::string const& text, int brokers) {
    if (text == "all") {
        return -1;
    }
    auto const id = parse_int<int32_t>(text);
    if (!id || *id < 1 || *id > brokers) {
        throw CommandError("no broker '" + text + "': ids are 1 to " + std::to_string(brokers) +
                           ", or all");
    }
    return *id;
}

int16_t api_arg(std::string const& text) {
    auto const name = upper(text);
    if (name == "PRODUCE") {
        return 0;
    }
    if (name == "FETCH") {
        return 1;
    }
    if (name == "METADATA") {
        return 3;
    }
    if (auto const key = parse_int<int16_t>(text); key && *key >= 0) {
        return *key;
    }
    throw CommandError("unknown API '" + text + "': produce, fetch, metadata or a key number");
}

rd_kafka_resp_err_t error_code_arg(std::string const& text) {
    if (auto const number = parse_int<int16_t>(text)) {
        return static_cast<rd_kafka_resp_err_t>(*number);
    }
    std::string name = upper(text);
    if (name.starts_with("RD_KAFKA_RESP_ERR_")) {
        name.erase(0, std::string_view("RD_KAFKA_RESP_ERR_").size());
    }
    // Kafka's newer name for error 6; librdkafka 2.0.2 only knows the old one.
    if (name == "NOT_LEADER_OR_FOLLOWER") {
        return RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION;
    }
    rd_kafka_err_desc const* descs = nullptr;
    size_t count = 0;
    rd_kafka_get_err_descs(&descs, &count);
    for (size_t i = 0; i < count; ++i) {
        if (descs[i].name != nullptr && name == descs[i].name) {
            return descs[i].code;
        }
    }
    throw CommandError("unknown error code '" + text +
                       "': a librdkafka error name such as NOT_LEADER_FOR_PARTITION, or a number");
}

void expect_words(std::vector<std::string> const& words, size_t count, char const* usage) {
    if (words.size() != count) {
        throw CommandError(std::string("usage: ") + usage);
    }
}

void check(rd_kafka_resp_err_t err, std::string const& what) {
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        throw CommandError(what + ": " + err_text(err));
    }
}

// -- consume ---------------------------------------------------------------------------------

nlohmann::json text_or_null(void const* data, size_t size) {
    if (data == nullptr) {
        return nullptr;
    }
    return std::string(static_cast<char const*>(data), size);
}

nlohmann::json message_json(rd_kafka_message_t const& msg) {
    nlohmann::json headers = nlohmann::json::object();
    rd_kafka_headers_t* hdrs = nullptr;
    if (rd_kafka_message_headers(&msg, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR) {
        char const* name = nullptr;
        void const* value = nullptr;
        size_t size = 0;
        for (size_t i = 0;
             rd_kafka_header_get_all(hdrs, i, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR;
             ++i) {
            headers[name] = text_or_null(value, size);
        }
    }
    return {
        {"topic", rd_kafka_topic_name(msg.rkt)},
        {"partition", msg.partition},
        {"offset", msg.offset},
        {"key", text_or_null(msg.key, msg.key_len)},
        {"headers", std::move(headers)},
        {"value", text_or_null(msg.payload, msg.len)},
    };
}

// Every message in `topic`, read from the beginning of each partition to its end by a consumer
// of its own, as JSON lines sorted by (partition, offset).
std::vector<std::string> consume(std::string const& bootstraps, std::string const& topic,
                                 std::string const& debug) {
    using Clock = std::chrono::steady_clock;
    auto const deadline = Clock::now() + kConsumeTimeout;
    auto remaining_ms = [&] {
        auto const left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        return static_cast<int>(std::max<int64_t>(0, left.count()));
    };

    Conf conf = base_conf("callsink-kafka-mock-consumer", debug);
    set_conf(conf.get(), "bootstrap.servers", bootstraps);
    // rd_kafka_assign needs a group; nothing is ever committed to it.
    set_conf(conf.get(), "group.id", "callsink-kafka-mock");
    set_conf(conf.get(), "enable.auto.commit", "false");
    set_conf(conf.get(), "enable.auto.offset.store", "false");
    set_conf(conf.get(), "enable.partition.eof", "true");
    set_conf(conf.get(), "auto.offset.reset", "earliest");
    set_conf(conf.get(), "reconnect.backoff.ms", "50");
    set_conf(conf.get(), "reconnect.backoff.max.ms", "500");
    // A partition's end shows as a fetch that returns nothing; the mock holds such a fetch for
    // fetch.wait.max.ms (default 500), which made every consume take a second.
    set_conf(conf.get(), "fetch.wait.max.ms", "10");
    // Destroying a consumer normally leaves its group first, which waits for a broker that may
    // be down; this one never joined.
    auto const destroy = [](rd_kafka_t* handle) {
        rd_kafka_destroy_flags(handle, RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);
    };
    std::unique_ptr<rd_kafka_t, decltype(destroy)> consumer(
        new_client(RD_KAFKA_CONSUMER, std::move(conf)).release(), destroy);

    std::vector<int32_t> partitions;
    {
        Topic rkt(rd_kafka_topic_new(consumer.get(), topic.c_str(), nullptr));
        if (!rkt) {
            throw CommandError("topic '" + topic + "': " + err_text(rd_kafka_last_error()));
        }
        rd_kafka_metadata_t const* raw = nullptr;
        check(rd_kafka_metadata(consumer.get(), 0, rkt.get(), &raw, remaining_ms()),
              "metadata for topic '" + topic + "'");
        Metadata md(raw);
        if (md->topic_cnt != 1) {
            throw CommandError("metadata for topic '" + topic + "' has " +
                               std::to_string(md->topic_cnt) + " topics");
        }
        auto const& t = md->topics[0];
        check(t.err, "topic '" + topic + "'");
        for (int i = 0; i < t.partition_cnt; ++i) {
            partitions.push_back(t.partitions[i].id);
        }
    }
    if (partitions.empty()) {
        throw CommandError("topic '" + topic + "' has no partitions");
    }

    PartitionList assignment(
        rd_kafka_topic_partition_list_new(static_cast<int>(partitions.size())));
    for (int32_t p : partitions) {
        rd_kafka_topic_partition_list_add(assignment.get(), topic.c_str(), p)->offset =
            RD_KAFKA_OFFSET_BEGINNING;
    }
    check(rd_kafka_assign(consumer.get(), assignment.get()), "assign");

    struct Read {
        int32_t partition;
        int64_t offset;
        std::string line;
    };
    std::vector<Read> messages;
    std::set<int32_t> at_end;
    std::string last_error = "none";
    while (at_end.size() < partitions.size()) {
        int const left = remaining_ms();
        if (left == 0) {
            static_cast<void>(rd_kafka_assign(consumer.get(), nullptr));
            throw CommandError(
                "consume '" + topic + "': " + std::to_string(at_end.size()) + " of " +
                std::to_string(partitions.size()) + " partitions read to their end in " +
                std::to_string(kConsumeTimeout.count() / 1000) + " s; last error: " + last_error);
        }
        Message msg(rd_kafka_consumer_poll(consumer.get(),
                                           std::min(left, static_cast<int>(kPollSlice.count()))));
        if (!msg) {
            continue;
        }
        if (msg->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
            at_end.insert(msg->partition);
        } else if (msg->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
            last_error = err_text(msg->err) + ": " + rd_kafka_message_errstr(msg.get());
        } else {
            // A message after the partition's EOF (produced meanwhile) is read too; the
            // partition is at its end again once the next EOF comes.
            at_end.erase(msg->partition);
            messages.push_back({msg->partition, msg->offset,
                                message_json(*msg).dump(-1, ' ', false,
                                                        nlohmann::json::error_handler_t::replace)});
        }
    }
    static_cast<void>(rd_kafka_assign(consumer.get(), nullptr));

    std::sort(messages.begin(), messages.end(), [](Read const& a, Read const& b) {
        return std::tie(a.partition, a.offset) < std::tie(b.partition, b.offset);
    });
    std::vector<std::string> lines;
    lines.reserve(messages.size());
    for (auto& m : messages) {
        lines.push_back(std::move(m.line));
    }
    return lines;
}

// -- the cluster -----------------------------------------------------------------------------

class Cluster {
  public:
    explicit Cluster(Options options) : options_(std::move(options)) {
        // The mock needs an rd_kafka_t for its bookkeeping; this producer never connects. The
        // brokers' connections take their socket settings from it: Nagle's algorithm off, as a
        // Kafka broker has it (its acceptor sets TCP_NODELAY on every connection). With it on, a
        // response written while the client had yet to acknowledge the one before waited for
        // the client's delayed ACK, up to 40 ms.
        Conf conf = base_conf("callsink-kafka-mock", options_.debug);
        set_conf(conf.get(), "socket.nagle.disable", "true");
        owner_ = new_client(RD_KAFKA_PRODUCER, std::move(conf));
        mock_.reset(rd_kafka_mock_cluster_new(owner_.get(), options_.brokers));
        if (!mock_) {
            throw std::runtime_error("rd_kafka_mock_cluster_new failed");
        }
        int const replication = std::min(options_.brokers, 3);
        for (auto const& topic : options_.topics) {
            auto const err = rd_kafka_mock_topic_create(mock_.get(), topic.c_str(),
                                                        options_.partitions, replication);
            if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
                throw std::runtime_error("creating topic '" + topic + "': " + err_text(err));
            }
        }
        bootstraps_ = rd_kafka_mock_cluster_bootstraps(mock_.get());
    }

    Cluster(Cluster const&) = delete;
    Cluster& operator=(Cluster const&) = delete;

    ~Cluster() {
        mock_.reset();  // before its owner
        owner_.reset();
    }

    std::string const& bootstraps() const { return bootstraps_; }

    // Carries out one command line; writes its reply lines to `out`. False after `quit`.
    bool run(std::string const& line, std::ostream& out) {
        auto const words = split_words(line);
        try {
            if (words.empty()) {
                throw CommandError("empty command");
            }
            auto const& verb = words[0];
            if (verb == "quit") {
                expect_words(words, 1, "quit");
                out << "ok" << std::endl;
                return false;
            }
            if (verb == "consume") {
                expect_words(words, 2, "consume TOPIC");
                auto const lines = consume(bootstraps_, words[1], options_.debug);
                for (auto const& json : lines) {
                    out << json << '\n';
                }
                out << "ok " << lines.size() << std::endl;
                return true;
            }
            if (verb == "down" || verb == "up") {
                expect_words(words, 2, "down|up ID|all");
                auto const id = broker_arg(words[1], options_.brokers);
                check(verb == "down" ? rd_kafka_mock_broker_set_down(mock_.get(), id)
                                     : rd_kafka_mock_broker_set_up(mock_.get(), id),
                      verb + " " + words[1]);
            } else if (verb == "rtt") {
                expect_words(words, 3, "rtt ID|all MS");
                auto const id = broker_arg(words[1], options_.brokers);
                auto const ms = parse_int<int>(words[2]);
                if (!ms || *ms < 0) {
                    throw CommandError("rtt needs milliseconds >= 0, not '" + words[2] + "'");
                }
                check(rd_kafka_mock_broker_set_rtt(mock_.get(), id, *ms), "rtt");
            } else if (verb == "errors") {
                expect_words(words, 4, "errors API CODE COUNT");
                auto const api = api_arg(words[1]);
                auto const code = error_code_arg(words[2]);
                auto const count = parse_int<int>(words[3]);
                if (!count || *count < 1 || *count > 100'000) {
                    throw CommandError("errors needs a COUNT from 1 to 100000, not '" + words[3] +
                                       "'");
                }
                std::vector<rd_kafka_resp_err_t> const codes(static_cast<size_t>(*count), code);
                rd_kafka_mock_push_request_errors_array(mock_.get(), api, codes.size(),
                                                        codes.data());
            } else if (verb == "clear") {
                expect_words(words, 2, "clear API");
                rd_kafka_mock_clear_request_errors(mock_.get(), api_arg(words[1]));
            } else if (verb == "leader") {
                expect_words(words, 4, "leader TOPIC PARTITION ID|-1");
                auto const partition = parse_int<int32_t>(words[2]);
                if (!partition || *partition < 0) {
                    throw CommandError("no partition '" + words[2] + "'");
                }
                int32_t const id = words[3] == "-1" ? -1 : broker_arg(words[3], options_.brokers);
                check(rd_kafka_mock_partition_set_leader(mock_.get(), words[1].c_str(), *partition,
                                                         id),
                      "leader");
            } else if (verb == "topic-error") {
                expect_words(words, 3, "topic-error TOPIC CODE");
                rd_kafka_mock_topic_set_error(mock_.get(), words[1].c_str(),
                                              error_code_arg(words[2]));
            } else {
                throw CommandError("unknown command '" + verb + "'");
            }
            out << "ok" << std::endl;
        } catch (std::exception const& e) {
            // CommandError, or librdkafka refusing a consumer setting: one line either way.
            std::string message = e.what();
            std::replace(message.begin(), message.end(), '\n', ' ');
            out << "error " << message << std::endl;
        }
        return true;
    }

  private:
    Options options_;
    Kafka owner_;
    MockCluster mock_;
    std::string bootstraps_;
};

}  // namespace

int main(int argc, char** argv) {
    Options options;
    try {
        options = parse_options(argc, argv);
    } catch (UsageError const& e) {
        std::fprintf(stderr, "%s: %s\n%s", kProgram, e.what(), kUsage);
        return kExitUsage;
    }

    try {
        Cluster cluster(std::move(options));
        std::cout << "bootstrap=" << cluster.bootstraps() << std::endl;
        std::string line;
        while (std::getline(std::cin, line)) {
            if (!line.empty() && line.back() == '\r') {
                line.pop_back();
            }
            if (!cluster.run(line, std::cout)) {
                break;
            }
        }
    } catch (std::exception const& e) {
        std::fprintf(stderr, "%s: %s\n", kProgram, e.what());
        return 1;
    }
    // librdkafka's threads end after rd_kafka_destroy returns; wait for them before exiting.
    if (rd_kafka_wait_destroyed(5000) != 0) {
        std::fprintf(stderr, "%s: librdkafka handles still alive after 5 s\n", kProgram);
        return 1;
    }
    return 0;
}
