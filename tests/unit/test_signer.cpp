#include "gate/hss/signer.hpp"

#include "helpers.hpp"

#include <fmt/format.h>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/URI.h>
#include <boost/test/unit_test.hpp>

using namespace gate::hss;
using Poco::JSON::Array;
using Poco::JSON::Object;

namespace {

Object::Ptr vectors() {
  Poco::JSON::Parser parser;
  return parser.parse(test::read_file(HSS_GATE_TEST_DATA "/signer-vectors.json")).extract<Object::Ptr>();
}

// Query values as the SDK stringifies them: numbers in decimal, booleans as true/false, arrays
// as one parameter per element.
Pairs query_of(const Array::Ptr& given) {
  Pairs query;
  for (std::size_t i = 0; i < given->size(); ++i) {
    auto pair = given->getArray(static_cast<unsigned>(i));
    std::string key = pair->getElement<std::string>(0);
    auto value = pair->get(1);
    if (value.type() == typeid(Array::Ptr)) {
      auto items = value.extract<Array::Ptr>();
      for (std::size_t j = 0; j < items->size(); ++j) query.emplace_back(key, items->get(static_cast<unsigned>(j)).toString());
    } else {
      query.emplace_back(key, value.toString());
    }
  }
  return query;
}

Pairs headers_of(const Object::Ptr& given) {
  Pairs headers;
  for (const auto& [name, value] : *given) headers.emplace_back(name, value.toString());
  return headers;
}

} // namespace

BOOST_AUTO_TEST_SUITE(signer)

BOOST_AUTO_TEST_CASE(every_official_sdk_vector_is_reproduced_byte_for_byte) {
  auto all = vectors()->getArray("vectors");
  BOOST_REQUIRE(all->size() == 16u);
  for (std::size_t i = 0; i < all->size(); ++i) {
    auto vector = all->getObject(static_cast<unsigned>(i));
    auto in = vector->getObject("input");
    auto out = vector->getObject("output");
    BOOST_TEST_CONTEXT(vector->getValue<std::string>("id")) {
      SignInput input;
      input.method = in->getValue<std::string>("method");
      input.query = query_of(in->getArray("query_params_in_given_order"));
      if (vector->getValue<std::string>("kind") == "pipeline") {
        // What hss-gate's client sends: Content-Type, X-Project-Id and X-Security-Token when set.
        input.host = in->getValue<std::string>("host");
        input.path = in->getValue<std::string>("path_template");
        input.headers.emplace_back("Content-Type", "application/json");
        if (!in->isNull("project_id_credential")) {
          std::string project = in->getValue<std::string>("project_id_credential");
          input.path.replace(input.path.find("{project_id}"), 12, project);
          input.headers.emplace_back("X-Project-Id", project);
        }
        if (!in->isNull("security_token_credential")) {
          input.headers.emplace_back("X-Security-Token", in->getValue<std::string>("security_token_credential"));
        }
      } else {
        Poco::URI uri(in->getValue<std::string>("endpoint_passed_to_signer"));
        input.host = uri.getAuthority();
        input.path = uri.getPath();
        input.headers = headers_of(in->getObject("headers"));
        input.body = in->getValue<std::string>("body_bytes_hashed");
      }
      auto signed_request = sign_request(input, in->getValue<std::string>("ak"), in->getValue<std::string>("sk"),
                                         "20240501T123456Z");
      BOOST_TEST(signed_request.canonical_request == out->getValue<std::string>("canonical_request"));
      BOOST_TEST(signed_request.string_to_sign == out->getValue<std::string>("string_to_sign"));
      BOOST_TEST(signed_request.authorization == out->getValue<std::string>("authorization"));
      BOOST_TEST(signed_request.sdk_date == out->getValue<std::string>("x_sdk_date"));
    }
  }
}

BOOST_AUTO_TEST_CASE(the_go_sdk_canonical_query_vector_matches) {
  auto go = vectors()->getArray("go_sdk_unit_test_vectors");
  for (std::size_t i = 0; i < go->size(); ++i) {
    auto vector = go->getObject(static_cast<unsigned>(i));
    if (!vector->has("expected_canonical_query")) continue;
    BOOST_TEST(canonical_query(query_of(vector->getArray("query"))) ==
               vector->getValue<std::string>("expected_canonical_query"));
  }
}

BOOST_AUTO_TEST_CASE(percent_encoding_keeps_only_unreserved_characters) {
  std::string expected;
  for (int c = 0x20; c < 0x7F; ++c) {
    bool unreserved = std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~';
    expected += unreserved ? std::string(1, static_cast<char>(c)) : fmt::format("%{:02X}", c);
  }
  std::string all;
  for (int c = 0x20; c < 0x7F; ++c) all += static_cast<char>(c);
  BOOST_TEST(percent_encode(all) == expected);
  BOOST_TEST(percent_encode("\xC3\xA9") == "%C3%A9");
}

BOOST_AUTO_TEST_CASE(the_date_header_is_compact_utc) {
  auto time = std::chrono::system_clock::time_point(std::chrono::seconds(1714566896)); // 2024-05-01T12:34:56Z
  BOOST_TEST(sdk_date_of(time) == "20240501T123456Z");
}

BOOST_AUTO_TEST_SUITE_END()
