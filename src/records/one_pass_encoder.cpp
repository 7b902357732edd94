// One pass from bytes to record. Each typed object is read twice over its own bytes: once to index
// where each member's value starts and ends (member_index.hpp: cheap, quotes and brackets only),
// then member by member in the field list's order, checking and writing each value. The lexing is
// JsonLexer's (base/json_lexer.hpp), numbers are written by number_format.hpp, and what this
// path holds before it declines is one_pass_capacities.hpp.
#include "callsink/records/one_pass_encoder.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "callsink/base/json_lexer.hpp"
#include "callsink/base/rfc3339.hpp"
#include "callsink/events/event.hpp"
#include "callsink/events/event_types.hpp"
#include "callsink/events/field_schema.hpp"
#include "callsink/records/member_index.hpp"
#include "callsink/records/number_format.hpp"
#include "callsink/records/one_pass_capacities.hpp"
#include "callsink/records/record_identity.hpp"

namespace callsink {
namespace {

using one_pass::kBodyMemberCapacity;
using one_pass::kDepthCapacity;
using one_pass::kObjectMemberCapacity;

ObjectSchema const& no_fields() {
    static ObjectSchema const empty;
    return empty;
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
    MemberIndex const& payload() const { return payload_; }
    std::string_view payload_text() const {
        return std::string_view(out_).substr(payload_begin_, payload_end_ - payload_begin_);
    }

    // The envelope's members, the one object that `body` holds between white space, and the
    // payload's on the way.
    bool collect_envelope(std::string_view body, MemberIndex& envelope) {
        JsonLexer in(body);
        in.skip_space();
        if (!envelope.collect(in, "payload", &payload_)) {
            return false;
        }
        in.skip_space();
        return in.done();
    }

    // The object that `text` holds, in the list's order, then its unknown members.
    bool typed_object(std::string_view text, ObjectSchema const& schema, std::size_t depth) {
        MemberIndex local;
        // The payload, the one typed object at depth 1, is kept: its ids identify the event.
        bool const is_payload = depth == 1;
        MemberIndex& members = is_payload ? payload_ : local;
        // collect_envelope() indexed the payload already, unless `text` is another one.
        bool const collected = is_payload && text.data() == payload_.text().data() &&
                               text.size() == payload_.text().size();
        if (depth > kDepthCapacity || (!collected && !members.collect(text)) ||
            !members.assign_fields(schema)) {
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

    bool write_members(MemberIndex const& members, ObjectSchema const& schema, std::size_t depth) {
        if ((members_seen_ += members.all().size()) > kBodyMemberCapacity) {
            return false;
        }
        out_ += '{';
        bool first = true;
        for (std::size_t index = 0; index < schema.fields.size(); ++index) {
            FieldSpec const& spec = schema.fields[index];
            IndexedMember const* member = members.field(index);
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
        for (IndexedMember const& member : members.all()) {
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
    void comma_unless_first(bool& first) {
        if (!first) {
            out_ += ',';
        }
        first = false;
    }

    void open_member(bool& first, std::string_view key) {
        comma_unless_first(first);
        as_written(key);
        out_ += ':';
    }

    // A string read from the delivery by JsonLexer::string, which gives the text between its
    // quotes: the quotes around it are copied with it, in one append.
    void as_written(std::string_view content) {
        out_.append(content.data() - 1, content.size() + 2);
    }

    void quoted(std::string_view content) {
        out_ += '"';
        out_ += content;
        out_ += '"';
    }

    bool field(FieldSpec const& spec, std::string_view text, std::size_t depth) {
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
                as_written(content);
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
            as_written(content);
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
            if (!whole_string(text, content) || !number_format::parse_integer(content, value)) {
                return false;
            }
            number_format::append_integer(value, out_);
            return true;
        }
        JsonLexer in(text);
        JsonNumber number;
        return in.number(number) && in.done() && !number.is_float &&
               number_format::append_number(number, out_);
    }

    // mos, packetLossRate: a number or a numeric string, written as nlohmann writes a double.
    bool number_field(std::string_view text) {
        std::string_view digits;
        if (text.front() == '"') {
            if (!whole_string(text, digits)) {
                return false;
            }
        } else {
            JsonLexer in(text);
            JsonNumber number;
            // -0 reads as the integer 0 and is written 0.0, which from_chars would make -0.0.
            if (!in.number(number) || !in.done() || !number_format::round_trips(number)) {
                return false;
            }
            digits = number.text;
        }
        return number_format::append_decimal(digits, out_);
    }

    bool named_objects(std::string_view text, ObjectSchema const& schema, std::size_t depth) {
        MemberIndex members;
        if (depth > kDepthCapacity || !members.collect(text) ||
            !members.assign_fields(no_fields()) || members.all().empty()) {
            return false;
        }
        if ((members_seen_ += members.all().size()) > kBodyMemberCapacity) {
            return false;
        }
        out_ += '{';
        bool first = true;
        for (IndexedMember const& member : members.all()) {
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
    bool object_list(std::string_view text, ObjectSchema const& schema, std::size_t depth) {
        if (depth > kDepthCapacity) {
            return false;
        }
        JsonLexer in(text);
        out_ += '[';
        bool first = true;
        bool const read = in.array([&] {
            std::string_view element;
            comma_unless_first(first);
            return ++members_seen_ <= kBodyMemberCapacity && in.skip_value(element) &&
                   typed_object(element, schema, depth + 1);
        });
        out_ += ']';
        return read && in.done();
    }

    static bool whole_string(std::string_view text, std::string_view& content) {
        JsonLexer in(text);
        return in.string(content) && in.done();
    }

    bool whole_value(std::string_view text, std::size_t depth) {
        JsonLexer in(text);
        return value(in, depth) && in.done();
    }

    bool value(JsonLexer& in, std::size_t depth) {
        switch (in.peek()) {
            case '"': {
                std::string_view content;
                if (!in.string(content)) {
                    return false;
                }
                as_written(content);
                return true;
            }
            case '{':
                return object(in, depth + 1);
            case '[':
                return array(in, depth + 1);
            case 't':
                return literal(in, "true");
            case 'f':
                return literal(in, "false");
            case 'n':
                return literal(in, "null");
            default: {
                JsonNumber number;
                return in.number(number) && number_format::append_number(number, out_);
            }
        }
    }

    bool literal(JsonLexer& in, std::string_view word) {
        if (!in.eat(word)) {
            return false;
        }
        out_ += word;
        return true;
    }

    // An object of any members, each refused when the object already has its key.
    bool object(JsonLexer& in, std::size_t depth) {
        if (depth > kDepthCapacity) {
            return false;
        }
        std::array<std::string_view, kObjectMemberCapacity> keys;
        std::size_t count = 0;
        out_ += '{';
        bool first = true;
        bool const read = in.object([&](std::string_view key) {
            if (count == keys.size() || ++members_seen_ > kBodyMemberCapacity ||
                std::find(keys.begin(), keys.begin() + count, key) != keys.begin() + count) {
                return false;
            }
            keys[count++] = key;
            open_member(first, key);
            return value(in, depth);
        });
        out_ += '}';
        return read;
    }

    bool array(JsonLexer& in, std::size_t depth) {
        if (depth > kDepthCapacity) {
            return false;
        }
        out_ += '[';
        bool first = true;
        bool const read = in.array([&] {
            comma_unless_first(first);
            return value(in, depth);
        });
        out_ += ']';
        return read;
    }

    std::string& out_;
    MsisdnPrivacy const* privacy_;
    std::size_t members_seen_ = 0;
    MemberIndex payload_;
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
    Record record;
    Encoder encoder(record.line, privacy.enabled() ? &privacy : nullptr);
    MemberIndex envelope;
    if (!encoder.collect_envelope(body, envelope) || envelope.find("received") != nullptr) {
        return std::nullopt;  // an 8x8 `received` is kept inside callsink's: general path
    }
    IndexedMember const* event_type_member = envelope.find("eventType");
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
    if (!envelope.assign_fields(schema)) {
        return std::nullopt;
    }
    record.line.reserve(body.size() + 160);
    if (!encoder.write_members(envelope, schema, 0)) {
        return std::nullopt;
    }
    MemberIndex const& payload = encoder.payload();
    auto const member = [&payload](std::string_view key, std::string_view& text) {
        IndexedMember const* found = payload.find(key);
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
