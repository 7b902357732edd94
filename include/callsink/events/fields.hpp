// Reads and writes the objects of a delivery by walking their field lists (visit_fields, beside
// each type under events/types/ and in event.hpp): FieldReader parses JSON into the typed struct,
// FieldWriter encodes the struct back, so what is read and what is written cannot drift apart.
// Members a list does not name are kept in `extra`.
//
// A FieldReader stops at the first problem: later reads do nothing and finish() returns that one
// Rejection, so a visit_fields body stays a flat list with no error handling of its own.
#pragma once

#include <boost/system/result.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "callsink/events/field_list.hpp"
#include "callsink/events/rejection.hpp"

namespace callsink {

template <class T>
using ReadResult = boost::system::result<T, Rejection>;

class FieldReader {
  public:
    // `object` must be a JSON object and outlive the reader; `path` is its dotted path ("" for
    // the top level). Keys passed to the readers must outlive it too (they are literals).
    FieldReader(Json const& object, std::string path, std::vector<ParseNote>& notes);

    void required(std::string_view key, std::string& out, TextRules rules = {});
    void optional(std::string_view key, std::optional<std::string>& out, TextRules rules = {});
    void optional(std::string_view key, std::optional<std::int64_t>& out);
    void optional(std::string_view key, std::optional<double>& out);
    void optional(std::string_view key, std::optional<bool>& out);
    void timestamp(std::string_view key, std::optional<std::string>& out);
    void string_or_object(std::string_view key, std::optional<Json>& out);

    template <class T>
    void object(std::string_view key, std::optional<T>& out);

    // An object whose members are all T, kept in received order, each named by its key.
    template <class T>
    void named_objects(std::string_view key, std::vector<T>& out);

    // An array whose elements are all T, in order; present and not null, possibly empty. An
    // element that is not an object, null included, is refused by its index: null is absent
    // for a member, but an element has no name to be absent from, and dropping it would shift
    // the index of every element after it in later messages.
    template <class T>
    void required_list(std::string_view key, std::vector<T>& out);

    // An object the caller reads itself; nullptr after any problem (now or earlier).
    Json const* required_object(std::string_view key);

    // Records a problem found by the caller, unless an earlier one is already recorded.
    void reject(Rejection rejection);

    // The value with its unknown members in `extra`, or the first problem.
    template <class T>
    ReadResult<T> finish(T value);

  private:
    template <class T, class Convert>
    void read(std::string_view key, std::optional<T>& out, Convert convert,
              Privacy privacy = Privacy::none);

    Json const* find(std::string_view key);
    Json const* find_object(std::string_view key);
    Json const* find_array(std::string_view key);
    // The member `key` when it is absent, null or of the kind `is_kind` tests; a problem naming
    // `requirement` otherwise.
    Json const* find_kind(std::string_view key, bool (Json::*is_kind)() const noexcept,
                          std::string_view requirement);
    std::string path_of(std::string_view key) const;
    // `privacy` other than none: the message names what kind of value was found, not the value.
    void fail(RejectCode code, std::string path, std::string_view requirement, Json const& found,
              Privacy privacy = Privacy::none);
    void fail_missing(std::string_view key);
    void note_if_unknown(std::string_view key, std::string const& value, KnownValues known);
    Json extra() const;

