#pragma once

#include <cstdint>
#include <span>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// Reading HSS response bodies. The JSON library stays inside json_reader.cpp; endpoint parsers
// read members through JsonObject, whose errors name the member and what was expected. Every
// failure is a ServiceError (exit 3): HSS data is untrusted input.
namespace gate::hss {

// Whether a list member written as one bare object, not an array, is a list of that one record.
enum class BareObject { refused, one_record };


class JsonObject {
public:
  // A string member; nullopt when absent or null.
  std::optional<std::string> text(std::string_view key) const;
  std::optional<bool> boolean(std::string_view key) const;
  // An integer member within [min, max]; booleans, floats and numeric strings are refused.
  std::optional<std::int64_t> integer(std::string_view key, std::int64_t min, std::int64_t max) const;
  // A number with or without a fraction (a CVSS score); booleans and strings are refused.
  std::optional<double> number(std::string_view key) const;
  // A byte count: an integer, or text as the API page's example writes it, "1,000 (bytes)".
  std::optional<std::int64_t> size(std::string_view key) const;
  bool has(std::string_view key) const;
  // A list of objects; nullopt when absent or null. A bare object is read as a list of one only
  // where the list's reference writes it so (BareObject::one_record); elsewhere it is malformed.
  std::optional<std::vector<JsonObject>> objects(std::string_view key, BareObject bare = BareObject::refused) const;
  // The records of a list page: `data_list`, which may be absent or null only when `total_num`
  // (already read) is 0. A page that promises records and holds none is never an empty list.
  std::vector<JsonObject> page_items(std::int64_t total_num, BareObject bare = BareObject::refused) const;

  // A list of strings; nullopt when absent or null.
  std::optional<std::vector<std::string>> texts(std::string_view key) const;
  // A member that must be an object; nullopt when absent or null.
  std::optional<JsonObject> object(std::string_view key) const;
  // The member names, in the order of the text.
  std::vector<std::string> keys() const;

  // The object as compact JSON, with the named members left out (a secret's matched content).
  std::string to_json(std::span<const std::string_view> without = {}) const;

  // "data_list[3]": where this object sits in the response, for messages.
  const std::string& where() const;
  std::string member(std::string_view key) const;

  struct Impl;
  JsonObject(std::shared_ptr<const Impl> impl, std::string where);

private:
  friend class JsonBuilder; // puts an object already read into a document as it is
  std::shared_ptr<const Impl> m_impl;
  std::string m_where;
};

// Parses a response body that must be a JSON object. Refuses duplicated keys (ambiguous) and
// integers beyond 64 bits (the parser would wrap them to small values).
JsonObject parse_json_object(std::string_view body);

// Builds a JSON document from parts: members or items that are JSON text already (records kept
// as HSS sent them), or plain values. The JSON library writes and escapes; nothing is pasted.
class JsonBuilder {
public:
  JsonBuilder();
  ~JsonBuilder();
  JsonBuilder(JsonBuilder&&) noexcept;
  JsonBuilder& operator=(JsonBuilder&&) noexcept;
  JsonBuilder& set_json(const std::string& key, const std::string& json); // json must be valid JSON
  JsonBuilder& set(const std::string& key, const std::string& text);
  JsonBuilder& set(const std::string& key, std::int64_t number);
  JsonBuilder& set(const std::string& key, JsonBuilder object);
  JsonBuilder& set_array(const std::string& key, const std::vector<std::string>& json_items);
  // The objects as they were read, shared rather than written out and parsed again.
  JsonBuilder& set_array(const std::string& key, std::span<const JsonObject* const> items);
  std::string str() const;

private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

// Throws the ServiceError for an unreadable response: "<where>: expected <expected>".
[[noreturn]] void fail_response(const std::string& where, const std::string& expected);

} // namespace gate::hss
