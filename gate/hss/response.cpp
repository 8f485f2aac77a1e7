#include "gate/hss/response.hpp"

#include "gate/error.hpp"

#include <Poco/Dynamic/Var.h>
#include <Poco/Exception.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <array>
#include <limits>

namespace gate::hss {

namespace {

using Poco::Dynamic::Var;
using Poco::JSON::Object;

constexpr std::int64_t k_max_int32 = std::numeric_limits<std::int32_t>::max();
constexpr std::int64_t k_max_int64 = std::numeric_limits<std::int64_t>::max();

[[noreturn]] void fail(const std::string& where, const std::string& expected) {
  throw ServiceError(fmt::format("unreadable HSS response: {}: expected {}", where, expected));
}

std::string describe(const Var& value) {
  if (value.isEmpty()) return "null";
  if (value.isString()) return "a string";
  if (value.isBoolean()) return "a boolean";
  if (value.isNumeric()) return "a number";
  if (value.type() == typeid(Object::Ptr)) return "an object";
  if (value.type() == typeid(Poco::JSON::Array::Ptr)) return "an array";
  return "another type";
}

// "1,000 (bytes)" as in the API page's example; digits with optional thousands separators.
std::optional<std::int64_t> parse_size_text(const std::string& text) {
  std::string digits;
  std::size_t i = 0;
  for (; i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == ','); ++i) {
    if (text[i] != ',') digits += text[i];
  }
  std::string rest = text.substr(i);
  if (digits.empty() || digits.size() > 18) return std::nullopt;
  if (!rest.empty() && rest != " (bytes)" && rest != "(bytes)" && rest != " bytes") return std::nullopt;
  return std::stoll(digits);
}

class RecordReader {
public:
  RecordReader(const Object& object, std::string where) : m_object(object), m_where(std::move(where)) {}

  std::string text(const char* key) const {
    Var value = m_object.get(key);
    if (value.isEmpty()) return {};
    if (!value.isString()) fail(member(key), fmt::format("a string, got {}", describe(value)));
    return value.extract<std::string>();
  }

  std::optional<bool> boolean(const char* key) const {
    Var value = m_object.get(key);
    if (value.isEmpty()) return std::nullopt;
    if (!value.isBoolean()) fail(member(key), fmt::format("a boolean, got {}", describe(value)));
    return value.convert<bool>();
  }

  std::optional<std::int64_t> integer(const char* key, std::int64_t max) const {
    Var value = m_object.get(key);
    if (value.isEmpty()) return std::nullopt;
    if (!value.isInteger()) fail(member(key), fmt::format("an integer, got {}", describe(value)));
    std::int64_t number = 0;
    try {
      number = value.convert<std::int64_t>();
    } catch (const Poco::Exception&) {
      fail(member(key), fmt::format("an integer from 0 to {}", max));
    }
    if (number < 0 || number > max) fail(member(key), fmt::format("an integer from 0 to {}, got {}", max, number));
    return number;
  }

  std::optional<std::int64_t> size(const char* key) const {
    Var value = m_object.get(key);
    if (value.isString()) {
      auto parsed = parse_size_text(value.extract<std::string>());
      if (!parsed) fail(member(key), "a byte count such as 1000 or \"1,000 (bytes)\"");
      return parsed;
    }
    return integer(key, k_max_int64);
  }

  std::string member(const char* key) const { return m_where + "." + key; }

private:
  const Object& m_object;
  std::string m_where;
};

Record read_record(const Object& object, const std::string& where) {
  RecordReader in(object, where);
  Record record;
  record.image_id = in.text("image_id");
  record.cicd_name = in.text("cicd_name");
  record.namespace_name = in.text("namespace");
  record.image_name = in.text("image_name");
  record.image_digest = in.text("image_digest");
  record.image_version = in.text("image_version");
  record.registry_name = in.text("registry_name");
  record.image_type = in.text("image_type");
  record.registry_type = in.text("registry_type");
  record.pipeline_type = in.text("pipeline_type");
  record.latest_version = in.boolean("latest_version");
  record.scan_status = in.text("scan_status");
  record.scan_failed_desc = in.text("scan_failed_desc");
  record.scan_failed_code = in.text("scan_failed_code");
  record.image_size = in.size("image_size");
  record.latest_update_time = in.integer("latest_update_time", k_max_int64);
  record.latest_scan_time = in.integer("latest_scan_time", k_max_int64);
  record.vul_num = in.integer("vul_num", k_max_int32);
  record.unsafe_setting_num = in.integer("unsafe_setting_num", k_max_int32);
  record.malicious_file_num = in.integer("malicious_file_num", k_max_int32);
  record.severity_level = in.text("severity_level");

  if (!scan_state_of(record.scan_status)) {
    fail(in.member("scan_status"),
         fmt::format("one of unscan, success, scanning, failed, download_failed, image_oversized, "
                     "waiting_for_scan, got \"{}\"",
                     record.scan_status));
  }
  static constexpr std::array k_levels{"", "Security", "Low", "Medium", "High"};
  if (std::find(k_levels.begin(), k_levels.end(), record.severity_level) == k_levels.end()) {
    fail(in.member("severity_level"),
         fmt::format("one of Security, Low, Medium, High, got \"{}\"", record.severity_level));
  }
  return record;
}

// Poco's parser wraps some integers beyond 64 bits to small values (2^64 becomes 0), which would
// let an absurd vul_num pass. Any digit run that long outside a string is refused up front.
void refuse_oversized_numbers(std::string_view body) {
  bool in_string = false;
  std::size_t digits = 0;
  for (std::size_t i = 0; i < body.size(); ++i) {
    char c = body[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
      digits = 0;
    } else if (c >= '0' && c <= '9') {
      if (++digits > 19) throw ServiceError("unreadable HSS response: a number is out of the 64-bit range");
    } else {
      digits = 0;
    }
  }
}

} // namespace

Page parse_page(std::string_view body) {
  refuse_oversized_numbers(body);
  Var root;
  try {
    Poco::JSON::Parser parser;
    root = parser.parse(std::string(body));
  } catch (const Poco::Exception& e) {
    std::string what = e.message().empty() ? e.displayText() : e.message();
    throw ServiceError(fmt::format("unreadable HSS response: not valid JSON ({})", what));
  }
  if (root.type() != typeid(Object::Ptr)) fail("response", fmt::format("a JSON object, got {}", describe(root)));
  auto object = root.extract<Object::Ptr>();

  Page page;
  RecordReader top(*object, "response");
  page.total_num = top.integer("total_num", k_max_int32).value_or(0);

  Var list = object->get("data_list");
  if (list.isEmpty()) {
    if (!object->has("total_num")) fail("response", "members total_num and data_list");
    return page;
  }
  if (list.type() == typeid(Object::Ptr)) {
    page.records.push_back(read_record(*list.extract<Object::Ptr>(), "data_list"));
  } else if (list.type() == typeid(Poco::JSON::Array::Ptr)) {
    auto array = list.extract<Poco::JSON::Array::Ptr>();
    for (std::size_t i = 0; i < array->size(); ++i) {
      std::string where = fmt::format("data_list[{}]", i);
      Var item = array->get(static_cast<unsigned>(i));
      if (item.type() != typeid(Object::Ptr)) fail(where, fmt::format("an object, got {}", describe(item)));
      page.records.push_back(read_record(*item.extract<Object::Ptr>(), where));
    }
  } else {
    fail("response.data_list", fmt::format("an array of records, got {}", describe(list)));
  }
  return page;
}

} // namespace gate::hss
