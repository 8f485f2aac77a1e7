#include "gate/hss/json_reader.hpp"

#include "gate/error.hpp"
#include "gate/hss/json_document.hpp"

#include <Poco/Dynamic/Var.h>
#include <Poco/Exception.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/ParseHandler.h>
#include <Poco/JSON/Parser.h>
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <sstream>
#include <set>
#include <vector>

namespace gate::hss {

// A JSON number written with a fraction or an exponent ("7.5", "1e3", "1.0"). Poco reads each
// as a double and writes an integral one back without either; kept in this type, it is written
// back with a fraction, so that it is never an integer when read again.
struct NonIntegerNumber {
  double value;
};

} // namespace gate::hss

template <>
class Poco::Dynamic::VarHolderImpl<gate::hss::NonIntegerNumber> : public Poco::Dynamic::VarHolder {
public:
  explicit VarHolderImpl(const gate::hss::NonIntegerNumber& number) : m_number(number) {}
  const std::type_info& type() const override { return typeid(gate::hss::NonIntegerNumber); }
  void convert(double& value) const override { value = m_number.value; }
  void convert(float& value) const override { value = static_cast<float>(m_number.value); }
  void convert(std::string& value) const override {
    value = fmt::format("{}", m_number.value); // the shortest text that reads back as the same double
    if (value.find_first_of(".eEna") == std::string::npos) value += ".0";
  }
  bool isNumeric() const override { return true; }
  bool isInteger() const override { return false; }
  bool isSigned() const override { return true; }
  VarHolder* clone(Placeholder<VarHolder>* holder = nullptr) const override { return cloneHolder(holder, m_number); }
  const gate::hss::NonIntegerNumber& value() const { return m_number; }

private:
  gate::hss::NonIntegerNumber m_number;
};

namespace gate::hss {

using Poco::Dynamic::Var;
using Poco::JSON::Array;
using Poco::JSON::Object;

struct JsonObject::Impl {
  Object::Ptr object;
};

namespace {

std::string describe(const Var& value) {
  if (value.isEmpty()) return "null";
  if (value.isString()) return "a string";
  if (value.isBoolean()) return "a boolean";
  if (value.isInteger()) return "an integer";
  // Poco reads 1e3 as a double, so the text form is gone: name both ways a non-integer is written.
  if (value.isNumeric()) return fmt::format("a number written with a fraction or an exponent ({})", value.convert<std::string>());
  if (value.type() == typeid(Object::Ptr)) return "an object";
  if (value.type() == typeid(Array::Ptr)) return "an array";
  return "another type";
}

// The default handler keeps the last of two equal keys; a record that says two things about one
// field is ambiguous, so it is refused.
class StrictHandler : public Poco::JSON::ParseHandler {
public:
  StrictHandler() : Poco::JSON::ParseHandler(true) {}
  void startObject() override {
    m_keys.emplace_back();
    ParseHandler::startObject();
  }
  void endObject() override {
    m_keys.pop_back();
    ParseHandler::endObject();
  }
  void key(const std::string& name) override {
    if (!m_keys.back().insert(name).second) {
      throw ServiceError(fmt::format("unreadable HSS response: the key \"{}\" appears twice in one object", name),
                         ServiceCause::malformed_response);
    }
    ParseHandler::key(name);
  }

private:
  std::vector<std::set<std::string>> m_keys;
};

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
      if (++digits > 19) {
        throw ServiceError("unreadable HSS response: a number is out of the 64-bit range",
                           ServiceCause::malformed_response);
      }
    } else {
      digits = 0;
    }
  }
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

Var member_of(const Object& object, std::string_view key) { return object.get(std::string(key)); }

} // namespace

void fail_response(const std::string& where, const std::string& expected) {
  throw ServiceError(fmt::format("unreadable HSS response: {}: expected {}", where, expected),
                     ServiceCause::malformed_response);
}

JsonObject::JsonObject(std::shared_ptr<const Impl> impl, std::string where)
  : m_impl(std::move(impl)), m_where(std::move(where)) {}

const std::string& JsonObject::where() const { return m_where; }

std::string JsonObject::member(std::string_view key) const { return fmt::format("{}.{}", m_where, key); }

bool JsonObject::has(std::string_view key) const { return m_impl->object->has(std::string(key)); }

std::optional<std::string> JsonObject::text(std::string_view key) const {
  Var value = member_of(*m_impl->object, key);
  if (value.isEmpty()) return std::nullopt;
  if (!value.isString()) fail_response(member(key), fmt::format("a string, got {}", describe(value)));
  return value.extract<std::string>();
}

std::optional<bool> JsonObject::boolean(std::string_view key) const {
  Var value = member_of(*m_impl->object, key);
  if (value.isEmpty()) return std::nullopt;
  if (!value.isBoolean()) fail_response(member(key), fmt::format("a boolean, got {}", describe(value)));
  return value.convert<bool>();
}

