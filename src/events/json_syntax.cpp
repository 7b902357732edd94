#include "callsink/events/json_syntax.hpp"

#include <array>
#include <cstddef>
#include <string>
#include <utility>

#include "callsink/base/json_lexer.hpp"
#include "callsink/base/utf8.hpp"
#include "callsink/events/field_list.hpp"

namespace callsink::json_syntax {
namespace {

// nlohmann's "last read" can quote a whole string token; a rejection message stays readable.
constexpr std::size_t kMaxReasonBytes = 200;

// Accepts every value and remembers the first syntax error; the parse stops there.
class SyntaxErrorRecorder final : public nlohmann::json_sax<Json> {
  public:
    bool null() override { return true; }
    bool boolean(bool /*value*/) override { return true; }
    bool number_integer(number_integer_t /*value*/) override { return true; }
    bool number_unsigned(number_unsigned_t /*value*/) override { return true; }
    bool number_float(number_float_t /*value*/, string_t const& /*text*/) override { return true; }
    bool string(string_t& /*value*/) override { return true; }
    bool binary(binary_t& /*value*/) override { return true; }
    bool start_object(std::size_t /*size*/) override { return true; }
    bool key(string_t& /*value*/) override { return true; }
    bool end_object() override { return true; }
    bool start_array(std::size_t /*size*/) override { return true; }
    bool end_array() override { return true; }

    bool parse_error(std::size_t position, std::string const& /*last_token*/,
                     Json::exception const& error) override {
        position_ = position;
        what_ = error.what();
        return false;
    }

    std::size_t position() const { return position_; }

    // nlohmann's what() reads "[json.exception.parse_error.101] parse error at line 1, column 2:
    // syntax error while parsing value - invalid literal; last read: 'x'"; keep what follows the
    // location, which the message gives as a byte offset instead.
    std::string_view reason() const {
        std::string_view const what = what_;
        std::size_t const location = what.find("] parse error");
        std::size_t const colon =
            what.find(": ", location == std::string_view::npos ? 0 : location);
        return colon == std::string_view::npos ? what : what.substr(colon + 2);
    }

  private:
    std::size_t position_ = 0;
    std::string what_;
};

Rejection past_a_limit(std::string what, std::size_t byte) {
    return Rejection{RejectCode::invalid_json, "",
                     std::move(what) + " (at byte " + std::to_string(byte) + ")"};
}

}  // namespace

std::optional<Rejection> check_nesting(std::string_view body) {
    using json_limits::kMaxBodyMembers;
    using json_limits::kMaxDepth;
    using json_limits::kMaxObjectMembers;
    std::size_t depth = 0;
    std::size_t members = 0;
    std::array<std::size_t, kMaxDepth + 1> members_at{};  // of the object open at each depth
    JsonLexer in(body);
    while (in.to_structural()) {
        char const c = in.peek();
        if (c == '"') {
            in.skip_string();  // one that never closes ends the walk
            continue;
        }
        std::size_t const byte = in.offset() + 1;
        in.eat(c);
        if (c == '[' || c == '{') {
            if (++depth > kMaxDepth) {
                return past_a_limit("body nests arrays and objects deeper than " +
                                        std::to_string(kMaxDepth) + " levels",
                                    byte);
            }
            members_at[depth] = 0;
        } else if ((c == ']' || c == '}') && depth > 0) {
            --depth;
        } else if (c == ':') {
            if (++members_at[depth] > kMaxObjectMembers) {
                return past_a_limit(
                    "an object has more than " + std::to_string(kMaxObjectMembers) + " members",
                    byte);
            }
            if (++members > kMaxBodyMembers) {
                return past_a_limit(
                    "body has more than " + std::to_string(kMaxBodyMembers) + " object members",
                    byte);
            }
        }
    }
    return std::nullopt;
}

Rejection describe_invalid_json(std::string_view body) {
    if (body.empty()) {
        return Rejection{RejectCode::invalid_json, "", "body is empty; expected a JSON object"};
    }
    SyntaxErrorRecorder recorder;
    if (Json::sax_parse(body, &recorder)) {
        // Not reached while the SAX and DOM parsers agree; still a rejection, never a crash.
        return Rejection{RejectCode::invalid_json, "", "body is not valid JSON"};
    }
    return Rejection{RejectCode::invalid_json, "",
                     "body is not valid JSON at byte " + std::to_string(recorder.position()) +
                         ": " + utf8::excerpt(recorder.reason(), kMaxReasonBytes)};
}

}  // namespace callsink::json_syntax
