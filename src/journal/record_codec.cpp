#include "callsink/journal/record_codec.hpp"

#include <cstdint>
#include <cstring>

#include "callsink/events/event_types.hpp"

namespace callsink {

namespace {

template <class T>
void put(std::string& out, T value) {
    char bytes[sizeof(T)];
    std::memcpy(bytes, &value, sizeof(T));  // little-endian hosts, as the journal's format
    out.append(bytes, sizeof(T));
}

template <class Length>
void put_text(std::string& out, std::string_view text) {
    put<Length>(out, static_cast<Length>(text.size()));
    out.append(text);
}

// Reads the encoding front to back; any read past the end makes the whole decoding fail.
class Reader {
  public:
    explicit Reader(std::string_view bytes) : rest_(bytes) {}

    template <class T>
    T get() {
        T value{};
        if (rest_.size() < sizeof(T)) {
            failed_ = true;
            rest_ = {};
            return value;
        }
        std::memcpy(&value, rest_.data(), sizeof(T));
        rest_.remove_prefix(sizeof(T));
        return value;
    }

    template <class Length>
    std::string_view text() {
        auto const length = static_cast<std::size_t>(get<Length>());
        if (rest_.size() < length) {
            failed_ = true;
            rest_ = {};
            return {};
        }
        std::string_view const text = rest_.substr(0, length);
        rest_.remove_prefix(length);
        return text;
    }

    std::string_view rest() const { return rest_; }
    bool failed() const { return failed_; }

  private:
    std::string_view rest_;
    bool failed_ = false;
};

// The static label of `type` named `label`: the summary keeps views of the type's own.
std::string_view static_label(EventType const& type, std::string_view label) {
    for (SummaryField const& field : type.identity.summary) {
        if (field.label == label) {
            return field.label;
        }
    }
    return {};
}

}  // namespace

void encode_record(Record const& record, std::string& out) {
    EventSummary const& summary = record.summary;
    put<std::uint8_t>(out, record.kind == RecordKind::event ? 0 : 1);
    put<std::uint64_t>(out, record.redelivery_key.high);
    put<std::uint64_t>(out, record.redelivery_key.low);
    put_text<std::uint16_t>(out, summary.event_type);
    put_text<std::uint32_t>(out, summary.event_id());
    put_text<std::uint32_t>(out, summary.session_id());
    put<std::uint8_t>(out, static_cast<std::uint8_t>(summary.size()));
    for (std::size_t i = 0; i < summary.size(); ++i) {
        put_text<std::uint16_t>(out, summary.label(i));
        put_text<std::uint32_t>(out, summary.value(i));
    }
    put_text<std::uint32_t>(out, record.request_id);
    out.append(record.line);
}

std::optional<Record> decode_record(std::string_view bytes) {
    Reader in(bytes);
    Record record;
    auto const kind = in.get<std::uint8_t>();
    if (kind > 1) {
        return std::nullopt;
    }
    record.kind = kind == 0 ? RecordKind::event : RecordKind::rejection;
    record.redelivery_key.high = in.get<std::uint64_t>();
    record.redelivery_key.low = in.get<std::uint64_t>();
    std::string_view const type_name = in.text<std::uint16_t>();
    std::string_view const event_id = in.text<std::uint32_t>();
    std::string_view const session_id = in.text<std::uint32_t>();
    EventType const* type = find_event_type(type_name);
    if (type != nullptr) {
        record.summary.event_type = type->identity.name;
        record.summary.type_index = type->index;
        record.summary.set_ids(event_id, session_id);
    }
    auto const fields = in.get<std::uint8_t>();
    for (unsigned i = 0; i < fields; ++i) {
        std::string_view const label = in.text<std::uint16_t>();
        std::string_view const value = in.text<std::uint32_t>();
        std::string_view const known =
            type == nullptr ? std::string_view{} : static_label(*type, label);
        if (!known.empty()) {
            record.summary.add(known, value);
        }
    }
    record.request_id = in.text<std::uint32_t>();
    if (in.failed()) {
        return std::nullopt;
    }
    record.line = in.rest();
    return record;
}

}  // namespace callsink