std::optional<std::int64_t> JsonObject::integer(std::string_view key, std::int64_t min, std::int64_t max) const {
  Var value = member_of(*m_impl->object, key);
  if (value.isEmpty()) return std::nullopt;
  std::string range = fmt::format("an integer from {} to {}", min, max);
  // Poco counts booleans as integers; a count that is `true` is not a count.
  if (value.isBoolean() || !value.isInteger()) fail_response(member(key), fmt::format("an integer, got {}", describe(value)));
  std::int64_t number = 0;
  try {
    number = value.convert<std::int64_t>();
  } catch (const Poco::Exception&) {
    fail_response(member(key), range);
  }
  if (number < min || number > max) fail_response(member(key), fmt::format("{}, got {}", range, number));
  return number;
}

std::optional<double> JsonObject::number(std::string_view key) const {
  Var value = member_of(*m_impl->object, key);
  if (value.isEmpty()) return std::nullopt;
  if (value.isBoolean() || !value.isNumeric()) fail_response(member(key), fmt::format("a number, got {}", describe(value)));
  double number = value.convert<double>();
  if (!std::isfinite(number)) fail_response(member(key), "a finite number");
  return number;
}

std::string JsonObject::to_json(std::span<const std::string_view> without) const {
  Object copy(Poco::JSON_PRESERVE_KEY_ORDER);
  for (const auto& name : m_impl->object->getNames()) {
    if (std::find(without.begin(), without.end(), name) == without.end()) copy.set(name, m_impl->object->get(name));
  }
  std::ostringstream out;
  copy.stringify(out);
  return out.str();
}

std::optional<std::int64_t> JsonObject::size(std::string_view key) const {
  Var value = member_of(*m_impl->object, key);
  if (value.isString()) {
    auto parsed = parse_size_text(value.extract<std::string>());
    if (!parsed) fail_response(member(key), "a byte count such as 1000 or \"1,000 (bytes)\"");
    return parsed;
  }
  return integer(key, 0, std::numeric_limits<std::int64_t>::max());
}

std::vector<JsonObject> JsonObject::page_items(std::int64_t total_num, BareObject bare) const {
  auto list = objects("data_list", bare);
  if (list) return std::move(*list);
  if (!has("total_num")) fail_response("response", "members total_num and data_list");
  if (total_num > 0) {
    fail_response(member("data_list"),
                  fmt::format("an array of records, since total_num is {}, got {}", total_num,
                              has("data_list") ? "null" : "no data_list"));
  }
  return {};
}

std::optional<std::vector<JsonObject>> JsonObject::objects(std::string_view key, BareObject bare) const {
  Var list = member_of(*m_impl->object, key);
  if (list.isEmpty()) return std::nullopt;
  std::vector<JsonObject> items;
  std::string where = member(key);
  if (list.type() == typeid(Object::Ptr) && bare == BareObject::one_record) {
    items.emplace_back(std::make_shared<const Impl>(Impl{list.extract<Object::Ptr>()}), where);
    return items;
  }
  if (list.type() != typeid(Array::Ptr)) fail_response(where, fmt::format("an array of objects, got {}", describe(list)));
  auto array = list.extract<Array::Ptr>();
  items.reserve(array->size());
  for (std::size_t i = 0; i < array->size(); ++i) {
    std::string item_where = fmt::format("{}[{}]", where, i);
    Var item = array->get(static_cast<unsigned>(i));
    if (item.type() != typeid(Object::Ptr)) fail_response(item_where, fmt::format("an object, got {}", describe(item)));
    items.emplace_back(std::make_shared<const Impl>(Impl{item.extract<Object::Ptr>()}), item_where);
  }
  return items;
}

std::optional<std::vector<std::string>> JsonObject::texts(std::string_view key) const {
  Var list = member_of(*m_impl->object, key);
  if (list.isEmpty()) return std::nullopt;
  std::string where = member(key);
  if (list.type() != typeid(Array::Ptr)) fail_response(where, fmt::format("an array of strings, got {}", describe(list)));
  auto array = list.extract<Array::Ptr>();
  std::vector<std::string> items;
  items.reserve(array->size());
  for (std::size_t i = 0; i < array->size(); ++i) {
    Var item = array->get(static_cast<unsigned>(i));
    if (!item.isString()) fail_response(fmt::format("{}[{}]", where, i), fmt::format("a string, got {}", describe(item)));
    items.push_back(item.extract<std::string>());
  }
  return items;
}

std::optional<JsonObject> JsonObject::object(std::string_view key) const {
  Var value = member_of(*m_impl->object, key);
  if (value.isEmpty()) return std::nullopt;
  if (value.type() != typeid(Object::Ptr)) fail_response(member(key), fmt::format("an object, got {}", describe(value)));
  return JsonObject(std::make_shared<const Impl>(Impl{value.extract<Object::Ptr>()}), member(key));
}

std::vector<std::string> JsonObject::keys() const {
  std::vector<std::string> names;
  for (const auto& name : m_impl->object->getNames()) names.push_back(name);
  return names;
}

struct JsonBuilder::Impl {
  Object::Ptr object = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
};

namespace {

Var parse_part(const std::string& json) { return parse_json_document(json); }

} // namespace

