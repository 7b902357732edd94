// Loads callsink's TOML configuration into the typed option structs. Each table is read by the
// component it configures, through the declaration of its keys (config/config_key.hpp): [server]
// by http, [auth] by ingest, [delivery] by the pipeline, [privacy] by events, [log] by ops,
// [rejects], [dead_letter] and each [[sinks]] table by the sinks, [journal] by the journal. This
// file only knows which tables there are, asks each component to read its own, and checks what
// spans tables: at least one sink, one required or forwarded, a [journal] exactly when a sink is
// forwarded, and no file claimed twice (the dead-letter file included).
#include "callsink/app/config_file.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <memory>
#include <system_error>
#include <utility>

#include "callsink/config/toml_table.hpp"
#include "callsink/events/privacy_table.hpp"
#include "callsink/http/server_table.hpp"
#include "callsink/ingest/auth_table.hpp"
#include "callsink/journal/journal_table.hpp"
#include "callsink/ops/log_table.hpp"
#include "callsink/pipeline/delivery_table.hpp"
#include "callsink/sinks/dead_letter_table.hpp"
#include "callsink/sinks/file/file_sink.hpp"

namespace callsink {

namespace {

namespace fs = std::filesystem;

// The names of the file's tables, from config_tables(): a name with a dot is a sink type's.
std::vector<std::string> top_level_tables() {
    std::vector<std::string> names;
    for (ConfigTableKeys const& table : config_tables()) {
        if (table.name.find('.') == std::string::npos) {
            names.push_back(table.name);
        }
    }
    return names;
}

// ---- [[sinks]] ----

std::string sink_type_names() {
    std::vector<std::string> names;
    for (SinkType const& type : sink_types()) {
        names.push_back(in_quotes(type.name));
    }
    return alternatives(names);
}

std::vector<SinkConfig> read_sinks(TomlDocument const& document) {
    std::string const no_sinks =
        "no sink configured; add at least one [[sinks]] table with type = " + sink_type_names();
    auto const tables = document.table_array("sinks", "[[sinks]]");
    if (tables.empty()) {
        document.root().fail("sinks", no_sinks);
    }
    std::vector<SinkConfig> sinks;
    for (auto const& table : tables) {
        sinks.push_back(read_sink_config(*table));
    }
    // Best-effort sinks may drop records when they fall behind: with no required sink, a 200
    // could be sent for a delivery that was stored nowhere. A forwarded sink's records wait in
    // the journal, which is required.
    if (std::none_of(sinks.begin(), sinks.end(), [](SinkConfig const& s) {
            return s.required || s.delivery == SinkDelivery::journal;
        })) {
        document.root().fail(
            "sinks",
            "no sink has required = true, so a delivery could be answered 200 and then be "
            "dropped; add a file sink, or set required = true on one (e.g. a stdout sink "
            "in a container)");
    }
    return sinks;
}

// A [journal] is there for the sinks forwarded from it, and only for them.
void check_journal(Config const& config, ConfigTable const& top) {
    auto const forwarded =
        std::find_if(config.sinks.begin(), config.sinks.end(),
                     [](SinkConfig const& s) { return s.delivery == SinkDelivery::journal; });
    if (forwarded != config.sinks.end() && !config.journal) {
        throw ConfigError(forwarded->delivery_key,
                          "\"journal\" needs a [journal] table with its path (and max_bytes); "
                          "add one, or use delivery = \"direct\"");
    }
    if (forwarded == config.sinks.end() && config.journal) {
        top.fail("journal",
                 "no sink has delivery = \"journal\", so nothing would be forwarded from the "
                 "journal; set it on a kafka or postgres sink, or remove [journal]");
    }
}

// What one sink claims (a file, say) no other may: two writers on one file would interleave and
// rotate each other's data away.
void check_claims(Config const& config) {
    std::vector<SinkClaim> seen;
    auto const claim_each = [&seen](std::vector<SinkClaim> const& claims) {
        for (SinkClaim const& claim : claims) {
            auto const other = std::find_if(seen.begin(), seen.end(), [&](SinkClaim const& s) {
                return s.resource == claim.resource;
            });
            if (other != seen.end()) {
                throw ConfigError(claim.key, claim.shown + " is also " + other->key +
                                                 "; two sinks cannot share " +
                                                 std::string(claim.noun));
            }
            seen.push_back(claim);
        }
    };
    claim_each(config.rejects.settings->claims());
    // The dead-letter file is written by callsink too, beside the sinks.
    std::string const dead_letter = config.dead_letter.path.string();
    claim_each({SinkClaim{dead_letter, "dead_letter.path", "\"" + dead_letter + "\"", "a file"}});
    for (SinkConfig const& sink : config.sinks) {
        claim_each(sink.settings->claims());
    }
}

struct CloseFile {
    void operator()(std::FILE* file) const { std::fclose(file); }
};

std::string read_file(fs::path const& file) {
    auto const fail = [&] {
        int const error = errno;  // before anything below can overwrite it
        return ConfigError(
            "", "cannot read " + file.string() + ": " + std::generic_category().message(error));
    };
    std::unique_ptr<std::FILE, CloseFile> stream(std::fopen(file.c_str(), "rb"));
    if (!stream) {
        throw fail();
    }
    std::string text;
    std::array<char, 4096> buffer;
    std::size_t size = 0;
    while ((size = std::fread(buffer.data(), 1, buffer.size(), stream.get())) > 0) {
        text.append(buffer.data(), size);
    }
    if (std::ferror(stream.get())) {
        throw fail();
    }
    return text;
}

}  // namespace

Config parse_config(std::string_view toml_text, std::string const& source, fs::path const& base_dir,
                    GetEnv const& getenv) {
    TomlDocument const document(toml_text, source, base_dir, getenv);
    ConfigTable const& top = document.root();
    std::vector<std::string> const tables = top_level_tables();
    top.allow_only(std::vector<std::string_view>(tables.begin(), tables.end()));
    Config config;
    if (auto table = top.table("server", "[server]")) {
        config.server = read_server_table(*table);
    }
    if (auto table = top.table("auth", "[auth]")) {
        config.auth = read_auth_table(*table);
    }
    if (auto table = top.table("delivery", "[delivery]")) {
        config.delivery = read_delivery_table(*table);
    }
    if (auto table = top.table("privacy", "[privacy]")) {
        config.privacy = read_privacy_table(*table);
    }
    config.rejects = read_rejects_table(top.table("rejects", "[rejects]").get());
    config.dead_letter = read_dead_letter_table(top.table("dead_letter", "[dead_letter]").get(),
                                                file_sink_options(*config.rejects.settings)->path);
    config.sinks = read_sinks(document);
    if (auto table = top.table("journal", "[journal]")) {
        config.journal = read_journal_table(*table);
    }
    if (auto table = top.table("log", "[log]")) {
        config.log = read_log_table(*table);
    }
    check_journal(config, top);
    check_claims(config);
    return config;
}

Config load_config(fs::path const& file, GetEnv const& getenv) {
    std::string const text = read_file(file);
    std::error_code ec;
    fs::path const absolute = fs::absolute(file, ec);
    if (ec) {
        throw ConfigError("",
                          "cannot resolve the folder of " + file.string() + ": " + ec.message());
    }
    return parse_config(text, file.string(), absolute.lexically_normal().parent_path(), getenv);
}

std::vector<ConfigTableKeys> config_tables() {
    std::vector<ConfigTableKeys> tables{
        {"server", server_table_keys()},     {"auth", auth_table_keys()},
        {"delivery", delivery_table_keys()}, {"privacy", privacy_table_keys()},
        {"rejects", rejects_file_keys()},    {"dead_letter", dead_letter_table_keys()},
        {"sinks", common_sink_keys()},
    };
    for (SinkType const& type : sink_types()) {
        tables.push_back({"sinks." + std::string(type.name), type.keys});
    }
    tables.push_back({"journal", journal_table_keys()});
    tables.push_back({"log", log_table_keys()});
    return tables;
}

}  // namespace callsink
