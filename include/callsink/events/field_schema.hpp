// The field list of an 8x8 object as data: what fast_record.cpp needs to validate and encode a
// delivery in one pass without building the typed Event. A SchemaBuilder walks the same
// visit_fields() list as FieldReader and FieldWriter (fields.hpp), so the three cannot drift
// apart: a field added to a list is read, written and scanned alike.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "callsink/events/fields.hpp"

namespace callsink {

enum class FieldKind {
    text,              // a string; `required` ones must be non-empty
    integer,           // a JSON integer or a string of digits, written as a number
    number,            // a JSON number or a numeric string, written as a number
    timestamp,         // an RFC 3339 string
    string_or_object,  // eventData
    object,            // a nested object with its own list (`nested`)
    named_objects,     // an object whose members all follow `nested` (details.callA …)
};

struct ObjectSchema;

struct FieldSpec {
    std::string_view key;
    FieldKind kind;
    bool required = false;
    KnownValues known;                     // text fields only; an unlisted value is a ParseNote
    ObjectSchema const* nested = nullptr;  // object and named_objects only
};

struct ObjectSchema {
    std::vector<FieldSpec> fields;  // in the list's order, which is the record's order

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
    void required(std::string_view key, std::string& /*out*/, KnownValues known = {}) {
        add(key, FieldKind::text, true, known);
    }
    void optional(std::string_view key, std::optional<std::string>& /*out*/,
                  KnownValues known = {}) {
        add(key, FieldKind::text, false, known);
    }
    void optional(std::string_view key, std::optional<std::int64_t>& /*out*/) {
        add(key, FieldKind::integer);
    }
    void optional(std::string_view key, std::optional<double>& /*out*/) {
        add(key, FieldKind::number);
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

    ObjectSchema take() { return std::move(schema_); }

  private:
    void add(std::string_view key, FieldKind kind, bool required = false, KnownValues known = {},
             ObjectSchema const* nested = nullptr) {
        schema_.fields.push_back(FieldSpec{key, kind, required, known, nested});
    }

    ObjectSchema schema_;
};

// Built once, on first use, and never changed: safe to share between threads. Instantiate it
// where visit_fields(T&, …) is visible (the type's *_json.cpp).
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
