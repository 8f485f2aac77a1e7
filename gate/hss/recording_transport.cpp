#include "gate/hss/recording_transport.hpp"

#include "gate/error.hpp"
#include "gate/hss/json_document.hpp"
#include "gate/hss/json_reader.hpp"

#include <Poco/Exception.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/String.h>

#include <sstream>

namespace gate::hss {

namespace {

using Poco::Dynamic::Var;

// A member that may hold a secret's matched text: HSS's sensitive-information API calls it
// `content`; any spelling of it is dropped, wherever it sits.
bool is_secret_member(const std::string& name) { return Poco::icompare(name, "content") == 0; }

Var stripped(const Var& value) {
  if (value.type() == typeid(Poco::JSON::Object::Ptr)) {
    auto object = value.extract<Poco::JSON::Object::Ptr>();
    Poco::JSON::Object::Ptr copy = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
    for (const auto& name : object->getNames()) {
      if (!is_secret_member(name)) copy->set(name, stripped(object->get(name)));
    }
    return copy;
  }
  if (value.type() == typeid(Poco::JSON::Array::Ptr)) {
    auto array = value.extract<Poco::JSON::Array::Ptr>();
    Poco::JSON::Array::Ptr copy = new Poco::JSON::Array();
    for (std::size_t i = 0; i < array->size(); ++i) copy->add(stripped(array->get(static_cast<unsigned>(i))));
    return copy;
  }
  return value;
}

} // namespace

std::string exchange_key(const std::string& path, const Pairs& path_parameters, const Pairs& query) {
  return path + "\n" + canonical_query(path_parameters) + "\n" + canonical_query(query);
}

std::optional<std::string> without_secret_content(std::string_view body) {
  try {
    parse_json_object(body); // the readers' own checks: what they refuse is not worth keeping
    Var root = stripped(parse_json_document(body));
    std::ostringstream out;
    root.extract<Poco::JSON::Object::Ptr>()->stringify(out);
    return out.str();
  } catch (const ServiceError&) {
    return std::nullopt;
  } catch (const Poco::Exception&) {
    return std::nullopt;
  }
}

Response RecordingTransport::post(const Request& request) { return m_inner.post(request); }

Response RecordingTransport::get(const Request& request) {
  Response response = m_inner.get(request);
  if (auto body = without_secret_content(response.body)) {
    std::string key = exchange_key(request.path, request.path_parameters, request.query);
    std::lock_guard<std::mutex> lock(m_mutex);
    m_exchanges.insert_or_assign(key, Exchange{request.path, request.path_parameters, request.query, std::move(*body)});
  }
  return response;
}

std::vector<Exchange> RecordingTransport::exchanges() const {
  std::lock_guard<std::mutex> lock(m_mutex);
  std::vector<Exchange> all;
  all.reserve(m_exchanges.size());
  for (const auto& [key, exchange] : m_exchanges) all.push_back(exchange);
  return all;
}

} // namespace gate::hss