    Json const& object_;
    std::string path_;
    std::vector<ParseNote>& notes_;
    std::vector<std::string_view> known_keys_;
    std::optional<Rejection> error_;
};

template <class T>
ReadResult<T> read_object(Json const& object, std::string path, std::vector<ParseNote>& notes) {
    FieldReader fields(object, std::move(path), notes);
    T value;
    visit_fields(value, fields);
    return fields.finish(std::move(value));
}

template <class T>
void FieldReader::object(std::string_view key, std::optional<T>& out) {
    Json const* member = find_object(key);
    if (member == nullptr) {
        return;
    }
    auto nested = read_object<T>(*member, path_of(key), notes_);
    if (!nested) {
        return reject(std::move(nested.error()));
    }
    out = std::move(*nested);
}

template <class T>
void FieldReader::named_objects(std::string_view key, std::vector<T>& out) {
    Json const* members = find_object(key);
    if (members == nullptr) {
        return;
    }
    std::string const path = path_of(key);
    for (auto it = members->begin(); it != members->end(); ++it) {
        if (it->is_null()) {
            continue;  // null is absent, here as everywhere
        }
        std::string member_path = path + "." + it.key();
        if (!it->is_object()) {
            return fail(RejectCode::wrong_type, std::move(member_path), "must be an object", *it);
        }
        auto nested = read_object<T>(*it, std::move(member_path), notes_);
        if (!nested) {
            return reject(std::move(nested.error()));
        }
        nested->name = it.key();
        out.push_back(std::move(*nested));
    }
}

template <class T>
void FieldReader::required_list(std::string_view key, std::vector<T>& out) {
    Json const* elements = find_array(key);
    if (elements == nullptr) {
        return fail_missing(key);
    }
    std::string const path = path_of(key);
    out.reserve(elements->size());
    for (std::size_t i = 0; i < elements->size(); ++i) {
        Json const& element = (*elements)[i];
        std::string element_path = path + "[" + std::to_string(i) + "]";
        if (!element.is_object()) {
            return fail(RejectCode::wrong_type, std::move(element_path), "must be an object",
                        element);
        }
        auto nested = read_object<T>(element, std::move(element_path), notes_);
        if (!nested) {
            return reject(std::move(nested.error()));
        }
        out.push_back(std::move(*nested));
    }
}

template <class T>
ReadResult<T> FieldReader::finish(T value) {
    if (error_) {
        return ReadResult<T>(boost::system::in_place_error, std::move(*error_));
    }
    value.extra = extra();
    return value;
}

template <class T>
Json write_object(T const& value);

class FieldWriter {
  public:
    explicit FieldWriter(Json& object) : object_(object) {}

    void required(std::string_view key, std::string const& value, TextRules /*rules*/ = {}) {
        object_[std::string(key)] = value;
    }

    template <class T>
    void optional(std::string_view key, std::optional<T> const& value, TextRules /*rules*/ = {}) {
        if (value) {
            object_[std::string(key)] = *value;
        }
    }

    void timestamp(std::string_view key, std::optional<std::string> const& value) {
        optional(key, value);
    }

    void string_or_object(std::string_view key, std::optional<Json> const& value) {
        optional(key, value);
    }

    template <class T>
    void object(std::string_view key, std::optional<T> const& value) {
        if (value) {
            object_[std::string(key)] = write_object(*value);
        }
    }

    template <class T>
    void named_objects(std::string_view key, std::vector<T> const& values) {
        if (values.empty()) {
            return;
        }
        Json members = Json::object();
        for (T const& value : values) {
            members[value.name] = write_object(value);
        }
        object_[std::string(key)] = std::move(members);
    }

    template <class T>
    void required_list(std::string_view key, std::vector<T> const& values) {
        Json elements = Json::array();
        for (T const& value : values) {
            elements.push_back(write_object(value));
        }
        object_[std::string(key)] = std::move(elements);
    }

    // Members callsink does not know, in received order. A known field keeps its name: an
    // `extra` that repeats it (possible only in an Event built by hand) loses that member.
    void extra(Json const& extra) {
        if (!extra.is_object()) {
            return;
        }
        for (auto it = extra.begin(); it != extra.end(); ++it) {
            if (!object_.contains(it.key())) {
                object_[it.key()] = *it;
            }
        }
    }

  private:
    Json& object_;
};

template <class T>
Json write_object(T const& value) {
    Json json = Json::object();
    FieldWriter fields(json);
    visit_fields(value, fields);
    fields.extra(value.extra);
    return json;
}

}  // namespace callsink