JsonBuilder::JsonBuilder() : m_impl(std::make_unique<Impl>()) {}
JsonBuilder::~JsonBuilder() = default;
JsonBuilder::JsonBuilder(JsonBuilder&&) noexcept = default;
JsonBuilder& JsonBuilder::operator=(JsonBuilder&&) noexcept = default;

JsonBuilder& JsonBuilder::set_json(const std::string& key, const std::string& json) {
  m_impl->object->set(key, parse_part(json));
  return *this;
}

JsonBuilder& JsonBuilder::set(const std::string& key, const std::string& text) {
  m_impl->object->set(key, text);
  return *this;
}

JsonBuilder& JsonBuilder::set(const std::string& key, std::int64_t number) {
  m_impl->object->set(key, static_cast<Poco::Int64>(number));
  return *this;
}

JsonBuilder& JsonBuilder::set(const std::string& key, JsonBuilder object) {
  m_impl->object->set(key, object.m_impl->object);
  return *this;
}

JsonBuilder& JsonBuilder::set_array(const std::string& key, const std::vector<std::string>& json_items) {
  Array::Ptr array = new Array();
  for (const auto& item : json_items) array->add(parse_part(item));
  m_impl->object->set(key, array);
  return *this;
}

JsonBuilder& JsonBuilder::set_array(const std::string& key, std::span<const JsonObject* const> items) {
  Array::Ptr array = new Array();
  for (const JsonObject* item : items) array->add(item->m_impl->object);
  m_impl->object->set(key, array);
  return *this;
}

std::string JsonBuilder::str() const {
  std::ostringstream out;
  m_impl->object->stringify(out);
  return out.str();
}

namespace {

// Replaces every double in the tree by a NonIntegerNumber.
void keep_non_integers(Var& value) {
  if (value.type() == typeid(double)) {
    value = NonIntegerNumber{value.extract<double>()};
  } else if (value.type() == typeid(Object::Ptr)) {
    auto object = value.extract<Object::Ptr>();
    for (const auto& name : object->getNames()) {
      Var member = object->get(name);
      if (member.type() != typeid(double) && member.type() != typeid(Object::Ptr) && member.type() != typeid(Array::Ptr)) continue;
      keep_non_integers(member);
      object->set(name, member);
    }
  } else if (value.type() == typeid(Array::Ptr)) {
    auto array = value.extract<Array::Ptr>();
    for (std::size_t i = 0; i < array->size(); ++i) {
      Var item = array->get(static_cast<unsigned>(i));
      keep_non_integers(item);
      array->set(static_cast<unsigned>(i), item);
    }
  }
}

// "line 3, column 14" of the byte at `offset`, counting columns in bytes.
std::string position_of(std::string_view text, std::size_t offset) {
  std::string_view before = text.substr(0, std::min(offset, text.size()));
  auto line = 1 + std::count(before.begin(), before.end(), '\n');
  std::size_t last_break = before.rfind('\n');
  std::size_t column = before.size() - (last_break == std::string_view::npos ? 0 : last_break + 1) + 1;
  return fmt::format("line {}, column {}", line, column);
}

} // namespace

Var parse_json_document(std::string_view text) {
  refuse_oversized_numbers(text);
  // Poco's parser reads a stream one byte at a time: where it stopped is where the text went wrong.
  std::istringstream in{std::string(text)};
  Var root;
  try {
    Poco::JSON::Parser parser(new StrictHandler);
    root = parser.parse(in);
  } catch (const ServiceError&) {
    throw;
  } catch (const Poco::Exception& e) {
    std::string what = e.message().empty() ? e.displayText() : e.message();
    in.clear();
    auto consumed = static_cast<std::size_t>(std::max<std::streamoff>(0, in.tellg()));
    // The parser has read the offending byte, except where the text ends too soon or goes on
    // after the end, which it only peeks at.
    bool peeked = what.find("end of text") != std::string::npos || what.rfind("Excess", 0) == 0;
    std::size_t offset = peeked || consumed == 0 ? consumed : consumed - 1;
    while (peeked && offset < text.size() && std::isspace(static_cast<unsigned char>(text[offset]))) ++offset;
    throw ServiceError(fmt::format("not valid JSON at {} ({})", position_of(text, offset), what),
                       ServiceCause::malformed_response);
  }
  keep_non_integers(root);
  return root;
}

JsonObject parse_json_object(std::string_view body) {
  Var root;
  try {
    root = parse_json_document(body);
  } catch (const ServiceError& e) {
    if (e.cause() != ServiceCause::malformed_response || std::string_view(e.what()).rfind("unreadable", 0) == 0) throw;
    throw e.reworded(fmt::format("unreadable HSS response: {}", e.what()));
  }
  if (root.type() != typeid(Object::Ptr)) fail_response("response", fmt::format("a JSON object, got {}", describe(root)));
  return JsonObject(std::make_shared<const JsonObject::Impl>(JsonObject::Impl{root.extract<Object::Ptr>()}), "response");
}

} // namespace gate::hss
