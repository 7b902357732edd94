#include "callsink/events/number_field_names.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "callsink/events/event_types.hpp"

namespace callsink {
namespace {

char ascii_lower(char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

}  // namespace

NumberFieldNames::NumberFieldNames(std::span<ObjectSchema const* const> schemas,
                                   std::span<std::string_view const> more) {
    for (ObjectSchema const* schema : schemas) {
        add_fields_of(*schema);
    }
    for (std::string_view name : more) {
        add(name);
    }
    std::sort(names_.begin(), names_.end());
    names_.erase(std::unique(names_.begin(), names_.end()), names_.end());
}

NumberFieldNames const& NumberFieldNames::registered() {
    static NumberFieldNames const names = [] {
        std::vector<ObjectSchema const*> schemas;
        for (EventType const& type : event_types()) {
            schemas.push_back(&type.schema());
        }
        return NumberFieldNames(schemas, kCallActionNumberFields);
    }();
    return names;
}

// A name longer than kLengthBits - 1 would never match: start-up refuses it (no 8x8 member is
// that long).
void NumberFieldNames::add(std::string_view name) {
    if (name.empty() || name.size() >= kLengthBits) {
        throw std::invalid_argument("a phone-number field name must be 1 to " +
                                    std::to_string(kLengthBits - 1) +
                                    " characters: " + std::string(name));
    }
    std::string lower(name);
    std::transform(lower.begin(), lower.end(), lower.begin(), ascii_lower);
    longest_ = std::max(longest_, lower.size());
    lengths_ |= 1U << lower.size();
    names_.push_back(std::move(lower));
}

// Field lists nest a few levels (a summary's legs, their errorDetails), never cyclically.
void NumberFieldNames::add_fields_of(ObjectSchema const& schema) {
    for (FieldSpec const& field : schema.fields) {
        if (field.kind == FieldKind::text && field.text.privacy == Privacy::phone_number) {
            add(field.key);
        }
        if (field.nested != nullptr) {
            add_fields_of(*field.nested);
        }
    }
}

}  // namespace callsink
