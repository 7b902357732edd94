// An object's field list as data: what the one-pass encoder (records/one_pass_encoder.hpp) needs
// to validate and encode a delivery without building the typed Event, and what tests read to
// check an event type's identity against its fields. A SchemaBuilder walks the same
// visit_fields() list as FieldReader and FieldWriter (fields.hpp) and the privacy walk, so none
// of them can drift apart: a field added to a list is read, written, scanned and protected alike.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "callsink/events/field_list.hpp"

namespace callsink {

enum class FieldKind {
    text,              // a string; `required` ones must be non-empty
    integer,           // a JSON integer or a string of digits, written as a number
    number,            // a JSON number or a numeric string, written as a number
    boolean,           // true/false, or the strings "true"/"false", written as a boolean
    timestamp,         // an RFC 3339 string
    string_or_object,  // eventData
    object,            // a nested object with its own list (`nested`)
    named_objects,     // an object whose members all follow `nested` (details.callA …)
    object_list,       // an array whose elements all follow `nested` (virtualNumbers)
};

struct ObjectSchema;

struct FieldSpec {
    std::string_view key;
    FieldKind kind;
    bool required = false;
    TextRules text;                        // text fields only
    ObjectSchema const* nested = nullptr;  // object, named_objects and object_list only
};

struct ObjectSchema {
    std::vector<FieldSpec> fields;  // in the list's order, which is the record's order

    // The field named `key`, or nullptr.
    FieldSpec const* field(std::string_view key) const {
        int const index = find(key);
        return index < 0 ? nullptr : &fields[static_cast<std::size_t>(index)];
    }

    // The index of `key` in `fields`, or -1.
    int find(std::string_view key) const {
        for (std::size_t i = 0; i < fields.size(); ++i) {
            if (fields[i].key == key) {
                return static_cast<int>(i);
            }
        }
        return -1;
    }
};

template <class T>
ObjectSchema const& schema_of();

// Quacks like FieldReader: visit_fields(value, builder) records each field instead of reading it.
class SchemaBuilder {
  public:
    void required(std::string_view key, std::string& /*out*/, TextRules rules = {}) {
        add(key, FieldKind::text, true, rules);
    }
    void optional(std::string_view key, std::optional<std::string>& /*out*/, TextRules rules = {}) {
        add(key, FieldKind::text, false, rules);
    }
    void optional(std::string_view key, std::optional<std::int64_t>& /*out*/) {
        add(key, FieldKind::integer);
    }
    void optional(std::string_view key, std::optional<double>& /*out*/) {
        add(key, FieldKind::number);
    }
    void optional(std::string_view key, std::optional<bool>& /*out*/) {
        add(key, FieldKind::boolean);
    }
    void timestamp(std::string_view key, std::optional<std::string>& /*out*/) {
        add(key, FieldKind::timestamp);
    }
    void string_or_object(std::string_view key, std::optional<Json>& /*out*/) {
        add(key, FieldKind::string_or_object);
    }
    template <class T>
    void object(std::string_view key, std::optional<T>& /*out*/) {
        add(key, FieldKind::object, false, {}, &schema_of<T>());
    }
    template <class T>
    void named_objects(std::string_view key, std::vector<T>& /*out*/) {
        add(key, FieldKind::named_objects, false, {}, &schema_of<T>());
    }
    template <class T>
    void required_list(std::string_view key, std::vector<T>& /*out*/) {
        add(key, FieldKind::object_list, true, {}, &schema_of<T>());
    }

    ObjectSchema take() { return std::move(schema_); }

  private:
    void add(std::string_view key, FieldKind kind, bool required = false, TextRules rules = {},
             ObjectSchema const* nested = nullptr) {
        schema_.fields.push_back(FieldSpec{key, kind, required, rules, nested});
    }

    ObjectSchema schema_;
};

// Built once, on first use, and never changed: safe to share between threads. Needs the type's
// visit_fields (its header under events/types/) where it is instantiated.
template <class T>
ObjectSchema const& schema_of() {
    static ObjectSchema const schema = [] {
        T value;
        SchemaBuilder builder;
        visit_fields(value, builder);
        return builder.take();
    }();
    return schema;
}

}  // namespace callsink
