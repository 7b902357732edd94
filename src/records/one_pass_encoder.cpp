// One pass from bytes to record. Each typed object is read twice over its own bytes: once to find
// where each member's value starts and ends (cheap: quotes and brackets only), then member by
// member in the field list's order, checking and writing each value. The record's member order is
// the list's, whatever order the delivery used (the 2026 CALL_STATUS example sends `payload`
// first), so the first pass is what lets the second write in that order without a tree.
#include "callsink/records/one_pass_encoder.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <nlohmann/json.hpp>
#include <system_error>
#include <type_traits>
#include <vector>

#include "callsink/base/json_scan.hpp"
#include "callsink/base/rfc3339.hpp"
#include "callsink/base/utf8.hpp"
#include "callsink/events/event.hpp"
#include "callsink/events/event_types.hpp"
#include "callsink/events/field_schema.hpp"
#include "callsink/records/record_identity.hpp"

namespace callsink {
namespace {

// Beyond these the general path decides: it has its own guards (64 levels, 1,000 members), and
// nothing in the 8x8 documents comes near them.
constexpr int kMaxDepth = 16;
constexpr std::size_t kMaxObjectMembers = 32;
constexpr std::size_t kMaxListFields = 64;
constexpr std::size_t kMaxBodyMembers = 512;
// Integers of up to 18 digits fit nlohmann's int64 or uint64, so it writes them back unchanged.
constexpr std::size_t kMaxIntegerDigits = 18;

bool is_space(char c) {
    return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

// What a byte is, once json_scan has found one that matters: a test per byte instead of four or
// five.
enum ByteClass : std::uint8_t {
    kPlain = 0,
    kQuote = 1,      // "
    kBackslash = 2,  // a backslash
    kControl = 3,    // below 0x20: not allowed in a string
    kHigh = 4,       // 0x80 and above: part of a UTF-8 sequence
    kOpen = 5,       // { [
    kClose = 6,      // } ]
};

constexpr std::array<std::uint8_t, 256> kStringBytes = [] {
    std::array<std::uint8_t, 256> table{};
    for (int c = 0; c < 0x20; ++c) {
        table[static_cast<std::size_t>(c)] = kControl;
    }
    for (int c = 0x80; c < 0x100; ++c) {
        table[static_cast<std::size_t>(c)] = kHigh;
    }
    table['"'] = kQuote;
    table['\\'] = kBackslash;
    return table;
}();

// Inside a container, outside strings: only quotes and brackets matter.
constexpr std::array<std::uint8_t, 256> kContainerBytes = [] {
    std::array<std::uint8_t, 256> table{};
    table['"'] = kQuote;
    table['{'] = kOpen;
    table['['] = kOpen;
    table['}'] = kClose;
    table[']'] = kClose;
    return table;
}();

std::uint8_t class_of(std::array<std::uint8_t, 256> const& table, char c) {
    return table[static_cast<unsigned char>(c)];
}

// A cursor over JSON text. Every read checks the end; none allocates.
class Scanner {
  public:
    explicit Scanner(std::string_view text) : p_(text.data()), end_(text.data() + text.size()) {}

    bool done() const { return p_ == end_; }
    char const* position() const { return p_; }

    void skip_space() {
        while (p_ != end_ && is_space(*p_)) {
            ++p_;
        }
    }

    bool eat(char c) {
        if (p_ != end_ && *p_ == c) {
            ++p_;
            return true;
        }
        return false;
    }

    bool eat(std::string_view word) {
        if (static_cast<std::size_t>(end_ - p_) < word.size() ||
            std::string_view(p_, word.size()) != word) {
            return false;
        }
        p_ += word.size();
        return true;
    }

    char peek() const { return p_ == end_ ? '\0' : *p_; }

    // A string's content, between its quotes. Only the escapes nlohmann writes back as they came
    // are accepted (\/ and \uXXXX come back decoded); the content must be UTF-8 (RFC 3629).
    bool string(std::string_view& content) {
        if (!eat('"')) {
            return false;
        }
        char const* const begin = p_;
        bool ascii = true;
        for (;;) {
            p_ = json_scan::string_special(p_, end_);
            if (p_ == end_) {
                return false;
            }
            switch (class_of(kStringBytes, *p_)) {
                case kQuote:
                    content = std::string_view(begin, static_cast<std::size_t>(p_ - begin));
                    ++p_;
                    return ascii || utf8::is_valid(content);
                case kBackslash:
                    if (++p_ == end_ ||
                        std::string_view("\"\\bfnrt").find(*p_) == std::string_view::npos) {
                        return false;
                    }
                    break;
                case kControl:
                    return false;
                default:  // kHigh
                    ascii = false;
                    break;
            }
            ++p_;
        }
    }

    // Finds where the value at the cursor ends, checking only quotes and brackets: the encoder
    // checks the value itself when it writes it.
    bool skip_value(std::string_view& value) {
        char const* const begin = p_;
        if (peek() == '"') {
            if (!skip_string()) {
                return false;
            }
        } else if (peek() == '{' || peek() == '[') {
            std::size_t depth = 0;
            do {
                p_ = json_scan::container_special(p_, end_);
                if (p_ == end_) {
                    return false;
                }
                switch (class_of(kContainerBytes, *p_)) {
                    case kQuote:
                        if (!skip_string()) {
                            return false;
                        }
                        continue;
                    case kOpen:
                        ++depth;
                        break;
                    default:  // kClose
                        --depth;
                        break;
                }
                ++p_;
            } while (depth > 0);
        } else {
            while (p_ != end_ && !is_space(*p_) && *p_ != ',' && *p_ != '}' && *p_ != ']') {
                ++p_;
            }
        }
        value = std::string_view(begin, static_cast<std::size_t>(p_ - begin));
        return !value.empty();
    }

  private:
    // To the closing quote, stepping over escapes; the encoder checks the content when it writes
    // it.
    bool skip_string() {
        ++p_;  // the opening quote
        for (;;) {
            p_ = json_scan::string_end(p_, end_);
            if (p_ == end_) {
                return false;
            }
            if (*p_++ == '"') {
                return true;
            }
            if (p_ == end_) {
                return false;
            }
            ++p_;  // the escaped byte, whatever it is
        }
    }

    char const* p_;
    char const* end_;
};

// Left uninitialised on purpose: collect_members() and assign_fields() fill a member before it is
// read, and an object's 32 slots are set up on every typed object of every delivery.
struct Member {
    std::string_view key;    // as written, between the quotes
    std::string_view value;  // the value's text
    int field;               // its index in the field list; -1: kept as an unknown member
};

struct Members {
    std::array<Member, kMaxObjectMembers> items;
    std::size_t count = 0;
    std::array<std::int8_t, kMaxListFields> by_field;  // index in `items` per field; -1: absent

    std::span<Member const> all() const { return {items.data(), count}; }

    Member const* find(std::string_view key) const {
        for (Member const& member : all()) {
            if (member.key == key) {
                return &member;
            }
        }
        return nullptr;
    }

    Member const* field(std::size_t index) const {
        return by_field[index] < 0 ? nullptr : &items[static_cast<std::size_t>(by_field[index])];
    }
};

// The members of the object at the cursor, in order, up to its closing brace; assign_fields()
// checks them. With `payload`, the value of a member named "payload" that is an object has its
// own members collected into it on the way, and `payload_text` is set to that value: the
// envelope's pass crosses the payload anyway, and so the payload is not crossed a second time.
bool collect_object(Scanner& in, Members& out, Members* payload = nullptr,
                    std::string_view* payload_text = nullptr) {
    out.count = 0;
    if (!in.eat('{')) {
        return false;
    }
    in.skip_space();
    if (in.eat('}')) {
        return true;
    }
    for (;;) {
        if (out.count == out.items.size()) {
            return false;
        }
        Member& member = out.items[out.count++];
        if (!in.string(member.key)) {
            return false;
        }
        in.skip_space();
        if (!in.eat(':')) {
            return false;
        }
        in.skip_space();
        if (payload != nullptr && member.key == "payload" && in.peek() == '{') {
            char const* const begin = in.position();
            if (!collect_object(in, *payload)) {
                return false;
            }
            member.value = std::string_view(begin, static_cast<std::size_t>(in.position() - begin));
            *payload_text = member.value;
        } else if (!in.skip_value(member.value)) {
            return false;
        }
        in.skip_space();
        if (in.eat(',')) {
            in.skip_space();
            continue;
        }
        return in.eat('}');
    }
}

// The members of the object that `text` holds exactly.
bool collect_members(std::string_view text, Members& out) {
    Scanner in(text);
    return collect_object(in, out) && in.done();
}

ObjectSchema const& no_fields() {
    static ObjectSchema const empty;
    return empty;
}

// Gives each member its index in `schema`'s list, or -1, and refuses a duplicate key (nlohmann
// keeps one of them; the general path says which). Keys are compared as written: with only the
// escapes Scanner::string accepts, a string has one way to be written.
bool assign_fields(Members& members, ObjectSchema const& schema) {
    if (schema.fields.size() > kMaxListFields) {
        return false;
    }
    members.by_field.fill(-1);
    std::size_t next = 0;  // deliveries mostly follow the list's order: try the next field first
    for (std::size_t i = 0; i < members.count; ++i) {
        Member& member = members.items[i];
        bool const in_order = next < schema.fields.size() && schema.fields[next].key == member.key;
        member.field = in_order ? static_cast<int>(next) : schema.find(member.key);
        if (member.field >= 0) {
            auto& slot = members.by_field[static_cast<std::size_t>(member.field)];
            if (slot >= 0) {
                return false;
            }
            slot = static_cast<std::int8_t>(i);
            next = static_cast<std::size_t>(member.field) + 1;
            continue;
        }
        for (std::size_t j = 0; j < i; ++j) {
            if (members.items[j].field < 0 && members.items[j].key == member.key) {
                return false;
            }
        }
    }
    return true;
}

// The content of a value that is a string with no escapes, as the summary and the redelivery key
// need it; false for anything else.
bool plain_string(std::string_view value, std::string_view& content) {
    if (value.size() < 2 || value.front() != '"' || value.back() != '"') {
        return false;
    }
    content = value.substr(1, value.size() - 2);
    return content.find('\\') == std::string_view::npos;
}

// Received values are callsink's own (a time, a route, an address, hex): written as they are
// when they need no escaping, which is always; otherwise the general path writes them.
bool is_plain_ascii(std::string_view text) {
    for (char const c : text) {
        if (c < 0x20 || c > 0x7E || c == '"' || c == '\\') {
            return false;
        }
    }
    return true;
}

class Encoder {
  public:
    // `privacy` is nullptr when numbers pass through unchanged.
    Encoder(std::string& out, MsisdnPrivacy const* privacy) : out_(out), privacy_(privacy) {}

    // The payload's members and its text as written, once write_members() of the envelope
    // succeeded.
    Members const& payload() const { return payload_; }
    std::string_view payload_text() const {
        return std::string_view(out_).substr(payload_begin_, payload_end_ - payload_begin_);
    }

    // The envelope's members, exactly the object that `text` holds, and the payload's on the way.
    bool collect_envelope(std::string_view text, Members& envelope) {
        Scanner in(text);
        return collect_object(in, envelope, &payload_, &collected_payload_) && in.done();
    }

    // The object that `text` holds, in the list's order, then its unknown members.
    bool typed_object(std::string_view text, ObjectSchema const& schema, int depth) {
        Members local;
        // The payload, the one typed object at depth 1, is kept: its ids identify the event.
        bool const is_payload = depth == 1;
        Members& members = is_payload ? payload_ : local;
        bool const collected = is_payload && text.data() == collected_payload_.data() &&
                               text.size() == collected_payload_.size();
        if (depth > kMaxDepth || (!collected && !collect_members(text, members)) ||
            !assign_fields(members, schema)) {
            return false;
        }
        std::size_t const begin = out_.size();
        if (!write_members(members, schema, depth)) {
            return false;
        }
        if (is_payload) {
            payload_begin_ = begin;
            payload_end_ = out_.size();
        }
        return true;
    }

    bool write_members(Members const& members, ObjectSchema const& schema, int depth) {
        if ((members_seen_ += members.count) > kMaxBodyMembers) {
            return false;
        }
        out_ += '{';
        bool first = true;
        for (std::size_t index = 0; index < schema.fields.size(); ++index) {
            FieldSpec const& spec = schema.fields[index];
            Member const* member = members.field(index);
            if (member == nullptr || member->value == "null") {  // null is absent
                if (spec.required) {
                    return false;
                }
                continue;
            }
            open_member(first, member->key);
            if (!field(spec, member->value, depth)) {
                return false;
            }
        }
        for (Member const& member : members.all()) {
            if (member.field < 0) {
                if (privacy_ != nullptr) {
                    return false;  // protect() scrubs unknown members by their names and text
                }
                open_member(first, member.key);
                if (!whole_value(member.value, depth)) {
                    return false;
                }
            }
        }
        out_ += '}';
        return true;
    }

  private:
    void open_member(bool& first, std::string_view key) {
        if (!first) {
            out_ += ',';
        }
        first = false;
        quoted(key);
        out_ += ':';
    }

    void quoted(std::string_view content) {
        out_ += '"';
        out_ += content;
        out_ += '"';
    }

    bool field(FieldSpec const& spec, std::string_view text, int depth) {
        switch (spec.kind) {
            case FieldKind::text:
                return text_field(spec, text);
            case FieldKind::integer:
                return integer_field(text);
            case FieldKind::number:
                return number_field(text);
            case FieldKind::boolean:
                return boolean_field(text);
            case FieldKind::timestamp: {
                std::string_view content;
                if (!whole_string(text, content) || !rfc3339::is_timestamp(content)) {
                    return false;
                }
                quoted(content);
                return true;
            }
            case FieldKind::string_or_object:
                // eventData: protect() scrubs every string in it, at any depth.
                return privacy_ == nullptr && (text.front() == '"' || text.front() == '{') &&
                       whole_value(text, depth);
            case FieldKind::object:
                return typed_object(text, *spec.nested, depth + 1);
            case FieldKind::named_objects:
                return named_objects(text, *spec.nested, depth + 1);
            case FieldKind::object_list:
                return object_list(text, *spec.nested, depth + 1);
        }
        return false;
    }

    // numberHealthCheckEnabled: true/false, or the same in quotes, written bare.
    bool boolean_field(std::string_view text) {
        for (std::string_view word : {std::string_view("true"), std::string_view("false")}) {
            if (text == word || (text.size() == word.size() + 2 && text.front() == '"' &&
                                 text.back() == '"' && text.substr(1, word.size()) == word)) {
                out_ += word;
                return true;
            }
        }
        return false;
    }

    bool text_field(FieldSpec const& spec, std::string_view text) {
        std::string_view content;
        if (!whole_string(text, content) || (spec.required && content.empty())) {
            return false;
        }
        KnownValues const known = spec.text.known;
        if (!known.empty() && std::ranges::find(known, content) == known.end()) {
            return false;  // an unlisted value: the general path keeps it and notes it
        }
        if (privacy_ == nullptr || spec.text.privacy == Privacy::none) {
            quoted(content);
            return true;
        }
        // Without escapes the content is the decoded value, as protect() sees it.
        if (content.find('\\') != std::string_view::npos) {
            return false;
        }
        std::string const protected_text = spec.text.privacy == Privacy::phone_number
                                               ? privacy_->protect_number(content)
                                               : privacy_->scrub_text(content);
        if (protected_text.find_first_of("\"\\") != std::string::npos) {
            return false;  // would need escaping: the general path writes it
        }
        quoted(protected_text);
        return true;
    }

    // callDuration, sipCode, errorCode …: "12" is written as 12, as integer_from_text reads it.
    bool integer_field(std::string_view text) {
        if (text.front() == '"') {
            std::string_view content;
            std::int64_t value = 0;
            if (!whole_string(text, content) || !parse_all(content, value)) {
                return false;
            }
            std::array<char, 24> digits;
            auto const result = std::to_chars(digits.begin(), digits.end(), value);
            out_.append(digits.data(), result.ptr);
            return true;
        }
        Scanner in(text);
        NumberText number;
        return scan_number(in, number) && in.done() && !number.is_float && write_number(number);
    }

    // mos, packetLossRate: a number or a numeric string, written as nlohmann writes a double.
    bool number_field(std::string_view text) {
        std::string_view digits;
        if (text.front() == '"') {
            if (!whole_string(text, digits)) {
                return false;
            }
        } else {
            Scanner in(text);
            NumberText number;
            // -0 reads as the integer 0 and is written 0.0, which from_chars would make -0.0.
            if (!scan_number(in, number) || !in.done() || !plain_integer(number)) {
                return false;
            }
            digits = number.text;
        }
        double value = 0;
        if (!parse_all(digits, value)) {
            return false;
        }
        append_double(value);
        return true;
    }

    bool named_objects(std::string_view text, ObjectSchema const& schema, int depth) {
        Members members;
        if (depth > kMaxDepth || !collect_members(text, members) ||
            !assign_fields(members, no_fields()) || members.count == 0) {
            return false;
        }
        if ((members_seen_ += members.count) > kMaxBodyMembers) {
            return false;
        }
        out_ += '{';
        bool first = true;
        for (Member const& member : members.all()) {
            if (member.value == "null") {
                continue;  // null is absent, here as everywhere
            }
            open_member(first, member.key);
            if (!typed_object(member.value, schema, depth + 1)) {
                return false;
            }
        }
        out_ += '}';
        return !first;  // only null legs: the general path leaves `details` out
    }

    // virtualNumbers: each element a typed object, in order.
    bool object_list(std::string_view text, ObjectSchema const& schema, int depth) {
        Scanner in(text);
        if (depth > kMaxDepth || in.peek() != '[') {
            return false;
        }
        return sequence(in, ']',
                        [&](Scanner& inner) {
                            std::string_view element;
                            return ++members_seen_ <= kMaxBodyMembers &&
                                   inner.skip_value(element) &&
                                   typed_object(element, schema, depth + 1);
                        }) &&
               in.done();
    }

    static bool whole_string(std::string_view text, std::string_view& content) {
        Scanner in(text);
        return in.string(content) && in.done();
    }

    template <class T>
    static bool parse_all(std::string_view text, T& value) {
        char const* const last = text.data() + text.size();
        auto const [end, error] = std::from_chars(text.data(), last, value);
        if constexpr (std::is_floating_point_v<T>) {
            if (!std::isfinite(value)) {
                return false;
            }
        }
        return error == std::errc{} && end == last && !text.empty();
    }

    void append_double(double value) {
        std::array<char, 64> text;
        // nlohmann's own shortest round-trip formatting, so the record reads as dump() writes it.
        char* const end = nlohmann::detail::to_chars(text.data(), text.data() + text.size(), value);
        out_.append(text.data(), end);
    }

    bool whole_value(std::string_view text, int depth) {
        Scanner in(text);
        return value(in, depth) && in.done();
    }

    bool value(Scanner& in, int depth) {
        switch (in.peek()) {
            case '"': {
                std::string_view content;
                if (!in.string(content)) {
                    return false;
                }
                quoted(content);
                return true;
            }
            case '{':
                return container(in, depth + 1, '}');
            case '[':
                return container(in, depth + 1, ']');
            case 't':
                return literal(in, "true");
            case 'f':
                return literal(in, "false");
            case 'n':
                return literal(in, "null");
            default: {
                NumberText number;
                return scan_number(in, number) && write_number(number);
            }
        }
    }

    bool literal(Scanner& in, std::string_view word) {
        if (!in.eat(word)) {
            return false;
        }
        out_ += word;
        return true;
    }

    struct NumberText {
        std::string_view text;
        std::size_t integer_digits = 0;
        bool is_float = false;  // has a fraction or an exponent
    };

    // RFC 8259 section 6, stricter than from_chars (no leading '.', "inf" or "nan").
    static bool scan_number(Scanner& in, NumberText& number) {
        char const* const begin = in.position();
        bool const negative = in.eat('-');
        if (!in.eat('0') && !digits(in)) {
            return false;
        }
        number.integer_digits =
            static_cast<std::size_t>(in.position() - begin) - (negative ? 1 : 0);
        if (in.eat('.')) {
            number.is_float = true;
            if (!digits(in)) {
                return false;
            }
        }
        if (in.eat('e') || in.eat('E')) {
            number.is_float = true;
            if (!in.eat('+')) {
                in.eat('-');
            }
            if (!digits(in)) {
                return false;
            }
        }
        number.text = std::string_view(begin, static_cast<std::size_t>(in.position() - begin));
        return true;
    }

    // An integer nlohmann writes back as it came: it fits int64 or uint64, and is not -0.
    static bool plain_integer(NumberText const& number) {
        return number.is_float ||
               (number.integer_digits <= kMaxIntegerDigits && number.text != "-0");
    }

    // An integer is copied; a fraction or exponent is written as nlohmann writes the double it
    // reads ("1E2" becomes 100.0).
    bool write_number(NumberText const& number) {
        if (!plain_integer(number)) {
            return false;
        }
        if (!number.is_float) {
            out_ += number.text;
            return true;
        }
        double value = 0;
        if (!parse_all(number.text, value)) {
            return false;
        }
        append_double(value);
        return true;
    }

    // One or more; a leading zero is the caller's business.
    static bool digits(Scanner& in) {
        if (in.peek() < '0' || in.peek() > '9') {
            return false;
        }
        while (in.peek() >= '0' && in.peek() <= '9') {
            in.eat(in.peek());
        }
        return true;
    }

    // An object or an array, with its members or elements: `close` says which.
    bool container(Scanner& in, int depth, char close) {
        if (depth > kMaxDepth) {
            return false;
        }
        std::array<std::string_view, kMaxObjectMembers> keys;
        std::size_t count = 0;
        return sequence(in, close, [&](Scanner& inner) {
            return (close != '}' || key(inner, keys, count)) && value(inner, depth);
        });
    }

    // The '{' or '[' at the cursor, elements separated by commas, and `close`; `element` reads
    // and writes one element (or member).
    template <class Element>
    bool sequence(Scanner& in, char close, Element const& element) {
        out_ += in.peek();
        in.eat(in.peek());
        in.skip_space();
        if (in.eat(close)) {
            out_ += close;
            return true;
        }
        for (;;) {
            if (!element(in)) {
                return false;
            }
            in.skip_space();
            if (!in.eat(',')) {
                break;
            }
            out_ += ',';
            in.skip_space();
        }
        if (!in.eat(close)) {
            return false;
        }
        out_ += close;
        return true;
    }

    // A member's key and colon, refused when the object already has that key.
    bool key(Scanner& in, std::array<std::string_view, kMaxObjectMembers>& keys,
             std::size_t& count) {
        std::string_view key;
        if (!in.string(key) || count == keys.size() || ++members_seen_ > kMaxBodyMembers ||
            std::find(keys.begin(), keys.begin() + count, key) != keys.begin() + count) {
            return false;
        }
        keys[count++] = key;
        quoted(key);
        out_ += ':';
        in.skip_space();
        if (!in.eat(':')) {
            return false;
        }
        in.skip_space();
        return true;
    }

    std::string& out_;
    MsisdnPrivacy const* privacy_;
    std::size_t members_seen_ = 0;
    Members payload_;
    std::string_view collected_payload_;  // the body's payload object, once collect_envelope() has
                                          // collected its members into payload_
    std::size_t payload_begin_ = 0;
    std::size_t payload_end_ = 0;
};

// The envelope's list with `payload` where event_record() writes it: after description,
// before the envelope's unknown members. One per event type, built once.
ObjectSchema const& envelope_schema(EventType const& type) {
    static std::vector<ObjectSchema> const schemas = [] {
        std::vector<ObjectSchema> built;
        for (EventType const& each : event_types()) {
            ObjectSchema schema = schema_of<Envelope>();
            schema.fields.push_back(
                FieldSpec{"payload", FieldKind::object, true, {}, &each.schema()});
            built.push_back(std::move(schema));
        }
        return built;
    }();
    return schemas[type.index];
}

void append_received(Received const& received, std::string& out) {
    out += R"(,"received":{"at":")";
    out += received.at;
    out += R"(","path":")";
    out += received.path;
    out += R"(","remote":")";
    out += received.remote;
    out += R"(","requestId":")";
    out += received.request_id;
    out += "\"}}\n";
}

}  // namespace

std::optional<Record> encode_one_pass(std::string_view body, Received const& received) {
    return encode_one_pass(body, received, MsisdnPrivacy(MsisdnPolicy::clear));
}

std::optional<Record> encode_one_pass(std::string_view body, Received const& received,
                                      MsisdnPrivacy const& privacy) {
    for (std::string_view text :
         {std::string_view(received.at), std::string_view(received.path),
          std::string_view(received.remote), std::string_view(received.request_id)}) {
        if (!is_plain_ascii(text)) {
            return std::nullopt;
        }
    }
    // The envelope's members straight from the body: collect_envelope() takes exactly one object,
    // so only the white space around it is trimmed first.
    std::string_view object = body;
    while (!object.empty() && is_space(object.front())) {
        object.remove_prefix(1);
    }
    while (!object.empty() && is_space(object.back())) {
        object.remove_suffix(1);
    }
    Record record;
    Encoder encoder(record.line, privacy.enabled() ? &privacy : nullptr);
    Members envelope;
    if (!encoder.collect_envelope(object, envelope) || envelope.find("received") != nullptr) {
        return std::nullopt;  // an 8x8 `received` is kept inside callsink's: general path
    }
    Member const* event_type_member = envelope.find("eventType");
    std::string_view event_type_name;
    if (event_type_member == nullptr || !plain_string(event_type_member->value, event_type_name)) {
        return std::nullopt;
    }
    EventType const* type = find_event_type(event_type_name);
    if (type == nullptr) {
        return std::nullopt;
    }
    if (privacy.enabled() && type->identity.redelivery.empty()) {
        return std::nullopt;  // its key is its payload before privacy: the general path takes it
    }
    ObjectSchema const& schema = envelope_schema(*type);
    if (!assign_fields(envelope, schema)) {
        return std::nullopt;
    }
    record.line.reserve(body.size() + 160);
    if (!encoder.write_members(envelope, schema, 0)) {
        return std::nullopt;
    }
    Members const& payload = encoder.payload();
    auto const member = [&payload](std::string_view key, std::string_view& text) {
        Member const* found = payload.find(key);
        text = {};
        return found == nullptr || found->value == "null" || plain_string(found->value, text);
    };
    if (!identify_event(
            *type, member, [&encoder] { return encoder.payload_text(); }, record)) {
        return std::nullopt;
    }
    record.line.pop_back();  // the envelope's '}': `received` goes last, inside it
    append_received(received, record.line);
    return record;
}

}  // namespace callsink
